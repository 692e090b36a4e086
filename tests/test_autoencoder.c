/* The autoencoder (gan/autoencoder.c, gan/arch_autoencoder.c) and
 * nn_max_pool2d against PyTorch, from the files
 * golden/tools/autoencoder_golden.py writes (see there): case a is 32x32
 * RGB, nf 4, strided, dropout 0.5 with PyTorch's masks replayed, L1; case
 * b is 32 wide and 64 high, grey, nf 4, --pool, MSE. Then the family
 * through gan_train_run: rows of input | output, a falling loss, a resume.
 *
 * Tolerances as tests/test_dcgan.c's (doc/design.md §7.2): losses, outputs
 * and parameters 1e-5 absolute + 1e-4 relative; gradients 1e-4 relative +
 * 1e-5 of the tensor's largest magnitude. The test prints the worst
 * fractions. */
#include "test.h"
#include "nn_golden.h"
#include "../gan/gan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- nn_max_pool2d ------------------------------------------------------------ */

static nn_tensor *call_pool(nn_ctx *ctx, op_case *c)
{
    nn_pool_opts o;
    memset(&o, 0, sizeof o);
    o.kernel = (int)c->cfg[0];
    o.stride = (int)c->cfg[1];
    o.padding = (int)c->cfg[2];
    return nn_max_pool2d(ctx, c->in[0], &o);
}

/* Forward and gradient of every case (ties, padding) equal PyTorch's; no
 * finite differences here, ties have no derivative. A window of -infs
 * gives -inf and its gradient to its first element: the same bits. */
static void max_pool_matches_pytorch(void)
{
    golden_file g;
    nn_ctx *ctx = nn_ctx_new(0);
    const golden_tensor *in, *gout, *out, *gin;
    nn_tensor *x, *y, *gy, *gx;
    nn_pool_opts o;
    size_t i;
    if (golden_load("golden/autoencoder/max_pool.safetensors", &g) == 0) {
        CHECK(run_op_in(&g, "pool", 0, call_pool) >= 4);
        in = gfind(&g, "poolinf.0.in0");
        gout = gfind(&g, "poolinf.0.gout");
        out = gfind(&g, "poolinf.0.out");
        gin = gfind(&g, "poolinf.0.grad.in0");
        if (CHECK(in && gout && out && gin && ctx)) {
            memset(&o, 0, sizeof o);
            o.kernel = 2;
            x = to_tensor(ctx, in);
            nn_tensor_set_requires_grad(x, 1);
            y = nn_max_pool2d(ctx, x, &o);
            gy = to_tensor(ctx, gout);
            if (CHECK(y && y->numel == out->numel) && CHECK_EQ_INT(0, nn_grad(ctx, 1, &y, 1, &x, &gy, 0, &gx))) {
                for (i = 0; i < y->numel; i++) CHECK_EQ_FBITS(out->data[i], y->data[i]);
                for (i = 0; i < gx->numel; i++) CHECK_EQ_FBITS(gin->data[i], gx->data[i]);
            }
        }
    }
    golden_free(&g);
    nn_ctx_free(ctx);
}

/* Finite differences where every window's maximum stands 0.1 clear of the
 * rest (x a permutation of 0.1 k), and the gradient of the gradient: the
 * backward is a scatter to the winners, so d/dgy sum(w * dx) is w at the
 * winners (hand-derived). */
static void max_pool_finite_differences(void)
{
    nn_ctx *ctx = nn_ctx_new(0);
    int s[4] = { 2, 2, 6, 7 }, k, n = 2 * 2 * 6 * 7;
    nn_pool_opts o;
    nn_rng r;
    nn_tensor *x, *y, *gy, *gx, *w, *l, *ggy;
    uint32_t perm[168];
    const float h = 1e-3f;
    memset(&o, 0, sizeof o);
    o.kernel = 3;
    o.stride = 2;
    o.padding = 1;
    nn_rng_init(&r, 1, 2);
    for (k = 0; k < n; k++) perm[k] = (uint32_t)k;
    nn_rng_shuffle(&r, perm, (size_t)n);
    x = nn_tensor_new(ctx, 4, s);
    for (k = 0; k < n; k++) x->data[k] = 0.1f * (float)perm[k] - 8.0f;
    nn_tensor_set_requires_grad(x, 1);
    y = nn_max_pool2d(ctx, x, &o);
    if (!CHECK(y != NULL)) goto done;
    CHECK_EQ_INT(3, y->shape[2]);
    CHECK_EQ_INT(4, y->shape[3]);
    gy = nn_tensor_new(ctx, 4, y->shape);
    for (k = 0; k < (int)gy->numel; k++) gy->data[k] = nn_rng_uniform(&r) * 2 - 1;
    nn_tensor_set_requires_grad(gy, 1);
    if (!CHECK_EQ_INT(0, nn_grad(ctx, 1, &y, 1, &x, &gy, 1, &gx))) goto done;
    for (k = 0; k < n; k += 5) {   /* d sum(gy y) / dx_k by central differences */
        float keep = x->data[k];
        double fp = 0, fm = 0;
        size_t j;
        int prev = nn_set_grad_enabled(ctx, 0);
        x->data[k] = keep + h;
        y = nn_max_pool2d(ctx, x, &o);
        for (j = 0; y && j < y->numel; j++) fp += (double)gy->data[j] * y->data[j];
        x->data[k] = keep - h;
        y = nn_max_pool2d(ctx, x, &o);
        for (j = 0; y && j < y->numel; j++) fm += (double)gy->data[j] * y->data[j];
        x->data[k] = keep;
        nn_set_grad_enabled(ctx, prev);
        CHECK_NEAR((fp - fm) / (2 * h), gx->data[k], 2e-3, 0);
    }
    /* second order: l = sum(w * gx) is linear in gy, dl/dgy[o] = w[winner(o)] */
    w = nn_tensor_new(ctx, 4, s);
    for (k = 0; k < n; k++) w->data[k] = (float)k;
    l = nn_sum(ctx, nn_mul(ctx, gx, w));
    if (!CHECK_EQ_INT(0, nn_grad(ctx, 1, &l, 1, &gy, NULL, 0, &ggy))) goto done;
    y = nn_max_pool2d(ctx, x, &o);
    /* the winner of each window is the element equal to the output */
    for (k = 0; k < (int)y->numel; k++) {
        int plane = k / 12, j, found = -1;
        for (j = 0; j < 42; j++)
            if (x->data[plane * 42 + j] == y->data[k]) found = plane * 42 + j;
        CHECK_EQ_INT(found, (int)ggy->data[k]);
    }
done:
    CHECK_EQ_STR("", nn_ctx_error(ctx)->msg);
    nn_ctx_free(ctx);
}

/* ---- the model ------------------------------------------------------------------ */

static const gan_autoencoder_config cfg_a = { 32, 32, 3, 4, 0, 0 };
static const gan_autoencoder_config cfg_b = { 32, 64, 1, 4, 0, 1 };

/* The state_dict of case a, derived by hand from the layer list in gan.h:
 * depth 3 (32 -> 16 -> 8 -> 4), widths 4, 8, 16. */
static void names_and_shapes(void)
{
    static const struct {
        const char *name;
        int ndim, s0, s1;
    } want[] = {
        { "encoder.0.weight", 4, 4, 3 },
        { "encoder.3.weight", 4, 8, 4 }, { "encoder.4.weight", 1, 8, 1 }, { "encoder.4.bias", 1, 8, 1 },
        { "encoder.4.running_mean", 1, 8, 1 }, { "encoder.4.running_var", 1, 8, 1 },
        { "encoder.4.num_batches_tracked", 0, 1, 1 },
        { "encoder.7.weight", 4, 16, 8 }, { "encoder.8.weight", 1, 16, 1 }, { "encoder.8.bias", 1, 16, 1 },
        { "encoder.8.running_mean", 1, 16, 1 }, { "encoder.8.running_var", 1, 16, 1 },
        { "encoder.8.num_batches_tracked", 0, 1, 1 },
        { "decoder.0.weight", 4, 16, 8 }, { "decoder.1.weight", 1, 8, 1 }, { "decoder.1.bias", 1, 8, 1 },
        { "decoder.1.running_mean", 1, 8, 1 }, { "decoder.1.running_var", 1, 8, 1 },
        { "decoder.1.num_batches_tracked", 0, 1, 1 },
        { "decoder.3.weight", 4, 8, 4 }, { "decoder.4.weight", 1, 4, 1 }, { "decoder.4.bias", 1, 4, 1 },
        { "decoder.4.running_mean", 1, 4, 1 }, { "decoder.4.running_var", 1, 4, 1 },
        { "decoder.4.num_batches_tracked", 0, 1, 1 },
        { "decoder.6.weight", 4, 4, 3 }, { "decoder.6.bias", 1, 3, 1 },
    };
    gan_autoencoder m;
    g99_error err;
    size_t i, n = sizeof want / sizeof want[0];
    nn_st_file *f;
    if (!CHECK_EQ_INT(0, gan_autoencoder_init(&m, &cfg_a, &err))) return;
    CHECK_EQ_INT(3, m.cfg.depth);
    if (CHECK_EQ_U64(n, m.p.n))
        for (i = 0; i < n; i++) {
            const nn_tensor *t = m.p.t[i];
            CHECK_EQ_STR(want[i].name, t->name);
            CHECK_EQ_INT(want[i].ndim, t->ndim);
            CHECK_EQ_INT(want[i].s0, t->shape[0]);
            if (want[i].ndim == 4) {
                CHECK_EQ_INT(want[i].s1, t->shape[1]);
                CHECK_EQ_INT(4, t->shape[2]);
            }
        }
    /* PyTorch's module has the same keys */
    if (CHECK_EQ_INT(0, nn_st_load("golden/autoencoder/a_init.safetensors", NN_ST_MAX_FILE, &f, &err))) {
        CHECK_EQ_U64(n, f->n_tensors);
        for (i = 0; i < n; i++) CHECK(nn_st_find(f, want[i].name) != NULL);
        nn_st_free(f);
    }
    gan_autoencoder_free(&m);
    /* --pool: 3x3 convs, a MaxPool2d after each LReLU shifts the indices */
    if (CHECK_EQ_INT(0, gan_autoencoder_init(&m, &cfg_b, &err))) {
        CHECK(nn_params_find(&m.p, "encoder.4.weight") != NULL);   /* 0 conv 1 lrelu 2 pool 3 dropout 4 conv */
        CHECK(nn_params_find(&m.p, "encoder.5.running_var") != NULL);
        CHECK(nn_params_find(&m.p, "encoder.9.weight") != NULL);
        CHECK_EQ_INT(3, nn_params_find(&m.p, "encoder.0.weight")->shape[3]);
        CHECK_EQ_INT(1, nn_params_find(&m.p, "decoder.6.weight")->shape[1]);
        gan_autoencoder_free(&m);
    }
}

/* DCGAN's weights_init: one N(0, 0.02) fill per conv weight, N(1, 0.02)
 * per BN gamma, in state_dict order from NN_STREAM_INIT; the rest at its
 * construction value. The draws are replayed here from the stream. */
static void initialization(void)
{
    gan_autoencoder m;
    g99_error err;
    nn_rng r, mine;
    size_t i, j;
    int bad = 0;
    if (!CHECK_EQ_INT(0, gan_autoencoder_init(&m, &cfg_a, &err))) return;
    nn_rng_init(&r, 9, NN_STREAM_INIT);
    gan_autoencoder_weights_init(&m, &r);
    nn_rng_init(&mine, 9, NN_STREAM_INIT);
    for (i = 0; i < m.p.n; i++) {
        const nn_tensor *t = m.p.t[i];
        const char *leaf = strrchr(t->name, '.') + 1;
        float *e = (float *)malloc(t->numel * sizeof(float));
        if (!e) break;
        if (!strcmp(leaf, "weight")) nn_rng_fill_normal(&mine, e, t->numel, t->ndim == 4 ? 0.0f : 1.0f, 0.02f);
        else for (j = 0; j < t->numel; j++) e[j] = !strcmp(leaf, "running_var") ? 1.0f : 0.0f;
        for (j = 0; j < t->numel; j++) bad += e[j] != t->data[j];
        free(e);
    }
    CHECK_EQ_INT(0, bad);
    gan_autoencoder_free(&m);
}

/* Sizes that cannot halve are refused with sizes that can. */
static void bad_sizes_are_refused(void)
{
    gan_autoencoder_config c = cfg_a;
    gan_autoencoder m;
    g99_error err;
    c.width = 63;
    CHECK_EQ_INT(G99_EINVAL, gan_autoencoder_init(&m, &c, &err));
    CHECK_CONTAINS("--size 63x32 cannot be halved", err.msg);
    CHECK_CONTAINS("56x32 or 64x32 would work", err.msg);
    c.width = 48;
    c.height = 64;
    c.depth = 5;
    CHECK_EQ_INT(G99_EINVAL, gan_autoencoder_init(&m, &c, &err));
    CHECK_CONTAINS("--depth 5 halves each side 5 times, so both must be multiples of 32 (32x64 or 64x64 would work)",
                   err.msg);
    c.depth = 0;
    CHECK_EQ_INT(3, gan_autoencoder_default_depth(48, 64));   /* 6x8 */
    CHECK_EQ_INT(4, gan_autoencoder_default_depth(64, 64));
    CHECK_EQ_INT(0, gan_autoencoder_default_depth(7, 64));
    c.channels = 2;
    CHECK_EQ_INT(G99_EINVAL, gan_autoencoder_init(&m, &c, &err));
    CHECK_CONTAINS("--channels is 1 or 3", err.msg);
}

/* ---- against PyTorch: forward, gradients, 3 Adam steps ---------------------------- */

/* Every tensor of p (values, or .grad) against "<prefix><key>"; the worst ratio. */
static double compare_params(const nn_st_file *f, const nn_params *p, const char *prefix, int grads)
{
    double w = 0;
    size_t i;
    for (i = 0; i < p->n; i++) {
        const nn_tensor *t = p->t[i];
        char name[128];
        float *e;
        double r;
        if (grads && p->kind[i] != NN_PARAM) continue;
        snprintf(name, sizeof name, "%s%s", prefix, t->name);
        if (p->kind[i] == NN_COUNTER) {
            const nn_st_tensor *s = nn_st_find(f, name);
            if (CHECK(s && s->dtype == NN_ST_I64)) CHECK_EQ_INT((long long)g99_load_le64(s->data), (long long)t->data[0]);
            continue;
        }
        if (!(e = golden_floats(f, name, t->numel))) return 1e30;
        r = golden_worst(e, grads ? t->grad : t->data, t->numel, grads ? 1e-5 * max_abs(e, t->numel) : 1e-5, 1e-4, 0);
        if (!(r <= 1.0)) {
            fprintf(stderr, "    %s: worst error %.3g of the tolerance\n", name, r);
            CHECK(r <= 1.0);
        }
        if (!(r <= w)) w = r;
        free(e);
    }
    return w;
}

static void against_pytorch(const char *name, const gan_autoencoder_config *cfg, float p, int mse)
{
    gan_autoencoder m;
    g99_error err;
    nn_st_file *f = NULL;
    nn_adam adam;
    nn_ctx *ctx = nn_ctx_new(0);
    char path[96];
    float *input = NULL, *loss = NULL, *out = NULL;
    int s[4], step, i;
    size_t numel;
    double wo = 0, wl = 0, wg = 0, wp = 0;
    memset(&adam, 0, sizeof adam);
    s[0] = 4;
    s[1] = cfg->channels;
    s[2] = cfg->height;
    s[3] = cfg->width;
    numel = (size_t)4 * cfg->channels * cfg->height * cfg->width;
    if (!CHECK(ctx) || !CHECK_EQ_INT(0, gan_autoencoder_init(&m, cfg, &err))) {
        nn_ctx_free(ctx);
        return;
    }
    snprintf(path, sizeof path, "golden/autoencoder/%s_init.safetensors", name);
    if (!CHECK_EQ_INT(0, nn_checkpoint_load(path, &m.p, NULL, &err))) goto done;
    snprintf(path, sizeof path, "golden/autoencoder/%s_train.safetensors", name);
    if (!CHECK_EQ_INT(0, nn_st_load(path, NN_ST_MAX_FILE, &f, &err))) goto done;
    input = golden_floats(f, "input", numel);
    out = golden_floats(f, "out", numel);
    loss = golden_floats(f, "loss", 6);
    if (!input || !out || !loss) goto done;
    CHECK_EQ_INT(0, nn_adam_init(&adam, &m.p, 2e-4f, 0.5f, 0.999f, 1e-8f, &err));
    for (step = 0; step < 3; step++) {
        nn_tensor *keep[GAN_AE_MAX_DEPTH], *x, *y, *l[2];
        gan_autoencoder_dropout drop;
        nn_ctx_reset(ctx);
        nn_params_zero_grad(&m.p);
        for (i = 0; i < m.cfg.depth; i++) {
            const nn_st_tensor *t = NULL;
            char key[32];
            int ks[4], d;
            snprintf(key, sizeof key, "keep.%d.%d", step, i);
            keep[i] = NULL;
            if (p > 0 && CHECK((t = nn_st_find(f, key)) != NULL)) {
                for (d = 0; d < 4; d++) ks[d] = (int)t->shape[d];
                keep[i] = nn_tensor_new(ctx, 4, ks);
                nn_st_read_f32(t, keep[i]->data, keep[i]->numel, &err);
            }
        }
        drop.p = p;
        drop.rng = NULL;
        drop.keep = keep;
        x = nn_tensor_from(ctx, 4, s, input);
        y = gan_autoencoder_forward(ctx, &m, x, 1, &drop);
        if (!CHECK(y != NULL)) break;
        if (step == 0) {
            wo = golden_worst(out, y->data, numel, 1e-5, 1e-4, 0);
            CHECK(wo <= 1.0);
        }
        l[0] = nn_l1_loss(ctx, y, x);
        l[1] = nn_mse_loss(ctx, y, x);
        if (!CHECK_EQ_INT(0, nn_backward(ctx, l[mse], 0))) break;
        for (i = 0; i < 2; i++) {
            double r = golden_worst(&loss[step * 2 + i], l[i]->data, 1, 1e-5, 1e-4, 0);
            CHECK(r <= 1.0);
            if (r > wl) wl = r;
        }
        if (step == 0) wg = compare_params(f, &m.p, "grad.", 1);
        CHECK_EQ_INT(0, nn_adam_step(&adam, &m.p, &err));
    }
    wp = compare_params(f, &m.p, "after.", 0);
    printf("  autoencoder %s golden: worst error as a fraction of its tolerance: output %.3f, losses %.3f, "
           "first-step gradients %.3f, parameters after 3 steps %.3f\n", name, wo, wl, wg, wp);
done:
    CHECK_EQ_STR("", nn_ctx_error(ctx)->msg);
    free(input);
    free(out);
    free(loss);
    nn_st_free(f);
    nn_adam_free(&adam);
    gan_autoencoder_free(&m);
    nn_ctx_free(ctx);
}

static void case_a_matches_pytorch(void) { against_pytorch("a", &cfg_a, 0.5f, 0); }
static void case_b_matches_pytorch(void) { against_pytorch("b", &cfg_b, 0.0f, 1); }

/* PyTorch's state_dict, as a model file, loads through the family registry. */
static void pytorch_file_is_a_model_file(void)
{
    const gan_family *f;
    gan_model *m;
    gan_values v;
    gan_geometry g;
    g99_error err;
    if (!CHECK_EQ_INT(0, gan_model_load("golden/autoencoder/b_init.safetensors", &f, &m, &v, &err))) {
        fprintf(stderr, "    %s\n", err.msg);
        return;
    }
    CHECK(f == &gan_family_autoencoder);
    f->geometry(m, &g);
    CHECK_EQ_INT(32, g.width);
    CHECK_EQ_INT(64, g.height);
    CHECK_EQ_INT(1, g.channels);
    CHECK_EQ_INT(1, g.cond_channels);
    CHECK_EQ_INT(0, g.latent);
    CHECK_EQ_INT(1, (int)v.v[gan_option_find(f, "pool")]);
    f->destroy(m);
}

/* ---- the family through the run loop ------------------------------------------ */

static void clear(const char *dir)
{
    static const char *const names[] = { "checkpoint.safetensors", "model.safetensors", "loss.csv", "loss.png",
                                         "progress.gif", "lock", "val.csv", NULL };
    char p[700];
    int k;
    for (k = 0; names[k]; k++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[k]);
        remove(p);
    }
    for (k = 1; k <= 60; k++) {
        snprintf(p, sizeof p, "%s/samples/step_%07d.png", dir, k);
        remove(p);
    }
}

static int same(const char *a, const char *b)
{
    uint8_t *x = NULL, *y = NULL;
    size_t nx = 0, ny = 0;
    int eq = g99_read_file(a, (size_t)1 << 26, &x, &nx, NULL) == 0 && g99_read_file(b, (size_t)1 << 26, &y, &ny, NULL) == 0 &&
             nx == ny && memcmp(x, y, nx) == 0;
    free(x);
    free(y);
    return eq;
}

/* Mean of loss.csv's first column over rows [from, to) (row 0 the header). */
static double mean_l1(const char *csv, int from, int to)
{
    uint8_t *d = NULL;
    size_t n = 0, i = 0;
    int row = 0, count = 0;
    double sum = 0;
    if (g99_read_file(csv, 1 << 20, &d, &n, NULL)) return -1;
    while (i < n) {
        const char *line = (const char *)d + i;
        const char *comma = strchr(line, ',');
        if (row >= from && row < to && comma) {
            sum += strtod(comma + 1, NULL);
            count++;
        }
        while (i < n && d[i] != '\n') i++;
        i++;
        row++;
    }
    free(d);
    return count ? sum / count : -1;
}

static void small_run(gan_train_opts *o, const char *out, uint64_t steps)
{
    const gan_family *f = &gan_family_autoencoder;
    memset(o, 0, sizeof *o);
    o->family = f;
    gan_values_default(f, &o->values);
    o->values.v[gan_option_find(f, "width")] = 32;
    o->values.v[gan_option_find(f, "height")] = 16;
    o->values.v[gan_option_find(f, "nf")] = 4;
    o->values.v[gan_option_find(f, "dropout")] = 0.1;   /* the dropout generator goes into the checkpoint */
    o->values.v[gan_option_find(f, "lr")] = 2e-3;
    o->data = "synth:8";
    o->out = out;
    o->batch = 4;
    o->steps = steps;
    o->seed = 2;
    o->sample_every = 20;
    o->checkpoint_every = 10;
}

/* The loop gives the image as the input: rows of input | output, an L1
 * that falls, and a resume that gives the uninterrupted run's bytes. */
static void trains_through_the_run_loop(void)
{
    char a[512], b[512], pa[600], pb[600];
    gan_train_opts o;
    gan_train_result res;
    g99_error err;
    img_image grid;
    snprintf(a, sizeof a, "%s", test_tmp_path("run_ae_a"));
    snprintf(b, sizeof b, "%s", test_tmp_path("run_ae_b"));
    clear(a);
    clear(b);
    small_run(&o, a, 40);
    if (!CHECK_EQ_INT(0, gan_train_run(&o, &res, &err))) {
        fprintf(stderr, "    %s\n", err.msg);
        return;
    }
    snprintf(pa, sizeof pa, "%s/samples/step_0000040.png", a);
    if (CHECK_EQ_INT(0, img_png_load(pa, NULL, &grid, &err))) {
        CHECK_EQ_INT(2 + 2 * (32 + 2), grid.width);   /* input | output, margins of 2 */
        CHECK_EQ_INT(2 + 8 * (16 + 2), grid.height);  /* 8 rows */
        img_free(&grid);
    }
    snprintf(pa, sizeof pa, "%s/loss.csv", a);
    CHECK(mean_l1(pa, 36, 41) < 0.8 * mean_l1(pa, 1, 6));
    small_run(&o, b, 20);
    CHECK_EQ_INT(0, gan_train_run(&o, &res, &err));
    small_run(&o, b, 40);
    o.resume = 1;
    CHECK_EQ_INT(0, gan_train_run(&o, &res, &err));
    CHECK_EQ_U64(20, res.start);
    snprintf(pa, sizeof pa, "%s/checkpoint.safetensors", a);
    snprintf(pb, sizeof pb, "%s/checkpoint.safetensors", b);
    CHECK(same(pa, pb));
    snprintf(pa, sizeof pa, "%s/model.safetensors", a);
    snprintf(pb, sizeof pb, "%s/model.safetensors", b);
    CHECK(same(pa, pb));
}

const test_case autoencoder_tests[] = {
    TEST(max_pool_matches_pytorch),
    TEST(max_pool_finite_differences),
    TEST(names_and_shapes),
    TEST(initialization),
    TEST(bad_sizes_are_refused),
    TEST(case_a_matches_pytorch),
    TEST(case_b_matches_pytorch),
    TEST(pytorch_file_is_a_model_file),
    TEST(trains_through_the_run_loop),
    TEST_END,
};
