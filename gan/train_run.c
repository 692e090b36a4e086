/* gan: the one training run loop, for every model family (the family
 * section of gan/gan.h): a run folder, what `gan99 train FAMILY` and
 * `gan99 demo` run.
 *
 *   RUN/lock                    the owner's process id while the run is on
 *   RUN/checkpoint.safetensors  every part with its optimizer, the step, the
 *                               generators, every setting (gan99.config)
 *   RUN/model.safetensors       the inference table alone, reference keys
 *   RUN/samples/step_NNNNNNN.png  a grid every sample_every steps
 *   RUN/progress.gif            those grids as an animation
 *   RUN/loss.csv, RUN/loss.png  the family's per-step losses and their plot
 *   RUN/val.csv                 families without a latent: L1 and PSNR on
 *                               held-out images at every epoch's end
 *   RUN/iou.csv                 instead for a segmenter (the face parser):
 *                               per-class and mean IoU on held-out maps
 *
 * Everything is written atomically, at every checkpoint_every steps, when
 * the progress callback asks to stop (Ctrl-C) and at the end; loss.csv
 * before the checkpoint, so a checkpoint's steps always have their rows.
 * Batches: step s takes positions (s mod E) B .. + B of epoch s / E's order
 * (E = n / B whole batches an epoch; the remainder is dropped, as
 * DataLoader(drop_last=True), so every step has the same batch and the
 * arena stays the same size). The grid of an unconditional family is G of
 * the first n_samples latents of the run's seed (gan_latent_normal), so
 * `gan99 sample MODEL --seed S --n 64` redraws the run's last grid; as in
 * the reference, it is drawn in train mode (batch statistics, running
 * statistics updated), which is why sample_every is a setting of the run.
 * A resume restores the checkpoint and continues bit for bit as if never
 * stopped: the order of an epoch depends on (seed, epoch) alone, every
 * setting that changes a byte is in the checkpoint, and the loss history
 * and grids come back from loss.csv and samples/. */
#include "gan.h"
#include "dataset_internal.h"   /* gan_ds_parse_synth: the held-out faces of synth:N */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_GIF_FRAMES 120
#define MAX_PARTS 8
#define MAX_RNGS 8

typedef struct val_row {
    uint64_t step;
    char text[2400];  /* the CSV line without its newline (iou.csv: up to 255 classes) */
} val_row;

typedef struct run {
    const gan_train_opts *o;
    const gan_family *f;
    const char *dir;
    gan_values v;
    gan_model *model;
    gan_geometry geo;
    nn_ctx *ctx;
    gan_dataset ds;
    g99_lock lock;
    int batch, n_samples, n_losses;
    uint64_t seed, step, total, spe, sample_every, checkpoint_every, snapshot_every;
    /* the data: spec, and for conditional families the pair filter, the
     * palette, the load size and the flip (owned copies) */
    char *data, *pair_filter, *palette;
    char *vgg;               /* --vgg: the perceptual loss's weights (families that have one), or NULL */
    const gan_loss_col *cols; /* loss.csv's columns (gan_model_losses: this model's) */
    int load_width, load_height, flip;
    int made_folder, wrote;  /* this run made RUN; it has written an output */
    int conditional;         /* trained on pairs or label maps: the grid is rows */
    int segments;            /* a segmenter (GAN_DATA_SEGMENTS): photo in, class map out */
    int reconstruct;         /* images in, the same images out (latent 0): rows too */
    nn_rng augment;          /* conditional families' crops and flips */
    float *hist;             /* total x n_losses, NaN where no value yet */
    float *fixed;            /* the grid's latents, or its targets and conditions */
    float *fixed_cond, *real, *cond;
    uint32_t *order;
    uint64_t order_epoch;
    img_image *frames;
    uint64_t *frame_steps;
    int n_frames, cap_frames;
    /* held-out validation (val.csv): the data as given (--val, kept by the
     * checkpoint), the images, the input baseline, the rows so far */
    char *val_spec;
    gan_dataset val;
    int has_val, has_base;
    double base_l1, base_psnr;
    float *val_x, *val_cond, *val_in;
    char *from;              /* --from: the base's file, and whether it is a checkpoint */
    int from_ck;
    val_row *rows;
    int n_rows, cap_rows;
} run;

static char *path_of(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *s = (char *)malloc(a + b + 2);
    if (s) {
        memcpy(s, dir, a);
        s[a] = '/';
        memcpy(s + a + 1, name, b + 1);
    }
    return s;
}

static int file_exists(const char *path)
{
    FILE *f = g99_fopen(path, "rb");
    if (f) fclose(f);
    return f != NULL;
}

/* ---- settings: the checkpoint's gan99.config ------------------------------ */

/* The run's own settings beside the family's options, in one object with
 * its keys in byte order: everything that changes a byte of the run. */
enum { S_BATCH, S_CHECKPOINT_EVERY, S_FLIP, S_LOAD_HEIGHT, S_LOAD_WIDTH, S_SAMPLE_EVERY, S_SAMPLES, S_SEED, S_STEPS,
       N_SETTINGS };
static const char *const setting_keys[N_SETTINGS] = { "batch", "checkpoint_every", "flip", "load_height",
                                                        "load_width", "sample_every", "samples", "seed", "steps" };
enum { T_DATA, T_PAIRS, T_PALETTE, T_VAL, T_VGG, N_TEXTS };
static const char *const text_keys[N_TEXTS] = { "data", "pairs", "palette", "val", "vgg" };

typedef struct setting {
    const char *key, *text;
    int quoted;
} setting;

static int settings_json(const run *r, nn_json_buf *out)
{
    setting e[GAN_MAX_OPTIONS + N_SETTINGS + N_TEXTS];
    char nums[GAN_MAX_OPTIONS + N_SETTINGS][40];
    const char *texts[N_TEXTS];
    uint64_t s[N_SETTINGS];
    int n = 0, i, j, rc;
    s[S_BATCH] = (uint64_t)r->batch;
    s[S_CHECKPOINT_EVERY] = r->checkpoint_every;
    s[S_FLIP] = (uint64_t)r->flip;
    s[S_LOAD_HEIGHT] = (uint64_t)r->load_height;
    s[S_LOAD_WIDTH] = (uint64_t)r->load_width;
    s[S_SAMPLE_EVERY] = r->sample_every;
    s[S_SAMPLES] = (uint64_t)r->n_samples;
    s[S_SEED] = r->seed;
    s[S_STEPS] = r->total;
    texts[T_DATA] = r->data;
    texts[T_PAIRS] = r->pair_filter;
    texts[T_PALETTE] = r->palette;
    texts[T_VAL] = r->val_spec;
    texts[T_VGG] = r->vgg;
    for (i = 0; i < N_SETTINGS; i++, n++) {
        snprintf(nums[n], sizeof nums[n], "%llu", (unsigned long long)s[i]);
        e[n].key = setting_keys[i];
        e[n].text = nums[n];
        e[n].quoted = 0;
    }
    for (i = 0; i < r->f->n_options; i++, n++) {
        gan_option_format(r->f, i, r->v.v[i], nums[n], sizeof nums[n]);
        e[n].key = r->f->options[i].key;
        e[n].text = nums[n];
        e[n].quoted = r->f->options[i].type == GAN_OPT_CHOICE;
    }
    for (i = 0; i < N_TEXTS; i++)
        if (texts[i]) {
            e[n].key = text_keys[i];
            e[n].text = texts[i];
            e[n++].quoted = 1;
        }
    for (i = 1; i < n; i++)
        for (j = i; j > 0 && strcmp(e[j - 1].key, e[j].key) > 0; j--) {
            setting t = e[j];
            e[j] = e[j - 1];
            e[j - 1] = t;
        }
    rc = nn_json_buf_append(out, "{", 1);
    for (i = 0; !rc && i < n; i++) {
        if (i) rc = nn_json_buf_append(out, ",", 1);
        if (!rc) rc = nn_json_buf_append_string(out, e[i].key, strlen(e[i].key));
        if (!rc) rc = nn_json_buf_append(out, ":", 1);
        if (!rc && e[i].quoted) rc = nn_json_buf_append_string(out, e[i].text, strlen(e[i].text));
        else if (!rc) rc = nn_json_buf_append(out, e[i].text, strlen(e[i].text));
    }
    if (!rc) rc = nn_json_buf_append(out, "}", 1);
    return rc;
}

static char *dup_str(const char *s)
{
    char *d = s ? (char *)malloc(strlen(s) + 1) : NULL;
    if (d) memcpy(d, s, strlen(s) + 1);
    return d;
}

/* *slot = a copy of s (NULL stays NULL); 0, or -1 out of memory. */
static int set_text(char **slot, const char *s)
{
    char *d = dup_str(s);
    if (s && !d) return -1;
    free(*slot);
    *slot = d;
    return 0;
}

static void note(const run *r, const char *fmt, ...) G99_PRINTF(2, 3);
static void note(const run *r, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    if (!r->o->warn) return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->o->warn(r->o->user, msg);
}

/* A stored run setting against the flag given with --resume: batch, seed
 * and the grid size shape the run and must agree; the intervals may change
 * (with a note, as they change the grids or only when files are written). */
static int agree(const run *r, const char *path, const char *flag, int given, uint64_t want, uint64_t *stored,
                 int may_override, g99_error *err)
{
    if (!given || want == *stored) return 0;
    if (!may_override)
        return g99_fail(err, G99_EINVAL, "%s %llu differs from the checkpoint's %llu: a resumed run keeps its "
                        "settings (%s)", flag, (unsigned long long)want, (unsigned long long)*stored, path);
    note(r, "%s %llu replaces the checkpoint's %llu", flag, (unsigned long long)want, (unsigned long long)*stored);
    *stored = want;
    return 0;
}

static int read_setting(const nn_json *doc, int key, int optional, uint64_t *v, const char *path, g99_error *err)
{
    const nn_json *j = nn_json_get(doc, setting_keys[key]);
    if (!j && optional) return 0;
    if (nn_json_get_u64(j, v))
        return g99_fail(err, G99_EFORMAT, "%s: gan99.config has no integer \"%s\"", path, setting_keys[key]);
    return 0;
}

/* The options and settings of an existing checkpoint of this family. */
static int read_settings(run *r, const char *path, g99_error *err)
{
    const gan_train_opts *o = r->o;
    nn_st_file *f;
    nn_json *doc = NULL;
    const char *arch, *config;
    char want[64];
    uint64_t s[N_SETTINGS];
    int rc = nn_st_load(path, NN_ST_MAX_FILE, &f, err), i;
    if (rc) return rc;
    arch = nn_st_meta(f, "gan99.arch");
    config = nn_st_meta(f, "gan99.config");
    snprintf(want, sizeof want, "%s-train", r->f->name);
    if (!arch || strcmp(arch, want) != 0)
        rc = g99_fail(err, G99_EFORMAT, "%s: not a %s training checkpoint (gan99.arch is %.60s)", path, r->f->name,
                      arch ? arch : "missing");
    if (!rc && (!config || nn_json_parse(config, strlen(config), &doc, err)))
        rc = config ? g99_error_prefix(err, "%s: gan99.config", path) : g99_fail(err, G99_EFORMAT, "%s: no gan99.config", path);
    if (!rc) {
        gan_values stored = o->values;
        if (gan_values_parse(r->f, doc, 1, &stored, err)) rc = g99_error_prefix(err, "%s", path);
        for (i = 0; !rc && i < r->f->n_options; i++)
            if (o->values.given[i] && o->values.v[i] != stored.v[i]) {
                char a[40], b[40];
                gan_option_format(r->f, i, o->values.v[i], a, sizeof a);
                gan_option_format(r->f, i, stored.v[i], b, sizeof b);
                rc = g99_fail(err, G99_EINVAL, "%s %s differs from the checkpoint's %s: a resumed run keeps its "
                              "settings (%s)", r->f->options[i].flag, a, b, path);
            }
        memcpy(r->v.v, stored.v, sizeof stored.v);
    }
    /* checkpoints of gan99 0.1 lack the intervals and the data settings */
    s[S_CHECKPOINT_EVERY] = s[S_SAMPLE_EVERY] = s[S_FLIP] = s[S_LOAD_HEIGHT] = s[S_LOAD_WIDTH] = 0;
    for (i = 0; !rc && i < N_SETTINGS; i++)
        rc = read_setting(doc, i, i != S_BATCH && i != S_SAMPLES && i != S_SEED && i != S_STEPS, &s[i], path, err);
    if (!rc) {
        const char *data = nn_json_string(nn_json_get(doc, "data"));
        if (data && o->data && strcmp(data, o->data) != 0) note(r, "--data %s replaces the checkpoint's %s", o->data, data);
        if (set_text(&r->data, o->data ? o->data : data) || set_text(&r->pair_filter, nn_json_string(nn_json_get(doc, "pairs"))) ||
            set_text(&r->palette, nn_json_string(nn_json_get(doc, "palette"))) ||
            set_text(&r->val_spec, o->val ? o->val : nn_json_string(nn_json_get(doc, "val"))) ||
            set_text(&r->vgg, o->vgg ? o->vgg : nn_json_string(nn_json_get(doc, "vgg"))))
            rc = g99_fail(err, G99_ENOMEM, "out of memory");
        else if (!r->data)
            rc = g99_fail(err, G99_EINVAL, "%s: the checkpoint does not name its data: give --data", path);
        if (!rc && s[S_LOAD_WIDTH] <= 4096 && s[S_LOAD_HEIGHT] <= 4096) {
            r->load_width = (int)s[S_LOAD_WIDTH];
            r->load_height = (int)s[S_LOAD_HEIGHT];
            r->flip = s[S_FLIP] != 0;
        } else if (!rc) {
            rc = g99_fail(err, G99_EFORMAT, "%s: gan99.config: load size %llux%llu", path,
                          (unsigned long long)s[S_LOAD_WIDTH], (unsigned long long)s[S_LOAD_HEIGHT]);
        }
    }
    if (!rc && (s[S_BATCH] < 1 || s[S_BATCH] > 1 << 16 || s[S_SAMPLES] < 1 || s[S_SAMPLES] > 1024))
        rc = g99_fail(err, G99_EFORMAT, "%s: gan99.config: batch %llu, samples %llu", path,
                      (unsigned long long)s[S_BATCH], (unsigned long long)s[S_SAMPLES]);
    if (!rc) rc = agree(r, path, "--batch", o->given_batch, (uint64_t)o->batch, &s[S_BATCH], 0, err);
    if (!rc) rc = agree(r, path, "--seed", o->given_seed, o->seed, &s[S_SEED], 0, err);
    if (!rc) rc = agree(r, path, "--samples", o->given_samples, (uint64_t)o->n_samples, &s[S_SAMPLES], 0, err);
    if (!rc && s[S_SAMPLE_EVERY])
        rc = agree(r, path, "--sample-every", o->given_sample_every, o->sample_every, &s[S_SAMPLE_EVERY], 1, err);
    if (!rc && s[S_CHECKPOINT_EVERY])
        rc = agree(r, path, "--checkpoint-every", o->given_checkpoint_every, o->checkpoint_every,
                   &s[S_CHECKPOINT_EVERY], 1, err);
    if (!rc) {
        r->batch = (int)s[S_BATCH];
        r->n_samples = (int)s[S_SAMPLES];
        r->seed = s[S_SEED];
        if (s[S_SAMPLE_EVERY]) r->sample_every = s[S_SAMPLE_EVERY];
        if (s[S_CHECKPOINT_EVERY]) r->checkpoint_every = s[S_CHECKPOINT_EVERY];
        if (!o->steps && !o->epochs) r->total = s[S_STEPS];
    }
    nn_json_free(doc);
    nn_st_free(f);
    return rc;
}

/* ---- transfer learning (--from) ------------------------------------------- */

/* The base's file and its arch options, before the model is made: a run
 * folder gives its checkpoint, else its model file. */
static int from_settings(run *r, g99_error *err)
{
    const gan_train_opts *o = r->o;
    nn_st_file *f = NULL;
    nn_json *doc = NULL;
    const char *arch, *config;
    char want[64];
    gan_values stored;
    int rc = 0, i;
    if (g99_is_dir(o->from)) {
        char *ck = path_of(o->from, "checkpoint.safetensors");
        if (!ck) return g99_fail(err, G99_ENOMEM, "out of memory");
        if (!file_exists(ck)) {
            free(ck);
            ck = path_of(o->from, "model.safetensors");
            if (!ck) return g99_fail(err, G99_ENOMEM, "out of memory");
        }
        r->from = ck;
    } else if (set_text(&r->from, o->from)) {
        return g99_fail(err, G99_ENOMEM, "out of memory");
    }
    if ((rc = nn_st_load(r->from, NN_ST_MAX_FILE, &f, err)) != 0) return g99_error_prefix(err, "--from");
    arch = nn_st_meta(f, "gan99.arch");
    config = nn_st_meta(f, "gan99.config");
    snprintf(want, sizeof want, "%s-train", r->f->name);
    r->from_ck = arch && strcmp(arch, want) == 0;
    if (!arch || (!r->from_ck && strcmp(arch, r->f->name) != 0))
        rc = g99_fail(err, G99_EFORMAT, "--from %s: not a %s model or checkpoint (gan99.arch is %.60s)", r->from,
                      r->f->name, arch ? arch : "missing");
    if (!rc && (!config || nn_json_parse(config, strlen(config), &doc, err)))
        rc = config ? g99_error_prefix(err, "--from %s: gan99.config", r->from)
                    : g99_fail(err, G99_EFORMAT, "--from %s: no gan99.config", r->from);
    gan_values_default(r->f, &stored);
    if (!rc && gan_values_parse(r->f, doc, r->from_ck, &stored, err)) rc = g99_error_prefix(err, "--from %s", r->from);
    if (!rc && r->f->resolve) r->f->resolve(&stored);
    for (i = 0; !rc && i < r->f->n_options; i++) {
        if (!r->f->options[i].arch) continue;
        if (o->values.given[i] && o->values.v[i] != stored.v[i]) {
            char a[40], b[40];
            gan_option_format(r->f, i, o->values.v[i], a, sizeof a);
            gan_option_format(r->f, i, stored.v[i], b, sizeof b);
            rc = g99_fail(err, G99_EINVAL, "%s %s differs from the base's %s: a --from run keeps the base's "
                          "architecture (%s)", r->f->options[i].flag, a, b, r->from);
        }
        r->v.v[i] = stored.v[i];
    }
    nn_json_free(doc);
    nn_st_free(f);
    return rc;
}

/* Every tensor of table p from the file under prefix + its key, checked
 * (shape, dtype) before anything is written. */
static int from_table(const run *r, const nn_st_file *f, const char *prefix, nn_params *p, g99_error *err)
{
    size_t i, pass;
    char key[256];
    for (pass = 0; pass < 2; pass++)
        for (i = 0; i < p->n; i++) {
            nn_tensor *t = p->t[i];
            const nn_st_tensor *s;
            int d, same;
            snprintf(key, sizeof key, "%s%s", prefix ? prefix : "", t->name);
            s = nn_st_find(f, key);
            if (!s) return g99_fail(err, G99_EFORMAT, "--from %s: no tensor %s", r->from, key);
            same = s->numel == t->numel && s->rank == t->ndim;
            for (d = 0; same && d < t->ndim; d++) same = s->shape[d] == (size_t)t->shape[d];
            if (!same) return g99_fail(err, G99_EFORMAT, "--from %s: %s has another shape than this model's", r->from, key);
            if (p->kind[i] == NN_COUNTER) {   /* batch norm's num_batches_tracked: an I64 scalar, as PyTorch's */
                int64_t v = s->dtype == NN_ST_I64 && s->nbytes == 8 ? (int64_t)g99_load_le64(s->data) : -1;
                if (v < 0 || v > 16777216)
                    return g99_fail(err, G99_EFORMAT, "--from %s: %s is not a count (an I64 in 0..2^24)", r->from, key);
                if (pass == 1) t->data[0] = (float)v;
                continue;
            }
            if (pass == 1 && nn_st_read_f32(s, t->data, t->numel, err))
                return g99_error_prefix(err, "--from %s: %s", r->from, key);
        }
    return 0;
}

/* Same keys and shapes, in the same order. */
static int same_layout(const nn_params *a, const nn_params *b)
{
    size_t i;
    if (a->n != b->n || a->n_total != b->n_total) return 0;
    for (i = 0; i < a->n; i++)
        if (strcmp(a->t[i]->name, b->t[i]->name) != 0 || a->t[i]->numel != b->t[i]->numel) return 0;
    return 1;
}

/* The base's weights into the fresh model (after train_begin, so the
 * optimizers exist and stay fresh). A checkpoint fills every part that
 * trains (state-only parts such as a loss's running mean start fresh, as
 * the reference's resume_pkl leaves them); a model file fills the
 * inference table and the tables of its layout (StyleGAN's G from G_ema). */
static int from_weights(run *r, g99_error *err)
{
    nn_checkpoint_part parts[MAX_PARTS];
    nn_params *inf = r->f->inference(r->model);
    nn_st_file *f = NULL;
    char fresh[160], copied[160];
    size_t nf = 0, nc = 0;
    int n = r->f->parts(r->model, parts, MAX_PARTS), i, rc;
    fresh[0] = copied[0] = '\0';
    if ((rc = nn_st_load(r->from, NN_ST_MAX_FILE, &f, err)) != 0) return g99_error_prefix(err, "--from");
    if (r->from_ck) {
        for (i = 0; i < n && !rc; i++)
            if (parts[i].p->n_train > 0) rc = from_table(r, f, parts[i].prefix, parts[i].p, err);
    } else {
        /* the model file's tables: the inference table, and SPADE's E */
        nn_checkpoint_part tabs[MAX_PARTS];
        int nt = gan_model_tables(r->f, r->model, tabs, MAX_PARTS), j, in_file;
        for (j = 0; j < nt && !rc; j++) rc = from_table(r, f, tabs[j].prefix, tabs[j].p, err);
        for (i = 0; i < n && !rc; i++) {
            const char *name = parts[i].prefix && *parts[i].prefix ? parts[i].prefix : "the table";
            char *list = fresh;
            size_t *len = &nf;
            for (j = 0, in_file = 0; j < nt; j++) in_file |= parts[i].p == tabs[j].p;
            if (in_file || parts[i].p->n_train == 0) continue;
            if (same_layout(parts[i].p, inf)) {
                memcpy(parts[i].p->data, inf->data, inf->n_total * sizeof(float));
                list = copied;
                len = &nc;
            }
            if (*len < 120) *len += (size_t)snprintf(list + *len, 160 - *len, "%s%.*s", *len ? ", " : "",
                                                     (int)strlen(name) - (name[strlen(name) - 1] == '.'), name);
        }
        if (!rc)
            note(r, "--from %s is a model file (the inference table alone): %s%s%s%s%s", r->from,
                 nc ? copied : "", nc ? " copied from it" : "", nc && nf ? "; " : "", nf ? fresh : "",
                 nf ? " initialized fresh (give the run folder or its checkpoint for all of them)" : "");
    }
    nn_st_free(f);
    return rc;
}

/* ---- checkpoints through the family's parts ------------------------------- */

static int checkpoint_io(run *r, const char *path, int save, g99_error *err)
{
    nn_checkpoint_part parts[MAX_PARTS];
    nn_rng *ptr[MAX_RNGS], rngs[MAX_RNGS];
    nn_train_state ts;
    int n_parts = r->f->parts(r->model, parts, MAX_PARTS), n_rng = r->f->rngs(r->model, ptr, MAX_RNGS - 1), i, rc;
    char arch[64];
    memset(&ts, 0, sizeof ts);
    if (r->conditional) ptr[n_rng++] = &r->augment;
    for (i = 0; i < n_rng; i++) rngs[i] = *ptr[i];
    ts.step = r->step;
    ts.rng = rngs;
    ts.n_rng = n_rng;
    if (save) {
        nn_json_buf cfg = { 0, 0, 0 };
        snprintf(arch, sizeof arch, "%s-train", r->f->name);
        rc = settings_json(r, &cfg) ? g99_fail(err, G99_ENOMEM, "out of memory")
                                    : nn_checkpoint_save_parts(path, parts, n_parts, arch, cfg.data, &ts, err);
        nn_json_buf_free(&cfg);
        return rc;
    }
    if ((rc = nn_checkpoint_load_parts(path, parts, n_parts, &ts, err)) != 0) return rc;
    r->step = ts.step;
    for (i = 0; i < n_rng; i++) *ptr[i] = rngs[i];
    return 0;
}

/* ---- outputs --------------------------------------------------------------- */

static int write_csv(run *r, uint64_t upto, g99_error *err)
{
    char *path = path_of(r->dir, "loss.csv"), line[64];
    g99_afile f;
    uint64_t s;
    int rc, k;
    if (!path) return g99_fail(err, G99_ENOMEM, "out of memory");
    rc = g99_afile_open(&f, path, err);
    if (!rc) rc = g99_afile_write(&f, "step", 4, err);
    for (k = 0; !rc && k < r->n_losses; k++) {
        rc = g99_afile_write(&f, ",", 1, err);
        if (!rc) rc = g99_afile_write(&f, r->cols[k].name, strlen(r->cols[k].name), err);
    }
    if (!rc) rc = g99_afile_write(&f, "\n", 1, err);
    for (s = 0; !rc && s < upto; s++) {
        int n = snprintf(line, sizeof line, "%llu", (unsigned long long)(s + 1));
        rc = g99_afile_write(&f, line, (size_t)n, err);
        for (k = 0; !rc && k < r->n_losses; k++) {
            n = snprintf(line, sizeof line, ",%.9g", (double)r->hist[s * r->n_losses + k]);
            rc = g99_afile_write(&f, line, (size_t)n, err);
        }
        if (!rc) rc = g99_afile_write(&f, "\n", 1, err);
    }
    if (!rc) rc = g99_afile_commit(&f, err);
    free(path);
    return rc;
}

/* The rows of loss.csv up to the checkpoint's step; missing rows stay NaN. */
static void read_csv(run *r, uint64_t upto)
{
    char *path = path_of(r->dir, "loss.csv");
    uint8_t *data = NULL;
    size_t len = 0, i = 0;
    if (!path || g99_read_file(path, (size_t)1 << 30, &data, &len, NULL)) {
        free(path);
        return;
    }
    while (i < len) {
        char line[1024], *p, *end;
        size_t n = 0;
        unsigned long long s;
        float v[GAN_MAX_OPTIONS];
        int k;
        while (i < len && data[i] != '\n') {
            if (n < sizeof line - 1) line[n++] = (char)data[i];
            i++;
        }
        i++;
        line[n] = '\0';
        s = strtoull(line, &end, 10);
        if (end == line || s < 1 || s > upto) continue;
        for (k = 0, p = end; k < r->n_losses && *p == ','; k++, p = end) {
            v[k] = strtof(p + 1, &end);
            if (end == p + 1) break;
        }
        if (k == r->n_losses && *p == '\0') memcpy(r->hist + (s - 1) * r->n_losses, v, (size_t)k * sizeof *v);
    }
    free(data);
    free(path);
}

static int step_png(const run *r, uint64_t step, char **path)
{
    char name[64];
    snprintf(name, sizeof name, "samples/step_%07llu.png", (unsigned long long)step);
    *path = path_of(r->dir, name);
    return *path ? 0 : -1;
}

/* Keeps a grid for the animation; beyond MAX_GIF_FRAMES every other frame goes. */
static void keep_frame(run *r, img_image *grid, uint64_t step)
{
    if (r->n_frames == r->cap_frames) {
        int i, k = 0;
        for (i = 0; i < r->n_frames; i++) {
            if (i % 2 == 1 && i != r->n_frames - 1) {
                img_free(&r->frames[i]);
                continue;
            }
            r->frames[k] = r->frames[i];
            r->frame_steps[k++] = r->frame_steps[i];
        }
        r->n_frames = k;
    }
    r->frames[r->n_frames] = *grid;
    r->frame_steps[r->n_frames++] = step;
    memset(grid, 0, sizeof *grid);
}

static int ctx_failed(nn_ctx *ctx, g99_error *err)
{
    const g99_error *e = nn_ctx_error(ctx);
    if (err) *err = *e;
    return e->code ? e->code : G99_EINVAL;
}

/* A conditional family's rows: condition | output | target; a
 * reconstruction family's: input | output. A label map is drawn in its
 * palette colours, as floats in [-1, 1] like the images. */
static int draw_grid(run *r, uint64_t step, g99_error *err);

/* n class maps [n, classes, H, W] (one-hot or logits) as colour planes in [-1, 1]. */
static int label_planes(const run *r, const float *maps, int classes, int n, float *dst, g99_error *err)
{
    size_t plane = (size_t)r->geo.width * r->geo.height, i;
    int k, rc = 0;
    for (k = 0; !rc && k < n; k++) {
        img_image img;
        rc = gan_label_image(maps + (size_t)k * classes * plane, classes, r->geo.width, r->geo.height, &img, err);
        for (i = 0; !rc && i < 3 * plane; i++)   /* interleaved RGB bytes -> planes in [-1, 1] */
            dst[(size_t)k * 3 * plane + (i % 3) * plane + i / 3] = (float)img.data[i] / 127.5f - 1.0f;
        if (!rc) img_free(&img);
    }
    return rc;
}

/* A segmenter's rows: photo | parsed map | true map. */
static int segment_rows(run *r, const float *out, img_image *grid, g99_error *err)
{
    size_t plane = (size_t)r->geo.width * r->geo.height;
    float *maps = (float *)malloc((size_t)2 * r->n_samples * 3 * plane * sizeof *maps);
    const float *cols[3];
    int chans[3], rc;
    if (!maps) return g99_fail(err, G99_ENOMEM, "out of memory");
    rc = label_planes(r, out, r->geo.channels, r->n_samples, maps, err);
    if (!rc) rc = label_planes(r, r->fixed, r->geo.channels, r->n_samples, maps + (size_t)r->n_samples * 3 * plane, err);
    cols[0] = r->fixed_cond;
    cols[1] = maps;
    cols[2] = maps + (size_t)r->n_samples * 3 * plane;
    chans[0] = r->geo.cond_channels;
    chans[1] = chans[2] = 3;
    if (!rc) rc = gan_sample_rows(cols, chans, 3, r->n_samples, r->geo.width, r->geo.height, grid, err);
    free(maps);
    return rc;
}

static int condition_rows(run *r, const float *out, img_image *grid, g99_error *err)
{
    size_t plane = (size_t)r->geo.width * r->geo.height, i;
    const float *cols[3];
    int chans[3], rc = 0, k;
    float *labels = NULL;
    if (r->segments) return segment_rows(r, out, grid, err);
    cols[0] = r->reconstruct ? r->fixed : r->fixed_cond;
    chans[0] = r->reconstruct ? r->geo.channels : r->geo.cond_channels;
    if (r->f->kind == GAN_DATA_LABELS) {
        labels = (float *)malloc((size_t)r->n_samples * 3 * plane * sizeof *labels);
        if (!labels) return g99_fail(err, G99_ENOMEM, "out of memory");
        for (k = 0; !rc && k < r->n_samples; k++) {
            img_image img;
            rc = gan_label_image(r->fixed_cond + (size_t)k * r->geo.cond_channels * plane, r->geo.cond_channels,
                                 r->geo.width, r->geo.height, &img, err);
            for (i = 0; !rc && i < 3 * plane; i++)   /* interleaved RGB bytes -> planes in [-1, 1] */
                labels[(size_t)k * 3 * plane + (i % 3) * plane + i / 3] = (float)img.data[i] / 127.5f - 1.0f;
            if (!rc) img_free(&img);
        }
        cols[0] = labels;
        chans[0] = 3;
    }
    cols[1] = out;
    cols[2] = r->fixed;
    chans[1] = chans[2] = r->geo.channels;
    if (!rc) rc = gan_sample_rows(cols, chans, r->reconstruct ? 2 : 3, r->n_samples, r->geo.width, r->geo.height, grid,
                                  err);
    free(labels);
    return rc;
}

/* The state a train-mode draw changes: every part's buffers (batch-norm
 * statistics, counters) and the family's generators (dropout). */
typedef struct side_effects {
    float *buffers;
    nn_rng rngs[MAX_RNGS];
    int n_rng;
} side_effects;

static int side_effects_save(run *r, side_effects *se)
{
    nn_checkpoint_part parts[MAX_PARTS];
    nn_rng *ptr[MAX_RNGS];
    int n = r->f->parts(r->model, parts, MAX_PARTS), i;
    size_t total = 0, at = 0;
    se->n_rng = r->f->rngs(r->model, ptr, MAX_RNGS);
    for (i = 0; i < se->n_rng; i++) se->rngs[i] = *ptr[i];
    for (i = 0; i < n; i++) total += parts[i].p->n_total - parts[i].p->n_train;
    se->buffers = (float *)malloc((total ? total : 1) * sizeof(float));
    if (!se->buffers) return -1;
    for (i = 0; i < n; i++) {
        size_t k = parts[i].p->n_total - parts[i].p->n_train;
        memcpy(se->buffers + at, parts[i].p->data + parts[i].p->n_train, k * sizeof(float));
        at += k;
    }
    return 0;
}

static void side_effects_restore(run *r, side_effects *se)
{
    nn_checkpoint_part parts[MAX_PARTS];
    nn_rng *ptr[MAX_RNGS];
    int n = r->f->parts(r->model, parts, MAX_PARTS), i;
    size_t at = 0;
    r->f->rngs(r->model, ptr, MAX_RNGS);
    for (i = 0; i < se->n_rng; i++) *ptr[i] = se->rngs[i];
    for (i = 0; i < n; i++) {
        size_t k = parts[i].p->n_total - parts[i].p->n_train;
        memcpy(parts[i].p->data + parts[i].p->n_train, se->buffers + at, k * sizeof(float));
        at += k;
    }
    free(se->buffers);
}

/* A grid every sample_every steps changes the training as the reference's
 * does (train mode); the extra grid at the end of a run that stops off that
 * schedule leaves no trace, so --steps 10 then --resume to 20 gives the
 * bytes of --steps 20. */
static int sample_grid(run *r, uint64_t step, g99_error *err)
{
    side_effects se;
    int on_schedule = step % r->sample_every == 0, rc;
    memset(&se, 0, sizeof se);
    if (!on_schedule && side_effects_save(r, &se)) return g99_fail(err, G99_ENOMEM, "out of memory");
    rc = draw_grid(r, step, err);
    if (!on_schedule) side_effects_restore(r, &se);
    return rc;
}

static int draw_grid(run *r, uint64_t step, g99_error *err)
{
    int zs[2], cs[4];
    nn_tensor *fake;
    img_image grid;
    char *path = NULL;
    int rc;
    nn_ctx_reset(r->ctx);
    if (r->conditional || r->reconstruct) {
        cs[0] = r->n_samples;
        cs[1] = r->reconstruct ? r->geo.channels : r->geo.cond_channels;
        cs[2] = r->geo.height;
        cs[3] = r->geo.width;
        fake = r->f->generate(r->model, r->ctx, NULL,
                              nn_tensor_from(r->ctx, 4, cs, r->reconstruct ? r->fixed : r->fixed_cond), 1);
    } else {
        zs[0] = r->n_samples;
        zs[1] = r->geo.latent;
        fake = r->f->generate(r->model, r->ctx, nn_tensor_from(r->ctx, 2, zs, r->fixed), NULL, 1);
    }
    if (!fake) return ctx_failed(r->ctx, err);
    rc = r->conditional || r->reconstruct ? condition_rows(r, fake->data, &grid, err)
                        : gan_sample_grid_wh(fake->data, r->n_samples, r->geo.channels, r->geo.width, r->geo.height, 1,
                                             &grid, err);
    if (!rc && step_png(r, step, &path)) rc = g99_fail(err, G99_ENOMEM, "out of memory");
    if (!rc) rc = img_png_save(path, &grid, err);
    if (!rc) keep_frame(r, &grid, step);
    r->wrote = 1;
    img_free(&grid);
    free(path);
    return rc;
}

static int write_plot(run *r, const char *path, g99_error *err)
{
    const float *series[GAN_MAX_OPTIONS];
    const char *names[GAN_MAX_OPTIONS];
    float *cols = NULL;
    int k, n = 0, rc;
    uint64_t s;
    for (k = 0; k < r->n_losses; k++) n += r->cols[k].plot != NULL;
    if (!n || !r->step) return 0;
    cols = (float *)malloc((size_t)n * r->step * sizeof *cols);
    if (!cols) return g99_fail(err, G99_ENOMEM, "out of memory");
    for (k = 0, n = 0; k < r->n_losses; k++) {
        if (!r->cols[k].plot) continue;
        for (s = 0; s < r->step; s++) cols[n * r->step + s] = r->hist[s * r->n_losses + k];
        series[n] = cols + n * r->step;
        names[n++] = r->cols[k].plot;
    }
    rc = gan_plot_losses(path, series, names, n, (size_t)r->step, err);
    free(cols);
    return rc;
}

static int write_val_csv(run *r, g99_error *err);

/* A model file: the inference table under its keys, and the tables that
 * go with it (gan_model_tables: SPADE's encoder as "E."). */
static int save_model(run *r, const char *path, const char *config, g99_error *err)
{
    nn_checkpoint_part parts[MAX_PARTS];
    int n = gan_model_tables(r->f, r->model, parts, MAX_PARTS);
    return nn_checkpoint_save_parts(path, parts, n, r->f->name, config, NULL, err);
}

static int write_outputs(run *r, g99_error *err)
{
    char *p_ck = path_of(r->dir, "checkpoint.safetensors"), *p_model = path_of(r->dir, "model.safetensors");
    char *p_gif = path_of(r->dir, "progress.gif"), *p_png = path_of(r->dir, "loss.png");
    nn_json_buf cfg = { 0, 0, 0 };
    int rc = p_ck && p_model && p_gif && p_png ? 0 : g99_fail(err, G99_ENOMEM, "out of memory");
    r->wrote = 1;
    if (!rc) rc = write_plot(r, p_png, err);
    if (!rc && r->n_frames > 0) {
        img_gif_params gp;
        img_gif_params_default(&gp);
        gp.delay_cs = 20;
        rc = img_gif_write(p_gif, r->frames, r->n_frames, &gp, err);
    }
    /* the checkpoint before the model: a run killed between the two can
     * always be resumed (a model without a checkpoint is another run's) */
    if (!rc) rc = write_csv(r, r->step, err);
    if (!rc && r->has_val) rc = write_val_csv(r, err);
    if (!rc) rc = checkpoint_io(r, p_ck, 1, err);
    if (!rc && gan_values_json(r->f, &r->v, 0, &cfg)) rc = g99_fail(err, G99_ENOMEM, "out of memory");
    if (!rc) rc = save_model(r, p_model, cfg.data, err);
    nn_json_buf_free(&cfg);
    free(p_ck);
    free(p_model);
    free(p_gif);
    free(p_png);
    return rc;
}

/* RUN/snapshots/model_NNNNNNN.safetensors: the model file of this step. */
static int write_snapshot(run *r, g99_error *err)
{
    char name[64], *dir = path_of(r->dir, "snapshots"), *path;
    nn_json_buf cfg = { 0, 0, 0 };
    int rc;
    snprintf(name, sizeof name, "snapshots/model_%07llu.safetensors", (unsigned long long)r->step);
    path = path_of(r->dir, name);
    rc = dir && path ? g99_mkdir(dir, err) : g99_fail(err, G99_ENOMEM, "out of memory");
    if (!rc && gan_values_json(r->f, &r->v, 0, &cfg)) rc = g99_fail(err, G99_ENOMEM, "out of memory");
    if (!rc) rc = save_model(r, path, cfg.data, err);
    nn_json_buf_free(&cfg);
    free(dir);
    free(path);
    return rc;
}

/* ---- held-out validation: val.csv ----------------------------------------- */

/* Without --val: DIR/val beside a DIR/train (gan99 pairs' folders), or for
 * synth:N[:S] (or synth-toon:) 100 faces of seed S + 1000, which another stream draws (the
 * faces' parameters come from nn_rng(seed, GAN_STREAM_SYNTHFACES)), so
 * training never sees them. NULL (and 0) when there is none. */
static int default_val(const run *r, char **out)
{
    const char *d = r->data;
    size_t n = strlen(d), slash;
    *out = NULL;
    if (gan_ds_is_synth(d)) {
        unsigned long count, seed;
        int style;
        g99_error ignored;
        if (gan_ds_parse_synth(d, &count, &seed, &style, &ignored)) return 0;
        *out = (char *)malloc(48);
        if (!*out) return -1;
        snprintf(*out, 48, "%s:100:%llu", style == GAN_FACE_TOON ? "synth-toon" : "synth",
                 (unsigned long long)seed + 1000u);
        return 0;
    }
    while (n > 1 && d[n - 1] == '/') n--;
    slash = n;
    while (slash > 0 && d[slash - 1] != '/') slash--;
    if (n - slash != 5 || strncmp(d + slash, "train", 5) != 0) return 0;
    *out = (char *)malloc(slash + 4);
    if (!*out) return -1;
    memcpy(*out, d, slash);
    memcpy(*out + slash, "val", 4);
    if (!g99_is_dir(*out)) {
        free(*out);
        *out = NULL;
    }
    return 0;
}

/* Item i of the held-out data: the target into val_x, the model's input
 * into val_cond (pairs: A) or val_x itself (a reconstruction). */
static const float *val_item(run *r, int i)
{
    uint32_t idx = (uint32_t)i;
    if (r->segments) {   /* the photo is the input, the one-hot map the target */
        gan_dataset_batch_cond(&r->val, &idx, 1, NULL, r->val_cond, r->val_x);
        return r->val_cond;
    }
    if (r->conditional) {
        gan_dataset_batch_cond(&r->val, &idx, 1, NULL, r->val_x, r->val_cond);
        return r->val_cond;
    }
    gan_dataset_batch(&r->val, &idx, 1, r->val_x);
    return r->val_x;
}

/* The input baseline of pairs: A itself as the output (grey repeated into
 * colour); none when A and B have other channel counts. */
static void val_baseline(run *r)
{
    size_t plane = (size_t)r->geo.width * r->geo.height, k;
    int cc = r->geo.cond_channels, c = r->geo.channels, i, ch;
    gan_metric_sum s;
    memset(&s, 0, sizeof s);
    r->has_base = r->conditional && !r->segments && (cc == c || cc == 1);
    for (i = 0; r->has_base && i < r->val.n; i++) {
        const float *a = val_item(r, i);
        for (ch = 0; ch < c; ch++)
            for (k = 0; k < plane; k++) r->val_in[ch * plane + k] = a[(cc == c ? ch : 0) * plane + k];
        gan_metric_add(&s, r->val_in, r->val_x, 1, (size_t)c * plane);
    }
    r->base_l1 = gan_metric_l1(&s);
    r->base_psnr = gan_metric_psnr(&s);
}

/* The held-out data, loaded as the training data but at the model's size
 * (scaled to cover it and centre-cropped, never flipped: as translate
 * prepares photos). A default source that fails to load is noted and
 * skipped; a given one is an error. */
static int val_load(run *r, g99_error *err)
{
    gan_dataset_opts dopts;
    g99_error e;
    char *spec = NULL;
    size_t per;
    int rc;
    if ((r->f->kind != GAN_DATA_PAIRS && !r->reconstruct && !r->segments) || r->geo.latent) {
        if (r->val_spec)
            return g99_fail(err, G99_EINVAL, "--val %s: %s draws from a latent; held-out L1 and PSNR are for "
                            "families that translate or reconstruct images", r->val_spec, r->f->name);
        return 0;
    }
    if (r->val_spec) spec = dup_str(r->val_spec);
    else if (default_val(r, &spec)) return g99_fail(err, G99_ENOMEM, "out of memory");
    if (r->val_spec && !spec) return g99_fail(err, G99_ENOMEM, "out of memory");
    if (!spec) return 0;
    memset(&dopts, 0, sizeof dopts);
    dopts.size = dopts.width = r->geo.width;
    dopts.height = r->geo.height;
    dopts.channels = r->geo.channels;
    dopts.kind = r->f->kind;
    if (r->conditional) dopts.cond_channels = r->geo.cond_channels;
    if (r->segments) {   /* label maps with their photos */
        dopts.kind = GAN_DATA_LABELS;
        dopts.channels = r->geo.cond_channels;
        dopts.cond_channels = 0;
        dopts.n_classes = r->geo.channels;
        dopts.palette = r->palette;
    }
    dopts.pair_filter = r->pair_filter;
    dopts.cancel = r->o->cancel;
    dopts.warn = r->o->warn;
    dopts.user = r->o->user;
    g99_error_clear(&e);
    rc = gan_dataset_load(spec, &dopts, &r->val, &e);
    if (rc == 0 && r->val.n < 1) rc = g99_fail(&e, G99_EINVAL, "no usable images");
    if (rc) {
        gan_dataset_free(&r->val);
        memset(&r->val, 0, sizeof r->val);
        if (rc == G99_ESTOPPED || r->val_spec) {
            if (err) *err = e;
            if (rc != G99_ESTOPPED) g99_error_prefix(err, "--val %s", spec);
            free(spec);
            return rc;
        }
        note(r, "no held-out metrics: %s: %s", spec, e.msg);
        free(spec);
        return 0;
    }
    per = (size_t)r->geo.width * r->geo.height;
    r->val_x = (float *)malloc(per * r->geo.channels * sizeof(float));
    r->val_in = (float *)malloc(per * r->geo.channels * sizeof(float));
    r->val_cond = (float *)malloc(per * (r->geo.cond_channels ? r->geo.cond_channels : 1) * sizeof(float));
    if (!r->val_x || !r->val_in || !r->val_cond) {
        free(spec);
        return g99_fail(err, G99_ENOMEM, "out of memory");
    }
    r->has_val = 1;
    val_baseline(r);
    if (r->segments)
        note(r, "held-out maps %s (%d): per-class and mean IoU at every epoch's end in iou.csv", spec, r->val.n);
    else if (r->has_base)
        note(r, "held-out images %s (%d): L1 and PSNR at every epoch's end in val.csv; the input itself: L1 %.4f, "
             "PSNR %.2f dB", spec, r->val.n, r->base_l1, r->base_psnr);
    else
        note(r, "held-out images %s (%d): L1 and PSNR at every epoch's end in val.csv", spec, r->val.n);
    free(spec);
    return 0;
}

static int add_row(run *r, uint64_t step, const char *text, size_t len)
{
    if (r->n_rows == r->cap_rows) {
        int cap = r->cap_rows ? 2 * r->cap_rows : 16;
        val_row *p = (val_row *)realloc(r->rows, (size_t)cap * sizeof *p);
        if (!p) return -1;
        r->rows = p;
        r->cap_rows = cap;
    }
    if (len >= sizeof r->rows[0].text) len = sizeof r->rows[0].text - 1;
    memcpy(r->rows[r->n_rows].text, text, len);
    r->rows[r->n_rows].text[len] = '\0';
    r->rows[r->n_rows++].step = step;
    return 0;
}

/* Class k's column name in iou.csv: the synthetic faces' part names
 * (GAN_PART_*, also the first 7 classes of any map), then class_K. */
static void class_name(const run *r, int k, char *buf, size_t cap)
{
    static const char *const parts[GAN_PART_COUNT] = { "background", "skin", "hair", "eyes", "brows", "nose",
                                                       "mouth" };
    (void)r;
    if (k < GAN_PART_COUNT) snprintf(buf, cap, "%s", parts[k]);
    else snprintf(buf, cap, "class_%d", k);
}

static int write_val_csv(run *r, g99_error *err)
{
    static const char head_pairs[] = "epoch,step,l1,psnr,input_l1,input_psnr\n", head[] = "epoch,step,l1,psnr\n";
    char *path = path_of(r->dir, r->segments ? "iou.csv" : "val.csv"), name[32];
    g99_afile f;
    int rc, i;
    if (!path) return g99_fail(err, G99_ENOMEM, "out of memory");
    rc = g99_afile_open(&f, path, err);
    if (!rc && r->segments) {
        rc = g99_afile_write(&f, "epoch,step,mean_iou", 19, err);
        for (i = 0; !rc && i < r->geo.channels; i++) {
            class_name(r, i, name, sizeof name);
            rc = g99_afile_write(&f, ",", 1, err);
            if (!rc) rc = g99_afile_write(&f, name, strlen(name), err);
        }
        if (!rc) rc = g99_afile_write(&f, "\n", 1, err);
    } else if (!rc) {
        rc = r->conditional ? g99_afile_write(&f, head_pairs, sizeof head_pairs - 1, err)
                            : g99_afile_write(&f, head, sizeof head - 1, err);
    }
    for (i = 0; !rc && i < r->n_rows; i++) {
        rc = g99_afile_write(&f, r->rows[i].text, strlen(r->rows[i].text), err);
        if (!rc) rc = g99_afile_write(&f, "\n", 1, err);
    }
    if (!rc) rc = g99_afile_commit(&f, err);
    free(path);
    return rc;
}

/* A resumed run's rows: those of epochs' ends up to the checkpoint's step.
 * The row of a run's end off that schedule goes, as a run continued past it
 * would not have it. */
static int read_val_csv(run *r)
{
    char *path = path_of(r->dir, r->segments ? "iou.csv" : "val.csv");
    uint8_t *data = NULL;
    size_t len = 0, i = 0;
    int rc = 0;
    if (!path || g99_read_file(path, (size_t)1 << 26, &data, &len, NULL)) {
        free(path);
        return path ? 0 : -1;
    }
    while (!rc && i < len) {
        size_t start = i;
        const char *comma;
        char *end;
        unsigned long long s;
        while (i < len && data[i] != '\n') i++;
        if (i - start < 3 || i - start >= sizeof r->rows[0].text || data[start] < '0' || data[start] > '9') {
            i++;
            continue;
        }
        data[i] = '\0';
        comma = strchr((const char *)data + start, ',');
        s = comma ? strtoull(comma + 1, &end, 10) : 0;
        if (comma && end != comma + 1 && *end == ',' && s >= 1 && s <= r->step && s % r->spe == 0)
            rc = add_row(r, s, (const char *)data + start, i - start);
        i++;
    }
    free(data);
    free(path);
    return rc;
}

/* A segmenter's IoU (gan_iou_*) on the held-out maps: one photo at a
 * time in eval mode (running statistics: the parse command's mode, which
 * changes no state), argmax of the logits against the true map. */
static int iou_eval(run *r, g99_error *err)
{
    size_t plane = (size_t)r->geo.width * r->geo.height;
    uint8_t *pred = (uint8_t *)malloc(2 * plane), *truth = pred + plane;
    int cs[4], i, rc = 0, n, c;
    char line[sizeof r->rows[0].text], shown[600], name[32];
    size_t m = 0;
    gan_iou_sum s;
    if (!pred) return g99_fail(err, G99_ENOMEM, "out of memory");
    gan_iou_init(&s, r->geo.channels);
    cs[0] = 1;
    cs[1] = r->geo.cond_channels;
    cs[2] = r->geo.height;
    cs[3] = r->geo.width;
    for (i = 0; !rc && i < r->val.n; i++) {
        const float *in = val_item(r, i);
        nn_tensor *y;
        nn_ctx_reset(r->ctx);
        y = r->f->generate(r->model, r->ctx, NULL, nn_tensor_from(r->ctx, 4, cs, in), 0);
        if (!y) {
            rc = ctx_failed(r->ctx, err);
            break;
        }
        gan_class_argmax(y->data, r->geo.channels, plane, pred);
        gan_class_argmax(r->val_x, r->geo.channels, plane, truth);
        gan_iou_add(&s, pred, truth, plane);
    }
    free(pred);
    if (rc) return rc;
    n = snprintf(line, sizeof line, "%.10g,%llu,%.6f", (double)r->step / (double)r->spe, (unsigned long long)r->step,
                 gan_iou_mean(&s));
    shown[0] = '\0';
    for (c = 0; c < r->geo.channels; c++) {
        double v = gan_iou_class(&s, c);
        if (v == v) n += snprintf(line + n, sizeof line - (size_t)n, ",%.6f", v);
        else n += snprintf(line + n, sizeof line - (size_t)n, ",");
        class_name(r, c, name, sizeof name);
        if (m < sizeof shown - 48 && v == v)
            m += (size_t)snprintf(shown + m, sizeof shown - m, "%s%s %.3f", m ? ", " : "", name, v);
    }
    if (add_row(r, r->step, line, (size_t)n)) return g99_fail(err, G99_ENOMEM, "out of memory");
    note(r, "epoch %.10g, step %llu: held-out mean IoU %.4f (%s)", (double)r->step / (double)r->spe,
         (unsigned long long)r->step, gan_iou_mean(&s), shown);
    r->wrote = 1;
    return write_val_csv(r, err);
}

/* L1 and PSNR of G's outputs on the held-out images, one at a time in
 * train mode (translate's default: batch statistics, dropout drawn), after
 * which the model's buffers and generators are put back: the metrics leave
 * no trace in the training. */
static int val_eval(run *r, g99_error *err)
{
    size_t plane = (size_t)r->geo.width * r->geo.height;
    int cs[4], i, rc = 0, n;
    gan_metric_sum s;
    side_effects se;
    char line[160];
    if (r->segments) return iou_eval(r, err);
    memset(&s, 0, sizeof s);
    memset(&se, 0, sizeof se);
    if (side_effects_save(r, &se)) return g99_fail(err, G99_ENOMEM, "out of memory");
    cs[0] = 1;
    cs[1] = r->conditional ? r->geo.cond_channels : r->geo.channels;
    cs[2] = r->geo.height;
    cs[3] = r->geo.width;
    for (i = 0; !rc && i < r->val.n; i++) {
        const float *in = val_item(r, i);
        nn_tensor *y;
        nn_ctx_reset(r->ctx);
        y = r->f->generate(r->model, r->ctx, NULL, nn_tensor_from(r->ctx, 4, cs, in), 1);
        if (!y) rc = ctx_failed(r->ctx, err);
        else gan_metric_add(&s, y->data, r->val_x, 1, (size_t)r->geo.channels * plane);
    }
    side_effects_restore(r, &se);
    if (rc) return rc;
    n = snprintf(line, sizeof line, "%.10g,%llu,%.6f,%.4f", (double)r->step / (double)r->spe,
                 (unsigned long long)r->step, gan_metric_l1(&s), gan_metric_psnr(&s));
    if (r->conditional && r->has_base)
        n += snprintf(line + n, sizeof line - (size_t)n, ",%.6f,%.4f", r->base_l1, r->base_psnr);
    else if (r->conditional)
        n += snprintf(line + n, sizeof line - (size_t)n, ",,");
    if (add_row(r, r->step, line, (size_t)n)) return g99_fail(err, G99_ENOMEM, "out of memory");
    note(r, "epoch %.10g, step %llu: held-out L1 %.4f, PSNR %.2f dB", (double)r->step / (double)r->spe,
         (unsigned long long)r->step, gan_metric_l1(&s), gan_metric_psnr(&s));
    r->wrote = 1;
    return write_val_csv(r, err);
}

/* ---- the run ----------------------------------------------------------------- */

/* The run folder: made, locked, cleared of dead runs' temporaries, and
 * checked against what it holds, before any other work. */
static int open_folder(run *r, gan_train_result *res, g99_error *err)
{
    const gan_train_opts *o = r->o;
    char *p_lock = path_of(o->out, "lock"), *p_ck = path_of(o->out, "checkpoint.safetensors");
    char *p_model = path_of(o->out, "model.safetensors");
    unsigned long stale = 0;
    int rc = p_lock && p_ck && p_model ? 0 : g99_fail(err, G99_ENOMEM, "out of memory");
    r->made_folder = !rc && !g99_is_dir(o->out) && !file_exists(o->out);
    if (!rc) rc = g99_mkdir(o->out, err);
    if (rc) r->made_folder = 0;   /* never remove what this run did not make */
    if (!rc && (rc = g99_lock_acquire(&r->lock, p_lock, &stale, err)) != 0)
        g99_error_prefix(err, "run folder %s", o->out);
    if (!rc && stale) note(r, "%s: took over the lock of process %lu, which no longer runs", o->out, stale);
    if (!rc) res->stale_removed = g99_remove_stale_temps(o->out);
    if (!rc && o->resume && g99_is_dir(p_ck))
        rc = g99_fail(err, G99_EINVAL, "%s: a folder, not a checkpoint", p_ck);
    else if (!rc && o->resume && !file_exists(p_ck))
        rc = g99_fail(err, G99_EINVAL, "%s: no checkpoint to resume from (start the run without --resume)", p_ck);
    else if (!rc && !o->resume && file_exists(p_ck))
        rc = g99_fail(err, G99_EINVAL, "%s: the run folder holds a checkpoint already (--resume continues it)", p_ck);
    else if (!rc && !o->resume && file_exists(p_model))
        rc = g99_fail(err, G99_EINVAL, "%s: the run folder holds another run's model (use another --out)", p_model);
    free(p_lock);
    free(p_ck);
    free(p_model);
    return rc;
}

static int load_data(run *r, g99_error *err)
{
    const gan_train_opts *o = r->o;
    gan_dataset_opts dopts;
    int rc;
    memset(&dopts, 0, sizeof dopts);
    dopts.size = r->geo.width;
    dopts.width = r->geo.width;
    dopts.height = r->geo.height;
    dopts.channels = r->geo.channels;
    dopts.kind = r->f->kind;
    if (r->f->kind == GAN_DATA_PAIRS) dopts.cond_channels = r->geo.cond_channels;
    if (r->f->kind == GAN_DATA_LABELS) dopts.n_classes = r->geo.cond_channels;
    if (r->segments) {   /* label maps with their photos, handed over the other way round */
        dopts.kind = GAN_DATA_LABELS;
        dopts.channels = r->geo.cond_channels;
        dopts.n_classes = r->geo.channels;
    }
    dopts.load_width = r->load_width;
    dopts.load_height = r->load_height;
    dopts.flip = r->flip;
    dopts.pair_filter = r->pair_filter;
    dopts.palette = r->palette;
    dopts.cancel = o->cancel;
    dopts.warn = o->warn;
    dopts.user = o->user;
    if ((rc = gan_dataset_load(r->data, &dopts, &r->ds, err)) != 0) return rc;
    if (r->ds.n < r->batch)
        return g99_fail(err, G99_EINVAL, "%s: %d usable images, fewer than the batch of %d", r->data, r->ds.n,
                        r->batch);
    if ((r->conditional || r->reconstruct) && r->ds.n < r->n_samples)
        return g99_fail(err, G99_EINVAL, "%s: %d usable images, fewer than the %d rows of the sample grid", r->data,
                        r->ds.n, r->n_samples);
    return 0;
}

/* The model, then what its geometry decides: the kind of grid and its
 * default size (8 rows of pairs, or 64 images from latents). */
static int check_and_create(run *r, g99_error *err)
{
    int rc;
    if (r->batch < 1 || r->batch > 1 << 16) return g99_fail(err, G99_EINVAL, "--batch %d: 1..65536", r->batch);
    if ((rc = r->f->create(&r->v, &r->model, err)) != 0) return rc;
    r->f->geometry(r->model, &r->geo);
    r->reconstruct = r->f->kind == GAN_DATA_IMAGES && r->geo.latent == 0;
    if (!r->n_samples) r->n_samples = r->conditional || r->reconstruct ? 8 : 64;
    if (r->n_samples < 1 || r->n_samples > 1024)
        return g99_fail(err, G99_EINVAL, "--samples %d: 1..1024 images in the grid", r->n_samples);
    return 0;
}

static int setup(run *r, gan_train_result *res, g99_error *err)
{
    const gan_train_opts *o = r->o;
    const gan_family *f = r->f;
    char *p_ck = path_of(o->out, "checkpoint.safetensors");
    uint64_t k;
    int rc;
    if (!p_ck) return g99_fail(err, G99_ENOMEM, "out of memory");
    r->conditional = f->kind != GAN_DATA_IMAGES;
    r->segments = f->kind == GAN_DATA_SEGMENTS;
    r->batch = o->batch ? o->batch : f->default_batch;
    r->n_samples = o->n_samples;   /* 0: the default of the grid's kind (check_and_create) */
    r->seed = o->seed;
    if (set_text(&r->data, o->data) || set_text(&r->pair_filter, o->pair_filter) || set_text(&r->palette, o->palette) ||
        set_text(&r->val_spec, o->val) || set_text(&r->vgg, o->vgg)) {
        free(p_ck);
        return g99_fail(err, G99_ENOMEM, "out of memory");
    }
    r->load_width = o->load_width;
    r->load_height = o->load_height;
    r->flip = r->conditional && !o->no_flip;   /* pix2pix's default; DCGAN's reference has no augmentation */
    r->v = o->values;
    r->n_losses = f->n_losses;
    r->sample_every = o->sample_every;
    r->checkpoint_every = o->checkpoint_every ? o->checkpoint_every : 500;
    r->snapshot_every = o->snapshot_every;
    /* label maps in a palette's colours: --classes defaults to its entries
     * (a new run; a resumed or --from run keeps its model's classes) */
    if (f->kind == GAN_DATA_LABELS && r->palette && !o->resume && !o->from) {
        int ci = gan_option_find(f, "classes"), n = 0;
        if (ci >= 0 && !r->v.given[ci]) {
            if ((rc = gan_palette_classes(r->palette, &n, err)) != 0) {
                free(p_ck);
                return g99_error_prefix(err, "--palette");
            }
            r->v.v[ci] = n;
        }
    }
    if (f->resolve) f->resolve(&r->v);
    /* a new run's settings are checked before the folder is touched; a
     * resumed run's come from its checkpoint */
    rc = o->from && o->resume ? g99_fail(err, G99_EINVAL, "--from starts a new run; --resume continues one") : 0;
    if (!rc && o->from && !o->resume) rc = from_settings(r, err);
    if (!rc) rc = o->resume ? 0 : check_and_create(r, err);
    if (!rc) rc = open_folder(r, res, err);
    if (!rc && o->resume) rc = read_settings(r, p_ck, err);
    if (!rc && o->resume) rc = check_and_create(r, err);
    if (!rc && r->vgg) rc = gan_spade_set_vgg(f, r->model, r->vgg, err);
    if (!rc) {
        f->init_weights(r->model, r->seed);
        r->ctx = nn_ctx_new(0);
        rc = r->ctx ? f->train_begin(r->model, &r->v, r->batch, r->seed, r->ctx, err)
                    : g99_fail(err, G99_ENOMEM, "out of memory");
    }
    if (!rc) r->n_losses = gan_model_losses(f, r->model, &r->cols);
    nn_rng_init(&r->augment, r->seed, NN_STREAM_AUGMENT);
    if (!rc && o->resume) rc = checkpoint_io(r, p_ck, 0, err);
    if (!rc && r->from) rc = from_weights(r, err);
    free(p_ck);
    if (rc) return rc;
    if (o->cancel && o->cancel(o->user)) rc = G99_ESTOPPED;
    if (!rc) rc = load_data(r, err);
    if (!rc) rc = val_load(r, err);
    if (!rc) {
        char *s = path_of(o->out, "samples");
        rc = s ? g99_mkdir(s, err) : g99_fail(err, G99_ENOMEM, "out of memory");
        free(s);
    }
    if (rc) return rc;
    r->spe = (uint64_t)(r->ds.n / r->batch);
    if (o->steps) r->total = o->steps;
    else if (o->epochs) r->total = o->epochs <= ((uint64_t)1 << 32) / r->spe ? o->epochs * r->spe : 0;
    else if (!r->total) r->total = f->default_epochs * r->spe;
    if (r->total == 0 || r->total > (uint64_t)1 << 32)
        return g99_fail(err, G99_EINVAL, "%llu training steps (1..2^32; --epochs %llu of %llu steps)",
                        (unsigned long long)r->total, (unsigned long long)o->epochs, (unsigned long long)r->spe);
    if (r->step > r->total)
        return g99_fail(err, G99_EINVAL, "the checkpoint is at step %llu, past the %llu asked for",
                        (unsigned long long)r->step, (unsigned long long)r->total);
    if (!r->sample_every) r->sample_every = (r->total + 49) / 50;
    /* buffers: everything the loop needs, allocated once */
    r->hist = (float *)malloc((size_t)r->total * r->n_losses * sizeof(float));
    {
        size_t plane = (size_t)r->geo.width * r->geo.height;
        size_t fixed = r->conditional || r->reconstruct ? plane * r->geo.channels
                                                        : (size_t)(r->geo.latent ? r->geo.latent : 1);
        r->fixed = (float *)malloc((size_t)r->n_samples * fixed * sizeof(float));
        r->real = (float *)malloc((size_t)r->batch * r->geo.channels * plane * sizeof(float));
        if (r->conditional) {
            r->fixed_cond = (float *)malloc((size_t)r->n_samples * r->geo.cond_channels * plane * sizeof(float));
            r->cond = (float *)malloc((size_t)r->batch * r->geo.cond_channels * plane * sizeof(float));
            if (!r->fixed_cond || !r->cond) return g99_fail(err, G99_ENOMEM, "out of memory");
        }
    }
    r->order = (uint32_t *)malloc((size_t)r->ds.n * sizeof(uint32_t));
    r->cap_frames = MAX_GIF_FRAMES;
    r->frames = (img_image *)calloc((size_t)r->cap_frames + 1, sizeof *r->frames);
    r->frame_steps = (uint64_t *)calloc((size_t)r->cap_frames + 1, sizeof *r->frame_steps);
    if (!r->hist || !r->fixed || !r->real || !r->order || !r->frames || !r->frame_steps)
        return g99_fail(err, G99_ENOMEM, "out of memory");
    for (k = 0; k < r->total * r->n_losses; k++) r->hist[k] = g99_bits_f32(0x7FC00000u);   /* NaN: no value yet */
    if (r->conditional || r->reconstruct) {
        /* the grid's rows: the first items of the data, centre-cropped, not flipped */
        uint32_t *first = (uint32_t *)malloc((size_t)r->n_samples * sizeof *first);
        if (!first) return g99_fail(err, G99_ENOMEM, "out of memory");
        for (k = 0; k < (uint64_t)r->n_samples; k++) first[k] = (uint32_t)k;
        if (r->segments) gan_dataset_batch_cond(&r->ds, first, r->n_samples, NULL, r->fixed_cond, r->fixed);
        else if (r->conditional) gan_dataset_batch_cond(&r->ds, first, r->n_samples, NULL, r->fixed, r->fixed_cond);
        else gan_dataset_batch(&r->ds, first, r->n_samples, r->fixed);
        free(first);
    } else if (r->geo.latent) {
        gan_latent_normal(r->seed, r->n_samples * r->geo.latent, r->fixed);
    }
    r->order_epoch = (uint64_t)-1;
    if (!o->resume) return 0;
    /* a resumed run gets its history back */
    read_csv(r, r->step);
    if (r->has_val && read_val_csv(r)) return g99_fail(err, G99_ENOMEM, "out of memory");
    for (k = r->sample_every; k <= r->step; k += r->sample_every) {
        char *path = NULL;
        img_image img;
        if (step_png(r, k, &path)) return g99_fail(err, G99_ENOMEM, "out of memory");
        if (img_png_load(path, NULL, &img, NULL) == 0) keep_frame(r, &img, k);
        free(path);
    }
    return 0;
}

int gan_train_run(const gan_train_opts *o, gan_train_result *res, g99_error *err)
{
    run r;
    gan_train_result dummy;
    int rc, stop = 0, i;
    memset(&r, 0, sizeof r);
    if (!res) res = &dummy;
    memset(res, 0, sizeof *res);
    if (!o || !o->family || !o->out || !*o->out || (!o->data && !o->resume))
        return g99_fail(err, G99_EINVAL, "training needs a family, a dataset and a run folder");
    r.o = o;
    r.f = o->family;
    r.dir = o->out;
    rc = setup(&r, res, err);
    res->n_images = r.ds.n;
    res->skipped = r.ds.skipped;
    res->total = r.total;
    res->start = r.step;
    if (rc == G99_ESTOPPED) stop = 1;
    while (!rc && !stop && r.step < r.total) {
        uint64_t s = r.step, epoch = s / r.spe;
        gan_train_progress p;
        gan_batch b;
        if (epoch != r.order_epoch) {
            gan_dataset_epoch_order(&r.ds, r.seed, epoch, r.order);
            r.order_epoch = epoch;
        }
        if (r.segments)   /* the photos into cond, the maps into real (the targets) */
            gan_dataset_batch_cond(&r.ds, r.order + (s % r.spe) * (uint64_t)r.batch, r.batch, &r.augment, r.cond,
                                   r.real);
        else if (r.conditional)
            gan_dataset_batch_cond(&r.ds, r.order + (s % r.spe) * (uint64_t)r.batch, r.batch, &r.augment, r.real,
                                   r.cond);
        else
            gan_dataset_batch(&r.ds, r.order + (s % r.spe) * (uint64_t)r.batch, r.batch, r.real);
        b.n = r.batch;
        b.x = r.real;
        b.cond = r.reconstruct ? r.real : r.cond;   /* a reconstruction's input is its target */
        b.step = s;
        b.epoch = epoch;
        b.steps_per_epoch = r.spe;
        if ((rc = r.f->train_step(r.model, &b, r.hist + s * r.n_losses, err)) != 0) break;
        r.step++;
        if (r.step % r.sample_every == 0 || r.step == r.total) rc = sample_grid(&r, r.step, err);
        if (!rc && r.has_val && (r.step % r.spe == 0 || r.step == r.total)) rc = val_eval(&r, err);
        p.step = r.step;
        p.total = r.total;
        p.losses = r.hist + s * r.n_losses;
        p.cols = r.cols;
        p.n_losses = r.n_losses;
        p.family = r.f;
        if (!rc && o->progress) stop = o->progress(o->user, &p);
        if (!rc && (stop || r.step % r.checkpoint_every == 0 || r.step == r.total)) rc = write_outputs(&r, err);
        if (!rc && r.snapshot_every && r.step % r.snapshot_every == 0) rc = write_snapshot(&r, err);
    }
    if (rc == G99_ESTOPPED) rc = 0;
    res->step = r.step;
    res->stopped = stop;
    for (i = 0; i < r.n_frames; i++) img_free(&r.frames[i]);
    free(r.frames);
    free(r.frame_steps);
    free(r.hist);
    free(r.fixed);
    free(r.fixed_cond);
    free(r.real);
    free(r.cond);
    free(r.data);
    free(r.pair_filter);
    free(r.palette);
    free(r.vgg);
    free(r.order);
    free(r.val_spec);
    free(r.from);
    free(r.val_x);
    free(r.val_in);
    free(r.val_cond);
    free(r.rows);
    gan_dataset_free(&r.val);
    gan_dataset_free(&r.ds);
    if (r.model) r.f->destroy(r.model);
    nn_ctx_free(r.ctx);
    g99_lock_release(&r.lock);
    if (r.made_folder && !r.wrote) {
        /* a run that failed or stopped before its first output leaves nothing,
         * not even the folder it made (g99_remove takes empty folders) */
        char *s = path_of(o->out, "samples");
        if (s) g99_remove(s);
        free(s);
        g99_remove(o->out);
    }
    return rc;
}
