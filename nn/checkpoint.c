/* nn core: model files and training checkpoints as safetensors (SPEC.md
 * §5), through the writer and reader of nn/safetensors.c.
 *
 * A model file is the parameter table with its state_dict key names, so
 * PyTorch's load_state_dict takes it as it stands and gan99 loads what
 * PyTorch's state_dict() holds (written as safetensors):
 *   main.0.weight ...              F32, the parameters and buffers
 *   main.1.num_batches_tracked     I64 scalar, as PyTorch stores it (NN_COUNTER)
 *   __metadata__ gan99.arch, gan99.config (a JSON object), gan99.version
 * A training checkpoint adds what a bit-identical resume needs:
 *   optim.exp_avg.<key>, optim.exp_avg_sq.<key>   Adam's moments (PyTorch's
 *   optim.momentum_buffer.<key>                   names) or SGD's buffer,
 *   optim.step                                    I64 scalar, the optimizer's t
 *   __metadata__ gan99.step       the training loop's step, decimal
 *                gan99.rng        [[seed, stream, pos], ...] (JSON integers),
 *                                 the state of each generator (nn/prng.c)
 * Adam's bias-correction products beta^t are recomputed on load by the same
 * repeated multiplication the optimizer does, so they match bit for bit.
 *
 * Loading checks everything before it changes anything: every key of the
 * model is present with the same shape and dtype, the file has no key the
 * model does not know (PyTorch's strict load; optim.* is skipped when no
 * training state is asked for), and each error names the key. */
#include "tensor_internal.h"

#include <stdio.h>
#include <stdlib.h>

#define COUNTER_MAX 16777216.0f   /* 2^24: counters above are not exact in a float */
#define STEP_MAX 4294967296u      /* optimizer steps a file may claim (beta^t is a loop) */

static const char *const adam_keys[2] = { "optim.exp_avg.", "optim.exp_avg_sq." };
static const char *const sgd_key = "optim.momentum_buffer.";

static char *key_join(const char *prefix, const char *name)
{
    size_t a = strlen(prefix), b = strlen(name);
    char *s = (char *)malloc(a + b + 1);
    if (s) {
        memcpy(s, prefix, a);
        memcpy(s + a, name, b + 1);
    }
    return s;
}

static void shape_of(const nn_tensor *t, size_t *shape)
{
    int i;
    for (i = 0; i < t->ndim; i++) shape[i] = (size_t)t->shape[i];
}

/* The optimizer state of trainable tensor t: its place in the slab. */
static size_t slab_offset(const nn_params *p, const nn_tensor *t)
{
    return (size_t)(t->data - p->data);
}

static int add_state(nn_st_writer *w, const char *prefix, const nn_tensor *t, const float *data, g99_error *err)
{
    size_t shape[NN_MAX_DIMS];
    char *key = key_join(prefix, t->name);
    int rc;
    if (!key) return g99_fail(err, G99_ENOMEM, "out of memory");
    shape_of(t, shape);
    rc = nn_st_writer_f32(w, key, shape, t->ndim, data, err);
    free(key);
    return rc;
}

static int rng_json(const nn_train_state *ts, nn_json_buf *b)
{
    int i, rc = nn_json_buf_append(b, "[", 1);
    for (i = 0; i < ts->n_rng; i++) {
        const nn_rng *r = &ts->rng[i];
        rc |= nn_json_buf_append(b, i ? ",[" : "[", i ? 2 : 1);
        rc |= nn_json_buf_append_u64(b, r->seed);
        rc |= nn_json_buf_append(b, ",", 1);
        rc |= nn_json_buf_append_u64(b, r->stream);
        rc |= nn_json_buf_append(b, ",", 1);
        rc |= nn_json_buf_append_u64(b, r->pos);
        rc |= nn_json_buf_append(b, "]", 1);
    }
    rc |= nn_json_buf_append(b, "]", 1);
    return rc;
}

static int check_config(const char *config, g99_error *err)
{
    nn_json *doc;
    int rc;
    if (nn_json_parse(config, strlen(config), &doc, err)) return g99_error_prefix(err, "gan99.config");
    rc = doc->type == NN_JSON_OBJECT ? 0 : g99_fail(err, G99_EINVAL, "gan99.config: not a JSON object");
    nn_json_free(doc);
    return rc;
}

/* The writer's messages name the tensor; the path goes in front. */
static int save_to(const char *path, const nn_params *p, const char *arch, const char *config,
                   const nn_train_state *ts, g99_error *err)
{
    nn_st_writer *w = NULL;
    int64_t *counts = NULL, step_i64 = 0;
    nn_json_buf rngs = { 0 }, step_text = { 0 };
    size_t i, shape[NN_MAX_DIMS];
    int rc;
    if (!p || !p->data) return g99_fail(err, G99_EINVAL, "parameters not allocated");
    if (config && check_config(config, err)) return err->code;
    if (ts && ((ts->adam && ts->adam->n != p->n_train) || (ts->sgd && ts->sgd->n != p->n_train)))
        return g99_fail(err, G99_EINVAL, "the optimizer was made for other parameters");
    counts = (int64_t *)calloc(p->n ? p->n : 1, sizeof *counts);
    rc = counts ? nn_st_writer_new(&w, err) : g99_fail(err, G99_ENOMEM, "out of memory");
    if (!rc && arch) rc = nn_st_writer_meta(w, "gan99.arch", arch, err);
    if (!rc && config) rc = nn_st_writer_meta(w, "gan99.config", config, err);
    if (!rc) rc = nn_st_writer_meta(w, "gan99.version", GAN99_VERSION, err);
    for (i = 0; !rc && i < p->n; i++) {
        const nn_tensor *t = p->t[i];
        shape_of(t, shape);
        if (p->kind[i] == NN_COUNTER) {
            float v = t->data[0];
            if (t->numel != 1 || !(v >= 0.0f && v <= COUNTER_MAX) || v != (float)(int64_t)v) {
                rc = g99_fail(err, G99_EINVAL, "counter \"%.100s\" holds %g, not a count", t->name, v);
                break;
            }
            counts[i] = (int64_t)v;
            rc = nn_st_writer_i64(w, t->name, shape, t->ndim, &counts[i], err);
        } else {
            rc = nn_st_writer_f32(w, t->name, shape, t->ndim, t->data, err);
        }
        if (!rc && ts && p->kind[i] == NN_PARAM) {
            size_t off = slab_offset(p, t);
            if (ts->adam) {
                rc = add_state(w, adam_keys[0], t, ts->adam->m + off, err);
                if (!rc) rc = add_state(w, adam_keys[1], t, ts->adam->v + off, err);
            }
            if (!rc && ts->sgd) rc = add_state(w, sgd_key, t, ts->sgd->buf + off, err);
        }
    }
    if (!rc && ts) {
        if (ts->adam || ts->sgd) {
            step_i64 = ts->adam ? (int64_t)ts->adam->step : (int64_t)ts->sgd->step;
            rc = nn_st_writer_i64(w, "optim.step", NULL, 0, &step_i64, err);
        }
        if (!rc && (nn_json_buf_append_u64(&step_text, ts->step) || rng_json(ts, &rngs)))
            rc = g99_fail(err, G99_ENOMEM, "out of memory");
        if (!rc) rc = nn_st_writer_meta(w, "gan99.step", step_text.data, err);
        if (!rc) rc = nn_st_writer_meta(w, "gan99.rng", rngs.data, err);
    }
    if (!rc) rc = nn_st_writer_save(w, path, err);
    nn_st_writer_free(w);
    nn_json_buf_free(&rngs);
    nn_json_buf_free(&step_text);
    free(counts);
    return rc;
}

int nn_checkpoint_save(const char *path, const nn_params *p, const char *arch, const char *config,
                       const nn_train_state *ts, g99_error *err)
{
    g99_error local;
    int rc;
    g99_error_clear(&local);
    rc = save_to(path, p, arch, config, ts, &local);
    /* the writer's own save names the path already */
    if (rc && strncmp(local.msg, path, strlen(path)) != 0) g99_error_prefix(&local, "%s", path);
    if (rc && err) *err = local;
    return rc;
}

/* ---- loading ----------------------------------------------------------------- */

static const char *shape_text(const size_t *shape, int rank, char *buf)
{
    int i, n = 0;
    buf[n++] = '[';
    for (i = 0; i < rank; i++) n += sprintf(buf + n, i ? ",%lu" : "%lu", (unsigned long)shape[i]);
    buf[n++] = ']';
    buf[n] = '\0';
    return buf;
}

/* *out = the file's tensor for key, checked against t's shape and the dtype. */
static int expect(const nn_st_file *f, const char *path, const char *key, const nn_tensor *t, nn_st_dtype dtype,
                  const nn_st_tensor **out, g99_error *err)
{
    const nn_st_tensor *s = nn_st_find(f, key);
    size_t shape[NN_MAX_DIMS];
    char s1[96], s2[96];
    int i, same;
    if (!s) return g99_fail(err, G99_EFORMAT, "%s: tensor \"%.100s\" is missing", path, key);
    if (s->dtype != dtype)
        return g99_fail(err, G99_EFORMAT, "%s: tensor \"%.100s\" is %s, the model wants %s", path, key,
                        nn_st_dtype_name(s->dtype), nn_st_dtype_name(dtype));
    shape_of(t, shape);
    same = s->rank == t->ndim;
    for (i = 0; same && i < t->ndim; i++) same = s->shape[i] == shape[i];
    if (!same)
        return g99_fail(err, G99_EFORMAT, "%s: tensor \"%.100s\" has shape %s in the file, %s in the model", path,
                        key, shape_text(s->shape, s->rank, s1), shape_text(shape, t->ndim, s2));
    *out = s;
    return 0;
}

static int64_t read_i64(const nn_st_tensor *s)
{
    return (int64_t)g99_load_le64(s->data);
}

/* Checks gan99.step and gan99.rng (n_rng entries); with apply, also sets
 * ts->step and the generators. */
static int load_train_meta(const nn_st_file *f, const char *path, nn_train_state *ts, int apply, g99_error *err)
{
    const char *step = nn_st_meta(f, "gan99.step"), *rngs = nn_st_meta(f, "gan99.rng");
    nn_json *doc = NULL, *sdoc = NULL;
    uint64_t v[3], steps;
    int i, j, rc = 0;
    if (!step || !rngs) return g99_fail(err, G99_EFORMAT, "%s: no training state (gan99.step, gan99.rng)", path);
    if (nn_json_parse(step, strlen(step), &sdoc, err) || nn_json_get_u64(sdoc, &steps)) {
        nn_json_free(sdoc);
        return g99_fail(err, G99_EFORMAT, "%s: gan99.step is not a count", path);
    }
    nn_json_free(sdoc);
    if (apply) ts->step = steps;
    if (nn_json_parse(rngs, strlen(rngs), &doc, err)) return g99_fail(err, G99_EFORMAT, "%s: gan99.rng is not JSON", path);
    if (doc->type != NN_JSON_ARRAY || doc->len != (size_t)ts->n_rng)
        rc = g99_fail(err, G99_EFORMAT, "%s: gan99.rng holds %lu generators, the caller has %d", path,
                      (unsigned long)(doc->type == NN_JSON_ARRAY ? doc->len : 0), ts->n_rng);
    for (i = 0; !rc && i < ts->n_rng; i++) {
        const nn_json *e = nn_json_at(doc, (size_t)i);
        if (e->type != NN_JSON_ARRAY || e->len != 3) {
            rc = g99_fail(err, G99_EFORMAT, "%s: gan99.rng[%d] is not [seed, stream, pos]", path, i);
            break;
        }
        for (j = 0; !rc && j < 3; j++)
            if (nn_json_get_u64(nn_json_at(e, (size_t)j), &v[j]))
                rc = g99_fail(err, G99_EFORMAT, "%s: gan99.rng[%d][%d] is not a u64", path, i, j);
        if (!rc && apply) {
            nn_rng_init(&ts->rng[i], v[0], v[1]);
            nn_rng_seek(&ts->rng[i], v[2]);
        }
    }
    nn_json_free(doc);
    return rc;
}

int nn_checkpoint_load(const char *path, nn_params *p, nn_train_state *ts, g99_error *err)
{
    nn_st_file *f;
    const nn_st_tensor **src = NULL;
    const nn_st_tensor *optim_step = NULL;
    size_t i, nstate = ts ? (ts->adam ? 2 : 0) + (ts->sgd ? 1 : 0) : 0;
    int64_t step = 0;
    int rc;
    if (!p || !p->data) return g99_fail(err, G99_EINVAL, "%s: parameters not allocated", path);
    if (ts && ((ts->adam && ts->adam->n != p->n_train) || (ts->sgd && ts->sgd->n != p->n_train)))
        return g99_fail(err, G99_EINVAL, "%s: the optimizer was made for other parameters", path);
    rc = nn_st_load(path, NN_ST_MAX_FILE, &f, err);
    if (rc) return rc;
    /* src[i * (1 + nstate) + s]: the file's tensor for entry i (s = 0) and
     * its optimizer states (s = 1 ..) */
    src = (const nn_st_tensor **)calloc(p->n * (1 + nstate) + 1, sizeof *src);
    if (!src) rc = g99_fail(err, G99_ENOMEM, "out of memory");
    for (i = 0; !rc && i < p->n; i++) {
        const nn_tensor *t = p->t[i];
        const nn_st_tensor **row = src + i * (1 + nstate);
        size_t s;
        rc = expect(f, path, t->name, t, p->kind[i] == NN_COUNTER ? NN_ST_I64 : NN_ST_F32, &row[0], err);
        if (!rc && p->kind[i] == NN_COUNTER) {
            int64_t v = read_i64(row[0]);
            if (v < 0 || v > (int64_t)COUNTER_MAX)
                rc = g99_fail(err, G99_EFORMAT, "%s: counter \"%.100s\" is %ld, outside 0..2^24", path, t->name,
                              (long)v);
        }
        for (s = 0; !rc && s < nstate && p->kind[i] == NN_PARAM; s++) {
            const char *prefix = ts->adam ? (s < 2 ? adam_keys[s] : sgd_key) : sgd_key;
            char *key = key_join(prefix, t->name);
            if (!key) {
                rc = g99_fail(err, G99_ENOMEM, "out of memory");
                break;
            }
            rc = expect(f, path, key, t, NN_ST_F32, &row[1 + s], err);
            free(key);
        }
    }
    if (!rc && nstate) {
        optim_step = nn_st_find(f, "optim.step");
        if (!optim_step || optim_step->dtype != NN_ST_I64 || optim_step->rank != 0)
            rc = g99_fail(err, G99_EFORMAT, "%s: tensor \"optim.step\" is missing or not an I64 scalar", path);
        else if ((step = read_i64(optim_step)) < 0 || (uint64_t)step > STEP_MAX)
            rc = g99_fail(err, G99_EFORMAT, "%s: optim.step is %ld", path, (long)step);
    }
    /* strict: every other tensor must be known (optim.* when no state asked) */
    for (i = 0; !rc && i < f->n_tensors; i++) {
        const char *name = f->tensors[i].name;
        size_t j, found = 0;
        if (!nstate && strncmp(name, "optim.", 6) == 0) continue;
        for (j = 0; j < p->n * (1 + nstate) && !found; j++) found = src[j] && src[j] == &f->tensors[i];
        if (!found && !(optim_step && optim_step == &f->tensors[i]))
            rc = g99_fail(err, G99_EFORMAT, "%s: tensor \"%.100s\" is not in the model", path, name);
    }
    if (!rc && ts) rc = load_train_meta(f, path, ts, 0, err);
    if (!rc && ts) load_train_meta(f, path, ts, 1, err);
    /* everything checked: copy */
    for (i = 0; !rc && i < p->n; i++) {
        nn_tensor *t = p->t[i];
        const nn_st_tensor **row = src + i * (1 + nstate);
        size_t off = slab_offset(p, t), s;
        if (p->kind[i] == NN_COUNTER) {
            t->data[0] = (float)read_i64(row[0]);
            continue;
        }
        rc = nn_st_read_f32(row[0], t->data, t->numel, err);
        for (s = 0; !rc && s < nstate && p->kind[i] == NN_PARAM; s++) {
            float *dst = ts->adam ? (s == 0 ? ts->adam->m : s == 1 ? ts->adam->v : ts->sgd->buf) : ts->sgd->buf;
            rc = nn_st_read_f32(row[1 + s], dst + off, t->numel, err);
        }
    }
    if (!rc && ts && ts->adam) {
        int64_t k;
        ts->adam->step = (long)step;
        ts->adam->beta1_t = ts->adam->beta2_t = 1.0;
        for (k = 0; k < step && (ts->adam->beta1_t != 0.0 || ts->adam->beta2_t != 0.0); k++) {
            ts->adam->beta1_t *= ts->adam->beta1;
            ts->adam->beta2_t *= ts->adam->beta2;
        }
    }
    if (!rc && ts && ts->sgd) ts->sgd->step = (long)step;
    free(src);
    nn_st_free(f);
    return rc;
}
