/* nn core: SPADE modulation (doc/design.md §4.3; doc/models.md §3, after NVlabs/SPADE's
 * models/networks/normalization.py):
 *   n = param-free norm(x)            batch norm (affine off) or instance norm
 *   m = nearest_resize(segmap, H, W)
 *   a = relu(conv(m, mlp_shared))     k x k, padding k/2 (3x3 in SPADE)
 *   y = n (1 + conv(a, mlp_gamma)) + conv(a, mlp_beta)
 * A composition of the differentiable ops. The segmentation map is data
 * (one-hot labels); it gets a gradient only if it requires one. */
#include "tensor_internal.h"

static int check_conv(nn_ctx *ctx, const char *what, const nn_tensor *w, const nn_tensor *b)
{
    char s1[64];
    if (!nn__ok(ctx, "spade", what, w)) return 0;
    if (w->ndim != 4 || w->shape[2] % 2 == 0 || w->shape[3] % 2 == 0) {
        nn__fail(ctx, G99_EINVAL, "spade: %s %s must be [O,I,k,k] with odd k", what, nn_shape_str(w, s1));
        return 0;
    }
    return !b || nn__ok(ctx, "spade", "bias", b);
}

static nn_tensor *same_conv(nn_ctx *ctx, nn_tensor *x, nn_tensor *w, nn_tensor *b)
{
    nn_conv_opts o;
    memset(&o, 0, sizeof o);
    o.padding_h = w->shape[2] / 2;
    o.padding_w = w->shape[3] / 2;
    return nn_conv2d(ctx, x, w, b, &o);
}

nn_tensor *nn_spade(nn_ctx *ctx, nn_tensor *x, nn_tensor *seg, const nn_spade_params *p, int norm, int train)
{
    nn_tensor *xn, *a;
    char s1[64], s2[64];
    if (!ctx || !nn__ok(ctx, "spade", "input", x) || !nn__ok(ctx, "spade", "segmap", seg)) return NULL;
    if (!p || (norm != NN_SPADE_BATCH && norm != NN_SPADE_INSTANCE))
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "spade: %s", p ? "norm must be NN_SPADE_BATCH or NN_SPADE_INSTANCE"
                                                                    : "no parameters");
    if (x->ndim != 4 || seg->ndim != 4 || seg->shape[0] != x->shape[0])
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "spade: input %s and segmap %s (want [N,C,H,W] and [N,L,Hs,Ws])",
                                     nn_shape_str(x, s1), nn_shape_str(seg, s2));
    if (!check_conv(ctx, "mlp_shared weight", p->shared_weight, p->shared_bias) ||
        !check_conv(ctx, "mlp_gamma weight", p->gamma_weight, p->gamma_bias) ||
        !check_conv(ctx, "mlp_beta weight", p->beta_weight, p->beta_bias))
        return NULL;
    if (norm == NN_SPADE_BATCH)
        xn = nn_batch_norm2d(ctx, x, NULL, NULL, p->running_mean, p->running_var, train, 0.1f, 1e-5f);
    else
        xn = nn_instance_norm2d(ctx, x, NULL, NULL, 1e-5f);
    /* a map already at x's size is used as it is: nearest resizing to the
     * same size is the identity, so a caller that resizes once per
     * resolution and shares it between layers gets the same bits */
    a = seg->shape[2] == x->shape[2] && seg->shape[3] == x->shape[3] ? seg
        : nn_resize_nearest(ctx, seg, x->shape[2], x->shape[3]);
    a = nn_relu(ctx, same_conv(ctx, a, p->shared_weight, p->shared_bias));
    return nn_add(ctx, nn_mul(ctx, xn, nn_add_scalar(ctx, same_conv(ctx, a, p->gamma_weight, p->gamma_bias), 1.0f)),
                  same_conv(ctx, a, p->beta_weight, p->beta_bias));
}
