/* StyleGAN2 (gan/stylegan.c, gan/train_stylegan.c, gan/arch_stylegan.c)
 * against PyTorch: the files golden/tools/stylegan2_golden.py writes from
 * the plain-PyTorch rebuild of stylegan2-ada-pytorch
 * (golden/tools/stylegan2_ref.py): state_dict key lists, the mapping (with
 * w_avg and truncation), synthesis images and D logits with the gradients
 * of every parameter, one whole training iteration (four phases, R1 and
 * path length with double backward, the Adam steps, G_ema).
 *
 * Tolerances as tests/test_dcgan.c's and tests/test_pix2pix.c's
 * (doc/design.md §7.2): outputs and losses 1e-5 absolute + 1e-4 relative,
 * gradients 1e-4 relative + 1e-5 of the tensor's largest magnitude;
 * parameters after Adam steps 1e-5 + 1e-4. */
#include "test.h"
#include "nn_golden.h"
#include "../gan/gan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double seen_worst;

/* kind 0: an output (1e-5 + 1e-4 rel), 1: a gradient (1e-4 rel + 1e-5 of its largest) */
static int check_close(const nn_st_file *f, const char *name, const float *a, size_t n, int grads)
{
    float *e = golden_floats(f, name, n);
    double r;
    if (!e || !a) {
        free(e);
        return CHECK(0);
    }
    r = grads ? golden_worst(e, a, n, 1e-5, 1e-4, 1) : golden_worst(e, a, n, 1e-5, 1e-4, 0);
    if (!(r <= 1.0)) {
        size_t i;
        for (i = 0; i < n && i < 8; i++) fprintf(stderr, "    [%d] %.9g %.9g\n", (int)i, e[i], a[i]);
    }
    free(e);
    if (!(r <= seen_worst)) seen_worst = r;
    if (!(r <= 1.0)) fprintf(stderr, "    %s: worst error %.3g of the tolerance\n", name, r);
    return CHECK(r <= 1.0);
}

/* The table's keys as "key[d0,d1] ..." (the golden's metadata form). */
static void key_list(const nn_params *p, char *buf, size_t cap)
{
    size_t i, n = 0;
    buf[0] = '\0';
    for (i = 0; i < p->n && n < cap; i++) {
        const nn_tensor *t = p->t[i];
        int d;
        n += (size_t)snprintf(buf + n, cap - n, "%s%s[", i ? " " : "", t->name);
        for (d = 0; d < t->ndim && n < cap; d++) n += (size_t)snprintf(buf + n, cap - n, "%s%d", d ? "," : "", t->shape[d]);
        if (n < cap) n += (size_t)snprintf(buf + n, cap - n, "]");
    }
}

static int config_of(const nn_st_file *f, const char *c, gan_stylegan_config *cfg, int *batch)
{
    char name[32];
    float *v;
    snprintf(name, sizeof name, "%s.cfg", c);
    if (!(v = golden_floats(f, name, 9))) return 0;
    gan_stylegan_config_default(cfg, (int)v[0]);
    cfg->z_dim = (int)v[1];
    cfg->w_dim = (int)v[2];
    cfg->map_layers = (int)v[3];
    cfg->channel_base = (int)v[4];
    cfg->channel_max = (int)v[5];
    cfg->conv_clamp = v[6];
    cfg->mbstd_group = (int)v[7];
    *batch = (int)v[8];
    free(v);
    return 1;
}

static nn_tensor *golden_input(nn_ctx *ctx, const nn_st_file *f, const char *c, const char *what)
{
    char name[128];
    const nn_st_tensor *s;
    int shape[4], d;
    float *v;
    nn_tensor *t;
    snprintf(name, sizeof name, "%s.%s", c, what);
    s = nn_st_find(f, name);
    if (!CHECK(s != NULL) || !CHECK(s->rank <= 4)) return NULL;
    for (d = 0; d < s->rank; d++) shape[d] = (int)s->shape[d];
    if (!(v = golden_floats(f, name, s->numel))) return NULL;
    t = nn_tensor_from(ctx, s->rank, shape, v);
    free(v);
    return t;
}

/* Every trainable gradient of p against "<c>.grad.<which>.<key>". */
static void compare_grads(const nn_st_file *f, const nn_params *p, const char *c, const char *which)
{
    size_t i;
    for (i = 0; i < p->n; i++) {
        char name[256];
        if (p->kind[i] != NN_PARAM) continue;
        snprintf(name, sizeof name, "%s.grad.%s.%s", c, which, p->t[i]->name);
        check_close(f, name, p->t[i]->grad, p->t[i]->numel, 1);
    }
}

static void nets_case(const nn_st_file *f, const char *c)
{
    gan_stylegan_config cfg;
    gan_stylegan_g g;
    gan_stylegan_d d;
    nn_ctx *ctx = nn_ctx_new(0);
    nn_tensor *z, *ws, *img, *loss, *gws = NULL, *x, *logits;
    char *keys = (char *)malloc(1 << 16), meta[32], name[64];
    int batch;
    g99_error err;
    memset(&g, 0, sizeof g);
    memset(&d, 0, sizeof d);
    if (!CHECK(ctx && keys) || !config_of(f, c, &cfg, &batch)) goto done;
    if (!CHECK_EQ_INT(0, gan_stylegan_g_init(&g, &cfg, &err)) || !CHECK_EQ_INT(0, gan_stylegan_d_init(&d, &cfg, &err)))
        goto done;
    /* the reference's keys, shapes and order */
    key_list(&g.p, keys, 1 << 16);
    snprintf(meta, sizeof meta, "keys.G.%s", c);
    if (CHECK(nn_st_meta(f, meta) != NULL)) CHECK_EQ_STR(nn_st_meta(f, meta), keys);
    key_list(&d.p, keys, 1 << 16);
    snprintf(meta, sizeof meta, "keys.D.%s", c);
    if (CHECK(nn_st_meta(f, meta) != NULL)) CHECK_EQ_STR(nn_st_meta(f, meta), keys);
    CHECK_EQ_INT(2 * (int)round(log2(cfg.resolution)) - 2, g.num_ws);
    snprintf(name, sizeof name, "%s.G.", c);
    if (!golden_load_params(f, &g.p, name)) goto done;
    snprintf(name, sizeof name, "%s.D.", c);
    if (!golden_load_params(f, &d.p, name)) goto done;

    /* truncation (eval: w_avg kept), then the training mapping (w_avg moves) */
    z = golden_input(ctx, f, c, "z");
    ws = gan_stylegan_mapping(ctx, &g, z, 0.7f, 3, 0);
    snprintf(name, sizeof name, "%s.ws_trunc", c);
    if (CHECK(ws != NULL)) check_close(f, name, ws->data, ws->numel, 0);
    ws = gan_stylegan_mapping(ctx, &g, z, 1.0f, 0, 1);
    snprintf(name, sizeof name, "%s.ws", c);
    if (CHECK(ws != NULL)) check_close(f, name, ws->data, ws->numel, 0);
    snprintf(name, sizeof name, "%s.w_avg_after", c);
    check_close(f, name, g.w_avg->data, g.w_avg->numel, 0);

    /* synthesis with const noise; gradients of sum(img gimg) */
    img = gan_stylegan_synthesis(ctx, &g, ws, GAN_SG_NOISE_CONST, NULL);
    snprintf(name, sizeof name, "%s.img", c);
    if (!CHECK(img != NULL)) goto done;
    check_close(f, name, img->data, img->numel, 0);
    loss = nn_sum(ctx, nn_mul(ctx, img, golden_input(ctx, f, c, "gimg")));
    nn_params_zero_grad(&g.p);
    if (CHECK_EQ_INT(0, nn_grad(ctx, 1, &loss, 1, &ws, NULL, 0, &gws))) {
        snprintf(name, sizeof name, "%s.grad.ws", c);
        check_close(f, name, gws->data, gws->numel, 1);
    }
    if (CHECK_EQ_INT(0, nn_backward(ctx, loss, 0))) compare_grads(f, &g.p, c, "G");

    /* D */
    x = golden_input(ctx, f, c, "x");
    if (x) nn_tensor_set_requires_grad(x, 1);
    logits = gan_stylegan_discriminate(ctx, &d, x);
    snprintf(name, sizeof name, "%s.logits", c);
    if (!CHECK(logits != NULL)) goto done;
    check_close(f, name, logits->data, logits->numel, 0);
    loss = nn_sum(ctx, nn_mul(ctx, logits, golden_input(ctx, f, c, "glogits")));
    nn_params_zero_grad(&d.p);
    if (CHECK_EQ_INT(0, nn_backward(ctx, loss, 0))) {
        compare_grads(f, &d.p, c, "D");
        snprintf(name, sizeof name, "%s.grad.x", c);
        check_close(f, name, x->grad, x->numel, 1);
    }
done:
    if (ctx && nn_ctx_error(ctx)->code) fprintf(stderr, "    %s: %s\n", c, nn_ctx_error(ctx)->msg);
    gan_stylegan_g_free(&g);
    gan_stylegan_d_free(&d);
    nn_ctx_free(ctx);
    free(keys);
}

static void networks_match_pytorch(void)
{
    nn_st_file *f = NULL;
    g99_error err;
    if (!CHECK_EQ_INT(0, nn_st_load("golden/stylegan/nets.safetensors", NN_ST_MAX_FILE, &f, &err))) return;
    seen_worst = 0;
    nets_case(f, "a");
    nets_case(f, "b");
    nets_case(f, "c");
    printf("  stylegan networks vs PyTorch: worst error %.3f of the tolerance\n", seen_worst);
    nn_st_free(f);
}

static void config_checks(void)
{
    gan_stylegan_config c;
    g99_error err;
    gan_stylegan_config_default(&c, 64);
    CHECK_EQ_INT(0, gan_stylegan_check_config(&c, &err));
    CHECK_EQ_INT(10, gan_stylegan_num_ws(&c));
    CHECK_EQ_INT(512, gan_stylegan_channels(&c, 64));
    c.channel_base = 16384;
    CHECK_EQ_INT(256, gan_stylegan_channels(&c, 64));
    c.resolution = 48;
    CHECK_EQ_INT(G99_EINVAL, gan_stylegan_check_config(&c, &err));
    c.resolution = 8;
    CHECK_EQ_INT(G99_EINVAL, gan_stylegan_check_config(&c, &err));
    c.resolution = 256;
    CHECK_EQ_INT(0, gan_stylegan_check_config(&c, &err));
    CHECK_EQ_INT(14, gan_stylegan_num_ws(&c));
    c.channel_base = 128;   /* no channel at 256 */
    CHECK_EQ_INT(G99_EINVAL, gan_stylegan_check_config(&c, &err));
}

/* ---- one training iteration ---------------------------------------------- */

typedef struct feed {
    const nn_st_file *f;
    float *draws, *cutoffs;
    size_t n_draws, used, n_cut, cut_used;
    int overrun;
    uint64_t *step;
} feed;

static void feed_normal(void *user, float *dst, size_t n)
{
    feed *fd = (feed *)user;
    if (fd->used + n > fd->n_draws) {
        fd->overrun = 1;
        memset(dst, 0, n * sizeof *dst);
        return;
    }
    memcpy(dst, fd->draws + fd->used, n * sizeof *dst);
    fd->used += n;
}

static int feed_cutoff(void *user, int num_ws)
{
    feed *fd = (feed *)user;
    (void)num_ws;
    if (fd->cut_used >= fd->n_cut) {
        fd->overrun = 1;
        return num_ws;
    }
    return (int)fd->cutoffs[fd->cut_used++];
}

/* A phase's gradients: 1e-4 relative + 1e-5 of the largest gradient of
 * the whole network in that phase (not of the tensor: a few tensors, such
 * as a conv bias under R1, whose gradient reaches it only through the
 * minibatch stddev, have gradients of 1e-7 made of cancellations, which
 * both sides round differently at 1e-3 of their size). */
static void feed_phase(void *user, int phase, const nn_params *p)
{
    static const char *names[4] = { "Gmain", "Greg", "Dmain", "Dreg" };
    feed *fd = (feed *)user;
    double big = 0;
    size_t i, j;
    if (*fd->step != 0) return;
    for (i = 0; i < p->n; i++) {
        char name[256];
        float *e;
        if (p->kind[i] != NN_PARAM) continue;
        snprintf(name, sizeof name, "grad.%s.%s", names[phase], p->t[i]->name);
        if (!(e = golden_floats(fd->f, name, p->t[i]->numel))) return;
        for (j = 0; j < p->t[i]->numel; j++)
            if (fabs(e[j]) > big) big = fabs(e[j]);
        free(e);
    }
    for (i = 0; i < p->n; i++) {
        char name[256];
        float *e;
        double r;
        if (p->kind[i] != NN_PARAM) continue;
        snprintf(name, sizeof name, "grad.%s.%s", names[phase], p->t[i]->name);
        if (!(e = golden_floats(fd->f, name, p->t[i]->numel))) return;
        r = golden_worst(e, p->t[i]->grad, p->t[i]->numel, 1e-5 * big, 1e-4, 0);
        free(e);
        if (r > seen_worst) seen_worst = r;
        if (!(r <= 1.0)) fprintf(stderr, "    %s: worst error %.3g of the tolerance\n", name, r);
        CHECK(r <= 1.0);
    }
}

/* Parameters (and buffers: w_avg, G_ema's copies) after the Adam steps:
 * 1e-5 + 1e-4 relative. */
static void compare_after(const nn_st_file *f, const nn_params *p, const char *which)
{
    size_t i, j;
    for (i = 0; i < p->n; i++) {
        char name[256];
        float *e;
        double w = 0;
        snprintf(name, sizeof name, "after.%s.%s", which, p->t[i]->name);
        if (!(e = golden_floats(f, name, p->t[i]->numel))) continue;
        for (j = 0; j < p->t[i]->numel; j++) {
            double d = fabs((double)p->t[i]->data[j] - e[j]), r = d / (1e-5 + 1e-4 * fabs(e[j]));
            if (r > w) w = r;
        }
        free(e);
        if (!(w <= seen_worst)) seen_worst = w;
        if (!(w <= 1.0)) fprintf(stderr, "    %s: worst error %.3g of the tolerance\n", name, w);
        CHECK(w <= 1.0);
    }
}

static void training_iteration_matches_pytorch(void)
{
    nn_st_file *f = NULL;
    gan_stylegan_config cfg;
    gan_stylegan m;
    gan_stylegan_trainer t;
    gan_stylegan_train_opts o;
    gan_stylegan_losses l;
    feed fd;
    float *c = NULL, *real = NULL, *losses = NULL, *plm = NULL;
    int batch, it, iters;
    g99_error err;
    memset(&m, 0, sizeof m);
    memset(&t, 0, sizeof t);
    memset(&fd, 0, sizeof fd);
    if (!CHECK_EQ_INT(0, nn_st_load("golden/stylegan/step.safetensors", NN_ST_MAX_FILE, &f, &err))) return;
    seen_worst = 0;
    if (!(c = golden_floats(f, "cfg", 14))) goto done;
    gan_stylegan_config_default(&cfg, (int)c[0]);
    cfg.z_dim = (int)c[1];
    cfg.w_dim = (int)c[2];
    cfg.map_layers = (int)c[3];
    cfg.channel_base = (int)c[4];
    cfg.channel_max = (int)c[5];
    cfg.conv_clamp = c[6];
    cfg.mbstd_group = (int)c[7];
    batch = (int)c[8];
    iters = (int)c[13];
    if (!CHECK_EQ_INT(0, gan_stylegan_init(&m, &cfg, &err))) goto done;
    if (!golden_load_params(f, &m.g.p, "G.") || !golden_load_params(f, &m.d.p, "D.")) goto done;
    gan_stylegan_g_copy(&m.g_ema, &m.g);
    gan_stylegan_train_defaults(&o, batch);
    o.lr = c[9];
    o.gamma = c[10];
    o.pl_weight = c[11];
    o.ema_kimg = c[12];
    o.ema_rampup = 0.0f;
    if (!CHECK_EQ_INT(0, gan_stylegan_trainer_init(&t, &m, batch, &o, 1, NULL, &err))) goto done;
    fd.f = f;
    fd.n_draws = nn_st_find(f, "draws") ? nn_st_find(f, "draws")->numel : 0;
    fd.n_cut = nn_st_find(f, "cutoffs") ? nn_st_find(f, "cutoffs")->numel : 0;
    fd.draws = golden_floats(f, "draws", fd.n_draws);
    fd.cutoffs = golden_floats(f, "cutoffs", fd.n_cut);
    fd.step = &t.step;
    real = golden_floats(f, "real", (size_t)batch * 3 * cfg.resolution * cfg.resolution);
    losses = golden_floats(f, "losses", (size_t)iters * 5);
    plm = golden_floats(f, "pl_mean", (size_t)iters);
    if (!fd.draws || !fd.cutoffs || !real || !losses || !plm) goto done;
    t.draw_normal = feed_normal;
    t.draw_cutoff = feed_cutoff;
    t.after_phase = feed_phase;
    t.draw_user = &fd;
    for (it = 0; it < iters; it++) {
        float mine[5];
        if (!CHECK_EQ_INT(0, gan_stylegan_train_step(&t, real, &l, &err))) {
            fprintf(stderr, "    %s\n", err.msg);
            goto done;
        }
        mine[0] = l.g_main;
        mine[1] = l.g_pl;
        mine[2] = l.d_gen;
        mine[3] = l.d_real;
        mine[4] = l.d_r1;
        {
            double r = golden_worst(losses + it * 5, mine, 5, 1e-5, 1e-4, 0), r2 = golden_worst(plm + it, &l.pl_mean, 1, 1e-5, 1e-4, 0);
            if (r2 > r) r = r2;
            if (r > seen_worst) seen_worst = r;
            if (!CHECK(r <= 1.0))
                fprintf(stderr, "    iteration %d: losses %g %g %g %g %g pl_mean %g, PyTorch %g %g %g %g %g %g\n", it,
                        mine[0], mine[1], mine[2], mine[3], mine[4], l.pl_mean, losses[it * 5], losses[it * 5 + 1],
                        losses[it * 5 + 2], losses[it * 5 + 3], losses[it * 5 + 4], plm[it]);
        }
    }
    CHECK(!fd.overrun);
    CHECK_EQ_U64(fd.n_draws, fd.used);
    CHECK_EQ_U64(fd.n_cut, fd.cut_used);
    compare_after(f, &m.g.p, "G");
    compare_after(f, &m.d.p, "D");
    compare_after(f, &m.g_ema.p, "G_ema");
    printf("  stylegan training iteration vs PyTorch: worst error %.3f of the tolerance (losses, gradients, "
           "parameters)\n", seen_worst);
done:
    free(c);
    free(real);
    free(losses);
    free(plm);
    free(fd.draws);
    free(fd.cutoffs);
    if (t.m) gan_stylegan_trainer_free(&t);
    gan_stylegan_free(&m);
    nn_st_free(f);
}

/* ---- the family through the run loop ------------------------------------ */

static int same_file(const char *a, const char *b)
{
    uint8_t *x = NULL, *y = NULL;
    size_t nx = 0, ny = 0;
    int eq = !g99_read_file(a, 1 << 26, &x, &nx, NULL) && !g99_read_file(b, 1 << 26, &y, &ny, NULL) && nx == ny &&
             memcmp(x, y, nx) == 0;
    free(x);
    free(y);
    return eq;
}

static void set(gan_train_opts *o, const char *key, double v)
{
    int i = gan_option_find(o->family, key);
    if (CHECK(i >= 0)) {
        o->values.v[i] = v;
        o->values.given[i] = 1;
    }
}

static void run_opts(gan_train_opts *o, const char *out, uint64_t steps)
{
    memset(o, 0, sizeof *o);
    o->family = &gan_family_stylegan;
    gan_values_default(o->family, &o->values);
    set(o, "size", 16);
    set(o, "z_dim", 8);
    set(o, "w_dim", 8);
    set(o, "map_layers", 2);
    set(o, "channel_base", 64);
    set(o, "channel_max", 8);
    set(o, "mirror", 1);
    o->data = "synth:16";
    o->out = out;
    o->batch = 4;
    o->steps = steps;
    o->seed = 7;
    o->sample_every = 3;
    o->n_samples = 4;
}

/* Six iterations (path length at 0 and 4, R1 at 0, mirror flips) in one
 * run, and three then a resume to six: the same checkpoint, model and
 * losses byte for byte (G, D, G_ema, both Adams, pl_mean and the
 * generators are all restored). The model file loads as G_ema and draws
 * finite images. */
static void trains_and_resumes_through_the_run_loop(void)
{
    char a[512], b[512], pa[600], pb[600];
    gan_train_opts o;
    gan_train_result res;
    g99_error err;
    const gan_family *fam = NULL;
    gan_model *model = NULL;
    gan_values v;
    float z[2 * 8], out[2 * 3 * 16 * 16];
    int i, finite = 1;
    snprintf(a, sizeof a, "%s", test_tmp_path("run_stylegan_a"));
    snprintf(b, sizeof b, "%s", test_tmp_path("run_stylegan_b"));
    test_clear_run(a);
    test_clear_run(b);
    run_opts(&o, a, 6);
    if (!CHECK_EQ_INT(0, gan_train_run(&o, &res, &err))) {
        fprintf(stderr, "    %s\n", err.msg);
        return;
    }
    run_opts(&o, b, 3);
    CHECK_EQ_INT(0, gan_train_run(&o, &res, &err));
    run_opts(&o, b, 6);
    o.data = NULL;
    o.sample_every = 0;
    memset(o.values.given, 0, sizeof o.values.given);
    o.resume = 1;
    if (!CHECK_EQ_INT(0, gan_train_run(&o, &res, &err))) fprintf(stderr, "    %s\n", err.msg);
    CHECK_EQ_U64(3, res.start);
    snprintf(pa, sizeof pa, "%s/loss.csv", a);
    snprintf(pb, sizeof pb, "%s/loss.csv", b);
    CHECK(same_file(pa, pb));
    snprintf(pa, sizeof pa, "%s/checkpoint.safetensors", a);
    snprintf(pb, sizeof pb, "%s/checkpoint.safetensors", b);
    CHECK(same_file(pa, pb));
    snprintf(pa, sizeof pa, "%s/model.safetensors", a);
    snprintf(pb, sizeof pb, "%s/model.safetensors", b);
    CHECK(same_file(pa, pb));
    if (!CHECK_EQ_INT(0, gan_model_load(pa, &fam, &model, &v, &err))) {
        fprintf(stderr, "    %s\n", err.msg);
        return;
    }
    CHECK(fam == &gan_family_stylegan);
    for (i = 0; i < 16; i++) z[i] = (float)((i * 7) % 5) * 0.4f - 0.8f;
    if (CHECK_EQ_INT(0, gan_model_generate_latent(fam, model, z, 2, out, &err)))
        for (i = 0; i < 2 * 3 * 16 * 16; i++) finite &= out[i] == out[i] && fabsf(out[i]) < 100.0f;
    CHECK(finite);
    fam->destroy(model);
}

/* By hand: psi 0 maps every latent to w_avg (in the rows before the
 * cutoff only), psi 1 changes nothing; with every noise_strength 0 the
 * three noise modes give the same image, and 'random' draws one [N,1,r,r]
 * per synthesis layer (1 + 2 per block above 4) from the generator. */
static void truncation_and_noise_modes(void)
{
    gan_stylegan_config cfg;
    gan_stylegan_g g;
    nn_ctx *ctx = nn_ctx_new(0);
    nn_rng init, r1, r2;
    nn_tensor *z, *ws, *ws1, *a, *b, *c;
    int zs[2] = { 2, 8 }, i, j, k, ok = 1;
    size_t n;
    g99_error err;
    gan_stylegan_config_default(&cfg, 16);
    cfg.z_dim = cfg.w_dim = 8;
    cfg.map_layers = 2;
    cfg.channel_base = 64;
    cfg.channel_max = 8;
    if (!CHECK(ctx) || !CHECK_EQ_INT(0, gan_stylegan_g_init(&g, &cfg, &err))) {
        nn_ctx_free(ctx);
        return;
    }
    nn_rng_init(&init, 3, NN_STREAM_INIT);
    gan_table_apply(&g.init, &init);
    for (i = 0; i < 8; i++) g.w_avg->data[i] = 0.1f * (float)i - 0.3f;
    z = nn_tensor_new(ctx, 2, zs);
    nn_rng_fill_normal(&init, z->data, z->numel, 0.0f, 1.0f);
    ws1 = gan_stylegan_mapping(ctx, &g, z, 1.0f, 0, 0);
    ws = gan_stylegan_mapping(ctx, &g, z, 0.0f, 2, 0);
    if (CHECK(ws && ws1)) {
        for (i = 0; i < 2; i++)
            for (k = 0; k < g.num_ws; k++)
                for (j = 0; j < 8; j++) {
                    size_t at = ((size_t)i * g.num_ws + k) * 8 + j;
                    ok &= k < 2 ? ws->data[at] == g.w_avg->data[j] : ws->data[at] == ws1->data[at];
                }
        CHECK(ok);
    }
    for (n = 0; n < g.p.n; n++)
        if (strstr(g.p.t[n]->name, "noise_strength")) g.p.t[n]->data[0] = 0.0f;
    nn_rng_init(&r1, 9, NN_STREAM_NOISE);
    r2 = r1;
    a = gan_stylegan_synthesis(ctx, &g, ws1, GAN_SG_NOISE_CONST, NULL);
    b = gan_stylegan_synthesis(ctx, &g, ws1, GAN_SG_NOISE_NONE, NULL);
    c = gan_stylegan_synthesis(ctx, &g, ws1, GAN_SG_NOISE_RANDOM, &r1);
    if (CHECK(a && b && c)) {
        CHECK_EQ_MEM(a->data, b->data, a->numel * sizeof(float));
        CHECK_EQ_MEM(a->data, c->data, a->numel * sizeof(float));
    }
    /* 4x4: 1 layer of 16; 8x8: 2 of 64; 16x16: 2 of 256; two samples each */
    {
        float tmp[2 * 256];
        nn_rng_fill_normal(&r2, tmp, 2 * 16, 0, 1);
        nn_rng_fill_normal(&r2, tmp, 2 * 64, 0, 1);
        nn_rng_fill_normal(&r2, tmp, 2 * 64, 0, 1);
        nn_rng_fill_normal(&r2, tmp, 2 * 256, 0, 1);
        nn_rng_fill_normal(&r2, tmp, 2 * 256, 0, 1);
        CHECK_EQ_U64(r2.pos, r1.pos);
    }
    gan_stylegan_g_free(&g);
    nn_ctx_free(ctx);
}

/* A stylegan2-ada-pytorch network pickle of the reference networks with
 * random weights, converted by golden/tools/stylegan2_convert.py: gan99
 * loads the file as a model and renders PyTorch's images for the same z,
 * psi, cutoff and constant noise. */
static void converted_pickle_renders_as_pytorch(void)
{
    const gan_family *fam;
    gan_model *m = NULL;
    gan_values v;
    gan_stylegan_g *sg;
    nn_st_file *f = NULL;
    g99_error err;
    float *z = NULL, *img = NULL;
    gan_sg_render r;
    size_t per;
    if (!CHECK_EQ_INT(0, gan_model_load("golden/stylegan/converted.safetensors", &fam, &m, &v, &err))) return;
    if (!CHECK_EQ_INT(0, nn_st_load("golden/stylegan/converted_io.safetensors", NN_ST_MAX_FILE, &f, &err))) goto done;
    sg = gan_stylegan_model_g(fam, m);
    if (!CHECK(sg != NULL)) goto done;
    CHECK_EQ_INT(32, sg->cfg.resolution);
    CHECK_EQ_INT(3, sg->cfg.map_layers);
    per = (size_t)3 * 32 * 32;
    z = golden_floats(f, "z", (size_t)3 * 16);
    img = (float *)malloc(3 * per * sizeof *img);
    if (!z || !img) goto done;
    seen_worst = 0;
    r.psi = 0.7f;
    r.cutoff = 0;
    r.noise_mode = GAN_SG_NOISE_CONST;
    r.noise_seed = 0;
    if (CHECK_EQ_INT(0, gan_stylegan_render_z(sg, z, 3, &r, img, &err)))
        check_close(f, "img_psi07", img, 3 * per, 0);
    r.psi = 0.5f;
    r.cutoff = 2;
    if (CHECK_EQ_INT(0, gan_stylegan_render_z(sg, z, 3, &r, img, &err)))
        check_close(f, "img_psi05_cut2", img, 3 * per, 0);
    printf("  converted stylegan2-ada-pytorch pickle vs PyTorch: worst error %.3f of the tolerance\n", seen_worst);
done:
    free(z);
    free(img);
    nn_st_free(f);
    if (m) fam->destroy(m);
}

const test_case stylegan_tests[] = {
    TEST(config_checks),
    TEST(truncation_and_noise_modes),
    TEST(networks_match_pytorch),
    TEST(training_iteration_matches_pytorch),
    TEST(trains_and_resumes_through_the_run_loop),
    TEST(converted_pickle_renders_as_pytorch),
    TEST_END
};
