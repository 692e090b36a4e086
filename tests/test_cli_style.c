/* gan99 mix and sample's StyleGAN2 options (cli/cmd_mix.c,
 * cli/cmd_sample.c, gan/stylegan_render.c) run as a user runs them, on a
 * tiny StyleGAN2 trained one step here. The expected values are derived by
 * hand from what the operations mean (the networks themselves are checked
 * against PyTorch in the stylegan suite):
 *   - a cell that takes every ws from its column is the column's image;
 *   - a cell whose row and column seeds are the same is that seed's image;
 *   - truncation 0 puts every w at w_avg, so every image is the same;
 *   - truncation 1 with constant noise is the plain sample;
 *   - random noise differs from constant noise once noise_strength moved;
 *   - --snapshot-every K keeps the model of steps K, 2K, ... only;
 * and bad input exits 2 naming the value. */
#include "test.h"
#include "cli_run.h"
#include "../gan/gan.h"

#include <stdio.h>
#include <string.h>

#define RES 16
#define TILE (RES + 2)   /* gan_sample_rows' and the grids' margin of 2 */

static const char *model_path(void)
{
    static char path[1200];
    static int state;   /* 0 not made, 1 made, -1 failed */
    if (state == 0) {
        const char *dir = cli_run_tmp("style_model");
        cli_run_remove_tree(dir);
        state = cli_run("train stylegan --data synth:8 --size %d --batch 4 --steps 2 --z-dim 8 --w-dim 8 "
                        "--map-layers 2 --channel-base 64 --channel-max 8 --out %s", RES, dir) == 0 ? 1 : -1;
        snprintf(path, sizeof path, "%s/model.safetensors", dir);
    }
    CHECK_EQ_INT(1, state);
    return state == 1 ? path : NULL;
}

/* Tile (row, col) of a grid of TILE-spaced images equals tile (row2, col2). */
static int same_tile(const img_image *im, int r1, int c1, int r2, int c2)
{
    int y, row = im->width * im->channels, w = RES * im->channels;
    for (y = 0; y < RES; y++) {
        const uint8_t *a = im->data + (size_t)(2 + r1 * TILE + y) * row + (size_t)(2 + c1 * TILE) * im->channels;
        const uint8_t *b = im->data + (size_t)(2 + r2 * TILE + y) * row + (size_t)(2 + c2 * TILE) * im->channels;
        if (memcmp(a, b, (size_t)w) != 0) return 0;
    }
    return 1;
}

static int load(const char *path, img_image *im)
{
    g99_error err;
    int rc = img_load(path, NULL, im, &err);
    CHECK_EQ_INT(0, rc);
    return rc == 0;
}

static void test_mix_all_styles_is_the_column(void)
{
    const char *m = model_path(), *out = cli_run_tmp("mix_all.png");
    img_image im;
    int r, c;
    if (!m) return;
    CHECK_EQ_INT(0, cli_run("mix %s --rows 1,2 --cols 3,4,5 --styles 0-5 --out %s", m, out));
    if (!load(out, &im)) return;
    CHECK_EQ_INT(4 * TILE + 2, im.width);
    CHECK_EQ_INT(3 * TILE + 2, im.height);
    for (r = 1; r <= 2; r++)
        for (c = 1; c <= 3; c++) CHECK(same_tile(&im, r, c, 0, c));
    img_free(&im);
}

static void test_mix_same_seed_is_the_source(void)
{
    const char *m = model_path(), *out = cli_run_tmp("mix_same.png");
    img_image im;
    if (!m) return;
    CHECK_EQ_INT(0, cli_run("mix %s --rows 7,8 --cols 8,7 --styles coarse --out %s", m, out));
    if (!load(out, &im)) return;
    CHECK(same_tile(&im, 1, 2, 1, 0));   /* row seed 7, column seed 7 */
    CHECK(same_tile(&im, 2, 1, 2, 0));   /* 8 and 8 */
    CHECK(same_tile(&im, 0, 1, 2, 0));   /* seed 8 along the top and down the side */
    CHECK(!same_tile(&im, 1, 0, 2, 0));  /* two seeds, two faces */
    img_free(&im);
}

static void test_sample_truncation_and_noise(void)
{
    const char *m = model_path(), *a = cli_run_tmp("sg_plain.png"), *b = cli_run_tmp("sg_psi1.png");
    const char *c = cli_run_tmp("sg_psi0.png"), *d = cli_run_tmp("sg_random.png");
    img_image ia, ib, ic, id;
    int i;
    if (!m) return;
    CHECK_EQ_INT(0, cli_run("sample %s --n 4 --seed 5 --out %s", m, a));
    CHECK_EQ_INT(0, cli_run("sample %s --n 4 --seed 5 --truncation 1 --noise const --out %s", m, b));
    CHECK_EQ_INT(0, cli_run("sample %s --n 4 --seed 5 --truncation 0 --out %s", m, c));
    CHECK_EQ_INT(0, cli_run("sample %s --n 4 --seed 5 --noise random --noise-seed 9 --out %s", m, d));
    if (!load(a, &ia) || !load(b, &ib) || !load(c, &ic) || !load(d, &id)) return;
    CHECK(ia.width == ib.width && memcmp(ia.data, ib.data, (size_t)ia.width * ia.height * ia.channels) == 0);
    for (i = 1; i < 4; i++) CHECK(same_tile(&ic, i / 2, i % 2, 0, 0));
    CHECK(!same_tile(&ia, 0, 0, 0, 1));
    CHECK(memcmp(ia.data, id.data, (size_t)ia.width * ia.height * ia.channels) != 0);
    img_free(&ia);
    img_free(&ib);
    img_free(&ic);
    img_free(&id);
}

/* morph runs a StyleGAN2 model through W (the frames themselves go
 * through the GIF's palette, so only the run and the file are checked). */
static void test_morph_in_w(void)
{
    const char *m = model_path(), *out = cli_run_tmp("sg_morph.gif");
    if (!m) return;
    CHECK_EQ_INT(0, cli_run("morph %s --seeds 1,2,3 --frames 3 --out %s", m, out));
    CHECK(strstr(cli_run_out, "6 frames") != NULL);
    CHECK(cli_run_exists(out));
}

/* --snapshot-every keeps a model file per K steps, each one sampleable. */
static void test_snapshots(void)
{
    const char *dir = cli_run_tmp("style_snap"), *out = cli_run_tmp("snap.png");
    char p1[1200], p2[1200], p3[1200];
    cli_run_remove_tree(dir);
    CHECK_EQ_INT(0, cli_run("train stylegan --data synth:8 --size 16 --batch 4 --steps 3 --z-dim 8 --w-dim 8 "
                            "--map-layers 2 --channel-base 64 --channel-max 8 --snapshot-every 2 --out %s", dir));
    snprintf(p1, sizeof p1, "%s/snapshots/model_0000001.safetensors", dir);
    snprintf(p2, sizeof p2, "%s/snapshots/model_0000002.safetensors", dir);
    snprintf(p3, sizeof p3, "%s/snapshots/model_0000003.safetensors", dir);
    CHECK(!cli_run_exists(p1));
    CHECK(cli_run_exists(p2));
    CHECK(!cli_run_exists(p3));
    CHECK_EQ_INT(0, cli_run("sample %s --n 4 --out %s", p2, out));
}

static void test_bad_input(void)
{
    const char *m = model_path(), *out = cli_run_tmp("mix_bad.png"), *dc = cli_run_tmp("style_dcgan");
    char dcm[1200];
    if (!m) return;
    CHECK_EQ_INT(2, cli_run("mix %s --rows 1 --cols 2 --styles ultra --out %s", m, out));
    CHECK(strstr(cli_run_err, "ultra") != NULL);
    CHECK_EQ_INT(2, cli_run("mix %s --rows 1 --cols 2 --styles 5-2 --out %s", m, out));
    CHECK_EQ_INT(2, cli_run("mix %s --rows 1 --cols 2 --styles 0-99 --out %s", m, out));
    CHECK_EQ_INT(2, cli_run("mix %s --rows 1 --cols x --out %s", m, out));
    CHECK_EQ_INT(2, cli_run("sample %s --noise loud --out %s", m, out));
    CHECK(strstr(cli_run_err, "loud") != NULL);
    CHECK(!cli_run_exists(out));
    cli_run_remove_tree(dc);
    CHECK_EQ_INT(0, cli_run("train dcgan --data synth:4 --size 32 --batch 2 --steps 1 --nz 4 --ngf 4 --ndf 4 "
                            "--out %s", dc));
    snprintf(dcm, sizeof dcm, "%s/model.safetensors", dc);
    CHECK_EQ_INT(2, cli_run("mix %s --rows 1 --cols 2 --out %s", dcm, out));
    CHECK(strstr(cli_run_err, "StyleGAN2") != NULL);
    CHECK_EQ_INT(2, cli_run("sample %s --truncation 0.7 --out %s", dcm, out));
    CHECK(strstr(cli_run_err, "StyleGAN2") != NULL);
    CHECK(!cli_run_exists(out));
}

const test_case cli_style_tests[] = {
    { "mix_all_styles_is_the_column", test_mix_all_styles_is_the_column },
    { "mix_same_seed_is_the_source", test_mix_same_seed_is_the_source },
    { "sample_truncation_and_noise", test_sample_truncation_and_noise },
    { "morph_in_w", test_morph_in_w },
    { "snapshots", test_snapshots },
    { "bad_input", test_bad_input },
    { NULL, NULL },
};
