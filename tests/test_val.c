/* Held-out validation of the run loop (gan/train_run.c, gan/metrics.c): the
 * metric on hand-derived cases, val.csv's rows for pix2pix and the
 * autoencoder, the held-out sources (synthetic faces of another seed, a
 * pairs folder's val/ beside train/, --val), the input baseline on images
 * whose figures are worked out by hand, and a resume that continues val.csv
 * byte for byte. */
#include "test.h"
#include "../gan/gan.h"
#include "cli_run.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fill(float *x, size_t n, float v)
{
    size_t i;
    for (i = 0; i < n; i++) x[i] = v;
}

/* L1 in [-1, 1] units; PSNR = 10 log10(1 / MSE) on [0, 1] (MSE[-1,1] / 4),
 * averaged over images, 100 dB for an exact image. */
static void metric_hand_cases(void)
{
    float a[2 * 12], b[2 * 12];
    gan_metric_sum s;
    int i;
    /* 0.5 against -0.5: |d| = 1; MSE on [0, 1] 0.25: 10 log10 4 */
    fill(a, 24, 0.5f);
    fill(b, 24, -0.5f);
    memset(&s, 0, sizeof s);
    gan_metric_add(&s, a, b, 2, 12);
    CHECK_NEAR(1.0, gan_metric_l1(&s), 1e-12, 0);
    CHECK_NEAR(6.020599913279624, gan_metric_psnr(&s), 0, 1e-6);
    CHECK_EQ_U64(2, s.images);
    /* 0 against 0.1: L1 0.1, MSE 0.0025 on [0, 1]: 10 log10 400 */
    fill(a, 12, 0.0f);
    fill(b, 12, 0.1f);
    memset(&s, 0, sizeof s);
    gan_metric_add(&s, a, b, 1, 12);
    CHECK_NEAR(0.1, gan_metric_l1(&s), 1e-7, 0);
    CHECK_NEAR(26.020599913279624, gan_metric_psnr(&s), 0, 1e-6);
    /* one exact image (100 dB) and one of -1 against 1 in half its values
     * (|d| 2 there: L1 1; MSE 0.5 on [0, 1]: 10 log10 2), added one by one */
    fill(a, 24, 0.25f);
    fill(b, 24, 0.25f);
    for (i = 0; i < 6; i++) {
        a[12 + i] = -1.0f;
        b[12 + i] = 1.0f;
    }
    memset(&s, 0, sizeof s);
    gan_metric_add(&s, a, b, 1, 12);
    gan_metric_add(&s, a + 12, b + 12, 1, 12);
    CHECK_NEAR(0.5, gan_metric_l1(&s), 1e-12, 0);
    CHECK_NEAR((100.0 + 3.010299956639812) / 2.0, gan_metric_psnr(&s), 0, 1e-6);
}

static void set(gan_train_opts *o, const char *key, double v)
{
    int i = gan_option_find(o->family, key);
    if (CHECK(i >= 0)) {
        o->values.v[i] = v;
        o->values.given[i] = 1;
    }
}

static char notes[4096];

static void keep_note(void *user, const char *msg)
{
    size_t n = strlen(notes);
    (void)user;
    snprintf(notes + n, sizeof notes - n, "%s\n", msg);
}

static void pix_opts(gan_train_opts *o, const char *data, const char *out, uint64_t steps)
{
    memset(o, 0, sizeof *o);
    o->family = &gan_family_pix2pix;
    gan_values_default(o->family, &o->values);
    set(o, "width", 32);
    set(o, "height", 32);
    set(o, "ngf", 4);
    set(o, "ndf", 4);
    o->data = data;
    o->pair_filter = "gray";
    o->out = out;
    o->steps = steps;
    o->batch = 2;
    o->seed = 3;
    o->n_samples = 2;
    o->warn = keep_note;
    notes[0] = '\0';
}

static char *read_text(const char *dir, const char *name)
{
    char p[600];
    uint8_t *d = NULL;
    size_t n = 0;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    if (g99_read_file(p, 1 << 20, &d, &n, NULL)) return NULL;
    d = (uint8_t *)realloc(d, n + 1);
    if (d) d[n] = '\0';
    return (char *)d;
}

/* The field k (0-based) of line `row` (0: the header) of a CSV text. */
static double field(const char *csv, int row, int k)
{
    const char *p = csv;
    while (row-- > 0 && p) {
        p = strchr(p, '\n');
        if (p) p++;
    }
    while (p && k-- > 0) {
        p = strchr(p, ',');
        if (p) p++;
    }
    return p ? strtod(p, NULL) : -1.0;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; s && *s; s++) n += *s == '\n';
    return n;
}

/* synth:6 at batch 2: 3 steps an epoch, so 7 steps give the rows of steps 3
 * and 6 and the run's end; the held-out faces are 100 of seed 1 + 1000. A
 * run of 5 steps (rows 3 and 5) resumed to 7 drops the row of its own end
 * and writes the same val.csv as the run of 7. */
static void pix2pix_val_rows_and_resume(void)
{
    char a[512], b[512];
    char *ta = NULL, *tb = NULL;
    gan_train_opts o;
    gan_train_result res;
    g99_error err;
    snprintf(a, sizeof a, "%s", test_tmp_path("val_pix_a"));
    snprintf(b, sizeof b, "%s", test_tmp_path("val_pix_b"));
    test_clear_run(a);
    test_clear_run(b);
    pix_opts(&o, "synth:6", a, 7);
    if (!CHECK_EQ_INT(0, gan_train_run(&o, &res, &err))) {
        fprintf(stderr, "    %s\n", err.msg);
        return;
    }
    CHECK_CONTAINS("held-out images synth:100:1001 (100)", notes);
    CHECK_CONTAINS("epoch 2, step 6: held-out L1", notes);
    ta = read_text(a, "val.csv");
    if (!CHECK(ta != NULL)) return;
    CHECK_EQ_INT(4, count_lines(ta));
    CHECK(strncmp(ta, "epoch,step,l1,psnr,input_l1,input_psnr\n1,3,", 43) == 0);
    CHECK_NEAR(6.0, field(ta, 2, 1), 0, 0);
    CHECK_NEAR(7.0 / 3.0, field(ta, 3, 0), 1e-6, 0);
    CHECK_NEAR(7.0, field(ta, 3, 1), 0, 0);
    /* L1 in (0, 2], PSNR positive; the input baseline the same in every row */
    CHECK(field(ta, 1, 2) > 0.0 && field(ta, 1, 2) <= 2.0 && field(ta, 1, 3) > 0.0);
    CHECK(field(ta, 1, 4) > 0.0 && field(ta, 1, 4) == field(ta, 3, 4) && field(ta, 1, 5) == field(ta, 3, 5));
    pix_opts(&o, "synth:6", b, 5);
    CHECK_EQ_INT(0, gan_train_run(&o, &res, &err));
    tb = read_text(b, "val.csv");
    CHECK_EQ_INT(3, count_lines(tb));
    free(tb);
    pix_opts(&o, NULL, b, 7);
    o.pair_filter = NULL;
    o.resume = 1;
    if (!CHECK_EQ_INT(0, gan_train_run(&o, &res, &err))) fprintf(stderr, "    %s\n", err.msg);
    CHECK_EQ_U64(5, res.start);
    tb = read_text(b, "val.csv");
    if (CHECK(tb != NULL)) CHECK_EQ_STR(ta, tb);
    free(ta);
    free(tb);
}

static int save_pair(const char *dir, const char *name, int a, int b, g99_error *err)
{
    img_image im;
    char p[600];
    int x, y, c, rc = img_new(&im, 64, 32, 3, 8, err);
    if (rc) return rc;
    for (y = 0; y < 32; y++)
        for (x = 0; x < 64; x++)
            for (c = 0; c < 3; c++) im.data[((size_t)y * 64 + x) * 3 + c] = (uint8_t)(x < 32 ? a : (b + 7 * c) & 255);
    snprintf(p, sizeof p, "%s/%s", dir, name);
    rc = img_png_save(p, &im, err);
    img_free(&im);
    return rc;
}

/* A pairs folder: training on DIR/train validates on DIR/val. Its one pair,
 * A all 255 against B's channels 0, 7 and 14, gives the input baseline by
 * hand (below). */
static void pairs_folder_uses_val_beside_train(void)
{
    char root[512], train[600], val[600], out[512];
    char *t;
    gan_train_opts o;
    gan_train_result res;
    g99_error err;
    int k;
    snprintf(root, sizeof root, "%s", test_tmp_path("val_pairs"));
    snprintf(train, sizeof train, "%s/train", root);
    snprintf(val, sizeof val, "%s/val", root);
    snprintf(out, sizeof out, "%s", test_tmp_path("val_pairs_run"));
    test_clear_run(out);
    if (!CHECK_EQ_INT(0, g99_mkdir(root, &err)) || !CHECK_EQ_INT(0, g99_mkdir(train, &err)) ||
        !CHECK_EQ_INT(0, g99_mkdir(val, &err)))
        return;
    for (k = 0; k < 4; k++) {
        char name[32];
        snprintf(name, sizeof name, "%d.png", k);
        CHECK_EQ_INT(0, save_pair(train, name, 40 * k, 200 - 30 * k, &err));
    }
    /* A all 255, B all 0 (channels 0, 7, 14) */
    CHECK_EQ_INT(0, save_pair(val, "a.png", 255, 0, &err));
    pix_opts(&o, train, out, 2);
    o.pair_filter = NULL;
    o.batch = 1;
    o.n_samples = 1;
    if (!CHECK_EQ_INT(0, gan_train_run(&o, &res, &err))) {
        fprintf(stderr, "    %s\n", err.msg);
        return;
    }
    CHECK_CONTAINS("/val (1)", notes);
    t = read_text(out, "val.csv");
    if (CHECK(t != NULL)) {
        /* |A - B| per channel in [-1, 1] units: 255/127.5 = 2, (255-7)/127.5,
         * (255-14)/127.5; MSE on [0, 1] the mean of their squares / 4 */
        double d0 = 2.0, d1 = 248.0 / 127.5, d2 = 241.0 / 127.5;
        double mse = (d0 * d0 + d1 * d1 + d2 * d2) / 3.0 / 4.0;
        CHECK_EQ_INT(2, count_lines(t));
        CHECK_NEAR(2.0, field(t, 1, 1), 0, 0);
        CHECK_NEAR((d0 + d1 + d2) / 3.0, field(t, 1, 4), 1e-6, 0);
        CHECK_NEAR(-10.0 * log10(mse), field(t, 1, 5), 1e-4, 0);
    }
    free(t);
    /* --val names other data; one that does not load is an error */
    test_clear_run(out);
    pix_opts(&o, train, out, 2);
    o.pair_filter = NULL;
    o.batch = 1;
    o.n_samples = 1;
    o.val = "no-such-folder";
    CHECK(gan_train_run(&o, &res, &err) != 0);
    CHECK_CONTAINS("--val no-such-folder", err.msg);
    test_clear_run(out);
}

/* The autoencoder: no input baseline (its input is its target); a latent
 * family refuses --val. */
static void autoencoder_rows_and_latent_refusal(void)
{
    char a[512];
    char *t;
    gan_train_opts o;
    gan_train_result res;
    g99_error err;
    snprintf(a, sizeof a, "%s", test_tmp_path("val_ae"));
    test_clear_run(a);
    memset(&o, 0, sizeof o);
    o.family = &gan_family_autoencoder;
    gan_values_default(o.family, &o.values);
    set(&o, "width", 16);
    set(&o, "height", 16);
    set(&o, "nf", 4);
    o.data = "synth:4";
    o.val = "synth:3:5";
    o.out = a;
    o.steps = 4;
    o.batch = 2;
    o.n_samples = 2;
    if (!CHECK_EQ_INT(0, gan_train_run(&o, &res, &err))) {
        fprintf(stderr, "    %s\n", err.msg);
        return;
    }
    t = read_text(a, "val.csv");
    if (CHECK(t != NULL)) {
        CHECK(strncmp(t, "epoch,step,l1,psnr\n1,2,", 23) == 0);
        CHECK_EQ_INT(3, count_lines(t));
    }
    free(t);
    test_clear_run(a);
    memset(&o, 0, sizeof o);
    o.family = &gan_family_dcgan;
    gan_values_default(o.family, &o.values);
    set(&o, "size", 32);
    set(&o, "ngf", 2);
    set(&o, "ndf", 2);
    o.data = "synth:4";
    o.val = "synth:4:2";
    o.out = a;
    o.steps = 1;
    o.batch = 2;
    CHECK_EQ_INT(G99_EINVAL, gan_train_run(&o, &res, &err));
    CHECK_CONTAINS("--val synth:4:2: dcgan draws from a latent", err.msg);
    test_clear_run(a);
}

/* gan99 train --val: the flag reaches the run, one line per epoch is
 * printed, the help lists it for families without a latent only, and a
 * latent family's run refuses it with exit 2. */
static void cli_val_flag(void)
{
    char run[512], csv[600];
    if (cli_run_binary_missing()) return;
    snprintf(run, sizeof run, "%s", cli_run_tmp("val_cli"));
    cli_run_remove_tree(run);
    if (!CHECK_EQ_INT(0, cli_run("train pix2pix --data synth:4 --pairs gray --size 32 --ngf 4 --ndf 4 --batch 2 "
                                 "--steps 3 --samples 2 --val synth:2:3 --out %s", run)))
        return;
    CHECK_CONTAINS("held-out images synth:2:3 (2)", cli_run_err);
    CHECK_CONTAINS("gan99: train: epoch 1, step 2: held-out L1 ", cli_run_err);
    snprintf(csv, sizeof csv, "%s/val.csv", run);
    CHECK(cli_run_exists(csv));
    cli_run_remove_tree(run);
    CHECK_EQ_INT(0, cli_run("help train autoencoder"));
    CHECK_CONTAINS("--val D", cli_run_out);
    CHECK_EQ_INT(0, cli_run("help train dcgan"));
    CHECK(strstr(cli_run_out, "--val") == NULL);
    CHECK_EQ_INT(2, cli_run("train dcgan --data synth:4 --size 32 --ngf 2 --ndf 2 --batch 2 --steps 1 --val synth:2 "
                            "--out %s", run));
    CHECK_CONTAINS("--val synth:2: dcgan draws from a latent", cli_run_err);
    CHECK(!cli_run_exists(run));
}

const test_case val_tests[] = {
    TEST(metric_hand_cases),
    TEST(pix2pix_val_rows_and_resume),
    TEST(pairs_folder_uses_val_beside_train),
    TEST(autoencoder_rows_and_latent_refusal),
    TEST(cli_val_flag),
    TEST_END,
};
