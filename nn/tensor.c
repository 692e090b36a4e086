/* nn core: tensors, the context and the tape (doc/design.md §4.1; doc/models.md §0, §7).
 *
 * Design
 * ------
 * nn_tensor: float32, 0 to 4 dims (N, C, H, W), always contiguous row-major.
 *   It carries its data, .grad (parameters only) and .node, the tape record
 *   of the op that made it (NULL for a leaf). A view (nn_reshape, nn_detach)
 *   is a new tensor record sharing the data; no op ever writes its inputs.
 *
 * nn_ctx: owns the arena, the tape, the grad mode and a sticky g99_error.
 *   - Arena (tensor_arena.c): every tensor record, its data, every tape
 *     node and all kernel scratch of a step; nn_ctx_reset releases them at
 *     once. After the first steps the arena is one block of the high-water
 *     size, so the steady state calls no malloc. A step may also drop what
 *     it made since a mark (nn_ctx_mark / nn_ctx_rewind: a dead pass) and an
 *     op its own scratch (nn__scratch_mark / nn__scratch_release).
 *   - Tape: nodes in creation order, a doubly linked list. Since an op's
 *     inputs exist before its output, the reverse of creation order is a
 *     topological order, which is all the backward pass needs.
 *   - Errors: an op given bad shapes records "conv2d: input [2,3,8,8] has 3
 *     channels, weight [4,5,3,3] wants 5" and returns NULL; an op given
 *     NULL, or called after an error, returns NULL without touching the
 *     first message. So a whole forward pass is checked once, at its end.
 *     A tensor from before the last reset is caught by its generation
 *     stamp ("freed tensor"); parameters have the persistent stamp 0.
 *
 * Autograd (autograd.c) with second-order gradients from the start: an op
 *   records a node only when the context records and an input requires a
 *   gradient. Each node's backward computes its input gradients with the
 *   public ops themselves. nn_backward/nn_grad run those backwards with
 *   recording off (create_graph = 0: plain numbers) or on (create_graph = 1:
 *   the gradients are graph tensors, so differentiating a function of them,
 *   like the R1 penalty, works). One code path for both, except that batch
 *   norm and the activations take a fused kernel when nothing records
 *   (ops_norm.c, ops_unary.c), to hold no per-element temporaries.
 *
 * Parameters (params.c): one slab (trainable values first, then buffers
 *   such as BN running statistics) and a table of names that are the
 *   reference state_dict keys ("main.0.weight"), so the optimizers and the
 *   checkpoints are flat loops over the slab and the table.
 *
 * Kernels (kernels/kernels.h): the hot loops (SGEMM, im2col/col2im, the
 *   canonical long sum) behind a narrow seam with one scalar reference each;
 *   every reduction uses the canonical order of doc/determinism.md §4.2.
 *
 * This file: the context, tensor records, validity checks and recording. */
#include "tensor_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

nn_ctx *nn_ctx_new(size_t arena_bytes)
{
    nn_ctx *ctx = (nn_ctx *)calloc(1, sizeof *ctx);
    if (!ctx) return NULL;
    if (nn__arena_init(&ctx->arena, arena_bytes)) {
        free(ctx);
        return NULL;
    }
    ctx->grad_enabled = 1;
    ctx->gen = 1;
    return ctx;
}

/* Drops the context's references to the tables its tape pointed into,
 * down to the first keep. */
static void lives_release(nn_ctx *ctx, size_t keep)
{
    while (ctx->n_lives > keep) nn__life_unref(ctx->lives[--ctx->n_lives]);
}

/* Notes that the tape now points into t's table (once per table). */
static int lives_add(nn_ctx *ctx, nn_params_life *l)
{
    size_t i;
    for (i = 0; i < ctx->n_lives; i++)
        if (ctx->lives[i] == l) return 0;
    if (ctx->n_lives == ctx->cap_lives) {
        size_t cap = ctx->cap_lives ? 2 * ctx->cap_lives : 8;
        nn_params_life **nl = (nn_params_life **)realloc(ctx->lives, cap * sizeof *nl);
        if (!nl) return -1;
        ctx->lives = nl;
        ctx->cap_lives = cap;
    }
    l->refs++;
    ctx->lives[ctx->n_lives++] = l;
    return 0;
}

int nn__lives_check(nn_ctx *ctx, const char *api)
{
    size_t i;
    for (i = 0; i < ctx->n_lives; i++)
        if (!ctx->lives[i]->alive) {
            nn__fail(ctx, G99_EINVAL, "%s: the parameter table of \"%s\" was freed while its tensors are on the "
                     "tape (nn_params_free before the backward pass; reset the context first)", api,
                     ctx->lives[i]->first);
            return 0;
        }
    return 1;
}

void nn_ctx_free(nn_ctx *ctx)
{
    if (!ctx) return;
    lives_release(ctx, 0);
    free(ctx->lives);
    nn__arena_free(&ctx->arena);
    if (!ctx->arena.fixed) free(ctx);   /* a fixed context is in the caller's memory */
}

void nn_ctx_reset(nn_ctx *ctx)
{
    if (!ctx) return;
    nn__arena_reset(&ctx->arena);
    ctx->tape_head = ctx->tape_tail = NULL;
    ctx->touched = NULL;
    ctx->leaf_grads = NULL;
    lives_release(ctx, 0);
    ctx->gen++;
    if (ctx->gen == NN_GEN_PERSISTENT) ctx->gen = 1;
}

nn_mark nn_ctx_mark(nn_ctx *ctx)
{
    nn_mark m;
    nn_arena_mark am = nn__arena_mark(&ctx->arena);
    m.block = am.block;
    m.used = am.used;
    m.in_use = am.in_use;
    m.tape = ctx->tape_tail;
    m.leaf_grads = ctx->leaf_grads;
    m.n_lives = ctx->n_lives;
    m.gen = ctx->gen;
    return m;
}

void nn_ctx_rewind(nn_ctx *ctx, nn_mark m)
{
    nn_arena_mark am;
    nn_leaf_grad *lg;
    if (!ctx || m.gen != ctx->gen) return;
    /* .grad arrays of arena leaves allocated since the mark go with it */
    for (lg = ctx->leaf_grads; lg && lg != (const nn_leaf_grad *)m.leaf_grads; lg = lg->next) lg->t->grad = NULL;
    ctx->leaf_grads = (nn_leaf_grad *)m.leaf_grads;
    /* tables first recorded after the mark are on no remaining node */
    lives_release(ctx, m.n_lives);
    /* the nodes after the saved tail live in the memory about to go */
    ctx->tape_tail = (nn_node *)m.tape;
    if (ctx->tape_tail) ctx->tape_tail->next = NULL;
    else ctx->tape_head = NULL;
    ctx->touched = NULL;
    am.block = (const nn_arena_block *)m.block;
    am.used = m.used;
    am.in_use = m.in_use;
    nn__arena_release(&ctx->arena, am);
}

nn_scratch nn__scratch_mark(nn_ctx *ctx)
{
    nn_scratch s;
    s.m = nn__arena_mark(&ctx->arena);
    s.gen = ctx->gen;
    return s;
}

void nn__scratch_release(nn_ctx *ctx, nn_scratch mark)
{
    if (mark.gen == ctx->gen) nn__arena_release(&ctx->arena, mark.m);
}

const g99_error *nn_ctx_error(const nn_ctx *ctx)
{
    return &ctx->err;
}

void nn_ctx_clear_error(nn_ctx *ctx)
{
    g99_error_clear(&ctx->err);
}

int nn_set_grad_enabled(nn_ctx *ctx, int enabled)
{
    int prev = ctx->grad_enabled;
    ctx->grad_enabled = enabled != 0;
    return prev;
}

void nn_ctx_arena_stats(const nn_ctx *ctx, size_t *used, size_t *reserved, size_t *mallocs)
{
    nn__arena_stats(&ctx->arena, used, reserved);
    if (mallocs) *mallocs = ctx->arena.mallocs;
}

void *nn__fail(nn_ctx *ctx, int code, const char *fmt, ...)
{
    va_list ap;
    if (ctx->err.code != G99_OK) return NULL;  /* the first error sticks */
    ctx->err.code = code;
    va_start(ap, fmt);
    vsnprintf(ctx->err.msg, sizeof ctx->err.msg, fmt, ap);
    va_end(ap);
    return NULL;
}

int nn__ok(nn_ctx *ctx, const char *op, const char *what, const nn_tensor *t)
{
    if (ctx->err.code != G99_OK) return 0;
    if (!t) {
        nn__fail(ctx, G99_EINVAL, "%s: %s is NULL", op, what);
        return 0;
    }
    if (t->magic != NN_TENSOR_MAGIC || (t->gen != NN_GEN_PERSISTENT && t->gen != ctx->gen)) {
        nn__fail(ctx, G99_EINVAL, "%s: %s is a freed tensor (from before nn_ctx_reset)", op, what);
        return 0;
    }
    return 1;
}

void *nn__alloc(nn_ctx *ctx, const char *op, size_t bytes)
{
    void *p = nn__arena_alloc(&ctx->arena, bytes);
    if (!p) nn__fail(ctx, G99_ENOMEM, "%s: out of memory for %lu bytes", op, (unsigned long)bytes);
    return p;
}

const char *nn_shape_str(const nn_tensor *t, char *buf)
{
    int i, n = 0;
    if (!t) return strcpy(buf, "(null)");
    buf[n++] = '[';
    for (i = 0; i < t->ndim; i++) n += sprintf(buf + n, i ? ",%d" : "%d", t->shape[i]);
    buf[n++] = ']';
    buf[n] = '\0';
    return buf;
}

/* Checks the shape and returns its number of elements, or 0 after
 * recording an error (a dim < 1, too many dims, or overflow). */
static size_t shape_numel(nn_ctx *ctx, const char *op, int ndim, const int *shape)
{
    size_t n = 1;
    int i;
    if (ndim < 0 || ndim > NN_MAX_DIMS || (ndim > 0 && !shape)) {
        nn__fail(ctx, G99_EINVAL, "%s: %d dims (0 to %d allowed)", op, ndim, NN_MAX_DIMS);
        return 0;
    }
    for (i = 0; i < ndim; i++) {
        if (shape[i] < 1) {
            nn__fail(ctx, G99_EINVAL, "%s: dim %d of the shape is %d (must be >= 1)", op, i, shape[i]);
            return 0;
        }
        if (g99_size_mul(n, (size_t)shape[i], &n) || n > (size_t)-1 / sizeof(float)) {
            nn__fail(ctx, G99_ELIMIT, "%s: shape too large", op);
            return 0;
        }
    }
    return n;
}

static nn_tensor *new_record(nn_ctx *ctx, const char *op, int ndim, const int *shape, size_t numel)
{
    nn_tensor *t = (nn_tensor *)nn__alloc(ctx, op, sizeof *t);
    int i;
    if (!t) return NULL;
    memset(t, 0, sizeof *t);
    t->ndim = ndim;
    for (i = 0; i < NN_MAX_DIMS; i++) t->shape[i] = i < ndim ? shape[i] : 1;
    t->numel = numel;
    t->magic = NN_TENSOR_MAGIC;
    t->gen = ctx->gen;
    return t;
}

nn_tensor *nn__empty(nn_ctx *ctx, const char *op, int ndim, const int *shape)
{
    size_t n;
    nn_tensor *t;
    if (ctx->err.code != G99_OK) return NULL;
    n = shape_numel(ctx, op, ndim, shape);
    if (!n) return NULL;
    t = new_record(ctx, op, ndim, shape, n);
    if (!t) return NULL;
    t->data = ctx->pool_on ? nn__pool_take(ctx, n) : NULL;
    if (!t->data) t->data = (float *)nn__alloc(ctx, op, n * sizeof(float));
    return t->data ? t : NULL;
}

nn_tensor *nn__view(nn_ctx *ctx, const char *op, int ndim, const int *shape, float *data)
{
    size_t n;
    nn_tensor *t;
    if (ctx->err.code != G99_OK) return NULL;
    n = shape_numel(ctx, op, ndim, shape);
    if (!n) return NULL;
    t = new_record(ctx, op, ndim, shape, n);
    if (t) t->data = data;
    return t;
}

nn_tensor *nn__empty_like(nn_ctx *ctx, const char *op, const nn_tensor *t)
{
    return nn__empty(ctx, op, t->ndim, t->shape);
}

int nn__same_shape(const nn_tensor *a, const nn_tensor *b)
{
    int i;
    if (a->ndim != b->ndim) return 0;
    for (i = 0; i < a->ndim; i++)
        if (a->shape[i] != b->shape[i]) return 0;
    return 1;
}

void nn__shape4(const nn_tensor *t, int s4[4])
{
    int i, off = 4 - t->ndim;
    for (i = 0; i < 4; i++) s4[i] = i < off ? 1 : t->shape[i - off];
}

nn_tensor *nn_tensor_new(nn_ctx *ctx, int ndim, const int *shape)
{
    nn_tensor *t;
    if (!ctx) return NULL;
    t = nn__empty(ctx, "tensor_new", ndim, shape);
    if (t) nn_k_zero(t->data, t->numel);
    return t;
}

nn_tensor *nn_tensor_from(nn_ctx *ctx, int ndim, const int *shape, const float *data)
{
    nn_tensor *t;
    if (!ctx) return NULL;
    if (!data) return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "tensor_from: data is NULL");
    t = nn__empty(ctx, "tensor_from", ndim, shape);
    if (t) memcpy(t->data, data, t->numel * sizeof(float));
    return t;
}

nn_tensor *nn_tensor_wrap(nn_tensor *rec, int ndim, const int *shape, const float *data)
{
    size_t n = 1;
    int i;
    if (!rec || !data || ndim < 0 || ndim > NN_MAX_DIMS || (ndim > 0 && !shape)) return NULL;
    for (i = 0; i < ndim; i++)
        if (shape[i] < 1 || g99_size_mul(n, (size_t)shape[i], &n)) return NULL;
    memset(rec, 0, sizeof *rec);
    rec->ndim = ndim;
    for (i = 0; i < NN_MAX_DIMS; i++) rec->shape[i] = i < ndim ? shape[i] : 1;
    rec->numel = n;
    rec->data = (float *)data;   /* never written: no op writes its inputs */
    rec->magic = NN_TENSOR_MAGIC;
    rec->gen = NN_GEN_PERSISTENT;
    return rec;
}

nn_tensor *nn_tensor_scalar(nn_ctx *ctx, float value)
{
    return nn_tensor_from(ctx, 0, NULL, &value);
}

void nn_tensor_set_requires_grad(nn_tensor *t, int on)
{
    if (t && !t->node) t->requires_grad = on != 0;
}

nn_tensor *nn_detach(nn_ctx *ctx, nn_tensor *x)
{
    if (!ctx || !nn__ok(ctx, "detach", "input", x)) return NULL;
    return nn__view(ctx, "detach", x->ndim, x->shape, x->data);
}

nn_node *nn__record(nn_ctx *ctx, const char *op, nn_backward_fn backward, nn_tensor *out, int n_in,
                    nn_tensor *in0, nn_tensor *in1, nn_tensor *in2)
{
    nn_tensor *in[NN_NODE_MAX_IN];
    nn_node *nd;
    int i, any = 0;
    in[0] = in0;
    in[1] = in1;
    in[2] = in2;
    if (!ctx->grad_enabled) return NULL;
    for (i = 0; i < n_in; i++) any |= in[i] && in[i]->requires_grad;
    if (!any) return NULL;
    nd = (nn_node *)nn__alloc(ctx, op, sizeof *nd);
    if (!nd) return NULL;
    memset(nd, 0, sizeof *nd);
    nd->op = op;
    nd->backward = backward;
    nd->out = out;
    nd->n_in = n_in;
    for (i = 0; i < n_in; i++) {
        nd->in[i] = in[i];
        if (in[i] && in[i]->life && lives_add(ctx, in[i]->life))
            return (nn_node *)nn__fail(ctx, G99_ENOMEM, "%s: out of memory", op);
    }
    nd->prev = ctx->tape_tail;
    if (ctx->tape_tail) ctx->tape_tail->next = nd;
    else ctx->tape_head = nd;
    ctx->tape_tail = nd;
    out->node = nd;
    out->requires_grad = 1;
    return nd;
}
