/* The StyleGAN and SPADE ops of nn/ against PyTorch (golden/nn/ops3.safetensors,
 * written by golden/tools/nn_ops3_golden.py, python3-torch 1.13): upfirdn2d,
 * modulated conv, AdaIN, noise injection, minibatch stddev, equalized-LR
 * linear layers, spectral norm, SPADE modulation and the non-saturating
 * logistic loss, each with its PyTorch gradients and a finite-difference
 * check (the harness of tests/test_nn_ops.c); then
 *   - second-order finite differences: the gradient of <grad f, r> from
 *     create_graph against differences of <grad f, r> itself, for the ops
 *     StyleGAN's R1 and path-length penalties differentiate twice;
 *   - the R1 penalty through a tiny StyleGAN2-like D (equalized-LR convs,
 *     FIR down-conv, minibatch stddev, fc) and its parameter gradients
 *     against PyTorch.
 * Tolerances as doc/design.md §7.2 (see tests/test_nn_ops.c). */
#include "nn_golden.h"
#include "test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static golden_file ops3_golden;

static const golden_file *ops3(void)
{
    if (!ops3_golden.n) golden_load("golden/nn/ops3.safetensors", &ops3_golden);
    return &ops3_golden;
}

static const float fir_taps[4] = { 1.0f, 3.0f, 3.0f, 1.0f };

static nn_tensor *call_op3(nn_ctx *ctx, op_case *c)
{
    const char *op = c->op;
    const float *cfg = c->cfg;
    nn_tensor **in = c->in;
    if (!strcmp(op, "upfirdn2d")) {
        nn_upfirdn_opts o;
        o.up = (int)cfg[0];
        o.down = (int)cfg[1];
        o.pad_x0 = (int)cfg[2];
        o.pad_x1 = (int)cfg[3];
        o.pad_y0 = (int)cfg[4];
        o.pad_y1 = (int)cfg[5];
        o.gain = cfg[6];
        o.flip_filter = (int)cfg[7];
        return nn_upfirdn2d(ctx, in[0], in[1], &o);
    }
    if (!strcmp(op, "modulated_conv2d")) {
        nn_modconv_opts o;
        o.no_demodulate = cfg[0] == 0.0f;
        o.up = (int)cfg[1];
        o.padding = (int)cfg[2];
        return nn_modulated_conv2d(ctx, in[0], in[1], in[2], nn_fir_filter(ctx, fir_taps, 4), &o);
    }
    if (!strcmp(op, "adain")) return nn_adain(ctx, in[0], in[1], cfg[0]);
    if (!strcmp(op, "noise_inject")) return nn_noise_inject(ctx, in[0], in[1], in[2]);
    if (!strcmp(op, "minibatch_stddev")) return nn_minibatch_stddev(ctx, in[0], (int)cfg[0], (int)cfg[1]);
    if (!strcmp(op, "eqlr_linear")) {
        /* FullyConnectedLayer: the weight times lr_mul / sqrt(in), the bias
         * times lr_mul, then bias_act's lrelu with gain sqrt(2) */
        nn_tensor *w = nn_scale(ctx, in[1], nn_eqlr_gain(in[1]->shape[1], cfg[0]));
        nn_tensor *y = nn_linear(ctx, in[0], w, nn_scale(ctx, in[2], cfg[0]));
        return cfg[1] != 0.0f ? nn_scale(ctx, nn_leaky_relu(ctx, y, 0.2f), (float)sqrt(2.0)) : y;
    }
    if (!strcmp(op, "spectral_norm")) {
        /* The first call is the op under test (train: the power iteration
         * updates copies of the golden u, v). u and v are constants for the
         * gradient, so the finite differences that follow hold them at this
         * step's values: eval mode on the updated copies. */
        if (c->rm_t) return nn_spectral_norm(ctx, in[0], c->rm_t, c->rv_t, 0, 1e-12f);
        c->rm_t = to_tensor(ctx, c->rm);
        c->rv_t = to_tensor(ctx, c->rv);
        return nn_spectral_norm(ctx, in[0], c->rm_t, c->rv_t, (int)cfg[0], 1e-12f);
    }
    if (!strcmp(op, "spade")) {
        nn_spade_params p;
        memset(&p, 0, sizeof p);
        p.shared_weight = in[2];
        p.shared_bias = in[3];
        p.gamma_weight = in[4];
        p.gamma_bias = in[5];
        p.beta_weight = in[6];
        p.beta_bias = in[7];
        return nn_spade(ctx, in[0], in[1], &p, (int)cfg[0], 1);
    }
    if (!strcmp(op, "logistic_ns_loss")) return nn_logistic_ns_loss(ctx, in[0], (int)cfg[0]);
    if (!strcmp(op, "resize_nearest")) return nn_resize_nearest(ctx, in[0], (int)cfg[0], (int)cfg[1]);
    return NULL;
}

#define OP3_TEST(name, min_cases) \
    static void golden_##name(void) { CHECK(run_op_in(ops3(), #name, 1, call_op3) >= (min_cases)); }

OP3_TEST(upfirdn2d, 4)
OP3_TEST(modulated_conv2d, 4)
OP3_TEST(adain, 3)
OP3_TEST(noise_inject, 3)
OP3_TEST(minibatch_stddev, 4)
OP3_TEST(eqlr_linear, 3)
OP3_TEST(spectral_norm, 4)
OP3_TEST(spade, 3)
OP3_TEST(logistic_ns_loss, 4)
OP3_TEST(resize_nearest, 4)

/* Hand-derived: the [1,3,3,1] filter is outer / 64; the equalized-LR gain
 * of a 3x3 conv over 1 channel is 1/3, of a 512-wide fc with lr_mul 0.01
 * 0.01 / sqrt(512) (both rounded once to float). */
static void fir_filter_and_gain(void)
{
    nn_ctx *ctx = nn_ctx_new(0);
    nn_tensor *f = nn_fir_filter(ctx, fir_taps, 4);
    if (!CHECK(f != NULL)) goto done;
    CHECK_EQ_INT(2, f->ndim);
    CHECK_EQ_FBITS(1.0f / 64.0f, f->data[0]);
    CHECK_EQ_FBITS(3.0f / 64.0f, f->data[1]);
    CHECK_EQ_FBITS(9.0f / 64.0f, f->data[5]);
    CHECK_EQ_FBITS(1.0f / 64.0f, f->data[15]);
    CHECK_EQ_FBITS((float)(1.0 / 3.0), nn_eqlr_gain(9, 1.0));
    CHECK_EQ_FBITS((float)(0.01 / 22.627416997969522), nn_eqlr_gain(512, 0.01));
    CHECK_EQ_FBITS(0.0f, nn_eqlr_gain(0, 1.0));
done:
    nn_ctx_free(ctx);
}

/* Bad shapes and arguments: NULL and an error naming the op and the shapes. */
static void bad_input(void)
{
    nn_ctx *ctx = nn_ctx_new(0);
    int s3[3] = { 2, 3, 4 }, s4[4] = { 2, 3, 4, 4 }, s2[2] = { 2, 3 }, w4[4] = { 4, 2, 3, 3 }, n4[4] = { 2, 2, 4, 4 };
    int u1[1] = { 5 }, v1[1] = { 18 };
    nn_tensor *x3, *x, *s, *w, *f, *noise, *u, *v;
    nn_upfirdn_opts fo;
    nn_modconv_opts mo;
    nn_spade_params sp;
    if (!CHECK(ctx != NULL)) return;
    x3 = nn_tensor_new(ctx, 3, s3);
    x = nn_tensor_new(ctx, 4, s4);
    s = nn_tensor_new(ctx, 2, s2);
    w = nn_tensor_new(ctx, 4, w4);
    f = nn_fir_filter(ctx, fir_taps, 4);
    noise = nn_tensor_new(ctx, 4, n4);
    u = nn_tensor_new(ctx, 1, u1);
    v = nn_tensor_new(ctx, 1, v1);
    memset(&fo, 0, sizeof fo);
    memset(&mo, 0, sizeof mo);
    memset(&sp, 0, sizeof sp);

    CHECK(nn_upfirdn2d(ctx, x3, f, &fo) == NULL);
    CHECK_CONTAINS("upfirdn2d: input [2,3,4] must be [N,C,H,W]", nn_ctx_error(ctx)->msg);
    nn_ctx_clear_error(ctx);
    fo.pad_x0 = fo.pad_x1 = -1;
    CHECK(nn_upfirdn2d(ctx, x, f, &fo) == NULL);
    CHECK_CONTAINS("smaller than the filter [4,4]", nn_ctx_error(ctx)->msg);
    nn_ctx_clear_error(ctx);
    fo.pad_x0 = fo.pad_x1 = 0;
    fo.up = -2;
    CHECK(nn_upfirdn2d(ctx, x, f, &fo) == NULL);
    CHECK_CONTAINS("upfirdn2d: up -2", nn_ctx_error(ctx)->msg);
    nn_ctx_clear_error(ctx);

    CHECK(nn_modulated_conv2d(ctx, x, w, s, NULL, &mo) == NULL);
    CHECK_CONTAINS("modulated_conv2d: input [2,3,4,4], weight [4,2,3,3], styles [2,3]", nn_ctx_error(ctx)->msg);
    nn_ctx_clear_error(ctx);
    mo.up = 2;
    w4[1] = 3;
    CHECK(nn_modulated_conv2d(ctx, x, nn_tensor_new(ctx, 4, w4), s, NULL, &mo) == NULL);
    CHECK_CONTAINS("modulated_conv2d: filter is NULL", nn_ctx_error(ctx)->msg);
    nn_ctx_clear_error(ctx);

    CHECK(nn_adain(ctx, x, s, 1e-8f) == NULL);
    CHECK_CONTAINS("adain: input [2,3,4,4] and style [2,3]", nn_ctx_error(ctx)->msg);
    nn_ctx_clear_error(ctx);
    CHECK(nn_noise_inject(ctx, x, noise, u) == NULL);
    CHECK_CONTAINS("noise_inject: input [2,3,4,4], noise [2,2,4,4], strength [5]", nn_ctx_error(ctx)->msg);
    nn_ctx_clear_error(ctx);
    CHECK(nn_minibatch_stddev(ctx, nn_tensor_new(ctx, 3, s3), 4, 1) == NULL);
    CHECK_CONTAINS("minibatch_stddev: input [2,3,4]", nn_ctx_error(ctx)->msg);
    nn_ctx_clear_error(ctx);
    s4[0] = 3;
    CHECK(nn_minibatch_stddev(ctx, nn_tensor_new(ctx, 4, s4), 2, 1) == NULL);
    CHECK_CONTAINS("batch 3 is not divisible by the group size 2", nn_ctx_error(ctx)->msg);
    nn_ctx_clear_error(ctx);
    CHECK(nn_spectral_norm(ctx, w, u, v, 1, 1e-12f) == NULL);
    CHECK_CONTAINS("spectral_norm: weight [4,2,3,3], weight_u [5], weight_v [18]", nn_ctx_error(ctx)->msg);
    nn_ctx_clear_error(ctx);
    CHECK(nn_spade(ctx, x, x, &sp, NN_SPADE_BATCH, 1) == NULL);
    CHECK_CONTAINS("spade: mlp_shared weight is NULL", nn_ctx_error(ctx)->msg);
    nn_ctx_clear_error(ctx);
    CHECK(nn_logistic_ns_loss(ctx, s, 0) == NULL);
    CHECK_CONTAINS("logistic_ns_loss: target 0", nn_ctx_error(ctx)->msg);
    nn_ctx_clear_error(ctx);
    CHECK(nn_resize_nearest(ctx, x, 0, 3) == NULL);
    CHECK_CONTAINS("resize_nearest: input [2,3,4,4] to 0x3", nn_ctx_error(ctx)->msg);
    nn_ctx_free(ctx);
}

/* ---- second order --------------------------------------------------------------
 * For a case with inputs x_i (those with golden gradients) and the upstream
 * gradient u (gout): f = sum(out u) and, for fixed random r_i,
 *   h(x, u) = sum_i <df/dx_i, r_i>.
 * nn_grad with create_graph gives df/dx_i as graph tensors, and nn_grad
 * again gives dh/dx_j and dh/du: the backward of the backward, in both its
 * arguments, as R1 needs it (for a linear op such as upfirdn2d only dh/du
 * is nonzero). Each must match finite differences of h along a direction
 * (h evaluated by first-order gradients alone), with the bound of
 * tests/test_nn_ops.c's fd_check. */

typedef struct so_case {
    op_case c;
    int n_grad, idx[MAX_IN];
    nn_tensor *with_grad[MAX_IN + 1];   /* the inputs, then u */
    float *r[MAX_IN];
    float *u;                           /* the upstream gradient's values */
    const golden_tensor *gout;
} so_case;

/* h(x, u) in double, plus a rounding bound in *noise; create_graph 0. */
static int eval_h(nn_ctx *ctx, so_case *s, double *h, double *noise)
{
    const golden_tensor *go = s->gout;
    nn_tensor *y = s->c.call(ctx, &s->c), *gy = nn_tensor_from(ctx, go->ndim, go->shape, s->u), *g[MAX_IN];
    int i;
    size_t j;
    if (!y || nn_grad(ctx, 1, &y, s->n_grad, s->with_grad, &gy, 0, g)) return -1;
    *h = 0;
    for (i = 0; i < s->n_grad; i++)
        for (j = 0; j < g[i]->numel; j++) {
            double t = (double)g[i]->data[j] * s->r[i][j];
            *h += t;
            *noise += 64.0 * ldexp(fabs(t), -24);
        }
    return 0;
}

/* Finite differences of h along a random direction of variable i (an
 * input, or u when i == n_grad) against the create_graph gradient dh. */
static void fd2_check(nn_ctx *ctx, so_case *s, int i, const nn_tensor *dh, nn_rng *rng)
{
    const float step = 1.0f / 512.0f;
    size_t n = dh->numel, j;
    float *var = i < s->n_grad ? s->with_grad[i]->data : s->u;
    float *orig = (float *)malloc(n * sizeof(float)), *xp = (float *)malloc(n * sizeof(float)),
          *xm = (float *)malloc(n * sizeof(float));
    double pred = 0, scale = 0, noise = 0, hp = 0, hm = 0;
    int rc;
    char expr[96];
    if (!CHECK(orig && xp && xm)) goto done;
    memcpy(orig, var, n * sizeof(float));
    for (j = 0; j < n; j++) {
        float v = nn_rng_uniform(rng) * 2.0f - 1.0f;
        double d;
        xp[j] = orig[j] + step * v;
        xm[j] = orig[j] - step * v;
        d = (double)xp[j] - (double)xm[j];
        pred += (double)dh->data[j] * d;
        scale += fabs((double)dh->data[j] * d);
    }
    memcpy(var, xp, n * sizeof(float));
    rc = eval_h(ctx, s, &hp, &noise);
    memcpy(var, xm, n * sizeof(float));
    rc |= eval_h(ctx, s, &hm, &noise);
    memcpy(var, orig, n * sizeof(float));
    if (i < s->n_grad)
        snprintf(expr, sizeof expr, "second-order finite difference of %s.%d input %d", s->c.op, s->c.k, s->idx[i]);
    else
        snprintf(expr, sizeof expr, "second-order finite difference of %s.%d upstream", s->c.op, s->c.k);
    if (CHECK_EQ_INT(0, rc)) test_check_near(pred, hp - hm, 1e-3 * scale + noise, 0, __FILE__, __LINE__, expr);
done:
    free(orig);
    free(xp);
    free(xm);
}

static void second_order(const char *op, int k)
{
    const golden_file *g = ops3();
    nn_ctx *ctx = nn_ctx_new(0);
    so_case s;
    nn_tensor *y, *gy, *g1[MAX_IN], *h, *hg[MAX_IN + 1];
    nn_rng rng;
    int i;
    memset(&s, 0, sizeof s);
    if (!CHECK(ctx != NULL) || !CHECK(g->n > 0)) goto done;
    s.c.g = g;
    s.c.call = call_op3;
    s.c.op = op;
    s.c.k = k;
    s.c.cfg = gfind(g, "%s.%d.cfg", op, k)->data;
    s.c.rm = gfind(g, "%s.%d.rm", op, k);
    s.c.rv = gfind(g, "%s.%d.rv", op, k);
    s.gout = gfind(g, "%s.%d.gout", op, k);
    s.u = (float *)malloc(s.gout->numel * sizeof(float));
    if (!CHECK(s.u != NULL)) goto done;
    memcpy(s.u, s.gout->data, s.gout->numel * sizeof(float));
    nn_rng_init(&rng, 4242 + (uint64_t)k, 91);
    for (i = 0; i < MAX_IN && gfind(g, "%s.%d.in%d", op, k, i); i++) {
        s.c.in[i] = to_tensor(ctx, gfind(g, "%s.%d.in%d", op, k, i));
        if (s.c.in[i] && gfind(g, "%s.%d.grad.in%d", op, k, i)) {
            nn_tensor_set_requires_grad(s.c.in[i], 1);
            s.idx[s.n_grad] = i;
            s.with_grad[s.n_grad] = s.c.in[i];
            s.r[s.n_grad] = (float *)malloc(s.c.in[i]->numel * sizeof(float));
            if (!CHECK(s.r[s.n_grad] != NULL)) goto done;
            nn_rng_fill_uniform(&rng, s.r[s.n_grad], s.c.in[i]->numel, -1.0f, 1.0f);
            s.n_grad++;
        }
    }
    s.c.n_in = i;
    /* dh/dx and dh/du through create_graph */
    y = call_op3(ctx, &s.c);
    gy = to_tensor(ctx, s.gout);
    nn_tensor_set_requires_grad(gy, 1);
    if (!CHECK(y != NULL) || !CHECK_EQ_INT(0, nn_grad(ctx, 1, &y, s.n_grad, s.with_grad, &gy, 1, g1))) goto done;
    h = NULL;
    for (i = 0; i < s.n_grad; i++) {
        nn_tensor *ri = nn_tensor_from(ctx, s.with_grad[i]->ndim, s.with_grad[i]->shape, s.r[i]);
        nn_tensor *t = nn_sum(ctx, nn_mul(ctx, g1[i], ri));
        h = h ? nn_add(ctx, h, t) : t;
    }
    s.with_grad[s.n_grad] = gy;
    if (!CHECK(h != NULL) || !CHECK_EQ_INT(0, nn_grad(ctx, 1, &h, s.n_grad + 1, s.with_grad, NULL, 0, hg)))
        goto done;
    for (i = 0; i <= s.n_grad; i++) fd2_check(ctx, &s, i, hg[i], &rng);
done:
    if (ctx) CHECK_EQ_STR("", nn_ctx_error(ctx)->msg);
    for (i = 0; i < s.n_grad; i++) free(s.r[i]);
    free(s.u);
    nn_ctx_free(ctx);
}

static void second_order_upfirdn2d(void)
{
    int k;
    for (k = 0; k < 4; k++) second_order("upfirdn2d", k);
}

static void second_order_modulated_conv2d(void)
{
    int k;
    for (k = 0; k < 4; k++) second_order("modulated_conv2d", k);
}

static void second_order_minibatch_stddev(void)
{
    int k;
    for (k = 0; k < 4; k++) second_order("minibatch_stddev", k);
}

static void second_order_adain_noise(void)
{
    int k;
    for (k = 0; k < 3; k++) {
        second_order("adain", k);
        second_order("noise_inject", k);
    }
}

static void second_order_spectral_norm(void)
{
    int k;
    for (k = 0; k < 4; k++) second_order("spectral_norm", k);
}

/* SPADE's custom nodes (the ReLU in mlp_shared's memory, the modulation
 * n (1 + gamma) + beta in one node) differentiated twice */
static void second_order_spade(void)
{
    int k;
    for (k = 0; k < 3; k++) second_order("spade", k);
}

/* ---- R1 through a tiny StyleGAN2-like D, against PyTorch ----------------------
 * fromrgb conv1x1 + lrelu -> FIR pad 2 + conv3x3 stride 2 + lrelu -> mbstd
 * (G = 2) -> conv3x3 + lrelu -> fc + lrelu -> out; every weight scaled by
 * nn_eqlr_gain(fan_in, 1), lrelu is bias_act's (slope 0.2, gain sqrt 2).
 * R1 = mean_n sum_chw (d sum D(x) / dx)^2 * gamma / 2, gamma = 1. */

enum { R1_PARAMS = 10 };
static const char *const r1_names[R1_PARAMS] = {
    "fromrgb.weight", "fromrgb.bias", "conv.weight", "conv.bias", "b4.conv.weight", "b4.conv.bias",
    "b4.fc.weight", "b4.fc.bias", "b4.out.weight", "b4.out.bias"
};

static nn_tensor *act(nn_ctx *ctx, nn_tensor *x)
{
    return nn_scale(ctx, nn_leaky_relu(ctx, x, 0.2f), (float)sqrt(2.0));
}

static nn_tensor *eq_conv(nn_ctx *ctx, nn_tensor *x, nn_tensor *w, nn_tensor *b, int stride, int padding)
{
    nn_conv_opts o;
    memset(&o, 0, sizeof o);
    o.stride = stride;
    o.padding = padding;
    return nn_conv2d(ctx, x, nn_scale(ctx, w, nn_eqlr_gain((int)(w->numel / (size_t)w->shape[0]), 1.0)), b, &o);
}

static nn_tensor *eq_fc(nn_ctx *ctx, nn_tensor *x, nn_tensor *w, nn_tensor *b)
{
    return nn_linear(ctx, x, nn_scale(ctx, w, nn_eqlr_gain(w->shape[1], 1.0)), b);
}

static void golden_r1_stylegan(void)
{
    const golden_file *g = ops3();
    nn_params P;
    nn_tensor *p[R1_PARAMS], *x, *h, *out, *s, *gx, *r1, *f;
    nn_upfirdn_opts fo;
    nn_ctx *ctx = nn_ctx_new(0);
    g99_error err;
    int i, flat[2] = { 4, 64 }, per[4] = { 4, 1, 1, 1 };
    nn_params_init(&P);
    if (!CHECK(ctx != NULL) || !CHECK(g->n > 0)) goto done;
    for (i = 0; i < R1_PARAMS; i++) {
        const golden_tensor *t = gfind(g, "r1s.%s", r1_names[i]);
        if (!CHECK(t != NULL)) goto done;
        p[i] = nn_params_add(&P, r1_names[i], NN_PARAM, t->ndim, t->shape, &err);
    }
    if (!CHECK_EQ_INT(0, nn_params_alloc(&P, &err))) goto done;
    for (i = 0; i < R1_PARAMS; i++) memcpy(p[i]->data, gfind(g, "r1s.%s", r1_names[i])->data, p[i]->numel * sizeof(float));

    x = to_tensor(ctx, gfind(g, "r1s.x"));
    nn_tensor_set_requires_grad(x, 1);
    f = nn_fir_filter(ctx, fir_taps, 4);
    memset(&fo, 0, sizeof fo);
    fo.pad_x0 = fo.pad_x1 = fo.pad_y0 = fo.pad_y1 = 2;
    h = act(ctx, eq_conv(ctx, x, p[0], p[1], 1, 0));
    h = act(ctx, eq_conv(ctx, nn_upfirdn2d(ctx, h, f, &fo), p[2], p[3], 2, 0));
    h = nn_minibatch_stddev(ctx, h, 2, 1);
    h = act(ctx, eq_conv(ctx, h, p[4], p[5], 1, 1));
    h = act(ctx, eq_fc(ctx, nn_reshape(ctx, h, 2, flat), p[6], p[7]));
    out = eq_fc(ctx, h, p[8], p[9]);
    s = nn_sum(ctx, out);
    if (!CHECK(s != NULL) || !CHECK_EQ_INT(0, nn_grad(ctx, 1, &s, 1, &x, NULL, 1, &gx))) goto done;
    r1 = nn_scale(ctx, nn_mean(ctx, nn_sum_to(ctx, nn_square(ctx, gx), 4, per)), 0.5f);
    if (!CHECK(r1 != NULL)) goto done;
    near_all(gfind(g, "r1s.d_out")->data, out->data, out->numel, 1e-5, 1e-4, "D(x)");
    near_all(gfind(g, "r1s.grad_x")->data, gx->data, gx->numel, 1e-5 * max_abs(gx->data, gx->numel), 1e-4,
             "dD/dx");
    near_all(gfind(g, "r1s.r1")->data, r1->data, 1, 1e-7, 1e-4, "R1");
    nn_params_zero_grad(&P);
    if (!CHECK_EQ_INT(0, nn_backward(ctx, r1, 0))) goto done;
    for (i = 0; i < R1_PARAMS; i++) {
        const golden_tensor *e = gfind(g, "r1s.grad.%s", r1_names[i]);
        near_all(e->data, p[i]->grad, e->numel, 1e-5 * max_abs(e->data, e->numel), 1e-4, r1_names[i]);
    }
done:
    if (ctx) CHECK_EQ_STR("", nn_ctx_error(ctx)->msg);
    nn_params_free(&P);
    nn_ctx_free(ctx);
}

static void free_golden3(void)
{
    golden_free(&ops3_golden);
    CHECK(1);
}

const test_case nn_ops3_tests[] = {
    TEST(golden_upfirdn2d), TEST(golden_modulated_conv2d), TEST(golden_adain), TEST(golden_noise_inject),
    TEST(golden_minibatch_stddev), TEST(golden_eqlr_linear), TEST(golden_spectral_norm), TEST(golden_spade),
    TEST(golden_logistic_ns_loss), TEST(golden_resize_nearest), TEST(fir_filter_and_gain), TEST(bad_input),
    TEST(second_order_upfirdn2d), TEST(second_order_modulated_conv2d), TEST(second_order_minibatch_stddev),
    TEST(second_order_adain_noise), TEST(second_order_spectral_norm), TEST(second_order_spade),
    TEST(golden_r1_stylegan),
    TEST(free_golden3),
    TEST_END
};
