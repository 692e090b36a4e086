/* gan: resolution-dependent blending of two StyleGAN2 generators (gan/gan.h,
 * SECTION blend; doc/models.md, "Toonify"), Pinkney and Adler's layer
 * swapping as their blend_models.py does it, on the state_dict keys of
 * stylegan2-ada-pytorch's G_ema (doc/models.md §4.7, §5.1).
 *
 * Every synthesis tensor of the rule has a position, two per resolution:
 *   synthesis.b4.const                  0
 *   synthesis.b4.torgb.*                1
 *   synthesis.b{2^k}.conv0.*            2(k-2)
 *   synthesis.b{2^k}.conv1.*, torgb.*   2(k-2) + 1
 * The mid point is the position of (swap_res, level), level 0 being the
 * resolution's first layer (its conv0, or const at 4). With x = pos - mid,
 * HIGH's weight is y = sigmoid(x / width), or with width 0 the hard switch
 * y = (x > 1): everything up to and including swap_res is LOW's. A tensor
 * becomes LOW + y (HIGH - LOW), so y = 0 is LOW's bytes, y = 1 HIGH's, and
 * two equal tensors give themselves back for any y (blend_models.py
 * writes y HIGH + (1 - y) LOW, the same up to the last bit of rounding).
 * Only trainable synthesis tensors follow the rule; the mapping network,
 * w_avg and the buffers (noise_const, resample_filter) are LOW's.
 *
 * The quirk kept by default: blend_models.py matches the TensorFlow names
 * 4x4/Const, 4x4/ToRGB, {r}x{r}/Conv0_up, Conv1, ToRGB by prefix, and the
 * 4x4 block's convolution (4x4/Conv, here b4.conv1) matches none, so it is
 * always LOW's. fix_quirks gives it position 1, as its neighbour torgb.
 *
 * Alpha mode is plain linear interpolation of every tensor, buffers and
 * mapping included: alpha 0 is LOW's bytes, 1 HIGH's. */
#include "gan.h"

#include <stdio.h>
#include <stdlib.h>

void gan_blend_opts_default(gan_blend_opts *o)
{
    memset(o, 0, sizeof *o);
}

/* log2 of r when r is a power of two >= 4, else -1. */
static int log2_res(long r)
{
    int k = 0;
    if (r < 4) return -1;
    while (r > 1) {
        if (r & 1) return -1;
        r >>= 1;
        k++;
    }
    return k;
}

/* "synthesis.b<r>." at the start of key: r, and *rest just past the dot; 0 otherwise. */
static long block_res(const char *key, const char **rest)
{
    const char *p;
    char *end;
    long r;
    if (strncmp(key, "synthesis.b", 11) != 0) return 0;
    p = key + 11;
    if (*p < '1' || *p > '9') return 0;
    r = strtol(p, &end, 10);
    if (*end != '.' || log2_res(r) < 0 || r > 65536) return 0;
    *rest = end + 1;
    return r;
}

/* A buffer by its name: the rule leaves it LOW's even in a table that
 * holds it as a parameter. */
static int buffer_name(const char *key)
{
    static const char *const names[] = { "noise_const", "resample_filter", "w_avg" };
    size_t i, n = strlen(key);
    for (i = 0; i < sizeof names / sizeof *names; i++) {
        size_t m = strlen(names[i]);
        if (n >= m && strcmp(key + n - m, names[i]) == 0 && (n == m || key[n - m - 1] == '.')) return 1;
    }
    return 0;
}

static int starts_layer(const char *rest, const char *layer)
{
    size_t n = strlen(layer);
    return strncmp(rest, layer, n) == 0 && rest[n] == '.';
}

int gan_blend_position(const char *key, int fix_quirks)
{
    const char *rest = NULL;
    long r = block_res(key, &rest);
    int base;
    if (!r) return -1;
    base = 2 * (log2_res(r) - 2);
    if (r == 4) {
        if (strcmp(rest, "const") == 0) return 0;
        if (starts_layer(rest, "torgb")) return 1;
        if (fix_quirks && starts_layer(rest, "conv1")) return 1;
        return -1;
    }
    if (starts_layer(rest, "conv0")) return base;
    if (starts_layer(rest, "conv1") || starts_layer(rest, "torgb")) return base + 1;
    return -1;
}

float gan_blend_weight(const char *key, int is_param, const gan_blend_opts *o)
{
    int pos, mid, x;
    if (o->use_alpha) return o->alpha;
    if (!is_param || buffer_name(key)) return 0.0f;
    pos = gan_blend_position(key, o->fix_quirks);
    if (pos < 0) return 0.0f;
    mid = 2 * (log2_res(o->swap_res) - 2) + o->level;
    x = pos - mid;
    if (o->width > 0.0f) return nn_sigmoidf((float)x / o->width);
    return x > 1 ? 1.0f : 0.0f;
}

/* The resolution of a StyleGAN2 table: the largest r of its
 * synthesis.b<r>.* keys; 0 when it has no synthesis.b4.const. */
static long table_size(const nn_params *p)
{
    size_t i;
    long size = 0;
    if (!nn_params_find(p, "synthesis.b4.const")) return 0;
    for (i = 0; i < p->n; i++) {
        const char *rest;
        long r = block_res(p->t[i]->name, &rest);
        if (r > size) size = r;
    }
    return size;
}

static void shape_text(const nn_tensor *t, char *buf, size_t cap)
{
    int i;
    size_t n = 0;
    n += (size_t)snprintf(buf, cap, "[");
    for (i = 0; i < t->ndim && n < cap; i++) n += (size_t)snprintf(buf + n, cap - n, i ? ", %d" : "%d", t->shape[i]);
    if (n < cap) snprintf(buf + n, cap - n, "]");
}

static int check_opts(const gan_blend_opts *o, long size, g99_error *err)
{
    if (o->use_alpha) {
        if (!(o->alpha >= 0.0f && o->alpha <= 1.0f))
            return g99_fail(err, G99_EINVAL, "blend: alpha %g (0..1)", (double)o->alpha);
        return 0;
    }
    if (log2_res(o->swap_res) < 0 || o->swap_res > size)
        return g99_fail(err, G99_EINVAL, "blend: swap resolution %d is not one of the model's (4, 8, ... %ld)",
                        o->swap_res, size);
    if (o->level != 0 && o->level != 1) return g99_fail(err, G99_EINVAL, "blend: level %d (0 or 1)", o->level);
    if (!(o->width >= 0.0f && o->width <= 1e6f))
        return g99_fail(err, G99_EINVAL, "blend: width %g (0 for the hard switch, else > 0)", (double)o->width);
    return 0;
}

/* low and high: the same keys with the same shapes (in any order), and
 * StyleGAN2 tables; names say which is which in messages. *size: their resolution. */
static int check_pair(const nn_params *low, const nn_params *high, const char *lname, const char *hname, long *size,
                      g99_error *err)
{
    size_t i;
    char a[96], b[96];
    if (!low->data || !high->data) return g99_fail(err, G99_EINVAL, "blend: parameters not allocated");
    if (!(*size = table_size(low)))
        return g99_fail(err, G99_EFORMAT, "%s: not a StyleGAN2 generator (no synthesis.b4.const)", lname);
    for (i = 0; i < low->n; i++) {
        const nn_tensor *t = low->t[i], *u = nn_params_find(high, t->name);
        if (!u) return g99_fail(err, G99_EFORMAT, "%s has tensor %.200s but %s has not", lname, t->name, hname);
        if (t->ndim != u->ndim || memcmp(t->shape, u->shape, sizeof t->shape) != 0) {
            shape_text(t, a, sizeof a);
            shape_text(u, b, sizeof b);
            return g99_fail(err, G99_EFORMAT, "tensor %.200s: shape %s in %s, %s in %s", t->name, a, lname, b, hname);
        }
    }
    for (i = 0; i < high->n; i++)
        if (!nn_params_find(low, high->t[i]->name))
            return g99_fail(err, G99_EFORMAT, "%s has tensor %.200s but %s has not", hname, high->t[i]->name, lname);
    return 0;
}

/* A copy of p's table: the same keys, kinds and shapes, zero values. */
static int copy_layout(const nn_params *p, nn_params *out, g99_error *err)
{
    size_t i;
    nn_params_init(out);
    for (i = 0; i < p->n; i++)
        if (!nn_params_add(out, p->t[i]->name, p->kind[i], p->t[i]->ndim, p->t[i]->shape, err)) {
            nn_params_free(out);
            return err ? err->code : G99_ENOMEM;
        }
    if (nn_params_alloc(out, err)) {
        nn_params_free(out);
        return err ? err->code : G99_ENOMEM;
    }
    return 0;
}

static float mixf(float l, float h, float y)
{
    if (y == 0.0f || g99_f32_bits(l) == g99_f32_bits(h)) return l;
    if (y == 1.0f) return h;
    return l + y * (h - l);
}

static int blend_named(const nn_params *low, const nn_params *high, const gan_blend_opts *o, nn_params *out,
                       const char *lname, const char *hname, g99_error *err)
{
    long size = 0;
    size_t i, j;
    int rc, made = 0;
    if (!low || !high || !o || !out) return g99_fail(err, G99_EINVAL, "blend: bad arguments");
    rc = check_pair(low, high, lname, hname, &size, err);
    if (!rc) rc = check_opts(o, size, err);
    if (!rc && out->n == 0) {
        rc = copy_layout(low, out, err);
        made = !rc;
    } else if (!rc) {
        rc = check_pair(low, out, lname, "the output table", &size, err);
    }
    for (i = 0; !rc && i < low->n; i++) {
        const nn_tensor *l = low->t[i], *h = nn_params_find(high, l->name);
        nn_tensor *d = nn_params_find(out, l->name);
        float y = gan_blend_weight(l->name, low->kind[i] == NN_PARAM, o);
        if (low->kind[i] == NN_COUNTER) y = 0.0f;   /* a count is LOW's, never interpolated */
        for (j = 0; j < l->numel; j++) d->data[j] = mixf(l->data[j], h->data[j], y);
    }
    if (rc && made) nn_params_free(out);
    return rc;
}

int gan_blend_tables(const nn_params *low, const nn_params *high, const gan_blend_opts *o, nn_params *out,
                     g99_error *err)
{
    return blend_named(low, high, o, out, "LOW", "HIGH", err);
}

/* ---- files ------------------------------------------------------------------ */

/* A StyleGAN2 model file's table (kinds by name: the buffers of
 * buffer_name, the rest parameters) and its gan99.config. */
static int load_model(const char *path, nn_params *p, char **config, g99_error *err)
{
    nn_st_file *f = NULL;
    const char *arch, *cfg;
    size_t i, n;
    int rc;
    nn_params_init(p);
    *config = NULL;
    if ((rc = nn_st_load(path, NN_ST_MAX_FILE, &f, err)) != 0) return rc;
    arch = nn_st_meta(f, "gan99.arch");
    cfg = nn_st_meta(f, "gan99.config");
    n = arch ? strlen(arch) : 0;
    if (!arch) rc = g99_fail(err, G99_EFORMAT, "%s: not a gan99 model file (no gan99.arch)", path);
    else if (n > 6 && strcmp(arch + n - 6, "-train") == 0)
        rc = g99_fail(err, G99_EFORMAT, "%s: a training checkpoint (gan99.arch %.60s); use the run's model.safetensors",
                      path, arch);
    else if (strcmp(arch, "stylegan") != 0)
        rc = g99_fail(err, G99_EFORMAT, "%s: a %.60s model; blending takes two stylegan models", path, arch);
    else if (!cfg) rc = g99_fail(err, G99_EFORMAT, "%s: no gan99.config", path);
    if (!rc) {
        nn_json *doc = NULL;
        if (nn_json_parse(cfg, strlen(cfg), &doc, NULL) || doc->type != NN_JSON_OBJECT)
            rc = g99_fail(err, G99_EFORMAT, "%s: gan99.config is not a JSON object", path);
        nn_json_free(doc);
    }
    for (i = 0; !rc && i < f->n_tensors; i++) {
        const nn_st_tensor *t = &f->tensors[i];
        int shape[NN_MAX_DIMS], k;
        if (t->dtype != NN_ST_F32 && t->dtype != NN_ST_F16 && t->dtype != NN_ST_BF16 && t->dtype != NN_ST_F64) {
            rc = g99_fail(err, G99_EFORMAT, "%s: tensor %.200s is %s; a stylegan model holds float tensors", path,
                          t->name, nn_st_dtype_name(t->dtype));
            break;
        }
        if (t->rank > NN_MAX_DIMS) {
            rc = g99_fail(err, G99_EFORMAT, "%s: tensor %.200s has %d dimensions (at most %d)", path, t->name, t->rank,
                          NN_MAX_DIMS);
            break;
        }
        for (k = 0; k < t->rank; k++) {
            if (t->shape[k] < 1 || t->shape[k] > 0x7FFFFFFF) {
                rc = g99_fail(err, G99_EFORMAT, "%s: tensor %.200s has an empty or huge dimension", path, t->name);
                break;
            }
            shape[k] = (int)t->shape[k];
        }
        if (!rc && !nn_params_add(p, t->name, buffer_name(t->name) ? NN_BUFFER : NN_PARAM, t->rank, shape, err))
            rc = g99_error_prefix(err, "%s", path);
    }
    if (!rc && (rc = nn_params_alloc(p, err)) != 0) g99_error_prefix(err, "%s", path);
    for (i = 0; !rc && i < f->n_tensors; i++) {
        nn_tensor *t = nn_params_find(p, f->tensors[i].name);
        if ((rc = nn_st_read_f32(&f->tensors[i], t->data, t->numel, err)) != 0) g99_error_prefix(err, "%s", path);
    }
    if (!rc) {
        *config = (char *)malloc(strlen(cfg) + 1);
        if (*config) memcpy(*config, cfg, strlen(cfg) + 1);
        else rc = g99_fail(err, G99_ENOMEM, "out of memory");
    }
    nn_st_free(f);
    if (rc) nn_params_free(p);
    return rc;
}

int gan_blend_files(const char *low_path, const char *high_path, const gan_blend_opts *o, const char *out_path,
                    g99_error *err)
{
    nn_params low, high, out;
    char *lc = NULL, *hc = NULL;
    int rc;
    if (!low_path || !high_path || !o || !out_path) return g99_fail(err, G99_EINVAL, "blend: bad arguments");
    nn_params_init(&high);
    nn_params_init(&out);
    rc = load_model(low_path, &low, &lc, err);
    if (!rc) rc = load_model(high_path, &high, &hc, err);
    if (!rc && strcmp(lc, hc) != 0)
        rc = g99_fail(err, G99_EFORMAT, "%s and %s are different models: gan99.config %.200s and %.200s", low_path,
                      high_path, lc, hc);
    if (!rc) rc = blend_named(&low, &high, o, &out, low_path, high_path, err);
    if (!rc) rc = nn_checkpoint_save(out_path, &out, "stylegan", lc, NULL, err);
    nn_params_free(&low);
    nn_params_free(&high);
    nn_params_free(&out);
    free(lc);
    free(hc);
    return rc;
}
