/* gan99 pairs and gan99 translate (cli/cmd_pairs.c, cli/cmd_translate.c)
 * run as a user runs them (tests/cli_run.h), and gan_model_translate
 * (gan/family.c) on a toy family.
 *
 * Expected values are derived by hand: the split counts are floor(n * p /
 * 100) for val and test and the rest for train; which file lands where
 * follows from the shuffle's positions (the Philox shuffle itself is
 * checked against its golden values in the prng suite); A is img_filter of
 * B pixel for pixel (image/ checks the filters against OpenCV); a 2x
 * INTER_AREA shrink is the mean of each 2x2 block (within 1 for OpenCV's
 * rounding); the toy family's output is a formula of its input. The
 * end-to-end translate test needs an image-to-image family and prints a
 * skip note in a tree that has none. */
#include "test.h"
#include "cli_run.h"
#include "../gan/gan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_FACES 7   /* face_0 .. face_5 in colour, face_6 grey */
#define FACE_SIZE 96

#define SKIP_WITHOUT_BINARY()                                                                      \
    do {                                                                                           \
        if (cli_run_binary_missing()) {                                                            \
            if (test_gan99_given()) CHECK(!"the --gan99 binary is missing");                      \
            else fprintf(stderr, "  (cli_pix: no %s; `make test` builds it)\n", test_gan99_path()); \
            return;                                                                                \
        }                                                                                          \
    } while (0)

/* ---- inputs ---- */

static char faces_dir[1024];
static int faces_state;   /* 0 not written yet, 1 written, -1 failed */

/* Face i of seed 3 at FACE_SIZE (grey for the last one). */
static int render_face(int i, img_image *out)
{
    gan_face f;
    int rc = gan_synthface_render(3, (uint64_t)i, FACE_SIZE, &f, NULL);
    if (rc) return rc;
    if (i == N_FACES - 1) rc = img_grey(&f.rgb, IMG_ORDER_RGB, out, NULL);
    else {
        *out = f.rgb;
        f.rgb.data = NULL;
    }
    gan_face_free(&f);
    return rc;
}

/* The synthetic faces as PNG files in one folder, written once per run. */
static const char *faces(void)
{
    if (faces_state == 0) {
        int i;
        snprintf(faces_dir, sizeof faces_dir, "%s", cli_run_tmp("pix_faces"));
        cli_run_remove_tree(faces_dir);
        faces_state = g99_mkdir(faces_dir, NULL) == 0 ? 1 : -1;
        for (i = 0; i < N_FACES && faces_state == 1; i++) {
            img_image im;
            char path[1200];
            snprintf(path, sizeof path, "%s/face_%d.png", faces_dir, i);
            if (render_face(i, &im) || img_png_save(path, &im, NULL)) faces_state = -1;
            img_free(&im);
        }
    }
    CHECK_EQ_INT(1, faces_state);
    return faces_dir;
}

/* The number of files under dir (0 when it does not exist). */
static int files_in(const char *dir)
{
    char **paths;
    size_t n;
    if (!g99_is_dir(dir) || g99_list_files(dir, &paths, &n, NULL)) return 0;
    g99_free_list(paths, n);
    return (int)n;
}

/* A pair file: 2w x h RGB, A (left) = img_filter(filter, B (right)). B is
 * returned in *b when b is not NULL. */
static void check_pair(const char *path, const char *filter, int w, int h, img_image *b_out)
{
    img_image pair, a, b, fa;
    int x, y, c, bad = 0;
    if (!CHECK_EQ_INT(0, img_load(path, NULL, &pair, NULL))) return;
    CHECK_EQ_INT(2 * w, pair.width);
    CHECK_EQ_INT(h, pair.height);
    CHECK_EQ_INT(3, pair.channels);
    if (pair.width != 2 * w || pair.height != h || pair.channels != 3 ||
        img_crop(&pair, 0, 0, w, h, &a, NULL) || img_crop(&pair, w, 0, w, h, &b, NULL)) {
        img_free(&pair);
        return;
    }
    if (CHECK_EQ_INT(0, img_filter(filter, &b, NULL, &fa, NULL))) {
        for (y = 0; y < h; y++)
            for (x = 0; x < w; x++)
                for (c = 0; c < 3; c++) {
                    uint8_t want = fa.data[((size_t)y * w + x) * fa.channels + (fa.channels >= 3 ? c : 0)];
                    if (a.data[((size_t)y * w + x) * 3 + c] != want) bad++;
                }
        CHECK_EQ_INT(0, bad);
        img_free(&fa);
    }
    img_free(&a);
    img_free(&pair);
    if (b_out) *b_out = b;
    else img_free(&b);
}

/* ---- pairs ---- */

/* 8 photos (7 faces, then the astronaut), --split 50,25,25: val and test
 * floor(8 * 25 / 100) = 2 each, train the other 4. File k of the list lands
 * at position p of the seed's shuffle: train for p < 4, val for 4..5, test
 * for 6..7. */
static void pairs_split_and_layout(void)
{
    static const char *const splits[3] = { "train", "val", "test" };
    const char *out = cli_run_tmp("pix_pairs"), *dir;
    char path[1400];
    uint32_t order[N_FACES + 1];
    int where[N_FACES + 1], k, s;
    nn_rng rng;
    SKIP_WITHOUT_BINARY();
    if (!(dir = faces()) || faces_state != 1) return;
    cli_run_remove_tree(out);
    if (!CHECK_EQ_INT(0, cli_run("pairs --filter gray --size 48x48 --split 50,25,25 --seed 7 --out %s %s "
                                 "data/astronaut.jpg", out, dir)))
        return;
    CHECK_CONTAINS("train  4\nval    2\ntest   2\nskipped 0\n", cli_run_out);
    for (s = 0; s < 3; s++) {
        snprintf(path, sizeof path, "%s/%s", out, splits[s]);
        CHECK_EQ_INT(s == 0 ? 4 : 2, files_in(path));
    }
    for (k = 0; k <= N_FACES; k++) order[k] = (uint32_t)k;
    nn_rng_init(&rng, 7, NN_STREAM_DATA);
    nn_rng_shuffle(&rng, order, N_FACES + 1);
    for (k = 0; k <= N_FACES; k++) where[order[k]] = k < 4 ? 0 : k < 6 ? 1 : 2;
    for (k = 0; k <= N_FACES; k++) {
        img_image b, src;
        if (k < N_FACES) snprintf(path, sizeof path, "%s/%s/face_%d.png", out, splits[where[k]], k);
        else snprintf(path, sizeof path, "%s/%s/astronaut.png", out, splits[where[k]]);
        if (!CHECK(cli_run_exists(path))) continue;
        memset(&b, 0, sizeof b);
        check_pair(path, "gray", 48, 48, &b);
        if (!b.data) continue;
        if (k < N_FACES && CHECK_EQ_INT(0, render_face(k, &src))) {
            /* B: the 96x96 face shrunk 2x (INTER_AREA: each pixel the mean
             * of a 2x2 block), a grey face repeated into RGB */
            int x, y, c, far = 0;
            for (y = 0; y < 48; y++)
                for (x = 0; x < 48; x++)
                    for (c = 0; c < 3; c++) {
                        int sc = src.channels == 3 ? c : 0, sum = 0, dy, dx;
                        for (dy = 0; dy < 2; dy++)
                            for (dx = 0; dx < 2; dx++)
                                sum += src.data[((size_t)(2 * y + dy) * FACE_SIZE + 2 * x + dx) * src.channels + sc];
                        if (abs(4 * b.data[((size_t)y * 48 + x) * 3 + c] - sum) > 4) far++;
                    }
            CHECK_EQ_INT(0, far);
            img_free(&src);
        }
        img_free(&b);
    }
}

/* Other splits of the same 8 files: 70,20,10 gives val floor(1.6) = 1,
 * test floor(0.8) = 0, train 7 (no test folder); the default 90,5,5 puts
 * all 8 in train. A colour filter (binary) keeps its colours in A; a
 * non-square size covers then crops. */
static void pairs_other_splits_and_sizes(void)
{
    const char *out = cli_run_tmp("pix_pairs2"), *dir;
    char path[1400];
    SKIP_WITHOUT_BINARY();
    if (!(dir = faces()) || faces_state != 1) return;
    cli_run_remove_tree(out);
    if (!CHECK_EQ_INT(0, cli_run("pairs --filter binary --size 40x24 --split 70,20,10 --out %s %s data/astronaut.jpg",
                                 out, dir)))
        return;
    snprintf(path, sizeof path, "%s/train", out);
    CHECK_EQ_INT(7, files_in(path));
    snprintf(path, sizeof path, "%s/val", out);
    CHECK_EQ_INT(1, files_in(path));
    snprintf(path, sizeof path, "%s/test", out);
    CHECK(!cli_run_exists(path));
    cli_run_remove_tree(out);
    if (!CHECK_EQ_INT(0, cli_run("pairs --filter binary --size 40x24 --out %s %s data/astronaut.jpg", out, dir)))
        return;
    snprintf(path, sizeof path, "%s/train", out);
    CHECK_EQ_INT(8, files_in(path));
    snprintf(path, sizeof path, "%s/train/astronaut.png", out);
    check_pair(path, "binary", 40, 24, NULL);
    snprintf(path, sizeof path, "%s/train/face_2.png", out);
    check_pair(path, "binary", 40, 24, NULL);
}

/* Bad input is exit 2, found before anything is written. */
static void pairs_refuses_bad_input(void)
{
    static const char *const bad_splits[] = { "50,50", "50,30,30", "a,b,c", "100,0,0,0", "-10,60,50", "" };
    const char *out = cli_run_tmp("pix_bad_out"), *empty = cli_run_tmp("pix_empty"), *file = cli_run_tmp("pix_file");
    size_t i;
    FILE *f;
    SKIP_WITHOUT_BINARY();
    cli_run_remove_tree(out);
    cli_run_remove_tree(empty);
    CHECK_EQ_INT(0, g99_mkdir(empty, NULL));
    CHECK_EQ_INT(2, cli_run("pairs --filter gray --out %s %s", out, empty));
    CHECK_EQ_STR("gan99: pairs: no images (.png, .jpg, .jpeg, .ppm, .pgm, .pnm) in the folders given",
                 cli_run_first_line);
    CHECK(!cli_run_exists(out));
    CHECK_EQ_INT(2, cli_run("pairs --filter sharpen --out %s data/astronaut.jpg", out));
    CHECK_CONTAINS("no filter 'sharpen'", cli_run_first_line);
    CHECK(!cli_run_exists(out));
    CHECK_EQ_INT(2, cli_run("pairs --out %s data/astronaut.jpg", out));
    CHECK_CONTAINS("needs --filter", cli_run_first_line);
    for (i = 0; i < sizeof bad_splits / sizeof bad_splits[0]; i++) {
        CHECK_EQ_INT(2, cli_run("pairs --filter gray --split '%s' --out %s data/astronaut.jpg", bad_splits[i], out));
        CHECK_CONTAINS("gan99: pairs: --split", cli_run_first_line);
        CHECK(!cli_run_exists(out));
    }
    CHECK_EQ_INT(2, cli_run("pairs --filter gray --size 0x10 --out %s data/astronaut.jpg", out));
    CHECK(!cli_run_exists(out));
    CHECK_EQ_INT(2, cli_run("pairs --filter gray --out %s %s/nothing.png", out, empty));
    CHECK(!cli_run_exists(out));
    f = fopen(file, "wb");
    if (f) {
        fputs("x", f);
        fclose(f);
    }
    CHECK_EQ_INT(2, cli_run("pairs --filter gray --out %s data/astronaut.jpg", file));
    CHECK_CONTAINS("is a file, not a folder", cli_run_first_line);
    {
        uint8_t *data = NULL;
        size_t n = 0;
        CHECK_EQ_INT(0, g99_read_file(file, 16, &data, &n, NULL));
        CHECK_EQ_INT(1, (int)n);
        free(data);
    }
}

/* ---- translate ---- */

static char dcgan_path[1024];

static void translate_refuses_latent_models_and_bad_input(void)
{
    const char *run = cli_run_tmp("pix_dcgan"), *out = cli_run_tmp("pix_tr_out");
    SKIP_WITHOUT_BINARY();
    cli_run_remove_tree(run);
    cli_run_remove_tree(out);
    snprintf(dcgan_path, sizeof dcgan_path, "%s/model.safetensors", run);
    if (!CHECK_EQ_INT(0, cli_run("train dcgan --data synth:16 --size 64 --steps 1 --batch 4 --ngf 16 --ndf 4 "
                                 "--samples 4 --out %s", run)))
        return;
    CHECK_EQ_INT(2, cli_run("translate %s --out %s data/astronaut.jpg", dcgan_path, out));
    CHECK_CONTAINS("dcgan models draw from a latent: use gan99 sample", cli_run_first_line);
    CHECK(!cli_run_exists(out));
    CHECK_EQ_INT(2, cli_run("translate %s --out %s %s/no_such_photo.png", dcgan_path, out, run));
    CHECK_CONTAINS("no_such_photo.png", cli_run_first_line);
    CHECK(!cli_run_exists(out));
    CHECK_EQ_INT(2, cli_run("translate %s/no_such_model.safetensors --out %s data/astronaut.jpg", run, out));
    CHECK_CONTAINS("no_such_model.safetensors", cli_run_first_line);
    CHECK(!cli_run_exists(out));
    CHECK_EQ_INT(2, cli_run("translate %s --batch 0 --out %s data/astronaut.jpg", dcgan_path, out));
    CHECK_EQ_INT(2, cli_run("translate %s data/astronaut.jpg", dcgan_path));
    CHECK_CONTAINS("--out", cli_run_first_line);
    CHECK_EQ_INT(0, cli_run("translate --help"));
    CHECK_CONTAINS("--eval", cli_run_out);
    CHECK_EQ_INT(0, cli_run("help pairs"));
    CHECK_CONTAINS("usage: gan99 pairs", cli_run_out);
}

/* End to end with an image-to-image family: pairs, one training step,
 * then translate photos of other sizes (a 512x512 JPEG, 96x96 faces, a grey
 * one) into files of the model's size, in both modes. */
static void translate_end_to_end(void)
{
    const gan_family *f = gan_arch_find("pix2pix");
    const char *pairs = cli_run_tmp("pix_e2e_pairs"), *run = cli_run_tmp("pix_e2e_run"), *dir;
    const char *out = cli_run_tmp("pix_e2e_out"), *out_eval = cli_run_tmp("pix_e2e_eval");
    char path[1400], extra[128] = "";
    const gan_family *lf;
    gan_model *m;
    gan_values v;
    gan_geometry g;
    int k;
    SKIP_WITHOUT_BINARY();
    if (!f) {
        fprintf(stderr, "  (cli_pix: no pix2pix family in this tree; translate end to end skipped)\n");
        return;
    }
    if (!(dir = faces()) || faces_state != 1) return;
    cli_run_remove_tree(pairs);
    cli_run_remove_tree(run);
    cli_run_remove_tree(out);
    cli_run_remove_tree(out_eval);
    if (!CHECK_EQ_INT(0, cli_run("pairs --filter canny --size 256x256 --split 100,0,0 --out %s %s", pairs, dir)))
        return;
    if (gan_option_find(f, "--ngf") >= 0) strcat(extra, " --ngf 4");
    if (gan_option_find(f, "--ndf") >= 0) strcat(extra, " --ndf 4");
    snprintf(path, sizeof path, "%s/train", pairs);
    if (!CHECK_EQ_INT(0, cli_run("train pix2pix --data %s --steps 1 --batch 1 --samples 1%s --out %s", path, extra,
                                 run)))
        return;
    snprintf(path, sizeof path, "%s/model.safetensors", run);
    if (!CHECK_EQ_INT(0, gan_model_load(path, &lf, &m, &v, NULL))) return;
    lf->geometry(m, &g);
    lf->destroy(m);
    CHECK_EQ_INT(0, cli_run("translate %s --out %s %s data/astronaut.jpg", path, out, dir));
    CHECK_EQ_INT(0, cli_run("translate %s --eval --batch 3 --out %s %s data/astronaut.jpg", path, out_eval, dir));
    for (k = 0; k <= N_FACES; k++) {
        const char *d = k & 1 ? out_eval : out;
        char name[1500];
        img_image im;
        if (k < N_FACES) snprintf(name, sizeof name, "%s/face_%d.png", d, k);
        else snprintf(name, sizeof name, "%s/astronaut.png", d);
        if (!CHECK_EQ_INT(0, img_load(name, NULL, &im, NULL))) continue;
        CHECK_EQ_INT(g.width, im.width);
        CHECK_EQ_INT(g.height, im.height);
        CHECK_EQ_INT(g.channels == 1 ? 1 : 3, im.channels);
        img_free(&im);
    }
}

/* ---- gan_model_translate on a toy family ---- */

/* out[i, c, y, x] = cond[i, 0, y, x] + c + (train ? 10 : 0), 3 x 4 x 2 from
 * 1 channel: every value of the result says where it came from. */
struct gan_model {
    int made;
};

static int toy_create(const gan_values *v, gan_model **out, g99_error *err)
{
    (void)v;
    *out = (gan_model *)calloc(1, sizeof **out);
    return *out ? 0 : g99_fail(err, G99_ENOMEM, "out of memory");
}
static void toy_destroy(gan_model *m) { free(m); }
static void toy_geometry(const gan_model *m, gan_geometry *g)
{
    (void)m;
    g->width = 4;
    g->height = 2;
    g->channels = 3;
    g->cond_channels = 1;
    g->latent = 0;
}
static nn_tensor *toy_generate(gan_model *m, nn_ctx *ctx, nn_tensor *z, nn_tensor *cond, int train)
{
    int shape[4], i, c, p;
    nn_tensor *y;
    (void)m;
    if (z || !cond || cond->ndim != 4 || cond->shape[1] != 1 || cond->shape[2] != 2 || cond->shape[3] != 4)
        return NULL;
    shape[0] = cond->shape[0];
    shape[1] = 3;
    shape[2] = 2;
    shape[3] = 4;
    if (!(y = nn_tensor_new(ctx, 4, shape))) return NULL;
    for (i = 0; i < shape[0]; i++)
        for (c = 0; c < 3; c++)
            for (p = 0; p < 8; p++) y->data[(i * 3 + c) * 8 + p] = cond->data[i * 8 + p] + (float)c + (train ? 10.0f : 0.0f);
    return y;
}

static const gan_family toy_family = {
    "toy", "a formula of its input", "nothing: a test family", GAN_DATA_PAIRS,
    NULL, 0, NULL, 0, 1, 1,
    NULL, toy_create, toy_destroy, toy_geometry, NULL,
    NULL, NULL, NULL, NULL, NULL, toy_generate,
};

static void model_translate_runs_the_generator(void)
{
    float cond[16], out[48];
    gan_model *m;
    g99_error err;
    int i, c, p, bad = 0;
    for (i = 0; i < 16; i++) cond[i] = (float)i / 16.0f - 0.5f;
    if (!CHECK_EQ_INT(0, toy_family.create(NULL, &m, &err))) return;
    CHECK_EQ_INT(0, gan_model_translate(&toy_family, m, cond, 2, 1, out, &err));
    for (i = 0; i < 2; i++)
        for (c = 0; c < 3; c++)
            for (p = 0; p < 8; p++)
                if (out[(i * 3 + c) * 8 + p] != cond[i * 8 + p] + (float)c + 10.0f) bad++;
    CHECK_EQ_INT(0, bad);
    CHECK_EQ_INT(0, gan_model_translate(&toy_family, m, cond, 1, 0, out, &err));
    CHECK_EQ_FBITS(cond[5] + 2.0f, out[2 * 8 + 5]);
    CHECK_EQ_INT(G99_EINVAL, gan_model_translate(&toy_family, m, cond, 0, 0, out, &err));
    toy_family.destroy(m);
}

static void model_translate_refuses_latent_families(void)
{
    const gan_family *f = &gan_family_dcgan;
    gan_values v;
    gan_model *m;
    g99_error err;
    float cond[3 * 32 * 32], out[3 * 32 * 32];
    gan_values_default(f, &v);
    v.v[gan_option_find(f, "size")] = 32;
    v.v[gan_option_find(f, "ngf")] = 2;
    v.v[gan_option_find(f, "ndf")] = 2;
    memset(cond, 0, sizeof cond);
    if (!CHECK_EQ_INT(0, f->create(&v, &m, &err))) return;
    CHECK_EQ_INT(G99_EINVAL, gan_model_translate(f, m, cond, 1, 1, out, &err));
    CHECK_CONTAINS("dcgan models draw from a latent", err.msg);
    f->destroy(m);
}

const test_case cli_pix_tests[] = {
    TEST(pairs_split_and_layout),
    TEST(pairs_other_splits_and_sizes),
    TEST(pairs_refuses_bad_input),
    TEST(translate_refuses_latent_models_and_bad_input),
    TEST(translate_end_to_end),
    TEST(model_translate_runs_the_generator),
    TEST(model_translate_refuses_latent_families),
    TEST_END,
};
