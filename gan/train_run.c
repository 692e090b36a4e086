/* gan: a whole DCGAN training run into a folder (SPEC.md §6, issue 6 items
 * 4 and 5), what `gan99 train dcgan` and `gan99 demo` run:
 *
 *   RUN/checkpoint.safetensors  G, D, both Adam states, the step, the
 *                               generators, the run's settings as gan99.config
 *   RUN/model.safetensors       G alone, pytorch/examples key names
 *   RUN/samples/step_NNNNNNN.png  G(fixed noise) every sample_every steps
 *   RUN/progress.gif            those grids as an animation
 *   RUN/loss.csv, RUN/loss.png  per-step losses and their plot
 *
 * Everything is written atomically, at every checkpoint_every steps, when
 * the progress callback asks to stop (Ctrl-C) and at the end; loss.csv
 * before the checkpoint, so a checkpoint's steps always have their rows.
 * Batches: step s takes positions (s mod E) B .. + B of epoch s / E's order
 * (E = n / B whole batches an epoch; the remainder is dropped, as
 * DataLoader(drop_last=True), so every step has the same batch and the
 * arena stays the same size). The grid's fixed noise is the first n_samples
 * latents of the run's seed (gan_latent_normal), so `gan99 sample MODEL
 * --seed S --n 64` redraws the run's last grid; as in the reference, the
 * grid is drawn in train mode (batch statistics, running statistics
 * updated). A resume restores the checkpoint and continues bit for bit as
 * if never stopped: the order of an epoch depends on (seed, epoch) alone,
 * and the loss history and grids come back from loss.csv and samples/. */
#include "gan.h"

#include <stdio.h>
#include <stdlib.h>

#define MAX_GIF_FRAMES 120

typedef struct run {
    const gan_train_opts *o;
    const char *dir;
    gan_dcgan m;
    gan_dcgan_trainer t;
    gan_dataset ds;
    int batch, n_samples;
    float lr, beta1;
    uint64_t seed, total, spe, sample_every, checkpoint_every;
    float *hist;             /* total x 5: loss_d, loss_g, d_x, d_g_z1, d_g_z2 */
    float *fixed, *real;
    uint32_t *order;
    uint64_t order_epoch;
    img_image *frames;
    uint64_t *frame_steps;
    int n_frames, cap_frames;
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
    FILE *f = fopen(path, "rb");
    if (f) fclose(f);
    return f != NULL;
}

/* ---- settings: gan99.config of the checkpoint ---------------------------- */

static int settings_json(const run *r, char *buf, size_t cap)
{
    const gan_dcgan_config *c = &r->m.cfg;
    int n = snprintf(buf, cap,
                     "{\"batch\":%d,\"beta1\":%.9g,\"lr\":%.9g,\"nc\":%d,\"ndf\":%d,\"ngf\":%d,\"nz\":%d,"
                     "\"samples\":%d,\"seed\":%llu,\"size\":%d,\"steps\":%llu}",
                     r->batch, (double)r->beta1, (double)r->lr, c->nc, c->ndf, c->ngf, c->nz, r->n_samples,
                     (unsigned long long)r->seed, c->size, (unsigned long long)r->total);
    return n > 0 && (size_t)n < cap ? 0 : G99_EINVAL;
}

static int json_u64(const nn_json *doc, const char *key, uint64_t *v, const char *path, g99_error *err)
{
    if (nn_json_get_u64(nn_json_get(doc, key), v))
        return g99_fail(err, G99_EFORMAT, "%s: gan99.config has no integer \"%s\"", path, key);
    return 0;
}

static int json_float(const nn_json *doc, const char *key, float *v, const char *path, g99_error *err)
{
    const nn_json *j = nn_json_get(doc, key);
    if (!j || j->type != NN_JSON_NUMBER) return g99_fail(err, G99_EFORMAT, "%s: gan99.config has no \"%s\"", path, key);
    *v = (float)j->number;
    return 0;
}

/* The model and run settings of an existing checkpoint. */
static int read_settings(run *r, const char *path, gan_dcgan_config *cfg, g99_error *err)
{
    nn_st_file *f;
    nn_json *doc = NULL;
    const char *arch, *config;
    uint64_t batch = 0, samples = 0, steps = 0;
    int rc = nn_st_load(path, NN_ST_MAX_FILE, &f, err);
    if (rc) return rc;
    arch = nn_st_meta(f, "gan99.arch");
    config = nn_st_meta(f, "gan99.config");
    if (!arch || strcmp(arch, "dcgan-train") != 0)
        rc = g99_fail(err, G99_EFORMAT, "%s: not a DCGAN training checkpoint (gan99.arch is %s)", path,
                      arch ? arch : "missing");
    if (!rc && gan_dcgan_config_parse(config, cfg, err)) rc = g99_error_prefix(err, "%s", path);
    if (!rc && nn_json_parse(config, strlen(config), &doc, err)) rc = g99_error_prefix(err, "%s", path);
    if (!rc) rc = json_u64(doc, "batch", &batch, path, err);
    if (!rc) rc = json_u64(doc, "samples", &samples, path, err);
    if (!rc) rc = json_u64(doc, "steps", &steps, path, err);
    if (!rc) rc = json_u64(doc, "seed", &r->seed, path, err);
    if (!rc) rc = json_float(doc, "lr", &r->lr, path, err);
    if (!rc) rc = json_float(doc, "beta1", &r->beta1, path, err);
    if (!rc && (batch < 1 || batch > 1 << 16 || samples < 1 || samples > 1024))
        rc = g99_fail(err, G99_EFORMAT, "%s: gan99.config: batch %llu, samples %llu", path,
                      (unsigned long long)batch, (unsigned long long)samples);
    r->batch = (int)batch;
    r->n_samples = (int)samples;
    if (!r->o->steps && !r->o->epochs) r->total = steps;
    nn_json_free(doc);
    nn_st_free(f);
    return rc;
}

/* ---- outputs --------------------------------------------------------------- */

static int write_csv(run *r, uint64_t upto, g99_error *err)
{
    char *path = path_of(r->dir, "loss.csv"), line[256];
    g99_afile f;
    uint64_t s;
    int rc;
    if (!path) return g99_fail(err, G99_ENOMEM, "out of memory");
    rc = g99_afile_open(&f, path, err);
    if (!rc) rc = g99_afile_write(&f, "step,loss_d,loss_g,d_x,d_g_z1,d_g_z2\n", 37, err);
    for (s = 0; !rc && s < upto; s++) {
        const float *h = r->hist + s * 5;
        int n = snprintf(line, sizeof line, "%llu,%.9g,%.9g,%.9g,%.9g,%.9g\n", (unsigned long long)(s + 1),
                         (double)h[0], (double)h[1], (double)h[2], (double)h[3], (double)h[4]);
        rc = g99_afile_write(&f, line, (size_t)n, err);
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
        char line[512];
        size_t n = 0;
        unsigned long long s;
        float v[5];
        while (i < len && data[i] != '\n') {
            if (n < sizeof line - 1) line[n++] = (char)data[i];
            i++;
        }
        i++;
        line[n] = '\0';
        if (sscanf(line, "%llu,%g,%g,%g,%g,%g", &s, &v[0], &v[1], &v[2], &v[3], &v[4]) == 6 && s >= 1 && s <= upto)
            memcpy(r->hist + (s - 1) * 5, v, sizeof v);
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

static int sample_grid(run *r, uint64_t step, g99_error *err)
{
    int zs[4];
    nn_tensor *fake;
    img_image grid;
    char *path = NULL;
    int rc;
    zs[0] = r->n_samples; zs[1] = r->m.cfg.nz; zs[2] = zs[3] = 1;
    nn_ctx_reset(r->t.ctx);
    fake = gan_dcgan_generate(r->t.ctx, &r->m, nn_tensor_from(r->t.ctx, 4, zs, r->fixed), 1);
    if (!fake) {
        if (err) *err = *nn_ctx_error(r->t.ctx);
        return nn_ctx_error(r->t.ctx)->code;
    }
    rc = gan_sample_grid(fake->data, r->n_samples, r->m.cfg.nc, r->m.cfg.size, 1, &grid, err);
    if (!rc && step_png(r, step, &path)) rc = g99_fail(err, G99_ENOMEM, "out of memory");
    if (!rc) rc = img_png_save(path, &grid, err);
    if (!rc) keep_frame(r, &grid, step);
    img_free(&grid);
    free(path);
    return rc;
}

static int write_outputs(run *r, g99_error *err)
{
    uint64_t step = r->t.step;
    char *p_ck = path_of(r->dir, "checkpoint.safetensors"), *p_model = path_of(r->dir, "model.safetensors");
    char *p_gif = path_of(r->dir, "progress.gif"), *p_png = path_of(r->dir, "loss.png");
    char settings[512], model_cfg[256];
    float *dl = NULL, *gl = NULL;
    int rc = p_ck && p_model && p_gif && p_png ? 0 : g99_fail(err, G99_ENOMEM, "out of memory");
    if (!rc && step > 0) {
        const float *series[2];
        static const char *const names[2] = { "D", "G" };
        uint64_t s;
        dl = (float *)malloc(step * sizeof *dl);
        gl = (float *)malloc(step * sizeof *gl);
        if (!dl || !gl) rc = g99_fail(err, G99_ENOMEM, "out of memory");
        for (s = 0; !rc && s < step; s++) {
            dl[s] = r->hist[s * 5];
            gl[s] = r->hist[s * 5 + 1];
        }
        series[0] = dl;
        series[1] = gl;
        if (!rc) rc = gan_plot_losses(p_png, series, names, 2, (size_t)step, err);
    }
    if (!rc && r->n_frames > 0) {
        img_gif_params gp;
        img_gif_params_default(&gp);
        gp.delay_cs = 20;
        rc = img_gif_write(p_gif, r->frames, r->n_frames, &gp, err);
    }
    if (!rc) rc = gan_dcgan_config_json(&r->m.cfg, model_cfg, sizeof model_cfg);
    if (!rc) rc = nn_checkpoint_save(p_model, &r->m.g, "dcgan", model_cfg, NULL, err);
    if (!rc) rc = write_csv(r, step, err);
    if (!rc) rc = settings_json(r, settings, sizeof settings);
    if (!rc) rc = gan_dcgan_trainer_save(&r->t, p_ck, settings, NULL, 0, err);
    free(dl);
    free(gl);
    free(p_ck);
    free(p_model);
    free(p_gif);
    free(p_png);
    return rc;
}

/* ---- the run ----------------------------------------------------------------- */

static int setup(run *r, g99_error *err)
{
    const gan_train_opts *o = r->o;
    gan_dcgan_config cfg = o->model;
    gan_dataset_opts dopts;
    char *p_ck = path_of(o->out, "checkpoint.safetensors");
    nn_rng init;
    uint64_t k;
    int rc = 0;
    if (!p_ck) return g99_fail(err, G99_ENOMEM, "out of memory");
    r->batch = o->batch ? o->batch : 64;
    r->n_samples = o->n_samples ? o->n_samples : 64;
    r->seed = o->seed;
    if (!cfg.size) cfg.size = 64;
    gan_dcgan_train_defaults(cfg.size, &r->lr, &r->beta1);
    if (o->lr > 0) r->lr = o->lr;
    if (o->resume) {
        if (!file_exists(p_ck)) rc = g99_fail(err, G99_EINVAL, "%s: no checkpoint to resume from", p_ck);
        if (!rc) rc = read_settings(r, p_ck, &cfg, err);
    } else if (file_exists(p_ck)) {
        rc = g99_fail(err, G99_EINVAL, "%s: the run folder holds a checkpoint already (--resume continues it)", p_ck);
    }
    if (!rc && (r->n_samples < 1 || r->n_samples > 1024))
        rc = g99_fail(err, G99_EINVAL, "%d samples in the grid (1..1024)", r->n_samples);
    if (!rc) rc = gan_dcgan_init(&r->m, &cfg, err);
    if (!rc) {
        nn_rng_init(&init, r->seed, NN_STREAM_INIT);
        gan_dcgan_weights_init(&r->m, &init);
        rc = gan_dcgan_trainer_init(&r->t, &r->m, r->batch, r->lr, r->beta1, r->seed, err);
    }
    if (!rc && o->resume) rc = gan_dcgan_trainer_load(&r->t, p_ck, NULL, 0, err);
    free(p_ck);
    if (rc) return rc;
    memset(&dopts, 0, sizeof dopts);
    dopts.size = cfg.size;
    dopts.channels = cfg.nc;
    dopts.warn = o->warn;
    dopts.user = o->user;
    if ((rc = gan_dataset_load(o->data, &dopts, &r->ds, err)) != 0) return rc;
    if (r->ds.n < r->batch)
        return g99_fail(err, G99_EINVAL, "%s: %d usable images, fewer than the batch of %d", o->data, r->ds.n,
                        r->batch);
    r->spe = (uint64_t)(r->ds.n / r->batch);
    if (o->steps) r->total = o->steps;
    else if (o->epochs) r->total = o->epochs * r->spe;
    if (r->total == 0 || r->total > (uint64_t)1 << 32)
        return g99_fail(err, G99_EINVAL, "%llu training steps (give --steps or --epochs)", (unsigned long long)r->total);
    if (r->t.step > r->total)
        return g99_fail(err, G99_EINVAL, "the checkpoint is at step %llu, past the %llu asked for",
                        (unsigned long long)r->t.step, (unsigned long long)r->total);
    r->sample_every = o->sample_every ? o->sample_every : (r->total + 49) / 50;
    r->checkpoint_every = o->checkpoint_every ? o->checkpoint_every : 500;
    /* buffers: everything the loop needs, allocated once */
    r->hist = (float *)malloc((size_t)r->total * 5 * sizeof(float));
    r->fixed = (float *)malloc((size_t)r->n_samples * cfg.nz * sizeof(float));
    r->real = (float *)malloc((size_t)r->batch * cfg.nc * cfg.size * cfg.size * sizeof(float));
    r->order = (uint32_t *)malloc((size_t)r->ds.n * sizeof(uint32_t));
    r->cap_frames = MAX_GIF_FRAMES;
    r->frames = (img_image *)calloc((size_t)r->cap_frames + 1, sizeof *r->frames);
    r->frame_steps = (uint64_t *)calloc((size_t)r->cap_frames + 1, sizeof *r->frame_steps);
    if (!r->hist || !r->fixed || !r->real || !r->order || !r->frames || !r->frame_steps)
        return g99_fail(err, G99_ENOMEM, "out of memory");
    for (k = 0; k < r->total * 5; k++) r->hist[k] = g99_bits_f32(0x7FC00000u);   /* NaN: no value yet */
    gan_latent_normal(r->seed, r->n_samples * cfg.nz, r->fixed);
    r->order_epoch = (uint64_t)-1;
    if ((rc = g99_mkdir(o->out, err)) != 0) return rc;
    {
        char *s = path_of(o->out, "samples");
        rc = s ? g99_mkdir(s, err) : g99_fail(err, G99_ENOMEM, "out of memory");
        free(s);
    }
    if (rc || !o->resume) return rc;
    /* a resumed run gets its history back */
    read_csv(r, r->t.step);
    for (k = r->sample_every; k <= r->t.step; k += r->sample_every) {
        char *path = NULL;
        img_image img;
        if (step_png(r, k, &path)) return g99_fail(err, G99_ENOMEM, "out of memory");
        if (img_png_load(path, NULL, &img, NULL) == 0) keep_frame(r, &img, k);
        free(path);
    }
    return 0;
}

int gan_train_dcgan(const gan_train_opts *o, gan_train_result *res, g99_error *err)
{
    run r;
    int rc, stop = 0, i;
    memset(&r, 0, sizeof r);
    r.o = o;
    r.dir = o->out;
    if (res) memset(res, 0, sizeof *res);
    rc = setup(&r, err);
    if (!rc && res) {
        res->n_images = r.ds.n;
        res->skipped = r.ds.skipped;
        res->total = r.total;
        res->start = r.t.step;
    }
    while (!rc && !stop && r.t.step < r.total) {
        uint64_t s = r.t.step, epoch = s / r.spe;
        gan_dcgan_losses l;
        gan_train_progress p;
        if (epoch != r.order_epoch) {
            gan_dataset_epoch_order(&r.ds, r.seed, epoch, r.order);
            r.order_epoch = epoch;
        }
        gan_dataset_batch(&r.ds, r.order + (s % r.spe) * (uint64_t)r.batch, r.batch, r.real);
        rc = gan_dcgan_train_step(&r.t, r.real, &l, err);
        if (rc) break;
        r.hist[s * 5 + 0] = l.d_real + l.d_fake;
        r.hist[s * 5 + 1] = l.g;
        r.hist[s * 5 + 2] = l.d_x;
        r.hist[s * 5 + 3] = l.d_g_z1;
        r.hist[s * 5 + 4] = l.d_g_z2;
        if (r.t.step % r.sample_every == 0 || r.t.step == r.total) rc = sample_grid(&r, r.t.step, err);
        memset(&p, 0, sizeof p);
        p.step = r.t.step;
        p.total = r.total;
        p.losses = l;
        if (!rc && o->progress) stop = o->progress(o->user, &p);
        if (!rc && (stop || r.t.step % r.checkpoint_every == 0 || r.t.step == r.total)) rc = write_outputs(&r, err);
    }
    if (res) {
        res->step = r.t.step;
        res->stopped = stop;
    }
    for (i = 0; i < r.n_frames; i++) img_free(&r.frames[i]);
    free(r.frames);
    free(r.frame_steps);
    free(r.hist);
    free(r.fixed);
    free(r.real);
    free(r.order);
    gan_dataset_free(&r.ds);
    gan_dcgan_trainer_free(&r.t);
    gan_dcgan_free(&r.m);
    return rc;
}
