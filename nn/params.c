/* nn core: the parameter store (doc/design.md §2.3, §4.1). Every trainable tensor and
 * buffer of a model lives in one slab, named by the reference
 * implementation's state_dict key ("main.0.weight", "main.1.running_mean"),
 * so the optimizers are flat loops over [0, n_train) and a checkpoint is a
 * loop over the table, with no renaming between gan99 and PyTorch.
 *
 * Two phases: declare every tensor (nn_params_add), then allocate the slab
 * once (nn_params_alloc). Trainable tensors are laid out first, in
 * declaration order, then the buffers; the table keeps declaration order,
 * which is the state_dict order. */
#include "tensor_internal.h"

#include <stdlib.h>

void nn_params_init(nn_params *p)
{
    memset(p, 0, sizeof *p);
}

void nn__life_unref(nn_params_life *l)
{
    if (l && --l->refs == 0) free(l);
}

void nn_params_free(nn_params *p)
{
    size_t i;
    if (!p) return;
    if (p->life) {
        p->life->alive = 0;
        nn__life_unref(p->life);
    }
    for (i = 0; i < p->n; i++) free(p->t[i]);  /* the name is in the same block */
    free(p->t);
    free(p->kind);
    free(p->data);
    free(p->grad);
    nn_params_init(p);
}

nn_tensor *nn_params_find(const nn_params *p, const char *name)
{
    size_t i;
    for (i = 0; i < p->n; i++)
        if (strcmp(p->t[i]->name, name) == 0) return p->t[i];
    return NULL;
}

nn_tensor *nn_params_add(nn_params *p, const char *name, int kind, int ndim, const int *shape, g99_error *err)
{
    size_t numel = 1, len, total;
    nn_tensor *t;
    int i;
    if (!p || !name || !*name) {
        g99_fail(err, G99_EINVAL, "params_add: no name");
        return NULL;
    }
    if (p->data) {
        g99_fail(err, G99_EINVAL, "params_add: %s declared after nn_params_alloc", name);
        return NULL;
    }
    if (kind != NN_PARAM && kind != NN_BUFFER && kind != NN_COUNTER) {
        g99_fail(err, G99_EINVAL, "params_add: %s: kind %d", name, kind);
        return NULL;
    }
    if (ndim < 0 || ndim > NN_MAX_DIMS || (ndim > 0 && !shape)) {
        g99_fail(err, G99_EINVAL, "params_add: %s: %d dims", name, ndim);
        return NULL;
    }
    for (i = 0; i < ndim; i++)
        if (shape[i] < 1 || g99_size_mul(numel, (size_t)shape[i], &numel)) {
            g99_fail(err, G99_EINVAL, "params_add: %s: dim %d is %d", name, i, shape[i]);
            return NULL;
        }
    if (nn_params_find(p, name)) {
        g99_fail(err, G99_EINVAL, "params_add: %s declared twice", name);
        return NULL;
    }
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 16;
        nn_tensor **nt = (nn_tensor **)realloc(p->t, cap * sizeof *nt);
        int *nk = nt ? (int *)realloc(p->kind, cap * sizeof *nk) : NULL;
        if (nt) p->t = nt;
        if (!nk) {
            g99_fail(err, G99_ENOMEM, "params_add: %s: out of memory", name);
            return NULL;
        }
        p->kind = nk;
        p->cap = cap;
    }
    if (!p->life) {
        p->life = (nn_params_life *)calloc(1, sizeof *p->life);
        if (!p->life) {
            g99_fail(err, G99_ENOMEM, "params_add: %s: out of memory", name);
            return NULL;
        }
        p->life->alive = 1;
        p->life->refs = 1;
        strncpy(p->life->first, name, sizeof p->life->first - 1);
    }
    len = strlen(name);
    total = sizeof *t + len + 1;
    t = (nn_tensor *)calloc(1, total);
    if (!t) {
        g99_fail(err, G99_ENOMEM, "params_add: %s: out of memory", name);
        return NULL;
    }
    memcpy((char *)(t + 1), name, len + 1);
    t->name = (const char *)(t + 1);
    t->ndim = ndim;
    for (i = 0; i < NN_MAX_DIMS; i++) t->shape[i] = i < ndim ? shape[i] : 1;
    t->numel = numel;
    t->requires_grad = kind == NN_PARAM;
    t->magic = NN_TENSOR_MAGIC;
    t->gen = NN_GEN_PERSISTENT;
    t->life = p->life;
    p->kind[p->n] = kind;
    p->t[p->n++] = t;
    return t;
}

int nn_params_alloc(nn_params *p, g99_error *err)
{
    size_t i, n_train = 0, n_total = 0, off_train = 0, off_buf;
    if (p->data) return g99_fail(err, G99_EINVAL, "params_alloc: already allocated");
    for (i = 0; i < p->n; i++) {
        if (g99_size_add(n_total, p->t[i]->numel, &n_total)) return g99_fail(err, G99_ELIMIT, "params_alloc: too large");
        if (p->t[i]->requires_grad) n_train += p->t[i]->numel;
    }
    if (n_total > (size_t)-1 / sizeof(float)) return g99_fail(err, G99_ELIMIT, "params_alloc: too large");
    p->data = (float *)calloc(n_total ? n_total : 1, sizeof(float));
    p->grad = (float *)calloc(n_train ? n_train : 1, sizeof(float));
    if (!p->data || !p->grad) {
        free(p->data);
        free(p->grad);
        p->data = p->grad = NULL;
        return g99_fail(err, G99_ENOMEM, "params_alloc: out of memory for %lu floats", (unsigned long)n_total);
    }
    off_buf = n_train;
    for (i = 0; i < p->n; i++) {
        nn_tensor *t = p->t[i];
        if (t->requires_grad) {
            t->data = p->data + off_train;
            t->grad = p->grad + off_train;
            off_train += t->numel;
        } else {
            t->data = p->data + off_buf;
            off_buf += t->numel;
        }
    }
    p->n_train = n_train;
    p->n_total = n_total;
    return 0;
}

void nn_params_zero_grad(nn_params *p)
{
    if (p->grad) nn_k_zero(p->grad, p->n_train);
}
