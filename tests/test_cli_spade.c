/* The spade family through the run loop, and gan99 paint (gan/arch_spade.c,
 * cli/cmd_paint.c, gan_label_map_load in gan/dataset_labels.c), run as a
 * user runs them on tiny models trained here. The networks and the
 * training step are checked against PyTorch in the spade suite; what is
 * checked here is derived by hand from what the operations mean:
 *   - a run stopped at step 3 and resumed to 6 gives the bytes of a run of
 *     6 (loss.csv, checkpoint, progress.gif), z generator included;
 *   - with --niter 0 --niter-decay 1 the second epoch runs at lr
 *     2e-4 - 2e-4 / 1 = 0: no parameter moves in it (and they do without
 *     the decay);
 *   - a grey map of class values and the colour map of the same classes
 *     in the documented colours are one map: the same face;
 *   - a 2x map (each pixel repeated 2x2) resized nearest to the model's
 *     size is the map itself (PIL's NEAREST takes source pixel 2x+1): the
 *     same face, with one note on stderr;
 *   - with a latent, seeds give different faces and a seed the same face
 *     twice; without one, --count gives one face and a note;
 *   - a --use-vae run stopped and resumed is the whole run too (E, its
 *     Adam and the eps generator in the checkpoint), loss.csv has the
 *     reference's columns (KLD first) and model.safetensors holds E's
 *     tensors under "E.", the checkpoint's values;
 *   - with --style, two photos give two faces on one map and seed, a photo
 *     and seed the same bytes twice, seeds other faces; --mean-style (z =
 *     mu) ignores the seed; a photo 2x (each pixel 2x2) is scaled back to
 *     the photo (an area average of 4 equal pixels): the same face;
 * and bad maps (a class beyond the model's, a colour of no class, a photo),
 * --style on a model without an encoder, and sample / translate on a spade
 * model exit 2 naming the problem (and gan99 paint), with nothing written. */
#include "test.h"
#include "cli_run.h"
#include "../gan/gan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIZE 32
#define TINY "--size 32 --ngf 2 --ndf 2 --nhidden 4 --batch 2 --samples 2 --seed 5"

#define SKIP_WITHOUT_BINARY()                                                                        \
    do {                                                                                             \
        if (cli_run_binary_missing()) {                                                              \
            if (test_gan99_given()) CHECK(!"the --gan99 binary is missing");                        \
            else fprintf(stderr, "  (cli_spade: no %s; `make test` builds it)\n", test_gan99_path()); \
            return;                                                                                  \
        }                                                                                            \
    } while (0)

static int same_file(const char *a, const char *b)
{
    uint8_t *x = NULL, *y = NULL;
    size_t nx = 0, ny = 0;
    int eq = g99_read_file(a, (size_t)1 << 26, &x, &nx, NULL) == 0 && g99_read_file(b, (size_t)1 << 26, &y, &ny, NULL) == 0 &&
             nx == ny && memcmp(x, y, nx) == 0;
    free(x);
    free(y);
    return eq;
}

static int count_in(const char *hay, const char *needle)
{
    int n = 0;
    const char *p = hay;
    while ((p = strstr(p, needle)) != NULL) {
        n++;
        p += strlen(needle);
    }
    return n;
}

/* A tiny model: `name` of the tmp folder, extra flags; its model file.
 * Four steps at lr 0.05 move the xavier(0.02) weights enough that maps
 * and seeds change the 8-bit faces (at 2e-4 every face is one grey). */
static const char *tiny_model(const char *name, const char *extra, char *path, size_t cap, int *state)
{
    const char *dir = cli_run_tmp(name);
    snprintf(path, cap, "%s/model.safetensors", dir);
    if (*state == 0) {   /* trained once a test process */
        cli_run_remove_tree(dir);
        *state = cli_run("train spade --data synth:4 " TINY " --steps 4 --lr 0.05 %s --out %s", extra, dir) == 0 ? 1 : -1;
        if (*state < 0) fprintf(stderr, "    %s\n", cli_run_err);
    }
    CHECK_EQ_INT(1, *state);
    return *state == 1 ? path : NULL;
}

static const char *model_plain(void)
{
    static char path[1200];
    static int state;
    return tiny_model("spade_plain", "", path, sizeof path, &state);
}

static const char *model_latent(void)
{
    static char path[1200];
    static int state;
    return tiny_model("spade_latent", "--z-dim 4", path, sizeof path, &state);
}

static const char *model_vae(void)
{
    static char path[1200];
    static int state;
    return tiny_model("spade_vae", "--use-vae --z-dim 4 --nef 2", path, sizeof path, &state);
}

/* Synthetic face i's part labels at size s: grey (class values) into
 * grey, the documented colours into colour (either may be NULL). */
static int face_maps(int i, int s, img_image *grey, img_image *colour)
{
    gan_face f;
    float *onehot;
    size_t plane = (size_t)s * s, p;
    int rc = gan_synthface_render(9, (uint64_t)i, s, &f, NULL);
    if (rc) return rc;
    if (grey && !(rc = img_new(grey, s, s, 1, 8, NULL))) memcpy(grey->data, f.labels, plane);
    if (!rc && colour) {
        onehot = (float *)calloc(GAN_PART_COUNT * plane, sizeof(float));
        if (!onehot) rc = G99_ENOMEM;
        for (p = 0; !rc && p < plane; p++) onehot[f.labels[p] * plane + p] = 1.0f;
        if (!rc) rc = gan_label_image(onehot, GAN_PART_COUNT, s, s, colour, NULL);
        free(onehot);
    }
    gan_face_free(&f);
    return rc;
}

static int save(const img_image *im, const char *path)
{
    return CHECK_EQ_INT(0, img_png_save(path, im, NULL));
}

/* A run stopped at 3 and resumed to 6 is the run of 6, with z drawn. */
static void resume_is_bit_identical(void)
{
    const char *a = cli_run_tmp("spade_resume_a"), *b = cli_run_tmp("spade_resume_b");
    static const char *const files[] = { "loss.csv", "checkpoint.safetensors", "model.safetensors", "progress.gif" };
    char pa[1200], pb[1200];
    int k;
    SKIP_WITHOUT_BINARY();
    cli_run_remove_tree(a);
    cli_run_remove_tree(b);
    if (!CHECK_EQ_INT(0, cli_run("train spade --data synth:6 " TINY " --z-dim 4 --steps 6 --out %s", a)))
        fprintf(stderr, "    %s\n", cli_run_err);
    CHECK_EQ_INT(0, cli_run("train spade --data synth:6 " TINY " --z-dim 4 --steps 3 --out %s", b));
    if (!CHECK_EQ_INT(0, cli_run("train spade --out %s --resume --steps 6", b))) fprintf(stderr, "    %s\n", cli_run_err);
    for (k = 0; k < 4; k++) {
        snprintf(pa, sizeof pa, "%s/%s", a, files[k]);
        snprintf(pb, sizeof pb, "%s/%s", b, files[k]);
        if (!CHECK(same_file(pa, pb))) fprintf(stderr, "    %s differs\n", files[k]);
    }
    snprintf(pa, sizeof pa, "%s/loss.csv", a);
    {
        uint8_t *csv = NULL;
        size_t n = 0;
        if (CHECK_EQ_INT(0, g99_read_file(pa, 1 << 20, &csv, &n, NULL))) {
            CHECK(n > 30 && memcmp(csv, "step,GAN,GAN_Feat,D_Fake,D_real\n", 32) == 0);
            free(csv);
        }
    }
}

/* Tensor key of two safetensors files: the same values (and present). */
static int same_tensor(const char *a, const char *ka, const char *b, const char *kb)
{
    nn_st_file *fa = NULL, *fb = NULL;
    const nn_st_tensor *ta = NULL, *tb = NULL;
    float *x = NULL, *y = NULL;
    int eq = 0;
    if (nn_st_load(a, NN_ST_MAX_FILE, &fa, NULL) == 0 && nn_st_load(b, NN_ST_MAX_FILE, &fb, NULL) == 0 &&
        (ta = nn_st_find(fa, ka)) != NULL && (tb = nn_st_find(fb, kb)) != NULL && ta->numel == tb->numel &&
        (x = (float *)malloc(ta->numel * sizeof *x)) != NULL && (y = (float *)malloc(ta->numel * sizeof *y)) != NULL &&
        nn_st_read_f32(ta, x, ta->numel, NULL) == 0 && nn_st_read_f32(tb, y, tb->numel, NULL) == 0)
        eq = memcmp(x, y, ta->numel * sizeof *x) == 0;
    free(x);
    free(y);
    nn_st_free(fa);
    nn_st_free(fb);
    return eq;
}

/* --use-vae: a run stopped at 3 and resumed to 6 is the run of 6 (E's
 * Adam and the eps generator restored); KLD leads loss.csv as in the
 * reference's G_losses; the model file carries E under "E.". */
static void resume_vae_is_bit_identical(void)
{
    const char *a = cli_run_tmp("spade_vae_resume_a"), *b = cli_run_tmp("spade_vae_resume_b");
    static const char *const files[] = { "loss.csv", "checkpoint.safetensors", "model.safetensors", "progress.gif" };
    static const char *const keys[] = { "fc_mu.weight", "fc_var.bias", "layer1.0.weight_orig", "layer3.0.weight_u" };
    char pa[1200], pb[1200], ka[64], kb[64];
    int k;
    SKIP_WITHOUT_BINARY();
    cli_run_remove_tree(a);
    cli_run_remove_tree(b);
    if (!CHECK_EQ_INT(0, cli_run("train spade --data synth:6 " TINY " --use-vae --z-dim 4 --nef 2 --steps 6 --out %s", a)))
        fprintf(stderr, "    %s\n", cli_run_err);
    CHECK_EQ_INT(0, cli_run("train spade --data synth:6 " TINY " --use-vae --z-dim 4 --nef 2 --steps 3 --out %s", b));
    if (!CHECK_EQ_INT(0, cli_run("train spade --out %s --resume --steps 6", b))) fprintf(stderr, "    %s\n", cli_run_err);
    for (k = 0; k < 4; k++) {
        snprintf(pa, sizeof pa, "%s/%s", a, files[k]);
        snprintf(pb, sizeof pb, "%s/%s", b, files[k]);
        if (!CHECK(same_file(pa, pb))) fprintf(stderr, "    %s differs\n", files[k]);
    }
    snprintf(pa, sizeof pa, "%s/loss.csv", a);
    {
        uint8_t *csv = NULL;
        size_t n = 0;
        if (CHECK_EQ_INT(0, g99_read_file(pa, 1 << 20, &csv, &n, NULL))) {
            CHECK(n > 36 && memcmp(csv, "step,KLD,GAN,GAN_Feat,D_Fake,D_real\n", 36) == 0);
            free(csv);
        }
    }
    snprintf(pa, sizeof pa, "%s/model.safetensors", a);
    snprintf(pb, sizeof pb, "%s/checkpoint.safetensors", a);
    for (k = 0; k < 4; k++) {
        snprintf(ka, sizeof ka, "E.%s", keys[k]);
        if (!CHECK(same_tensor(pa, ka, pb, ka))) fprintf(stderr, "    %s\n", ka);
    }
    /* G's keys stay the reference's, with no prefix */
    CHECK(same_tensor(pa, "head_0.conv_0.weight_orig", pb, "G.head_0.conv_0.weight_orig"));
    snprintf(kb, sizeof kb, "G.fc.weight");
    CHECK(same_tensor(pa, "fc.weight", pb, kb));
}

/* --vgg FILE: a VGG19 weights file (torchvision's keys) of small
 * deterministic values, ~80 MB at the full VGG19 widths. */
static int write_vgg(const char *path)
{
    gan_vgg19 v;
    nn_rng r;
    size_t i;
    int rc;
    if (!CHECK_EQ_INT(0, gan_vgg19_init(&v, NULL))) return 0;
    nn_rng_init(&r, 11, NN_STREAM_INIT);
    for (i = 0; i < v.p.n_total; i++) v.p.data[i] = 0.02f * nn_rng_normal(&r);
    rc = nn_checkpoint_save(path, &v.p, "vgg19", "{}", NULL, NULL);
    gan_vgg19_free(&v);
    return CHECK_EQ_INT(0, rc);
}

/* --vgg: VGG joins loss.csv after GAN_Feat (the reference's order), the
 * checkpoint keeps the file so a resume without --vgg is the whole run;
 * a missing file or another family: exit 2, nothing written. */
static void vgg_loss_run(void)
{
    char a[1100], b[1100], vgg[1100], pa[1200], pb[1200];
    static const char *const files[] = { "loss.csv", "checkpoint.safetensors", "model.safetensors" };
    uint8_t *csv = NULL;
    size_t n = 0;
    int k;
    SKIP_WITHOUT_BINARY();
    snprintf(a, sizeof a, "%s", cli_run_tmp("spade_vgg_a"));
    snprintf(b, sizeof b, "%s", cli_run_tmp("spade_vgg_b"));
    snprintf(vgg, sizeof vgg, "%s", cli_run_tmp("vgg19_small.safetensors"));
    cli_run_remove_tree(a);
    cli_run_remove_tree(b);
    if (!write_vgg(vgg)) return;
    if (!CHECK_EQ_INT(0, cli_run("train spade --data synth:4 " TINY " --steps 2 --vgg %s --out %s", vgg, a)))
        fprintf(stderr, "    %s\n", cli_run_err);
    CHECK_EQ_INT(0, cli_run("train spade --data synth:4 " TINY " --steps 1 --vgg %s --out %s", vgg, b));
    if (!CHECK_EQ_INT(0, cli_run("train spade --out %s --resume --steps 2", b))) fprintf(stderr, "    %s\n", cli_run_err);
    for (k = 0; k < 3; k++) {
        snprintf(pa, sizeof pa, "%s/%s", a, files[k]);
        snprintf(pb, sizeof pb, "%s/%s", b, files[k]);
        if (!CHECK(same_file(pa, pb))) fprintf(stderr, "    %s differs\n", files[k]);
    }
    snprintf(pa, sizeof pa, "%s/loss.csv", a);
    if (CHECK_EQ_INT(0, g99_read_file(pa, 1 << 20, &csv, &n, NULL))) {
        CHECK(n > 36 && memcmp(csv, "step,GAN,GAN_Feat,VGG,D_Fake,D_real\n", 36) == 0);
        free(csv);
    }
    remove(vgg);
    cli_run_remove_tree(b);
    CHECK_EQ_INT(2, cli_run("train spade --data synth:4 " TINY " --steps 1 --vgg %s --out %s", vgg, b));
    CHECK_CONTAINS("vgg19_small.safetensors", cli_run_err);
    CHECK(!cli_run_exists(b));
    CHECK_EQ_INT(2, cli_run("train dcgan --data synth:4 --steps 1 --vgg %s --out %s", vgg, b));
    CHECK_CONTAINS("--vgg (the VGG perceptual loss) is an option of spade", cli_run_err);
    CHECK(!cli_run_exists(b));
}

/* The classes of a run's model file (its map's channels). */
static int model_classes(const char *dir)
{
    const gan_family *f = NULL;
    gan_model *m = NULL;
    gan_values v;
    gan_geometry g;
    char path[1200];
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    if (!CHECK_EQ_INT(0, gan_model_load(path, &f, &m, &v, NULL))) return -1;
    f->geometry(m, &g);
    f->destroy(m);
    return g.cond_channels;
}

/* --palette with 9 colour lines (a comment and a blank line between):
 * --classes defaults to 9; a given --classes wins; a bad palette: exit 2
 * naming the line, nothing written. */
static void classes_from_palette(void)
{
    char pal[1100], bad[1100], a[1100], b[1100];
    FILE *fp;
    int k;
    SKIP_WITHOUT_BINARY();
    snprintf(pal, sizeof pal, "%s", cli_run_tmp("palette9.txt"));
    snprintf(bad, sizeof bad, "%s", cli_run_tmp("palette_bad.txt"));
    snprintf(a, sizeof a, "%s", cli_run_tmp("spade_pal_a"));
    snprintf(b, sizeof b, "%s", cli_run_tmp("spade_pal_b"));
    if (!CHECK((fp = fopen(pal, "w")) != NULL)) return;
    fprintf(fp, "# nine classes\n0 0 0 background\n");
    for (k = 1; k < 9; k++) fprintf(fp, "%d %d %d\n%s", 20 * k, 255 - 20 * k, 7 * k, k == 4 ? "\n" : "");
    fclose(fp);
    if (!CHECK((fp = fopen(bad, "w")) != NULL)) return;
    fprintf(fp, "0 0 0\n1 2\n");
    fclose(fp);
    cli_run_remove_tree(a);
    cli_run_remove_tree(b);
    if (!CHECK_EQ_INT(0, cli_run("train spade --data synth:2 " TINY " --steps 1 --palette %s --out %s", pal, a)))
        fprintf(stderr, "    %s\n", cli_run_err);
    CHECK_EQ_INT(9, model_classes(a));
    CHECK_EQ_INT(0, cli_run("train spade --data synth:2 " TINY " --steps 1 --palette %s --classes 8 --out %s", pal, b));
    CHECK_EQ_INT(8, model_classes(b));
    cli_run_remove_tree(b);
    CHECK_EQ_INT(2, cli_run("train spade --data synth:2 " TINY " --steps 1 --palette %s --out %s", bad, b));
    CHECK_CONTAINS("palette_bad.txt:2: want \"R G B [name]\"", cli_run_err);
    CHECK(!cli_run_exists(b));
}

/* loss.csv's first row's first loss (text up to its comma), or "". */
static void first_loss(const char *dir, char *out, size_t cap)
{
    char path[1200];
    uint8_t *csv = NULL;
    size_t n = 0, i, k = 0;
    out[0] = '\0';
    snprintf(path, sizeof path, "%s/loss.csv", dir);
    if (g99_read_file(path, 1 << 20, &csv, &n, NULL)) return;
    for (i = 0; i < n && csv[i] != '\n'; i++) {}
    for (i += 3; i < n && csv[i] != ',' && k + 1 < cap; i++) out[k++] = (char)csv[i];   /* past "\n1," */
    out[k] = '\0';
    free(csv);
}

/* --from a use_vae model file takes E from it ("E." keys, batch norm's
 * I64 counters read as counts): the first step's KLD, which depends on E
 * and the batch alone, is the one of --from the run's checkpoint; D is
 * the one table started fresh (and the note says so). */
static void from_model_file_takes_e(void)
{
    const char *m = model_vae();
    char run[1100], a[1100], b[1100], ka[64], kb[64];
    SKIP_WITHOUT_BINARY();
    if (!m) return;
    snprintf(run, sizeof run, "%s", cli_run_tmp("spade_vae"));
    snprintf(a, sizeof a, "%s", cli_run_tmp("spade_from_model"));
    snprintf(b, sizeof b, "%s", cli_run_tmp("spade_from_run"));
    cli_run_remove_tree(a);
    cli_run_remove_tree(b);
    if (!CHECK_EQ_INT(0, cli_run("train spade --from %s --data synth:4 --batch 2 --samples 2 --steps 1 --out %s", m, a)))
        fprintf(stderr, "    %s\n", cli_run_err);
    CHECK_CONTAINS("D initialized fresh", cli_run_err);
    CHECK(strstr(cli_run_err, "E initialized") == NULL);
    CHECK_EQ_INT(0, cli_run("train spade --from %s --data synth:4 --batch 2 --samples 2 --steps 1 --out %s", run, b));
    first_loss(a, ka, sizeof ka);
    first_loss(b, kb, sizeof kb);
    CHECK(ka[0] != '\0');
    CHECK_EQ_STR(kb, ka);
}

/* The trainable parameters of a run's G and D (its checkpoint). */
static float *trained(const char *dir, size_t *n)
{
    const gan_family *f = gan_arch_find("spade");
    gan_values v;
    gan_model *m = NULL;
    nn_checkpoint_part parts[4];
    char path[1200];
    float *out = NULL;
    int np, i;
    size_t at = 0;
    g99_error err;
    gan_values_default(f, &v);
    v.v[gan_option_find(f, "size")] = SIZE;
    v.v[gan_option_find(f, "ngf")] = 2;
    v.v[gan_option_find(f, "ndf")] = 2;
    v.v[gan_option_find(f, "nhidden")] = 4;
    if (!CHECK_EQ_INT(0, f->create(&v, &m, &err))) return NULL;
    np = f->parts(m, parts, 4);
    snprintf(path, sizeof path, "%s/checkpoint.safetensors", dir);
    for (i = 0; i < np; i++) parts[i].adam = NULL;
    *n = 0;
    for (i = 0; i < np; i++) *n += parts[i].p->n_train;
    if (CHECK_EQ_INT(0, nn_checkpoint_load_parts(path, parts, np, NULL, &err)) &&
        (out = (float *)malloc(*n * sizeof *out)) != NULL)
        for (i = 0; i < np; i++) {
            memcpy(out + at, parts[i].p->data, parts[i].p->n_train * sizeof *out);
            at += parts[i].p->n_train;
        }
    else fprintf(stderr, "    %s\n", err.msg);
    f->destroy(m);
    return out;
}

/* synth:4 at batch 2: 2 steps an epoch. --niter 0 --niter-decay 1: epoch
 * 1 (steps 3, 4) at lr 2e-4 - 2e-4/1 = 0, so the parameters after 4 steps
 * are those after 2 (the buffers move: batch norm and spectral norm run). */
static void lr_decays_to_zero(void)
{
    const char *d2 = cli_run_tmp("spade_lr2"), *d4 = cli_run_tmp("spade_lr4"), *c4 = cli_run_tmp("spade_const4");
    float *p2, *p4, *q4;
    size_t n2 = 0, n4 = 0, nq = 0;
    SKIP_WITHOUT_BINARY();
    cli_run_remove_tree(d2);
    cli_run_remove_tree(d4);
    cli_run_remove_tree(c4);
    CHECK_EQ_INT(0, cli_run("train spade --data synth:4 " TINY " --niter 0 --niter-decay 1 --steps 2 --sample-every 2 "
                            "--out %s", d2));
    CHECK_EQ_INT(0, cli_run("train spade --data synth:4 " TINY " --niter 0 --niter-decay 1 --steps 4 --sample-every 2 "
                            "--out %s", d4));
    CHECK_EQ_INT(0, cli_run("train spade --data synth:4 " TINY " --steps 4 --sample-every 2 --out %s", c4));
    p2 = trained(d2, &n2);
    p4 = trained(d4, &n4);
    q4 = trained(c4, &nq);
    if (p2 && p4 && q4 && CHECK_EQ_U64(n2, n4) && CHECK_EQ_U64(n2, nq)) {
        CHECK(memcmp(p2, p4, n2 * sizeof *p2) == 0);
        CHECK(memcmp(p2, q4, n2 * sizeof *p2) != 0);
    }
    free(p2);
    free(p4);
    free(q4);
}

/* Grey and colour maps of the same classes paint one face; a 2x map is
 * resized to the map (one note for two such maps). */
static void paint_reads_every_map_kind(void)
{
    const char *m = model_plain(), *dir = cli_run_tmp("paint_maps"), *out = cli_run_tmp("paint_out");
    char p[1200], q[1200];
    img_image grey, colour, big, face;
    int x, y, rc;
    SKIP_WITHOUT_BINARY();
    if (!m || face_maps(1, SIZE, &grey, &colour)) return;
    cli_run_remove_tree(dir);
    cli_run_remove_tree(out);
    g99_mkdir(dir, NULL);
    snprintf(p, sizeof p, "%s/grey.png", dir);
    save(&grey, p);
    snprintf(p, sizeof p, "%s/colour.png", dir);
    save(&colour, p);
    if (!img_new(&big, 2 * SIZE, 2 * SIZE, 3, 8, NULL)) {
        for (y = 0; y < 2 * SIZE; y++)
            for (x = 0; x < 2 * SIZE; x++)
                memcpy(big.data + ((size_t)y * 2 * SIZE + x) * 3, colour.data + ((size_t)(y / 2) * SIZE + x / 2) * 3, 3);
        snprintf(p, sizeof p, "%s/big.png", dir);
        save(&big, p);
        snprintf(p, sizeof p, "%s/big2.png", dir);
        save(&big, p);
        img_free(&big);
    }
    img_free(&grey);
    if (!face_maps(2, SIZE, &grey, NULL)) {   /* another face: another picture */
        snprintf(p, sizeof p, "%s/other.png", dir);
        save(&grey, p);
    }
    rc = cli_run("paint %s --out %s %s", m, out, dir);
    if (!CHECK_EQ_INT(0, rc)) fprintf(stderr, "    %s\n", cli_run_err);
    CHECK_EQ_INT(1, count_in(cli_run_err, "resized nearest"));
    CHECK_CONTAINS("painted 5 faces from 5 maps", cli_run_out);
    snprintf(p, sizeof p, "%s/other.png", out);
    snprintf(q, sizeof q, "%s/colour.png", out);
    CHECK(!same_file(p, q));
    snprintf(p, sizeof p, "%s/grey.png", out);
    snprintf(q, sizeof q, "%s/colour.png", out);
    CHECK(same_file(p, q));
    snprintf(p, sizeof p, "%s/big.png", out);
    CHECK(same_file(p, q));
    if (CHECK_EQ_INT(0, img_load(q, NULL, &face, NULL))) {
        CHECK_EQ_INT(SIZE, face.width);
        CHECK_EQ_INT(SIZE, face.height);
        CHECK_EQ_INT(3, face.channels);
        img_free(&face);
    }
    img_free(&grey);
    img_free(&colour);
}

/* Seeds of a latent model give other faces, a seed its face again; a model
 * without a latent paints one face per map and says why. */
static void paint_seeds(void)
{
    const char *m = model_latent(), *mp = model_plain(), *dir = cli_run_tmp("paint_seed_maps");
    const char *o1 = cli_run_tmp("paint_seeds1"), *o2 = cli_run_tmp("paint_seeds2"), *o3 = cli_run_tmp("paint_seeds3");
    char p[1200], q[1200];
    img_image colour;
    SKIP_WITHOUT_BINARY();
    if (!m || !mp || face_maps(2, SIZE, NULL, &colour)) return;
    cli_run_remove_tree(dir);
    cli_run_remove_tree(o1);
    cli_run_remove_tree(o2);
    cli_run_remove_tree(o3);
    g99_mkdir(dir, NULL);
    snprintf(p, sizeof p, "%s/face.png", dir);
    save(&colour, p);
    img_free(&colour);
    CHECK_EQ_INT(0, cli_run("paint %s --out %s --seed 7 --count 3 %s", m, o1, p));
    CHECK_EQ_INT(0, cli_run("paint %s --out %s --seed 8 %s", m, o2, p));
    snprintf(p, sizeof p, "%s/face_seed7.png", o1);
    snprintf(q, sizeof q, "%s/face_seed8.png", o1);
    CHECK(cli_run_exists(p) && cli_run_exists(q));
    CHECK(!same_file(p, q));
    snprintf(p, sizeof p, "%s/face_seed9.png", o1);
    CHECK(!same_file(p, q));
    snprintf(p, sizeof p, "%s/face_seed8.png", o2);
    CHECK(same_file(p, q));
    snprintf(p, sizeof p, "%s/face.png", dir);
    CHECK_EQ_INT(0, cli_run("paint %s --out %s --count 3 %s", mp, o3, p));
    CHECK_CONTAINS("no latent", cli_run_err);
    CHECK_CONTAINS("painted 1 face from 1 map", cli_run_out);
    snprintf(p, sizeof p, "%s/face.png", o3);
    CHECK(cli_run_exists(p));
}

/* Bad maps: exit 2, the message, no output folder. */
static void bad_map(const char *file, const img_image *im, const char *want, const char *want2)
{
    const char *m = model_plain(), *dir = cli_run_tmp("paint_bad_maps"), *out = cli_run_tmp("paint_bad_out");
    char p[1200];
    g99_mkdir(dir, NULL);
    cli_run_remove_tree(out);
    snprintf(p, sizeof p, "%s/%s", dir, file);
    if (!m || !save(im, p)) return;
    CHECK_EQ_INT(2, cli_run("paint %s --out %s %s", m, out, p));
    CHECK_CONTAINS("gan99: ", cli_run_first_line);
    CHECK_CONTAINS(want, cli_run_err);
    if (want2) CHECK_CONTAINS(want2, cli_run_err);
    CHECK(!cli_run_exists(out));
}

static void paint_refuses_bad_maps(void)
{
    img_image grey, colour;
    gan_face f;
    SKIP_WITHOUT_BINARY();
    if (face_maps(3, SIZE, &grey, &colour)) return;
    grey.data[2 * SIZE + 5] = 9;   /* (5, 2): class 9 of a 7-class model */
    bad_map("class9.png", &grey, "class9.png: pixel (5, 2) is class 9, beyond the 7 classes (0..6)", NULL);
    memset(grey.data, 200, (size_t)SIZE * SIZE / 2);   /* half the pixels 200: a grey photo */
    bad_map("greyphoto.png", &grey, "a grey photo rather than a label map?", NULL);
    colour.data[(6 * SIZE + 4) * 3] = 1;   /* (4, 6): (1, g, b) is no class colour */
    colour.data[(6 * SIZE + 4) * 3 + 1] = 2;
    colour.data[(6 * SIZE + 4) * 3 + 2] = 3;
    bad_map("stray.png", &colour, "stray.png: pixel (4, 6) has colour (1, 2, 3), not in the palette", NULL);
    if (CHECK_EQ_INT(0, gan_synthface_render(9, 3, SIZE, &f, NULL))) {
        bad_map("photo.png", &f.rgb, "photo.png: a photo, not a label map?", "have colours of no class");
        gan_face_free(&f);
    }
    img_free(&grey);
    img_free(&colour);
}

static void paint_refuses_style_and_other_models(void)
{
    const char *m = model_plain(), *out = cli_run_tmp("paint_style_out");
    char p[1200];
    img_image colour;
    SKIP_WITHOUT_BINARY();
    if (!m || face_maps(4, SIZE, NULL, &colour)) return;
    snprintf(p, sizeof p, "%s", cli_run_tmp("paint_style_map.png"));
    save(&colour, p);
    img_free(&colour);
    cli_run_remove_tree(out);
    CHECK_EQ_INT(2, cli_run("paint %s --out %s --style %s %s", m, out, p, p));
    CHECK_CONTAINS("needs a model trained with --use-vae", cli_run_err);
    CHECK(!cli_run_exists(out));
    CHECK_EQ_INT(2, cli_run("paint %s --out %s %s", p, out, p));   /* a PNG is no model file */
    CHECK(!cli_run_exists(out));
}

/* A photo's style: the synthetic faces 5 and 6 as photos on one map. */
static void paint_style(void)
{
    const char *m = model_vae();
    char d[7][1100], map[1200], ph5[1200], ph6[1200], big[1200], p[1200], q[1200];
    const char *dir = d[0], *o1 = d[1], *o2 = d[2], *o3 = d[3], *o4 = d[4], *o5 = d[5], *o6 = d[6];
    img_image colour, twice;
    gan_face f5, f6;
    int x, y;
    SKIP_WITHOUT_BINARY();
    for (x = 0; x < 7; x++) {   /* cli_run_tmp keeps 4 names at a time */
        char name[32];
        if (x) snprintf(name, sizeof name, "paint_style%d", x);
        else snprintf(name, sizeof name, "paint_style_in");
        snprintf(d[x], sizeof d[x], "%s", cli_run_tmp(name));
    }
    if (!m || face_maps(2, SIZE, NULL, &colour)) return;
    if (!CHECK_EQ_INT(0, gan_synthface_render(9, 5, SIZE, &f5, NULL))) return;
    if (!CHECK_EQ_INT(0, gan_synthface_render(9, 6, SIZE, &f6, NULL))) {
        gan_face_free(&f5);
        return;
    }
    cli_run_remove_tree(dir);
    g99_mkdir(dir, NULL);
    snprintf(map, sizeof map, "%s/face.png", dir);
    snprintf(ph5, sizeof ph5, "%s/photo5.png", dir);
    snprintf(ph6, sizeof ph6, "%s/photo6.png", dir);
    snprintf(big, sizeof big, "%s/photo5x2.png", dir);
    save(&colour, map);
    save(&f5.rgb, ph5);
    save(&f6.rgb, ph6);
    if (CHECK_EQ_INT(0, img_new(&twice, 2 * SIZE, 2 * SIZE, 3, 8, NULL))) {
        for (y = 0; y < 2 * SIZE; y++)
            for (x = 0; x < 2 * SIZE; x++)
                memcpy(twice.data + ((size_t)y * 2 * SIZE + x) * 3, f5.rgb.data + ((size_t)(y / 2) * SIZE + x / 2) * 3, 3);
        save(&twice, big);
        img_free(&twice);
    }
    img_free(&colour);
    gan_face_free(&f5);
    gan_face_free(&f6);
    cli_run_remove_tree(o1);
    cli_run_remove_tree(o2);
    cli_run_remove_tree(o3);
    cli_run_remove_tree(o4);
    cli_run_remove_tree(o5);
    cli_run_remove_tree(o6);
    if (!CHECK_EQ_INT(0, cli_run("paint %s --out %s --style %s --seed 3 --count 2 %s", m, o1, ph5, map)))
        fprintf(stderr, "    %s\n", cli_run_err);
    CHECK_CONTAINS("painted 2 faces from 1 map", cli_run_out);
    CHECK_EQ_INT(0, cli_run("paint %s --out %s --style %s --seed 3 %s", m, o2, ph6, map));
    CHECK_EQ_INT(0, cli_run("paint %s --out %s --style %s --seed 3 %s", m, o3, ph5, map));
    CHECK_EQ_INT(0, cli_run("paint %s --out %s --style %s --seed 3 %s", m, o4, big, map));
    CHECK_CONTAINS("scaled to cover", cli_run_err);
    snprintf(p, sizeof p, "%s/face_seed3.png", o1);
    snprintf(q, sizeof q, "%s/face_seed3.png", o2);
    CHECK(cli_run_exists(p) && cli_run_exists(q));
    CHECK(!same_file(p, q));   /* another photo, another face */
    snprintf(q, sizeof q, "%s/face_seed3.png", o3);
    CHECK(same_file(p, q));    /* the same photo and seed: the same bytes */
    snprintf(q, sizeof q, "%s/face_seed3.png", o4);
    CHECK(same_file(p, q));    /* the photo at 2x, scaled back */
    snprintf(q, sizeof q, "%s/face_seed4.png", o1);
    CHECK(!same_file(p, q));   /* another seed, another eps */
    /* the mean style: one face, whatever the seed */
    CHECK_EQ_INT(0, cli_run("paint %s --out %s --style %s --mean-style --seed 1 %s", m, o5, ph5, map));
    CHECK_EQ_INT(0, cli_run("paint %s --out %s --style %s --mean-style --seed 2 %s", m, o6, ph5, map));
    CHECK_CONTAINS("change nothing", cli_run_err);
    snprintf(p, sizeof p, "%s/face.png", o5);
    snprintf(q, sizeof q, "%s/face.png", o6);
    CHECK(cli_run_exists(p) && same_file(p, q));
    snprintf(q, sizeof q, "%s/face_seed3.png", o1);
    CHECK(!same_file(p, q));
    cli_run_remove_tree(o6);
    CHECK_EQ_INT(2, cli_run("paint %s --out %s --mean-style %s", m, o6, map));
    CHECK_CONTAINS("--mean-style needs --style", cli_run_err);
    CHECK(!cli_run_exists(o6));
}

/* sample and translate point a spade model to gan99 paint. */
static void other_commands_point_to_paint(void)
{
    const char *m = model_plain(), *out = cli_run_tmp("spade_other_out");
    char png[1200];
    img_image colour;
    SKIP_WITHOUT_BINARY();
    if (!m || face_maps(4, SIZE, NULL, &colour)) return;
    snprintf(png, sizeof png, "%s", cli_run_tmp("spade_other_map.png"));
    save(&colour, png);
    img_free(&colour);
    cli_run_remove_tree(out);
    CHECK_EQ_INT(2, cli_run("sample %s --out %s.png", m, out));
    CHECK_CONTAINS("use gan99 paint", cli_run_err);
    CHECK_EQ_INT(2, cli_run("translate %s --out %s %s", m, out, png));
    CHECK_CONTAINS("use gan99 paint", cli_run_err);
    CHECK(!cli_run_exists(out));
}

const test_case cli_spade_tests[] = {
    TEST(resume_is_bit_identical),
    TEST(resume_vae_is_bit_identical),
    TEST(paint_style),
    TEST(vgg_loss_run),
    TEST(classes_from_palette),
    TEST(from_model_file_takes_e),
    TEST(other_commands_point_to_paint),
    TEST(lr_decays_to_zero),
    TEST(paint_reads_every_map_kind),
    TEST(paint_seeds),
    TEST(paint_refuses_bad_maps),
    TEST(paint_refuses_style_and_other_models),
    TEST_END,
};
