/* nn core: ops that move numbers without computing with them (doc/design.md §4.3;
 * doc/models.md §7): reshape (a view: the output shares the input's data),
 * narrow, concat (pix2pix's U-Net skips join along channels) and permute.
 * Their backwards are copies too, so they are exact in every order. */
#include "tensor_internal.h"

#include <limits.h>

static void reshape_backward(nn_ctx *ctx, nn_node *nd, nn_tensor *g, nn_tensor **gin)
{
    gin[0] = nn_reshape(ctx, g, nd->in[0]->ndim, nd->in[0]->shape);
}

nn_tensor *nn_reshape(nn_ctx *ctx, nn_tensor *x, int ndim, const int *shape)
{
    nn_tensor *y;
    char s1[64], s2[64];
    if (!ctx || !nn__ok(ctx, "reshape", "input", x)) return NULL;
    y = nn__view(ctx, "reshape", ndim, shape, x->data);
    if (!y) return NULL;
    if (y->numel != x->numel)
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "reshape: input %s has %lu elements, shape %s wants %lu",
                                     nn_shape_str(x, s1), (unsigned long)x->numel, nn_shape_str(y, s2),
                                     (unsigned long)y->numel);
    nn__record(ctx, "reshape", reshape_backward, y, 1, x, NULL, NULL);
    return ctx->err.code ? NULL : y;
}

/* ---- narrow and concat ------------------------------------------------------
 * A tensor seen along one dim is [outer, size, inner]: outer = the product
 * of the dims before, inner = of those after. narrow copies the slab
 * [start, start + len) of every outer block; its adjoint ("narrow_grad")
 * writes a slab into zeros of the full shape; each is the other's
 * backward. concat's backward is one narrow per input. */

static void outer_inner(const nn_tensor *t, int dim, size_t *outer, size_t *inner)
{
    int i;
    *outer = 1;
    *inner = 1;
    for (i = 0; i < dim; i++) *outer *= (size_t)t->shape[i];
    for (i = dim + 1; i < t->ndim; i++) *inner *= (size_t)t->shape[i];
}

static nn_tensor *narrow_grad(nn_ctx *ctx, nn_tensor *g, const nn_tensor *full, int dim, int start);

static void narrow_backward(nn_ctx *ctx, nn_node *nd, nn_tensor *g, nn_tensor **gin)
{
    gin[0] = narrow_grad(ctx, g, nd->in[0], nd->iarg[0], nd->iarg[1]);
}

static void narrow_grad_backward(nn_ctx *ctx, nn_node *nd, nn_tensor *g, nn_tensor **gin)
{
    gin[0] = nn_narrow(ctx, g, nd->iarg[0], nd->iarg[1], nd->in[0]->shape[nd->iarg[0]]);
}

/* dst [outer, dn, inner] slab at offset dst_start <- src [outer, sn, inner]
 * slab [src_start, src_start + len). */
static void copy_slabs(float *dst, int dn, int dst_start, const float *src, int sn, int src_start, int len,
                       size_t outer, size_t inner)
{
    size_t o;
    for (o = 0; o < outer; o++)
        memcpy(dst + (o * (size_t)dn + (size_t)dst_start) * inner, src + (o * (size_t)sn + (size_t)src_start) * inner,
               (size_t)len * inner * sizeof(float));
}

/* g has the narrowed shape; the result has full's shape, zero outside. */
static nn_tensor *narrow_grad(nn_ctx *ctx, nn_tensor *g, const nn_tensor *full, int dim, int start)
{
    nn_tensor *y;
    nn_node *nd;
    size_t outer, inner;
    if (!g || ctx->err.code) return NULL;
    y = nn_tensor_new(ctx, full->ndim, full->shape);
    if (!y) return NULL;
    outer_inner(full, dim, &outer, &inner);
    copy_slabs(y->data, full->shape[dim], start, g->data, g->shape[dim], 0, g->shape[dim], outer, inner);
    nd = nn__record(ctx, "narrow_grad", narrow_grad_backward, y, 1, g, NULL, NULL);
    if (nd) {
        nd->iarg[0] = dim;
        nd->iarg[1] = start;
    }
    return ctx->err.code ? NULL : y;
}

nn_tensor *nn_narrow(nn_ctx *ctx, nn_tensor *x, int dim, int start, int len)
{
    int shape[NN_MAX_DIMS], i;
    size_t outer, inner;
    nn_tensor *y;
    nn_node *nd;
    char s1[64];
    if (!ctx || !nn__ok(ctx, "narrow", "input", x)) return NULL;
    if (dim < 0 || dim >= x->ndim || start < 0 || len < 1 || start > x->shape[dim] - len)
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "narrow: input %s, dim %d, start %d, length %d",
                                     nn_shape_str(x, s1), dim, start, len);
    for (i = 0; i < x->ndim; i++) shape[i] = x->shape[i];
    shape[dim] = len;
    y = nn__empty(ctx, "narrow", x->ndim, shape);
    if (!y) return NULL;
    outer_inner(x, dim, &outer, &inner);
    copy_slabs(y->data, len, 0, x->data, x->shape[dim], start, len, outer, inner);
    nd = nn__record(ctx, "narrow", narrow_backward, y, 1, x, NULL, NULL);
    if (nd) {
        nd->iarg[0] = dim;
        nd->iarg[1] = start;
    }
    return ctx->err.code ? NULL : y;
}

static void concat_backward(nn_ctx *ctx, nn_node *nd, nn_tensor *g, nn_tensor **gin)
{
    int dim = nd->iarg[0], na = nd->in[0]->shape[dim];
    if (nd->need[0]) gin[0] = nn_narrow(ctx, g, dim, 0, na);
    if (nd->need[1]) gin[1] = nn_narrow(ctx, g, dim, na, nd->in[1]->shape[dim]);
}

nn_tensor *nn_concat(nn_ctx *ctx, nn_tensor *a, nn_tensor *b, int dim)
{
    int shape[NN_MAX_DIMS], i, ok;
    size_t outer, inner;
    nn_tensor *y;
    nn_node *nd;
    char s1[64], s2[64];
    if (!ctx || !nn__ok(ctx, "concat", "a", a) || !nn__ok(ctx, "concat", "b", b)) return NULL;
    ok = a->ndim == b->ndim && dim >= 0 && dim < a->ndim;
    for (i = 0; ok && i < a->ndim; i++) ok = i == dim || a->shape[i] == b->shape[i];
    if (!ok)
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "concat: a %s and b %s do not join along dim %d",
                                     nn_shape_str(a, s1), nn_shape_str(b, s2), dim);
    for (i = 0; i < a->ndim; i++) shape[i] = a->shape[i];
    if (a->shape[dim] > INT_MAX - b->shape[dim])
        return (nn_tensor *)nn__fail(ctx, G99_ELIMIT, "concat: dim %d too large", dim);
    shape[dim] = a->shape[dim] + b->shape[dim];
    y = nn__empty(ctx, "concat", a->ndim, shape);
    if (!y) return NULL;
    outer_inner(a, dim, &outer, &inner);
    copy_slabs(y->data, shape[dim], 0, a->data, a->shape[dim], 0, a->shape[dim], outer, inner);
    copy_slabs(y->data, shape[dim], a->shape[dim], b->data, b->shape[dim], 0, b->shape[dim], outer, inner);
    nd = nn__record(ctx, "concat", concat_backward, y, 2, a, b, NULL);
    if (nd) nd->iarg[0] = dim;
    return ctx->err.code ? NULL : y;
}

/* ---- permute ------------------------------------------------------------------
 * y.shape[i] = x.shape[perm[i]]; the backward permutes by the inverse. */

static void permute_backward(nn_ctx *ctx, nn_node *nd, nn_tensor *g, nn_tensor **gin)
{
    int inv[NN_MAX_DIMS], i;
    for (i = 0; i < nd->in[0]->ndim; i++) inv[nd->iarg[i]] = i;
    gin[0] = nn_permute(ctx, g, inv);
}

nn_tensor *nn_permute(nn_ctx *ctx, nn_tensor *x, const int *perm)
{
    int shape[NN_MAX_DIMS], seen[NN_MAX_DIMS] = { 0, 0, 0, 0 }, i, n;
    size_t xs[NN_MAX_DIMS], st[4], o4[4], i0, i1, i2, i3, k = 0;
    nn_tensor *y;
    nn_node *nd;
    char s1[64];
    if (!ctx || !nn__ok(ctx, "permute", "input", x)) return NULL;
    n = x->ndim;
    for (i = 0; i < n; i++) {
        if (!perm || perm[i] < 0 || perm[i] >= n || seen[perm[i]])
            return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "permute: not a permutation of the %d dims of %s", n,
                                         nn_shape_str(x, s1));
        seen[perm[i]] = 1;
        shape[i] = x->shape[perm[i]];
    }
    y = nn__empty(ctx, "permute", n, shape);
    if (!y) return NULL;
    /* x's row-major strides, then y's axes read x through them (4 axes,
     * right-aligned, leading axes of extent 1) */
    xs[n > 0 ? n - 1 : 0] = 1;
    for (i = n - 2; i >= 0; i--) xs[i] = xs[i + 1] * (size_t)x->shape[i + 1];
    for (i = 0; i < 4; i++) {
        int src = i - (4 - n);
        st[i] = src >= 0 ? xs[perm[src]] : 0;
        o4[i] = src >= 0 ? (size_t)shape[src] : 1;
    }
    for (i0 = 0; i0 < o4[0]; i0++)
        for (i1 = 0; i1 < o4[1]; i1++)
            for (i2 = 0; i2 < o4[2]; i2++)
                for (i3 = 0; i3 < o4[3]; i3++)
                    y->data[k++] = x->data[i0 * st[0] + i1 * st[1] + i2 * st[2] + i3 * st[3]];
    nd = nn__record(ctx, "permute", permute_backward, y, 1, x, NULL, NULL);
    if (nd)
        for (i = 0; i < n; i++) nd->iarg[i] = perm[i];
    return ctx->err.code ? NULL : y;
}
