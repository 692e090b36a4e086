/* Tests of Toonify's transfer learning (gan99 train --from, --freeze-d),
 * the blend sweep and the projector (gan/project.c), through the binary as
 * a user runs them, on tiny models trained here. Expected values are
 * hand-derived: a --from run starts from the base's tensors (its frozen D
 * layers are the base's bytes after steps; its G, at a learning rate of
 * 1e-9, is the base's to 1e-6 while a fresh run's is not); an arch flag
 * that differs from the base's is refused naming it, nothing written. */
#include "test.h"
#include "cli_run.h"

#include "../gan/gan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TINY "stylegan --size 16 --channel-base 64 --channel-max 8 --z-dim 8 --w-dim 8 --map-layers 2 --batch 4"

/* A tensor of a safetensors file (NULL when absent); free() it. */
static float *tensor(const char *path, const char *key, size_t *n)
{
    nn_st_file *f;
    const nn_st_tensor *t;
    float *v = NULL;
    if (nn_st_load(path, NN_ST_MAX_FILE, &f, NULL)) return NULL;
    t = nn_st_find(f, key);
    if (t && (v = (float *)malloc(t->numel * sizeof(float))) != NULL && nn_st_read_f32(t, v, t->numel, NULL)) {
        free(v);
        v = NULL;
    }
    if (v) *n = t->numel;
    nn_st_free(f);
    return v;
}

/* max |a - b| over a tensor of two files; -1 when missing or of other sizes;
 * *same: bytes equal. */
static double diff(const char *a, const char *b, const char *key, int *same)
{
    size_t na = 0, nb = 0, i;
    float *x = tensor(a, key, &na), *y = tensor(b, key, &nb);
    double d = -1;
    if (x && y && na == nb) {
        d = 0;
        for (i = 0; i < na; i++)
            if (fabs((double)x[i] - y[i]) > d) d = fabs((double)x[i] - y[i]);
        if (same) *same = memcmp(x, y, na * sizeof(float)) == 0;
    }
    free(x);
    free(y);
    return d;
}

/* The base every test here starts from: 3 steps on synth:16, made once. */
static const char *base_run(void)
{
    static char dir[1024];
    static int made;
    if (!made) {
        snprintf(dir, sizeof dir, "%s", cli_run_tmp("toon_base"));
        cli_run_remove_tree(dir);
        if (cli_run("train " TINY " --data synth:16 --steps 3 --out %s", dir) != 0) return NULL;
        made = 1;
    }
    return dir;
}

static void from_starts_at_the_base(void)
{
    char ck_base[1100], ck[1100], ck_fresh[1100];
    const char *base, *run = cli_run_tmp("toon_from"), *fresh;
    int same = 0;
    double d;
    if (cli_run_binary_missing()) return;
    CHECK((base = base_run()) != NULL);
    if (!base) return;
    cli_run_remove_tree(run);
    CHECK_EQ_INT(0, cli_run("train stylegan --from %s --data synth-toon:16 --steps 2 --lr 1e-9 --freeze-d 4 --out %s",
                            base, run));
    snprintf(ck_base, sizeof ck_base, "%s/checkpoint.safetensors", base);
    snprintf(ck, sizeof ck, "%s/checkpoint.safetensors", run);
    /* Freeze-D 4 at size 16: b16's fromrgb, conv0, conv1 and skip keep the base's bytes */
    CHECK(diff(ck_base, ck, "D.b16.fromrgb.weight", &same) == 0 && same);
    CHECK(diff(ck_base, ck, "D.b16.conv1.weight", &same) == 0 && same);
    CHECK(diff(ck_base, ck, "D.b16.skip.weight", &same) == 0 && same);
    /* the next layer trains (lr 1e-9: a change in the last bits) */
    same = 1;
    CHECK(diff(ck_base, ck, "D.b8.conv0.weight", &same) >= 0 && !same);
    /* G starts at the base's: after two steps at lr 1e-9 it is the base's to 1e-6 */
    d = diff(ck_base, ck, "G.synthesis.b4.const", NULL);
    CHECK(d >= 0 && d < 1e-6);
    d = diff(ck_base, ck, "G.synthesis.b8.conv0.weight", NULL);
    CHECK(d >= 0 && d < 1e-6);
    /* a fresh run of the same seed is not: the base moved in its 3 steps */
    fresh = cli_run_tmp("toon_fresh");
    cli_run_remove_tree(fresh);
    CHECK_EQ_INT(0, cli_run("train " TINY " --data synth-toon:16 --steps 2 --lr 1e-9 --out %s", fresh));
    snprintf(ck_fresh, sizeof ck_fresh, "%s/checkpoint.safetensors", fresh);
    CHECK(diff(ck_base, ck_fresh, "G.synthesis.b8.conv0.weight", NULL) > 1e-4);
    cli_run_remove_tree(fresh);
    cli_run_remove_tree(run);
}

static void from_model_file_and_refusals(void)
{
    char model[1100];
    const char *base, *run = cli_run_tmp("toon_from2");
    if (cli_run_binary_missing()) return;
    CHECK((base = base_run()) != NULL);
    if (!base) return;
    snprintf(model, sizeof model, "%s/model.safetensors", base);
    cli_run_remove_tree(run);
    CHECK_EQ_INT(0, cli_run("train stylegan --from %s --data synth-toon:16 --steps 1 --out %s", model, run));
    CHECK_CONTAINS("G copied from it; D initialized fresh", cli_run_err);
    cli_run_remove_tree(run);
    /* another architecture than the base's: refused naming the flag, nothing written */
    CHECK_EQ_INT(2, cli_run("train stylegan --from %s --size 32 --data synth-toon:16 --steps 1 --out %s", base, run));
    CHECK_CONTAINS("--size 32 differs from the base's 16", cli_run_err);
    CHECK(!cli_run_exists(run));
    /* another family's file */
    CHECK_EQ_INT(2, cli_run("train dcgan --from %s --data synth:16 --steps 1 --out %s", base, run));
    CHECK_CONTAINS("not a dcgan model or checkpoint", cli_run_err);
    CHECK(!cli_run_exists(run));
    CHECK_EQ_INT(2, cli_run("train stylegan --from %s --resume --out %s", base, run));
    /* more layers than D has (size 16: 4 + 3) */
    CHECK_EQ_INT(2, cli_run("train stylegan --from %s --freeze-d 8 --data synth-toon:16 --steps 1 --out %s", base, run));
    CHECK_CONTAINS("--freeze-d 8", cli_run_err);
    cli_run_remove_tree(run);
}

/* The sweep's grid: 3 seeds x swap resolutions 4, 8, 16 at size 16, margins
 * of 2: 3*16 + 4*2 = 56 square; a model blended with itself gives the same
 * image in every column of a row. */
static void blend_sweep_grid(void)
{
    char model[1100];
    const char *base, *out = cli_run_tmp("toon_sweep.png");
    img_image img;
    int x, y, c, same = 1;
    if (cli_run_binary_missing()) return;
    CHECK((base = base_run()) != NULL);
    if (!base) return;
    snprintf(model, sizeof model, "%s/model.safetensors", base);
    CHECK_EQ_INT(0, cli_run("blend %s %s --sweep --seeds 1,2,3 --out %s", model, model, out));
    if (!CHECK_EQ_INT(0, img_png_load(out, NULL, &img, NULL))) return;
    CHECK_EQ_INT(56, img.width);
    CHECK_EQ_INT(56, img.height);
    for (y = 0; y < img.height; y++)
        for (x = 2; x < 2 + 16; x++)
            for (c = 1; c < 3; c++)
                same &= memcmp(&img.data[((size_t)y * img.width + x) * img.channels],
                               &img.data[((size_t)y * img.width + x + c * 18) * img.channels], (size_t)img.channels) == 0;
    CHECK(same);
    img_free(&img);
    remove(out);
    CHECK_EQ_INT(2, cli_run("blend %s %s --sweep --swap-res 8 --out %s", model, model, out));
    CHECK(!cli_run_exists(out));
}

/* A tiny G: size 16, 8 channels, w_dim 8, weights of the reference's init. */
static int tiny_g(gan_stylegan *m)
{
    gan_stylegan_config c;
    nn_rng rng;
    gan_stylegan_config_default(&c, 16);
    c.z_dim = c.w_dim = 8;
    c.map_layers = 2;
    c.channel_base = 64;
    c.channel_max = 8;
    if (gan_stylegan_init(m, &c, NULL)) return 0;
    nn_rng_init(&rng, 7, NN_STREAM_INIT);
    gan_stylegan_weights_init(m, &rng);
    return 1;
}

/* The distance by hand: 0 for equal images; for x - y = 1 everywhere, MSE 1
 * plus the mean of the L1 terms (1 at each scale) = 2. */
static void distance_by_hand(void)
{
    nn_ctx *ctx = nn_ctx_new(0);
    int sh[4] = { 1, 3, 16, 16 };
    nn_tensor *x = nn_tensor_new(ctx, 4, sh), *y = nn_tensor_new(ctx, 4, sh), *d;
    size_t i;
    for (i = 0; i < x->numel; i++) {
        x->data[i] = (float)(i % 7) / 7.0f - 0.5f;
        y->data[i] = x->data[i];
    }
    d = gan_project_distance_t(ctx, x, y);
    CHECK(d != NULL && d->data[0] == 0.0f);
    for (i = 0; i < y->numel; i++) y->data[i] = x->data[i] - 1.0f;
    d = gan_project_distance_t(ctx, x, y);
    CHECK(d != NULL);
    if (d) CHECK_NEAR(2.0, d->data[0], 1e-5, 0);
    nn_ctx_free(ctx);
}

/* The projection of an image the model made from some w ends closer to it
 * than the start, the mean w (the optimizer's whole purpose; a hand-derived
 * property, not a value). */
static void projection_beats_the_mean_w(void)
{
    gan_stylegan m;
    gan_project_opts o;
    gan_project_result r;
    float z[8], target[3 * 16 * 16], w[8];
    g99_error err;
    if (!tiny_g(&m)) {
        CHECK(0);
        return;
    }
    gan_latent_normal(3, 8, z);
    {
        gan_sg_render rs;
        rs.psi = 1.0f;
        rs.cutoff = 0;
        rs.noise_mode = GAN_SG_NOISE_CONST;
        rs.noise_seed = 0;
        CHECK_EQ_INT(0, gan_stylegan_render_z(&m.g_ema, z, 1, &rs, target, NULL));
    }
    gan_project_opts_default(&o);
    o.steps = 60;
    o.w_avg_samples = 500;
    CHECK_EQ_INT(0, gan_stylegan_project(&m.g_ema, target, &o, w, &r, &err));
    CHECK_EQ_INT(60, r.steps);
    CHECK(r.dist_start > 0.0f);
    CHECK(r.dist_end < r.dist_start);
    /* the noise buffers were optimized and renormalized each step: mean 0, mean square 1 */
    {
        const nn_tensor *b = m.g_ema.block[1].conv1.noise_const;
        double mean = 0, sq = 0;
        size_t i;
        CHECK(b != NULL);
        for (i = 0; b && i < b->numel; i++) {
            mean += b->data[i];
            sq += (double)b->data[i] * b->data[i];
        }
        if (b) {
            CHECK_NEAR(0.0, mean / (double)b->numel, 1e-5, 0);
            CHECK_NEAR(1.0, sq / (double)b->numel, 1e-4, 0);
        }
    }
    gan_stylegan_free(&m);
}

/* toonify on the shipped photo with a tiny base and its blend with a
 * fine-tuned copy: every output written; bad models refused, nothing written. */
static void toonify_end_to_end(void)
{
    char model[1100], toon[1100], photo[1100], f[1200];
    const char *base, *run = cli_run_tmp("toon_ft"), *out = cli_run_tmp("toon_out"), *blended;
    static const char *const names[4] = { "aligned.png", "projected.png", "toon.png", "projection.gif" };
    int i;
    if (cli_run_binary_missing()) return;
    CHECK((base = base_run()) != NULL);
    if (!base) return;
    snprintf(model, sizeof model, "%s/model.safetensors", base);
    snprintf(toon, sizeof toon, "%s/model.safetensors", run);
    snprintf(photo, sizeof photo, "%s", "data/astronaut.jpg");
    if (!cli_run_exists(photo)) snprintf(photo, sizeof photo, "%s", "../../data/astronaut.jpg");
    cli_run_remove_tree(run);
    cli_run_remove_tree(out);
    CHECK_EQ_INT(0, cli_run("train stylegan --from %s --data synth-toon:16 --steps 2 --out %s", base, run));
    blended = cli_run_tmp("toon_blended.safetensors");
    CHECK_EQ_INT(0, cli_run("blend %s %s --swap-res 8 --out %s", toon, model, blended));
    CHECK_EQ_INT(0, cli_run("toonify %s --base %s --blended %s --out %s --steps 20", photo, model, blended, out));
    CHECK_CONTAINS("projected in 20 steps", cli_run_out);
    for (i = 0; i < 4; i++) {
        snprintf(f, sizeof f, "%s/astronaut_%s", out, names[i]);
        CHECK(cli_run_exists(f));
    }
    /* a photo without a face: the centre square, with a note */
    {
        img_image flat;
        const char *flat_path = cli_run_tmp("toon_flat.png");
        CHECK_EQ_INT(0, img_new(&flat, 40, 30, 3, 8, NULL));
        memset(flat.data, 128, (size_t)40 * 30 * 3);
        CHECK_EQ_INT(0, img_png_save(flat_path, &flat, NULL));
        img_free(&flat);
        CHECK_EQ_INT(0, cli_run("toonify %s --base %s --blended %s --out %s --steps 3", flat_path, model, blended, out));
        CHECK_CONTAINS("using the centre square of the photo", cli_run_err);
        snprintf(f, sizeof f, "%s/toon_flat_toon.png", out);
        CHECK(cli_run_exists(f));
        remove(flat_path);
    }
    cli_run_remove_tree(out);
    /* not a model: refused, nothing written */
    CHECK_EQ_INT(2, cli_run("toonify %s --base %s --blended %s --out %s", photo, photo, blended, out));
    CHECK(!cli_run_exists(out));
    remove(blended);
    cli_run_remove_tree(run);
}

const test_case toonify_tests[] = {
    TEST(toonify_end_to_end),
    TEST(blend_sweep_grid),
    TEST(distance_by_hand),
    TEST(projection_beats_the_mean_w),
    TEST(from_starts_at_the_base),
    TEST(from_model_file_and_refusals),
    TEST_END,
};
