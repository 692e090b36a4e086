/* nn core: reductions and their adjoint, broadcasting (doc/determinism.md §4.2; doc/design.md §4.3).
 * Every sum here is the canonical long sum of kernels.h over the reduced
 * elements in row-major order, so the bits do not depend on the shape of
 * the loops nor on the SIMD path. sum_to and expand are each other's
 * backward, which keeps every order of derivative in the graph. */
#include "tensor_internal.h"

/* 1 when x broadcasts from `shape` (aligned right; each target dim is 1 or
 * equal), else 0 after recording an error. */
static int check_reducible(nn_ctx *ctx, const char *op, const nn_tensor *x, int ndim, const int *shape)
{
    int i;
    char s1[64];
    if (ndim < 0 || ndim > x->ndim || (ndim > 0 && !shape)) {
        nn__fail(ctx, G99_EINVAL, "%s: %s cannot reduce to %d dims", op, nn_shape_str(x, s1), ndim);
        return 0;
    }
    for (i = 0; i < ndim; i++) {
        int dx = x->shape[x->ndim - ndim + i];
        if (shape[i] != 1 && shape[i] != dx) {
            nn__fail(ctx, G99_EINVAL, "%s: %s does not broadcast from a shape with dim %d = %d", op,
                     nn_shape_str(x, s1), i, shape[i]);
            return 0;
        }
    }
    return 1;
}

static void sum_to_backward(nn_ctx *ctx, nn_node *nd, nn_tensor *g, nn_tensor **gin)
{
    gin[0] = nn_expand(ctx, g, nd->in[0]->ndim, nd->in[0]->shape);
}

static void expand_backward(nn_ctx *ctx, nn_node *nd, nn_tensor *g, nn_tensor **gin)
{
    gin[0] = nn_sum_to(ctx, g, nd->in[0]->ndim, nd->in[0]->shape);
}

nn_tensor *nn_sum_to(nn_ctx *ctx, nn_tensor *x, int ndim, const int *shape)
{
    int x4[4], t4[4], d;
    size_t st[4];
    long k, outs;
    nn_tensor *y;
    if (!ctx || !nn__ok(ctx, "sum_to", "input", x)) return NULL;
    if (!check_reducible(ctx, "sum_to", x, ndim, shape)) return NULL;
    y = nn__view(ctx, "sum_to", ndim, shape, x->data);
    if (!y) return NULL;
    /* Equal counts: only 1-dims dropped or added, the same data (a view). */
    if (y->numel != x->numel) {
        y->data = (float *)nn__alloc(ctx, "sum_to", y->numel * sizeof(float));
        if (!y->data) return NULL;
        nn__shape4(x, x4);
        nn__shape4(y, t4);
        st[3] = 1;
        for (d = 2; d >= 0; d--) st[d] = st[d + 1] * (size_t)x4[d + 1];
        outs = (long)y->numel;
        /* each output is its own sum: outputs over the threads keep the bits */
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (NN__PAR(x->numel) && outs > 1)
#endif
        for (k = 0; k < outs; k++) {
            /* reduced axes run over x's extent, kept axes stay at o */
            size_t lo[4], hi[4], i0, i1, i2, r = (size_t)k;
            nn_k_lsum acc;
            int e;
            for (e = 3; e >= 0; e--) {
                lo[e] = r % (size_t)t4[e];
                r /= (size_t)t4[e];
            }
            for (e = 0; e < 4; e++) {
                if (t4[e] == 1 && x4[e] != 1) lo[e] = 0, hi[e] = (size_t)x4[e];
                else hi[e] = lo[e] + 1;
            }
            nn_k_lsum_init(&acc);
            for (i0 = lo[0]; i0 < hi[0]; i0++)
                for (i1 = lo[1]; i1 < hi[1]; i1++)
                    for (i2 = lo[2]; i2 < hi[2]; i2++) {
                        /* a row of x is one contiguous run of the stream */
                        const float *row = x->data + i0 * st[0] + i1 * st[1] + i2 * st[2];
                        nn_k_lsum_add(&acc, row + lo[3], hi[3] - lo[3]);
                    }
            y->data[k] = nn_k_lsum_result(&acc);
        }
    }
    nn__record(ctx, "sum_to", sum_to_backward, y, 1, x, NULL, NULL);
    return ctx->err.code ? NULL : y;
}

nn_tensor *nn_expand(nn_ctx *ctx, nn_tensor *x, int ndim, const int *shape)
{
    nn_tensor *y, probe;
    int x4[4], o4[4], d;
    size_t st[4], acc = 1;
    long r, rows;
    if (!ctx || !nn__ok(ctx, "expand", "input", x)) return NULL;
    y = nn__view(ctx, "expand", ndim, shape, x->data);
    if (!y) return NULL;
    /* x must broadcast to shape, i.e. shape reduces to x's */
    probe = *y;
    if (!check_reducible(ctx, "expand", &probe, x->ndim, x->shape)) return NULL;
    if (y->numel != x->numel) {
        y->data = (float *)nn__alloc(ctx, "expand", y->numel * sizeof(float));
        if (!y->data) return NULL;
        nn__shape4(x, x4);
        nn__shape4(y, o4);
        for (d = 3; d >= 0; d--) {
            st[d] = x4[d] == 1 ? 0 : acc;
            acc *= (size_t)x4[d];
        }
        rows = (long)o4[0] * o4[1] * o4[2];
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (NN__PAR(y->numel) && rows > 1)
#endif
        for (r = 0; r < rows; r++) {
            size_t i2 = (size_t)r % (size_t)o4[2], i1 = (size_t)r / (size_t)o4[2] % (size_t)o4[1];
            size_t i0 = (size_t)r / (size_t)o4[2] / (size_t)o4[1], i3;
            const float *row = x->data + i0 * st[0] + i1 * st[1] + i2 * st[2];
            float *out = y->data + (size_t)r * (size_t)o4[3];
            for (i3 = 0; i3 < (size_t)o4[3]; i3++) out[i3] = row[i3 * st[3]];
        }
    }
    nn__record(ctx, "expand", expand_backward, y, 1, x, NULL, NULL);
    return ctx->err.code ? NULL : y;
}

nn_tensor *nn_sum(nn_ctx *ctx, nn_tensor *x)
{
    return nn_sum_to(ctx, x, 0, NULL);
}

/* The mean divides the sum by the count (as PyTorch), not a multiply by
 * its reciprocal, which would round differently. */
nn_tensor *nn_mean(nn_ctx *ctx, nn_tensor *x)
{
    nn_tensor *s = nn_sum(ctx, x);
    return s ? nn_div_scalar(ctx, s, (float)x->numel) : NULL;
}

nn_tensor *nn_mean_to(nn_ctx *ctx, nn_tensor *x, int ndim, const int *shape)
{
    nn_tensor *s = nn_sum_to(ctx, x, ndim, shape);
    return s ? nn_div_scalar(ctx, s, (float)(x->numel / s->numel)) : NULL;
}
