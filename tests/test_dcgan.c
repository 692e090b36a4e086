/* The whole-network golden and the checkpoints (doc/design.md §5.1):
 * pytorch/examples' DCGAN 64x64 (gan/dcgan.c) against PyTorch, from the
 * files golden/tools/nn_dcgan_golden.py writes (nz 32, ngf = ndf = 8, batch
 * 4; see there), and nn/checkpoint.c's save, load, errors and resume.
 *
 * Tolerances of the training golden: doc/design.md §7.2's, as the op goldens use
 * them: losses and parameters 1e-5 absolute + 1e-4 relative; gradients
 * 1e-4 relative + 1e-5 of the tensor's largest magnitude absolute (an
 * element of a gradient can land near zero by cancellation, where a pure
 * relative bound would measure summation orders). How the errors compound:
 * a first-step gradient has passed through up to 14 layers and 4 batch
 * norms (whose backward subtracts nearly equal means), each summing in
 * another order than PyTorch's blocked GEMMs; measured worst: under 10% of the
 * tolerance. Adam then divides m by sqrt(v): for most elements a step is
 * about lr sign(g) whatever the gradient's error, but where a gradient is
 * near zero its relative error passes into the step (bounded by lr = 2e-4
 * per step); after 3 steps the worst parameter is under 50% of 1e-5 + 1e-4|p|.
 * The test prints the measured fractions. */
#include "test.h"
#include "nn_golden.h"
#include "../gan/gan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG "{\"nc\":3,\"ndf\":8,\"ngf\":8,\"nz\":32}"

static const gan_dcgan_config small_cfg = { 32, 8, 8, 3, 64 };

/* max |v| (0 for all zeros; nn_golden.h's max_abs floors at 1) */
static double largest_abs(const float *v, size_t n)
{
    double m = 0;
    size_t i;
    for (i = 0; i < n; i++)
        if (fabs(v[i]) > m) m = fabs(v[i]);
    return m;
}

/* Compares every tensor of p (values, or .grad with grads) with the golden
 * tensors "<prefix><key>"; returns the worst ratio. */
static double compare_params(const nn_st_file *f, const nn_params *p, const char *prefix, int grads,
                             double abs_tol, double rel_tol, int abs_scaled)
{
    double w = 0;
    size_t i;
    for (i = 0; i < p->n; i++) {
        const nn_tensor *t = p->t[i];
        char name[128];
        float *e;
        double r, a = abs_tol;
        if (grads && p->kind[i] != NN_PARAM) continue;
        snprintf(name, sizeof name, "%s%s", prefix, t->name);
        if (p->kind[i] == NN_COUNTER) {
            const nn_st_tensor *s = nn_st_find(f, name);
            if (CHECK(s && s->dtype == NN_ST_I64))
                CHECK_EQ_INT((long long)g99_load_le64(s->data), (long long)t->data[0]);
            continue;
        }
        e = golden_floats(f, name, t->numel);
        if (!e) return 1e30;
        if (abs_scaled) a = abs_tol * largest_abs(e, t->numel);
        r = golden_worst(e, grads ? t->grad : t->data, t->numel, a, rel_tol, 0);
        if (!(r <= 1.0)) {
            fprintf(stderr, "    %s: worst error %.3g of the tolerance\n", name, r);
            CHECK(r <= 1.0);
        }
        if (!(r <= w)) w = r;
        free(e);
    }
    return w;
}

static int load_pytorch_init(gan_dcgan *m, g99_error *err)
{
    int rc = gan_dcgan_init(m, &small_cfg, err);
    if (!rc) rc = nn_checkpoint_load("golden/nn/dcgan_G.safetensors", &m->g, NULL, err);
    if (!rc) rc = nn_checkpoint_load("golden/nn/dcgan_D.safetensors", &m->d, NULL, err);
    return rc;
}

/* A state_dict PyTorch wrote (I64 num_batches_tracked included) loads with
 * the file's values in the right slots. */
static void pytorch_state_dict_loads(void)
{
    gan_dcgan m;
    g99_error err;
    nn_st_file *f;
    if (!CHECK_EQ_INT(0, load_pytorch_init(&m, &err))) {
        fprintf(stderr, "    %s\n", err.msg);
        return;
    }
    CHECK_EQ_U64(5 + 3 * 5, m.d.n);   /* 5 convs; 3 BNs of weight, bias, 2 running stats, counter */
    if (CHECK_EQ_INT(0, nn_st_load("golden/nn/dcgan_D.safetensors", NN_ST_MAX_FILE, &f, &err))) {
        CHECK_EQ_U64(f->n_tensors, m.d.n);
        CHECK_EQ_STR("dcgan", nn_st_meta(f, "gan99.arch"));
        CHECK(compare_params(f, &m.d, "", 0, 1e-30, 0, 0) == 0.0);   /* exactly equal */
        nn_st_free(f);
    }
    gan_dcgan_free(&m);
}

/* gan99's writer gives the very bytes of the golden file (the reference
 * writer's layout, as the Python script writes it) for the same content. */
static void save_is_byte_identical(void)
{
    static const char *const which[2] = { "G", "D" };
    gan_dcgan m;
    g99_error err;
    int k;
    if (!CHECK_EQ_INT(0, load_pytorch_init(&m, &err))) return;
    for (k = 0; k < 2; k++) {
        char golden[64];
        uint8_t *a = NULL, *b = NULL;
        size_t na = 0, nb = 0;
        const char *out = test_tmp_path(k ? "D.safetensors" : "G.safetensors");
        snprintf(golden, sizeof golden, "golden/nn/dcgan_%s.safetensors", which[k]);
        if (!CHECK_EQ_INT(0, nn_checkpoint_save(out, k ? &m.d : &m.g, "dcgan", CONFIG, NULL, &err))) break;
        if (CHECK_EQ_INT(0, g99_read_file(golden, (size_t)1 << 26, &a, &na, &err)) &&
            CHECK_EQ_INT(0, g99_read_file(out, (size_t)1 << 26, &b, &nb, &err)) && CHECK_EQ_U64(na, nb))
            CHECK(memcmp(a, b, na) == 0);
        free(a);
        free(b);
    }
    gan_dcgan_free(&m);
}

/* The reference's training loop, 3 steps, against PyTorch. */
static void three_adam_steps_match_pytorch(void)
{
    gan_dcgan m;
    g99_error err;
    nn_st_file *f = NULL;
    nn_adam optd, optg;
    nn_ctx *ctx = nn_ctx_new(0);
    float *real = NULL, *noise = NULL, *loss = NULL;
    int rs[4] = { 4, 3, 64, 64 }, zs[4] = { 4, 32, 1, 1 }, b4[1] = { 4 }, step, i;
    double wg = 0, wl = 0, wp;
    static const float ones[4] = { 1, 1, 1, 1 }, zeros[4] = { 0, 0, 0, 0 };
    memset(&optd, 0, sizeof optd);
    memset(&optg, 0, sizeof optg);
    if (!CHECK(ctx) || !CHECK_EQ_INT(0, load_pytorch_init(&m, &err))) {
        nn_ctx_free(ctx);
        return;
    }
    if (!CHECK_EQ_INT(0, nn_st_load("golden/nn/dcgan_train.safetensors", NN_ST_MAX_FILE, &f, &err))) goto done;
    real = golden_floats(f, "real", 4 * 3 * 64 * 64);
    noise = golden_floats(f, "noise", 3 * 4 * 32);
    loss = golden_floats(f, "loss", 9);
    if (!real || !noise || !loss) goto done;
    CHECK_EQ_INT(0, nn_adam_init(&optd, &m.d, 2e-4f, 0.5f, 0.999f, 1e-8f, &err));
    CHECK_EQ_INT(0, nn_adam_init(&optg, &m.g, 2e-4f, 0.5f, 0.999f, 1e-8f, &err));
    for (step = 0; step < 3; step++) {
        nn_tensor *out, *fake, *l[3];
        nn_ctx_reset(ctx);
        nn_params_zero_grad(&m.d);
        out = gan_dcgan_discriminate(ctx, &m, nn_tensor_from(ctx, 4, rs, real), 1);
        l[0] = nn_bce_loss(ctx, out, nn_tensor_from(ctx, 1, b4, ones));
        if (!CHECK_EQ_INT(0, nn_backward(ctx, l[0], 0))) break;
        fake = gan_dcgan_generate(ctx, &m, nn_tensor_from(ctx, 4, zs, noise + step * 4 * 32), 1);
        out = gan_dcgan_discriminate(ctx, &m, nn_detach(ctx, fake), 1);
        l[1] = nn_bce_loss(ctx, out, nn_tensor_from(ctx, 1, b4, zeros));
        if (!CHECK_EQ_INT(0, nn_backward(ctx, l[1], 0))) break;
        if (step == 0) wg = compare_params(f, &m.d, "grad.D.", 1, 1e-5, 1e-4, 1);
        CHECK_EQ_INT(0, nn_adam_step(&optd, &m.d, &err));
        nn_params_zero_grad(&m.g);
        out = gan_dcgan_discriminate(ctx, &m, fake, 1);
        l[2] = nn_bce_loss(ctx, out, nn_tensor_from(ctx, 1, b4, ones));
        if (!CHECK_EQ_INT(0, nn_backward(ctx, l[2], 0))) break;
        if (step == 0) {
            double w = compare_params(f, &m.g, "grad.G.", 1, 1e-5, 1e-4, 1);
            if (w > wg) wg = w;
        }
        CHECK_EQ_INT(0, nn_adam_step(&optg, &m.g, &err));
        for (i = 0; i < 3; i++) {
            double r = golden_worst(&loss[step * 3 + i], l[i]->data, 1, 1e-5, 1e-4, 0);
            CHECK(r <= 1.0);
            if (r > wl) wl = r;
        }
    }
    wp = compare_params(f, &m.g, "after.G.", 0, 1e-5, 1e-4, 0);
    {
        double w = compare_params(f, &m.d, "after.D.", 0, 1e-5, 1e-4, 0);
        if (w > wp) wp = w;
    }
    printf("  dcgan golden: worst error as a fraction of its tolerance: losses %.3f, "
           "first-step gradients %.3f, parameters after 3 steps %.3f\n", wl, wg, wp);
done:
    CHECK_EQ_STR("", nn_ctx_error(ctx)->msg);
    free(real);
    free(noise);
    free(loss);
    nn_st_free(f);
    nn_adam_free(&optd);
    nn_adam_free(&optg);
    gan_dcgan_free(&m);
    nn_ctx_free(ctx);
}

/* Loading names what is wrong and changes nothing. */
static void checkpoint_errors(void)
{
    gan_dcgan m, other;
    gan_dcgan_config wide = { 32, 8, 16, 3, 64 };
    nn_params extra;
    g99_error err;
    int s1[1] = { 1 };
    float before;
    if (!CHECK_EQ_INT(0, load_pytorch_init(&m, &err))) return;
    before = m.d.t[0]->data[0];
    /* G's file into D: the first key D wants that G lacks */
    CHECK_EQ_INT(G99_EFORMAT, nn_checkpoint_load("golden/nn/dcgan_G.safetensors", &m.d, NULL, &err));
    CHECK_EQ_STR("golden/nn/dcgan_G.safetensors: tensor \"main.0.weight\" has shape [32,64,4,4] in the file, "
                 "[8,3,4,4] in the model", err.msg);
    CHECK_EQ_FBITS(before, m.d.t[0]->data[0]);
    /* a wider D: shapes differ */
    if (CHECK_EQ_INT(0, gan_dcgan_init(&other, &wide, &err))) {
        CHECK_EQ_INT(G99_EFORMAT, nn_checkpoint_load("golden/nn/dcgan_D.safetensors", &other.d, NULL, &err));
        CHECK_EQ_STR("golden/nn/dcgan_D.safetensors: tensor \"main.0.weight\" has shape [8,3,4,4] in the file, "
                     "[16,3,4,4] in the model", err.msg);
        gan_dcgan_free(&other);
    }
    /* a model with one more key; the file's I64 counter read as F32 */
    nn_params_init(&extra);
    if (CHECK(nn_params_add(&extra, "main.3.num_batches_tracked", NN_BUFFER, 0, NULL, &err) != NULL) &&
        CHECK_EQ_INT(0, nn_params_alloc(&extra, &err))) {
        CHECK_EQ_INT(G99_EFORMAT, nn_checkpoint_load("golden/nn/dcgan_D.safetensors", &extra, NULL, &err));
        CHECK_EQ_STR("golden/nn/dcgan_D.safetensors: tensor \"main.3.num_batches_tracked\" is I64, the model "
                     "wants F32", err.msg);
    }
    nn_params_free(&extra);
    nn_params_init(&extra);
    if (CHECK(nn_params_add(&extra, "main.0.weight", NN_PARAM, 1, s1, &err) != NULL) &&
        CHECK_EQ_INT(0, nn_params_alloc(&extra, &err))) {
        CHECK_EQ_INT(G99_EFORMAT, nn_checkpoint_load("golden/nn/dcgan_D.safetensors", &extra, NULL, &err));
        CHECK_CONTAINS("tensor \"main.0.weight\" has shape [8,3,4,4] in the file, [1] in the model", err.msg);
    }
    nn_params_free(&extra);
    /* the file holds keys the model does not know (strict) */
    nn_params_init(&extra);
    if (CHECK(nn_params_add(&extra, "main.0.weight", NN_PARAM, 4, m.d.t[0]->shape, &err) != NULL) &&
        CHECK_EQ_INT(0, nn_params_alloc(&extra, &err))) {
        CHECK_EQ_INT(G99_EFORMAT, nn_checkpoint_load("golden/nn/dcgan_D.safetensors", &extra, NULL, &err));
        CHECK_CONTAINS("is not in the model", err.msg);
    }
    nn_params_free(&extra);
    /* a model file has no training state */
    {
        nn_adam opt;
        nn_train_state ts;
        memset(&ts, 0, sizeof ts);
        if (CHECK_EQ_INT(0, nn_adam_init(&opt, &m.d, 2e-4f, 0.5f, 0.999f, 1e-8f, &err))) {
            ts.adam = &opt;
            CHECK_EQ_INT(G99_EFORMAT, nn_checkpoint_load("golden/nn/dcgan_D.safetensors", &m.d, &ts, &err));
            CHECK_EQ_STR("golden/nn/dcgan_D.safetensors: tensor \"optim.exp_avg.main.0.weight\" is missing", err.msg);
            nn_adam_free(&opt);
        }
    }
    CHECK_EQ_INT(G99_EINVAL, nn_checkpoint_save(test_tmp_path("bad.safetensors"), &m.d, "dcgan", "[1]", NULL, &err));
    CHECK_CONTAINS("gan99.config: not a JSON object", err.msg);
    gan_dcgan_free(&m);
}

/* One training step of a small DCGAN, noise from rng (as a training loop). */
static int train_step(nn_ctx *ctx, gan_dcgan *m, nn_adam *od, nn_adam *og, nn_rng *rng, const float *real)
{
    int rs[4] = { 2, 3, 64, 64 }, zs[4] = { 2, 8, 1, 1 }, b2[1] = { 2 };
    static const float ones[2] = { 1, 1 }, zeros[2] = { 0, 0 };
    nn_tensor *z, *fake, *l;
    int rc;
    nn_ctx_reset(ctx);
    nn_params_zero_grad(&m->d);
    l = nn_bce_loss(ctx, gan_dcgan_discriminate(ctx, m, nn_tensor_from(ctx, 4, rs, real), 1),
                    nn_tensor_from(ctx, 1, b2, ones));
    if ((rc = nn_backward(ctx, l, 0)) != 0) return rc;
    z = nn_tensor_new(ctx, 4, zs);
    if (z) nn_rng_fill_normal(rng, z->data, z->numel, 0.0f, 1.0f);
    fake = gan_dcgan_generate(ctx, m, z, 1);
    l = nn_bce_loss(ctx, gan_dcgan_discriminate(ctx, m, nn_detach(ctx, fake), 1), nn_tensor_from(ctx, 1, b2, zeros));
    if ((rc = nn_backward(ctx, l, 0)) != 0) return rc;
    if ((rc = nn_adam_step(od, &m->d, NULL)) != 0) return rc;
    nn_params_zero_grad(&m->g);
    l = nn_bce_loss(ctx, gan_dcgan_discriminate(ctx, m, fake, 1), nn_tensor_from(ctx, 1, b2, ones));
    if ((rc = nn_backward(ctx, l, 0)) != 0) return rc;
    if ((rc = nn_adam_step(og, &m->g, NULL)) != 0) return rc;
    return 0;
}

/* 4 steps straight through equal 2 steps, a checkpoint, a fresh process
 * (new model, optimizers and generator loaded from the files) and 2 more
 * steps, bit for bit: parameters, BN statistics and counters, moments. */
static void resume_is_bit_identical(void)
{
    gan_dcgan_config cfg = { 8, 4, 4, 3, 64 };
    gan_dcgan a, b;
    nn_adam ad, ag, bd, bg;
    nn_rng ra, rb, init;
    nn_train_state ts;
    nn_ctx *ctx = nn_ctx_new(0);
    g99_error err;
    static float real[2 * 3 * 64 * 64];
    const char *pg = "resume_G.safetensors", *pd = "resume_D.safetensors";
    char gpath[512];
    int step;
    if (!CHECK(ctx) || !CHECK_EQ_INT(0, gan_dcgan_init(&a, &cfg, &err))) {
        nn_ctx_free(ctx);
        return;
    }
    if (!CHECK_EQ_INT(0, gan_dcgan_init(&b, &cfg, &err))) {
        gan_dcgan_free(&a);
        nn_ctx_free(ctx);
        return;
    }
    nn_rng_init(&init, 5, NN_STREAM_INIT);
    gan_dcgan_weights_init(&a, &init);
    nn_rng_fill_uniform(&init, real, sizeof real / sizeof real[0], -1.0f, 1.0f);
    nn_rng_init(&ra, 5, NN_STREAM_NOISE);
    nn_rng_init(&rb, 0, 0);   /* overwritten by the load */
    CHECK_EQ_INT(0, nn_adam_init(&ad, &a.d, 2e-4f, 0.5f, 0.999f, 1e-8f, &err));
    CHECK_EQ_INT(0, nn_adam_init(&ag, &a.g, 2e-4f, 0.5f, 0.999f, 1e-8f, &err));
    CHECK_EQ_INT(0, nn_adam_init(&bd, &b.d, 2e-4f, 0.5f, 0.999f, 1e-8f, &err));
    CHECK_EQ_INT(0, nn_adam_init(&bg, &b.g, 2e-4f, 0.5f, 0.999f, 1e-8f, &err));
    for (step = 0; step < 2; step++) CHECK_EQ_INT(0, train_step(ctx, &a, &ad, &ag, &ra, real));
    memset(&ts, 0, sizeof ts);
    ts.adam = &ag;
    ts.step = 2;
    ts.rng = &ra;
    ts.n_rng = 1;
    snprintf(gpath, sizeof gpath, "%s", test_tmp_path(pg));
    CHECK_EQ_INT(0, nn_checkpoint_save(gpath, &a.g, "dcgan", "{\"nz\":8}", &ts, &err));
    ts.adam = &ad;
    ts.n_rng = 0;
    CHECK_EQ_INT(0, nn_checkpoint_save(test_tmp_path(pd), &a.d, "dcgan", NULL, &ts, &err));
    for (step = 2; step < 4; step++) CHECK_EQ_INT(0, train_step(ctx, &a, &ad, &ag, &ra, real));

    ts.adam = &bg;
    ts.step = 0;
    ts.rng = &rb;
    ts.n_rng = 1;
    if (!CHECK_EQ_INT(0, nn_checkpoint_load(gpath, &b.g, &ts, &err))) fprintf(stderr, "    %s\n", err.msg);
    CHECK_EQ_U64(2, ts.step);
    CHECK_EQ_U64(5, rb.seed);
    CHECK_EQ_U64(NN_STREAM_NOISE, rb.stream);
    ts.adam = &bd;
    ts.n_rng = 0;
    if (!CHECK_EQ_INT(0, nn_checkpoint_load(test_tmp_path(pd), &b.d, &ts, &err))) fprintf(stderr, "    %s\n", err.msg);
    CHECK_EQ_INT(2, (int)bd.step);
    for (step = 2; step < 4; step++) CHECK_EQ_INT(0, train_step(ctx, &b, &bd, &bg, &rb, real));
    CHECK_EQ_MEM(a.g.data, b.g.data, a.g.n_total * sizeof(float));
    CHECK_EQ_MEM(a.d.data, b.d.data, a.d.n_total * sizeof(float));
    CHECK_EQ_MEM(ag.v, bg.v, ag.n * sizeof(float));
    CHECK_EQ_MEM(ad.m, bd.m, ad.n * sizeof(float));
    CHECK_EQ_U64(ra.pos, rb.pos);
    CHECK_EQ_FBITS(12.0f, nn_params_find(&b.d, "main.3.num_batches_tracked")->data[0]);  /* 3 D passes a step */
    nn_adam_free(&ad);
    nn_adam_free(&ag);
    nn_adam_free(&bd);
    nn_adam_free(&bg);
    gan_dcgan_free(&a);
    gan_dcgan_free(&b);
    nn_ctx_free(ctx);
}

const test_case dcgan_tests[] = {
    TEST(pytorch_state_dict_loads),
    TEST(save_is_byte_identical),
    TEST(three_adam_steps_match_pytorch),
    TEST(checkpoint_errors),
    TEST(resume_is_bit_identical),
    TEST_END
};
