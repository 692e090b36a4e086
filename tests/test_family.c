/* The model-family interface and the one run loop (gan/family.c,
 * gan/train_run.c): the registry, option values and their JSON, model
 * files by gan99.arch, and the run folder's promises: one run per folder
 * (a lock, stale locks taken over), dead runs' temporaries removed, every
 * byte-changing setting kept by the checkpoint (a resume needs no flag
 * repeated), a stop while loading data writes nothing, and the family's
 * default length. Models are tiny (widths 2, batch 2). */
#include "test.h"
#include "../gan/gan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void registry_finds_dcgan_only_by_name(void)
{
    CHECK(gan_arch_find("dcgan") == &gan_family_dcgan);
    CHECK(gan_arch_find("dcgan-train") == NULL);
    CHECK(gan_arch_find(NULL) == NULL);
    CHECK_CONTAINS("dcgan", gan_family_names());
    CHECK_EQ_INT(2, gan_option_find(&gan_family_dcgan, "--ngf"));
    CHECK_EQ_INT(2, gan_option_find(&gan_family_dcgan, "ngf"));
    CHECK_EQ_INT(-1, gan_option_find(&gan_family_dcgan, "--lambda-l1"));
}

/* The arch options give the model file's gan99.config, byte for byte what
 * gan99 0.1 wrote for DCGAN (keys in byte order, integers). */
static void values_json_and_parse(void)
{
    const gan_family *f = &gan_family_dcgan;
    gan_values v, back;
    nn_json_buf b = { 0, 0, 0 };
    nn_json *doc = NULL;
    g99_error err;
    gan_values_default(f, &v);
    if (!CHECK_EQ_INT(0, gan_values_json(f, &v, 0, &b))) return;
    CHECK_EQ_STR("{\"nc\":3,\"ndf\":64,\"ngf\":64,\"nz\":100,\"size\":64}", b.data);
    nn_json_buf_free(&b);
    v.v[gan_option_find(f, "lr")] = 0.0002;
    v.v[gan_option_find(f, "beta1")] = 0.5;
    v.v[gan_option_find(f, "size")] = 32;
    CHECK_EQ_INT(0, gan_values_json(f, &v, 1, &b));
    CHECK_EQ_STR("{\"beta1\":0.5,\"lr\":0.0002,\"nc\":3,\"ndf\":64,\"ngf\":64,\"nz\":100,\"size\":32}", b.data);
    /* back again: the same values */
    if (CHECK_EQ_INT(0, nn_json_parse(b.data, b.len, &doc, &err))) {
        gan_values_default(f, &back);
        CHECK_EQ_INT(0, gan_values_parse(f, doc, 1, &back, &err));
        CHECK(memcmp(v.v, back.v, sizeof v.v) == 0);
        nn_json_free(doc);
    }
    nn_json_buf_free(&b);
    /* a key no option has, a value out of range */
    if (CHECK_EQ_INT(0, nn_json_parse("{\"nz\":8,\"lambda\":3}", 19, &doc, &err))) {
        CHECK_EQ_INT(G99_EFORMAT, gan_values_parse(f, doc, 0, &back, &err));
        CHECK_CONTAINS("\"lambda\" is no option of dcgan", err.msg);
        nn_json_free(doc);
    }
    if (CHECK_EQ_INT(0, nn_json_parse("{\"ngf\":0}", 9, &doc, &err))) {
        CHECK_EQ_INT(G99_EINVAL, gan_values_parse(f, doc, 0, &back, &err));
        CHECK_CONTAINS("--ngf: 0 is out of range (1..65536)", err.msg);
        nn_json_free(doc);
    }
}

/* A model too big to allocate is refused up front, naming the flags. */
static void huge_model_refused_before_allocating(void)
{
    const gan_family *f = &gan_family_dcgan;
    gan_values v;
    gan_model *m = NULL;
    g99_error err;
    gan_values_default(f, &v);
    v.v[gan_option_find(f, "ngf")] = 65536;
    CHECK_EQ_INT(G99_EINVAL, f->create(&v, &m, &err));
    CHECK_CONTAINS("--ngf 65536", err.msg);
    CHECK(m == NULL);
}

/* ---- run folders ------------------------------------------------------------ */

static void set_value(gan_train_opts *o, const char *key, double v)
{
    o->values.v[gan_option_find(o->family, key)] = v;
}

static void tiny(gan_train_opts *o, const char *out, uint64_t steps)
{
    memset(o, 0, sizeof *o);
    o->family = &gan_family_dcgan;
    gan_values_default(o->family, &o->values);
    set_value(o, "nz", 4);
    set_value(o, "ngf", 2);
    set_value(o, "ndf", 2);
    set_value(o, "size", 32);
    o->data = "synth:6";
    o->out = out;
    o->batch = 2;
    o->steps = steps;
    o->seed = 5;
    o->n_samples = 4;
}

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

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static int exists(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f) fclose(f);
    return f != NULL;
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

/* 99999999 is above every system's pid_max (2^22 on Linux): no process has it. */
#define DEAD_PID "99999999"

static void lock_refuses_a_live_run_and_takes_over_a_dead_ones(void)
{
    char dir[512], lock[600], live[96];
    gan_train_opts o;
    gan_train_result res;
    g99_error err;
    snprintf(dir, sizeof dir, "%s", test_tmp_path("run_lock"));
    snprintf(lock, sizeof lock, "%s/lock", dir);
    clear(dir);
    g99_mkdir(dir, NULL);
    snprintf(live, sizeof live, "%lu\n", test_other_live_pid());
    write_text(lock, live);
    tiny(&o, dir, 2);
    CHECK_EQ_INT(G99_EINVAL, gan_train_run(&o, &res, &err));
    snprintf(live, sizeof live, "in use by another gan99 (process %lu)", test_other_live_pid());
    CHECK_CONTAINS(live, err.msg);
    CHECK(!exists(test_tmp_path("run_lock/model.safetensors")));
    write_text(lock, DEAD_PID "\n");
    CHECK_EQ_INT(0, gan_train_run(&o, &res, &err));
    CHECK_EQ_U64(2, res.step);
    CHECK(!exists(lock));   /* released at the end */
}

static void stale_temporaries_are_removed(void)
{
    char dir[512], a[600], b[600], live[600];
    gan_train_opts o;
    gan_train_result res;
    g99_error err;
    snprintf(dir, sizeof dir, "%s", test_tmp_path("run_temps"));
    clear(dir);
    g99_mkdir(dir, NULL);
    snprintf(a, sizeof a, "%s/samples", dir);
    g99_mkdir(a, NULL);
    snprintf(a, sizeof a, "%s/checkpoint.safetensors.tmp" DEAD_PID ".0", dir);
    snprintf(b, sizeof b, "%s/samples/step_0000001.png.tmp" DEAD_PID ".7", dir);
    snprintf(live, sizeof live, "%s/loss.csv.tmp%lu.0", dir, test_other_live_pid());
    write_text(a, "half");
    write_text(b, "half");
    write_text(live, "another process writes this");
    tiny(&o, dir, 2);
    CHECK_EQ_INT(0, gan_train_run(&o, &res, &err));
    CHECK_EQ_U64(2, res.stale_removed);
    CHECK(!exists(a));
    CHECK(!exists(b));
    CHECK(exists(live));
    remove(live);
}

static void folder_with_another_runs_model_is_refused(void)
{
    char dir[512], model[600];
    gan_train_opts o;
    gan_train_result res;
    g99_error err;
    snprintf(dir, sizeof dir, "%s", test_tmp_path("run_model_only"));
    snprintf(model, sizeof model, "%s/model.safetensors", dir);
    clear(dir);
    g99_mkdir(dir, NULL);
    write_text(model, "a model");
    tiny(&o, dir, 2);
    CHECK_EQ_INT(G99_EINVAL, gan_train_run(&o, &res, &err));
    CHECK_CONTAINS("holds another run's model", err.msg);
    o.resume = 1;
    CHECK_EQ_INT(G99_EINVAL, gan_train_run(&o, &res, &err));
    CHECK_CONTAINS("no checkpoint to resume from (start the run without --resume)", err.msg);
}

/* --out naming a file: refused, and the file is left as it was (a failed
 * run removes only a folder it made itself). */
static void out_naming_a_file_is_kept(void)
{
    char path[512];
    gan_train_opts o;
    gan_train_result res;
    g99_error err;
    uint8_t *d = NULL;
    size_t n = 0;
    snprintf(path, sizeof path, "%s", test_tmp_path("run_is_a_file"));
    write_text(path, "keep me");
    tiny(&o, path, 2);
    CHECK_EQ_INT(G99_EINVAL, gan_train_run(&o, &res, &err));
    CHECK_CONTAINS("is a file, not a folder", err.msg);
    if (CHECK_EQ_INT(0, g99_read_file(path, 64, &d, &n, NULL))) CHECK_EQ_U64(7, n);
    free(d);
    remove(path);
}

static char notes[1024];
static void keep_note(void *user, const char *msg)
{
    (void)user;
    snprintf(notes, sizeof notes, "%s", msg);
}

/* The grids are drawn in train mode and so change batch-norm statistics:
 * the checkpoint keeps sample_every, and a resume without the flag gives
 * the bytes of an uninterrupted run. A given flag that disagrees: the
 * model's options are refused, the intervals replaced with a note. */
static void resume_keeps_every_setting(void)
{
    char a[512], b[512], pa[600], pb[600];
    gan_train_opts o;
    gan_train_result res;
    g99_error err;
    snprintf(a, sizeof a, "%s", test_tmp_path("run_settings_a"));
    snprintf(b, sizeof b, "%s", test_tmp_path("run_settings_b"));
    clear(a);
    clear(b);
    tiny(&o, a, 12);
    o.sample_every = 3;
    o.checkpoint_every = 4;
    if (!CHECK_EQ_INT(0, gan_train_run(&o, &res, &err))) return;
    tiny(&o, b, 6);
    o.sample_every = 3;
    o.checkpoint_every = 4;
    CHECK_EQ_INT(0, gan_train_run(&o, &res, &err));
    /* the model's options may not change */
    tiny(&o, b, 12);
    o.resume = 1;
    set_value(&o, "ngf", 3);
    o.values.given[gan_option_find(o.family, "ngf")] = 1;
    CHECK_EQ_INT(G99_EINVAL, gan_train_run(&o, &res, &err));
    CHECK_CONTAINS("--ngf 3 differs from the checkpoint's 2", err.msg);
    tiny(&o, b, 12);
    o.resume = 1;
    o.seed = 6;
    o.given_seed = 1;
    CHECK_EQ_INT(G99_EINVAL, gan_train_run(&o, &res, &err));
    CHECK_CONTAINS("--seed 6 differs from the checkpoint's 5", err.msg);
    /* no flag repeated: the same bytes as the uninterrupted run */
    tiny(&o, b, 12);
    o.resume = 1;
    CHECK_EQ_INT(0, gan_train_run(&o, &res, &err));
    CHECK_EQ_U64(6, res.start);
    snprintf(pa, sizeof pa, "%s/model.safetensors", a);
    snprintf(pb, sizeof pb, "%s/model.safetensors", b);
    CHECK(same(pa, pb));
    snprintf(pa, sizeof pa, "%s/checkpoint.safetensors", a);
    snprintf(pb, sizeof pb, "%s/checkpoint.safetensors", b);
    CHECK(same(pa, pb));
    snprintf(pa, sizeof pa, "%s/progress.gif", a);
    snprintf(pb, sizeof pb, "%s/progress.gif", b);
    CHECK(same(pa, pb));
    /* an interval given anew replaces the stored one, with a note */
    tiny(&o, b, 14);
    o.resume = 1;
    o.checkpoint_every = 7;
    o.given_checkpoint_every = 1;
    o.warn = keep_note;
    notes[0] = '\0';
    CHECK_EQ_INT(0, gan_train_run(&o, &res, &err));
    CHECK_CONTAINS("--checkpoint-every 7 replaces the checkpoint's 4", notes);
}

/* A run that ends off the grid schedule (10 steps, a grid every 3) still
 * draws its last grid, but without a trace: resumed to 20 it gives the
 * bytes of a straight run of 20 (batch-norm statistics included). */
static void off_schedule_end_leaves_no_trace(void)
{
    char a[512], b[512], pa[600], pb[600];
    gan_train_opts o;
    gan_train_result res;
    g99_error err;
    snprintf(a, sizeof a, "%s", test_tmp_path("run_offsched_a"));
    snprintf(b, sizeof b, "%s", test_tmp_path("run_offsched_b"));
    clear(a);
    clear(b);
    tiny(&o, a, 20);
    o.sample_every = 3;
    if (!CHECK_EQ_INT(0, gan_train_run(&o, &res, &err))) return;
    tiny(&o, b, 10);
    o.sample_every = 3;
    CHECK_EQ_INT(0, gan_train_run(&o, &res, &err));
    snprintf(pb, sizeof pb, "%s/samples/step_0000010.png", b);
    CHECK(exists(pb));   /* the end's grid is drawn */
    tiny(&o, b, 20);
    o.resume = 1;
    CHECK_EQ_INT(0, gan_train_run(&o, &res, &err));
    snprintf(pa, sizeof pa, "%s/model.safetensors", a);
    snprintf(pb, sizeof pb, "%s/model.safetensors", b);
    CHECK(same(pa, pb));
    snprintf(pa, sizeof pa, "%s/checkpoint.safetensors", a);
    snprintf(pb, sizeof pb, "%s/checkpoint.safetensors", b);
    CHECK(same(pa, pb));
}

static int stop_now(void *user)
{
    (void)user;
    return 1;
}

static void stop_while_loading_writes_nothing(void)
{
    char dir[512];
    gan_train_opts o;
    gan_train_result res;
    g99_error err;
    snprintf(dir, sizeof dir, "%s", test_tmp_path("run_cancel"));
    clear(dir);
    g99_remove(test_tmp_path("run_cancel/samples"));   /* a folder left by an older run of the tests */
    g99_remove(dir);   /* (C's remove() takes folders on POSIX only) */
    tiny(&o, dir, 4);
    o.cancel = stop_now;
    CHECK_EQ_INT(0, gan_train_run(&o, &res, &err));
    CHECK_EQ_INT(1, res.stopped);
    CHECK_EQ_U64(0, res.step);
    CHECK(!exists(test_tmp_path("run_cancel/checkpoint.safetensors")));
    CHECK(!exists(test_tmp_path("run_cancel/lock")));
    CHECK(!g99_is_dir(test_tmp_path("run_cancel")));   /* the folder it made is gone too */
}

/* Neither --steps nor --epochs: the reference's 25 epochs (6 faces, batch
 * 2: 3 steps an epoch, 75 steps). */
static void default_length_is_the_references_epochs(void)
{
    char dir[512];
    gan_train_opts o;
    gan_train_result res;
    g99_error err;
    snprintf(dir, sizeof dir, "%s", test_tmp_path("run_default_len"));
    clear(dir);
    tiny(&o, dir, 0);
    o.sample_every = 75;
    CHECK_EQ_INT(0, gan_train_run(&o, &res, &err));
    CHECK_EQ_U64(75, res.total);
    CHECK_EQ_U64(75, res.step);
}

/* gan99.arch decides: a checkpoint and an unknown family say what they are. */
static void model_files_by_arch(void)
{
    const gan_family *f;
    gan_model *m;
    gan_values v;
    g99_error err;
    nn_params p;
    int one = 1;
    char path[600];
    nn_params_init(&p);
    if (!CHECK(nn_params_add(&p, "w", NN_PARAM, 1, &one, &err)) || !CHECK_EQ_INT(0, nn_params_alloc(&p, &err))) return;
    snprintf(path, sizeof path, "%s", test_tmp_path("other_arch.safetensors"));
    CHECK_EQ_INT(0, nn_checkpoint_save(path, &p, "stylegan9", "{}", NULL, &err));
    CHECK_EQ_INT(G99_EFORMAT, gan_model_load(path, &f, &m, &v, &err));
    CHECK_CONTAINS("gan99.arch \"stylegan9\" is no family gan99 has (dcgan", err.msg);
    CHECK_EQ_INT(0, nn_checkpoint_save(path, &p, "dcgan-train", "{}", NULL, &err));
    CHECK_EQ_INT(G99_EFORMAT, gan_model_load(path, &f, &m, &v, &err));
    CHECK_CONTAINS("a training checkpoint", err.msg);
    /* a run's model loads, and generates what the run's last grid shows */
    snprintf(path, sizeof path, "%s/model.safetensors", test_tmp_path("run_default_len"));
    if (CHECK_EQ_INT(0, gan_model_load(path, &f, &m, &v, &err))) {
        float z[4 * 4], x[4 * 3 * 32 * 32];
        CHECK(f == &gan_family_dcgan);
        gan_latent_normal(5, 16, z);
        CHECK_EQ_INT(0, gan_model_generate_latent(f, m, z, 4, x, &err));
        CHECK(x[0] >= -1.0f && x[0] <= 1.0f);
        f->destroy(m);
    }
    nn_params_free(&p);
}

/* ---- the conditional path, through a toy family ------------------------------ */

/* "copy": pairs (A = grey, B = colour), G = tanh(1x1 conv(A)), trained on
 * L1 by Adam: just enough model to exercise what the loop does for a
 * conditional family (the augment generator, the rows of the grid, the
 * condition in the batch) without a real one. */
typedef struct copy_model {
    int in;              /* channels of the condition */
    nn_params g;
    nn_tensor *w, *b;
    nn_adam adam;
    nn_ctx *ctx;
    int training;
} copy_model;

static const gan_option copy_options[2] = {
    { "--size", "size", "image size", GAN_OPT_INT, 8, 64, 16, NULL, 1 },
    { "--in", "in", "channels in", GAN_OPT_INT, 1, 3, 1, NULL, 1 },
};
/* "mirror": the same model as a reconstruction family (images in, the same
 * images out, no latent), so the input is 3 channels. */
static const gan_option mirror_options[2] = {
    { "--size", "size", "image size", GAN_OPT_INT, 8, 64, 16, NULL, 1 },
    { "--in", "in", "channels in", GAN_OPT_INT, 1, 3, 3, NULL, 1 },
};
static const gan_loss_col copy_losses[1] = { { "l1", "L1" } };

static copy_model *copy_of(gan_model *m) { return (copy_model *)(void *)m; }

static int copy_create(const gan_values *v, gan_model **out, g99_error *err)
{
    copy_model *c = (copy_model *)calloc(1, sizeof *c);
    int ws[4] = { 3, 1, 1, 1 }, bs[1] = { 3 };
    if (!c) return G99_ENOMEM;
    c->in = ws[1] = (int)v->v[1];
    nn_params_init(&c->g);
    c->w = nn_params_add(&c->g, "conv.weight", NN_PARAM, 4, ws, err);
    c->b = nn_params_add(&c->g, "conv.bias", NN_PARAM, 1, bs, err);
    if (!c->w || !c->b || nn_params_alloc(&c->g, err)) {
        nn_params_free(&c->g);
        free(c);
        return G99_EINVAL;
    }
    *out = (gan_model *)(void *)c;
    return 0;
}

static void copy_destroy(gan_model *m)
{
    copy_model *c = copy_of(m);
    if (c->training) nn_adam_free(&c->adam);
    nn_params_free(&c->g);
    free(c);
}

static void copy_geometry(const gan_model *m, gan_geometry *g)
{
    g->width = g->height = 16;
    g->channels = 3;
    g->cond_channels = ((const copy_model *)(const void *)m)->in;
    g->latent = 0;
}

static void copy_init(gan_model *m, uint64_t seed)
{
    nn_rng r;
    nn_rng_init(&r, seed, NN_STREAM_INIT);
    nn_init_normal(copy_of(m)->w, &r, 0.0f, 0.02f);
}

static int copy_begin(gan_model *m, const gan_values *v, int batch, uint64_t seed, nn_ctx *ctx, g99_error *err)
{
    copy_model *c = copy_of(m);
    (void)v, (void)batch, (void)seed;
    c->ctx = ctx;
    c->training = nn_adam_init(&c->adam, &c->g, 0.05f, 0.5f, 0.999f, 1e-8f, err) == 0;
    return c->training ? 0 : G99_ENOMEM;
}

static nn_tensor *copy_generate(gan_model *m, nn_ctx *ctx, nn_tensor *z, nn_tensor *cond, int train)
{
    copy_model *c = copy_of(m);
    nn_conv_opts o;
    (void)z, (void)train;
    memset(&o, 0, sizeof o);
    return nn_tanh(ctx, nn_conv2d(ctx, cond, c->w, c->b, &o));
}

static int copy_step(gan_model *m, const gan_batch *b, float *losses, g99_error *err)
{
    copy_model *c = copy_of(m);
    int xs[4] = { b->n, 3, 16, 16 }, cs[4] = { b->n, 1, 16, 16 };
    cs[1] = c->in;
    nn_tensor *loss;
    nn_ctx_reset(c->ctx);
    nn_params_zero_grad(&c->g);
    loss = nn_l1_loss(c->ctx, copy_generate(m, c->ctx, NULL, nn_tensor_from(c->ctx, 4, cs, b->cond), 1),
                      nn_tensor_from(c->ctx, 4, xs, b->x));
    if (nn_backward(c->ctx, loss, 0)) {
        if (err) *err = *nn_ctx_error(c->ctx);
        return G99_EINVAL;
    }
    if (nn_adam_step(&c->adam, &c->g, err)) return G99_EINVAL;
    losses[0] = loss->data[0];
    return 0;
}

static int copy_parts(gan_model *m, nn_checkpoint_part *p, int max)
{
    copy_model *c = copy_of(m);
    if (max < 1) return 0;
    memset(p, 0, sizeof *p);
    p->prefix = "G.";
    p->p = &c->g;
    p->adam = c->training ? &c->adam : NULL;
    return 1;
}

static int copy_rngs(gan_model *m, nn_rng **r, int max)
{
    (void)m, (void)r, (void)max;
    return 0;
}

static nn_params *copy_inference(gan_model *m) { return &copy_of(m)->g; }

static const gan_family copy_family = {
    "copy", "a 1x1 convolution from grey to colour", "nothing: a test family", GAN_DATA_PAIRS,
    copy_options, 2, copy_losses, 1, 2, 5,
    NULL, copy_create, copy_destroy, copy_geometry, copy_init,
    copy_begin, copy_step, copy_parts, copy_rngs, copy_inference, copy_generate,
};

static const gan_family mirror_family = {
    "mirror", "a 1x1 convolution from an image to itself", "nothing: a test family", GAN_DATA_IMAGES,
    mirror_options, 2, copy_losses, 1, 2, 5,
    NULL, copy_create, copy_destroy, copy_geometry, copy_init,
    copy_begin, copy_step, copy_parts, copy_rngs, copy_inference, copy_generate,
};

static void copy_run(gan_train_opts *o, const char *out, uint64_t steps)
{
    memset(o, 0, sizeof *o);
    o->family = &copy_family;
    gan_values_default(o->family, &o->values);
    o->data = "synth:8";
    o->pair_filter = "gray";
    o->load_width = o->load_height = 18;   /* random 16x16 crops of 18x18, and flips */
    o->out = out;
    o->batch = 2;
    o->steps = steps;
    o->seed = 3;
    o->sample_every = 10;
}

static double mean_column(const char *csv, int from, int to)
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

/* A reconstruction family (images kind, latent 0): the loop gives the
 * image as the condition and draws rows of input | output. */
static void reconstruction_family_gets_its_input(void)
{
    char a[512], p[600];
    gan_train_opts o;
    gan_train_result res;
    g99_error err;
    img_image grid;
    snprintf(a, sizeof a, "%s", test_tmp_path("run_mirror"));
    clear(a);
    memset(&o, 0, sizeof o);
    o.family = &mirror_family;
    gan_values_default(o.family, &o.values);
    o.data = "synth:8";
    o.out = a;
    o.batch = 2;
    o.steps = 30;
    o.seed = 4;
    o.sample_every = 30;
    if (!CHECK_EQ_INT(0, gan_train_run(&o, &res, &err))) {
        fprintf(stderr, "    %s\n", err.msg);
        return;
    }
    snprintf(p, sizeof p, "%s/samples/step_0000030.png", a);
    if (CHECK_EQ_INT(0, img_png_load(p, NULL, &grid, &err))) {
        CHECK_EQ_INT(2 + 2 * 18, grid.width);   /* input | output */
        CHECK_EQ_INT(2 + 8 * 18, grid.height);
        img_free(&grid);
    }
    snprintf(p, sizeof p, "%s/loss.csv", a);
    CHECK(mean_column(p, 26, 31) < 0.8 * mean_column(p, 1, 6));   /* it learns the identity */
}

/* Rows of condition | output | target, a loss that falls, and a resume
 * that restores the augment generator (crops and flips) bit for bit. */
static void conditional_family_trains_and_resumes(void)
{
    char a[512], b[512], pa[600], pb[600];
    gan_train_opts o;
    gan_train_result res;
    g99_error err;
    img_image grid;
    snprintf(a, sizeof a, "%s", test_tmp_path("run_copy_a"));
    snprintf(b, sizeof b, "%s", test_tmp_path("run_copy_b"));
    clear(a);
    clear(b);
    copy_run(&o, a, 40);
    if (!CHECK_EQ_INT(0, gan_train_run(&o, &res, &err))) {
        fprintf(stderr, "    %s\n", err.msg);
        return;
    }
    /* 8 rows (the default for conditional families) of three 16x16 images, margins of 2 */
    snprintf(pa, sizeof pa, "%s/samples/step_0000040.png", a);
    if (CHECK_EQ_INT(0, img_png_load(pa, NULL, &grid, &err))) {
        CHECK_EQ_INT(2 + 3 * 18, grid.width);
        CHECK_EQ_INT(2 + 8 * 18, grid.height);
        img_free(&grid);
    }
    snprintf(pa, sizeof pa, "%s/loss.csv", a);
    CHECK(mean_column(pa, 36, 41) < 0.8 * mean_column(pa, 1, 6));
    copy_run(&o, b, 15);
    CHECK_EQ_INT(0, gan_train_run(&o, &res, &err));
    copy_run(&o, b, 40);
    o.data = NULL;   /* the checkpoint names its data */
    o.pair_filter = NULL;
    o.load_width = o.load_height = 0;
    o.sample_every = 0;
    o.resume = 1;
    CHECK_EQ_INT(0, gan_train_run(&o, &res, &err));
    CHECK_EQ_U64(15, res.start);
    snprintf(pb, sizeof pb, "%s/loss.csv", b);
    CHECK(same(pa, pb));
    snprintf(pa, sizeof pa, "%s/checkpoint.safetensors", a);
    snprintf(pb, sizeof pb, "%s/checkpoint.safetensors", b);
    CHECK(same(pa, pb));
    snprintf(pa, sizeof pa, "%s/progress.gif", a);
    snprintf(pb, sizeof pb, "%s/progress.gif", b);
    CHECK(same(pa, pb));
}

const test_case family_tests[] = {
    TEST(registry_finds_dcgan_only_by_name),
    TEST(values_json_and_parse),
    TEST(huge_model_refused_before_allocating),
    TEST(lock_refuses_a_live_run_and_takes_over_a_dead_ones),
    TEST(stale_temporaries_are_removed),
    TEST(folder_with_another_runs_model_is_refused),
    TEST(out_naming_a_file_is_kept),
    TEST(resume_keeps_every_setting),
    TEST(off_schedule_end_leaves_no_trace),
    TEST(stop_while_loading_writes_nothing),
    TEST(default_length_is_the_references_epochs),
    TEST(model_files_by_arch),
    TEST(conditional_family_trains_and_resumes),
    TEST(reconstruction_family_gets_its_input),
    TEST_END,
};
