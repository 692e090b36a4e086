/* nn core: matrix products (doc/design.md §4.3): matmul, linear, and the internal
 * mm with transposes. The family is closed under differentiation:
 * C = op(A) op(B) has dA and dB that are mm's of C's gradient with A or B,
 * with other transposes, so every order of derivative stays a GEMM. */
#include "tensor_internal.h"

static void mm_backward(nn_ctx *ctx, nn_node *nd, nn_tensor *g, nn_tensor **gin)
{
    nn_tensor *a = nd->in[0], *b = nd->in[1];
    int ta = nd->iarg[0], tb = nd->iarg[1];
    /* dop(A) = G op(B)^T and dop(B) = op(A)^T G, then undo the transposes. */
    if (nd->need[0]) gin[0] = ta ? nn__mm(ctx, b, g, tb, 1) : nn__mm(ctx, g, b, 0, !tb);
    if (nd->need[1]) gin[1] = tb ? nn__mm(ctx, g, a, 1, ta) : nn__mm(ctx, a, g, !ta, 0);
}

/* op(a) [m,k] . op(b) [k,n] -> [m,n]; a, b 2-D. */
nn_tensor *nn__mm(nn_ctx *ctx, nn_tensor *a, nn_tensor *b, int ta, int tb)
{
    int m, k, kb, n, shape[2];
    nn_tensor *y;
    nn_node *nd;
    char s1[64], s2[64];
    if (!nn__ok(ctx, "matmul", "a", a) || !nn__ok(ctx, "matmul", "b", b)) return NULL;
    if (a->ndim != 2 || b->ndim != 2)
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "matmul: a %s and b %s must be 2-D",
                                     nn_shape_str(a, s1), nn_shape_str(b, s2));
    m = a->shape[ta ? 1 : 0];
    k = a->shape[ta ? 0 : 1];
    kb = b->shape[tb ? 1 : 0];
    n = b->shape[tb ? 0 : 1];
    if (k != kb)
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "matmul: a %s%s has %d columns, b %s%s has %d rows",
                                     nn_shape_str(a, s1), ta ? "^T" : "", k, nn_shape_str(b, s2),
                                     tb ? "^T" : "", kb);
    shape[0] = m;
    shape[1] = n;
    y = nn_tensor_new(ctx, 2, shape);
    if (!y) return NULL;
    nn_k_sgemm(ta, tb, (size_t)m, (size_t)n, (size_t)k, a->data, (size_t)a->shape[1], b->data,
               (size_t)b->shape[1], y->data, (size_t)n);
    nd = nn__record(ctx, "matmul", mm_backward, y, 2, a, b, NULL);
    if (nd) {
        nd->iarg[0] = ta;
        nd->iarg[1] = tb;
    }
    return ctx->err.code ? NULL : y;
}

nn_tensor *nn_matmul(nn_ctx *ctx, nn_tensor *a, nn_tensor *b)
{
    if (!ctx) return NULL;
    return nn__mm(ctx, a, b, 0, 0);
}

nn_tensor *nn_linear(nn_ctx *ctx, nn_tensor *x, nn_tensor *weight, nn_tensor *bias)
{
    nn_tensor *y;
    char s1[64], s2[64];
    if (!ctx || !nn__ok(ctx, "linear", "input", x) || !nn__ok(ctx, "linear", "weight", weight)) return NULL;
    if (x->ndim != 2 || weight->ndim != 2 || x->shape[1] != weight->shape[1])
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "linear: input %s and weight %s (want [N,in] and [out,in])",
                                     nn_shape_str(x, s1), nn_shape_str(weight, s2));
    if (bias) {
        if (!nn__ok(ctx, "linear", "bias", bias)) return NULL;
        if (bias->ndim != 1 || bias->shape[0] != weight->shape[0])
            return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "linear: bias %s for weight %s",
                                         nn_shape_str(bias, s1), nn_shape_str(weight, s2));
    }
    y = nn__mm(ctx, x, weight, 0, 1);
    return bias ? nn_add(ctx, y, bias) : y;
}
