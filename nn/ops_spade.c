/* nn core: SPADE modulation (doc/design.md §4.3; doc/models.md §3, after NVlabs/SPADE's
 * models/networks/normalization.py):
 *   n = param-free norm(x)            batch norm (affine off) or instance norm
 *   m = nearest_resize(segmap, H, W)
 *   a = relu(conv(m, mlp_shared))     k x k, padding k/2 (3x3 in SPADE)
 *   y = n (1 + conv(a, mlp_gamma)) + conv(a, mlp_beta)
 * A composition of the differentiable ops (the last line one node). The segmentation map is data
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

/* relu(c + bias) over mlp_shared's nhidden channels, the largest tensors
 * of a SPADE layer. As nn_relu(nn_add(c, bias [1,C,1,1])) but in c's own
 * memory: c is a fresh conv output whose backward never reads it, so its
 * storage can hold the sum and then the ReLU (two nhidden-channel tensors
 * fewer per layer, and their passes). The same bits: the add is the same
 * float add, nn_k_relu the same kernel, and the ReLU gradient selects on
 * y instead of c + bias, which agree (y = x < 0 ? +0 : x keeps x > 0,
 * +-0 and NaN, and maps the rest to +0, all of which select alike). */
static nn_tensor *shared_grad(nn_ctx *ctx, nn_tensor *g, const float *y);

static void shared_grad_backward(nn_ctx *ctx, nn_node *nd, nn_tensor *gg, nn_tensor **gin)
{
    /* linear in g: its gradient is the same select (y constant) */
    gin[0] = shared_grad(ctx, gg, nd->saved);
}

static nn_tensor *shared_grad(nn_ctx *ctx, nn_tensor *g, const float *y)
{
    nn_tensor *gx;
    nn_node *nd;
    if (!g || ctx->err.code) return NULL;
    if (!(gx = nn__empty_like(ctx, "spade_relu_grad", g))) return NULL;
    nn_k_relu_grad(g->numel, y, g->data, gx->data);
    nd = nn__record(ctx, "spade_relu_grad", shared_grad_backward, gx, 1, g, NULL, NULL);
    if (nd) nd->saved = (float *)y;   /* read only */
    return ctx->err.code ? NULL : gx;
}

static void bias_relu_backward(nn_ctx *ctx, nn_node *nd, nn_tensor *g, nn_tensor **gin)
{
    nn_tensor *gz = shared_grad(ctx, g, nd->out->data), *b = nd->in[1];
    int s4[4];
    /* nn_add's rule: both inputs get gz, summed to each one's shape */
    if (nd->need[0]) gin[0] = gz;
    if (nd->need[1] && gz) {
        s4[0] = 1; s4[1] = b->shape[0]; s4[2] = s4[3] = 1;
        gin[1] = nn_reshape(ctx, nn_sum_to(ctx, gz, 4, s4), 1, b->shape);
    }
}

static nn_tensor *bias_relu(nn_ctx *ctx, nn_tensor *c, nn_tensor *b)
{
    nn_tensor *y;
    size_t plane;
    long ij, planes;
    if (!c || !b || ctx->err.code) return NULL;
    if (!(y = nn__view(ctx, "spade_relu", c->ndim, c->shape, c->data))) return NULL;
    plane = (size_t)c->shape[2] * (size_t)c->shape[3];
    planes = (long)c->shape[0] * c->shape[1];
    /* planes (image, channel) over the threads, each whole: the same bits */
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (NN__PAR(y->numel) && planes > 1)
#endif
    for (ij = 0; ij < planes; ij++) {
        float *p = y->data + (size_t)ij * plane, bj = b->data[ij % c->shape[1]];
        size_t k;
        for (k = 0; k < plane; k++) p[k] = p[k] + bj;
    }
    nn_k_relu(y->numel, y->data, y->data);
    nn__record(ctx, "spade_relu", bias_relu_backward, y, 2, c, b, NULL);
    return ctx->err.code ? NULL : y;
}

/* y = n (1 + gamma) + beta in one node, for n, gamma, beta of one shape:
 * as nn_add(nn_mul(n, nn_add_scalar(gamma, 1)), beta) element for element
 * (the same three float operations in the same order), without keeping
 * 1 + gamma and the product (two tensors of x's size per layer), and with
 * one gradient path to beta: the gradient of y goes to beta as it is
 * (nn_add's rule) and to no other input, so a backward pass without
 * create_graph can hand it on instead of holding it. The backward is
 * built from the ops nn_mul's and nn_add_scalar's backward use (the same
 * bits, and recorded under create_graph). */
static void modulate_backward(nn_ctx *ctx, nn_node *nd, nn_tensor *g, nn_tensor **gin)
{
    if (nd->need[0]) gin[0] = nn_mul(ctx, g, nn_add_scalar(ctx, nd->in[1], 1.0f));
    if (nd->need[1]) gin[1] = nn_mul(ctx, g, nd->in[0]);
    if (nd->need[2]) gin[2] = g;
}

static nn_tensor *modulate(nn_ctx *ctx, nn_tensor *n, nn_tensor *gamma, nn_tensor *beta)
{
    nn_tensor *y;
    size_t numel;
    long c;
    if (!n || !gamma || !beta || ctx->err.code) return NULL;
    if (!nn__same_shape(n, gamma) || !nn__same_shape(n, beta))   /* nn_mul / nn_add broadcast or name it */
        return nn_add(ctx, nn_mul(ctx, n, nn_add_scalar(ctx, gamma, 1.0f)), beta);
    if (!(y = nn__empty_like(ctx, "spade", n))) return NULL;
    numel = y->numel;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (NN__PAR(numel))
#endif
    for (c = 0; c < NN__CHUNKS(numel); c++) {
        size_t i, lo = (size_t)c * NN__CHUNK, hi = numel - lo < NN__CHUNK ? numel : lo + NN__CHUNK;
        for (i = lo; i < hi; i++) {
            float t = gamma->data[i] + 1.0f;
            t = n->data[i] * t;
            y->data[i] = t + beta->data[i];
        }
    }
    nn__record(ctx, "spade_modulate", modulate_backward, y, 3, n, gamma, beta);
    return ctx->err.code ? NULL : y;
}

nn_tensor *nn_spade(nn_ctx *ctx, nn_tensor *x, nn_tensor *seg, const nn_spade_params *p, int norm, int train)
{
    nn_tensor *xn, *a, *gamma;
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
    /* a bias of another shape goes the plain way, where nn_conv2d names the problem */
    if (p->shared_bias && p->shared_bias->ndim == 1 && p->shared_bias->shape[0] == p->shared_weight->shape[0])
        a = bias_relu(ctx, same_conv(ctx, a, p->shared_weight, NULL), p->shared_bias);
    else
        a = nn_relu(ctx, same_conv(ctx, a, p->shared_weight, p->shared_bias));
    gamma = same_conv(ctx, a, p->gamma_weight, p->gamma_bias);
    return modulate(ctx, xn, gamma, same_conv(ctx, a, p->beta_weight, p->beta_bias));
}
