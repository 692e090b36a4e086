/* gan: a DCGAN generator as C source, and its binding on the board
 * (gan.h SECTION export_c, doc/portability.md §1).
 *
 * The host side (gan_export_c) loads a model file, describes G as a
 * gan_c_model (its state_dict tensors and, per gan_block, the geometry and
 * which tensors it reads) and prints that description as C: one const
 * array per tensor, every float a hexadecimal literal, so any C99 compiler
 * rebuilds its exact bits (a decimal literal would depend on the
 * compiler's rounding). The arena size is not estimated: G runs once at
 * batch 1 from the same bound model a board runs, the arena's high-water
 * mark is read, and a second run in a fixed context of exactly that size
 * must succeed with the same output bits.
 *
 * The board side (gan_dcgan_bind) needs no allocation: it wraps the const
 * arrays in caller-owned tensor records and fills a gan_dcgan's G layers,
 * so gan_dcgan_generate, the very forward gan99 sample runs, draws from
 * flash. */
#include "gan.h"

#include <stdarg.h>
#include <stdlib.h>

/* mps2-an386 (qemu's Cortex-M4F board): 4 MiB of code memory, 4 MiB of data. */
#define BOARD_RAM ((size_t)4 << 20)
#define BOARD_FLASH ((size_t)4 << 20)

/* ---- the board side ----------------------------------------------------- */

static nn_tensor *bound(const gan_c_model *cm, nn_tensor *records, int i, int *bad)
{
    const gan_c_tensor *t;
    if (i < 0) return NULL;
    if (i >= cm->n_tensors) {
        *bad = 1;
        return NULL;
    }
    t = &cm->tensors[i];
    if (!nn_tensor_wrap(&records[i], t->ndim, t->shape, t->data)) *bad = 1;
    return &records[i];
}

int gan_dcgan_bind(gan_dcgan *m, const gan_c_model *cm, int train, nn_tensor *records, g99_error *err)
{
    int i, bad = 0;
    if (!m || !cm || !records || !cm->layers || !cm->tensors)
        return g99_fail(err, G99_EINVAL, "dcgan bind: NULL argument");
    memset(m, 0, sizeof *m);
    if (gan_dcgan_check_config(&cm->cfg, err)) return err ? err->code : G99_EINVAL;
    if (cm->n_layers < 1 || cm->n_layers > GAN_DCGAN_MAX_LAYERS)
        return g99_fail(err, G99_EINVAL, "dcgan bind: %d layers (1..%d)", cm->n_layers, GAN_DCGAN_MAX_LAYERS);
    m->cfg = cm->cfg;
    for (i = 0; i < cm->n_layers && !bad; i++) {
        const gan_c_layer *l = &cm->layers[i];
        gan_block *b = &m->gnet.layer[i];
        b->conv.op = l->op;
        b->conv.geom = l->geom;
        b->conv.weight = bound(cm, records, l->weight, &bad);
        b->conv.bias = bound(cm, records, l->bias, &bad);
        b->norm.kind = l->norm;
        b->norm.weight = bound(cm, records, l->gamma, &bad);
        b->norm.bias = bound(cm, records, l->beta, &bad);
        if (!train) {
            b->norm.running_mean = bound(cm, records, l->running_mean, &bad);
            b->norm.running_var = bound(cm, records, l->running_var, &bad);
        }
        b->norm.momentum = l->momentum;
        b->norm.eps = l->eps;
        b->act = l->act;
        b->slope = l->slope;
        if (!b->conv.weight) bad = 1;
        if (bad) return g99_fail(err, G99_EINVAL, "dcgan bind: layer %d names a missing tensor or has a bad shape", i);
    }
    m->gnet.n_layers = cm->n_layers;
    return 0;
}

uint32_t gan_crc32_floats(const float *x, size_t n)
{
    uint32_t crc = 0, u;
    uint8_t b[4];
    size_t i;
    for (i = 0; i < n; i++) {
        memcpy(&u, &x[i], sizeof u);
        g99_store_le32(b, u);
        crc = g99_crc32(crc, b, 4);
    }
    return crc;
}

/* ---- the host side: describing a loaded G ------------------------------- */

typedef struct described {
    gan_c_model cm;
    gan_c_layer *layers;
    gan_c_tensor *tensors;
} described;

static int index_of(const nn_params *p, const nn_tensor *t)
{
    size_t i;
    if (!t) return -1;
    for (i = 0; i < p->n; i++)
        if (p->t[i] == t) return (int)i;
    return -1;
}

static int describe(const gan_dcgan *m, described *d, g99_error *err)
{
    const nn_params *p = &m->g;
    size_t i;
    int j;
    memset(d, 0, sizeof *d);
    d->layers = (gan_c_layer *)calloc((size_t)m->gnet.n_layers, sizeof *d->layers);
    d->tensors = (gan_c_tensor *)calloc(p->n ? p->n : 1, sizeof *d->tensors);
    if (!d->layers || !d->tensors) return g99_fail(err, G99_ENOMEM, "out of memory");
    for (i = 0; i < p->n; i++) {
        const nn_tensor *t = p->t[i];
        gan_c_tensor *c = &d->tensors[i];
        c->name = t->name;
        c->ndim = t->ndim;
        memcpy(c->shape, t->shape, sizeof c->shape);
        c->data = t->data;
    }
    for (j = 0; j < m->gnet.n_layers; j++) {
        const gan_block *b = &m->gnet.layer[j];
        gan_c_layer *l = &d->layers[j];
        if (b->conv.u) return g99_fail(err, G99_EUNSUPPORTED, "export-c: spectral norm is not exported");
        l->op = b->conv.op;
        l->geom = b->conv.geom;
        l->norm = b->norm.kind;
        l->act = b->act;
        l->slope = b->slope;
        l->momentum = b->norm.momentum;
        l->eps = b->norm.eps;
        l->weight = index_of(p, b->conv.weight);
        l->bias = index_of(p, b->conv.bias);
        l->gamma = index_of(p, b->norm.weight);
        l->beta = index_of(p, b->norm.bias);
        l->running_mean = index_of(p, b->norm.running_mean);
        l->running_var = index_of(p, b->norm.running_var);
    }
    d->cm.cfg = m->cfg;
    d->cm.n_layers = m->gnet.n_layers;
    d->cm.layers = d->layers;
    d->cm.n_tensors = (int)p->n;
    d->cm.tensors = d->tensors;
    return 0;
}

static void described_free(described *d)
{
    free(d->layers);
    free(d->tensors);
}

/* One image of the bound model in ctx: latent 0's first nz values, train
 * mode, as gan99 sample --n 1 draws it. Returns the output or NULL. */
static nn_tensor *run_once(nn_ctx *ctx, gan_dcgan *g, const float *z)
{
    int s[4];
    s[0] = 1;
    s[1] = g->cfg.nz;
    s[2] = s[3] = 1;
    return gan_dcgan_generate(ctx, g, nn_tensor_from(ctx, 4, s, z), 1);
}

/* The fixed context's size for one image of cm, measured, then checked. */
static int measure_arena(const gan_c_model *cm, size_t *bytes, g99_error *err)
{
    nn_tensor *records = (nn_tensor *)calloc((size_t)cm->n_tensors, sizeof *records);
    float *z = (float *)malloc((size_t)cm->cfg.nz * sizeof *z);
    nn_ctx *ctx = nn_ctx_new(0), *fixed = NULL;
    unsigned char *buf = NULL;
    nn_tensor *a = NULL, *b = NULL;
    gan_dcgan g;
    int rc = records && z && ctx ? 0 : g99_fail(err, G99_ENOMEM, "out of memory");
    if (!rc) rc = gan_dcgan_bind(&g, cm, 1, records, err);
    if (!rc) {
        gan_latent_normal(0, cm->cfg.nz, z);
        a = run_once(ctx, &g, z);
        if (!a) {
            *err = *nn_ctx_error(ctx);
            rc = err->code ? err->code : G99_EINVAL;
        }
    }
    if (!rc) {
        *bytes = nn_ctx_fixed_bytes(nn_ctx_arena_peak(ctx));
        buf = (unsigned char *)malloc(*bytes);
        fixed = buf ? nn_ctx_new_fixed(buf, *bytes) : NULL;
        if (!fixed) rc = g99_fail(err, G99_ENOMEM, "out of memory for an arena of %lu bytes", (unsigned long)*bytes);
    }
    if (!rc) {
        b = run_once(fixed, &g, z);
        if (!b || b->numel != a->numel || memcmp(a->data, b->data, a->numel * sizeof(float)) != 0)
            rc = g99_fail(err, G99_EINVAL, "export-c: G in a fixed arena of %lu bytes %s", (unsigned long)*bytes,
                          b ? "gave other bits" : nn_ctx_error(fixed)->msg);
    }
    nn_ctx_free(fixed);
    free(buf);
    nn_ctx_free(ctx);
    free(records);
    free(z);
    return rc;
}

/* ---- the host side: printing C ------------------------------------------ */

typedef struct text {
    char *s;
    size_t n, cap;
    int oom;
} text;

static void put(text *t, const char *fmt, ...) G99_PRINTF(2, 3);
static void put(text *t, const char *fmt, ...)
{
    va_list ap;
    int k;
    if (t->oom) return;
    for (;;) {
        va_start(ap, fmt);
        k = vsnprintf(t->s + t->n, t->cap - t->n, fmt, ap);
        va_end(ap);
        if (k < 0) {
            t->oom = 1;
            return;
        }
        if ((size_t)k < t->cap - t->n) break;
        {
            size_t cap = t->cap ? 2 * t->cap : (size_t)1 << 16;
            char *ns;
            while (cap - t->n <= (size_t)k) cap *= 2;
            ns = (char *)realloc(t->s, cap);
            if (!ns) {
                t->oom = 1;
                return;
            }
            t->s = ns;
            t->cap = cap;
        }
    }
    t->n += (size_t)k;
}

/* The float with bits u as a C99 hexadecimal literal ("0x1.91eb86p-3f",
 * "-0x0.0004p-126f" for a subnormal), printed from the bits so the text is
 * the same on every host. u must be finite. */
static void hex_float(char *buf, uint32_t u)
{
    unsigned e = (u >> 23) & 0xFFu;
    uint32_t f = (u & 0x7FFFFFu) << 1;   /* 24 bits: six hex digits */
    const char *sign = u >> 31 ? "-" : "";
    char digits[8];
    int n = 6;
    if (e == 0 && f == 0) {
        sprintf(buf, "%s0.0f", sign);
        return;
    }
    sprintf(digits, "%06lx", (unsigned long)f);
    while (n > 0 && digits[n - 1] == '0') n--;
    digits[n] = '\0';
    sprintf(buf, "%s0x%d%s%sp%+df", sign, e ? 1 : 0, n ? "." : "", digits, e ? (int)e - 127 : -126);
}

static uint32_t bits_of(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static void put_float(text *t, float x)
{
    char b[32];
    hex_float(b, bits_of(x));
    put(t, "%s", b);
}

static void put_upper(text *t, const char *name, const char *what)
{
    const char *c;
    for (c = name; *c; c++) put(t, "%c", *c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c);
    put(t, "%s", what);
}

static const char *op_name(int op)
{
    return op == GAN_OP_CONV_T ? "GAN_OP_CONV_T" : op == GAN_OP_LINEAR ? "GAN_OP_LINEAR" : "GAN_OP_CONV";
}

static const char *norm_name(int k)
{
    return k == GAN_NORM_BATCH ? "GAN_NORM_BATCH" : k == GAN_NORM_INSTANCE ? "GAN_NORM_INSTANCE" : "GAN_NORM_NONE";
}

static const char *act_name(int a)
{
    static const char *const names[] = { "GAN_ACT_NONE", "GAN_ACT_RELU", "GAN_ACT_LRELU", "GAN_ACT_TANH",
                                         "GAN_ACT_SIGMOID" };
    return a >= 0 && a <= GAN_ACT_SIGMOID ? names[a] : "GAN_ACT_NONE";
}

/* The nonzero fields of a conv geometry as designated initializers. */
static void put_geom(text *t, const nn_conv_opts *g)
{
    const int v[13] = { g->stride, g->padding, g->dilation, g->groups, g->output_padding, g->stride_h, g->stride_w,
                        g->padding_h, g->padding_w, g->dilation_h, g->dilation_w, g->output_padding_h,
                        g->output_padding_w };
    static const char *const names[13] = { "stride", "padding", "dilation", "groups", "output_padding",
                                           "stride_h", "stride_w", "padding_h", "padding_w", "dilation_h",
                                           "dilation_w", "output_padding_h", "output_padding_w" };
    int i, any = 0;
    put(t, "{ ");
    for (i = 0; i < 13; i++)
        if (v[i]) put(t, "%s.%s = %d", any++ ? ", " : "", names[i], v[i]);
    put(t, "%s }", any ? "" : "0");
}

/* The file name of a path, with '*' as '?' so it cannot end the comment. */
static void put_base_name(text *t, const char *path)
{
    const char *c, *base = path;
    for (c = path; *c; c++)
        if (*c == '/' || *c == '\\') base = c + 1;
    for (c = base; *c; c++) put(t, "%c", *c == '*' ? '?' : *c);
}

static int print_c(text *t, const described *d, const char *name, const char *source, const gan_export_c_info *in,
                   g99_error *err)
{
    const gan_c_model *cm = &d->cm;
    char cfg[160];
    int i, j;
    gan_dcgan_config_json(&cm->cfg, cfg, sizeof cfg);
    put(t, "/* gan99 export-c: the generator of a DCGAN model file, as C (doc/portability.md).\n");
    put(t, " *   source   ");
    put_base_name(t, source);
    put(t, "\n");
    put(t, " *   config   %s\n", cfg);
    put(t, " *   weights  %lu floats, %lu bytes of const data (flash)\n", (unsigned long)in->n_weights,
        (unsigned long)in->weight_bytes);
    put(t, " *   arena    %lu bytes (RAM): nn_ctx_new_fixed's buffer for one image at batch 1\n",
        (unsigned long)in->arena_bytes);
    put(t, " * Every float is a hexadecimal literal: any C99 compiler gives its exact bits.\n");
    put(t, " * Compile with the gan99 headers' folder on the include path; draw an image with\n");
    put(t, " *     static unsigned char arena[");
    put_upper(t, name, "_ARENA_BYTES];\n");
    put(t, " *     static nn_tensor records[");
    put_upper(t, name, "_TENSORS];\n");
    put(t, " *     gan_dcgan_bind(&g, &%s, 1, records, &err);\n", name);
    put(t, " *     ctx = nn_ctx_new_fixed(arena, sizeof arena);\n");
    put(t, " *     img = gan_dcgan_generate(ctx, &g, z, 1);   (z [1,nz,1,1]: as gan99 sample --n 1)\n");
    put(t, " * Generated; do not edit. */\n#include \"gan/gan.h\"\n\n#define ");
    put_upper(t, name, "_ARENA_BYTES ");
    put(t, "%lu\n#define ", (unsigned long)in->arena_bytes);
    put_upper(t, name, "_TENSORS ");
    put(t, "%d\n#define ", cm->n_tensors);
    put_upper(t, name, "_WEIGHT_BYTES ");
    put(t, "%lu\n", (unsigned long)in->weight_bytes);
    for (i = 0; i < cm->n_tensors; i++) {
        const gan_c_tensor *c = &cm->tensors[i];
        size_t n = 1, k;
        for (j = 0; j < c->ndim; j++) n *= (size_t)c->shape[j];
        put(t, "\n/* %s [", c->name);
        for (j = 0; j < c->ndim; j++) put(t, "%s%d", j ? "," : "", c->shape[j]);
        put(t, "] */\nstatic const float %s_t%d[%lu] = {", name, i, (unsigned long)n);
        for (k = 0; k < n; k++) {
            if (((bits_of(c->data[k]) >> 23) & 0xFFu) == 0xFFu)
                return g99_fail(err, G99_EFORMAT, "%s: %s[%lu] is not finite", source, c->name, (unsigned long)k);
            put(t, "%s", k % 8 ? " " : "\n    ");
            put_float(t, c->data[k]);
            put(t, k + 1 < n ? "," : "\n");
        }
        put(t, "};\n");
    }
    put(t, "\nstatic const gan_c_tensor %s_tensors[%d] = {\n", name, cm->n_tensors);
    for (i = 0; i < cm->n_tensors; i++) {
        const gan_c_tensor *c = &cm->tensors[i];
        put(t, "    { \"%s\", %d, { %d, %d, %d, %d }, %s_t%d },\n", c->name, c->ndim, c->shape[0], c->shape[1],
            c->shape[2], c->shape[3], name, i);
    }
    put(t, "};\n\n/* op, geometry, norm, activation, slope, momentum, eps; tensors: weight, bias,\n"
           " * gamma, beta, running_mean, running_var (-1: none) */\n");
    put(t, "static const gan_c_layer %s_layers[%d] = {\n", name, cm->n_layers);
    for (i = 0; i < cm->n_layers; i++) {
        const gan_c_layer *l = &cm->layers[i];
        put(t, "    { %s, ", op_name(l->op));
        put_geom(t, &l->geom);
        put(t, ", %s, %s, ", norm_name(l->norm), act_name(l->act));
        put_float(t, l->slope);
        put(t, ", ");
        put_float(t, l->momentum);
        put(t, ", ");
        put_float(t, l->eps);
        put(t, ", %d, %d, %d, %d, %d, %d },\n", l->weight, l->bias, l->gamma, l->beta, l->running_mean,
            l->running_var);
    }
    put(t, "};\n\nconst gan_c_model %s = {\n    { %d, %d, %d, %d, %d },\n", name, cm->cfg.nz, cm->cfg.ngf,
        cm->cfg.ndf, cm->cfg.nc, cm->cfg.size);
    put(t, "    %d, %s_layers, %d, %s_tensors, ", cm->n_layers, name, cm->n_tensors, name);
    put_upper(t, name, "_ARENA_BYTES\n};\n");
    return t->oom ? g99_fail(err, G99_ENOMEM, "out of memory") : 0;
}

static int c_identifier(const char *s)
{
    const char *c;
    if (!s || !*s || (*s >= '0' && *s <= '9') || strlen(s) > 64) return 0;
    for (c = s; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_'))
            return 0;
    return 1;
}

int gan_export_c(const char *model_path, const char *out, const gan_export_c_opts *o, gan_export_c_info *info,
                 g99_error *err)
{
    const char *name = o && o->name ? o->name : "gan99_model";
    size_t ram = o && o->ram ? o->ram : BOARD_RAM, flash = o && o->flash ? o->flash : BOARD_FLASH, i;
    gan_export_c_info in;
    gan_dcgan m;
    described d;
    text t;
    int rc;
    memset(&in, 0, sizeof in);
    memset(&t, 0, sizeof t);
    if (!c_identifier(name))
        return g99_fail(err, G99_EINVAL, "export-c: name '%.80s' is not a C identifier", name);
    if ((rc = gan_dcgan_load_generator(model_path, &m, err)) != 0) return rc;
    /* BatchNorm1d over [1, C] has one value per channel: train mode (batch
     * statistics, as gan99 sample draws) cannot run one image */
    if (m.cfg.size == 28) {
        gan_dcgan_free(&m);
        return g99_fail(err, G99_EUNSUPPORTED, "%s: the 28x28 DCGAN's BatchNorm1d cannot draw one image in train "
                        "mode (as gan99 sample does); export-c takes sizes 32 and 64", model_path);
    }
    rc = describe(&m, &d, err);
    in.cfg = m.cfg;
    for (i = 0; i < m.g.n; i++) in.n_weights += m.g.t[i]->numel;
    in.weight_bytes = in.n_weights * sizeof(float);
    if (!rc && in.weight_bytes > flash)
        rc = g99_fail(err, G99_ELIMIT, "%s: G's weights need %lu bytes of flash; the board has %lu (--flash)",
                      model_path, (unsigned long)in.weight_bytes, (unsigned long)flash);
    if (!rc) rc = measure_arena(&d.cm, &in.arena_bytes, err);
    in.ram_bytes = in.arena_bytes + GAN_C_STACK_BYTES;
    if (!rc && in.ram_bytes > ram)
        rc = g99_fail(err, G99_ELIMIT, "%s: G needs %lu bytes of RAM for one image (arena %lu + stack %lu); the "
                      "board has %lu (--ram)", model_path, (unsigned long)in.ram_bytes,
                      (unsigned long)in.arena_bytes, (unsigned long)GAN_C_STACK_BYTES, (unsigned long)ram);
    if (!rc) rc = print_c(&t, &d, name, model_path, &in, err);
    if (!rc) rc = g99_write_file_atomic(out, t.s, t.n, err);
    free(t.s);
    described_free(&d);
    gan_dcgan_free(&m);
    if (!rc && info) *info = in;
    return rc;
}
