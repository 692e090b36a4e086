/* nn core: dropout (doc/design.md §4.3; torch.nn.functional.dropout, doc/models.md §0:
 * train zeroes each element with probability p and scales the survivors by
 * 1/(1-p); eval is the identity).
 *
 * PyTorch computes noise = bernoulli(1-p) / (1-p) in float, then x * noise;
 * so does gan99: the kept elements are multiplied by the float 1/(1-p) of a
 * float division. The mask is a constant of the graph, so the gradient is
 * g * noise (and differentiable again). Its draws come from the caller's
 * nn_rng, normally stream NN_STREAM_DROPOUT (doc/determinism.md §2.2): element i (in
 * row-major order) is kept when its uniform draw is >= p, one draw per
 * element. PyTorch's own stream cannot be reproduced, so goldens inject the
 * keep mask through nn_dropout_mask. */
#include "tensor_internal.h"

static int check_p(nn_ctx *ctx, const char *op, float p)
{
    if (!(p >= 0.0f && p < 1.0f)) {
        nn__fail(ctx, G99_EINVAL, "%s: p = %g (want 0 <= p < 1)", op, p);
        return 0;
    }
    return 1;
}

nn_tensor *nn_dropout_mask(nn_ctx *ctx, nn_tensor *x, nn_tensor *keep, float p)
{
    nn_tensor *noise;
    float scale;
    size_t i;
    char s1[64], s2[64];
    if (!ctx || !nn__ok(ctx, "dropout", "input", x) || !nn__ok(ctx, "dropout", "mask", keep)) return NULL;
    if (!check_p(ctx, "dropout", p)) return NULL;
    if (!nn__same_shape(x, keep))
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "dropout: input %s and mask %s differ in shape",
                                     nn_shape_str(x, s1), nn_shape_str(keep, s2));
    noise = nn__empty_like(ctx, "dropout", x);
    if (!noise) return NULL;
    scale = 1.0f / (1.0f - p);
    for (i = 0; i < x->numel; i++) noise->data[i] = keep->data[i] != 0.0f ? scale : 0.0f;
    return nn_mul(ctx, x, noise);
}

nn_tensor *nn_dropout(nn_ctx *ctx, nn_tensor *x, float p, int train, nn_rng *rng)
{
    nn_tensor *keep;
    size_t i;
    if (!ctx || !nn__ok(ctx, "dropout", "input", x) || !check_p(ctx, "dropout", p)) return NULL;
    if (!train || p == 0.0f) return x;
    if (!rng) return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "dropout: training needs an rng");
    keep = nn__empty_like(ctx, "dropout", x);
    if (!keep) return NULL;
    for (i = 0; i < x->numel; i++) keep->data[i] = nn_rng_uniform(rng) >= p ? 1.0f : 0.0f;
    return nn_dropout_mask(ctx, x, keep, p);
}
