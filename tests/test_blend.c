/* Tests of Toonify's layer swapping (gan/blend.c) and gan99 blend.
 *
 * The per-key choice table comes from golden/tools/blend_golden.py, an
 * independent reimplementation of blend_models.py's rule on TensorFlow
 * names (golden/blend/choices.txt). The model files are built here: small
 * tensors under stylegan2-ada-pytorch's G_ema keys with gan99.arch
 * "stylegan" (the StyleGAN2 networks are not needed to blend their
 * tables). The rest is hand-derived: y = 0 gives LOW's bytes and y = 1
 * HIGH's, a model blended with itself is itself, alpha 0 and 1 give the
 * inputs, fix_quirks moves b4.conv1 to b4.torgb's weight, bad inputs are
 * refused naming the file or value and leave no output. */
#include "test.h"
#include "cli_run.h"

#include "../gan/gan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a small G_ema table ------------------------------------------------- */

#define W_DIM 4
#define CH 2

static int add(nn_params *p, const char *name, int kind, int ndim, int a, int b, int c, int d)
{
    int shape[4];
    shape[0] = a;
    shape[1] = b;
    shape[2] = c;
    shape[3] = d;
    return nn_params_add(p, name, kind, ndim, shape, NULL) != NULL;
}

static int add_layer(nn_params *p, const char *prefix, int r, int torgb, int bias_len)
{
    char k[128];
    int ok = 1;
#define KEY(s) (snprintf(k, sizeof k, "%s.%s", prefix, s), k)
    if (torgb) {
        ok &= add(p, KEY("weight"), NN_PARAM, 4, 3, CH, 1, 1);
        ok &= add(p, KEY("bias"), NN_PARAM, 1, 3, 0, 0, 0);
    } else {
        ok &= add(p, KEY("weight"), NN_PARAM, 4, CH, CH, 3, 3);
        ok &= add(p, KEY("noise_strength"), NN_PARAM, 0, 0, 0, 0, 0);
        ok &= add(p, KEY("bias"), NN_PARAM, 1, bias_len, 0, 0, 0);
        ok &= add(p, KEY("resample_filter"), NN_BUFFER, 2, 4, 4, 0, 0);
        ok &= add(p, KEY("noise_const"), NN_BUFFER, 2, r, r, 0, 0);
    }
    ok &= add(p, KEY("affine.weight"), NN_PARAM, 2, CH, W_DIM, 0, 0);
    ok &= add(p, KEY("affine.bias"), NN_PARAM, 1, CH, 0, 0, 0);
#undef KEY
    return ok;
}

/* G_ema's keys for a model of `size` (8 mapping layers, channels CH),
 * values uniform in [-1, 1) from seed; odd_shape != 0 makes that block's
 * conv1 bias one longer. */
static int make_table(nn_params *p, int size, uint64_t seed, int odd_shape)
{
    char k[128], prefix[64];
    int i, r, ok = 1;
    nn_rng rng;
    nn_params_init(p);
    for (i = 0; i < 8; i++) {
        snprintf(k, sizeof k, "mapping.fc%d.weight", i);
        ok &= add(p, k, NN_PARAM, 2, W_DIM, W_DIM, 0, 0);
        snprintf(k, sizeof k, "mapping.fc%d.bias", i);
        ok &= add(p, k, NN_PARAM, 1, W_DIM, 0, 0, 0);
    }
    ok &= add(p, "mapping.w_avg", NN_BUFFER, 1, W_DIM, 0, 0, 0);
    for (r = 4; r <= size; r *= 2) {
        if (r == 4) ok &= add(p, "synthesis.b4.const", NN_PARAM, 3, CH, 4, 4, 0);
        snprintf(k, sizeof k, "synthesis.b%d.resample_filter", r);
        ok &= add(p, k, NN_BUFFER, 2, 4, 4, 0, 0);
        if (r > 4) {
            snprintf(prefix, sizeof prefix, "synthesis.b%d.conv0", r);
            ok &= add_layer(p, prefix, r, 0, CH);
        }
        snprintf(prefix, sizeof prefix, "synthesis.b%d.conv1", r);
        ok &= add_layer(p, prefix, r, 0, odd_shape == r ? CH + 1 : CH);
        snprintf(prefix, sizeof prefix, "synthesis.b%d.torgb", r);
        ok &= add_layer(p, prefix, r, 1, CH);
    }
    ok = ok && nn_params_alloc(p, NULL) == 0;
    if (ok) {
        nn_rng_init(&rng, seed, 99);
        nn_rng_fill_uniform(&rng, p->data, p->n_total, -1.0f, 1.0f);
    } else {
        nn_params_free(p);
    }
    return ok;
}

static const char *config64 = "{\"size\":64,\"w_dim\":4}";

static int save_model(const char *name, const nn_params *p, const char *arch, const char *config)
{
    g99_error err;
    int rc = nn_checkpoint_save(test_tmp_path(name), p, arch, config, NULL, &err);
    if (rc) fprintf(stderr, "    %s\n", err.msg);
    return rc == 0;
}

/* ---- the rule against blend_models.py ---------------------------------------- */

/* golden/blend/choices.txt: every key of every case gets the weight the
 * Python walk gave it (exactly for the hard switch; within float rounding
 * of the sigmoid for widths > 0), and "low" keys get 0. */
static void choice_table_matches_blend_models_py(void)
{
    FILE *f = fopen("golden/blend/choices.txt", "r");
    char line[256], key[160], kind[16], y_text[40];
    gan_blend_opts o;
    int size = 0, cases = 0, keys = 0, blended = 0;
    double width;
    if (!CHECK(f != NULL)) return;
    gan_blend_opts_default(&o);
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#') continue;
        if (strncmp(line, "case ", 5) == 0) {
            if (!CHECK_EQ_INT(4, sscanf(line + 5, "%d %d %lf %d", &size, &o.swap_res, &width, &o.level))) break;
            o.width = (float)width;
            cases++;
            continue;
        }
        if (!CHECK_EQ_INT(3, sscanf(line, "%159s %15s %39s", key, kind, y_text))) break;
        keys++;
        {
            float y = gan_blend_weight(key, strcmp(kind, "param") == 0, &o);
            if (strcmp(y_text, "low") == 0) {
                if (!CHECK_EQ_FBITS(0.0f, y)) fprintf(stderr, "    %s (case %d)\n", key, cases);
            } else {
                double want = strtod(y_text, NULL);
                blended++;
                if (o.width == 0.0f ? !CHECK_EQ_FBITS((float)want, y) : !CHECK_NEAR(want, y, 1e-7, 2e-7))
                    fprintf(stderr, "    %s (case %d)\n", key, cases);
            }
        }
    }
    fclose(f);
    CHECK_EQ_INT(17, cases);
    CHECK(keys > 1900);
    CHECK(blended > 800);
}

/* Positions by hand from the spec: b4.const 0, b4.torgb 1, b8.conv0 2,
 * b8.conv1 and torgb 3, b64.conv0 8; b4.conv1 none (position 1 with
 * fix_quirks); mapping and blocks' own buffers none. */
static void positions_by_hand(void)
{
    CHECK_EQ_INT(0, gan_blend_position("synthesis.b4.const", 0));
    CHECK_EQ_INT(1, gan_blend_position("synthesis.b4.torgb.affine.weight", 0));
    CHECK_EQ_INT(-1, gan_blend_position("synthesis.b4.conv1.weight", 0));
    CHECK_EQ_INT(1, gan_blend_position("synthesis.b4.conv1.weight", 1));
    CHECK_EQ_INT(2, gan_blend_position("synthesis.b8.conv0.bias", 0));
    CHECK_EQ_INT(3, gan_blend_position("synthesis.b8.conv1.noise_strength", 0));
    CHECK_EQ_INT(3, gan_blend_position("synthesis.b8.torgb.bias", 0));
    CHECK_EQ_INT(8, gan_blend_position("synthesis.b64.conv0.weight", 0));
    CHECK_EQ_INT(15, gan_blend_position("synthesis.b512.torgb.weight", 0));
    CHECK_EQ_INT(-1, gan_blend_position("synthesis.b8.resample_filter", 0));
    CHECK_EQ_INT(-1, gan_blend_position("synthesis.b12.conv0.weight", 0));
    CHECK_EQ_INT(-1, gan_blend_position("synthesis.b08.conv0.weight", 0));
    CHECK_EQ_INT(-1, gan_blend_position("synthesis.b8.conv0x.weight", 0));
    CHECK_EQ_INT(-1, gan_blend_position("mapping.fc0.weight", 0));
    CHECK_EQ_INT(-1, gan_blend_position("synthesis.b4.conv0.weight", 0));
}

/* fix_quirks: b4.conv1's parameters take b4.torgb's weight, its buffers
 * stay LOW's, nothing else moves. */
static void fix_quirks_blends_b4_conv1(void)
{
    static const int res[3] = { 4, 8, 16 };
    static const float widths[2] = { 0.0f, 1.0f };
    gan_blend_opts o, q;
    int i, j;
    for (i = 0; i < 3; i++)
        for (j = 0; j < 2; j++) {
            gan_blend_opts_default(&o);
            o.swap_res = res[i];
            o.width = widths[j];
            q = o;
            q.fix_quirks = 1;
            CHECK_EQ_FBITS(0.0f, gan_blend_weight("synthesis.b4.conv1.weight", 1, &o));
            CHECK_EQ_FBITS(gan_blend_weight("synthesis.b4.torgb.weight", 1, &o),
                           gan_blend_weight("synthesis.b4.conv1.weight", 1, &q));
            CHECK_EQ_FBITS(gan_blend_weight("synthesis.b4.torgb.bias", 1, &o),
                           gan_blend_weight("synthesis.b4.conv1.affine.bias", 1, &q));
            CHECK_EQ_FBITS(0.0f, gan_blend_weight("synthesis.b4.conv1.noise_const", 0, &q));
            CHECK_EQ_FBITS(gan_blend_weight("synthesis.b8.conv0.weight", 1, &o),
                           gan_blend_weight("synthesis.b8.conv0.weight", 1, &q));
        }
    /* with a sigmoid the position-1 weight is sigmoid(-1) at swap 8: not 0 */
    q.swap_res = 8;
    q.width = 1.0f;
    CHECK(gan_blend_weight("synthesis.b4.conv1.weight", 1, &q) > 0.2f);
}

/* ---- tables ------------------------------------------------------------------- */

/* Hard switch at 16 on a size-64 table: every value is LOW's or HIGH's,
 * by the key's weight; the sigmoid lies between them; a table blended
 * with itself is itself; out may be an allocated table (in place). */
static void tables_blend_by_key(void)
{
    nn_params low, high, out, same;
    gan_blend_opts o;
    g99_error err;
    size_t i, j;
    int ok = 1, n_high = 0;
    if (!CHECK(make_table(&low, 64, 1, 0)) || !CHECK(make_table(&high, 64, 2, 0))) return;
    gan_blend_opts_default(&o);
    o.swap_res = 16;
    nn_params_init(&out);
    if (CHECK_EQ_INT(0, gan_blend_tables(&low, &high, &o, &out, &err))) {
        CHECK_EQ_U64(low.n, out.n);
        for (i = 0; i < low.n; i++) {
            const nn_tensor *t = out.t[i];
            float y = gan_blend_weight(t->name, low.kind[i] == NN_PARAM, &o);
            const nn_tensor *src = y == 1.0f ? high.t[i] : low.t[i];
            CHECK_EQ_STR(low.t[i]->name, t->name);
            ok &= (y == 0.0f || y == 1.0f) && memcmp(src->data, t->data, t->numel * sizeof(float)) == 0;
            n_high += y == 1.0f;
        }
        CHECK(ok);
        /* above 16: b32 and b64 conv0, conv1, torgb, 4 + 4 + 2 tensors each... */
        CHECK_EQ_INT(2 * (5 + 5 + 4), n_high);
        CHECK(memcmp(nn_params_find(&out, "mapping.fc3.weight")->data, nn_params_find(&low, "mapping.fc3.weight")->data,
                     W_DIM * W_DIM * sizeof(float)) == 0);
    }
    nn_params_free(&out);
    /* a sigmoid of width 1: each value between LOW's and HIGH's, y = 1/2 at b16.conv0 */
    o.width = 1.0f;
    if (CHECK_EQ_INT(0, gan_blend_tables(&low, &high, &o, &out, &err))) {
        nn_tensor *a = nn_params_find(&low, "synthesis.b16.conv0.bias"), *b = nn_params_find(&high, "synthesis.b16.conv0.bias");
        nn_tensor *c = nn_params_find(&out, "synthesis.b16.conv0.bias");
        for (i = 0; i < out.n; i++)
            for (j = 0; j < out.t[i]->numel; j++) {
                float l = low.t[i]->data[j], h = high.t[i]->data[j], v = out.t[i]->data[j];
                ok &= v >= (l < h ? l : h) && v <= (l < h ? h : l);
            }
        CHECK(ok);
        for (j = 0; j < (size_t)CH; j++) CHECK_NEAR(0.5 * (a->data[j] + b->data[j]), c->data[j], 1e-7, 0);
        nn_params_free(&out);
    }
    /* itself: the same bytes; written in place into a copy of low */
    if (CHECK(make_table(&same, 64, 1, 0))) {
        if (CHECK_EQ_INT(0, gan_blend_tables(&low, &low, &o, &same, &err)))
            CHECK_EQ_MEM(low.data, same.data, low.n_total * sizeof(float));
        nn_params_free(&same);
    }
    nn_params_free(&low);
    nn_params_free(&high);
}

static void tables_refused(void)
{
    nn_params low, high, small, odd, out;
    gan_blend_opts o;
    g99_error err;
    if (!CHECK(make_table(&low, 64, 1, 0)) || !CHECK(make_table(&high, 64, 2, 0)) ||
        !CHECK(make_table(&small, 32, 2, 0)) || !CHECK(make_table(&odd, 64, 2, 16)))
        return;
    gan_blend_opts_default(&o);
    nn_params_init(&out);
    o.swap_res = 12;
    CHECK_EQ_INT(G99_EINVAL, gan_blend_tables(&low, &high, &o, &out, &err));
    CHECK_CONTAINS("swap resolution 12 is not one of the model's (4, 8, ... 64)", err.msg);
    o.swap_res = 128;
    CHECK_EQ_INT(G99_EINVAL, gan_blend_tables(&low, &high, &o, &out, &err));
    o.swap_res = 2;
    CHECK_EQ_INT(G99_EINVAL, gan_blend_tables(&low, &high, &o, &out, &err));
    o.swap_res = 16;
    o.width = -1.0f;
    CHECK_EQ_INT(G99_EINVAL, gan_blend_tables(&low, &high, &o, &out, &err));
    CHECK_CONTAINS("width -1", err.msg);
    o.width = 0.0f;
    o.level = 2;
    CHECK_EQ_INT(G99_EINVAL, gan_blend_tables(&low, &high, &o, &out, &err));
    o.level = 0;
    CHECK_EQ_INT(G99_EFORMAT, gan_blend_tables(&low, &small, &o, &out, &err));
    CHECK_CONTAINS("LOW has tensor synthesis.b64.", err.msg);
    CHECK_EQ_INT(G99_EFORMAT, gan_blend_tables(&small, &low, &o, &out, &err));
    CHECK_CONTAINS("HIGH has tensor synthesis.b64.", err.msg);
    CHECK_EQ_INT(G99_EFORMAT, gan_blend_tables(&low, &odd, &o, &out, &err));
    CHECK_CONTAINS("tensor synthesis.b16.conv1.bias: shape [2] in LOW, [3] in HIGH", err.msg);
    o.use_alpha = 1;
    o.alpha = 1.5f;
    CHECK_EQ_INT(G99_EINVAL, gan_blend_tables(&low, &high, &o, &out, &err));
    CHECK_CONTAINS("alpha 1.5", err.msg);
    CHECK_EQ_U64(0, out.n);   /* nothing made */
    nn_params_free(&low);
    nn_params_free(&high);
    nn_params_free(&small);
    nn_params_free(&odd);
}

/* ---- files ----------------------------------------------------------------- */

/* The tensor `name` of a file equals the floats of t (bit for bit). */
static int file_tensor_is(const nn_st_file *f, const nn_tensor *t)
{
    const nn_st_tensor *s = nn_st_find(f, t->name);
    float *v;
    int same;
    if (!s || s->numel != t->numel) return 0;
    v = (float *)malloc(t->numel * sizeof *v);
    same = v && nn_st_read_f32(s, v, t->numel, NULL) == 0 && memcmp(v, t->data, t->numel * sizeof *v) == 0;
    free(v);
    return same;
}

static int file_is(const char *path, const nn_params *p)
{
    nn_st_file *f = NULL;
    size_t i;
    int same;
    g99_error err;
    if (nn_st_load(path, NN_ST_MAX_FILE, &f, &err)) return 0;
    same = f->n_tensors == p->n;
    for (i = 0; same && i < p->n; i++) same = file_tensor_is(f, p->t[i]);
    same = same && nn_st_meta(f, "gan99.arch") && strcmp(nn_st_meta(f, "gan99.arch"), "stylegan") == 0;
    same = same && nn_st_meta(f, "gan99.config") && strcmp(nn_st_meta(f, "gan99.config"), config64) == 0;
    nn_st_free(f);
    return same;
}

/* Alpha 0 and 1 give the inputs' bytes; a model blended with itself is
 * itself; a swap blend equals the table blend; all keep arch and config. */
static void files_alpha_and_self(void)
{
    nn_params low, high, want;
    gan_blend_opts o;
    g99_error err;
    char a[512], b[512], out[512];
    if (!CHECK(make_table(&low, 64, 1, 0)) || !CHECK(make_table(&high, 64, 2, 0))) return;
    if (!CHECK(save_model("blend_low.safetensors", &low, "stylegan", config64)) ||
        !CHECK(save_model("blend_high.safetensors", &high, "stylegan", config64)))
        return;
    snprintf(a, sizeof a, "%s", test_tmp_path("blend_low.safetensors"));
    snprintf(b, sizeof b, "%s", test_tmp_path("blend_high.safetensors"));
    snprintf(out, sizeof out, "%s", test_tmp_path("blend_out.safetensors"));
    gan_blend_opts_default(&o);
    o.use_alpha = 1;
    o.alpha = 0.0f;
    if (CHECK_EQ_INT(0, gan_blend_files(a, b, &o, out, &err))) CHECK(file_is(out, &low));
    o.alpha = 1.0f;
    if (CHECK_EQ_INT(0, gan_blend_files(a, b, &o, out, &err))) CHECK(file_is(out, &high));
    o.alpha = 0.25f;
    if (CHECK_EQ_INT(0, gan_blend_files(a, a, &o, out, &err))) CHECK(file_is(out, &low));
    gan_blend_opts_default(&o);
    o.swap_res = 8;
    o.width = 1.0f;
    o.fix_quirks = 1;
    if (CHECK_EQ_INT(0, gan_blend_files(b, b, &o, out, &err))) CHECK(file_is(out, &high));
    nn_params_init(&want);
    if (CHECK_EQ_INT(0, gan_blend_tables(&low, &high, &o, &want, &err)) &&
        CHECK_EQ_INT(0, gan_blend_files(a, b, &o, out, &err)))
        CHECK(file_is(out, &want));
    nn_params_free(&want);
    nn_params_free(&low);
    nn_params_free(&high);
}

/* Not stylegan models, two different models: refused naming the file,
 * no output written. */
static void files_refused(void)
{
    nn_params low, small, odd;
    nn_st_writer *w = NULL;
    gan_blend_opts o;
    g99_error err;
    char a[512], out[512];
    if (!CHECK(make_table(&low, 64, 1, 0)) || !CHECK(make_table(&small, 32, 1, 0)) || !CHECK(make_table(&odd, 64, 1, 8)))
        return;
    CHECK(save_model("blend_a.safetensors", &low, "stylegan", config64));
    CHECK(save_model("blend_dcgan.safetensors", &low, "dcgan", config64));
    CHECK(save_model("blend_ckpt.safetensors", &low, "stylegan-train", config64));
    CHECK(save_model("blend_cfg.safetensors", &low, "stylegan", "{\"size\":64,\"w_dim\":8}"));
    CHECK(save_model("blend_small.safetensors", &small, "stylegan", config64));
    CHECK(save_model("blend_odd.safetensors", &odd, "stylegan", config64));
    CHECK(save_model("blend_noconfig.safetensors", &low, "stylegan", NULL));
    if (CHECK_EQ_INT(0, nn_st_writer_new(&w, &err))) {
        size_t shape[1] = { 2 };
        static const float v[2] = { 1, 2 };
        CHECK_EQ_INT(0, nn_st_writer_f32(w, "x", shape, 1, v, &err));
        CHECK_EQ_INT(0, nn_st_writer_save(w, test_tmp_path("blend_plain.safetensors"), &err));
        CHECK_EQ_INT(0, nn_st_writer_meta(w, "gan99.arch", "stylegan", &err));
        CHECK_EQ_INT(0, nn_st_writer_meta(w, "gan99.config", "[64]", &err));
        CHECK_EQ_INT(0, nn_st_writer_save(w, test_tmp_path("blend_badcfg.safetensors"), &err));
        nn_st_writer_free(w);
    }
    snprintf(a, sizeof a, "%s", test_tmp_path("blend_a.safetensors"));
    snprintf(out, sizeof out, "%s", test_tmp_path("blend_never.safetensors"));
    gan_blend_opts_default(&o);
    o.swap_res = 16;
    CHECK_EQ_INT(G99_EFORMAT, gan_blend_files(a, test_tmp_path("blend_dcgan.safetensors"), &o, out, &err));
    CHECK_CONTAINS("blend_dcgan.safetensors: a dcgan model; blending takes two stylegan models", err.msg);
    CHECK_EQ_INT(G99_EFORMAT, gan_blend_files(test_tmp_path("blend_ckpt.safetensors"), a, &o, out, &err));
    CHECK_CONTAINS("blend_ckpt.safetensors: a training checkpoint", err.msg);
    CHECK_EQ_INT(G99_EFORMAT, gan_blend_files(a, test_tmp_path("blend_plain.safetensors"), &o, out, &err));
    CHECK_CONTAINS("blend_plain.safetensors: not a gan99 model file", err.msg);
    CHECK_EQ_INT(G99_EFORMAT, gan_blend_files(a, test_tmp_path("blend_noconfig.safetensors"), &o, out, &err));
    CHECK_CONTAINS("no gan99.config", err.msg);
    CHECK_EQ_INT(G99_EFORMAT, gan_blend_files(test_tmp_path("blend_badcfg.safetensors"), a, &o, out, &err));
    CHECK_CONTAINS("blend_badcfg.safetensors: gan99.config is not a JSON object", err.msg);
    CHECK_EQ_INT(G99_EFORMAT, gan_blend_files(a, test_tmp_path("blend_cfg.safetensors"), &o, out, &err));
    CHECK_CONTAINS("are different models: gan99.config", err.msg);
    CHECK_EQ_INT(G99_EFORMAT, gan_blend_files(a, test_tmp_path("blend_small.safetensors"), &o, out, &err));
    CHECK_CONTAINS("blend_a.safetensors has tensor synthesis.b64.", err.msg);
    CHECK_EQ_INT(G99_EFORMAT, gan_blend_files(a, test_tmp_path("blend_odd.safetensors"), &o, out, &err));
    CHECK_CONTAINS("tensor synthesis.b8.conv1.bias: shape [2] in ", err.msg);
    CHECK(gan_blend_files(a, test_tmp_path("no_such.safetensors"), &o, out, &err) != 0);
    CHECK_CONTAINS("no_such.safetensors", err.msg);
    o.swap_res = 128;
    CHECK_EQ_INT(G99_EINVAL, gan_blend_files(a, a, &o, out, &err));
    CHECK_CONTAINS("swap resolution 128", err.msg);
    CHECK(!cli_run_exists(out));
    nn_params_free(&low);
    nn_params_free(&small);
    nn_params_free(&odd);
}

/* ---- gan99 blend -------------------------------------------------------------- */

static void cli_blend(void)
{
    nn_params low, high;
    char a[512], b[512], out[512];
    if (cli_run_binary_missing()) return;
    if (!CHECK(make_table(&low, 64, 1, 0)) || !CHECK(make_table(&high, 64, 2, 0))) return;
    CHECK(save_model("cli_blend_low.safetensors", &low, "stylegan", config64));
    CHECK(save_model("cli_blend_high.safetensors", &high, "stylegan", config64));
    snprintf(a, sizeof a, "%s", cli_run_tmp("cli_blend_low.safetensors"));
    snprintf(b, sizeof b, "%s", cli_run_tmp("cli_blend_high.safetensors"));
    snprintf(out, sizeof out, "%s", cli_run_tmp("cli_blend_out.safetensors"));
    CHECK_EQ_INT(0, cli_run("blend %s %s --alpha 1 --out %s", a, b, out));
    CHECK(file_is(out, &high));
    CHECK_EQ_INT(0, cli_run("blend %s %s --swap-res 16 --width 0.5 --fix-quirks --out %s", a, b, out));
    CHECK_CONTAINS("a sigmoid of width 0.5 centred on resolution 16, level 0, b4.conv1 blended too", cli_run_out);
    CHECK_EQ_INT(0, cli_run("blend %s %s --swap-res 8 --out %s", b, b, out));
    CHECK(file_is(out, &high));
    remove(out);
    CHECK_EQ_INT(2, cli_run("blend %s %s --swap-res 12 --out %s", a, b, out));
    CHECK_CONTAINS("gan99: blend: --swap-res 12: not a resolution", cli_run_first_line);
    CHECK_EQ_INT(2, cli_run("blend %s %s --swap-res 128 --out %s", a, b, out));
    CHECK_CONTAINS("swap resolution 128 is not one of the model's (4, 8, ... 64)", cli_run_first_line);
    CHECK_EQ_INT(2, cli_run("blend %s %s --swap-res 8 --alpha 0.5 --out %s", a, b, out));
    CHECK_CONTAINS("needs one of --swap-res R and --alpha A", cli_run_first_line);
    CHECK_EQ_INT(2, cli_run("blend %s %s --alpha 0.5 --width 1 --out %s", a, b, out));
    CHECK_EQ_INT(2, cli_run("blend %s %s --alpha 1.5 --out %s", a, b, out));
    CHECK_CONTAINS("--alpha", cli_run_first_line);
    CHECK_EQ_INT(2, cli_run("blend %s %s --swap-res 8", a, b));
    CHECK_CONTAINS("needs --out FILE", cli_run_first_line);
    CHECK_EQ_INT(2, cli_run("blend %s --swap-res 8 --out %s", a, out));
    CHECK_EQ_INT(2, cli_run("blend %s %s --swap-res 8 --out %s", a, cli_run_tmp("nothing_here.safetensors"), out));
    CHECK_CONTAINS("nothing_here.safetensors", cli_run_first_line);
    CHECK_EQ_INT(2, cli_run("blend %s %s --swap-res 8 --out %s", a, b, cli_run_tmp("no_dir/x.safetensors")));
    CHECK_CONTAINS("there is no folder", cli_run_first_line);
    CHECK_EQ_INT(2, cli_run("blend %s %s --swap-res 8 --width x --out %s", a, b, out));
    CHECK_CONTAINS("gan99: blend: --width", cli_run_first_line);
    CHECK_EQ_INT(2, cli_run("blend %s %s --swap-res 8 --width -1 --out %s", a, b, out));
    CHECK_EQ_INT(2, cli_run("blend %s %s --swap-res 8 --level 2 --out %s", a, b, out));
    CHECK_EQ_INT(2, cli_run("blend %s %s --swap-res 8 --bogus --out %s", a, b, out));
    CHECK_CONTAINS("gan99: blend: unknown option '--bogus'", cli_run_first_line);
    CHECK(!cli_run_exists(out));
    CHECK_EQ_INT(0, cli_run("blend --help"));
    CHECK_CONTAINS("usage: gan99 blend LOW HIGH --swap-res R", cli_run_out);
    CHECK_EQ_INT(0, cli_run("help blend"));
    CHECK_CONTAINS("--fix-quirks", cli_run_out);
    nn_params_free(&low);
    nn_params_free(&high);
}

const test_case blend_tests[] = {
    TEST(choice_table_matches_blend_models_py),
    TEST(positions_by_hand),
    TEST(fix_quirks_blends_b4_conv1),
    TEST(tables_blend_by_key),
    TEST(tables_refused),
    TEST(files_alpha_and_self),
    TEST(files_refused),
    TEST(cli_blend),
    TEST_END,
};
