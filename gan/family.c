/* gan: the registry of model families and what every family shares: option
 * values (defaults, ranges, the settings JSON) and loading a model file by
 * its gan99.arch. The families themselves are tables (gan/arch_*.c); see
 * the family section of gan/gan.h. */
#include "gan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>


/* Adding a family: its table here (and its files under gan/). */
const gan_family *const gan_families[] = {
    &gan_family_dcgan,
    &gan_family_pix2pix,
    &gan_family_autoencoder,
    &gan_family_stylegan,
    &gan_family_spade,
    &gan_family_parser,
    NULL,
};

const gan_family *gan_arch_find(const char *name)
{
    int i;
    for (i = 0; name && gan_families[i]; i++)
        if (strcmp(gan_families[i]->name, name) == 0) return gan_families[i];
    return NULL;
}

const char *gan_family_names(void)
{
    static char names[256];
    size_t n = 0;
    int i;
    names[0] = '\0';
    for (i = 0; gan_families[i] && n < sizeof names; i++)
        n += (size_t)snprintf(names + n, sizeof names - n, "%s%s", i ? ", " : "", gan_families[i]->name);
    return names;
}

int gan_option_find(const gan_family *f, const char *s)
{
    int i;
    for (i = 0; s && i < f->n_options; i++)
        if (strcmp(f->options[i].flag, s) == 0 || strcmp(f->options[i].key, s) == 0) return i;
    return -1;
}

void gan_values_default(const gan_family *f, gan_values *v)
{
    int i;
    memset(v, 0, sizeof *v);
    for (i = 0; i < f->n_options; i++) v->v[i] = f->options[i].def;
}

/* The n-th name of "a|b|c" into buf, or 0 when there is none. */
static int choice_name(const char *choices, int n, char *buf, size_t cap)
{
    const char *p = choices;
    while (n-- > 0 && p) {
        p = strchr(p, '|');
        if (p) p++;
    }
    if (!p || !*p) return 0;
    snprintf(buf, cap, "%.*s", (int)(strchr(p, '|') ? (size_t)(strchr(p, '|') - p) : strlen(p)), p);
    return 1;
}

int gan_option_check(const gan_family *f, int i, double v, g99_error *err)
{
    const gan_option *o = &f->options[i];
    char lo[32], hi[32];
    if (v == v && v >= o->lo && v <= o->hi && (o->type == GAN_OPT_FLOAT || v == floor(v))) return 0;
    gan_option_format(f, i, o->lo, lo, sizeof lo);
    gan_option_format(f, i, o->hi, hi, sizeof hi);
    if (o->type == GAN_OPT_CHOICE) return g99_fail(err, G99_EINVAL, "%s: one of %s", o->flag, o->choices);
    return g99_fail(err, G99_EINVAL, "%s: %.9g is out of range (%s..%s)", o->flag, v, lo, hi);
}

void gan_option_format(const gan_family *f, int i, double v, char *buf, size_t cap)
{
    const gan_option *o = &f->options[i];
    if (o->type == GAN_OPT_CHOICE && choice_name(o->choices, (int)v, buf, cap)) return;
    if (o->type == GAN_OPT_FLOAT) snprintf(buf, cap, "%.9g", v);
    else snprintf(buf, cap, "%.0f", v);
}

/* Keys in byte order, so the JSON has one spelling (model files compare by bytes). */
static int by_key(const gan_family *f, int *order)
{
    int n = f->n_options, i, j;
    for (i = 0; i < n; i++) order[i] = i;
    for (i = 1; i < n; i++)
        for (j = i; j > 0 && strcmp(f->options[order[j - 1]].key, f->options[order[j]].key) > 0; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    return n;
}

int gan_values_json(const gan_family *f, const gan_values *v, int all, nn_json_buf *out)
{
    int order[GAN_MAX_OPTIONS], n = by_key(f, order), k, first = 1, rc;
    rc = nn_json_buf_append(out, "{", 1);
    for (k = 0; !rc && k < n; k++) {
        const gan_option *o = &f->options[order[k]];
        char val[64];
        if (!o->arch && !all) continue;
        gan_option_format(f, order[k], v->v[order[k]], val, sizeof val);
        if (!first) rc = nn_json_buf_append(out, ",", 1);
        first = 0;
        if (!rc) rc = nn_json_buf_append_string(out, o->key, strlen(o->key));
        if (!rc) rc = nn_json_buf_append(out, ":", 1);
        if (!rc && o->type == GAN_OPT_CHOICE) rc = nn_json_buf_append_string(out, val, strlen(val));
        else if (!rc) rc = nn_json_buf_append(out, val, strlen(val));
    }
    if (!rc) rc = nn_json_buf_append(out, "}", 1);
    return rc;
}

int gan_values_parse(const gan_family *f, const nn_json *doc, int all, gan_values *v, g99_error *err)
{
    size_t m;
    int i;
    if (!doc || doc->type != NN_JSON_OBJECT) return g99_fail(err, G99_EFORMAT, "gan99.config: not a JSON object");
    for (m = 0; m < doc->len; m++) {
        const nn_json_member *mem = &doc->members[m];
        const nn_json *j = &mem->value;
        double x;
        i = mem->key[0] == '-' ? -1 : gan_option_find(f, mem->key);   /* keys, not flags */
        if (i < 0) {
            if (all) continue;   /* the run's own settings sit beside the options */
            return g99_fail(err, G99_EFORMAT, "gan99.config: \"%s\" is no option of %s", mem->key, f->name);
        }
        if (f->options[i].type == GAN_OPT_CHOICE && j->type == NN_JSON_STRING) {
            char name[64];
            int c;
            for (c = 0; choice_name(f->options[i].choices, c, name, sizeof name); c++)
                if (strcmp(name, j->str) == 0) break;
            x = c;
        } else if (j->type == NN_JSON_NUMBER) {
            x = j->number;
        } else {
            return g99_fail(err, G99_EFORMAT, "gan99.config: \"%s\" is a %s", mem->key, nn_json_type_name(j->type));
        }
        if (gan_option_check(f, i, x, err)) return g99_error_prefix(err, "gan99.config");
        v->v[i] = x;
    }
    return 0;
}

int gan_model_load(const char *path, const gan_family **family, gan_model **model, gan_values *values,
                   g99_error *err)
{
    nn_st_file *file;
    nn_json *doc = NULL;
    const char *arch, *config;
    const gan_family *f;
    gan_model *m = NULL;
    size_t n;
    int rc;
    *family = NULL;
    *model = NULL;
    if ((rc = nn_st_load(path, NN_ST_MAX_FILE, &file, err)) != 0) return rc;
    arch = nn_st_meta(file, "gan99.arch");
    config = nn_st_meta(file, "gan99.config");
    n = arch ? strlen(arch) : 0;
    f = gan_arch_find(arch);
    if (!arch) rc = g99_fail(err, G99_EFORMAT, "%s: not a gan99 model file (no gan99.arch)", path);
    else if (n > 6 && strcmp(arch + n - 6, "-train") == 0)
        rc = g99_fail(err, G99_EFORMAT, "%s: a training checkpoint (gan99.arch %.60s); use the run's model.safetensors",
                      path, arch);
    else if (!f)
        rc = g99_fail(err, G99_EFORMAT, "%s: gan99.arch \"%.60s\" is no family gan99 has (%s)", path, arch,
                      gan_family_names());
    else if (!config)
        rc = g99_fail(err, G99_EFORMAT, "%s: no gan99.config", path);
    if (!rc && nn_json_parse(config, strlen(config), &doc, err)) rc = g99_error_prefix(err, "%s: gan99.config", path);
    if (!rc) {
        gan_values_default(f, values);
        if (gan_values_parse(f, doc, 0, values, err)) rc = g99_error_prefix(err, "%s", path);
    }
    nn_json_free(doc);
    nn_st_free(file);
    if (!rc && f->resolve) f->resolve(values);
    if (!rc && (rc = f->create(values, &m, err)) != 0) g99_error_prefix(err, "%s", path);
    if (!rc) {
        nn_checkpoint_part parts[4];
        int n_parts = gan_model_tables(f, m, parts, 4);
        if ((rc = nn_checkpoint_load_parts(path, parts, n_parts, NULL, err)) != 0) f->destroy(m);
    }
    if (rc) return rc;
    *family = f;
    *model = m;
    return 0;
}

int gan_model_generate_latent(const gan_family *f, gan_model *m, const float *z, int n, float *out, g99_error *err)
{
    gan_geometry g;
    nn_ctx *ctx;
    nn_tensor *x;
    int zs[2], rc = 0;
    f->geometry(m, &g);
    if (f->kind == GAN_DATA_LABELS)
        return g99_fail(err, G99_EINVAL, "%s models draw faces from label maps (use gan99 paint)", f->name);
    if (!g.latent)
        return g99_fail(err, G99_EINVAL, "%s models translate images and have no latent (use gan99 translate)", f->name);
    if (n < 1) return g99_fail(err, G99_EINVAL, "%d images asked for", n);
    if (!(ctx = nn_ctx_new(0))) return g99_fail(err, G99_ENOMEM, "out of memory");
    zs[0] = n;
    zs[1] = g.latent;
    /* train mode, as the reference draws its samples (batch statistics) */
    x = f->generate(m, ctx, nn_tensor_from(ctx, 2, zs, z), NULL, 1);
    if (x) memcpy(out, x->data, x->numel * sizeof *out);
    else if (err) *err = *nn_ctx_error(ctx);
    if (!x) rc = nn_ctx_error(ctx)->code ? nn_ctx_error(ctx)->code : G99_EINVAL;
    nn_ctx_free(ctx);
    return rc;
}

int gan_model_translate(const gan_family *f, gan_model *m, const float *cond, int n, int train, float *out,
                        g99_error *err)
{
    gan_geometry g;
    nn_ctx *ctx;
    nn_tensor *x;
    int cs[4], rc = 0;
    size_t want;
    f->geometry(m, &g);
    if (g.latent)
        return g99_fail(err, G99_EINVAL, "%s models draw from a latent and take no image (use gan99 sample)",
                        f->name);
    if (f->kind == GAN_DATA_LABELS)
        return g99_fail(err, G99_EINVAL, "%s models take label maps, not images (use gan99 paint)", f->name);
    if (n < 1) return g99_fail(err, G99_EINVAL, "%d images given", n);
    if (!(ctx = nn_ctx_new(0))) return g99_fail(err, G99_ENOMEM, "out of memory");
    cs[0] = n;
    cs[1] = g.cond_channels ? g.cond_channels : g.channels;   /* a reconstruction family takes its own images */
    cs[2] = g.height;
    cs[3] = g.width;
    want = (size_t)n * g.channels * g.height * g.width;
    x = f->generate(m, ctx, NULL, nn_tensor_from(ctx, 4, cs, cond), train);
    if (x && x->numel == want) memcpy(out, x->data, want * sizeof *out);
    else if (x) rc = g99_fail(err, G99_EINVAL, "%s: the generator made %lu values, not %lu", f->name,
                              (unsigned long)x->numel, (unsigned long)want);
    else {
        rc = nn_ctx_error(ctx)->code ? nn_ctx_error(ctx)->code : G99_EINVAL;
        if (err) *err = *nn_ctx_error(ctx);
    }
    nn_ctx_free(ctx);
    return rc;
}

int gan_model_tables(const gan_family *f, gan_model *m, nn_checkpoint_part *parts, int max)
{
    gan_spade *sp = gan_spade_model(f, m);
    if (max < 2) return 0;
    memset(parts, 0, 2 * sizeof *parts);
    parts[0].prefix = "";
    parts[0].p = f->inference(m);
    if (!sp || !sp->cfg.use_vae) return 1;
    parts[1].prefix = "E.";   /* the reference saves netE apart (E.pth); gan99 keeps one model file */
    parts[1].p = &sp->e;
    return 2;
}

int gan_model_losses(const gan_family *f, gan_model *m, const gan_loss_col **cols)
{
    int n = gan_spade_loss_cols(f, m, cols);
    if (n > 0) return n;
    *cols = f->losses;
    return f->n_losses;
}
