/* nn core: SGD with momentum and Adam, PyTorch's update formulas exactly
 * (torch.optim.SGD / torch.optim.Adam, single-tensor path; doc/models.md §0),
 * as flat loops over the trainable part of the parameter slab. */
#include "tensor_internal.h"

#include <math.h>
#include <stdlib.h>

static float *state_new(size_t n, g99_error *err, const char *what)
{
    float *s = (float *)calloc(n ? n : 1, sizeof(float));
    if (!s) g99_fail(err, G99_ENOMEM, "%s: out of memory for %lu floats", what, (unsigned long)n);
    return s;
}

/* The optimizers' common checks: made for this table, still allocated. */
static int check_table(const char *what, size_t n, const float *state, const float *lr_scale, size_t n_scale,
                       const nn_params *p, g99_error *err)
{
    if (!p || !p->data) return g99_fail(err, G99_EINVAL, "%s: parameters not allocated", what);
    if (!state) return g99_fail(err, G99_EINVAL, "%s: optimizer not initialized (or freed)", what);
    if (n != p->n_train)
        return g99_fail(err, G99_EINVAL, "%s: optimizer made for %lu trainable floats, the table has %lu", what,
                        (unsigned long)n, (unsigned long)p->n_train);
    if (lr_scale && n_scale != p->n)
        return g99_fail(err, G99_EINVAL, "%s: learning-rate scales set for %lu tensors, the table has %lu", what,
                        (unsigned long)n_scale, (unsigned long)p->n);
    return 0;
}

/* Sets scale for the trainable entries of p whose name starts with prefix;
 * *lr_scale (one float per table entry, 1 by default) is made on first use. */
static int set_lr_scale(const char *what, float **lr_scale, size_t *n_scale, const nn_params *p,
                        const char *prefix, float scale, g99_error *err)
{
    size_t i, plen, hits = 0;
    if (!p || !p->data) return g99_fail(err, G99_EINVAL, "%s: parameters not allocated", what);
    if (!prefix) prefix = "";
    if (!(scale >= 0.0f) || scale > 3.4e38f)
        return g99_fail(err, G99_EINVAL, "%s: learning-rate scale %g for \"%s\" (want finite and >= 0)", what,
                        (double)scale, prefix);
    if (*lr_scale && *n_scale != p->n)
        return g99_fail(err, G99_EINVAL, "%s: learning-rate scales set for %lu tensors, the table has %lu", what,
                        (unsigned long)*n_scale, (unsigned long)p->n);
    plen = strlen(prefix);
    for (i = 0; i < p->n; i++)
        if (p->t[i]->grad && strncmp(p->t[i]->name, prefix, plen) == 0) hits++;
    if (!hits) return g99_fail(err, G99_EINVAL, "%s: no trainable tensor's name starts with \"%s\"", what, prefix);
    if (!*lr_scale) {
        *lr_scale = (float *)malloc((p->n ? p->n : 1) * sizeof(float));
        if (!*lr_scale) return g99_fail(err, G99_ENOMEM, "%s: out of memory", what);
        for (i = 0; i < p->n; i++) (*lr_scale)[i] = 1.0f;
        *n_scale = p->n;
    }
    for (i = 0; i < p->n; i++)
        if (p->t[i]->grad && strncmp(p->t[i]->name, prefix, plen) == 0) (*lr_scale)[i] = scale;
    return 0;
}

/* The next run of the slab with one learning-rate scale, from table entry
 * *i on: [*begin, *end) and its scale; 0 when the table is done. Trainable
 * tensors lie in the slab in table order, one after another. */
static int next_run(const nn_params *p, const float *lr_scale, size_t *i, size_t *begin, size_t *end, float *scale)
{
    while (*i < p->n && !p->t[*i]->grad) (*i)++;
    if (*i >= p->n) return 0;
    *begin = (size_t)(p->t[*i]->grad - p->grad);
    *scale = lr_scale[*i];
    *end = *begin;
    while (*i < p->n && (!p->t[*i]->grad || lr_scale[*i] == *scale)) {
        if (p->t[*i]->grad) *end = (size_t)(p->t[*i]->grad - p->grad) + p->t[*i]->numel;
        (*i)++;
    }
    return 1;
}

int nn_sgd_init(nn_sgd *o, const nn_params *p, float lr, float momentum, g99_error *err)
{
    memset(o, 0, sizeof *o);
    if (!p->data) return g99_fail(err, G99_EINVAL, "sgd: parameters not allocated");
    o->lr = lr;
    o->momentum = momentum;
    o->n = p->n_train;
    o->buf = state_new(o->n, err, "sgd");
    return o->buf ? 0 : G99_ENOMEM;
}

int nn_sgd_set_lr_scale(nn_sgd *o, const nn_params *p, const char *name_prefix, float scale, g99_error *err)
{
    return set_lr_scale("sgd", &o->lr_scale, &o->n_scale, p, name_prefix, scale, err);
}

/* PyTorch (torch/optim/sgd.py, _single_tensor_sgd), per element:
 *   d = g + wd p                  grad.add(param, alpha=wd): one rounding
 *                                 (its CPU kernel is a fused multiply-add)
 *   b = d (first step), else b momentum + d
 *   p = p + (-lr) b               param.add_(b, alpha=-lr)
 * A group's lr is lr * scale (in double, rounded to float as the product
 * meets the tensors). */
static void sgd_run(nn_sgd *o, nn_params *p, size_t begin, size_t end, float lr)
{
    size_t i;
    float *w = p->data, *g = p->grad, *b = o->buf, wd = o->weight_decay;
    for (i = begin; i < end; i++) {
        float d = wd != 0.0f ? fmaf(wd, w[i], g[i]) : g[i];
        if (o->momentum != 0.0f) {
            /* the buffer starts as a copy of the first gradient (PyTorch) */
            b[i] = o->step == 0 ? d : b[i] * o->momentum + d;
            d = b[i];
        }
        w[i] = w[i] + (-lr) * d;   /* param.add_(d, alpha=-lr) */
    }
}

int nn_sgd_step(nn_sgd *o, nn_params *p, g99_error *err)
{
    size_t i = 0, begin, end;
    float scale;
    if (!o) return g99_fail(err, G99_EINVAL, "sgd: no optimizer");
    if (check_table("sgd", o->n, o->buf, o->lr_scale, o->n_scale, p, err)) return G99_EINVAL;
    if (!o->lr_scale) sgd_run(o, p, 0, o->n, o->lr);
    else
        while (next_run(p, o->lr_scale, &i, &begin, &end, &scale))
            sgd_run(o, p, begin, end, scale == 1.0f ? o->lr : (float)((double)o->lr * scale));
    o->step++;
    return 0;
}

void nn_sgd_free(nn_sgd *o)
{
    free(o->buf);
    free(o->lr_scale);
    memset(o, 0, sizeof *o);
}

int nn_adam_init(nn_adam *o, const nn_params *p, float lr, float beta1, float beta2, float eps, g99_error *err)
{
    memset(o, 0, sizeof *o);
    if (!p->data) return g99_fail(err, G99_EINVAL, "adam: parameters not allocated");
    o->lr = lr;
    o->beta1 = beta1;
    o->beta2 = beta2;
    o->eps = eps;
    o->n = p->n_train;
    o->beta1_t = o->beta2_t = 1.0;
    o->m = state_new(o->n, err, "adam");
    o->v = o->m ? state_new(o->n, err, "adam") : NULL;
    if (!o->v) {
        nn_adam_free(o);
        return G99_ENOMEM;
    }
    return 0;
}

int nn_adam_set_lr_scale(nn_adam *o, const nn_params *p, const char *name_prefix, float scale, g99_error *err)
{
    return set_lr_scale("adam", &o->lr_scale, &o->n_scale, p, name_prefix, scale, err);
}

/* PyTorch (torch/optim/adam.py, _single_tensor_adam), per element:
 *   g = g + wd p                           grad.add(param, alpha=wd), fused (when wd != 0)
 *   m = m * b1 + g * (1 - b1)              exp_avg.mul_(b1).add_(g, alpha=1-b1)
 *   v = v * b2 + ((1 - b2) * g) * g        exp_avg_sq.mul_(b2).addcmul_(g, g, value=1-b2)
 *   denom = sqrt(v) / sqrt(1 - b2^t) + eps
 *   p = p + (-lr / (1 - b1^t)) * m / denom  param.addcdiv_(m, denom, value=-step_size)
 * The bias corrections are Python floats (double) rounded to float where
 * they meet the tensors; b^t is a running product in double here, where
 * Python takes a pow: identical to well below float resolution. sqrt is
 * sqrtf/sqrt, correctly rounded everywhere (no libm transcendental). A
 * group's lr is lr * scale, in double like Python's. */
static void adam_run(const nn_adam *o, nn_params *p, size_t begin, size_t end, double lr)
{
    nn_k_adam_coef c;
    c.b1 = o->beta1;
    c.b2 = o->beta2;
    c.a1 = (float)(1.0 - (double)o->beta1);
    c.a2 = (float)(1.0 - (double)o->beta2);
    c.step_size = (float)(-lr / (1.0 - o->beta1_t));
    c.bc2_sqrt = (float)sqrt(1.0 - o->beta2_t);
    c.eps = o->eps;
    /* the element loop is a kernel (kernels.h): each SIMD set's lanes do
     * the same correctly rounded operations */
    if (o->weight_decay != 0.0f)
        nn_k_adam_wd(&c, o->weight_decay, end - begin, p->data + begin, p->grad + begin, o->m + begin,
                     o->v + begin);
    else
        nn_k_adam(&c, end - begin, p->data + begin, p->grad + begin, o->m + begin, o->v + begin);
}

int nn_adam_step(nn_adam *o, nn_params *p, g99_error *err)
{
    size_t i = 0, begin, end;
    float scale;
    if (!o) return g99_fail(err, G99_EINVAL, "adam: no optimizer");
    if (check_table("adam", o->n, o->m, o->lr_scale, o->n_scale, p, err)) return G99_EINVAL;
    o->step++;
    o->beta1_t *= o->beta1;
    o->beta2_t *= o->beta2;
    if (!o->lr_scale) adam_run(o, p, 0, o->n, (double)o->lr);
    else
        while (next_run(p, o->lr_scale, &i, &begin, &end, &scale)) adam_run(o, p, begin, end, (double)o->lr * scale);
    return 0;
}

void nn_adam_free(nn_adam *o)
{
    free(o->m);
    free(o->v);
    free(o->lr_scale);
    memset(o, 0, sizeof *o);
}
