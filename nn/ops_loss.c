/* nn core: losses, each the mean over all elements (SPEC.md §4; gan_spec.md
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
