/* pix2pix (gan/pix2pix.c, gan/train_pix2pix.c, gan/arch_pix2pix.c)
 * against PyTorch: the files golden/tools/pix2pix_golden.py writes from
 * the reference's network structure (state_dict key lists, forwards of the
 * U-Net and the discriminators, whole training steps, a model file torch
 * wrote), the size rules and the learning-rate schedule by hand, and a
 * run through gan_train_run that resumes bit for bit.
 *
 * Tolerances as tests/test_dcgan.c's (doc/design.md §7.2): outputs and
 * losses 1e-5 absolute + 1e-4 relative, gradients 1e-4 relative + 1e-5 of
 * the tensor's largest magnitude; parameters after Adam steps 1e-5 + 1e-4. */
#include "test.h"
#include "nn_golden.h"
#include "../gan/gan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The worst ratio seen since the last reset, for the printed figures. */
static double seen_worst;

static int check_close(const nn_st_file *f, const char *name, const float *a, size_t n, int grads)
{
    return golden_check(f, name, a, n, grads, 1.0, &seen_worst);
}

/* A gradient that is zero by construction (a conv bias before instance
 * norm, which removes any per-channel constant): torch's is rounding noise
 * under 1e-5, and so must gan99's be. */
#define ZERO_GRAD 1e-5

/* Compares p's values (or .grad) with "<prefix><key>"; counters exactly.
 * grad_prefix (values after Adam steps): a tensor whose golden gradient is
 * zero by construction gets Adam's steps from rounding noise, each at most
 * lr = 2e-4 in size, in either direction: it must lie within steps * 2 lr. */
static void compare_params(const nn_st_file *f, const nn_params *p, const char *prefix, int grads, int only_buffers,
                           const char *grad_prefix, int steps)
{
    size_t i, j;
    for (i = 0; i < p->n; i++) {
        char name[256], gname[256];
        snprintf(name, sizeof name, "%s%s", prefix, p->t[i]->name);
        if (grads && p->kind[i] != NN_PARAM) continue;
        if (only_buffers && p->kind[i] == NN_PARAM) continue;
        if (p->kind[i] == NN_COUNTER) {
            const nn_st_tensor *s = nn_st_find(f, name);
            if (CHECK(s && s->dtype == NN_ST_I64)) CHECK_EQ_INT((long long)g99_load_le64(s->data), (long long)p->t[i]->data[0]);
            continue;
        }
        if (grads || grad_prefix) {
            double gm;
            snprintf(gname, sizeof gname, "%s%s", grads ? prefix : grad_prefix, p->t[i]->name);
            gm = p->kind[i] == NN_PARAM ? golden_max(f, gname) : -1;
            if (gm >= 0 && gm < ZERO_GRAD) {
                float *e = grads ? NULL : golden_floats(f, name, p->t[i]->numel);
                for (j = 0; j < p->t[i]->numel; j++) {
                    double d = grads ? fabs(p->t[i]->grad[j]) : fabs(p->t[i]->data[j] - (e ? e[j] : 0.0f));
                    if (!CHECK(d < (grads ? ZERO_GRAD : steps * 4e-4 + 1e-6))) {
                        fprintf(stderr, "    %s[%lu]\n", name, (unsigned long)j);
                        break;
                    }
                }
                free(e);
                continue;
            }
        }
        check_close(f, name, grads ? p->t[i]->grad : p->t[i]->data, p->t[i]->numel, grads);
    }
}

static gan_pix2pix_config config(int w, int h, int in, int out, int ngf, int num_downs, int norm)
{
    gan_pix2pix_config c;
    memset(&c, 0, sizeof c);
    c.width = w;
    c.height = h;
    c.input_nc = in;
    c.output_nc = out;
    c.ngf = ngf;
    c.ndf = 4;
    c.num_downs = num_downs;
    c.netd = GAN_P2P_D_BASIC;
    c.n_layers_d = 3;
    c.norm = norm;
    return c;
}

/* "key[d0,d1] key[] ..." of a table, as the golden script prints torch's. */
static char *key_list(const nn_params *p)
{
    size_t i, cap = 1 << 16, n = 0;
    char *s = (char *)malloc(cap);
    int d;
    if (!s) return NULL;
    s[0] = '\0';
    for (i = 0; i < p->n && n + 300 < cap; i++) {
        const nn_tensor *t = p->t[i];
        n += (size_t)snprintf(s + n, cap - n, "%s%s[", i ? " " : "", t->name);
        for (d = 0; d < t->ndim; d++) n += (size_t)snprintf(s + n, cap - n, "%s%d", d ? "," : "", t->shape[d]);
        n += (size_t)snprintf(s + n, cap - n, "]");
    }
    return s;
}

static void check_keys(const nn_st_file *f, const char *which, const gan_pix2pix_config *c, int d)
{
    gan_pix2pix m;
    g99_error err;
    char *s;
    if (!CHECK_EQ_INT(0, gan_pix2pix_init(&m, c, &err))) {
        fprintf(stderr, "    %s: %s\n", which, err.msg);
        return;
    }
    s = key_list(d ? &m.d : &m.g);
    if (CHECK(nn_st_meta(f, which) != NULL) && s) CHECK_EQ_STR(nn_st_meta(f, which), s);
    free(s);
    gan_pix2pix_free(&m);
}

/* The state_dict keys, shapes and order of torch's networks. */
static void keys_are_the_references(void)
{
    nn_st_file *f = NULL;
    g99_error err;
    gan_pix2pix_config c;
    gan_pix2pix m;
    int k;
    if (!CHECK_EQ_INT(0, nn_st_load("golden/pix2pix/keys.safetensors", NN_ST_MAX_FILE, &f, &err))) return;
    c = config(32, 32, 3, 3, 4, 5, GAN_NORM_BATCH);
    check_keys(f, "unet5_batch", &c, 0);
    c = config(256, 256, 3, 2, 2, 8, GAN_NORM_BATCH);
    check_keys(f, "unet8_batch", &c, 0);
    /* unet_256's dropout: the three 8ngf blocks inside the 4ngf one (levels 4, 5, 6) */
    if (CHECK_EQ_INT(0, gan_pix2pix_init(&m, &c, &err))) {
        for (k = 0; k < 8; k++) CHECK_EQ_INT(k >= 4 && k <= 6, m.level[k].dropout);
        gan_pix2pix_free(&m);
    }
    c = config(128, 128, 1, 3, 2, 7, GAN_NORM_INSTANCE);
    check_keys(f, "unet7_instance", &c, 0);
    c = config(64, 64, 3, 3, 2, 6, GAN_NORM_BATCH);
    c.no_dropout = 1;
    check_keys(f, "unet6_nodrop", &c, 0);
    c = config(32, 32, 3, 3, 4, 5, GAN_NORM_BATCH);
    check_keys(f, "basic_batch", &c, 1);
    c = config(128, 128, 1, 3, 4, 0, GAN_NORM_INSTANCE);
    c.ndf = 2;
    c.netd = GAN_P2P_D_NLAYERS;
    c.n_layers_d = 5;
    check_keys(f, "n_layers5_instance", &c, 1);
    c = config(32, 32, 3, 3, 4, 0, GAN_NORM_BATCH);
    c.netd = GAN_P2P_D_NLAYERS;
    c.n_layers_d = 1;
    check_keys(f, "n_layers1_batch", &c, 1);
    c.netd = GAN_P2P_D_PIXEL;
    check_keys(f, "pixel_batch", &c, 1);
    c.norm = GAN_NORM_INSTANCE;
    check_keys(f, "pixel_instance", &c, 1);
    nn_st_free(f);
}

/* One forward case: G (d 0) or D (d 1) with the golden's weights, a
 * training forward with its dropout masks, the running statistics after
 * it, then an eval forward. */
static void forward_case(const nn_st_file *f, const char *name, const gan_pix2pix_config *c, int d)
{
    gan_pix2pix m;
    g99_error err;
    nn_ctx *ctx = nn_ctx_new(0);
    nn_tensor *keep[GAN_P2P_MAX_DOWNS], *x, *y;
    const nn_st_tensor *xs;
    char key[128];
    int i, n_masks = 0, shape[4];
    float *v;
    if (!CHECK(ctx != NULL)) return;
    if (!CHECK_EQ_INT(0, gan_pix2pix_init(&m, c, &err))) {
        fprintf(stderr, "    %s: %s\n", name, err.msg);
        nn_ctx_free(ctx);
        return;
    }
    snprintf(key, sizeof key, "%s.w.", name);
    if (!golden_load_params(f, d ? &m.d : &m.g, key)) goto done;
    for (n_masks = 0; n_masks < GAN_P2P_MAX_DOWNS; n_masks++) {
        const nn_st_tensor *t;
        snprintf(key, sizeof key, "%s.mask.%d", name, n_masks);
        if (!(t = nn_st_find(f, key))) break;
        for (i = 0; i < 4; i++) shape[i] = (int)t->shape[i];
        keep[n_masks] = nn_tensor_new(ctx, 4, shape);
        if (!keep[n_masks] || nn_st_read_f32(t, keep[n_masks]->data, keep[n_masks]->numel, &err)) goto done;
    }
    m.keep = keep;
    for (i = 0; i < GAN_P2P_MAX_DOWNS; i++) n_masks -= m.level[i].dropout;
    CHECK_EQ_INT(0, d ? 0 : n_masks);   /* one mask per dropout level */
    snprintf(key, sizeof key, "%s.x", name);
    xs = nn_st_find(f, key);
    if (!CHECK(xs != NULL && xs->rank == 4)) goto done;
    for (i = 0; i < 4; i++) shape[i] = (int)xs->shape[i];
    if (!(v = golden_floats(f, key, xs->numel))) goto done;
    x = nn_tensor_from(ctx, 4, shape, v);
    free(v);
    y = d ? gan_pix2pix_discriminate(ctx, &m, x, 1) : gan_pix2pix_generate(ctx, &m, x, 1);
    snprintf(key, sizeof key, "%s.train", name);
    if (CHECK(y != NULL)) check_close(f, key, y->data, y->numel, 0);
    snprintf(key, sizeof key, "%s.after.", name);
    compare_params(f, d ? &m.d : &m.g, key, 0, 1, NULL, 0);
    y = d ? gan_pix2pix_discriminate(ctx, &m, x, 0) : gan_pix2pix_generate(ctx, &m, x, 0);
    snprintf(key, sizeof key, "%s.eval", name);
    if (CHECK(y != NULL)) check_close(f, key, y->data, y->numel, 0);
done:
    if (nn_ctx_error(ctx)->code) fprintf(stderr, "    %s: %s\n", name, nn_ctx_error(ctx)->msg);
    gan_pix2pix_free(&m);
    nn_ctx_free(ctx);
}

static void forwards_match_torch(void)
{
    nn_st_file *f = NULL;
    g99_error err;
    gan_pix2pix_config c;
    if (!CHECK_EQ_INT(0, nn_st_load("golden/pix2pix/forward.safetensors", NN_ST_MAX_FILE, &f, &err))) return;
    seen_worst = 0;
    c = config(32, 32, 3, 3, 4, 5, GAN_NORM_BATCH);
    forward_case(f, "g32", &c, 0);
    c = config(64, 32, 3, 3, 2, 5, GAN_NORM_BATCH);
    forward_case(f, "g32x64", &c, 0);
    c = config(64, 64, 3, 3, 2, 6, GAN_NORM_BATCH);
    forward_case(f, "g64drop", &c, 0);
    c = config(32, 32, 1, 3, 2, 5, GAN_NORM_INSTANCE);
    forward_case(f, "g32inst", &c, 0);
    c = config(32, 32, 3, 3, 2, 0, GAN_NORM_BATCH);
    forward_case(f, "dbasic", &c, 1);
    c = config(16, 16, 3, 3, 2, 0, GAN_NORM_INSTANCE);
    c.netd = GAN_P2P_D_PIXEL;
    forward_case(f, "dpixel", &c, 1);
    c = config(48, 32, 3, 3, 2, 0, GAN_NORM_BATCH);
    c.netd = GAN_P2P_D_NLAYERS;
    c.n_layers_d = 2;
    forward_case(f, "dn2", &c, 1);
    printf("  pix2pix forwards vs PyTorch: worst error %.3f of the tolerance\n", seen_worst);
    nn_st_free(f);
}

/* Whole optimize_parameters steps: losses, the first step's gradients and
 * both networks after the last step. */
static void step_case(const nn_st_file *f, const char *name, int norm, int mode, int netd, int steps)
{
    gan_pix2pix m;
    gan_pix2pix_trainer t;
    gan_pix2pix_train_opts o;
    gan_pix2pix_config c = config(32, 32, 3, 3, 4, 5, norm);
    gan_pix2pix_losses l;
    g99_error err;
    char key[128], gkey[128];
    float *a, *b, got[16];
    size_t plane = 2 * 3 * 32 * 32;
    int s;
    c.netd = netd;
    if (!CHECK_EQ_INT(0, gan_pix2pix_init(&m, &c, &err))) return;
    snprintf(key, sizeof key, "%s.w.G.", name);
    if (!golden_load_params(f, &m.g, key)) goto done;
    snprintf(key, sizeof key, "%s.w.D.", name);
    if (!golden_load_params(f, &m.d, key)) goto done;
    gan_pix2pix_train_defaults(&o);
    o.gan_mode = mode;
    if (!CHECK_EQ_INT(0, gan_pix2pix_trainer_init(&t, &m, &o, 1, NULL, &err))) goto done;
    snprintf(key, sizeof key, "%s.A", name);
    a = golden_floats(f, key, (size_t)steps * plane);
    snprintf(key, sizeof key, "%s.B", name);
    b = golden_floats(f, key, (size_t)steps * plane);
    for (s = 0; a && b && s < steps; s++) {
        if (!CHECK_EQ_INT(0, gan_pix2pix_train_step(&t, a + s * plane, b + s * plane, 2, 0, &l, &err))) {
            fprintf(stderr, "    %s\n", err.msg);
            break;
        }
        got[4 * s + 0] = l.g_gan;
        got[4 * s + 1] = l.g_l1;
        got[4 * s + 2] = l.d_real;
        got[4 * s + 3] = l.d_fake;
        if (s == 0) {
            snprintf(key, sizeof key, "%s.grad.G.", name);
            compare_params(f, &m.g, key, 1, 0, NULL, 0);
            snprintf(key, sizeof key, "%s.grad.D.", name);
            compare_params(f, &m.d, key, 1, 0, NULL, 0);
        }
    }
    if (s == steps) {
        snprintf(key, sizeof key, "%s.losses", name);
        check_close(f, key, got, (size_t)4 * steps, 0);
        snprintf(key, sizeof key, "%s.after.G.", name);
        snprintf(gkey, sizeof gkey, "%s.grad.G.", name);
        compare_params(f, &m.g, key, 0, 0, gkey, steps);
        snprintf(key, sizeof key, "%s.after.D.", name);
        snprintf(gkey, sizeof gkey, "%s.grad.D.", name);
        compare_params(f, &m.d, key, 0, 0, gkey, steps);
    }
    free(a);
    free(b);
    gan_pix2pix_trainer_free(&t);
done:
    gan_pix2pix_free(&m);
}

static void training_steps_match_torch(void)
{
    nn_st_file *f = NULL;
    g99_error err;
    if (!CHECK_EQ_INT(0, nn_st_load("golden/pix2pix/step.safetensors", NN_ST_MAX_FILE, &f, &err))) return;
    seen_worst = 0;
    step_case(f, "vanilla", GAN_NORM_BATCH, GAN_P2P_GAN_VANILLA, GAN_P2P_D_BASIC, 3);
    step_case(f, "lsgan", GAN_NORM_INSTANCE, GAN_P2P_GAN_LSGAN, GAN_P2P_D_PIXEL, 2);
    printf("  pix2pix steps vs PyTorch: worst error %.3f of the tolerance (losses, gradients, parameters)\n",
           seen_worst);
    nn_st_free(f);
}

/* A G state_dict torch saved (and loaded back with strict=True) is a
 * gan99 model file: same keys, same output. */
static void torch_model_file_loads(void)
{
    const gan_family *fam = NULL;
    gan_model *model = NULL;
    gan_values v;
    g99_error err;
    nn_st_file *io = NULL;
    nn_ctx *ctx;
    int s[4] = { 2, 3, 32, 32 };
    float *a;
    nn_tensor *y;
    if (!CHECK_EQ_INT(0, gan_model_load("golden/pix2pix/model.safetensors", &fam, &model, &v, &err))) {
        fprintf(stderr, "    %s\n", err.msg);
        return;
    }
    CHECK(fam == &gan_family_pix2pix);
    ctx = nn_ctx_new(0);
    if (CHECK(ctx != NULL) &&
        CHECK_EQ_INT(0, nn_st_load("golden/pix2pix/model_io.safetensors", NN_ST_MAX_FILE, &io, &err)) &&
        (a = golden_floats(io, "A", 2 * 3 * 32 * 32)) != NULL) {
        y = fam->generate(model, ctx, NULL, nn_tensor_from(ctx, 4, s, a), 1);
        if (CHECK(y != NULL)) check_close(io, "out", y->data, y->numel, 0);
        free(a);
    }
    nn_st_free(io);
    nn_ctx_free(ctx);
    fam->destroy(model);
}

/* Sizes the U-Net cannot halve num_downs times are refused naming the
 * nearest that work; num_downs 0 takes as many as the size allows. */
static void sizes_and_num_downs(void)
{
    gan_pix2pix_config c = config(70, 64, 3, 3, 4, 6, GAN_NORM_BATCH);
    g99_error err;
    CHECK_EQ_INT(G99_EINVAL, gan_pix2pix_check_config(&c, &err));
    CHECK_CONTAINS("width 70", err.msg);
    CHECK_CONTAINS("64 or 128", err.msg);
    c = config(64, 40, 3, 3, 4, 6, GAN_NORM_BATCH);
    CHECK_EQ_INT(G99_EINVAL, gan_pix2pix_check_config(&c, &err));
    CHECK_CONTAINS("height 40", err.msg);
    CHECK_CONTAINS("64 would work", err.msg);
    c = config(70, 64, 3, 3, 4, 0, GAN_NORM_BATCH);   /* 70 = 2 x 35: log2 64 = 6 halvings, refused */
    CHECK_EQ_INT(6, gan_pix2pix_resolve(&c));
    CHECK_EQ_INT(G99_EINVAL, gan_pix2pix_check_config(&c, &err));
    CHECK_CONTAINS("64 or 128", err.msg);
    c = config(96, 96, 3, 3, 4, 0, GAN_NORM_BATCH);
    CHECK_EQ_INT(5, gan_pix2pix_resolve(&c));
    c = config(64, 64, 3, 3, 4, 0, GAN_NORM_BATCH);
    CHECK_EQ_INT(6, gan_pix2pix_resolve(&c));
    c = config(256, 128, 3, 3, 4, 0, GAN_NORM_BATCH);
    CHECK_EQ_INT(7, gan_pix2pix_resolve(&c));
    c = config(16, 16, 3, 3, 4, 4, GAN_NORM_BATCH);   /* 16 -> 1 -> a PatchGAN of 3 layers has nothing left */
    CHECK_EQ_INT(G99_EINVAL, gan_pix2pix_check_config(&c, &err));
    CHECK_CONTAINS("too small", err.msg);
    CHECK_CONTAINS("needs 24 pixels", err.msg);
    c.netd = GAN_P2P_D_PIXEL;
    CHECK_EQ_INT(0, gan_pix2pix_check_config(&c, &err));
}

/* lambda_rule with epoch_count 1, by hand: 1 for epochs 0..99 (0-based),
 * then 1 - (e - 99) / 101, down to 1/101 in the last (199). */
static void learning_rate_decays_linearly(void)
{
    gan_pix2pix_train_opts o;
    gan_pix2pix_train_defaults(&o);
    CHECK_NEAR(1.0, gan_pix2pix_lr_factor(&o, 0), 0, 0);
    CHECK_NEAR(1.0, gan_pix2pix_lr_factor(&o, 98), 0, 0);
    /* by hand: train.py's scheduler.step() opens every epoch, so epoch e (0-based) runs at lambda(e + 1) */
    CHECK_NEAR(1.0 - 1.0 / 101.0, gan_pix2pix_lr_factor(&o, 99), 1e-15, 0);
    CHECK_NEAR(1.0 - 2.0 / 101.0, gan_pix2pix_lr_factor(&o, 100), 1e-15, 0);
    CHECK_NEAR(0.0, gan_pix2pix_lr_factor(&o, 199), 1e-15, 0);
    CHECK(gan_family_pix2pix.default_epochs == 200 && gan_family_pix2pix.default_batch == 1);
    CHECK_EQ_INT(GAN_DATA_PAIRS, gan_family_pix2pix.kind);
}

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
    o->family = &gan_family_pix2pix;
    gan_values_default(o->family, &o->values);
    set(o, "ngf", 4);   /* 64x64, num_downs 6: one dropout level, so the dropout generator is restored too */
    set(o, "ndf", 4);
    o->data = "synth:16";
    o->pair_filter = "gray";
    o->out = out;
    o->steps = steps;
    o->seed = 5;
    o->sample_every = 4;
    o->n_samples = 4;
}

/* The family through the one run loop: batch 1 (the reference's), rows of
 * condition | output | target, and a resume identical to the whole run. */
static void trains_and_resumes_through_the_run_loop(void)
{
    char a[512], b[512], pa[600], pb[600];
    gan_train_opts o;
    gan_train_result res;
    g99_error err;
    img_image grid;
    snprintf(a, sizeof a, "%s", test_tmp_path("run_pix2pix_a"));
    snprintf(b, sizeof b, "%s", test_tmp_path("run_pix2pix_b"));
    test_clear_run(a);
    test_clear_run(b);
    run_opts(&o, a, 10);
    if (!CHECK_EQ_INT(0, gan_train_run(&o, &res, &err))) {
        fprintf(stderr, "    %s\n", err.msg);
        return;
    }
    snprintf(pa, sizeof pa, "%s/samples/step_0000008.png", a);
    if (CHECK_EQ_INT(0, img_png_load(pa, NULL, &grid, &err))) {
        CHECK_EQ_INT(2 + 3 * 66, grid.width);
        CHECK_EQ_INT(2 + 4 * 66, grid.height);
        img_free(&grid);
    }
    /* stopped at a grid step: a grid is drawn at the end of a run, and in
     * train mode it moves G's running statistics (as the reference's) */
    run_opts(&o, b, 8);
    CHECK_EQ_INT(0, gan_train_run(&o, &res, &err));
    run_opts(&o, b, 10);
    o.data = NULL;
    o.pair_filter = NULL;
    o.sample_every = 0;
    memset(o.values.given, 0, sizeof o.values.given);
    o.resume = 1;
    if (!CHECK_EQ_INT(0, gan_train_run(&o, &res, &err))) fprintf(stderr, "    %s\n", err.msg);
    CHECK_EQ_U64(8, res.start);
    snprintf(pa, sizeof pa, "%s/loss.csv", a);
    snprintf(pb, sizeof pb, "%s/loss.csv", b);
    CHECK(same_file(pa, pb));
    snprintf(pa, sizeof pa, "%s/checkpoint.safetensors", a);
    snprintf(pb, sizeof pb, "%s/checkpoint.safetensors", b);
    CHECK(same_file(pa, pb));
    snprintf(pa, sizeof pa, "%s/model.safetensors", a);
    snprintf(pb, sizeof pb, "%s/model.safetensors", b);
    CHECK(same_file(pa, pb));
}

const test_case pix2pix_tests[] = {
    TEST(keys_are_the_references),
    TEST(forwards_match_torch),
    TEST(training_steps_match_torch),
    TEST(torch_model_file_loads),
    TEST(sizes_and_num_downs),
    TEST(learning_rate_decays_linearly),
    TEST(trains_and_resumes_through_the_run_loop),
    TEST_END,
};
