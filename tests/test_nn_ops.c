/* nn core against PyTorch: every op in several configurations, the
 * optimizers and the R1 penalty, from the safetensors files in golden/nn/ written by
 * golden/tools/nn_golden.py (python3-torch 1.13), plus a finite-difference
 * check of every op's gradient on the same inputs. The harness (golden
 * files, run_op_in, the finite-difference check) is declared in
 * tests/nn_golden.h and shared with tests/test_nn_ops3.c.
 *
 * Tolerances (doc/design.md §7.2): forward values 1e-5 absolute + 1e-4 relative.
 * Gradients 1e-4 relative; the absolute part is 1e-5 times the tensor's
 * largest magnitude (at least 1), because an element of a gradient that is
 * a sum of many products can land near zero by cancellation, where a pure
 * relative bound would measure the two summation orders, not correctness. */
#include "nn_golden.h"
#include "test.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the goldens, read with nn/safetensors.c into float arrays -------- */
void golden_free(golden_file *g)
{
    size_t i;
    for (i = 0; i < g->n; i++) free(g->t[i].data);
    free(g->t);
    nn_st_free(g->f);
    memset(g, 0, sizeof *g);
}

int golden_load(const char *path, golden_file *g)
{
    g99_error err;
    size_t i;
    int d;
    memset(g, 0, sizeof *g);
    if (!CHECK_EQ_INT(0, nn_st_load(path, NN_ST_MAX_FILE, &g->f, &err))) return -1;
    g->t = (golden_tensor *)calloc(g->f->n_tensors + 1, sizeof *g->t);
    if (!g->t) return -1;
    for (i = 0; i < g->f->n_tensors; i++) {
        const nn_st_tensor *st = &g->f->tensors[i];
        golden_tensor *t = &g->t[i];
        if (st->rank > 4) return -1;
        t->name = st->name;
        t->ndim = st->rank;
        for (d = 0; d < st->rank; d++) t->shape[d] = (int)st->shape[d];
        t->numel = st->numel;
        t->data = (float *)malloc(st->numel * sizeof(float) + 1);
        g->n = i + 1;
        if (!t->data || nn_st_read_f32(st, t->data, st->numel, &err)) return -1;
    }
    return 0;
}

const golden_tensor *gfind(const golden_file *g, const char *fmt, ...)
{
    char name[96];
    size_t i;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    for (i = 0; i < g->n; i++)
        if (strcmp(g->t[i].name, name) == 0) return &g->t[i];
    return NULL;
}

nn_tensor *to_tensor(nn_ctx *ctx, const golden_tensor *t)
{
    return t ? nn_tensor_from(ctx, t->ndim, t->shape, t->data) : NULL;
}

static golden_file ops_golden, ops2_golden;

static const golden_file *ops(void)
{
    if (!ops_golden.n) golden_load("golden/nn/ops.safetensors", &ops_golden);
    return &ops_golden;
}

/* The ops added later (golden/tools/nn_ops2_golden.py), same layout. */
static const golden_file *ops2(void)
{
    if (!ops2_golden.n) golden_load("golden/nn/ops2.safetensors", &ops2_golden);
    return &ops2_golden;
}

/* Compares every element; returns 1 when all held (one report at most). */
int near_all(const float *expected, const float *actual, size_t n, double abs_tol, double rel_tol,
                    const char *what)
{
    size_t i;
    for (i = 0; i < n; i++) {
        double e = expected[i], a = actual[i];
        if (!(fabs(a - e) <= abs_tol + rel_tol * fabs(e))) {
            char expr[160];
            snprintf(expr, sizeof expr, "%s[%lu]", what, (unsigned long)i);
            return test_check_near(e, a, abs_tol, rel_tol, __FILE__, __LINE__, expr);
        }
    }
    return 1;
}

double max_abs(const float *v, size_t n)
{
    double m = 1.0;
    size_t i;
    for (i = 0; i < n; i++)
        if (fabs(v[i]) > m) m = fabs(v[i]);
    return m;
}

float *golden_floats(const nn_st_file *f, const char *name, size_t numel)
{
    const nn_st_tensor *t = nn_st_find(f, name);
    float *v;
    g99_error err;
    if (!CHECK(t != NULL) || !CHECK_EQ_U64(numel, t->numel)) {
        fprintf(stderr, "    (golden tensor %s)\n", name);
        return NULL;
    }
    v = (float *)malloc(numel * sizeof(float) + 1);
    if (v && nn_st_read_f32(t, v, numel, &err)) {
        free(v);
        return NULL;
    }
    return v;
}

int golden_check(const nn_st_file *f, const char *name, const float *a, size_t n, int grads, double scale,
                 double *seen_worst)
{
    float *e = golden_floats(f, name, n);
    double r;
    if (!e) return 0;
    r = golden_worst(e, a, n, 1e-5 * scale, 1e-4 * scale, grads != 0);
    free(e);
    if (!(r <= *seen_worst)) *seen_worst = r;
    if (!(r <= 1.0)) fprintf(stderr, "    %s: worst error %.3g of the tolerance\n", name, r);
    return CHECK(r <= 1.0);
}

double golden_max(const nn_st_file *f, const char *name)
{
    const nn_st_tensor *t = nn_st_find(f, name);
    float *v;
    double m = 0;
    size_t i;
    if (!t || t->dtype != NN_ST_F32) return -1;
    if (!(v = golden_floats(f, name, t->numel))) return -1;
    for (i = 0; i < t->numel; i++)
        if (fabs(v[i]) > m) m = fabs(v[i]);
    free(v);
    return m;
}

int golden_load_params(const nn_st_file *f, nn_params *p, const char *prefix)
{
    size_t i;
    for (i = 0; i < p->n; i++) {
        char name[256];
        const nn_st_tensor *s;
        float *v;
        snprintf(name, sizeof name, "%s%s", prefix, p->t[i]->name);
        s = nn_st_find(f, name);
        if (!CHECK(s != NULL)) {
            fprintf(stderr, "    (missing %s)\n", name);
            return 0;
        }
        if (p->kind[i] == NN_COUNTER) {
            p->t[i]->data[0] = (float)(long long)g99_load_le64(s->data);
            continue;
        }
        if (!(v = golden_floats(f, name, p->t[i]->numel))) return 0;
        memcpy(p->t[i]->data, v, p->t[i]->numel * sizeof *v);
        free(v);
    }
    return 1;
}

double golden_worst(const float *e, const float *a, size_t n, double abs_tol, double rel_tol, int abs_scaled)
{
    double w = 0;
    size_t i;
    if (abs_scaled) {
        double m = 0;
        for (i = 0; i < n; i++)
            if (fabs(e[i]) > m) m = fabs(e[i]);
        abs_tol *= m > 0 ? m : 1;
    }
    for (i = 0; i < n; i++) {
        double r = fabs((double)a[i] - e[i]) / (abs_tol + rel_tol * fabs(e[i]));
        if (!(r <= w)) w = r;
    }
    return w;
}

/* ---- running one golden case ---------------------------------------------- */

static nn_conv_opts conv_opts(const float *c, int transpose)
{
    nn_conv_opts o;
    memset(&o, 0, sizeof o);
    o.stride_h = (int)c[0];
    o.stride_w = (int)c[1];
    o.padding_h = (int)c[2];
    o.padding_w = (int)c[3];
    o.dilation_h = (int)c[4];
    o.dilation_w = (int)c[5];
    o.groups = (int)c[6];
    if (transpose) {
        o.output_padding_h = (int)c[8];
        o.output_padding_w = (int)c[9];
    }
    return o;
}

/* The op under test on the case's inputs. */
static nn_tensor *call_op(nn_ctx *ctx, op_case *c)
{
    const char *op = c->op;
    const float *cfg = c->cfg;
    nn_tensor **in = c->in;
    int shape[4], i;
    if (!strcmp(op, "add")) return nn_add(ctx, in[0], in[1]);
    if (!strcmp(op, "sub")) return nn_sub(ctx, in[0], in[1]);
    if (!strcmp(op, "mul")) return nn_mul(ctx, in[0], in[1]);
    if (!strcmp(op, "div")) return nn_div(ctx, in[0], in[1]);
    if (!strcmp(op, "scale")) return nn_scale(ctx, in[0], cfg[0]);
    if (!strcmp(op, "add_scalar")) return nn_add_scalar(ctx, in[0], cfg[0]);
    if (!strcmp(op, "div_scalar")) return nn_div_scalar(ctx, in[0], cfg[0]);
    if (!strcmp(op, "square")) return nn_square(ctx, in[0]);
    if (!strcmp(op, "sqrt")) return nn_sqrt(ctx, in[0]);
    if (!strcmp(op, "rsqrt")) return nn_rsqrt(ctx, in[0]);
    if (!strcmp(op, "abs")) return nn_abs(ctx, in[0]);
    if (!strcmp(op, "exp")) return nn_exp(ctx, in[0]);
    if (!strcmp(op, "log")) return nn_log(ctx, in[0]);
    if (!strcmp(op, "relu")) return nn_relu(ctx, in[0]);
    if (!strcmp(op, "leaky_relu")) return nn_leaky_relu(ctx, in[0], cfg[0]);
    if (!strcmp(op, "tanh")) return nn_tanh(ctx, in[0]);
    if (!strcmp(op, "sigmoid")) return nn_sigmoid(ctx, in[0]);
    if (!strcmp(op, "softplus")) return nn_softplus(ctx, in[0]);
    if (!strcmp(op, "clamp")) return nn_clamp(ctx, in[0], cfg[0], cfg[1]);
    if (!strcmp(op, "sum")) return nn_sum(ctx, in[0]);
    if (!strcmp(op, "mean")) return nn_mean(ctx, in[0]);
    if (!strcmp(op, "sum_to") || !strcmp(op, "mean_to")) {
        const golden_tensor *cf = gfind(c->g, "%s.%d.cfg", op, c->k);
        for (i = 0; i < (int)cf->numel; i++) shape[i] = (int)cfg[i];
        return op[0] == 's' ? nn_sum_to(ctx, in[0], (int)cf->numel, shape)
                            : nn_mean_to(ctx, in[0], (int)cf->numel, shape);
    }
    if (!strcmp(op, "matmul")) return nn_matmul(ctx, in[0], in[1]);
    if (!strcmp(op, "linear")) return nn_linear(ctx, in[0], in[1], c->n_in > 2 ? in[2] : NULL);
    if (!strcmp(op, "conv2d")) {
        nn_conv_opts o = conv_opts(cfg, 0);
        return nn_conv2d(ctx, in[0], in[1], c->n_in > 2 ? in[2] : NULL, &o);
    }
    if (!strcmp(op, "conv_transpose2d")) {
        nn_conv_opts o = conv_opts(cfg, 1);
        return nn_conv_transpose2d(ctx, in[0], in[1], c->n_in > 2 ? in[2] : NULL, &o);
    }
    if (!strcmp(op, "batch_norm2d")) {
        c->rm_t = to_tensor(ctx, c->rm);
        c->rv_t = to_tensor(ctx, c->rv);
        return nn_batch_norm2d(ctx, in[0], c->n_in > 1 ? in[1] : NULL, c->n_in > 2 ? in[2] : NULL, c->rm_t,
                               c->rv_t, (int)cfg[0], 0.1f, 1e-5f);
    }
    if (!strcmp(op, "bce_loss")) return nn_bce_loss(ctx, in[0], in[1]);
    if (!strcmp(op, "bce_with_logits_loss")) return nn_bce_with_logits_loss(ctx, in[0], in[1]);
    if (!strcmp(op, "mse_loss")) return nn_mse_loss(ctx, in[0], in[1]);
    if (!strcmp(op, "l1_loss")) return nn_l1_loss(ctx, in[0], in[1]);
    if (!strcmp(op, "narrow")) return nn_narrow(ctx, in[0], (int)cfg[0], (int)cfg[1], (int)cfg[2]);
    if (!strcmp(op, "concat")) return nn_concat(ctx, in[0], in[1], (int)cfg[0]);
    if (!strcmp(op, "permute")) {
        for (i = 0; i < in[0]->ndim; i++) shape[i] = (int)cfg[i];
        return nn_permute(ctx, in[0], shape);
    }
    if (!strcmp(op, "avg_pool2d")) {
        nn_pool_opts o;
        o.kernel = (int)cfg[0];
        o.stride = (int)cfg[1];
        o.padding = (int)cfg[2];
        o.exclude_pad = (int)cfg[3];
        return nn_avg_pool2d(ctx, in[0], &o);
    }
    if (!strcmp(op, "upsample_nearest")) return nn_upsample_nearest(ctx, in[0], (int)cfg[0]);
    if (!strcmp(op, "upsample_bilinear")) return nn_upsample_bilinear(ctx, in[0], (int)cfg[0]);
    if (!strcmp(op, "dropout")) return nn_dropout_mask(ctx, in[0], in[1], cfg[0]);
    if (!strcmp(op, "instance_norm2d"))
        return nn_instance_norm2d(ctx, in[0], c->n_in > 1 ? in[1] : NULL, c->n_in > 2 ? in[2] : NULL, 1e-5f);
    if (!strcmp(op, "pixel_norm")) return nn_pixel_norm(ctx, in[0], 1e-8f);
    if (!strcmp(op, "hinge_loss")) return nn_hinge_loss(ctx, in[0], (int)cfg[0]);
    if (!strcmp(op, "cross_entropy_loss")) return nn_cross_entropy_loss(ctx, in[0], in[1]);
    return NULL;
}

/* sum(out * gout) in double, for finite differences; *noise gets a bound
 * of its float rounding: 8 ulp-halves (2^-24) per output element, for ops
 * within a few ulp made of a few ops. */
static double weighted_sum(const nn_tensor *y, const golden_tensor *gout, double *noise)
{
    double s = 0;
    size_t i;
    for (i = 0; i < y->numel; i++) {
        s += (double)y->data[i] * gout->data[i];
        *noise += 8.0 * ldexp(fabs((double)y->data[i] * gout->data[i]), -24);
    }
    return s;
}

/* Finite differences along a direction v of input i: with x+ = fl(x + h v)
 * and x- = fl(x - h v), f(x+) - f(x-) must equal sum_j g_j (x+_j - x-_j)
 * up to O(h^3) truncation and the float rounding of f, f = sum(out gout).
 * Using the rounded perturbation itself (not 2 h v) removes the inputs'
 * rounding from the comparison. h = 2^-9 keeps every perturbed input on the
 * same side of each kink (the goldens keep 0.05 away) and the truncation
 * near 1e-5 of the directional derivative for these smooth, O(1) functions;
 * the bound is 1e-3 of the derivative's scale (sum |g_j| |dx_j|) plus the
 * rounding bound of both evaluations of f. Gradient bugs (a wrong factor,
 * sign or index) are far larger. */
static void fd_check(nn_ctx *ctx, op_case *c, int i, const golden_tensor *gout, const nn_tensor *grad)
{
    const float h = 1.0f / 512.0f;
    nn_tensor *x = c->in[i], *yp, *ym;
    float *orig = (float *)malloc(x->numel * sizeof(float));
    float *xp = (float *)malloc(x->numel * sizeof(float)), *xm = (float *)malloc(x->numel * sizeof(float));
    double pred = 0, scale = 0, noise = 0, fp, fm;
    size_t j;
    nn_rng rng;
    nn_rng_init(&rng, 99 + (uint64_t)c->k, 77);
    memcpy(orig, x->data, x->numel * sizeof(float));
    for (j = 0; j < x->numel; j++) {
        float v = nn_rng_uniform(&rng) * 2.0f - 1.0f;
        xp[j] = orig[j] + h * v;
        xm[j] = orig[j] - h * v;
        pred += (double)grad->data[j] * ((double)xp[j] - (double)xm[j]);
        scale += fabs((double)grad->data[j]) * ((double)xp[j] - (double)xm[j] > 0 ? (double)xp[j] - xm[j]
                                                                                 : (double)xm[j] - xp[j]);
    }
    nn_set_grad_enabled(ctx, 0);
    memcpy(x->data, xp, x->numel * sizeof(float));
    yp = c->call(ctx, c);
    fp = yp ? weighted_sum(yp, gout, &noise) : 0;
    memcpy(x->data, xm, x->numel * sizeof(float));
    ym = c->call(ctx, c);
    fm = ym ? weighted_sum(ym, gout, &noise) : 0;
    memcpy(x->data, orig, x->numel * sizeof(float));
    nn_set_grad_enabled(ctx, 1);
    if (CHECK(yp && ym)) {
        char expr[96];
        snprintf(expr, sizeof expr, "finite difference of %s.%d input %d", c->op, c->k, i);
        test_check_near(pred, fp - fm, 1e-3 * scale + noise, 0, __FILE__, __LINE__, expr);
    }
    free(orig);
    free(xp);
    free(xm);
}

int run_op_in(const golden_file *g, const char *op, int fd, op_call call)
{
    int k, count = 0;
    nn_ctx *ctx = nn_ctx_new(0);
    if (!CHECK(g->n > 0) || !CHECK(ctx != NULL)) {
        nn_ctx_free(ctx);
        return 0;
    }
    for (k = 0; gfind(g, "%s.%d.out", op, k); k++) {
        op_case c;
        const golden_tensor *out = gfind(g, "%s.%d.out", op, k), *gout = gfind(g, "%s.%d.gout", op, k);
        const golden_tensor *gin[MAX_IN];
        nn_tensor *y, *grads[MAX_IN], *with_grad[MAX_IN];
        int i, n_grad = 0, idx[MAX_IN];
        char what[96];
        memset(&c, 0, sizeof c);
        c.g = g;
        c.call = call;
        c.op = op;
        c.k = k;
        c.cfg = gfind(g, "%s.%d.cfg", op, k)->data;
        c.rm = gfind(g, "%s.%d.rm", op, k);
        c.rv = gfind(g, "%s.%d.rv", op, k);
        nn_ctx_reset(ctx);
        for (i = 0; i < MAX_IN && gfind(g, "%s.%d.in%d", op, k, i); i++) {
            c.in[i] = to_tensor(ctx, gfind(g, "%s.%d.in%d", op, k, i));
            gin[i] = gfind(g, "%s.%d.grad.in%d", op, k, i);
            if (gin[i]) {
                nn_tensor_set_requires_grad(c.in[i], 1);
                idx[n_grad] = i;
                with_grad[n_grad++] = c.in[i];
            }
        }
        c.n_in = i;
        count++;
        y = call(ctx, &c);
        if (!CHECK_EQ_STR("", nn_ctx_error(ctx)->msg) || !CHECK(y != NULL)) continue;
        snprintf(what, sizeof what, "%s.%d.out", op, k);
        if (!CHECK_EQ_INT((long long)out->numel, (long long)y->numel)) continue;
        near_all(out->data, y->data, y->numel, 1e-5, 1e-4, what);
        if (c.rm) {
            snprintf(what, sizeof what, "%s.%d.running_mean", op, k);
            near_all(gfind(g, "%s.%d.rm_after", op, k)->data, c.rm_t->data, c.rm_t->numel, 1e-5, 1e-4, what);
            snprintf(what, sizeof what, "%s.%d.running_var", op, k);
            near_all(gfind(g, "%s.%d.rv_after", op, k)->data, c.rv_t->data, c.rv_t->numel, 1e-5, 1e-4, what);
        }
        {
            nn_tensor *gy = to_tensor(ctx, gout);
            if (!CHECK_EQ_INT(0, nn_grad(ctx, 1, &y, n_grad, with_grad, &gy, 0, grads))) continue;
        }
        for (i = 0; i < n_grad; i++) {
            const golden_tensor *e = gin[idx[i]];
            snprintf(what, sizeof what, "%s.%d.grad.in%d", op, k, idx[i]);
            if (!CHECK_EQ_INT((long long)e->numel, (long long)grads[i]->numel)) continue;
            near_all(e->data, grads[i]->data, e->numel, 1e-5 * max_abs(e->data, e->numel), 1e-4, what);
            if (fd) fd_check(ctx, &c, idx[i], gout, grads[i]);
        }
    }
    nn_ctx_free(ctx);
    return count;
}

static int run_op(const char *op, int fd)
{
    return run_op_in(ops(), op, fd, call_op);
}

#define OP_TEST(name, min_cases)                                 \
    static void golden_##name(void) { CHECK(run_op(#name, 1) >= (min_cases)); }
#define OP2_TEST(name, min_cases)                                \
    static void golden_##name(void) { CHECK(run_op_in(ops2(), #name, 1, call_op) >= (min_cases)); }

OP_TEST(add, 3)
OP_TEST(sub, 3)
OP_TEST(mul, 3)
OP_TEST(div, 3)
OP_TEST(scale, 3)
OP_TEST(add_scalar, 3)
OP_TEST(div_scalar, 3)
OP_TEST(square, 3)
OP_TEST(sqrt, 3)
OP_TEST(rsqrt, 3)
OP_TEST(abs, 3)
OP_TEST(exp, 3)
OP_TEST(log, 3)
OP_TEST(relu, 3)
OP_TEST(leaky_relu, 3)
OP_TEST(tanh, 3)
OP_TEST(sigmoid, 3)
OP_TEST(softplus, 3)
OP_TEST(clamp, 3)
OP_TEST(sum, 3)
OP_TEST(mean, 3)
OP_TEST(sum_to, 3)
OP_TEST(mean_to, 3)
OP_TEST(matmul, 3)
OP_TEST(linear, 3)
OP_TEST(conv2d, 3)
OP_TEST(conv_transpose2d, 3)
OP_TEST(batch_norm2d, 3)
OP_TEST(bce_with_logits_loss, 3)
OP_TEST(mse_loss, 3)
OP_TEST(l1_loss, 3)
OP2_TEST(narrow, 3)
OP2_TEST(concat, 3)
OP2_TEST(permute, 3)
OP2_TEST(avg_pool2d, 3)
OP2_TEST(upsample_nearest, 3)
OP2_TEST(upsample_bilinear, 3)
OP2_TEST(dropout, 3)
OP2_TEST(instance_norm2d, 3)
OP2_TEST(pixel_norm, 3)
OP2_TEST(hinge_loss, 3)
OP2_TEST(cross_entropy_loss, 3)

/* BCE's case 1 holds inputs of exactly 0 and 1 (the log clamp), where a
 * finite difference would step outside [0, 1]: goldens only there. */
static void golden_bce_loss(void)
{
    CHECK(run_op("bce_loss", 0) >= 3);
}

/* ---- optimizers against torch.optim, 3 steps with given gradients -------- */

static void optim_golden(const char *name)
{
    golden_file g;
    nn_params P;
    nn_tensor *p[2];
    nn_adam adam;
    nn_sgd sgd;
    g99_error err;
    int shape0[2] = { 3, 4 }, shape1[1] = { 5 }, step, i;
    if (!CHECK_EQ_INT(0, golden_load("golden/nn/ops.safetensors", &g))) return;
    nn_params_init(&P);
    p[0] = nn_params_add(&P, "p0", NN_PARAM, 2, shape0, &err);
    p[1] = nn_params_add(&P, "p1", NN_PARAM, 1, shape1, &err);
    if (!CHECK(p[0] && p[1]) || !CHECK_EQ_INT(0, nn_params_alloc(&P, &err))) goto done;
    for (i = 0; i < 2; i++) memcpy(p[i]->data, gfind(&g, "%s.p%d", name, i)->data, p[i]->numel * sizeof(float));
    if (name[0] == 'a') CHECK_EQ_INT(0, nn_adam_init(&adam, &P, 0.01f, 0.5f, 0.999f, 1e-8f, &err));
    else CHECK_EQ_INT(0, nn_sgd_init(&sgd, &P, 0.1f, 0.9f, &err));
    for (step = 0; step < 3; step++) {
        for (i = 0; i < 2; i++)
            memcpy(p[i]->grad, gfind(&g, "%s.g%d.%d", name, i, step)->data, p[i]->numel * sizeof(float));
        if (name[0] == 'a') CHECK_EQ_INT(0, nn_adam_step(&adam, &P, &err));
        else CHECK_EQ_INT(0, nn_sgd_step(&sgd, &P, &err));
        for (i = 0; i < 2; i++) {
            char what[64];
            snprintf(what, sizeof what, "%s step %d p%d", name, step, i);
            near_all(gfind(&g, "%s.p%d.%d", name, i, step)->data, p[i]->data, p[i]->numel, 1e-6, 1e-5, what);
        }
    }
    if (name[0] == 'a') nn_adam_free(&adam);
    else nn_sgd_free(&sgd);
done:
    nn_params_free(&P);
    golden_free(&g);
}

static void golden_adam(void) { optim_golden("adam"); }
static void golden_sgd(void) { optim_golden("sgd"); }

/* ---- R1 (doc/models.md §7): a gradient of a gradient, against PyTorch ------ */

static void golden_r1_penalty(void)
{
    static const char *const names[4] = { "conv.weight", "conv.bias", "fc.weight", "fc.bias" };
    golden_file g;
    nn_params P;
    nn_tensor *prm[4], *x, *h, *out, *s, *gx, *r1;
    nn_ctx *ctx = nn_ctx_new(0);
    nn_conv_opts o;
    g99_error err;
    int i, flat[2] = { 2, 36 };
    if (!CHECK(ctx) || !CHECK_EQ_INT(0, golden_load("golden/nn/r1.safetensors", &g))) {
        nn_ctx_free(ctx);
        return;
    }
    nn_params_init(&P);
    for (i = 0; i < 4; i++) {
        const golden_tensor *t = gfind(&g, "%s", names[i]);
        prm[i] = nn_params_add(&P, names[i], NN_PARAM, t->ndim, t->shape, &err);
    }
    if (!CHECK_EQ_INT(0, nn_params_alloc(&P, &err))) goto done;
    for (i = 0; i < 4; i++) memcpy(prm[i]->data, gfind(&g, "%s", names[i])->data, prm[i]->numel * sizeof(float));

    memset(&o, 0, sizeof o);
    o.stride = 2;
    o.padding = 1;
    x = to_tensor(ctx, gfind(&g, "x"));
    nn_tensor_set_requires_grad(x, 1);
    h = nn_leaky_relu(ctx, nn_conv2d(ctx, x, prm[0], prm[1], &o), 0.2f);
    out = nn_linear(ctx, nn_reshape(ctx, h, 2, flat), prm[2], prm[3]);
    s = nn_sum(ctx, out);
    if (!CHECK(s != NULL) || !CHECK_EQ_INT(0, nn_grad(ctx, 1, &s, 1, &x, NULL, 1, &gx))) goto done;
    r1 = nn_scale(ctx, nn_sum(ctx, nn_square(ctx, gx)), 10.0f / 2.0f);
    if (!CHECK(r1 != NULL)) goto done;
    near_all(gfind(&g, "d_out")->data, out->data, out->numel, 1e-5, 1e-4, "D(x)");
    near_all(gfind(&g, "grad_x")->data, gx->data, gx->numel, 1e-5, 1e-4, "dD/dx");
    near_all(gfind(&g, "r1")->data, r1->data, 1, 1e-5, 1e-4, "R1");
    nn_params_zero_grad(&P);
    if (!CHECK_EQ_INT(0, nn_backward(ctx, r1, 0))) goto done;
    for (i = 0; i < 4; i++) {
        const golden_tensor *e = gfind(&g, "grad.%s", names[i]);
        near_all(e->data, prm[i]->grad, e->numel, 1e-5 * max_abs(e->data, e->numel), 1e-4, names[i]);
    }
done:
    CHECK_EQ_STR("", nn_ctx_error(ctx)->msg);
    nn_params_free(&P);
    golden_free(&g);
    nn_ctx_free(ctx);
}

static void free_goldens(void)
{
    golden_free(&ops_golden);
    golden_free(&ops2_golden);
    CHECK(1);
}

const test_case nn_ops_tests[] = {
    TEST(golden_add), TEST(golden_sub), TEST(golden_mul), TEST(golden_div),
    TEST(golden_scale), TEST(golden_add_scalar), TEST(golden_div_scalar),
    TEST(golden_square), TEST(golden_sqrt), TEST(golden_rsqrt), TEST(golden_abs),
    TEST(golden_exp), TEST(golden_log), TEST(golden_relu), TEST(golden_leaky_relu),
    TEST(golden_tanh), TEST(golden_sigmoid), TEST(golden_softplus), TEST(golden_clamp),
    TEST(golden_sum), TEST(golden_mean), TEST(golden_sum_to), TEST(golden_mean_to),
    TEST(golden_matmul), TEST(golden_linear), TEST(golden_conv2d), TEST(golden_conv_transpose2d),
    TEST(golden_batch_norm2d), TEST(golden_bce_loss), TEST(golden_bce_with_logits_loss),
    TEST(golden_mse_loss), TEST(golden_l1_loss),
    TEST(golden_narrow), TEST(golden_concat), TEST(golden_permute), TEST(golden_avg_pool2d),
    TEST(golden_upsample_nearest), TEST(golden_upsample_bilinear), TEST(golden_dropout),
    TEST(golden_instance_norm2d), TEST(golden_pixel_norm), TEST(golden_hinge_loss),
    TEST(golden_cross_entropy_loss),
    TEST(golden_adam), TEST(golden_sgd), TEST(golden_r1_penalty),
    TEST(free_goldens),
    TEST_END
};
