/* nn core: elementwise ops of one tensor (doc/design.md §4.3; doc/models.md §0 for
 * PyTorch's conventions at the kinks). One forward loop and one backward
 * per op; the backward is built from ops, so it is itself differentiable
 * (the gradient of tanh uses its output y, which is on the graph). When
 * the backward is not recorded, the activations take a one-pass twin of
 * it that gives the same bits (fused_backward). */
#include "tensor_internal.h"

#include <math.h>

enum {
    U_SCALE, U_ADDS, U_DIVS, U_SQUARE, U_SQRT, U_RSQRT, U_ABS, U_EXP, U_LOG,
    U_RELU, U_LRELU, U_TANH, U_SIGMOID, U_SOFTPLUS, U_CLAMP
};

static const char *const unary_names[] = {
    "scale", "add_scalar", "div_scalar", "square", "sqrt", "rsqrt", "abs", "exp", "log",
    "relu", "leaky_relu", "tanh", "sigmoid", "softplus", "clamp"
};

/* log(1 + u) accurate for small u with only nn_logf: Goldberg's trick
 * log(w) * u / (w - 1), w = 1 + u, cancels the rounding of w. */
static float log1p_g(float u)
{
    float w = 1.0f + u;
    if (w == 1.0f) return u;
    return nn_logf(w) * (u / (w - 1.0f));
}

static float apply(int kind, float x, float a, float b)
{
    switch (kind) {
    case U_SCALE: return x * a;
    case U_ADDS: return x + a;
    case U_DIVS: return x / a;
    case U_SQUARE: return x * x;
    case U_SQRT: return sqrtf(x);
    case U_RSQRT: return 1.0f / sqrtf(x);
    case U_ABS: return fabsf(x);
    case U_EXP: return nn_expf(x);
    case U_LOG: return nn_logf(x);
    case U_RELU: return x < 0.0f ? 0.0f : x;
    case U_LRELU: return x > 0.0f ? x : x * a;
    case U_TANH: return nn_tanhf(x);
    case U_SIGMOID: return nn_sigmoidf(x);
    /* PyTorch's threshold 20: above it log(1 + e^x) is x in float32. */
    case U_SOFTPLUS: return x > 20.0f ? x : log1p_g(nn_expf(x));
    default: /* U_CLAMP; NaN stays NaN as in PyTorch */
        if (x < a) return a;
        if (x > b) return b;
        return x;
    }
}

/* The activations' backward as plain numbers (create_graph = 0): one pass,
 * gx = g f'(x), with f' rounded exactly as the op-built backward below
 * forms it (the mask, or 1 - y^2 as (y y) (-1) + 1), so either path gives
 * the same bits, without the mask or the 1 - y^2 tensor. Returns 0 for the
 * ops it does not cover. */
static int fused_backward(nn_ctx *ctx, nn_node *nd, nn_tensor *g, nn_tensor **gin)
{
    const float *x = nd->in[0]->data, *y = nd->out->data, *d = g->data;
    float a = nd->farg[0], b = nd->farg[1], *o;
    size_t n = g->numel;
    long c;
    int kind = nd->iarg[0];
    if (kind != U_TANH && kind != U_SIGMOID && kind != U_ABS && kind != U_CLAMP) return 0;
    gin[0] = nn__empty_like(ctx, unary_names[kind], nd->in[0]);
    if (!gin[0]) return 1;
    o = gin[0]->data;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (NN__PAR(n))
#endif
    for (c = 0; c < NN__CHUNKS(n); c++) {
        size_t i, lo = (size_t)c * NN__CHUNK, hi = n - lo < NN__CHUNK ? n : lo + NN__CHUNK;
        switch (kind) {
        case U_TANH:
            for (i = lo; i < hi; i++) o[i] = d[i] * ((y[i] * y[i]) * -1.0f + 1.0f);
            break;
        case U_SIGMOID:
            for (i = lo; i < hi; i++) o[i] = d[i] * (y[i] * (y[i] * -1.0f + 1.0f));
            break;
        case U_ABS:
            for (i = lo; i < hi; i++) o[i] = d[i] * (x[i] > 0.0f ? 1.0f : (x[i] < 0.0f ? -1.0f : 0.0f));
            break;
        default: /* U_CLAMP */
            for (i = lo; i < hi; i++) o[i] = d[i] * ((x[i] >= a && x[i] <= b) ? 1.0f : 0.0f);
            break;
        }
    }
    return 1;
}

/* The (leaky) ReLU gradient as an op of g alone: gx = select(x, g), x held
 * constant (nd->saved points at its data), with PyTorch's rules
 * (threshold_backward: x <= 0 ? 0 : g; leaky_relu_backward: x > 0 ? g :
 * g slope; see kernels.h). It is linear in g, so its gradient is the same
 * select of the incoming gradient, and x gets none, as in PyTorch. One
 * kernel serves both create_graph settings: the same bits either way. */
static nn_tensor *act_grad(nn_ctx *ctx, int kind, nn_tensor *g, const float *x, float slope);

static void act_grad_backward(nn_ctx *ctx, nn_node *nd, nn_tensor *gg, nn_tensor **gin)
{
    gin[0] = act_grad(ctx, nd->iarg[0], gg, nd->saved, nd->farg[0]);
}

static nn_tensor *act_grad(nn_ctx *ctx, int kind, nn_tensor *g, const float *x, float slope)
{
    const char *op = kind == U_RELU ? "relu_grad" : "leaky_relu_grad";
    nn_tensor *gx;
    nn_node *nd;
    if (!g || ctx->err.code) return NULL;
    gx = nn__empty_like(ctx, op, g);
    if (!gx) return NULL;
    if (kind == U_RELU) nn_k_relu_grad(g->numel, x, g->data, gx->data);
    else nn_k_leaky_relu_grad(g->numel, x, g->data, slope, gx->data);
    nd = nn__record(ctx, op, act_grad_backward, gx, 1, g, NULL, NULL);
    if (nd) {
        nd->iarg[0] = kind;
        nd->farg[0] = slope;
        nd->saved = (float *)x;   /* read only */
    }
    return ctx->err.code ? NULL : gx;
}

static void unary_backward(nn_ctx *ctx, nn_node *nd, nn_tensor *g, nn_tensor **gin)
{
    nn_tensor *x = nd->in[0], *y = nd->out;
    float a = nd->farg[0], b = nd->farg[1];
    if (!ctx->grad_enabled && fused_backward(ctx, nd, g, gin)) return;
    switch (nd->iarg[0]) {
    case U_SCALE: gin[0] = nn_scale(ctx, g, a); break;
    case U_ADDS: gin[0] = g; break;
    case U_DIVS: gin[0] = nn_div_scalar(ctx, g, a); break;
    case U_SQUARE: gin[0] = nn_mul(ctx, g, nn_scale(ctx, x, 2.0f)); break;
    case U_SQRT: gin[0] = nn_div(ctx, g, nn_scale(ctx, y, 2.0f)); break;
    /* d/dx x^-1/2 = -1/2 y^3 */
    case U_RSQRT: gin[0] = nn_mul(ctx, g, nn_scale(ctx, nn_mul(ctx, nn_square(ctx, y), y), -0.5f)); break;
    case U_ABS: gin[0] = nn_mul(ctx, g, nn__mask(ctx, x, NN_MASK_SIGN, 0, 0)); break;
    case U_EXP: gin[0] = nn_mul(ctx, g, y); break;
    case U_LOG: gin[0] = nn_div(ctx, g, x); break;
    case U_RELU: gin[0] = act_grad(ctx, U_RELU, g, x->data, 0.0f); break;
    case U_LRELU: gin[0] = act_grad(ctx, U_LRELU, g, x->data, a); break;
    /* 1 - y^2 */
    case U_TANH: gin[0] = nn_mul(ctx, g, nn_add_scalar(ctx, nn_scale(ctx, nn_square(ctx, y), -1.0f), 1.0f)); break;
    /* y (1 - y) */
    case U_SIGMOID:
        gin[0] = nn_mul(ctx, g, nn_mul(ctx, y, nn_add_scalar(ctx, nn_scale(ctx, y, -1.0f), 1.0f)));
        break;
    /* sigmoid(x), which is exactly 1 in float32 above the threshold */
    case U_SOFTPLUS: gin[0] = nn_mul(ctx, g, nn_sigmoid(ctx, x)); break;
    default: gin[0] = nn_mul(ctx, g, nn__mask(ctx, x, NN_MASK_RANGE, a, b)); break;
    }
}

static nn_tensor *unary(nn_ctx *ctx, int kind, nn_tensor *x, float a, float b)
{
    const char *op = unary_names[kind];
    nn_tensor *y;
    nn_node *nd;
    long c;
    if (!ctx || !nn__ok(ctx, op, "input", x)) return NULL;
    y = nn__empty_like(ctx, op, x);
    if (!y) return NULL;
    if (kind == U_RELU) nn_k_relu(x->numel, x->data, y->data);
    else if (kind == U_LRELU) nn_k_leaky_relu(x->numel, x->data, a, y->data);
    else {
        size_t n = x->numel;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (NN__PAR(n))
#endif
        for (c = 0; c < NN__CHUNKS(n); c++) {
            size_t i, lo = (size_t)c * NN__CHUNK, hi = n - lo < NN__CHUNK ? n : lo + NN__CHUNK;
            for (i = lo; i < hi; i++) y->data[i] = apply(kind, x->data[i], a, b);
        }
    }
    nd = nn__record(ctx, op, unary_backward, y, 1, x, NULL, NULL);
    if (nd) {
        nd->iarg[0] = kind;
        nd->farg[0] = a;
        nd->farg[1] = b;
    }
    return ctx->err.code ? NULL : y;
}

nn_tensor *nn_scale(nn_ctx *ctx, nn_tensor *x, float s) { return unary(ctx, U_SCALE, x, s, 0); }
nn_tensor *nn_add_scalar(nn_ctx *ctx, nn_tensor *x, float s) { return unary(ctx, U_ADDS, x, s, 0); }
nn_tensor *nn_div_scalar(nn_ctx *ctx, nn_tensor *x, float s) { return unary(ctx, U_DIVS, x, s, 0); }
nn_tensor *nn_square(nn_ctx *ctx, nn_tensor *x) { return unary(ctx, U_SQUARE, x, 0, 0); }
nn_tensor *nn_sqrt(nn_ctx *ctx, nn_tensor *x) { return unary(ctx, U_SQRT, x, 0, 0); }
nn_tensor *nn_rsqrt(nn_ctx *ctx, nn_tensor *x) { return unary(ctx, U_RSQRT, x, 0, 0); }
nn_tensor *nn_abs(nn_ctx *ctx, nn_tensor *x) { return unary(ctx, U_ABS, x, 0, 0); }
nn_tensor *nn_exp(nn_ctx *ctx, nn_tensor *x) { return unary(ctx, U_EXP, x, 0, 0); }
nn_tensor *nn_log(nn_ctx *ctx, nn_tensor *x) { return unary(ctx, U_LOG, x, 0, 0); }
nn_tensor *nn_relu(nn_ctx *ctx, nn_tensor *x) { return unary(ctx, U_RELU, x, 0, 0); }
nn_tensor *nn_leaky_relu(nn_ctx *ctx, nn_tensor *x, float slope) { return unary(ctx, U_LRELU, x, slope, 0); }
nn_tensor *nn_tanh(nn_ctx *ctx, nn_tensor *x) { return unary(ctx, U_TANH, x, 0, 0); }
nn_tensor *nn_sigmoid(nn_ctx *ctx, nn_tensor *x) { return unary(ctx, U_SIGMOID, x, 0, 0); }
nn_tensor *nn_softplus(nn_ctx *ctx, nn_tensor *x) { return unary(ctx, U_SOFTPLUS, x, 0, 0); }

nn_tensor *nn_clamp(nn_ctx *ctx, nn_tensor *x, float lo, float hi)
{
    if (ctx && !(lo <= hi)) return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "clamp: lo %g > hi %g", lo, hi);
    return unary(ctx, U_CLAMP, x, lo, hi);
}

nn_tensor *nn__mask(nn_ctx *ctx, nn_tensor *x, int rule, float a, float b)
{
    nn_tensor *m = nn__empty_like(ctx, "mask", x);
    size_t n;
    long c;
    if (!m) return NULL;
    n = x->numel;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (NN__PAR(n))
#endif
    for (c = 0; c < NN__CHUNKS(n); c++) {
        size_t i, lo = (size_t)c * NN__CHUNK, hi = n - lo < NN__CHUNK ? n : lo + NN__CHUNK;
        for (i = lo; i < hi; i++) {
            float v = x->data[i];
            switch (rule) {
            case NN_MASK_SIGN: m->data[i] = v > 0.0f ? 1.0f : (v < 0.0f ? -1.0f : 0.0f); break;
            default: m->data[i] = (v >= a && v <= b) ? 1.0f : 0.0f; break;
            }
        }
    }
    return m;
}
