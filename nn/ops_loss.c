/* nn core: losses, each the mean over all elements (doc/design.md §4.3; doc/models.md
 * §0 for PyTorch's exact formulas). The sums are canonical long sums. The
 * targets are constants: no gradient flows to them. */
#include "tensor_internal.h"

#include <math.h>

static int check_pair(nn_ctx *ctx, const char *op, const nn_tensor *x, const nn_tensor *t)
{
    char s1[64], s2[64];
    if (!nn__ok(ctx, op, "input", x) || !nn__ok(ctx, op, "target", t)) return 0;
    if (!nn__same_shape(x, t)) {
        nn__fail(ctx, G99_EINVAL, "%s: input %s and target %s differ in shape", op, nn_shape_str(x, s1),
                 nn_shape_str(t, s2));
        return 0;
    }
    return 1;
}

/* log(1 + u), accurate for small |u| (see ops_unary.c). */
static float log1p_g(float u)
{
    float w = 1.0f + u;
    if (w == 1.0f) return u;
    return nn_logf(w) * (u / (w - 1.0f));
}

/* The loss node keeps the target as in[1] with need forced off. */
static nn_tensor *finish(nn_ctx *ctx, const char *op, nn_backward_fn bw, nn_tensor *x, nn_tensor *t,
                         nn_k_lsum *acc)
{
    nn_tensor *y = nn__empty(ctx, op, 0, NULL);
    if (!y) return NULL;
    y->data[0] = nn_k_lsum_result(acc) / (float)x->numel;
    nn__record(ctx, op, bw, y, 1, x, NULL, NULL);
    if (y->node) y->node->in[1] = t;   /* kept for the backward, not an input */
    return ctx->err.code ? NULL : y;
}

/* d/dx = (x - y) / max(x (1 - x), 1e-12) / N, PyTorch's formula (its eps
 * keeps x = 0 or 1 finite). */
static void bce_backward(nn_ctx *ctx, nn_node *nd, nn_tensor *g, nn_tensor **gin)
{
    nn_tensor *x = nd->in[0], *t = nd->in[1];
    nn_tensor *den = nn_clamp(ctx, nn_mul(ctx, nn_add_scalar(ctx, nn_scale(ctx, x, -1.0f), 1.0f), x), 1e-12f,
                              INFINITY);
    nn_tensor *d = nn_div(ctx, nn_sub(ctx, x, t), den);
    gin[0] = nn_div_scalar(ctx, nn_mul(ctx, d, g), (float)x->numel);
}

nn_tensor *nn_bce_loss(nn_ctx *ctx, nn_tensor *x, nn_tensor *t)
{
    nn_k_lsum acc;
    size_t i;
    if (!ctx || !check_pair(ctx, "bce_loss", x, t)) return NULL;
    nn_k_lsum_init(&acc);
    for (i = 0; i < x->numel; i++) {
        float p = x->data[i], y = t->data[i], lp, lq, l;
        if (!(p >= 0.0f && p <= 1.0f))
            return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "bce_loss: input element %lu is %g, outside [0, 1]",
                                         (unsigned long)i, p);
        /* each log clamped at -100, so p = 0 or 1 gives a finite loss */
        lp = p > 0.0f ? nn_logf(p) : -INFINITY;
        lq = p < 1.0f ? log1p_g(-p) : -INFINITY;
        if (lp < -100.0f) lp = -100.0f;
        if (lq < -100.0f) lq = -100.0f;
        l = (y - 1.0f) * lq - y * lp;
        nn_k_lsum_add(&acc, &l, 1);
    }
    return finish(ctx, "bce_loss", bce_backward, x, t, &acc);
}

/* d/dx = (sigmoid(x) - y) / N */
static void bce_logits_backward(nn_ctx *ctx, nn_node *nd, nn_tensor *g, nn_tensor **gin)
{
    nn_tensor *x = nd->in[0], *t = nd->in[1];
    nn_tensor *d = nn_sub(ctx, nn_sigmoid(ctx, x), t);
    gin[0] = nn_div_scalar(ctx, nn_mul(ctx, d, g), (float)x->numel);
}

nn_tensor *nn_bce_with_logits_loss(nn_ctx *ctx, nn_tensor *x, nn_tensor *t)
{
    nn_k_lsum acc;
    size_t i;
    if (!ctx || !check_pair(ctx, "bce_with_logits_loss", x, t)) return NULL;
    nn_k_lsum_init(&acc);
    for (i = 0; i < x->numel; i++) {
        float v = x->data[i], y = t->data[i];
        /* max(x,0) - x y + log(1 + e^-|x|): never exponentiates a positive */
        float l = (v > 0.0f ? v : 0.0f) - v * y + log1p_g(nn_expf(-fabsf(v)));
        nn_k_lsum_add(&acc, &l, 1);
    }
    return finish(ctx, "bce_with_logits_loss", bce_logits_backward, x, t, &acc);
}

nn_tensor *nn_mse_loss(nn_ctx *ctx, nn_tensor *x, nn_tensor *t)
{
    if (!ctx || !check_pair(ctx, "mse_loss", x, t)) return NULL;
    return nn_mean(ctx, nn_square(ctx, nn_sub(ctx, x, t)));
}

nn_tensor *nn_l1_loss(nn_ctx *ctx, nn_tensor *x, nn_tensor *t)
{
    if (!ctx || !check_pair(ctx, "l1_loss", x, t)) return NULL;
    return nn_mean(ctx, nn_abs(ctx, nn_sub(ctx, x, t)));
}

/* SPADE's hinge loss for D (doc/models.md §3): real (target +1)
 * mean(relu(1 - x)), fake (target -1) mean(relu(1 + x)); SPADE writes it as
 * -mean(min(x - 1, 0)), the same numbers. G's hinge loss is -mean(x). */
nn_tensor *nn_hinge_loss(nn_ctx *ctx, nn_tensor *x, int target)
{
    if (!ctx || !nn__ok(ctx, "hinge_loss", "input", x)) return NULL;
    if (target != 1 && target != -1)
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "hinge_loss: target %d (want +1 real or -1 fake)", target);
    return nn_mean(ctx, nn_relu(ctx, nn_add_scalar(ctx, nn_scale(ctx, x, -(float)target), 1.0f)));
}

/* torch.nn.functional.cross_entropy (mean reduction, no weights, no label
 * smoothing): logits [N,C] or [N,C,H,W], target [N] or [N,H,W] holding
 * class indices as floats. log_softmax by the max shift (a constant: the
 * shift cancels, so it gets no gradient), then the mean of -logp at the
 * target, picked by a one-hot constant. Built from ops, so it is
 * differentiable to any order. */
nn_tensor *nn_cross_entropy_loss(nn_ctx *ctx, nn_tensor *x, nn_tensor *target)
{
    int rshape[4], i, c, ok;
    size_t outer, inner, o, j, count;
    nn_tensor *mx, *onehot, *shifted, *lse;
    char s1[64], s2[64];
    if (!ctx || !nn__ok(ctx, "cross_entropy_loss", "input", x) || !nn__ok(ctx, "cross_entropy_loss", "target", target))
        return NULL;
    ok = (x->ndim == 2 || x->ndim == 4) && target->ndim == x->ndim - 1 && target->shape[0] == x->shape[0];
    for (i = 2; ok && i < x->ndim; i++) ok = target->shape[i - 1] == x->shape[i];
    if (!ok)
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "cross_entropy_loss: input %s and target %s (want [N,C] and "
                                     "[N], or [N,C,H,W] and [N,H,W])", nn_shape_str(x, s1), nn_shape_str(target, s2));
    c = x->shape[1];
    outer = (size_t)x->shape[0];
    inner = x->numel / outer / (size_t)c;
    count = target->numel;
    for (i = 0; i < x->ndim; i++) rshape[i] = x->shape[i];
    rshape[1] = 1;
    mx = nn__empty(ctx, "cross_entropy_loss", x->ndim, rshape);
    onehot = nn_tensor_new(ctx, x->ndim, x->shape);
    if (!mx || !onehot) return NULL;
    for (o = 0; o < outer; o++)
        for (j = 0; j < inner; j++) {
            const float *xp = x->data + o * (size_t)c * inner + j;
            float t = target->data[o * inner + j], m = xp[0];
            int k;
            if (!(t >= 0.0f && t < (float)c) || t != (float)(int)t)
                return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "cross_entropy_loss: target element %lu is %g, not a "
                                             "class index in [0, %d)", (unsigned long)(o * inner + j), t, c);
            for (k = 1; k < c; k++)
                if (xp[(size_t)k * inner] > m) m = xp[(size_t)k * inner];
            mx->data[o * inner + j] = m;
            onehot->data[(o * (size_t)c + (size_t)t) * inner + j] = 1.0f;
        }
    shifted = nn_sub(ctx, x, mx);
    lse = nn_log(ctx, nn_sum_to(ctx, nn_exp(ctx, shifted), x->ndim, rshape));
    return nn_div_scalar(ctx, nn_scale(ctx, nn_sum(ctx, nn_mul(ctx, nn_sub(ctx, shifted, lse), onehot)), -1.0f),
                         (float)count);
}

/* StyleGAN's non-saturating logistic loss (doc/models.md §4.6), the softplus
 * form: target +1 (real, and G's loss on fakes) mean(softplus(-x)), target
 * -1 (fake, for D) mean(softplus(x)). */
nn_tensor *nn_logistic_ns_loss(nn_ctx *ctx, nn_tensor *x, int target)
{
    if (!ctx || !nn__ok(ctx, "logistic_ns_loss", "input", x)) return NULL;
    if (target != 1 && target != -1)
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "logistic_ns_loss: target %d (want +1 real or -1 fake)", target);
    return nn_mean(ctx, nn_softplus(ctx, target == 1 ? nn_scale(ctx, x, -1.0f) : x));
}
