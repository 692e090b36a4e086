/* gan99 export-c and what a board runs it with: the fixed arena
 * (nn_ctx_new_fixed), the bound generator (gan_dcgan_bind) and the CRC of
 * the output (gan_crc32_floats). Expected values: hand-derived (hex float
 * literals, layer tables, arena arithmetic), the C library's strtof for the
 * written literals, Python's zlib.crc32 for the CRCs, and the generator of
 * gan99 sample (gan_model_generate_latent, checked against PyTorch by the
 * dcgan suite) for the bound generator's output bits. */
#include "test.h"
#include "cli_run.h"
#include "../gan/gan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the fixed arena -------------------------------------------------------- */

static size_t peak_of_ops(nn_ctx *ctx)
{
    int s[2] = { 16, 33 };
    nn_tensor *a = nn_tensor_new(ctx, 2, s), *b = nn_tensor_new(ctx, 2, s);
    nn_tensor *c = nn_add(ctx, nn_tanh(ctx, a), b);
    return c ? nn_ctx_arena_peak(ctx) : 0;
}

static void fixed_arena_never_mallocs(void)
{
    static unsigned char buf[1 << 16];
    size_t used, reserved, mallocs, peak;
    nn_ctx *ctx = nn_ctx_new(0), *f;
    int s[1] = { 1 << 16 }, off;
    if (!CHECK(ctx != NULL)) return;
    peak = peak_of_ops(ctx);
    nn_ctx_free(ctx);
    CHECK(peak > 0 && peak % 64 == 0);
    /* too small for the record and the block header */
    CHECK(nn_ctx_new_fixed(buf, nn_ctx_fixed_bytes(0) - 1) == NULL);
    CHECK(nn_ctx_new_fixed(NULL, sizeof buf) == NULL);
    /* exactly nn_ctx_fixed_bytes(peak) suffices at every alignment */
    for (off = 0; off < 64; off++) {
        f = nn_ctx_new_fixed(buf + off, nn_ctx_fixed_bytes(peak));
        if (!CHECK(f != NULL)) return;
        CHECK(peak_of_ops(f) == peak);
        nn_ctx_arena_stats(f, &used, &reserved, &mallocs);
        CHECK_EQ_INT(0, (long long)mallocs);
        CHECK_EQ_INT(G99_OK, nn_ctx_error(f)->code);
        nn_ctx_free(f);
    }
    /* 64 bytes fewer on a 64-byte boundary (no padding to spend) is too few */
    for (off = 0; off < 64; off++) {
        f = nn_ctx_new_fixed(buf + off, nn_ctx_fixed_bytes(peak) - 64);
        if (!f || (size_t)((unsigned char *)f - (buf + off)) != 0) {
            nn_ctx_free(f);
            continue;
        }
        CHECK(peak_of_ops(f) == 0);
        CHECK_EQ_INT(G99_ENOMEM, nn_ctx_error(f)->code);
        nn_ctx_free(f);
        break;
    }
    CHECK(off < 64);
    /* a tensor larger than the arena fails with ENOMEM, a reset recovers */
    f = nn_ctx_new_fixed(buf, sizeof buf);
    if (!CHECK(f != NULL)) return;
    CHECK(nn_tensor_new(f, 1, s) == NULL);
    CHECK_EQ_INT(G99_ENOMEM, nn_ctx_error(f)->code);
    CHECK_CONTAINS("out of memory", nn_ctx_error(f)->msg);
    nn_ctx_clear_error(f);
    nn_ctx_reset(f);
    CHECK(peak_of_ops(f) == peak);
    nn_ctx_arena_stats(f, &used, &reserved, &mallocs);
    CHECK_EQ_INT(0, (long long)mallocs);
    nn_ctx_free(f);
}

static void wrap_is_a_persistent_leaf(void)
{
    static const float w[6] = { 1, 2, 3, 4, 5, 6 };
    static unsigned char buf[8192];
    nn_tensor rec, *y;
    int s[2] = { 2, 3 }, bad[2] = { 2, 0 };
    nn_ctx *ctx = nn_ctx_new_fixed(buf, sizeof buf);
    if (!CHECK(ctx != NULL)) return;
    CHECK(nn_tensor_wrap(&rec, 2, bad, w) == NULL);
    CHECK(nn_tensor_wrap(&rec, 2, s, NULL) == NULL);
    if (!CHECK(nn_tensor_wrap(&rec, 2, s, w) == &rec)) return;
    CHECK(rec.numel == 6 && rec.data == w && !rec.requires_grad && !rec.grad);
    nn_ctx_reset(ctx);   /* valid across resets, as a parameter */
    y = nn_scale(ctx, &rec, 2.0f);
    if (!CHECK(y != NULL)) return;
    CHECK_EQ_FBITS(12.0f, y->data[5]);
    CHECK_EQ_FBITS(3.0f, w[2]);   /* the data stays as it was */
    nn_ctx_free(ctx);
}

static void crc32_floats_is_little_endian(void)
{
    const float one = 1.0f, three[3] = { 1.0f, -2.5f, 0.1f };
    /* Python: zlib.crc32(struct.pack('<f', 1.0)), zlib.crc32(struct.pack('<3f', 1.0, -2.5, 0.1)) */
    CHECK_EQ_U32(0xACA16A6Au, gan_crc32_floats(&one, 1));
    CHECK_EQ_U32(0xA154A02Cu, gan_crc32_floats(three, 3));
    CHECK_EQ_U32(0u, gan_crc32_floats(three, 0));
}

/* ---- export-c --------------------------------------------------------------- */

#define CFG32 "{\"nc\":3,\"ndf\":4,\"ngf\":4,\"nz\":8,\"size\":32}"

/* A 32x32 model file (nz 8, ngf 4) with seeded weights, four of them set by hand. */
static int save_model(const char *path, const char *arch, int size, gan_dcgan *m)
{
    gan_dcgan_config c;
    g99_error err;
    char cfg[160];
    nn_rng r;
    c.nz = 8;
    c.ngf = c.ndf = 4;
    c.nc = 3;
    c.size = size;
    if (!CHECK_EQ_INT(0, gan_dcgan_init(m, &c, &err))) return -1;
    nn_rng_init(&r, 3, NN_STREAM_INIT);
    gan_dcgan_weights_init(m, &r);
    m->g.t[0]->data[0] = -0.0f;
    {
        uint32_t tiny = 1;   /* the smallest subnormal */
        memcpy(&m->g.t[0]->data[1], &tiny, 4);
    }
    m->g.t[0]->data[2] = 1.0f;
    m->g.t[0]->data[3] = -2.5f;
    gan_dcgan_config_json(&m->cfg, cfg, sizeof cfg);
    if (!CHECK_EQ_INT(0, nn_checkpoint_save(path, &m->g, arch, cfg, NULL, &err))) return -1;
    return 0;
}

static char *read_text(const char *path)
{
    uint8_t *data;
    size_t n;
    char *s;
    if (g99_read_file(path, (size_t)64 << 20, &data, &n, NULL)) return NULL;
    s = (char *)realloc(data, n + 1);
    if (!s) {
        free(data);
        return NULL;
    }
    s[n] = '\0';
    return s;
}

/* Every literal of array "<name>_t<i>" parsed with strtof must have the
 * bits of the model's tensor i. */
static void check_array(const char *text, int i, const nn_tensor *t)
{
    char head[64];
    const char *p;
    size_t k;
    sprintf(head, "gan99_model_t%d[%lu] = {", i, (unsigned long)t->numel);
    p = strstr(text, head);
    if (!CHECK(p != NULL)) return;
    p += strlen(head);
    for (k = 0; k < t->numel; k++) {
        char *end;
        float v;
        while (*p == ' ' || *p == '\n' || *p == ',') p++;
        v = strtof(p, &end);
        if (!CHECK(end != p && *end == 'f')) return;
        if (!CHECK_EQ_FBITS(t->data[k], v)) return;
        p = end + 1;
    }
    while (*p == ' ' || *p == '\n') p++;
    CHECK(*p == '}');
}

static void export_writes_exact_literals_and_layers(void)
{
    gan_dcgan m;
    gan_export_c_info in;
    g99_error err;
    char model[512], out[512], *text;
    size_t i;
    snprintf(model, sizeof model, "%s", test_tmp_path("export32.safetensors"));
    snprintf(out, sizeof out, "%s", test_tmp_path("export32.c"));
    if (save_model(model, "dcgan", 32, &m)) return;
    if (!CHECK_EQ_INT(0, gan_export_c(model, out, NULL, &in, &err))) {
        fprintf(stderr, "    %s\n", err.msg);
        gan_dcgan_free(&m);
        return;
    }
    text = read_text(out);
    if (!CHECK(text != NULL)) {
        gan_dcgan_free(&m);
        return;
    }
    /* G at 32: 8->16->8->4->3 channels, 8*16*16 + 16*8*16 + 8*4*16 + 4*3*16 weights, BN 5 x (16+8+4) + 3 counters */
    CHECK_EQ_INT(8 * 16 * 16 + 16 * 8 * 16 + 8 * 4 * 16 + 4 * 3 * 16 + 4 * (16 + 8 + 4) + 3, (long long)in.n_weights);
    CHECK_EQ_INT((long long)in.n_weights * 4, (long long)in.weight_bytes);
    CHECK_EQ_INT((long long)(in.arena_bytes + GAN_C_STACK_BYTES), (long long)in.ram_bytes);
    /* the hand-set values: -0, the smallest subnormal (2^-149 = 0x0.000002p-126), 1, -2.5 */
    CHECK_CONTAINS("= {\n    -0.0f, 0x0.000002p-126f, 0x1p+0f, -0x1.4p+1f,", text);
    /* the layer table: ConvT(8,16,4,1,0) BN ReLU, ConvT(16,8,4,2,1) ..., ConvT(4,3,4,2,1) Tanh;
     * momentum 0.1f = 0x3DCCCCCD, eps 1e-5f = 0x3727C5AC */
    CHECK_CONTAINS("{ GAN_OP_CONV_T, { .stride = 1 }, GAN_NORM_BATCH, GAN_ACT_RELU, 0.0f, 0x1.99999ap-4f, "
                   "0x1.4f8b58p-17f, 0, -1, 1, 2, 3, 4 },", text);
    CHECK_CONTAINS("{ GAN_OP_CONV_T, { .stride = 2, .padding = 1 }, GAN_NORM_BATCH, GAN_ACT_RELU, 0.0f, "
                   "0x1.99999ap-4f, 0x1.4f8b58p-17f, 6, -1, 7, 8, 9, 10 },", text);
    CHECK_CONTAINS("{ GAN_OP_CONV_T, { .stride = 2, .padding = 1 }, GAN_NORM_NONE, GAN_ACT_TANH, 0.0f, "
                   "0x1.99999ap-4f, 0x1.4f8b58p-17f, 18, -1, -1, -1, -1, -1 },", text);
    CHECK_CONTAINS("{ \"main.3.weight\", 4, { 16, 8, 4, 4 }, gan99_model_t6 },", text);
    CHECK_CONTAINS("const gan_c_model gan99_model = {\n    { 8, 4, 4, 3, 32 },\n"
                   "    4, gan99_model_layers, 19, gan99_model_tensors, GAN99_MODEL_ARENA_BYTES\n};", text);
    {
        char def[80];
        sprintf(def, "#define GAN99_MODEL_ARENA_BYTES %lu\n", (unsigned long)in.arena_bytes);
        CHECK_CONTAINS(def, text);
    }
    for (i = 0; i < m.g.n; i++) check_array(text, (int)i, m.g.t[i]);
    free(text);
    gan_dcgan_free(&m);
}

/* The description export-c writes for the 32 model above, by hand. */
static void describe_32(const gan_dcgan *m, gan_c_layer *l, gan_c_tensor *t, gan_c_model *cm)
{
    int i, k;
    memset(l, 0, 4 * sizeof *l);
    for (i = 0; i < 4; i++) {
        l[i].op = GAN_OP_CONV_T;
        l[i].geom.stride = i ? 2 : 1;
        l[i].geom.padding = i ? 1 : 0;
        l[i].norm = i < 3 ? GAN_NORM_BATCH : GAN_NORM_NONE;
        l[i].act = i < 3 ? GAN_ACT_RELU : GAN_ACT_TANH;
        l[i].momentum = 0.1f;
        l[i].eps = 1e-5f;
        l[i].weight = 6 * i;
        l[i].bias = -1;
        l[i].gamma = i < 3 ? 6 * i + 1 : -1;
        l[i].beta = i < 3 ? 6 * i + 2 : -1;
        l[i].running_mean = i < 3 ? 6 * i + 3 : -1;
        l[i].running_var = i < 3 ? 6 * i + 4 : -1;
    }
    for (k = 0; k < (int)m->g.n; k++) {
        t[k].name = m->g.t[k]->name;
        t[k].ndim = m->g.t[k]->ndim;
        memcpy(t[k].shape, m->g.t[k]->shape, sizeof t[k].shape);
        t[k].data = m->g.t[k]->data;
    }
    cm->cfg = m->cfg;
    cm->n_layers = 4;
    cm->layers = l;
    cm->n_tensors = (int)m->g.n;
    cm->tensors = t;
    cm->arena_bytes = 0;
}

static void bound_generator_draws_as_sample(void)
{
    gan_dcgan m, g;
    gan_c_layer l[4];
    gan_c_tensor t[19];
    gan_c_model cm;
    nn_tensor rec[19], *z, *img;
    gan_export_c_info in;
    const gan_family *f;
    gan_model *gm;
    gan_values v;
    g99_error err;
    char model[512];
    float lat[8], *ref = (float *)malloc(3 * 32 * 32 * sizeof(float));
    unsigned char *buf = NULL;
    nn_ctx *ctx = NULL;
    int s[4] = { 1, 8, 1, 1 };
    snprintf(model, sizeof model, "%s", test_tmp_path("bind32.safetensors"));
    if (!CHECK(ref != NULL) || save_model(model, "dcgan", 32, &m)) goto done;
    if (!CHECK_EQ_INT(19, (long long)m.g.n)) goto done;
    /* the reference: gan99 sample --n 1 --seed 7 */
    gan_latent_normal(7, 8, lat);
    if (!CHECK_EQ_INT(0, gan_model_load(model, &f, &gm, &v, &err))) goto done;
    CHECK_EQ_INT(0, gan_model_generate_latent(f, gm, lat, 1, ref, &err));
    f->destroy(gm);
    /* the board: bound weights, a fixed arena of export-c's size */
    if (!CHECK_EQ_INT(0, gan_export_c(model, test_tmp_path("bind32.c"), NULL, &in, &err))) goto done;
    describe_32(&m, l, t, &cm);
    if (!CHECK_EQ_INT(0, gan_dcgan_bind(&g, &cm, 1, rec, &err))) goto done;
    CHECK(g.gnet.layer[0].norm.running_mean == NULL);   /* train: nothing to write */
    buf = (unsigned char *)malloc(in.arena_bytes);
    ctx = buf ? nn_ctx_new_fixed(buf, in.arena_bytes) : NULL;
    if (!CHECK(ctx != NULL)) goto done;
    z = nn_tensor_from(ctx, 4, s, lat);
    img = gan_dcgan_generate(ctx, &g, z, 1);
    if (!CHECK(img != NULL)) {
        fprintf(stderr, "    %s\n", nn_ctx_error(ctx)->msg);
        goto done;
    }
    CHECK_EQ_INT(3 * 32 * 32, (long long)img->numel);
    CHECK_EQ_MEM(ref, img->data, 3 * 32 * 32 * sizeof(float));
    CHECK_EQ_U32(gan_crc32_floats(ref, 3 * 32 * 32), gan_crc32_floats(img->data, img->numel));
    /* eval mode binds the running statistics */
    CHECK_EQ_INT(0, gan_dcgan_bind(&g, &cm, 0, rec, &err));
    CHECK(g.gnet.layer[0].norm.running_mean == &rec[3] && g.gnet.layer[2].norm.running_var == &rec[16]);
    /* a layer naming a tensor that is not there */
    l[1].gamma = 19;
    CHECK_EQ_INT(G99_EINVAL, gan_dcgan_bind(&g, &cm, 1, rec, &err));
    CHECK_CONTAINS("layer 1", err.msg);
done:
    nn_ctx_free(ctx);
    free(buf);
    free(ref);
    gan_dcgan_free(&m);
}

static int exists(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f) fclose(f);
    return f != NULL;
}

static void export_refuses_with_what_it_needs(void)
{
    gan_dcgan m;
    gan_export_c_opts o;
    gan_export_c_info in;
    g99_error err;
    char model[512], out[512], want[200];
    snprintf(model, sizeof model, "%s", test_tmp_path("refuse32.safetensors"));
    snprintf(out, sizeof out, "%s", test_tmp_path("refuse32.c"));
    if (save_model(model, "dcgan", 32, &m)) return;
    gan_dcgan_free(&m);
    if (!CHECK_EQ_INT(0, gan_export_c(model, test_tmp_path("fits.c"), NULL, &in, &err))) return;
    memset(&o, 0, sizeof o);
    /* RAM: one byte short of arena + stack */
    o.ram = in.ram_bytes - 1;
    remove(out);
    CHECK_EQ_INT(G99_ELIMIT, gan_export_c(model, out, &o, NULL, &err));
    sprintf(want, "G needs %lu bytes of RAM for one image (arena %lu + stack %lu); the board has %lu (--ram)",
            (unsigned long)in.ram_bytes, (unsigned long)in.arena_bytes, (unsigned long)GAN_C_STACK_BYTES,
            (unsigned long)o.ram);
    CHECK_CONTAINS(want, err.msg);
    o.ram = in.ram_bytes;
    CHECK_EQ_INT(0, gan_export_c(model, out, &o, NULL, &err));
    CHECK(remove(out) == 0);
    /* flash */
    o.ram = 0;
    o.flash = in.weight_bytes - 1;
    CHECK_EQ_INT(G99_ELIMIT, gan_export_c(model, out, &o, NULL, &err));
    sprintf(want, "G's weights need %lu bytes of flash; the board has %lu (--flash)", (unsigned long)in.weight_bytes,
            (unsigned long)o.flash);
    CHECK_CONTAINS(want, err.msg);
    CHECK(!exists(out));
    /* not a C identifier */
    o.flash = 0;
    o.name = "9lives";
    CHECK_EQ_INT(G99_EINVAL, gan_export_c(model, out, &o, NULL, &err));
    CHECK_CONTAINS("not a C identifier", err.msg);
    /* another family's model file */
    snprintf(model, sizeof model, "%s", test_tmp_path("pix.safetensors"));
    if (save_model(model, "pix2pix", 32, &m)) return;
    gan_dcgan_free(&m);
    CHECK(gan_export_c(model, out, NULL, NULL, &err) != 0);
    CHECK_CONTAINS("not a DCGAN model file (gan99.arch is pix2pix)", err.msg);
    CHECK(!exists(out));
}

/* The 28x28 variant: its BatchNorm1d sees one value per channel at batch 1
 * in train mode (PyTorch refuses that too), so there is no one-image draw
 * to export. */
static void export_refuses_28(void)
{
    gan_dcgan m;
    g99_error err;
    char model[512], out[512];
    snprintf(model, sizeof model, "%s", test_tmp_path("export28.safetensors"));
    snprintf(out, sizeof out, "%s", test_tmp_path("export28.c"));
    if (save_model(model, "dcgan", 28, &m)) return;
    gan_dcgan_free(&m);
    remove(out);
    CHECK_EQ_INT(G99_EUNSUPPORTED, gan_export_c(model, out, NULL, NULL, &err));
    CHECK_CONTAINS("28x28", err.msg);
    CHECK(!exists(out));
}

/* ---- the commands ---------------------------------------------------------- */

static void export_and_crc_commands(void)
{
    gan_dcgan m;
    const gan_family *f;
    gan_model *gm;
    gan_values v;
    g99_error err;
    char model[512], want[64];
    float lat[8], *x = (float *)malloc(3 * 32 * 32 * sizeof(float));
    if (cli_run_binary_missing()) {
        if (test_gan99_given()) CHECK(!"the --gan99 binary is missing");
        free(x);
        return;
    }
    snprintf(model, sizeof model, "%s", cli_run_tmp("cli_export32.safetensors"));
    if (!CHECK(x != NULL) || save_model(model, "dcgan", 32, &m)) {
        free(x);
        return;
    }
    gan_dcgan_free(&m);
    remove(cli_run_tmp("cli_export32.c"));   /* left by an earlier run */
    CHECK_EQ_INT(0, cli_run("export-c --help"));
    CHECK_CONTAINS("usage: gan99 export-c", cli_run_out);
    CHECK_EQ_INT(2, cli_run("export-c %s", model));
    CHECK_EQ_STR("gan99: export-c: expects MODEL_FILE and --out FILE.c", cli_run_first_line);
    CHECK_EQ_INT(2, cli_run("export-c %s --out %s --ram 2048", model, cli_run_tmp("cli_export32.c")));
    CHECK_CONTAINS("bytes of RAM for one image", cli_run_first_line);
    CHECK_CONTAINS("the board has 2048 (--ram)", cli_run_first_line);
    CHECK(!cli_run_exists(cli_run_tmp("cli_export32.c")));
    CHECK_EQ_INT(0, cli_run("export-c %s --out %s --name tiny", model, cli_run_tmp("cli_export32.c")));
    CHECK(cli_run_exists(cli_run_tmp("cli_export32.c")));
    /* sample --crc: the CRC of sample's own floats */
    gan_latent_normal(7, 8, lat);
    if (CHECK_EQ_INT(0, gan_model_load(model, &f, &gm, &v, &err))) {
        CHECK_EQ_INT(0, gan_model_generate_latent(f, gm, lat, 1, x, &err));
        f->destroy(gm);
        sprintf(want, "crc32 %08lX\n", (unsigned long)gan_crc32_floats(x, 3 * 32 * 32));
        CHECK_EQ_INT(0, cli_run("sample %s --n 1 --seed 7 --crc", model));
        CHECK_EQ_STR(want, cli_run_out);
    }
    free(x);
}

const test_case export_c_tests[] = {
    TEST(fixed_arena_never_mallocs),
    TEST(wrap_is_a_persistent_leaf),
    TEST(crc32_floats_is_little_endian),
    TEST(export_writes_exact_literals_and_layers),
    TEST(bound_generator_draws_as_sample),
    TEST(export_refuses_with_what_it_needs),
    TEST(export_refuses_28),
    TEST(export_and_crc_commands),
    TEST_END
};
