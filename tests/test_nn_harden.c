/* Hardening of nn/'s core, each check against PyTorch (golden/nn/
 * harden.safetensors, written by golden/tools/nn_harden_golden.py,
 * python3-torch 1.13), a finite difference or a hand-derived case:
 *   - relu / leaky relu bit for bit on NaNs, signed zeros and infinities,
 *     forward and gradient, on every kernel set and with create_graph on
 *     and off; the hinge loss of a NaN is NaN;
 *   - nn_grad refuses an input that never required a gradient; nn_backward
 *     fills .grad of an arena leaf, refuses a buffer;
 *   - optimizer steps report a mismatched table; weight decay and
 *     per-tensor learning-rate scales against torch.optim;
 *   - nn_modconv_opts zeroed means StyleGAN's default, demodulation on;
 *   - a parameter table freed while on the tape is an error, not a read
 *     of freed memory (run under SANITIZE=1 to see);
 *   - bilinear resizing to any size with both align_corners settings
 *     (forward, gradient, finite differences: tests/nn_golden.h). */
#include "nn_golden.h"
#include "test.h"
#include "../nn/kernels/arch.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static golden_file harden_golden;

static const golden_file *harden(void)
{
    if (!harden_golden.n) golden_load("golden/nn/harden.safetensors", &harden_golden);
    return &harden_golden;
}

static uint32_t fbits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

/* Same bits as PyTorch, except that a NaN the operation itself made (from
 * inf * 0, no NaN among the values it multiplied) need only be a NaN: its
 * sign and payload are the CPU's default NaN (x86 0xFFC00000, Arm
 * 0x7FC00000). */
static int bits_match(const float *want, const float *got, size_t n, const float *x, const float *dy,
                      const char *what)
{
    size_t i;
    for (i = 0; i < n; i++) {
        /* a gradient's value comes from dy alone (x only selects), y's from x */
        int made = want[i] != want[i] && (dy ? dy[i] == dy[i] : x[i] == x[i]);
        if (made ? got[i] != got[i] : fbits(want[i]) == fbits(got[i])) continue;
        {
            char expr[96];
            snprintf(expr, sizeof expr, "%s[%lu]", what, (unsigned long)i);
            return test_check_u32(fbits(want[i]), fbits(got[i]), __FILE__, __LINE__, expr);
        }
    }
    return 1;
}

/* ---- 1. relu and leaky relu: PyTorch's bits ----------------------------- */

static nn_tensor *act(nn_ctx *ctx, int which, nn_tensor *x)
{
    if (which == 0) return nn_relu(ctx, x);
    return nn_leaky_relu(ctx, x, which == 1 ? 0.2f : 0.0f);
}

static void relu_torch_bits(void)
{
    static const char *const names[3] = { "relu", "lrelu02", "lrelu0" };
    const golden_file *g = harden();
    const golden_tensor *gx = gfind(g, "act.x"), *gdy = gfind(g, "act.dy");
    nn_ctx *ctx = nn_ctx_new(0);
    int p, orig = nn_k_path(), which, cg;
    if (!CHECK(ctx != NULL) || !CHECK(gx && gdy)) goto done;
    for (p = 0; p < NN_K_NPATHS; p++) {
        if (!nn_k_path_supported(p)) continue;
        nn_k_path_set(p);
        for (which = 0; which < 3; which++) {
            for (cg = 0; cg < 2; cg++) {
                nn_tensor *x, *y, *dy, *dx = NULL;
                char what[64];
                nn_ctx_reset(ctx);
                x = to_tensor(ctx, gx);
                dy = to_tensor(ctx, gdy);
                nn_tensor_set_requires_grad(x, 1);
                y = act(ctx, which, x);
                if (!CHECK(y != NULL) || !CHECK_EQ_INT(0, nn_grad(ctx, 1, &y, 1, &x, &dy, cg, &dx))) break;
                snprintf(what, sizeof what, "%s %s y", nn_k_path_name(p), names[which]);
                bits_match(gfind(g, "act.%s.y", names[which])->data, y->data, y->numel, gx->data, NULL, what);
                snprintf(what, sizeof what, "%s %s dx (create_graph %d)", nn_k_path_name(p), names[which], cg);
                bits_match(gfind(g, "act.%s.dx", names[which])->data, dx->data, dx->numel, gx->data, gdy->data,
                           what);
            }
        }
    }
done:
    nn_k_path_set(orig);
    nn_ctx_free(ctx);
}

/* The recorded gradient is linear in dy: its own gradient with respect to
 * dy, weighted by r, is the same select of r (by hand: x <= 0 ? 0 : r for
 * relu, x > 0 ? r : 0.2 r for leaky). */
static void relu_second_order(void)
{
    const float xs[6] = { -1.0f, 0.0f, -0.0f, 2.0f, 0.5f, -3.0f };
    const float rs[6] = { 1.5f, -2.0f, 4.0f, -0.25f, 3.0f, 8.0f };
    int shape[1] = { 6 }, which, i;
    nn_ctx *ctx = nn_ctx_new(0);
    if (!CHECK(ctx != NULL)) return;
    for (which = 0; which < 2; which++) {
        nn_tensor *x, *dy, *y, *dx, *r, *s, *gdy;
        nn_ctx_reset(ctx);
        x = nn_tensor_from(ctx, 1, shape, xs);
        dy = nn_tensor_from(ctx, 1, shape, rs);   /* any values */
        r = nn_tensor_from(ctx, 1, shape, rs);
        nn_tensor_set_requires_grad(x, 1);
        nn_tensor_set_requires_grad(dy, 1);
        y = act(ctx, which, x);
        if (!CHECK_EQ_INT(0, nn_grad(ctx, 1, &y, 1, &x, &dy, 1, &dx))) continue;
        s = nn_sum(ctx, nn_mul(ctx, dx, r));
        if (!CHECK_EQ_INT(0, nn_grad(ctx, 1, &s, 1, &dy, NULL, 0, &gdy))) continue;
        for (i = 0; i < 6; i++) {
            float want = which == 0 ? (xs[i] <= 0.0f ? 0.0f : rs[i]) : (xs[i] > 0.0f ? rs[i] : rs[i] * 0.2f);
            CHECK_EQ_FBITS(want, gdy->data[i]);
        }
    }
    nn_ctx_free(ctx);
}

/* Every kernel set against the scalar reference on special values at
 * lengths that leave every tail. */
static void relu_kernels_bit_identical(void)
{
    enum { N = 211 };
    static float x[N], dy[N], want[N], got[N];
    static const uint32_t special[] = { 0x80000000u, 0u, 0x7FC12345u, 0xFFC00001u, 0x7F800000u, 0xFF800000u,
                                        0x00000001u, 0x80000001u };
    int p, orig = nn_k_path();
    size_t i, len;
    nn_rng r;
    nn_rng_init(&r, 5, NN_STREAM_DATA);
    nn_rng_fill_uniform(&r, x, N, -2.0f, 2.0f);
    nn_rng_fill_uniform(&r, dy, N, -2.0f, 2.0f);
    for (i = 0; i < N; i += 3) memcpy(&x[i], &special[(i / 3) % 8], 4);
    for (i = 1; i < N; i += 5) memcpy(&dy[i], &special[(i / 5) % 8], 4);
    for (p = NN_K_SCALAR + 1; p < NN_K_NPATHS; p++) {
        if (!nn_k_path_supported(p)) continue;
        for (len = N - 17; len <= N; len += 3) {
            nn_k_relu_scalar(len, x, want);
            nn_k_path_set(p);
            nn_k_relu(len, x, got);
            CHECK_EQ_MEM(want, got, len * sizeof(float));
            nn_k_relu_grad_scalar(len, x, dy, want);
            nn_k_relu_grad(len, x, dy, got);
            CHECK_EQ_MEM(want, got, len * sizeof(float));
            nn_k_leaky_relu_scalar(len, x, 0.2f, want);
            nn_k_leaky_relu(len, x, 0.2f, got);
            CHECK_EQ_MEM(want, got, len * sizeof(float));
            nn_k_leaky_relu_grad_scalar(len, x, dy, 0.2f, want);
            nn_k_leaky_relu_grad(len, x, dy, 0.2f, got);
            CHECK_EQ_MEM(want, got, len * sizeof(float));
        }
    }
    nn_k_path_set(orig);
}

/* A NaN from D gives a NaN hinge loss (it used to give a finite one); the
 * gradient is PyTorch's, bit for bit (the NaN element passes the relu's
 * gradient, x > 1 gives -0 through the scale by -1). */
static void hinge_loss_nan(void)
{
    const golden_file *g = harden();
    const golden_tensor *gx = gfind(g, "hinge.x"), *gg = gfind(g, "hinge.grad");
    nn_ctx *ctx = nn_ctx_new(0);
    nn_tensor *x, *loss, *dx;
    if (!CHECK(ctx != NULL) || !CHECK(gx && gg)) goto done;
    x = to_tensor(ctx, gx);
    nn_tensor_set_requires_grad(x, 1);
    loss = nn_hinge_loss(ctx, x, 1);
    if (!CHECK(loss != NULL)) goto done;
    CHECK(loss->data[0] != loss->data[0]);
    CHECK(gfind(g, "hinge.loss")->data[0] != gfind(g, "hinge.loss")->data[0]);
    if (CHECK_EQ_INT(0, nn_grad(ctx, 1, &loss, 1, &x, NULL, 0, &dx)))
        bits_match(gg->data, dx->data, dx->numel, gx->data, NULL, "hinge grad");
done:
    nn_ctx_free(ctx);
}

static void free_goldens(void)
{
    golden_free(&harden_golden);
    CHECK(1);
}


/* ---- 2. nn_grad and nn_backward on leaves --------------------------------- */

/* An input that never required a gradient is an error naming its index
 * (it used to get zeros silently); PyTorch refuses it too. */
static void grad_input_must_require_grad(void)
{
    int shape[1] = { 3 };
    const float xs[3] = { 1.0f, 2.0f, 3.0f };
    nn_ctx *ctx = nn_ctx_new(0);
    nn_tensor *a, *b, *s, *in[2], *g[2] = { NULL, NULL };
    if (!CHECK(ctx != NULL)) return;
    a = nn_tensor_from(ctx, 1, shape, xs);
    b = nn_tensor_from(ctx, 1, shape, xs);
    nn_tensor_set_requires_grad(a, 1);
    s = nn_sum(ctx, nn_mul(ctx, a, b));
    in[0] = a;
    in[1] = b;
    CHECK_EQ_INT(G99_EINVAL, nn_grad(ctx, 1, &s, 2, in, NULL, 0, g));
    CHECK_CONTAINS("input 1 [3] does not require a gradient", nn_ctx_error(ctx)->msg);
    /* marked, it works: d sum(a b) / db = a */
    nn_ctx_clear_error(ctx);
    nn_ctx_reset(ctx);
    a = nn_tensor_from(ctx, 1, shape, xs);
    b = nn_tensor_from(ctx, 1, shape, xs);
    nn_tensor_set_requires_grad(a, 1);
    nn_tensor_set_requires_grad(b, 1);
    s = nn_sum(ctx, nn_mul(ctx, a, b));
    in[0] = a;
    in[1] = b;
    if (CHECK_EQ_INT(0, nn_grad(ctx, 1, &s, 2, in, NULL, 0, g))) CHECK_EQ_FBITS(3.0f, g[1]->data[2]);
    nn_ctx_free(ctx);
}

/* nn_backward fills .grad of an arena leaf as PyTorch fills x.grad (it used
 * to skip it): d sum(3 x) / dx = 3, twice 6; a rewind past the pass that
 * made .grad drops it; a buffer marked as requiring a gradient is refused. */
static void backward_arena_leaf(void)
{
    int shape[1] = { 4 };
    const float xs[4] = { 1.0f, -2.0f, 0.5f, 7.0f };
    nn_ctx *ctx = nn_ctx_new(0);
    nn_params P;
    nn_tensor *x, *loss, *buf;
    nn_mark m;
    g99_error err;
    int i;
    if (!CHECK(ctx != NULL)) return;
    x = nn_tensor_from(ctx, 1, shape, xs);
    nn_tensor_set_requires_grad(x, 1);
    CHECK(x->grad == NULL);
    loss = nn_sum(ctx, nn_scale(ctx, x, 3.0f));
    if (!CHECK_EQ_INT(0, nn_backward(ctx, loss, 0)) || !CHECK(x->grad != NULL)) goto done;
    for (i = 0; i < 4; i++) CHECK_EQ_FBITS(3.0f, x->grad[i]);
    m = nn_ctx_mark(ctx);
    CHECK_EQ_INT(0, nn_backward(ctx, nn_sum(ctx, nn_scale(ctx, x, 3.0f)), 0));
    for (i = 0; i < 4; i++) CHECK_EQ_FBITS(6.0f, x->grad[i]);
    nn_ctx_rewind(ctx, m);
    CHECK(x->grad != NULL);   /* made before the mark: it stays */
    nn_ctx_reset(ctx);
    x = nn_tensor_from(ctx, 1, shape, xs);
    nn_tensor_set_requires_grad(x, 1);
    m = nn_ctx_mark(ctx);
    CHECK_EQ_INT(0, nn_backward(ctx, nn_sum(ctx, nn_scale(ctx, x, 3.0f)), 0));
    CHECK(x->grad != NULL);
    nn_ctx_rewind(ctx, m);
    CHECK(x->grad == NULL);
    /* a buffer */
    nn_params_init(&P);
    buf = nn_params_add(&P, "bn.running_mean", NN_BUFFER, 1, shape, &err);
    if (!CHECK(buf != NULL) || !CHECK_EQ_INT(0, nn_params_alloc(&P, &err))) goto free_p;
    nn_tensor_set_requires_grad(buf, 1);
    CHECK_EQ_INT(G99_EINVAL, nn_backward(ctx, nn_sum(ctx, nn_scale(ctx, buf, 2.0f)), 0));
    CHECK_CONTAINS("bn.running_mean [4] requires a gradient but has no .grad", nn_ctx_error(ctx)->msg);
free_p:
    nn_params_free(&P);
done:
    nn_ctx_free(ctx);
}


/* ---- 3, 4. optimizers: status, weight decay, per-tensor learning rates ---- */

/* A table of two trainable tensors "a.weight" [3,4] and "b.bias" [5] (and
 * a buffer between them, so the slab's trainable part is not the table). */
static int two_params(nn_params *P, nn_tensor **p0, nn_tensor **p1)
{
    int s0[2] = { 3, 4 }, s1[1] = { 5 }, sb[1] = { 2 };
    g99_error err;
    nn_params_init(P);
    *p0 = nn_params_add(P, "a.weight", NN_PARAM, 2, s0, &err);
    nn_params_add(P, "a.running_mean", NN_BUFFER, 1, sb, &err);
    *p1 = nn_params_add(P, "b.bias", NN_PARAM, 1, s1, &err);
    return *p0 && *p1 && nn_params_alloc(P, &err) == 0;
}

/* torch.optim with weight_decay, and with two parameter groups (lr and
 * lr * scale), 3 steps with given gradients. Tolerance: float rounding
 * (PyTorch's lr is a double, gan99's a float; its kernels fuse some
 * multiply-adds). */
static void optim_case(const char *name, int adam, float lr, float wd, float scale)
{
    const golden_file *g = harden();
    nn_params P;
    nn_tensor *p[2];
    nn_adam a;
    nn_sgd s;
    g99_error err;
    int step, i;
    memset(&a, 0, sizeof a);
    memset(&s, 0, sizeof s);
    if (!CHECK(two_params(&P, &p[0], &p[1])) || !CHECK(gfind(g, "%s.p0", name) != NULL)) goto done;
    for (i = 0; i < 2; i++) memcpy(p[i]->data, gfind(g, "%s.p%d", name, i)->data, p[i]->numel * sizeof(float));
    if (adam) {
        if (!CHECK_EQ_INT(0, nn_adam_init(&a, &P, lr, 0.5f, 0.999f, 1e-8f, &err))) goto done;
        a.weight_decay = wd;
        if (scale != 1.0f && !CHECK_EQ_INT(0, nn_adam_set_lr_scale(&a, &P, "b.", scale, &err))) goto done;
    } else {
        if (!CHECK_EQ_INT(0, nn_sgd_init(&s, &P, lr, 0.9f, &err))) goto done;
        s.weight_decay = wd;
        if (scale != 1.0f && !CHECK_EQ_INT(0, nn_sgd_set_lr_scale(&s, &P, "b.", scale, &err))) goto done;
    }
    for (step = 0; step < 3; step++) {
        for (i = 0; i < 2; i++)
            memcpy(p[i]->grad, gfind(g, "%s.g%d.%d", name, i, step)->data, p[i]->numel * sizeof(float));
        CHECK_EQ_INT(0, adam ? nn_adam_step(&a, &P, &err) : nn_sgd_step(&s, &P, &err));
        for (i = 0; i < 2; i++) {
            char what[64];
            snprintf(what, sizeof what, "%s step %d p%d", name, step, i);
            near_all(gfind(g, "%s.p%d.%d", name, i, step)->data, p[i]->data, p[i]->numel, 1e-6, 1e-5, what);
        }
    }
done:
    nn_adam_free(&a);
    nn_sgd_free(&s);
    nn_params_free(&P);
}

static void optim_weight_decay_and_groups(void)
{
    optim_case("optim.sgd_wd", 0, 0.1f, 0.05f, 1.0f);
    optim_case("optim.adam_wd", 1, 0.01f, 0.05f, 1.0f);
    optim_case("optim.sgd_groups", 0, 0.1f, 0.0f, 0.25f);
    optim_case("optim.adam_groups", 1, 0.01f, 0.01f, 0.125f);
}

/* A step on a table the optimizer was not made for is G99_EINVAL with a
 * message, and changes nothing (it used to return silently); so is a
 * freed optimizer. Scales: unknown prefix, negative scale. */
static void optim_mismatch(void)
{
    nn_params P, Q;
    nn_tensor *p0, *p1, *q0, *q1;
    nn_adam a;
    nn_sgd s;
    g99_error err;
    int shape[1] = { 2 };
    memset(&a, 0, sizeof a);
    memset(&s, 0, sizeof s);
    nn_params_init(&Q);
    if (!CHECK(two_params(&P, &p0, &p1))) goto done;
    q0 = nn_params_add(&Q, "w", NN_PARAM, 1, shape, &err);
    q1 = nn_params_add(&Q, "b", NN_PARAM, 1, shape, &err);
    if (!CHECK(q0 && q1) || !CHECK_EQ_INT(0, nn_params_alloc(&Q, &err))) goto done;
    q0->data[0] = 1.0f;
    q0->grad[0] = 1.0f;
    if (!CHECK_EQ_INT(0, nn_adam_init(&a, &P, 0.1f, 0.5f, 0.999f, 1e-8f, &err)) ||
        !CHECK_EQ_INT(0, nn_sgd_init(&s, &P, 0.1f, 0.9f, &err)))
        goto done;
    CHECK_EQ_INT(G99_EINVAL, nn_adam_step(&a, &Q, &err));
    CHECK_CONTAINS("adam: optimizer made for 17 trainable floats, the table has 4", err.msg);
    CHECK_EQ_INT(G99_EINVAL, nn_sgd_step(&s, &Q, &err));
    CHECK_CONTAINS("sgd: optimizer made for 17", err.msg);
    CHECK_EQ_FBITS(1.0f, q0->data[0]);
    CHECK_EQ_INT(0, (int)a.step);
    CHECK_EQ_INT(G99_EINVAL, nn_adam_set_lr_scale(&a, &P, "c.", 0.5f, &err));
    CHECK_CONTAINS("no trainable tensor's name starts with \"c.\"", err.msg);
    CHECK_EQ_INT(G99_EINVAL, nn_adam_set_lr_scale(&a, &P, "a.running", 0.5f, &err));   /* a buffer */
    CHECK_EQ_INT(G99_EINVAL, nn_sgd_set_lr_scale(&s, &P, "a.", -1.0f, &err));
    nn_adam_free(&a);
    CHECK_EQ_INT(G99_EINVAL, nn_adam_step(&a, &P, &err));
    CHECK_CONTAINS("not initialized", err.msg);
    CHECK_EQ_INT(G99_EINVAL, nn_adam_step(NULL, &P, NULL));
done:
    nn_adam_free(&a);
    nn_sgd_free(&s);
    nn_params_free(&P);
    nn_params_free(&Q);
}

/* Scale 1 everywhere through the run-by-run path gives the plain update's
 * bits (the default path the digest pins): the runs only split the loop. */
static void optim_scale_one_same_bits(void)
{
    nn_params P, Q;
    nn_tensor *p0, *p1, *q0, *q1;
    nn_adam a, b;
    g99_error err;
    int step;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    if (!CHECK(two_params(&P, &p0, &p1)) || !CHECK(two_params(&Q, &q0, &q1))) goto done;
    if (!CHECK_EQ_INT(0, nn_adam_init(&a, &P, 0.01f, 0.5f, 0.999f, 1e-8f, &err)) ||
        !CHECK_EQ_INT(0, nn_adam_init(&b, &Q, 0.01f, 0.5f, 0.999f, 1e-8f, &err)) ||
        !CHECK_EQ_INT(0, nn_adam_set_lr_scale(&b, &Q, "a.", 1.0f, &err)))
        goto done;
    for (step = 0; step < 3; step++) {
        nn_rng r;
        nn_rng_init(&r, (uint64_t)step, NN_STREAM_DATA);
        nn_rng_fill_uniform(&r, P.grad, P.n_train, -1.0f, 1.0f);
        memcpy(Q.grad, P.grad, P.n_train * sizeof(float));
        CHECK_EQ_INT(0, nn_adam_step(&a, &P, &err));
        CHECK_EQ_INT(0, nn_adam_step(&b, &Q, &err));
    }
    CHECK_EQ_MEM(P.data, Q.data, P.n_total * sizeof(float));
done:
    nn_adam_free(&a);
    nn_adam_free(&b);
    nn_params_free(&P);
    nn_params_free(&Q);
}

/* Adam with weight decay on every kernel set against the scalar reference. */
static void adam_wd_kernels_bit_identical(void)
{
    enum { N = 203 };
    static float w0[N], m0[N], v0[N], w1[N], m1[N], v1[N], g[N];
    int p, orig = nn_k_path(), step;
    size_t n;
    nn_k_adam_coef c;
    nn_rng r;
    nn_rng_init(&r, 21, NN_STREAM_DATA);
    c.b1 = 0.5f;
    c.b2 = 0.999f;
    c.a1 = 0.5f;
    c.a2 = 0.001f;
    c.bc2_sqrt = 0.0316069f;
    c.eps = 1e-8f;
    for (p = NN_K_SCALAR + 1; p < NN_K_NPATHS; p++) {
        if (!nn_k_path_supported(p)) continue;
        for (n = 1; n <= N; n += 29) {
            nn_rng_fill_uniform(&r, w0, n, -3.0f, 3.0f);
            memset(m0, 0, sizeof m0);
            memset(v0, 0, sizeof v0);
            memcpy(w1, w0, sizeof w0);
            memcpy(m1, m0, sizeof m0);
            memcpy(v1, v0, sizeof v0);
            for (step = 0; step < 3; step++) {
                nn_rng_fill_uniform(&r, g, n, -1.0f, 1.0f);
                c.step_size = -0.0002f * (float)(step + 1);
                nn_k_path_set(NN_K_SCALAR);
                nn_k_adam_wd(&c, 0.0123f, n, w0, g, m0, v0);
                nn_k_path_set(p);
                nn_k_adam_wd(&c, 0.0123f, n, w1, g, m1, v1);
            }
            CHECK_EQ_MEM(w0, w1, n * sizeof(float));
            CHECK_EQ_MEM(m0, m1, n * sizeof(float));
        }
    }
    nn_k_path_set(orig);
}


/* ---- 5. nn_modconv_opts: zero means StyleGAN's default, demodulation ---- */

/* By hand: x = 1, w = 2, s = 3 (one channel, 1x1): the modulated weight is
 * 6; demodulated 6 / sqrt(36 + 1e-8) = 1 (to float), else 6. A zeroed opts
 * struct and NULL demodulate (they used to turn it off). */
static void modconv_default_demodulates(void)
{
    int s4[4] = { 1, 1, 1, 1 }, s2[2] = { 1, 1 };
    const float one = 1.0f, two = 2.0f, three = 3.0f;
    nn_modconv_opts o;
    nn_ctx *ctx = nn_ctx_new(0);
    nn_tensor *x, *w, *s, *y;
    if (!CHECK(ctx != NULL)) return;
    x = nn_tensor_from(ctx, 4, s4, &one);
    w = nn_tensor_from(ctx, 4, s4, &two);
    s = nn_tensor_from(ctx, 2, s2, &three);
    memset(&o, 0, sizeof o);
    y = nn_modulated_conv2d(ctx, x, w, s, NULL, &o);
    if (CHECK(y != NULL)) CHECK_NEAR(1.0, y->data[0], 1e-6, 0);
    y = nn_modulated_conv2d(ctx, x, w, s, NULL, NULL);
    if (CHECK(y != NULL)) CHECK_NEAR(1.0, y->data[0], 1e-6, 0);
    o.no_demodulate = 1;
    y = nn_modulated_conv2d(ctx, x, w, s, NULL, &o);
    if (CHECK(y != NULL)) CHECK_EQ_FBITS(6.0f, y->data[0]);
    nn_ctx_free(ctx);
}


/* ---- 6. a parameter table freed while its tensors are on the tape -------- */

static int one_linear(nn_params *P, const char *name, nn_tensor **w)
{
    int shape[2] = { 2, 3 };
    g99_error err;
    size_t i;
    nn_params_init(P);
    *w = nn_params_add(P, name, NN_PARAM, 2, shape, &err);
    if (!*w || nn_params_alloc(P, &err)) return 0;
    for (i = 0; i < (*w)->numel; i++) (*w)->data[i] = (float)i;
    return 1;
}

/* nn_backward and nn_grad refuse the tape (G99_EINVAL naming the table)
 * instead of reading the freed tensors (which SANITIZE=1 would report); a
 * table freed after a reset, or one the tape never used, is no matter. */
static void params_freed_on_tape(void)
{
    int xs[2] = { 1, 3 };
    const float xv[3] = { 1.0f, 2.0f, 3.0f };
    nn_ctx *ctx = nn_ctx_new(0);
    nn_params P, Q;
    nn_tensor *w, *v, *x, *loss, *g = NULL;
    nn_params_init(&P);
    nn_params_init(&Q);
    if (!CHECK(ctx != NULL)) return;
    if (!CHECK(one_linear(&P, "fc.weight", &w)) || !CHECK(one_linear(&Q, "other.weight", &v))) goto done;
    x = nn_tensor_from(ctx, 2, xs, xv);
    nn_tensor_set_requires_grad(x, 1);
    loss = nn_sum(ctx, nn_linear(ctx, x, w, NULL));
    nn_params_free(&P);
    CHECK_EQ_INT(G99_EINVAL, nn_backward(ctx, loss, 0));
    CHECK_CONTAINS("the parameter table of \"fc.weight\" was freed", nn_ctx_error(ctx)->msg);
    nn_ctx_clear_error(ctx);
    CHECK_EQ_INT(G99_EINVAL, nn_grad(ctx, 1, &loss, 1, &x, NULL, 0, &g));
    nn_ctx_clear_error(ctx);
    /* a new step with a live table works; freeing a table the tape does
     * not use changes nothing */
    nn_ctx_reset(ctx);
    if (!CHECK(one_linear(&P, "fc.weight", &w))) goto done;
    x = nn_tensor_from(ctx, 2, xs, xv);
    loss = nn_sum(ctx, nn_linear(ctx, x, w, NULL));
    nn_params_free(&Q);
    if (CHECK_EQ_INT(0, nn_backward(ctx, loss, 0))) CHECK_EQ_FBITS(3.0f, w->grad[2]);   /* d/dw[0][2] = x[2] */
    /* a rewind past the pass that used a table forgets it */
    if (!CHECK(one_linear(&Q, "other.weight", &v))) goto done;
    {
        nn_mark m = nn_ctx_mark(ctx);
        loss = nn_sum(ctx, nn_linear(ctx, x, v, NULL));
        nn_ctx_rewind(ctx, m);
        nn_params_free(&Q);
        loss = nn_sum(ctx, nn_linear(ctx, x, w, NULL));
        CHECK_EQ_INT(0, nn_backward(ctx, loss, 0));
    }
done:
    nn_params_free(&P);
    nn_params_free(&Q);
    nn_ctx_free(ctx);
}


/* ---- 7. bilinear resizing to any size, both align_corners ----------------- */

static nn_tensor *call_harden(nn_ctx *ctx, op_case *c)
{
    if (!strcmp(c->op, "resize_bilinear"))
        return nn_resize_bilinear(ctx, c->in[0], (int)c->cfg[0], (int)c->cfg[1], (int)c->cfg[2]);
    return NULL;
}

/* Forward and input gradient against F.interpolate(size=..., mode=
 * 'bilinear', align_corners=False / True) for odd sizes up and down, size
 * 1 and equal sizes, plus finite differences (tests/nn_golden.h). */
static void golden_resize_bilinear(void)
{
    CHECK(run_op_in(harden(), "resize_bilinear", 1, call_harden) >= 16);
}

/* By hand: [0, 3] to 4 columns with align_corners is 0, 1, 2, 3; without,
 * the sources are max(0.5 o - 0.25, 0) = 0, 0.25, 0.75, 1 (clamped to the
 * last column): 0, 0.75, 2.25, 3. Bad sizes are refused. */
static void resize_bilinear_by_hand(void)
{
    int s4[4] = { 1, 1, 1, 2 };
    const float xv[2] = { 0.0f, 3.0f };
    const float want_ac[4] = { 0.0f, 1.0f, 2.0f, 3.0f }, want[4] = { 0.0f, 0.75f, 2.25f, 3.0f };
    nn_ctx *ctx = nn_ctx_new(0);
    nn_tensor *x, *y;
    int i;
    if (!CHECK(ctx != NULL)) return;
    x = nn_tensor_from(ctx, 4, s4, xv);
    y = nn_resize_bilinear(ctx, x, 1, 4, 1);
    if (CHECK(y != NULL))
        for (i = 0; i < 4; i++) CHECK_NEAR(want_ac[i], y->data[i], 1e-6, 0);
    y = nn_resize_bilinear(ctx, x, 1, 4, 0);
    if (CHECK(y != NULL))
        for (i = 0; i < 4; i++) CHECK_NEAR(want[i], y->data[i], 1e-6, 0);
    CHECK(nn_resize_bilinear(ctx, x, 0, 4, 0) == NULL);
    CHECK_CONTAINS("resize_bilinear: input [1,1,1,2] to 0x4", nn_ctx_error(ctx)->msg);
    nn_ctx_free(ctx);
}

const test_case nn_harden_tests[] = {
    TEST(relu_torch_bits), TEST(relu_second_order), TEST(relu_kernels_bit_identical), TEST(hinge_loss_nan),
    TEST(grad_input_must_require_grad), TEST(backward_arena_leaf),
    TEST(optim_weight_decay_and_groups), TEST(optim_mismatch), TEST(optim_scale_one_same_bits),
    TEST(adam_wd_kernels_bit_identical),
    TEST(modconv_default_demodulates),
    TEST(params_freed_on_tape),
    TEST(golden_resize_bilinear), TEST(resize_bilinear_by_hand),
    TEST(free_goldens),
    TEST_END
};
