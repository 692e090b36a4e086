/* nn core: normalization layers (doc/design.md §4.3; doc/models.md §0 BatchNorm2d and
 * InstanceNorm2d, §4.1 PixelNorm).
 * Batch norm is one fused op (the kernels of nn/kernels/norm.c): its
 * forward keeps only the per-channel mean and 1/sqrt(var + eps) besides x,
 * and its backward is two passes over x and g, where the op-by-op form
 * held a dozen [N,C,H,W] temporaries per layer. When the backward itself
 * is recorded (create_graph), it is written with the differentiable ops
 * instead, so second derivatives come from the ops' own. Instance norm and
 * pixel norm are built from the ops. */
#include "tensor_internal.h"

#include <math.h>

static int check_vec(nn_ctx *ctx, const char *op, const char *what, const nn_tensor *t, int c,
                     const nn_tensor *x)
{
    char s1[64], s2[64];
    if (!t) return 1;
    if (!nn__ok(ctx, op, what, t)) return 0;
    if (t->ndim != 1 || t->shape[0] != c) {
        nn__fail(ctx, G99_EINVAL, "%s: %s %s for input %s (want [%d])", op, what, nn_shape_str(t, s1),
                 nn_shape_str(x, s2), c);
        return 0;
    }
    return 1;
}

/* [C] seen as [1,C,1,1], to broadcast over [N,C,H,W]. */
static nn_tensor *per_channel(nn_ctx *ctx, nn_tensor *t)
{
    int shape[4];
    shape[0] = 1; shape[1] = t->shape[0]; shape[2] = 1; shape[3] = 1;
    return nn_reshape(ctx, t, 4, shape);
}

/* [C] seen as [1,C,1,1], and back. */
static nn_tensor *per_channel_flat(nn_ctx *ctx, nn_tensor *t)
{
    return t ? nn_reshape(ctx, t, 1, &t->shape[1]) : NULL;
}

/* A [C] constant from c floats. */
static nn_tensor *channel_const(nn_ctx *ctx, const float *v, int c)
{
    int shape[4];
    shape[0] = 1; shape[1] = c; shape[2] = 1; shape[3] = 1;
    return nn_tensor_from(ctx, 4, shape, v);
}

/* ---- batch norm: one tape node -----------------------------------------------
 * Node: in[0] = x, then gamma and beta when given (iarg[1], iarg[2]: their
 * slots, or -1); iarg[0] = train; farg[0] = eps; saved = mean[C], inv[C]
 * (the batch's, or the running statistics' in eval mode). */
enum { BN_TRAIN, BN_GAMMA, BN_BETA };

/* The gradient with the differentiable ops, for create_graph: the same
 * formula as the fused kernels, but each piece a graph tensor, so its own
 * derivative (R1 through a batch-normed D) is right. In training mean and
 * inv depend on x and are recomputed from it inside the graph:
 *   xhat = (x - mean) inv, dxhat = g gamma,
 *   dx = inv (dxhat - mean(dxhat) - xhat mean(dxhat xhat)),
 *   dgamma = sum(g xhat), dbeta = sum(g), sums over N, H, W. */
static void bn_backward_graph(nn_ctx *ctx, nn_node *nd, nn_tensor *g, nn_tensor **gin)
{
    nn_tensor *x = nd->in[0], *gamma = nd->iarg[BN_GAMMA] >= 0 ? nd->in[nd->iarg[BN_GAMMA]] : NULL;
    nn_tensor *xhat, *inv, *dxhat;
    int c = x->shape[1], cshape[4];
    cshape[0] = 1; cshape[1] = c; cshape[2] = 1; cshape[3] = 1;
    if (nd->iarg[BN_TRAIN]) {
        nn_tensor *xc = nn_sub(ctx, x, nn_mean_to(ctx, x, 4, cshape));
        inv = nn_rsqrt(ctx, nn_add_scalar(ctx, nn_mean_to(ctx, nn_square(ctx, xc), 4, cshape), nd->farg[0]));
        xhat = nn_mul(ctx, xc, inv);
    } else {
        inv = channel_const(ctx, nd->saved + c, c);
        xhat = nn_mul(ctx, nn_sub(ctx, x, channel_const(ctx, nd->saved, c)), inv);
    }
    if (gamma && nd->need[nd->iarg[BN_GAMMA]])
        gin[nd->iarg[BN_GAMMA]] = per_channel_flat(ctx, nn_sum_to(ctx, nn_mul(ctx, g, xhat), 4, cshape));
    if (nd->iarg[BN_BETA] >= 0 && nd->need[nd->iarg[BN_BETA]])
        gin[nd->iarg[BN_BETA]] = per_channel_flat(ctx, nn_sum_to(ctx, g, 4, cshape));
    if (!nd->need[0]) return;
    dxhat = gamma ? nn_mul(ctx, g, per_channel(ctx, gamma)) : g;
    if (nd->iarg[BN_TRAIN]) {
        nn_tensor *m1 = nn_mean_to(ctx, dxhat, 4, cshape);
        nn_tensor *m2 = nn_mean_to(ctx, nn_mul(ctx, dxhat, xhat), 4, cshape);
        dxhat = nn_sub(ctx, nn_sub(ctx, dxhat, m1), nn_mul(ctx, xhat, m2));
    }
    gin[0] = nn_mul(ctx, dxhat, inv);
}

/* Plain numbers (create_graph = 0): two passes over x and g, no temporary
 * beyond dx (nn_k_bn_grad_sums, nn_k_bn_grad_input). */
static void bn_backward(nn_ctx *ctx, nn_node *nd, nn_tensor *g, nn_tensor **gin)
{
    nn_tensor *x = nd->in[0], *gamma = nd->iarg[BN_GAMMA] >= 0 ? nd->in[nd->iarg[BN_GAMMA]] : NULL;
    const float *mean = nd->saved, *inv = nd->saved + x->shape[1];
    nn_k_bn_geom geom;
    float *sums, *k, *a, *b, count;
    int c = x->shape[1], i;
    if (ctx->grad_enabled) {
        bn_backward_graph(ctx, nd, g, gin);
        return;
    }
    geom.n = (size_t)x->shape[0];
    geom.c = (size_t)c;
    geom.hw = (size_t)x->shape[2] * (size_t)x->shape[3];
    /* sum(dy), sum(dy xhat), then k, a, b: 5C floats of arena */
    sums = (float *)nn__alloc(ctx, "batch_norm2d backward", 5 * (size_t)c * sizeof(float));
    if (!sums) return;
    k = sums + 2 * c;
    a = k + c;
    b = a + c;
    nn_k_bn_grad_sums(&geom, x->data, g->data, mean, inv, sums, sums + c);
    if (gamma && nd->need[nd->iarg[BN_GAMMA]])
        gin[nd->iarg[BN_GAMMA]] = nn_tensor_from(ctx, 1, &c, sums + c);
    if (nd->iarg[BN_BETA] >= 0 && nd->need[nd->iarg[BN_BETA]])
        gin[nd->iarg[BN_BETA]] = nn_tensor_from(ctx, 1, &c, sums);
    if (!nd->need[0]) return;
    gin[0] = nn__empty_like(ctx, "batch_norm2d backward", x);
    if (!gin[0]) return;
    count = (float)(geom.n * geom.hw);
    for (i = 0; i < c; i++) {
        k[i] = gamma ? gamma->data[i] * inv[i] : inv[i];
        a[i] = sums[i] / count;
        b[i] = sums[c + i] / count;
    }
    nn_k_bn_grad_input(&geom, x->data, g->data, mean, inv, k, nd->iarg[BN_TRAIN] ? a : NULL, b, gin[0]->data);
}

nn_tensor *nn_batch_norm2d(nn_ctx *ctx, nn_tensor *x, nn_tensor *gamma, nn_tensor *beta,
                           nn_tensor *running_mean, nn_tensor *running_var, int train, float momentum, float eps)
{
    int c, i, n_in = 1;
    nn_tensor *y, *in[3];
    nn_node *nd;
    nn_k_bn_geom geom;
    float *saved;
    char s1[64];
    if (!ctx || !nn__ok(ctx, "batch_norm2d", "input", x)) return NULL;
    if (x->ndim != 4)
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "batch_norm2d: input %s must be [N,C,H,W]", nn_shape_str(x, s1));
    c = x->shape[1];
    if (!check_vec(ctx, "batch_norm2d", "weight", gamma, c, x) || !check_vec(ctx, "batch_norm2d", "bias", beta, c, x) ||
        !check_vec(ctx, "batch_norm2d", "running_mean", running_mean, c, x) ||
        !check_vec(ctx, "batch_norm2d", "running_var", running_var, c, x))
        return NULL;
    geom.n = (size_t)x->shape[0];
    geom.c = (size_t)c;
    geom.hw = (size_t)x->shape[2] * (size_t)x->shape[3];
    if (train && geom.n * geom.hw < 2)
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "batch_norm2d: input %s has one value per channel; "
                                     "training needs more", nn_shape_str(x, s1));
    if (!train && (!running_mean || !running_var))
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "batch_norm2d: eval mode needs running_mean and running_var");
    /* mean[C], inv[C], and the batch variance[C] while the running
     * statistics take it */
    saved = (float *)nn__alloc(ctx, "batch_norm2d", 3 * (size_t)c * sizeof(float));
    y = nn__empty_like(ctx, "batch_norm2d", x);
    if (!saved || !y) return NULL;
    if (train) {
        float *var = saved + 2 * c;
        nn_k_bn_stats(&geom, x->data, saved, var);
        /* running statistics: r = (1 - momentum) r + momentum stat, in double as
         * PyTorch's CPU kernel; the variance unbiased, times n / (n - 1) */
        if (running_mean || running_var) {
            double m = momentum, unb = (double)(geom.n * geom.hw) / (double)(geom.n * geom.hw - 1);
            for (i = 0; i < c; i++) {
                if (running_mean)
                    running_mean->data[i] = (float)(m * saved[i] + (1.0 - m) * running_mean->data[i]);
                if (running_var)
                    running_var->data[i] = (float)(m * (var[i] * unb) + (1.0 - m) * running_var->data[i]);
            }
        }
        for (i = 0; i < c; i++) saved[c + i] = 1.0f / sqrtf(var[i] + eps);
    } else {
        for (i = 0; i < c; i++) {
            saved[i] = running_mean->data[i];
            saved[c + i] = 1.0f / sqrtf(running_var->data[i] + eps);
        }
    }
    nn_k_bn_apply(&geom, x->data, saved, saved + c, gamma ? gamma->data : NULL, beta ? beta->data : NULL, y->data);
    in[0] = x;
    in[1] = in[2] = NULL;
    if (gamma) in[n_in++] = gamma;
    if (beta) in[n_in++] = beta;
    nd = nn__record(ctx, "batch_norm2d", bn_backward, y, n_in, in[0], in[1], in[2]);
    if (nd) {
        nd->iarg[BN_TRAIN] = train != 0;
        nd->iarg[BN_GAMMA] = gamma ? 1 : -1;
        nd->iarg[BN_BETA] = beta ? n_in - 1 : -1;
        nd->farg[0] = eps;
        nd->saved = saved;
    }
    return ctx->err.code ? NULL : y;
}

/* torch.nn.InstanceNorm2d (affine=False, no running statistics, as pix2pix
 * and SPADE use it; gamma/beta optional for affine=True): per (n, c) over
 * H, W, the biased variance, the same two-pass form as batch norm. */
nn_tensor *nn_instance_norm2d(nn_ctx *ctx, nn_tensor *x, nn_tensor *gamma, nn_tensor *beta, float eps)
{
    int c, shape[4];
    nn_tensor *xc, *var, *y;
    char s1[64];
    if (!ctx || !nn__ok(ctx, "instance_norm2d", "input", x)) return NULL;
    if (x->ndim != 4)
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "instance_norm2d: input %s must be [N,C,H,W]", nn_shape_str(x, s1));
    c = x->shape[1];
    if (!check_vec(ctx, "instance_norm2d", "weight", gamma, c, x) || !check_vec(ctx, "instance_norm2d", "bias", beta, c, x))
        return NULL;
    if (x->shape[2] * x->shape[3] < 2)
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "instance_norm2d: input %s has one value per channel",
                                     nn_shape_str(x, s1));
    shape[0] = x->shape[0]; shape[1] = c; shape[2] = 1; shape[3] = 1;
    xc = nn_sub(ctx, x, nn_mean_to(ctx, x, 4, shape));
    var = nn_mean_to(ctx, nn_square(ctx, xc), 4, shape);
    y = nn_mul(ctx, xc, nn_rsqrt(ctx, nn_add_scalar(ctx, var, eps)));
    if (gamma) y = nn_mul(ctx, y, per_channel(ctx, gamma));
    if (beta) y = nn_add(ctx, y, per_channel(ctx, beta));
    return y;
}

/* StyleGAN's PixelNorm / normalize_2nd_moment: x rsqrt(mean over C of x^2
 * + eps) on [N,C] or [N,C,H,W] (stylegan2-ada: eps 1e-8). */
nn_tensor *nn_pixel_norm(nn_ctx *ctx, nn_tensor *x, float eps)
{
    int shape[4], i;
    char s1[64];
    if (!ctx || !nn__ok(ctx, "pixel_norm", "input", x)) return NULL;
    if (x->ndim != 2 && x->ndim != 4)
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "pixel_norm: input %s must be [N,C] or [N,C,H,W]",
                                     nn_shape_str(x, s1));
    for (i = 0; i < x->ndim; i++) shape[i] = x->shape[i];
    shape[1] = 1;
    return nn_mul(ctx, x, nn_rsqrt(ctx, nn_add_scalar(ctx, nn_mean_to(ctx, nn_square(ctx, x), x->ndim, shape), eps)));
}
