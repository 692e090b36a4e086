/* nn core: spectral normalization (doc/design.md §4.3; doc/models.md §0, the
 * torch.nn.utils.spectral_norm row; SPADE's D and G convolutions, §3).
 *
 * W = weight_orig [O, ...] seen as the matrix [O, K], K = numel / O (dim 0,
 * as for Conv2d and Linear). In training, one power iteration updates the
 * buffers weight_u [O] and weight_v [K] in place, without gradient:
 *   v = normalize(W^T u),  u = normalize(W v),  normalize(a) = a / max(|a|, eps)
 * then sigma = u . (W v) with u and v constants, and the result is W / sigma,
 * differentiable in W (through sigma too). Eval skips the iteration.
 * The buffer update runs in float with each dot product one fmaf chain in
 * increasing index; sigma and the division are graph ops (nn_matmul,
 * nn_div), so second-order gradients pass. */
#include "tensor_internal.h"

#include <math.h>

/* dst[i] = a[i] / max(sqrt(sum a^2), eps) */
static void normalize(float *dst, const float *a, size_t n, float eps)
{
    float ss = 0.0f, norm;
    size_t i;
    for (i = 0; i < n; i++) ss = fmaf(a[i], a[i], ss);
    norm = sqrtf(ss);
    if (!(norm >= eps)) norm = eps;
    for (i = 0; i < n; i++) dst[i] = a[i] / norm;
}

/* The power step's products, each element one fmaf chain in increasing
 * index: W^T u as W's rows added in order into a vector of chains
 * (nn_k_fma_rows), W v as a chain along each row (nn_k_fma_dots). Blocks
 * of outputs (256 columns, 32 rows) go to the threads: every chain stays whole in one thread, so
 * the bits do not depend on the split. */
enum { SN_BLOCK = 256 };

static void power_step(const float *w, size_t o, size_t k, const float *x, float *y, int transposed)
{
    size_t outs = transposed ? k : o, blk = transposed ? SN_BLOCK : SN_BLOCK / 8;
    long b, nb = (long)((outs + blk - 1) / blk);
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (NN__PAR(o * k) && nb > 1)
#endif
    for (b = 0; b < nb; b++) {
        size_t q0 = (size_t)b * blk, nq = outs - q0 < blk ? outs - q0 : blk;
        if (transposed) nn_k_fma_rows(o, nq, w + q0, k, x, y + q0);
        else nn_k_fma_dots(nq, k, w + q0 * k, k, x, y + q0);
    }
}

nn_tensor *nn_spectral_norm(nn_ctx *ctx, nn_tensor *w, nn_tensor *u, nn_tensor *v, int train, float eps)
{
    int o, k, shape[2];
    nn_tensor *uc, *vc, *wmat, *sigma;
    char s1[64], s2[64], s3[64];
    if (!ctx || !nn__ok(ctx, "spectral_norm", "weight", w) || !nn__ok(ctx, "spectral_norm", "weight_u", u) ||
        !nn__ok(ctx, "spectral_norm", "weight_v", v))
        return NULL;
    o = w->ndim >= 2 ? w->shape[0] : 0;
    k = o ? (int)(w->numel / (size_t)o) : 0;
    if (w->ndim < 2 || u->ndim != 1 || v->ndim != 1 || u->shape[0] != o || v->shape[0] != k || !(eps > 0.0f))
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "spectral_norm: weight %s, weight_u %s, weight_v %s, eps %g "
                                     "(want [O,...], [O], [numel/O], eps > 0)", nn_shape_str(w, s1),
                                     nn_shape_str(u, s2), nn_shape_str(v, s3), eps);
    if (train) {
        float *t = (float *)nn__alloc(ctx, "spectral_norm", (size_t)(o > k ? o : k) * sizeof(float));
        if (!t) return NULL;
        power_step(w->data, (size_t)o, (size_t)k, u->data, t, 1);   /* W^T u */
        normalize(v->data, t, (size_t)k, eps);
        power_step(w->data, (size_t)o, (size_t)k, v->data, t, 0);   /* W v */
        normalize(u->data, t, (size_t)o, eps);
    }
    /* constants: copies, so the graph keeps this step's u and v */
    shape[0] = 1; shape[1] = o;
    uc = nn_tensor_from(ctx, 2, shape, u->data);
    shape[0] = k; shape[1] = 1;
    vc = nn_tensor_from(ctx, 2, shape, v->data);
    shape[0] = o; shape[1] = k;
    wmat = nn_reshape(ctx, w, 2, shape);
    sigma = nn_reshape(ctx, nn_matmul(ctx, uc, nn_matmul(ctx, wmat, vc)), 0, NULL);
    return nn_div(ctx, w, sigma);
}
