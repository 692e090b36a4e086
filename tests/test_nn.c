/* nn core: the kernels against hand-derived values, error reporting, the
 * arena's steady state, the parameter slab, gradient accumulation and
 * second-order gradients against finite differences of first-order ones.
 * The ops against PyTorch are in test_nn_ops.c. */
#include "test.h"
#include "../nn/nn.h"
#include "../nn/kernels/kernels.h"
#include "../nn/tensor_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- kernels ------------------------------------------------------------ */

/* 2^24 followed by 31 ones. Summed left to right in float every 1 is lost
 * (2^24 + 1 rounds to even), giving 2^24. In the canonical order lane 0
 * holds 2^24 + 1 -> 2^24, lanes 1..15 hold 2 each; the tree then adds
 * 2^24 + 2, + 4, + 8, + 16, all exact: 16777246 (the exact sum is 16777247). */
static void lsum_canonical_order(void)
{
    float x[32];
    nn_k_lsum a;
    int i;
    x[0] = 16777216.0f;
    for (i = 1; i < 32; i++) x[i] = 1.0f;
    CHECK_EQ_FBITS(16777246.0f, nn_k_sum(x, 32));
    /* the stream position carries across calls: any chunking, same bits */
    nn_k_lsum_init(&a);
    nn_k_lsum_add(&a, x, 5);
    nn_k_lsum_add(&a, x + 5, 11);
    nn_k_lsum_add(&a, x + 16, 1);
    nn_k_lsum_add(&a, x + 17, 15);
    CHECK_EQ_FBITS(16777246.0f, nn_k_lsum_result(&a));
    CHECK_EQ_FBITS(0.0f, nn_k_sum(x, 0));
}

/* Small integers: every product and sum is exact, so each transpose case
 * has one right answer, A = [[1,2,3],[4,5,6]], B = [[1,-1],[2,0],[0,3]]:
 * A B = [[5,8],[14,14]], and C starts at 1 (accumulation from C). */
static void sgemm_transposes(void)
{
    static const float a[6] = { 1, 2, 3, 4, 5, 6 }, at[6] = { 1, 4, 2, 5, 3, 6 };
    static const float b[6] = { 1, -1, 2, 0, 0, 3 }, bt[6] = { 1, 2, 0, -1, 0, 3 };
    static const float want[4] = { 6, 9, 15, 15 };
    int ta, tb, i;
    for (ta = 0; ta < 2; ta++)
        for (tb = 0; tb < 2; tb++) {
            float c[4] = { 1, 1, 1, 1 };
            nn_k_sgemm(ta, tb, 2, 2, 3, ta ? at : a, ta ? 2 : 3, tb ? bt : b, tb ? 3 : 2, c, 2);
            for (i = 0; i < 4; i++) CHECK_EQ_FBITS(want[i], c[i]);
        }
}

/* Each step is one fmaf: (1 + 2^-12)^2 = 1 + 2^-11 + 2^-24 exactly; a
 * separate multiply would round it to 1 + 2^-11 (a tie, to even) and leave
 * 0 after adding -(1 + 2^-11); fmaf leaves 2^-24. */
static void sgemm_uses_fma(void)
{
    float a = 1.0f + ldexpf(1.0f, -12), c = -(1.0f + ldexpf(1.0f, -11));
    nn_k_sgemm(0, 0, 1, 1, 1, &a, 1, &a, 1, &c, 1);
    CHECK_EQ_FBITS(ldexpf(1.0f, -24), c);
}

/* x = 1..9 as [1,3,3], 2x2 kernel, stride 1: the four columns of each row
 * are the four 2x2 windows. */
static void im2col_by_hand(void)
{
    static const float x[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
    static const float want[16] = { 1, 2, 4, 5, 2, 3, 5, 6, 4, 5, 7, 8, 5, 6, 8, 9 };
    nn_k_conv_geom g = { 1, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1, 2, 2 };
    float cols[16];
    int i;
    nn_k_im2col(&g, x, cols);
    for (i = 0; i < 16; i++) CHECK_EQ_FBITS(want[i], cols[i]);
}

/* col2im is the adjoint of im2col: <im2col(x), c> = <x, col2im(c)>, here
 * with stride, padding and dilation, in integers (exact). */
static void col2im_is_adjoint(void)
{
    nn_k_conv_geom g = { 2, 5, 6, 3, 2, 2, 1, 1, 2, 2, 1, 0, 0 };
    float x[60], cols[2 * 3 * 2 * 3 * 8], back[60];
    double lhs = 0, rhs = 0;
    int i, n;
    g.ho = (5 + 2 - 2 * 2 - 1) / 2 + 1;
    g.wo = (6 + 4 - 1 * 1 - 1) / 1 + 1;
    n = 2 * 3 * 2 * g.ho * g.wo;
    for (i = 0; i < 60; i++) x[i] = (float)(i % 7 - 3);
    nn_k_im2col(&g, x, cols);
    for (i = 0; i < n; i++) lhs += (double)cols[i] * (i % 5 - 2);
    for (i = 0; i < n; i++) cols[i] = (float)(i % 5 - 2);
    memset(back, 0, sizeof back);
    nn_k_col2im(&g, cols, back);
    for (i = 0; i < 60; i++) rhs += (double)x[i] * back[i];
    CHECK(lhs == rhs);
    CHECK(lhs != 0);
}

/* ---- errors --------------------------------------------------------------- */

static void errors_name_op_and_shapes(void)
{
    nn_ctx *ctx = nn_ctx_new(0);
    int xs[4] = { 2, 3, 8, 8 }, ws[4] = { 4, 5, 3, 3 }, s34[2] = { 3, 4 }, s5[1] = { 5 };
    nn_tensor *x, *w, *y;
    if (!CHECK(ctx)) return;
    x = nn_tensor_new(ctx, 4, xs);
    w = nn_tensor_new(ctx, 4, ws);
    CHECK(nn_conv2d(ctx, x, w, NULL, NULL) == NULL);
    CHECK_EQ_STR("conv2d: input [2,3,8,8] has 3 channels, weight [4,5,3,3] wants 5", nn_ctx_error(ctx)->msg);
    CHECK_EQ_INT(G99_EINVAL, nn_ctx_error(ctx)->code);
    /* sticky: later ops return NULL and keep the first message */
    CHECK(nn_relu(ctx, x) == NULL);
    CHECK(nn_relu(ctx, NULL) == NULL);
    CHECK_CONTAINS("conv2d: input [2,3,8,8]", nn_ctx_error(ctx)->msg);

    nn_ctx_clear_error(ctx);
    CHECK(nn_relu(ctx, NULL) == NULL);
    CHECK_EQ_STR("relu: input is NULL", nn_ctx_error(ctx)->msg);

    nn_ctx_clear_error(ctx);
    CHECK(nn_add(ctx, nn_tensor_new(ctx, 2, s34), nn_tensor_new(ctx, 1, s5)) == NULL);
    CHECK_EQ_STR("add: shapes [3,4] and [5] do not broadcast (dim 1: 4 vs 5)", nn_ctx_error(ctx)->msg);

    nn_ctx_clear_error(ctx);
    CHECK(nn_reshape(ctx, x, 2, s34) == NULL);
    CHECK_CONTAINS("reshape: input [2,3,8,8] has 384 elements", nn_ctx_error(ctx)->msg);

    nn_ctx_clear_error(ctx);
    CHECK(nn_matmul(ctx, nn_tensor_new(ctx, 2, s34), nn_tensor_new(ctx, 2, s34)) == NULL);
    CHECK_EQ_STR("matmul: a [3,4] has 4 columns, b [3,4] has 3 rows", nn_ctx_error(ctx)->msg);

    nn_ctx_clear_error(ctx);
    {
        nn_conv_opts o;
        memset(&o, 0, sizeof o);
        o.stride = -1;
        CHECK(nn_conv2d(ctx, x, w, NULL, &o) == NULL);
        CHECK_CONTAINS("conv2d: stride -1x-1", nn_ctx_error(ctx)->msg);
    }

    nn_ctx_clear_error(ctx);
    {
        int ks[4] = { 4, 3, 9, 9 };
        CHECK(nn_conv2d(ctx, x, nn_tensor_new(ctx, 4, ks), NULL, NULL) == NULL);
        CHECK_CONTAINS("smaller than the dilated kernel", nn_ctx_error(ctx)->msg);
    }

    nn_ctx_clear_error(ctx);
    {
        float bad[2] = { 0.5f, 1.5f }, t[2] = { 0, 1 };
        int s2[1] = { 2 };
        CHECK(nn_bce_loss(ctx, nn_tensor_from(ctx, 1, s2, bad), nn_tensor_from(ctx, 1, s2, t)) == NULL);
        CHECK_EQ_STR("bce_loss: input element 1 is 1.5, outside [0, 1]", nn_ctx_error(ctx)->msg);
    }

    /* a tensor from before the reset is refused, not read */
    nn_ctx_clear_error(ctx);
    nn_ctx_reset(ctx);
    y = nn_relu(ctx, x);
    CHECK(y == NULL);
    CHECK_CONTAINS("relu: input is a freed tensor", nn_ctx_error(ctx)->msg);

    /* backward of a loss that depends on nothing trainable */
    nn_ctx_clear_error(ctx);
    CHECK_EQ_INT(G99_EINVAL, nn_backward(ctx, nn_tensor_scalar(ctx, 1.0f), 0));
    CHECK_CONTAINS("backward: the loss does not depend", nn_ctx_error(ctx)->msg);
    nn_ctx_free(ctx);
}

/* ---- parameters, accumulation, the arena ------------------------------- */

static void params_slab_and_names(void)
{
    nn_params P;
    g99_error err;
    int ws[4] = { 4, 3, 2, 2 }, c4[1] = { 4 };
    nn_tensor *w, *rm, *b;
    nn_params_init(&P);
    w = nn_params_add(&P, "main.0.weight", NN_PARAM, 4, ws, &err);
    rm = nn_params_add(&P, "main.1.running_mean", NN_BUFFER, 1, c4, &err);
    b = nn_params_add(&P, "main.1.bias", NN_PARAM, 1, c4, &err);
    CHECK(nn_params_add(&P, "main.0.weight", NN_PARAM, 1, c4, &err) == NULL);
    CHECK_EQ_STR("params_add: main.0.weight declared twice", err.msg);
    if (!CHECK(w && rm && b) || !CHECK_EQ_INT(0, nn_params_alloc(&P, &err))) {
        nn_params_free(&P);
        return;
    }
    /* trainables first in declaration order, then buffers */
    CHECK_EQ_U64(52, P.n_train);
    CHECK_EQ_U64(56, P.n_total);
    CHECK(w->data == P.data && b->data == P.data + 48 && rm->data == P.data + 52);
    CHECK(w->grad == P.grad && b->grad == P.grad + 48 && rm->grad == NULL);
    CHECK(nn_params_find(&P, "main.1.bias") == b);
    CHECK(nn_params_find(&P, "main.2.bias") == NULL);
    CHECK_EQ_STR("main.1.running_mean", P.t[1]->name);
    nn_params_free(&P);
}

/* loss = sum(w * x) twice backward: .grad accumulates (2x), as in PyTorch. */
static void backward_accumulates(void)
{
    nn_params P;
    g99_error err;
    int s3[1] = { 3 }, i;
    float xv[3] = { 1.5f, -2.0f, 0.25f };
    nn_tensor *w;
    nn_ctx *ctx = nn_ctx_new(0);
    nn_params_init(&P);
    w = nn_params_add(&P, "w", NN_PARAM, 1, s3, &err);
    if (!CHECK(ctx && w) || !CHECK_EQ_INT(0, nn_params_alloc(&P, &err))) goto done;
    for (i = 0; i < 2; i++) {
        nn_tensor *loss = nn_sum(ctx, nn_mul(ctx, w, nn_tensor_from(ctx, 1, s3, xv)));
        CHECK_EQ_INT(0, nn_backward(ctx, loss, 0));
        nn_ctx_reset(ctx);
    }
    for (i = 0; i < 3; i++) CHECK_EQ_FBITS(2.0f * xv[i], w->grad[i]);
    nn_params_zero_grad(&P);
    CHECK_EQ_FBITS(0.0f, w->grad[0]);
done:
    nn_params_free(&P);
    nn_ctx_free(ctx);
}

/* After the first steps the arena is one block: no malloc in steady state. */
static void arena_steady_state(void)
{
    nn_params P;
    g99_error err;
    int ws[4] = { 4, 3, 3, 3 }, xs[4] = { 2, 3, 9, 9 }, c4[1] = { 4 }, step;
    size_t mallocs[6];
    nn_tensor *w, *gm, *bt;
    nn_rng rng;
    nn_ctx *ctx = nn_ctx_new(4096);
    nn_params_init(&P);
    w = nn_params_add(&P, "w", NN_PARAM, 4, ws, &err);
    gm = nn_params_add(&P, "bn.weight", NN_PARAM, 1, c4, &err);
    bt = nn_params_add(&P, "bn.bias", NN_PARAM, 1, c4, &err);
    if (!CHECK(ctx && w && gm && bt) || !CHECK_EQ_INT(0, nn_params_alloc(&P, &err))) goto done;
    nn_rng_init(&rng, 1, NN_STREAM_INIT);
    nn_init_normal(w, &rng, 0.0f, 0.02f);
    nn_init_normal(gm, &rng, 1.0f, 0.02f);
    for (step = 0; step < 6; step++) {
        nn_tensor *x, *y, *loss;
        nn_conv_opts o;
        memset(&o, 0, sizeof o);
        o.stride = 2;
        o.padding = 1;
        nn_ctx_reset(ctx);
        x = nn_tensor_new(ctx, 4, xs);
        if (x) nn_rng_fill_uniform(&rng, x->data, x->numel, -1.0f, 1.0f);
        y = nn_batch_norm2d(ctx, nn_conv2d(ctx, x, w, NULL, &o), gm, bt, NULL, NULL, 1, 0.1f, 1e-5f);
        loss = nn_mean(ctx, nn_square(ctx, nn_leaky_relu(ctx, y, 0.2f)));
        CHECK_EQ_INT(0, nn_backward(ctx, loss, 0));
        nn_ctx_arena_stats(ctx, NULL, NULL, &mallocs[step]);
    }
    CHECK(mallocs[1] > 1);            /* it did grow from 4 KiB */
    CHECK_EQ_U64(mallocs[2], mallocs[5]);
done:
    nn_params_free(&P);
    nn_ctx_free(ctx);
}

/* ---- gradients summed in place and reused (no create_graph) ------------- */

/* Memory the walk must not touch: the caller's output gradient u (passed
 * through by add to x three times: 3u), and the gradient of an
 * intermediate input a of nn_grad (a = x c with x = 2 x0, L = sum(a p) +
 * sum(a q) + sum(a r): dL/da = p + q + r = s, dL/dx0 = 2 s c), which the
 * gradient of x0, of a's size and made after a's node ran, must not reuse;
 * and an output passed as its own gradient.
 * Small dyadic values: every sum is exact. */
static void backward_keeps_visible_gradients(void)
{
    nn_ctx *ctx = nn_ctx_new(0);
    int n4 = 4, i;
    const float x0v[4] = { 1, 2, 3, 4 }, uv[4] = { 0.5f, -1, 2, 0.25f }, kv[4] = { 2, 2, 2, 2 };
    const float cv[4] = { 1, -1, 0.5f, 3 }, pv[4] = { 1, 2, 3, 4 }, qv[4] = { 0.5f, 0.5f, 0.5f, 0.5f };
    const float rv[4] = { -1, 0, 1, 2 }, s[4] = { 0.5f, 2.5f, 4.5f, 6.5f }, dx0[4] = { 1, -5, 4.5f, 39 };
    nn_tensor *x0, *u, *y, *a, *l, *in[2], *g[2];
    if (!CHECK(ctx != NULL)) return;
    x0 = nn_tensor_from(ctx, 1, &n4, x0v);
    u = nn_tensor_from(ctx, 1, &n4, uv);
    nn_tensor_set_requires_grad(x0, 1);
    y = nn_add(ctx, nn_add(ctx, x0, x0), x0);
    if (CHECK_EQ_INT(0, nn_grad(ctx, 1, &y, 1, &x0, &u, 0, g)))
        for (i = 0; i < 4; i++) {
            CHECK_EQ_FBITS(uv[i], u->data[i]);
            CHECK_EQ_FBITS(3 * uv[i], g[0]->data[i]);
        }
    a = nn_mul(ctx, nn_mul(ctx, x0, nn_tensor_from(ctx, 1, &n4, kv)), nn_tensor_from(ctx, 1, &n4, cv));
    l = nn_add(ctx, nn_add(ctx, nn_sum(ctx, nn_mul(ctx, a, nn_tensor_from(ctx, 1, &n4, pv))),
                           nn_sum(ctx, nn_mul(ctx, a, nn_tensor_from(ctx, 1, &n4, qv)))),
               nn_sum(ctx, nn_mul(ctx, a, nn_tensor_from(ctx, 1, &n4, rv))));
    in[0] = a;
    in[1] = x0;
    if (CHECK_EQ_INT(0, nn_grad(ctx, 1, &l, 2, in, NULL, 0, g)))
        for (i = 0; i < 4; i++) {
            CHECK_EQ_FBITS(s[i], g[0]->data[i]);
            CHECK_EQ_FBITS(dx0[i], g[1]->data[i]);
        }
    /* an output as its own gradient (y = x^3 as (x x) x, dy/dx y = 3 x^2 y,
     * exact): y's values must survive the walk */
    {
        const float xv[3] = { 1, 2, 0.5f }, yv[3] = { 1, 8, 0.125f }, want[3] = { 3, 96, 0.09375f };
        int n3 = 3;
        nn_tensor *x = nn_tensor_from(ctx, 1, &n3, xv);
        nn_tensor_set_requires_grad(x, 1);
        y = nn_mul(ctx, nn_mul(ctx, x, x), x);
        if (CHECK_EQ_INT(0, nn_grad(ctx, 1, &y, 1, &x, &y, 0, g)))
            for (i = 0; i < 3; i++) {
                CHECK_EQ_FBITS(yv[i], y->data[i]);
                CHECK_EQ_FBITS(want[i], g[0]->data[i]);
            }
    }
    CHECK_EQ_STR("", nn_ctx_error(ctx)->msg);
    nn_ctx_free(ctx);
}

/* ---- second order --------------------------------------------------------- */

/* y = x^3 as (x x) x: dy/dx = 3x^2 = 12 and d2y/dx2 = 6x = 12 at x = 2. */
static void second_derivative_by_hand(void)
{
    nn_ctx *ctx = nn_ctx_new(0);
    nn_tensor *x, *y, *g1, *g2;
    if (!CHECK(ctx)) return;
    x = nn_tensor_scalar(ctx, 2.0f);
    nn_tensor_set_requires_grad(x, 1);
    y = nn_mul(ctx, nn_mul(ctx, x, x), x);
    CHECK_EQ_INT(0, nn_grad(ctx, 1, &y, 1, &x, NULL, 1, &g1));
    CHECK_EQ_INT(0, nn_grad(ctx, 1, &g1, 1, &x, NULL, 0, &g2));
    if (CHECK(g1 && g2)) {
        CHECK_EQ_FBITS(12.0f, g1->data[0]);
        CHECK_EQ_FBITS(12.0f, g2->data[0]);
    }
    nn_ctx_free(ctx);
}

/* R(w) = sum((d sum D(x) / dx)^2) for D = tanh(conv_transpose(sigmoid(
 * conv(x)))) . v; dR/dw (create_graph) against central differences of R,
 * which needs first-order gradients only. Smooth activations, so the
 * differences see no kink. h = 2^-8 on weights of size ~0.3; the bound
 * 2e-3 relative + the float rounding of R (R ~ 1, a few hundred terms). */
static nn_tensor *r_of(nn_ctx *ctx, nn_tensor *x, nn_tensor *w1, nn_tensor *w2, nn_tensor *v, int create)
{
    nn_conv_opts o;
    nn_tensor *h, *s, *gx;
    memset(&o, 0, sizeof o);
    o.stride = 2;
    o.padding = 1;
    h = nn_sigmoid(ctx, nn_conv2d(ctx, x, w1, NULL, &o));
    o.output_padding = 1;
    h = nn_tanh(ctx, nn_conv_transpose2d(ctx, h, w2, NULL, &o));
    s = nn_sum(ctx, nn_mul(ctx, h, v));
    if (nn_grad(ctx, 1, &s, 1, &x, NULL, create, &gx)) return NULL;
    return nn_sum(ctx, nn_square(ctx, gx));
}

static void second_order_matches_finite_differences(void)
{
    nn_params P;
    g99_error err;
    int xs[4] = { 2, 2, 5, 6 }, w1s[4] = { 3, 2, 3, 3 }, w2s[4] = { 3, 2, 3, 3 }, vs[4] = { 2, 2, 6, 6 };
    nn_tensor *w1, *w2, *x, *v, *r;
    nn_ctx *ctx = nn_ctx_new(0);
    nn_rng rng;
    float xv[120], vv[144];
    int which;
    nn_params_init(&P);
    w1 = nn_params_add(&P, "w1", NN_PARAM, 4, w1s, &err);
    w2 = nn_params_add(&P, "w2", NN_PARAM, 4, w2s, &err);
    if (!CHECK(ctx && w1 && w2) || !CHECK_EQ_INT(0, nn_params_alloc(&P, &err))) goto done;
    nn_rng_init(&rng, 7, NN_STREAM_INIT);
    nn_rng_fill_uniform(&rng, P.data, P.n_train, -0.5f, 0.5f);
    nn_rng_fill_uniform(&rng, xv, 120, -1.0f, 1.0f);
    nn_rng_fill_uniform(&rng, vv, 144, -1.0f, 1.0f);

    x = nn_tensor_from(ctx, 4, xs, xv);
    nn_tensor_set_requires_grad(x, 1);
    v = nn_tensor_from(ctx, 4, vs, vv);
    r = r_of(ctx, x, w1, w2, v, 1);
    if (!CHECK(r != NULL) || !CHECK_EQ_INT(0, nn_backward(ctx, r, 0))) goto done;

    for (which = 0; which < 2; which++) {
        nn_tensor *w = which ? w2 : w1;
        float orig[18], dir[18];
        const float h = 1.0f / 256.0f;
        double pred = 0, scale = 0, f[2];
        int i, sgn;
        memcpy(orig, w->data, sizeof orig);
        nn_rng_fill_uniform(&rng, dir, 18, -1.0f, 1.0f);
        for (sgn = 0; sgn < 2; sgn++) {
            for (i = 0; i < 18; i++) w->data[i] = orig[i] + (sgn ? -h : h) * dir[i];
            nn_ctx_reset(ctx);
            x = nn_tensor_from(ctx, 4, xs, xv);
            nn_tensor_set_requires_grad(x, 1);
            v = nn_tensor_from(ctx, 4, vs, vv);
            r = r_of(ctx, x, w1, w2, v, 0);
            f[sgn] = r ? r->data[0] : 0;
        }
        for (i = 0; i < 18; i++) {
            double dx = (double)(orig[i] + h * dir[i]) - (double)(orig[i] - h * dir[i]);
            pred += (double)w->grad[i] * dx;
            scale += fabs((double)w->grad[i] * dx);
        }
        memcpy(w->data, orig, sizeof orig);
        CHECK(scale > 1e-3);
        CHECK_NEAR(pred, f[0] - f[1], 2e-3 * scale + 64.0 * ldexp(fabs(f[0]), -24), 0);
    }
done:
    if (ctx) CHECK_EQ_STR("", nn_ctx_error(ctx)->msg);
    nn_params_free(&P);
    nn_ctx_free(ctx);
}

/* ---- releasing memory early --------------------------------------------------- */

/* nn_ctx_rewind drops what was made since the mark, arena and tape: the
 * figures return to the mark's, and a backward from an older tensor walks
 * only the older nodes (d x^2 / dx = 2x = 6 at x = 3; ASan would catch a
 * walk into the dropped node). A mark from before a reset is ignored. Op
 * scratch (nn__scratch_mark) is released the same way. */
static void ctx_mark_and_rewind(void)
{
    nn_ctx *ctx = nn_ctx_new(4096);
    nn_tensor *x, *y, *z, *g, *t;
    nn_mark m;
    nn_scratch sm;
    size_t used0, res0, used1, res1;
    int big = 300000;
    if (!CHECK(ctx != NULL)) return;
    x = nn_tensor_scalar(ctx, 3.0f);
    nn_tensor_set_requires_grad(x, 1);
    y = nn_mul(ctx, x, x);
    nn_ctx_arena_stats(ctx, &used0, &res0, NULL);
    m = nn_ctx_mark(ctx);
    CHECK(nn_tensor_new(ctx, 1, &big) != NULL);    /* beyond the 4 KiB block: new blocks */
    z = nn_mul(ctx, y, y);
    CHECK(z != NULL);
    nn_ctx_rewind(ctx, m);
    nn_ctx_arena_stats(ctx, &used1, &res1, NULL);
    CHECK_EQ_U64(used0, used1);
    CHECK(res1 > res0);                             /* the emptied blocks are kept for reuse */
    CHECK(nn_tensor_new(ctx, 1, &big) != NULL);     /* ... and take the same tensor again */
    nn_ctx_arena_stats(ctx, NULL, &res0, NULL);
    CHECK_EQ_U64(res1, res0);
    nn_ctx_rewind(ctx, m);
    if (CHECK_EQ_INT(0, nn_grad(ctx, 1, &y, 1, &x, NULL, 0, &g))) CHECK_EQ_FBITS(6.0f, g->data[0]);
    sm = nn__scratch_mark(ctx);
    nn_ctx_arena_stats(ctx, &used0, NULL, NULL);
    CHECK(nn__alloc(ctx, "test", 100000) != NULL);
    nn__scratch_release(ctx, sm);
    nn_ctx_arena_stats(ctx, &used1, NULL, NULL);
    CHECK_EQ_U64(used0, used1);
    nn_ctx_reset(ctx);
    t = nn_tensor_scalar(ctx, 1.0f);
    nn_ctx_rewind(ctx, m);                          /* stale: nothing happens */
    if (CHECK(t != NULL)) CHECK(nn_add(ctx, t, t) != NULL);
    CHECK_EQ_STR("", nn_ctx_error(ctx)->msg);
    nn_ctx_free(ctx);
}

/* A reset keeps the chain of blocks and fills it again from the first, so
 * the same step lands in the same places: tensors of 2^18 floats (1 MiB)
 * t1 t2, mark, t3 t4, rewind, t5 from a 4 KiB first block. From the second
 * step on no malloc happens, the chain stays as it is and t1 gets the same
 * address; the peak is 4 MiB of data and 4 records (under 1 KiB). */
static void arena_reuses_its_chain(void)
{
    nn_ctx *ctx = nn_ctx_new(4096);
    int n = 1 << 18, step, i;
    size_t reserved[3], mallocs[3], peak = 0;
    float *first[3];
    if (!CHECK(ctx != NULL)) return;
    for (step = 0; step < 3; step++) {
        nn_mark m;
        nn_tensor *t;
        nn_ctx_reset(ctx);
        t = nn_tensor_new(ctx, 1, &n);
        first[step] = t ? t->data : NULL;
        CHECK(nn_tensor_new(ctx, 1, &n) != NULL);
        m = nn_ctx_mark(ctx);
        for (i = 0; i < 2; i++) CHECK(nn_tensor_new(ctx, 1, &n) != NULL);
        nn_ctx_rewind(ctx, m);
        CHECK(nn_tensor_new(ctx, 1, &n) != NULL);
        nn_ctx_arena_stats(ctx, NULL, &reserved[step], &mallocs[step]);
        peak = nn_ctx_arena_peak(ctx);
    }
    CHECK(mallocs[0] > 1);
    CHECK_EQ_U64(mallocs[0], mallocs[2]);
    CHECK_EQ_U64(reserved[0], reserved[2]);
    CHECK(first[0] != NULL && first[0] == first[1] && first[1] == first[2]);
    CHECK(peak >= (size_t)4 << 20 && peak < ((size_t)4 << 20) + 1024);
    nn_ctx_free(ctx);
}

/* ---- batch norm's two backward forms ---------------------------------------------
 * R = sum((d sum(sigmoid(bn(x)) v) / dx)^2), train and eval (momentum 0, so
 * the running statistics stay). dR/dx, dR/dgamma, dR/dbeta by create_graph
 * run the op-built BN backward and its derivative; the central differences
 * of R run the fused kernels (create_graph 0). They must agree as in
 * second_order_matches_finite_differences. */
static nn_tensor *bn_r(nn_ctx *ctx, nn_tensor *x, nn_tensor *const *p, nn_tensor *v, int train, int create)
{
    nn_tensor *s, *gx;
    s = nn_sum(ctx, nn_mul(ctx, nn_sigmoid(ctx, nn_batch_norm2d(ctx, x, p[0], p[1], train ? NULL : p[2],
                                                                train ? NULL : p[3], train, 0.0f, 1e-5f)), v));
    if (!s || nn_grad(ctx, 1, &s, 1, &x, NULL, create, &gx)) return NULL;
    return nn_sum(ctx, nn_square(ctx, gx));
}

static void batch_norm_second_order(void)
{
    nn_params P;
    g99_error err;
    int xs[4] = { 2, 3, 3, 3 }, c3[1] = { 3 }, train, which, i;
    static const char *const names[4] = { "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var" };
    nn_tensor *p[4], *x, *v, *r, *vars[3], *gr[3];
    nn_ctx *ctx = nn_ctx_new(0);
    nn_rng rng;
    float xv[54], vv[54];
    nn_params_init(&P);
    for (i = 0; i < 4; i++) p[i] = nn_params_add(&P, names[i], i < 2 ? NN_PARAM : NN_BUFFER, 1, c3, &err);
    if (!CHECK(ctx && p[0] && p[1] && p[2] && p[3]) || !CHECK_EQ_INT(0, nn_params_alloc(&P, &err))) goto done;
    nn_rng_init(&rng, 11, NN_STREAM_INIT);
    nn_rng_fill_uniform(&rng, p[0]->data, 3, 0.5f, 1.5f);
    nn_rng_fill_uniform(&rng, p[1]->data, 3, -0.5f, 0.5f);
    nn_rng_fill_uniform(&rng, p[2]->data, 3, -0.5f, 0.5f);
    nn_rng_fill_uniform(&rng, p[3]->data, 3, 0.5f, 1.5f);
    nn_rng_fill_uniform(&rng, xv, 54, -1.0f, 1.0f);
    nn_rng_fill_uniform(&rng, vv, 54, -1.0f, 1.0f);
    for (train = 0; train < 2; train++) {
        float *data[3];
        size_t len[3];
        nn_ctx_reset(ctx);
        x = nn_tensor_from(ctx, 4, xs, xv);
        nn_tensor_set_requires_grad(x, 1);
        v = nn_tensor_from(ctx, 4, xs, vv);
        vars[0] = x;
        vars[1] = p[0];
        vars[2] = p[1];
        r = bn_r(ctx, x, p, v, train, 1);
        if (!CHECK(r != NULL) || !CHECK_EQ_INT(0, nn_grad(ctx, 1, &r, 3, vars, NULL, 0, gr))) goto done;
        for (which = 0; which < 3; which++) {
            data[which] = which ? p[which - 1]->data : xv;
            len[which] = which ? 3 : 54;
        }
        for (which = 0; which < 3; which++) {
            float orig[54], dir[54];
            const float h = 1.0f / 256.0f;
            double pred = 0, scale = 0, f[2];
            int sgn;
            size_t k;
            memcpy(orig, data[which], len[which] * sizeof(float));
            nn_rng_fill_uniform(&rng, dir, len[which], -1.0f, 1.0f);
            for (k = 0; k < len[which]; k++) {
                double d = (double)(orig[k] + h * dir[k]) - (double)(orig[k] - h * dir[k]);
                pred += (double)gr[which]->data[k] * d;
                scale += fabs((double)gr[which]->data[k] * d);
            }
            for (sgn = 0; sgn < 2; sgn++) {
                nn_tensor *xx, *vv2, *rr;
                for (k = 0; k < len[which]; k++) data[which][k] = orig[k] + (sgn ? -h : h) * dir[k];
                nn_ctx_reset(ctx);
                xx = nn_tensor_from(ctx, 4, xs, xv);
                nn_tensor_set_requires_grad(xx, 1);
                vv2 = nn_tensor_from(ctx, 4, xs, vv);
                rr = bn_r(ctx, xx, p, vv2, train, 0);
                f[sgn] = rr ? rr->data[0] : 0;
            }
            memcpy(data[which], orig, len[which] * sizeof(float));
            CHECK(scale > 1e-4);
            CHECK_NEAR(pred, f[0] - f[1], 2e-3 * scale + 64.0 * ldexp(fabs(f[0]), -24), 0);
            /* gr[] lived in the reset arena: recompute it for the next variable */
            nn_ctx_reset(ctx);
            x = nn_tensor_from(ctx, 4, xs, xv);
            nn_tensor_set_requires_grad(x, 1);
            v = nn_tensor_from(ctx, 4, xs, vv);
            vars[0] = x;
            r = bn_r(ctx, x, p, v, train, 1);
            if (!CHECK(r != NULL) || !CHECK_EQ_INT(0, nn_grad(ctx, 1, &r, 3, vars, NULL, 0, gr))) goto done;
        }
    }
done:
    if (ctx) CHECK_EQ_STR("", nn_ctx_error(ctx)->msg);
    nn_params_free(&P);
    nn_ctx_free(ctx);
}

/* Dropout draws one uniform per element from the given stream, in order,
 * keeping an element when its draw is >= p; kept ones are x / (1 - p) as
 * the float 1/(1-p) times x. Eval is the identity (the same tensor). */
static void dropout_stream_and_eval(void)
{
    nn_ctx *ctx = nn_ctx_new(0);
    int s[1] = { 200 }, i, kept = 0;
    float xv[200];
    nn_rng r, check;
    nn_tensor *x, *y;
    if (!CHECK(ctx)) return;
    for (i = 0; i < 200; i++) xv[i] = (float)(i + 1);
    x = nn_tensor_from(ctx, 1, s, xv);
    nn_rng_init(&r, 42, NN_STREAM_DROPOUT);
    nn_rng_init(&check, 42, NN_STREAM_DROPOUT);
    y = nn_dropout(ctx, x, 0.25f, 1, &r);
    if (!CHECK(y != NULL)) goto done;
    for (i = 0; i < 200; i++) {
        int keep = nn_rng_uniform(&check) >= 0.25f;
        kept += keep;
        if (!CHECK_EQ_FBITS(keep ? xv[i] * (1.0f / 0.75f) : 0.0f, y->data[i])) break;
    }
    CHECK_EQ_U64(check.pos, r.pos);
    CHECK(kept > 120 && kept < 180);
    CHECK(nn_dropout(ctx, x, 0.25f, 0, &r) == x);
    CHECK(nn_dropout(ctx, x, 1.0f, 1, &r) == NULL);
    CHECK_EQ_STR("dropout: p = 1 (want 0 <= p < 1)", nn_ctx_error(ctx)->msg);
done:
    nn_ctx_free(ctx);
}

/* The later ops name themselves and the shapes when given bad input. */
static void new_op_errors(void)
{
    nn_ctx *ctx = nn_ctx_new(0);
    int s4[4] = { 2, 3, 4, 5 }, s4b[4] = { 2, 3, 5, 5 }, s2[2] = { 4, 5 }, s1[1] = { 4 }, perm[4] = { 0, 1, 1, 2 };
    nn_tensor *x, *t;
    nn_pool_opts po = { 3, 1, 2, 0 };
    if (!CHECK(ctx)) return;
    x = nn_tensor_new(ctx, 4, s4);
    CHECK(nn_concat(ctx, x, nn_tensor_new(ctx, 4, s4b), 1) == NULL);
    CHECK_EQ_STR("concat: a [2,3,4,5] and b [2,3,5,5] do not join along dim 1", nn_ctx_error(ctx)->msg);
    nn_ctx_clear_error(ctx);
    CHECK(nn_narrow(ctx, x, 3, 2, 4) == NULL);
    CHECK_EQ_STR("narrow: input [2,3,4,5], dim 3, start 2, length 4", nn_ctx_error(ctx)->msg);
    nn_ctx_clear_error(ctx);
    CHECK(nn_permute(ctx, x, perm) == NULL);
    CHECK_EQ_STR("permute: not a permutation of the 4 dims of [2,3,4,5]", nn_ctx_error(ctx)->msg);
    nn_ctx_clear_error(ctx);
    CHECK(nn_avg_pool2d(ctx, x, &po) == NULL);
    CHECK_CONTAINS("avg_pool2d: kernel 3, stride 1, padding 2", nn_ctx_error(ctx)->msg);
    nn_ctx_clear_error(ctx);
    CHECK(nn_upsample_bilinear(ctx, nn_tensor_new(ctx, 2, s2), 2) == NULL);
    CHECK_EQ_STR("upsample_bilinear: input [4,5], scale 2 (want [N,C,H,W] and scale >= 1)", nn_ctx_error(ctx)->msg);
    nn_ctx_clear_error(ctx);
    t = nn_tensor_new(ctx, 1, s1);
    t->data[2] = 5.0f;
    CHECK(nn_cross_entropy_loss(ctx, nn_tensor_new(ctx, 2, s2), t) == NULL);
    CHECK_EQ_STR("cross_entropy_loss: target element 2 is 5, not a class index in [0, 5)", nn_ctx_error(ctx)->msg);
    nn_ctx_clear_error(ctx);
    CHECK(nn_hinge_loss(ctx, x, 0) == NULL);
    CHECK_CONTAINS("hinge_loss: target 0", nn_ctx_error(ctx)->msg);
    nn_ctx_free(ctx);
}

const test_case nn_tests[] = {
    TEST(lsum_canonical_order),
    TEST(sgemm_transposes),
    TEST(sgemm_uses_fma),
    TEST(im2col_by_hand),
    TEST(col2im_is_adjoint),
    TEST(errors_name_op_and_shapes),
    TEST(params_slab_and_names),
    TEST(backward_accumulates),
    TEST(arena_steady_state),
    TEST(ctx_mark_and_rewind),
    TEST(arena_reuses_its_chain),
    TEST(backward_keeps_visible_gradients),
    TEST(second_derivative_by_hand),
    TEST(second_order_matches_finite_differences),
    TEST(batch_norm_second_order),
    TEST(dropout_stream_and_eval),
    TEST(new_op_errors),
    TEST_END
};
