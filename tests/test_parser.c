/* The face parser (gan/parser.c, gan/arch_parser.c) against PyTorch: the
 * files golden/tools/parser_golden.py writes (state_dict key lists, whole
 * training steps of cross-entropy and Adam, a model file torch wrote);
 * IoU (gan/metrics.c) and the class argmax on hand-derived maps; a run
 * through gan_train_run that writes iou.csv and resumes bit for bit; gan99
 * parse on a photo whose classes torch computed, coloured in the
 * documented palette.
 *
 * Tolerances as tests/test_pix2pix.c's (doc/design.md §7.2): logits and
 * losses 1e-5 absolute + 1e-4 relative, gradients 1e-4 relative + 1e-5 of
 * the tensor's largest magnitude, parameters after Adam steps 1e-5 + 1e-4. */
#include "test.h"
#include "cli_run.h"
#include "nn_golden.h"
#include "../gan/gan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double seen_worst;

static int check_close(const nn_st_file *f, const char *name, const float *a, size_t n, int grads)
{
    return golden_check(f, name, a, n, grads, 1.0, &seen_worst);
}

/* A gradient zero by construction (a conv bias before instance norm):
 * torch's is rounding noise under 1e-5, and so must gan99's be; after Adam
 * steps such a tensor has moved by at most lr a step, either way. */
#define ZERO_GRAD 1e-5
#define LR 1e-3

static void compare_params(const nn_st_file *f, const nn_params *p, const char *prefix, int grads,
                           const char *grad_prefix, int steps)
{
    size_t i, j;
    for (i = 0; i < p->n; i++) {
        char name[256], gname[256];
        snprintf(name, sizeof name, "%s%s", prefix, p->t[i]->name);
        if (grads && p->kind[i] != NN_PARAM) continue;
        if (p->kind[i] == NN_COUNTER) {
            const nn_st_tensor *s = nn_st_find(f, name);
            if (CHECK(s && s->dtype == NN_ST_I64)) CHECK_EQ_INT((long long)g99_load_le64(s->data), (long long)p->t[i]->data[0]);
            continue;
        }
        if (p->kind[i] == NN_PARAM) {
            double gm;
            snprintf(gname, sizeof gname, "%s%s", grads ? prefix : grad_prefix, p->t[i]->name);
            gm = golden_max(f, gname);
            if (gm >= 0 && gm < ZERO_GRAD) {
                float *e = grads ? NULL : golden_floats(f, name, p->t[i]->numel);
                for (j = 0; j < p->t[i]->numel; j++) {
                    double d = grads ? fabs(p->t[i]->grad[j]) : fabs(p->t[i]->data[j] - (e ? e[j] : 0.0f));
                    if (!CHECK(d < (grads ? ZERO_GRAD : steps * 2 * LR + 1e-6))) {
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

static gan_parser_config config(int size, int in, int classes, int ngf, int num_downs, int norm)
{
    gan_parser_config c;
    memset(&c, 0, sizeof c);
    c.width = c.height = size;
    c.input_nc = in;
    c.n_classes = classes;
    c.ngf = ngf;
    c.num_downs = num_downs;
    c.norm = norm;
    return c;
}

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

static void check_keys(const nn_st_file *f, const char *which, const gan_parser_config *c)
{
    gan_parser m;
    g99_error err;
    char *s;
    if (!CHECK_EQ_INT(0, gan_parser_init(&m, c, &err))) {
        fprintf(stderr, "    %s: %s\n", which, err.msg);
        return;
    }
    CHECK_EQ_INT(0, (int)m.unet.d.n);   /* no discriminator */
    s = key_list(&m.unet.g);
    if (CHECK(nn_st_meta(f, which) != NULL) && s) CHECK_EQ_STR(nn_st_meta(f, which), s);
    free(s);
    gan_parser_free(&m);
}

/* The state_dict keys, shapes and order of torch's U-Net without its Tanh. */
static void keys_are_the_references(void)
{
    nn_st_file *f = NULL;
    g99_error err;
    gan_parser_config c;
    if (!CHECK_EQ_INT(0, nn_st_load("golden/parser/keys.safetensors", NN_ST_MAX_FILE, &f, &err))) return;
    c = config(32, 3, 7, 4, 5, GAN_NORM_BATCH);
    check_keys(f, "p5_batch", &c);
    c = config(64, 3, 7, 2, 0, GAN_NORM_BATCH);   /* 0: down to 1x1, 6 levels */
    check_keys(f, "p6_batch", &c);
    c = config(32, 1, 19, 2, 5, GAN_NORM_INSTANCE);
    check_keys(f, "p5_instance", &c);
    nn_st_free(f);
}

/* Whole steps: losses, the first step's gradients, every tensor after the
 * last step, then the trained net's eval-mode logits. */
static void step_case(const nn_st_file *f, const char *name, int classes, int ngf, int norm, int steps)
{
    gan_parser m;
    gan_parser_trainer t;
    gan_parser_config c = config(32, 3, classes, ngf, 5, norm);
    g99_error err;
    char key[128], gkey[128];
    float *x = NULL, *labels = NULL, got[8];
    uint8_t lab[2 * 32 * 32];
    size_t plane = 2 * 3 * 32 * 32, lplane = 2 * 32 * 32, i;
    int s, xs[4] = { 2, 3, 32, 32 };
    if (!CHECK_EQ_INT(0, gan_parser_init(&m, &c, &err))) return;
    snprintf(key, sizeof key, "%s.w.", name);
    if (!golden_load_params(f, &m.unet.g, key)) goto done;
    if (!CHECK_EQ_INT(0, gan_parser_trainer_init(&t, &m, 1e-3f, 0.9f, NULL, &err))) goto done;
    snprintf(key, sizeof key, "%s.x", name);
    x = golden_floats(f, key, (size_t)steps * plane);
    snprintf(key, sizeof key, "%s.labels", name);
    labels = golden_floats(f, key, (size_t)steps * lplane);
    for (s = 0; x && labels && s < steps; s++) {
        for (i = 0; i < lplane; i++) lab[i] = (uint8_t)labels[s * lplane + i];
        if (!CHECK_EQ_INT(0, gan_parser_train_step(&t, x + s * plane, lab, 2, &got[s], &err))) {
            fprintf(stderr, "    %s\n", err.msg);
            break;
        }
        if (s == 0) {
            snprintf(key, sizeof key, "%s.grad.", name);
            compare_params(f, &m.unet.g, key, 1, NULL, 0);
        }
    }
    if (s == steps) {
        nn_tensor *y;
        snprintf(key, sizeof key, "%s.losses", name);
        check_close(f, key, got, (size_t)steps, 0);
        snprintf(key, sizeof key, "%s.after.", name);
        snprintf(gkey, sizeof gkey, "%s.grad.", name);
        compare_params(f, &m.unet.g, key, 0, gkey, steps);
        nn_ctx_reset(t.ctx);
        y = gan_parser_logits(t.ctx, &m, nn_tensor_from(t.ctx, 4, xs, x), 0);
        snprintf(key, sizeof key, "%s.eval", name);
        if (CHECK(y != NULL) && CHECK_EQ_INT(2 * classes * 32 * 32, (int)y->numel)) check_close(f, key, y->data, y->numel, 0);
    }
    gan_parser_trainer_free(&t);
done:
    free(x);
    free(labels);
    gan_parser_free(&m);
}

static void training_steps_match_torch(void)
{
    nn_st_file *f = NULL;
    g99_error err;
    if (!CHECK_EQ_INT(0, nn_st_load("golden/parser/step.safetensors", NN_ST_MAX_FILE, &f, &err))) return;
    seen_worst = 0;
    step_case(f, "batch", 7, 4, GAN_NORM_BATCH, 3);
    step_case(f, "instance", 19, 2, GAN_NORM_INSTANCE, 2);
    printf("  parser steps vs PyTorch: worst error %.3f of the tolerance (losses, gradients, parameters, logits)\n",
           seen_worst);
    nn_st_free(f);
}

/* A parser state_dict torch saved is a gan99 model file: same keys, same
 * eval-mode logits. */
static void torch_model_file_loads(void)
{
    const gan_family *fam = NULL;
    gan_model *model = NULL;
    gan_values v;
    g99_error err;
    nn_st_file *io = NULL;
    float *x, *y;
    gan_geometry g;
    if (!CHECK_EQ_INT(0, gan_model_load("golden/parser/model.safetensors", &fam, &model, &v, &err))) {
        fprintf(stderr, "    %s\n", err.msg);
        return;
    }
    CHECK(fam == &gan_family_parser);
    fam->geometry(model, &g);
    CHECK_EQ_INT(7, g.channels);
    CHECK_EQ_INT(3, g.cond_channels);
    y = (float *)malloc(2 * 7 * 32 * 32 * sizeof *y);
    if (CHECK(y != NULL) && CHECK_EQ_INT(0, nn_st_load("golden/parser/model_io.safetensors", NN_ST_MAX_FILE, &io, &err)) &&
        (x = golden_floats(io, "x", 2 * 3 * 32 * 32)) != NULL) {
        if (CHECK_EQ_INT(0, gan_model_translate(fam, model, x, 2, 0, y, &err))) check_close(io, "out", y, 2 * 7 * 32 * 32, 0);
        free(x);
    }
    free(y);
    nn_st_free(io);
    fam->destroy(model);
}

/* IoU by hand, 8 pixels of 4 classes (class 3 in neither map):
 *   pred  0 0 1 1 2 2 0 1
 *   truth 0 1 1 1 2 0 0 2
 * class 0: pred {0,1,6}, truth {0,5,6}, both {0,6}: 2 / (3 + 3 - 2) = 1/2
 * class 1: pred {2,3,7}, truth {1,2,3}, both {2,3}: 2 / 4 = 1/2
 * class 2: pred {4,5},   truth {4,7},   both {4}:   1 / 3
 * mean over the 3 present: (1/2 + 1/2 + 1/3) / 3 = 4/9. */
static void iou_by_hand(void)
{
    static const uint8_t pred[8] = { 0, 0, 1, 1, 2, 2, 0, 1 }, truth[8] = { 0, 1, 1, 1, 2, 0, 0, 2 };
    static const uint8_t same[4] = { 1, 1, 0, 2 }, zeros[4] = { 0, 0, 0, 0 }, ones[4] = { 1, 1, 1, 1 };
    uint8_t bad[2] = { 5, 0 }, bad_truth[2] = { 0, 0 };
    double per[7];
    gan_iou_sum s;
    CHECK_NEAR(4.0 / 9.0, gan_iou(pred, truth, 8, 4, per), 1e-15, 0);
    CHECK_NEAR(0.5, per[0], 1e-15, 0);
    CHECK_NEAR(0.5, per[1], 1e-15, 0);
    CHECK_NEAR(1.0 / 3.0, per[2], 1e-15, 0);
    CHECK(per[3] != per[3]);   /* absent from both: no IoU */
    /* two halves added in turn count as the whole; an out-of-range pixel is left out */
    gan_iou_init(&s, 4);
    CHECK_EQ_INT(0, (int)gan_iou_add(&s, pred, truth, 3));
    CHECK_EQ_INT(0, (int)gan_iou_add(&s, pred + 3, truth + 3, 5));
    CHECK_EQ_INT(1, (int)gan_iou_add(&s, bad, bad_truth, 1));
    CHECK_EQ_U64(8, s.pixels);
    CHECK_NEAR(4.0 / 9.0, gan_iou_mean(&s), 1e-15, 0);
    CHECK_NEAR(1.0 / 3.0, gan_iou_class(&s, 2), 1e-15, 0);
    /* a perfect map: 1 for every present class; disjoint maps: 0 */
    CHECK_NEAR(1.0, gan_iou(same, same, 4, 7, per), 0, 0);
    CHECK(per[3] != per[3] && per[0] == 1.0 && per[2] == 1.0);
    CHECK_NEAR(0.0, gan_iou(zeros, ones, 4, 2, per), 0, 0);
    CHECK(per[0] == 0.0 && per[1] == 0.0);
    /* nothing counted: no mean */
    gan_iou_init(&s, 3);
    CHECK(gan_iou_mean(&s) != gan_iou_mean(&s));
}

/* The class of a pixel is its largest score: the lowest index on ties, NaN
 * never winning (as gan_label_image colours a map). */
static void class_argmax_by_hand(void)
{
    float nan;
    uint32_t u = 0x7FC00000u;
    float scores[3 * 4];
    uint8_t out[4];
    memcpy(&nan, &u, sizeof nan);
    /* pixel:      0     1     2     3 */
    scores[0] = 1; scores[1] = 5; scores[2] = nan; scores[3] = 0;    /* class 0 */
    scores[4] = 2; scores[5] = 5; scores[6] = -1;  scores[7] = nan;  /* class 1 */
    scores[8] = 0; scores[9] = 1; scores[10] = -2; scores[11] = 3;   /* class 2 */
    gan_class_argmax(scores, 3, 4, out);
    CHECK_EQ_INT(1, out[0]);
    CHECK_EQ_INT(0, out[1]);
    CHECK_EQ_INT(1, out[2]);
    CHECK_EQ_INT(2, out[3]);
}

/* A class the model does not have is refused naming the pixel; sizes the
 * U-Net cannot halve are refused as the parser's. */
static void bad_labels_and_sizes(void)
{
    gan_parser m;
    gan_parser_trainer t;
    gan_parser_config c = config(32, 3, 7, 2, 5, GAN_NORM_BATCH);
    g99_error err;
    float x[3 * 32 * 32];
    uint8_t lab[32 * 32];
    memset(x, 0, sizeof x);
    memset(lab, 0, sizeof lab);
    lab[2 * 32 + 5] = 7;
    if (CHECK_EQ_INT(0, gan_parser_init(&m, &c, &err))) {
        if (CHECK_EQ_INT(0, gan_parser_trainer_init(&t, &m, 1e-3f, 0.9f, NULL, &err))) {
            CHECK_EQ_INT(G99_EINVAL, gan_parser_train_step(&t, x, lab, 1, NULL, &err));
            CHECK_CONTAINS("pixel (5, 2) has class 7", err.msg);
            gan_parser_trainer_free(&t);
        }
        gan_parser_free(&m);
    }
    c = config(40, 3, 7, 2, 5, GAN_NORM_BATCH);
    CHECK_EQ_INT(G99_EINVAL, gan_parser_init(&m, &c, &err));
    CHECK_CONTAINS("parser: ", err.msg);
    CHECK_CONTAINS("32 or 64", err.msg);
    c = config(32, 3, 256, 2, 5, GAN_NORM_BATCH);
    CHECK_EQ_INT(G99_EINVAL, gan_parser_init(&m, &c, &err));
    CHECK_CONTAINS("--classes 256", err.msg);
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
    o->family = &gan_family_parser;
    gan_values_default(o->family, &o->values);
    set(o, "ngf", 2);
    set(o, "size", 32);
    o->data = "synth:16";
    o->val = "synth:3:7";
    o->batch = 4;
    o->out = out;
    o->steps = steps;
    o->seed = 5;
    o->sample_every = 4;
    o->n_samples = 4;
}

/* The family through the one run loop: rows of photo | parsed | true map,
 * iou.csv at every epoch's end (4 steps of 4 faces), and a resume
 * identical to the whole run. */
static void trains_and_resumes_through_the_run_loop(void)
{
    char a[512], b[512], pa[600], pb[600];
    gan_train_opts o;
    gan_train_result res;
    g99_error err;
    img_image grid;
    uint8_t *csv = NULL;
    size_t len = 0;
    snprintf(a, sizeof a, "%s", test_tmp_path("run_parser_a"));
    snprintf(b, sizeof b, "%s", test_tmp_path("run_parser_b"));
    test_clear_run(a);
    test_clear_run(b);
    run_opts(&o, a, 10);
    if (!CHECK_EQ_INT(0, gan_train_run(&o, &res, &err))) {
        fprintf(stderr, "    %s\n", err.msg);
        return;
    }
    snprintf(pa, sizeof pa, "%s/samples/step_0000008.png", a);
    if (CHECK_EQ_INT(0, img_png_load(pa, NULL, &grid, &err))) {
        CHECK_EQ_INT(2 + 3 * 34, grid.width);
        CHECK_EQ_INT(2 + 4 * 34, grid.height);
        CHECK_EQ_INT(3, grid.channels);
        img_free(&grid);
    }
    snprintf(pa, sizeof pa, "%s/iou.csv", a);
    if (CHECK_EQ_INT(0, g99_read_file(pa, 1 << 20, &csv, &len, &err))) {
        int lines = 0;
        size_t i;
        for (i = 0; i < len; i++) lines += csv[i] == '\n';
        CHECK_EQ_INT(4, lines);   /* the header, epochs 1 and 2 (step 4, 8), the run's end (step 10) */
        CHECK(len > 60 && memcmp(csv, "epoch,step,mean_iou,background,skin,hair,eyes,brows,nose,mouth\n1,4,", 66) == 0);
        free(csv);
    }
    run_opts(&o, b, 8);
    CHECK_EQ_INT(0, gan_train_run(&o, &res, &err));
    run_opts(&o, b, 10);
    o.data = NULL;
    o.val = NULL;
    o.sample_every = 0;
    o.batch = 0;
    memset(o.values.given, 0, sizeof o.values.given);
    o.resume = 1;
    if (!CHECK_EQ_INT(0, gan_train_run(&o, &res, &err))) fprintf(stderr, "    %s\n", err.msg);
    CHECK_EQ_U64(8, res.start);
    snprintf(pa, sizeof pa, "%s/loss.csv", a);
    snprintf(pb, sizeof pb, "%s/loss.csv", b);
    CHECK(same_file(pa, pb));
    snprintf(pa, sizeof pa, "%s/iou.csv", a);
    snprintf(pb, sizeof pb, "%s/iou.csv", b);
    CHECK(same_file(pa, pb));
    snprintf(pa, sizeof pa, "%s/checkpoint.safetensors", a);
    snprintf(pb, sizeof pb, "%s/checkpoint.safetensors", b);
    CHECK(same_file(pa, pb));
    snprintf(pa, sizeof pa, "%s/model.safetensors", a);
    snprintf(pb, sizeof pb, "%s/model.safetensors", b);
    CHECK(same_file(pa, pb));
    test_clear_run(a);
    test_clear_run(b);
}

/* The documented colours of the 7 part classes (gan_label_image). */
static const uint8_t part_rgb[7][3] = { { 0, 0, 0 },   { 255, 200, 150 }, { 140, 70, 20 }, { 0, 100, 255 },
                                        { 200, 0, 200 }, { 0, 190, 0 },     { 230, 0, 0 } };

/* Every clear pixel of map (RGB, 32x32) in the colour of torch's class. */
static void check_map_colours(const char *path, const float *classes, const float *clear)
{
    img_image map;
    g99_error err;
    int i, bad = 0, n = 0;
    if (!CHECK_EQ_INT(0, img_png_load(path, NULL, &map, &err))) return;
    if (CHECK_EQ_INT(32, map.width) && CHECK_EQ_INT(32, map.height) && CHECK_EQ_INT(3, map.channels))
        for (i = 0; i < 32 * 32; i++) {
            int c = (int)classes[i];
            if (clear[i] == 0.0f) continue;
            n++;
            bad += memcmp(map.data + 3 * i, part_rgb[c], 3) != 0;
        }
    CHECK_EQ_INT(0, bad);
    CHECK(n > 900);   /* nearly every pixel is clear */
    img_free(&map);
}

#define SKIP_WITHOUT_BINARY()                                                                        \
    do {                                                                                             \
        if (cli_run_binary_missing()) {                                                              \
            if (test_gan99_given()) CHECK(!"the --gan99 binary is missing");                        \
            else fprintf(stderr, "  (parser: no %s; `make test` builds it)\n", test_gan99_path()); \
            return;                                                                                  \
        }                                                                                            \
    } while (0)

/* gan99 parse with torch's model file on torch's photo: the colour map and
 * the palette map (IHDR colour type 3, the same colours), a note for a
 * photo of another size; a model that is no parser and a missing photo
 * are exit 2 with nothing written. */
static void parse_writes_colour_and_palette_maps(void)
{
    nn_st_file *io = NULL;
    g99_error err;
    float *classes = NULL, *clear = NULL;
    char out[600], path[700];
    uint8_t *png = NULL;
    size_t len = 0;
    gan_face face;
    SKIP_WITHOUT_BINARY();
    if (!CHECK_EQ_INT(0, nn_st_load("golden/parser/model_io.safetensors", NN_ST_MAX_FILE, &io, &err))) return;
    classes = golden_floats(io, "photo_classes", 32 * 32);
    clear = golden_floats(io, "photo_clear", 32 * 32);
    snprintf(out, sizeof out, "%s", cli_run_tmp("parse_maps"));
    cli_run_remove_tree(out);
    if (classes && clear && CHECK_EQ_INT(0, cli_run("parse golden/parser/model.safetensors --out %s golden/parser/photo.png", out))) {
        CHECK_CONTAINS("parsed 1 into colour maps of 32x32 (7 classes)", cli_run_out);
        snprintf(path, sizeof path, "%s/photo.png", out);
        check_map_colours(path, classes, clear);
    }
    cli_run_remove_tree(out);
    if (classes && clear &&
        CHECK_EQ_INT(0, cli_run("parse golden/parser/model.safetensors --index --out %s golden/parser/photo.png", out))) {
        snprintf(path, sizeof path, "%s/photo.png", out);
        if (CHECK_EQ_INT(0, g99_read_file(path, 1 << 20, &png, &len, &err)) && CHECK(len > 60)) {
            CHECK_EQ_INT(3, png[25]);                         /* colour type: palette */
            CHECK_EQ_MEM("PLTE", png + 37, 4);                /* right after IHDR */
            CHECK_EQ_INT(21, png[33] << 24 | png[34] << 16 | png[35] << 8 | png[36]);   /* 7 colours */
        }
        free(png);
        check_map_colours(path, classes, clear);
        /* and it is a label map: the loader reads torch's classes back */
        {
            gan_dataset_opts o;
            gan_dataset ds;
            char spec[1300], photos[600], copy[700];
            uint8_t *bytes = NULL;
            size_t n = 0;
            int i, bad = 0;
            /* the photo alone in a folder: the loader pairs every file of both by name */
            snprintf(photos, sizeof photos, "%s", cli_run_tmp("parse_photos"));
            cli_run_remove_tree(photos);
            snprintf(copy, sizeof copy, "%s/photo.png", photos);
            CHECK_EQ_INT(0, g99_mkdir(photos, &err));
            if (CHECK_EQ_INT(0, g99_read_file("golden/parser/photo.png", 1 << 20, &bytes, &n, &err)))
                CHECK_EQ_INT(0, g99_write_file_atomic(copy, bytes, n, &err));
            free(bytes);
            memset(&ds, 0, sizeof ds);
            memset(&o, 0, sizeof o);
            o.size = 32;
            o.channels = 3;
            o.kind = GAN_DATA_LABELS;
            o.n_classes = 7;
            snprintf(spec, sizeof spec, "%s,%s", out, photos);
            if (CHECK_EQ_INT(0, gan_dataset_load(spec, &o, &ds, &err)) && CHECK_EQ_INT(1, ds.n)) {
                for (i = 0; i < 32 * 32; i++) bad += clear[i] != 0.0f && ds.cond[i] != (uint8_t)classes[i];
                CHECK_EQ_INT(0, bad);
            } else {
                fprintf(stderr, "    %s\n", err.msg);
            }
            gan_dataset_free(&ds);
            cli_run_remove_tree(photos);
        }
    }
    cli_run_remove_tree(out);
    /* a 48x48 face: resized to the model's 32x32, said once */
    snprintf(path, sizeof path, "%s", cli_run_tmp("parse_face48.png"));
    if (CHECK_EQ_INT(0, gan_synthface_render(3, 0, 48, &face, &err))) {
        CHECK_EQ_INT(0, img_png_save(path, &face.rgb, &err));
        gan_face_free(&face);
        CHECK_EQ_INT(0, cli_run("parse golden/parser/model.safetensors --out %s %s", out, path));
        CHECK_CONTAINS("is 48x48: resized to cover the model's 32x32", cli_run_err);
    }
    cli_run_remove_tree(out);
    remove(path);
    /* not a parser; no photo: exit 2, no folder made */
    CHECK_EQ_INT(2, cli_run("parse golden/pix2pix/model.safetensors --out %s golden/parser/photo.png", out));
    CHECK_CONTAINS("a pix2pix model, not a face parser", cli_run_err);
    CHECK_EQ_INT(2, cli_run("parse golden/parser/model.safetensors --out %s golden/parser/no_such.png", out));
    CHECK(!cli_run_exists(out));
    free(classes);
    free(clear);
    nn_st_free(io);
}

/* parse --truth scores against maps: the tiny golden model calls every pixel
 * of golden/parser/photo.png background (torch's classes: all 0, all clear),
 * so against a map of rows 0-15 background, 16-23 skin and 24-31 hair the
 * IoUs are, by hand: background 512 / 1024 = 0.5, skin and hair 0 (nothing
 * predicted), the mean over the three present classes 0.5 / 3. */
static void parse_truth_scores_iou(void)
{
    img_image map;
    g99_error err;
    char out[600], truth[600], path[700];
    uint8_t *csv = NULL;
    size_t len = 0;
    int y;
    SKIP_WITHOUT_BINARY();
    snprintf(out, sizeof out, "%s", cli_run_tmp("parse_truth_out"));
    snprintf(truth, sizeof truth, "%s", cli_run_tmp("parse_truth_maps"));
    cli_run_remove_tree(out);
    cli_run_remove_tree(truth);
    /* a missing true map: exit 2 before anything is written */
    CHECK_EQ_INT(2, cli_run("parse golden/parser/model.safetensors --out %s --truth %s golden/parser/photo.png", out,
                            truth));
    CHECK_CONTAINS("photo.png", cli_run_err);
    CHECK(!cli_run_exists(out));
    if (!CHECK_EQ_INT(0, g99_mkdir(truth, &err)) || !CHECK_EQ_INT(0, img_new(&map, 32, 32, 1, 8, &err))) return;
    for (y = 0; y < 32; y++) memset(map.data + y * 32, y < 16 ? 0 : y < 24 ? 1 : 2, 32);
    snprintf(path, sizeof path, "%s/photo.png", truth);
    CHECK_EQ_INT(0, img_png_save(path, &map, &err));
    img_free(&map);
    if (CHECK_EQ_INT(0, cli_run("parse golden/parser/model.safetensors --out %s --truth %s golden/parser/photo.png",
                                out, truth))) {
        CHECK_CONTAINS(" 0:0.500 1:0.000 2:0.000 ", cli_run_out);
        CHECK_CONTAINS("mean 0.1667", cli_run_out);
        snprintf(path, sizeof path, "%s/iou.csv", out);
        if (CHECK_EQ_INT(0, g99_read_file(path, 1 << 16, &csv, &len, &err))) {
            csv = (uint8_t *)realloc(csv, len + 1);
            if (CHECK(csv != NULL)) {
                csv[len] = 0;
                CHECK_CONTAINS("class,iou\n0,0.5000\n1,0.0000\n2,0.0000\n", (char *)csv);
                CHECK_CONTAINS("mean,0.1667\n", (char *)csv);
            }
            free(csv);
        }
    }
    cli_run_remove_tree(out);
    cli_run_remove_tree(truth);
}

/* gan99 synth writes training's synthetic faces: face i of seed S is
 * gan_synthface_render(S, i), its photo as it is and its map an 8-bit
 * palette PNG whose pixel values are the part labels. */
static void synth_writes_faces_and_maps(void)
{
    gan_face face;
    img_image img;
    g99_error err;
    char out[600], path[700];
    int i, y_resized = 0;
    SKIP_WITHOUT_BINARY();
    snprintf(out, sizeof out, "%s", cli_run_tmp("synth_faces"));
    cli_run_remove_tree(out);
    if (!CHECK_EQ_INT(0, cli_run("synth --out %s --count 3 --seed 5 --size 32", out))) return;
    CHECK_CONTAINS("wrote 3 photo faces of 32x32 (seed 5)", cli_run_out);
    for (i = 0; i < 3; i++) {
        memset(&face, 0, sizeof face);
        if (!CHECK_EQ_INT(0, gan_synthface_render(5, (uint64_t)i, 32, &face, &err))) break;
        snprintf(path, sizeof path, "%s/photos/face_%05d.png", out, i);
        if (CHECK_EQ_INT(0, img_load(path, NULL, &img, &err))) {
            CHECK(img.width == 32 && img.height == 32 && img.channels == 3);
            CHECK(memcmp(img.data, face.rgb.data, 32 * 32 * 3) == 0);
            img_free(&img);
        }
        snprintf(path, sizeof path, "%s/maps/face_%05d.png", out, i);
        if (CHECK_EQ_INT(0, img_load(path, NULL, &img, &err))) {   /* a palette PNG decodes to its colours */
            CHECK(img.width == 32 && img.height == 32);
            img_free(&img);
        }
        if (CHECK_EQ_INT(0, gan_label_map_load(path, NULL, GAN_PART_COUNT, 32, 32, &img, &y_resized, &err))) {
            CHECK(memcmp(img.data, face.labels, 32 * 32) == 0);
            img_free(&img);
        }
        gan_face_free(&face);
    }
    CHECK_EQ_INT(2, cli_run("synth --out %s --count 0", out));
    CHECK_CONTAINS("--count", cli_run_err);
    cli_run_remove_tree(out);
}

const test_case parser_tests[] = {
    TEST(keys_are_the_references),
    TEST(training_steps_match_torch),
    TEST(torch_model_file_loads),
    TEST(iou_by_hand),
    TEST(class_argmax_by_hand),
    TEST(bad_labels_and_sizes),
    TEST(trains_and_resumes_through_the_run_loop),
    TEST(parse_writes_colour_and_palette_maps),
    TEST(parse_truth_scores_iou),
    TEST(synth_writes_faces_and_maps),
    TEST_END,
};
