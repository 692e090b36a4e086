/* nn core: normalization layers (SPEC.md §4; gan_spec.md §0 BatchNorm2d and
 * InstanceNorm2d, §4.1 PixelNorm).
 * Built from the differentiable ops, so the backward passes, and their
 * derivatives for create_graph, come from the ops' own: no hand-written
 * batch-norm backward to keep in step with a double-backward. */
#include "tensor_internal.h"

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

nn_tensor *nn_batch_norm2d(nn_ctx *ctx, nn_tensor *x, nn_tensor *gamma, nn_tensor *beta,
                           nn_tensor *running_mean, nn_tensor *running_var, int train, float momentum, float eps)
{
    int c, cshape[4];
    size_t count;
    nn_tensor *xc, *inv, *y;
    char s1[64];
    if (!ctx || !nn__ok(ctx, "batch_norm2d", "input", x)) return NULL;
    if (x->ndim != 4)
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "batch_norm2d: input %s must be [N,C,H,W]", nn_shape_str(x, s1));
    c = x->shape[1];
    if (!check_vec(ctx, "batch_norm2d", "weight", gamma, c, x) || !check_vec(ctx, "batch_norm2d", "bias", beta, c, x) ||
        !check_vec(ctx, "batch_norm2d", "running_mean", running_mean, c, x) ||
        !check_vec(ctx, "batch_norm2d", "running_var", running_var, c, x))
        return NULL;
    count = x->numel / (size_t)c;
    cshape[0] = 1; cshape[1] = c; cshape[2] = 1; cshape[3] = 1;
    if (train) {
        nn_tensor *mean, *var;
        if (count < 2)
            return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "batch_norm2d: input %s has one value per channel; "
                                         "training needs more", nn_shape_str(x, s1));
        /* biased variance of the batch, two passes: mean, then mean of squares
         * of the centred values (no cancellation) */
        mean = nn_mean_to(ctx, x, 4, cshape);
        xc = nn_sub(ctx, x, mean);
        var = nn_mean_to(ctx, nn_square(ctx, xc), 4, cshape);
        inv = nn_rsqrt(ctx, nn_add_scalar(ctx, var, eps));
        if (!inv) return NULL;
        /* running statistics: r = (1 - momentum) r + momentum stat, in double as
         * PyTorch's CPU kernel; the variance unbiased, times n / (n - 1) */
        if (running_mean || running_var) {
            double m = momentum, unb = (double)count / (double)(count - 1);
            int i;
            for (i = 0; i < c; i++) {
                if (running_mean)
                    running_mean->data[i] = (float)(m * mean->data[i] + (1.0 - m) * running_mean->data[i]);
                if (running_var)
                    running_var->data[i] = (float)(m * (var->data[i] * unb) + (1.0 - m) * running_var->data[i]);
            }
        }
    } else {
        if (!running_mean || !running_var)
            return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "batch_norm2d: eval mode needs running_mean and running_var");
        xc = nn_sub(ctx, x, per_channel(ctx, nn_detach(ctx, running_mean)));
        inv = nn_rsqrt(ctx, nn_add_scalar(ctx, per_channel(ctx, nn_detach(ctx, running_var)), eps));
    }
    y = nn_mul(ctx, xc, inv);
    if (gamma) y = nn_mul(ctx, y, per_channel(ctx, gamma));
    if (beta) y = nn_add(ctx, y, per_channel(ctx, beta));
    return y;
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
