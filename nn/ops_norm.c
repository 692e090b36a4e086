/* nn core: normalization layers (SPEC.md §4; gan_spec.md §0 BatchNorm2d).
 * Built from the differentiable ops, so the backward passes, and their
 * derivatives for create_graph, come from the ops' own: no hand-written
 * batch-norm backward to keep in step with a double-backward. */
#include "tensor_internal.h"

static int check_channel_vec(nn_ctx *ctx, const char *what, const nn_tensor *t, int c, const nn_tensor *x)
{
    char s1[64], s2[64];
    if (!t) return 1;
    if (!nn__ok(ctx, "batch_norm2d", what, t)) return 0;
    if (t->ndim != 1 || t->shape[0] != c) {
        nn__fail(ctx, G99_EINVAL, "batch_norm2d: %s %s for input %s (want [%d])", what, nn_shape_str(t, s1),
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
    if (!check_channel_vec(ctx, "weight", gamma, c, x) || !check_channel_vec(ctx, "bias", beta, c, x) ||
        !check_channel_vec(ctx, "running_mean", running_mean, c, x) ||
        !check_channel_vec(ctx, "running_var", running_var, c, x))
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
