/* nn core: model files and training checkpoints as safetensors (doc/design.md
 * §5.1), through the writer and reader of nn/safetensors.c.
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
 * Several tables can share one file (nn_checkpoint_save_parts: a GAN's G
 * and D with both optimizers), each under its key prefix ("G.", "D.").
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

static int add_state(nn_st_writer *w, const char *prefix, const char *key, const nn_tensor *t, const float *data,
                     g99_error *err)
{
    size_t shape[NN_MAX_DIMS];
    char *name = key_join(prefix, key);
    int rc;
    if (!name) return g99_fail(err, G99_ENOMEM, "out of memory");
    shape_of(t, shape);
    rc = nn_st_writer_f32(w, name, shape, t->ndim, data, err);
    free(name);
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

static int check_parts(const nn_checkpoint_part *parts, int n_parts, g99_error *err)
{
    int k;
    if (!parts || n_parts < 1) return g99_fail(err, G99_EINVAL, "no parameters");
    for (k = 0; k < n_parts; k++) {
        const nn_checkpoint_part *q = &parts[k];
        if (!q->p || !q->p->data) return g99_fail(err, G99_EINVAL, "parameters not allocated");
        if ((q->adam && q->adam->n != q->p->n_train) || (q->sgd && q->sgd->n != q->p->n_train))
            return g99_fail(err, G99_EINVAL, "the optimizer was made for other parameters");
    }
    return 0;
}

/* "optim." prefix "step": "optim.step" for a table without prefix. */
static char *step_key(const char *prefix)
{
    char *a = key_join("optim.", prefix), *b = a ? key_join(a, "step") : NULL;
    free(a);
    return b;
}

/* The writer's messages name the tensor; the path goes in front. */
static int save_to(const char *path, const nn_checkpoint_part *parts, int n_parts, const char *arch,
                   const char *config, const nn_train_state *ts, g99_error *err)
{
    nn_st_writer *w = NULL;
    int64_t *counts = NULL, *steps = NULL;
    nn_json_buf rngs = { 0 }, step_text = { 0 };
    size_t i, n_all = 0, c = 0, shape[NN_MAX_DIMS];
    int k, rc;
    if (check_parts(parts, n_parts, err)) return err ? err->code : G99_EINVAL;
    if (config && check_config(config, err)) return err->code;
    for (k = 0; k < n_parts; k++) n_all += parts[k].p->n;
    counts = (int64_t *)calloc(n_all + 1, sizeof *counts);
    steps = (int64_t *)calloc((size_t)n_parts, sizeof *steps);
    rc = counts && steps ? nn_st_writer_new(&w, err) : g99_fail(err, G99_ENOMEM, "out of memory");
    if (!rc && arch) rc = nn_st_writer_meta(w, "gan99.arch", arch, err);
    if (!rc && config) rc = nn_st_writer_meta(w, "gan99.config", config, err);
    if (!rc) rc = nn_st_writer_meta(w, "gan99.version", GAN99_VERSION, err);
    for (k = 0; !rc && k < n_parts; k++) {
        const nn_checkpoint_part *q = &parts[k];
        const nn_params *p = q->p;
        const char *prefix = q->prefix ? q->prefix : "";
        for (i = 0; !rc && i < p->n; i++, c++) {
            const nn_tensor *t = p->t[i];
            char *key = key_join(prefix, t->name);
            if (!key) {
                rc = g99_fail(err, G99_ENOMEM, "out of memory");
                break;
            }
            shape_of(t, shape);
            if (p->kind[i] == NN_COUNTER) {
                float v = t->data[0];
                if (t->numel != 1 || !(v >= 0.0f && v <= COUNTER_MAX) || v != (float)(int64_t)v) {
                    rc = g99_fail(err, G99_EINVAL, "counter \"%.100s\" holds %g, not a count", key, v);
                } else {
                    counts[c] = (int64_t)v;
                    rc = nn_st_writer_i64(w, key, shape, t->ndim, &counts[c], err);
                }
            } else {
                rc = nn_st_writer_f32(w, key, shape, t->ndim, t->data, err);
            }
            if (!rc && p->kind[i] == NN_PARAM) {
                size_t off = slab_offset(p, t);
                if (q->adam) {
                    rc = add_state(w, adam_keys[0], key, t, q->adam->m + off, err);
                    if (!rc) rc = add_state(w, adam_keys[1], key, t, q->adam->v + off, err);
                }
                if (!rc && q->sgd) rc = add_state(w, sgd_key, key, t, q->sgd->buf + off, err);
            }
            free(key);
        }
        if (!rc && (q->adam || q->sgd)) {
            char *key = step_key(prefix);
            steps[k] = q->adam ? (int64_t)q->adam->step : (int64_t)q->sgd->step;
            rc = key ? nn_st_writer_i64(w, key, NULL, 0, &steps[k], err) : g99_fail(err, G99_ENOMEM, "out of memory");
            free(key);
        }
    }
    if (!rc && ts) {
        if (nn_json_buf_append_u64(&step_text, ts->step) || rng_json(ts, &rngs))
            rc = g99_fail(err, G99_ENOMEM, "out of memory");
        if (!rc) rc = nn_st_writer_meta(w, "gan99.step", step_text.data, err);
        if (!rc) rc = nn_st_writer_meta(w, "gan99.rng", rngs.data, err);
    }
    if (!rc) rc = nn_st_writer_save(w, path, err);
    nn_st_writer_free(w);
    nn_json_buf_free(&rngs);
    nn_json_buf_free(&step_text);
    free(counts);
    free(steps);
    return rc;
}

int nn_checkpoint_save_parts(const char *path, const nn_checkpoint_part *parts, int n_parts, const char *arch,
                             const char *config, const nn_train_state *ts, g99_error *err)
{
    g99_error local;
    int rc;
    g99_error_clear(&local);
    rc = save_to(path, parts, n_parts, arch, config, ts, &local);
    /* the writer's own save names the path already */
    if (rc && strncmp(local.msg, path, strlen(path)) != 0) g99_error_prefix(&local, "%s", path);
    if (rc && err) *err = local;
    return rc;
}

int nn_checkpoint_save(const char *path, const nn_params *p, const char *arch, const char *config,
                       const nn_train_state *ts, g99_error *err)
{
    nn_checkpoint_part part;
    part.prefix = "";
    part.p = (nn_params *)p;
    part.adam = ts ? ts->adam : NULL;
    part.sgd = ts ? ts->sgd : NULL;
    return nn_checkpoint_save_parts(path, &part, 1, arch, config, ts, err);
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

/* One entry of the flattened tables: its full key and where its values go. */
typedef struct load_entry {
    char *key;                      /* prefix + state_dict key (malloc'd) */
    nn_tensor *t;
    int kind;
    const nn_checkpoint_part *part;
    const nn_st_tensor *src[3];     /* the file's tensor, then its optimizer states */
} load_entry;

static int load_parts(const char *path, const nn_st_file *f, const nn_checkpoint_part *parts, int n_parts,
                      nn_train_state *ts, load_entry *e, size_t n_all, const nn_st_tensor **steps,
                      int64_t *step_values, g99_error *err)
{
    size_t i, c = 0;
    int k, any_optim = 0, rc = 0;
    for (k = 0; k < n_parts; k++) any_optim |= parts[k].adam || parts[k].sgd;
    for (k = 0; !rc && k < n_parts; k++) {
        const nn_checkpoint_part *q = &parts[k];
        const char *prefix = q->prefix ? q->prefix : "";
        int nstate = (q->adam ? 2 : 0) + (q->sgd ? 1 : 0);
        for (i = 0; !rc && i < q->p->n; i++, c++) {
            load_entry *en = &e[c];
            int s;
            en->t = q->p->t[i];
            en->kind = q->p->kind[i];
            en->part = q;
            en->key = key_join(prefix, en->t->name);
            if (!en->key) return g99_fail(err, G99_ENOMEM, "out of memory");
            rc = expect(f, path, en->key, en->t, en->kind == NN_COUNTER ? NN_ST_I64 : NN_ST_F32, &en->src[0], err);
            if (!rc && en->kind == NN_COUNTER) {
                int64_t v = read_i64(en->src[0]);
                if (v < 0 || v > (int64_t)COUNTER_MAX)
                    rc = g99_fail(err, G99_EFORMAT, "%s: counter \"%.100s\" is %ld, outside 0..2^24", path, en->key,
                                  (long)v);
            }
            for (s = 0; !rc && s < nstate && en->kind == NN_PARAM; s++) {
                const char *sp = q->adam ? (s < 2 ? adam_keys[s] : sgd_key) : sgd_key;
                char *key = key_join(sp, en->key);
                if (!key) return g99_fail(err, G99_ENOMEM, "out of memory");
                rc = expect(f, path, key, en->t, NN_ST_F32, &en->src[1 + s], err);
                free(key);
            }
        }
        if (!rc && nstate) {
            char *key = step_key(prefix);
            const nn_st_tensor *st;
            if (!key) return g99_fail(err, G99_ENOMEM, "out of memory");
            st = steps[k] = nn_st_find(f, key);
            if (!st || st->dtype != NN_ST_I64 || st->rank != 0)
                rc = g99_fail(err, G99_EFORMAT, "%s: tensor \"%.100s\" is missing or not an I64 scalar", path, key);
            else if ((step_values[k] = read_i64(st)) < 0 || (uint64_t)step_values[k] > STEP_MAX)
                rc = g99_fail(err, G99_EFORMAT, "%s: %.100s is %ld", path, key, (long)step_values[k]);
            free(key);
        }
    }
    /* strict: every other tensor must be known (optim.* when no state asked) */
    for (i = 0; !rc && i < f->n_tensors; i++) {
        const nn_st_tensor *ft = &f->tensors[i];
        size_t j;
        int s, found = 0;
        if (!any_optim && strncmp(ft->name, "optim.", 6) == 0) continue;
        for (j = 0; j < n_all && !found; j++)
            for (s = 0; s < 3; s++) found |= e[j].src[s] == ft;
        for (k = 0; k < n_parts && !found; k++) found = steps[k] == ft;
        if (!found) rc = g99_fail(err, G99_EFORMAT, "%s: tensor \"%.100s\" is not in the model", path, ft->name);
    }
    if (!rc && ts) rc = load_train_meta(f, path, ts, 0, err);
    return rc;
}

int nn_checkpoint_load_parts(const char *path, const nn_checkpoint_part *parts, int n_parts, nn_train_state *ts,
                             g99_error *err)
{
    nn_st_file *f;
    load_entry *e = NULL;
    const nn_st_tensor **steps = NULL;
    int64_t *step_values = NULL;
    size_t i, n_all = 0;
    int k, rc;
    if (check_parts(parts, n_parts, err)) return g99_error_prefix(err, "%s", path);
    for (k = 0; k < n_parts; k++) n_all += parts[k].p->n;
    rc = nn_st_load(path, NN_ST_MAX_FILE, &f, err);
    if (rc) return rc;
    e = (load_entry *)calloc(n_all + 1, sizeof *e);
    steps = (const nn_st_tensor **)calloc((size_t)n_parts, sizeof *steps);
    step_values = (int64_t *)calloc((size_t)n_parts, sizeof *step_values);
    rc = e && steps && step_values ? load_parts(path, f, parts, n_parts, ts, e, n_all, steps, step_values, err)
                                   : g99_fail(err, G99_ENOMEM, "out of memory");
    /* everything checked: copy */
    if (!rc && ts) load_train_meta(f, path, ts, 1, err);
    for (i = 0; !rc && i < n_all; i++) {
        load_entry *en = &e[i];
        const nn_checkpoint_part *q = en->part;
        size_t off = slab_offset(q->p, en->t);
        int s, nstate = (q->adam ? 2 : 0) + (q->sgd ? 1 : 0);
        if (en->kind == NN_COUNTER) {
            en->t->data[0] = (float)read_i64(en->src[0]);
            continue;
        }
        rc = nn_st_read_f32(en->src[0], en->t->data, en->t->numel, err);
        for (s = 0; !rc && s < nstate && en->kind == NN_PARAM; s++) {
            float *dst = q->adam ? (s == 0 ? q->adam->m : s == 1 ? q->adam->v : q->sgd->buf) : q->sgd->buf;
            rc = nn_st_read_f32(en->src[1 + s], dst + off, en->t->numel, err);
        }
    }
    for (k = 0; !rc && k < n_parts; k++) {
        const nn_checkpoint_part *q = &parts[k];
        if (q->adam) {
            int64_t j;
            q->adam->step = (long)step_values[k];
            q->adam->beta1_t = q->adam->beta2_t = 1.0;
            for (j = 0; j < step_values[k] && (q->adam->beta1_t != 0.0 || q->adam->beta2_t != 0.0); j++) {
                q->adam->beta1_t *= q->adam->beta1;
                q->adam->beta2_t *= q->adam->beta2;
            }
        }
        if (q->sgd) q->sgd->step = (long)step_values[k];
    }
    for (i = 0; e && i < n_all; i++) free(e[i].key);
    free(e);
    free(steps);
    free(step_values);
    nn_st_free(f);
    return rc;
}

int nn_checkpoint_load(const char *path, nn_params *p, nn_train_state *ts, g99_error *err)
{
    nn_checkpoint_part part;
    part.prefix = "";
    part.p = p;
    part.adam = ts ? ts->adam : NULL;
    part.sgd = ts ? ts->sgd : NULL;
    return nn_checkpoint_load_parts(path, &part, 1, ts, err);
}
