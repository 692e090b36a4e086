/* The DCGAN pipeline: the 32x32 and 28x28 variants (parameter
 * counts by hand, G's output against PyTorch from a gan99-written model
 * file), the synthetic faces, the datasets (folder, IDX, gzip), the run
 * folder with its bit-identical resume, and the errors that must leave
 * existing files untouched. Every model here is tiny (widths 2-4, batch
 * 2), so the suite stays fast on the scalar path and under qemu. */
#include "test.h"
#include "../gan/gan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- models ------------------------------------------------------------ */

static void variant_shapes_and_counts(void)
{
    /* 32: G ConvT 4->8->4->2->3 (k4): 4*8*16 + 8*4*16 + 4*2*16 + 2*3*16 = 1248,
     * BN 2*(8+4+2) = 28; D Conv 3->2->4->8->1: 3*2*16 + 2*4*16 + 4*8*16 + 8*16
     * = 96+128+512+128 = 864, BN 2*(4+8) = 24.
     * 28 (ngf = ndf = 2, nc 1): G Linear 4 -> 49*8 = 392: 1568, BN1d 784,
     * ConvT 8->4 k5 800, BN 8, ConvT 4->2 200, BN 4, ConvT 2->1 50 = 3414;
     * D Conv 1->2 k5 50+2, Conv 2->4 200+4, Linear 4*49 -> 1: 196+1 = 453. */
    static const gan_dcgan_config c32 = { 4, 2, 2, 3, 32 }, c28 = { 4, 2, 2, 1, 28 };
    static const size_t want[2][2] = { { 1276, 888 }, { 3414, 453 } };
    int k;
    for (k = 0; k < 2; k++) {
        const gan_dcgan_config *c = k ? &c28 : &c32;
        gan_dcgan m;
        g99_error err;
        nn_ctx *ctx = nn_ctx_new(0);
        nn_rng r;
        int zs[4] = { 3, 4, 1, 1 };
        nn_tensor *x, *d;
        if (!CHECK(ctx) || !CHECK_EQ_INT(0, gan_dcgan_init(&m, c, &err))) {
            nn_ctx_free(ctx);
            return;
        }
        CHECK_EQ_U64(want[k][0], m.g.n_train);
        CHECK_EQ_U64(want[k][1], m.d.n_train);
        nn_rng_init(&r, 3, NN_STREAM_INIT);
        gan_dcgan_weights_init(&m, &r);
        x = nn_tensor_new(ctx, 4, zs);
        if (x) nn_rng_fill_normal(&r, x->data, x->numel, 0.0f, 1.0f);
        x = gan_dcgan_generate(ctx, &m, x, 1);
        d = gan_dcgan_discriminate(ctx, &m, x, 1);
        if (CHECK(x && d)) {
            CHECK_EQ_INT(c->nc, x->shape[1]);
            CHECK_EQ_INT(c->size, x->shape[2]);
            CHECK_EQ_INT(c->size, x->shape[3]);
            CHECK_EQ_INT(1, d->ndim);
            CHECK_EQ_INT(3, d->shape[0]);
        }
        CHECK_EQ_INT(k == 1, gan_dcgan_d_logits(&m));
        CHECK_EQ_STR("", nn_ctx_error(ctx)->msg);
        gan_dcgan_free(&m);
        nn_ctx_free(ctx);
    }
}

static void config_json_round_trip_and_errors(void)
{
    gan_dcgan_config c = { 100, 64, 48, 3, 32 }, back;
    char buf[128];
    g99_error err;
    CHECK_EQ_INT(0, gan_dcgan_config_json(&c, buf, sizeof buf));
    CHECK_EQ_STR("{\"nc\":3,\"ndf\":48,\"ngf\":64,\"nz\":100,\"size\":32}", buf);
    CHECK_EQ_INT(0, gan_dcgan_config_parse(buf, &back, &err));
    CHECK(memcmp(&c, &back, sizeof c) == 0);
    CHECK_EQ_INT(0, gan_dcgan_config_parse("{\"nc\":3,\"ndf\":8,\"ngf\":8,\"nz\":32}", &back, &err));
    CHECK_EQ_INT(64, back.size);
    CHECK(gan_dcgan_config_parse("{\"nc\":3,\"ndf\":8,\"ngf\":8,\"nz\":32,\"size\":48}", &back, &err) != 0);
    CHECK_CONTAINS("image size 48", err.msg);
    CHECK(gan_dcgan_config_parse("{\"nc\":3,\"ndf\":8,\"nz\":32}", &back, &err) != 0);
    CHECK_CONTAINS("no \"ngf\"", err.msg);
}

/* The models behind golden/nn/dcgan{32,28}_G.safetensors: made by gan99
 * (this function), loaded into PyTorch by golden/tools/dcgan_variants_golden.py. */
static const gan_dcgan_config golden_cfg[2] = { { 8, 4, 4, 3, 32 }, { 8, 2, 2, 1, 28 } };

static int golden_model(int k, gan_dcgan *m, g99_error *err)
{
    nn_rng r;
    int rc = gan_dcgan_init(m, &golden_cfg[k], err);
    if (rc) return rc;
    nn_rng_init(&r, 11 + (uint64_t)k, NN_STREAM_INIT);
    gan_dcgan_weights_init(m, &r);
    return 0;
}

/* G's output, from a model file gan99 wrote and PyTorch loaded as it
 * stands (batch statistics, as the reference samples), within doc/design.md §7.2's
 * 1e-5 + 1e-4 relative. */
static void generator_matches_pytorch(void)
{
    int k;
    for (k = 0; k < 2; k++) {
        const char *name = k ? "dcgan28_G.safetensors" : "dcgan32_G.safetensors";
        char golden[96], out_path[512], cfg[128];
        gan_dcgan m, loaded;
        g99_error err;
        uint8_t *a = NULL, *b = NULL;
        size_t na = 0, nb = 0, i;
        nn_st_file *f = NULL;
        nn_ctx *ctx = nn_ctx_new(0);
        const nn_st_tensor *tz, *ty;
        float *z = NULL, *y = NULL;
        double w = 0;
        if (!CHECK(ctx) || !CHECK_EQ_INT(0, golden_model(k, &m, &err))) {
            nn_ctx_free(ctx);
            return;
        }
        snprintf(golden, sizeof golden, "golden/nn/%s", name);
        snprintf(out_path, sizeof out_path, "%s", test_tmp_path(name));
        CHECK_EQ_INT(0, gan_dcgan_config_json(&m.cfg, cfg, sizeof cfg));
        CHECK_EQ_INT(0, nn_checkpoint_save(out_path, &m.g, "dcgan", cfg, NULL, &err));
        if (CHECK_EQ_INT(0, g99_read_file(golden, (size_t)1 << 24, &a, &na, &err)) &&
            CHECK_EQ_INT(0, g99_read_file(out_path, (size_t)1 << 24, &b, &nb, &err)) && CHECK_EQ_U64(na, nb))
            CHECK(memcmp(a, b, na) == 0);
        free(a);
        free(b);
        snprintf(golden, sizeof golden, "golden/nn/dcgan%d_sample.safetensors", k ? 28 : 32);
        if (CHECK_EQ_INT(0, gan_dcgan_load_generator(out_path, &loaded, &err)) &&
            CHECK_EQ_INT(0, nn_st_load(golden, NN_ST_MAX_FILE, &f, &err))) {
            tz = nn_st_find(f, "z");
            ty = nn_st_find(f, "out");
            if (CHECK(tz && ty && tz->rank == 4)) {
                int zs[4];
                nn_tensor *x;
                z = (float *)malloc(tz->numel * sizeof *z);
                y = (float *)malloc(ty->numel * sizeof *y);
                if (z && y && !nn_st_read_f32(tz, z, tz->numel, &err) && !nn_st_read_f32(ty, y, ty->numel, &err)) {
                    for (i = 0; i < 4; i++) zs[i] = (int)tz->shape[i];
                    x = gan_dcgan_generate(ctx, &loaded, nn_tensor_from(ctx, 4, zs, z), 1);
                    if (CHECK(x) && CHECK_EQ_U64(ty->numel, x->numel))
                        for (i = 0; i < x->numel; i++) {
                            double r = fabs((double)x->data[i] - y[i]) / (1e-5 + 1e-4 * fabs(y[i]));
                            if (!(r <= w)) w = r;
                        }
                    CHECK(w <= 1.0);
                    printf("  dcgan%d G vs PyTorch: worst error %.3f of the tolerance\n", k ? 28 : 32, w);
                }
            }
            gan_dcgan_free(&loaded);
        }
        free(z);
        free(y);
        nn_st_free(f);
        gan_dcgan_free(&m);
        nn_ctx_free(ctx);
    }
}

static void train_step_28_with_dropout(void)
{
    static const gan_dcgan_config c = { 4, 2, 2, 1, 28 };
    gan_dcgan m;
    gan_dcgan_trainer t;
    gan_dcgan_losses l;
    g99_error err;
    nn_rng r;
    float real[2 * 28 * 28], lr, beta1;
    int s;
    gan_dcgan_train_defaults(28, &lr, &beta1);
    CHECK_EQ_FBITS(1e-4f, lr);
    CHECK_EQ_FBITS(0.9f, beta1);
    if (!CHECK_EQ_INT(0, gan_dcgan_init(&m, &c, &err))) return;
    nn_rng_init(&r, 1, NN_STREAM_INIT);
    gan_dcgan_weights_init(&m, &r);
    nn_rng_fill_uniform(&r, real, 2 * 28 * 28, -1.0f, 1.0f);
    if (CHECK_EQ_INT(0, gan_dcgan_trainer_init(&t, &m, 2, lr, beta1, 1, &err))) {
        size_t used, reserved, mallocs, again;
        for (s = 0; s < 2; s++) CHECK_EQ_INT(0, gan_dcgan_train_step(&t, real, &l, &err));
        /* the steady state: a third step takes no new arena block */
        nn_ctx_arena_stats(t.ctx, &used, &reserved, &mallocs);
        CHECK_EQ_INT(0, gan_dcgan_train_step(&t, real, &l, &err));
        nn_ctx_arena_stats(t.ctx, &used, &reserved, &again);
        CHECK_EQ_U64(mallocs, again);
        /* a near-zero logit gives BCE near ln 2 = 0.693 */
        CHECK_NEAR(0.693, l.d_real, 0.05, 0);
        CHECK(t.dropout.pos > 0);   /* the masks drew from the dropout stream */
        CHECK_EQ_U64(3, t.step);
        gan_dcgan_trainer_free(&t);
    }
    gan_dcgan_free(&m);
}

/* The trainer drops each dead pass (nn_ctx_rewind) and runs G's pass with
 * D's gradients off; neither may change a number. Against the plain
 * reference loop (one arena for the three passes, every gradient on) with
 * the same seeds: parameters, buffers and losses bit for bit after three
 * steps, at 28 (dropout, logits) and 32 (batch norm in both nets). */
static nn_tensor *ref_loss(nn_ctx *ctx, gan_dcgan *m, nn_tensor *out, float target, int n)
{
    nn_tensor *t = nn_tensor_new(ctx, 1, &n);
    int i;
    for (i = 0; t && i < n; i++) t->data[i] = target;
    return gan_dcgan_d_logits(m) ? nn_bce_with_logits_loss(ctx, out, t) : nn_bce_loss(ctx, out, t);
}

static void train_step_release_changes_no_bits(void)
{
    static const gan_dcgan_config cfgs[2] = { { 4, 2, 2, 1, 28 }, { 4, 2, 2, 3, 32 } };
    int k;
    for (k = 0; k < 2; k++) {
        const gan_dcgan_config *c = &cfgs[k];
        gan_dcgan a, b;
        gan_dcgan_trainer t;
        gan_dcgan_losses l;
        nn_adam od, og;
        nn_rng r, noise, dropout;
        nn_ctx *ctx = nn_ctx_new(0);
        g99_error err;
        float real[2 * 3 * 32 * 32], lr, beta1, lb[3];
        int s, size = c->size, B = 2, zs[4], xs[4];
        size_t n = (size_t)B * c->nc * size * size;
        zs[0] = B; zs[1] = c->nz; zs[2] = zs[3] = 1;
        xs[0] = B; xs[1] = c->nc; xs[2] = xs[3] = size;
        memset(&od, 0, sizeof od);
        memset(&og, 0, sizeof og);
        gan_dcgan_train_defaults(size, &lr, &beta1);
        if (!CHECK(ctx != NULL) || !CHECK_EQ_INT(0, gan_dcgan_init(&a, c, &err))) return;
        if (!CHECK_EQ_INT(0, gan_dcgan_init(&b, c, &err))) return;
        nn_rng_init(&r, 1, NN_STREAM_INIT);
        gan_dcgan_weights_init(&a, &r);
        nn_rng_init(&r, 1, NN_STREAM_INIT);
        gan_dcgan_weights_init(&b, &r);
        nn_rng_fill_uniform(&r, real, n, -1.0f, 1.0f);
        nn_rng_init(&noise, 1, NN_STREAM_NOISE);
        nn_rng_init(&dropout, 1, NN_STREAM_DROPOUT);
        b.dropout = &dropout;
        CHECK_EQ_INT(0, nn_adam_init(&od, &b.d, lr, beta1, 0.999f, 1e-8f, &err));
        CHECK_EQ_INT(0, nn_adam_init(&og, &b.g, lr, beta1, 0.999f, 1e-8f, &err));
        if (CHECK_EQ_INT(0, gan_dcgan_trainer_init(&t, &a, B, lr, beta1, 1, &err))) {
            for (s = 0; s < 3; s++) {
                nn_tensor *z, *fake, *lt[3];
                CHECK_EQ_INT(0, gan_dcgan_train_step(&t, real, &l, &err));
                nn_ctx_reset(ctx);
                nn_params_zero_grad(&b.d);
                lt[0] = ref_loss(ctx, &b, gan_dcgan_discriminate(ctx, &b, nn_tensor_from(ctx, 4, xs, real), 1), 1.0f, B);
                if (!CHECK_EQ_INT(0, nn_backward(ctx, lt[0], 0))) break;
                z = nn_tensor_new(ctx, 4, zs);
                if (z) nn_rng_fill_normal(&noise, z->data, z->numel, 0.0f, 1.0f);
                fake = gan_dcgan_generate(ctx, &b, z, 1);
                lt[1] = ref_loss(ctx, &b, gan_dcgan_discriminate(ctx, &b, nn_detach(ctx, fake), 1), 0.0f, B);
                if (!CHECK_EQ_INT(0, nn_backward(ctx, lt[1], 0))) break;
                if (!CHECK_EQ_INT(0, nn_adam_step(&od, &b.d, &err))) break;
                nn_params_zero_grad(&b.g);
                lt[2] = ref_loss(ctx, &b, gan_dcgan_discriminate(ctx, &b, fake, 1), 1.0f, B);
                if (!CHECK_EQ_INT(0, nn_backward(ctx, lt[2], 0))) break;
                if (!CHECK_EQ_INT(0, nn_adam_step(&og, &b.g, &err))) break;
                lb[0] = lt[0]->data[0];
                lb[1] = lt[1]->data[0];
                lb[2] = lt[2]->data[0];
                CHECK_EQ_FBITS(lb[0], l.d_real);
                CHECK_EQ_FBITS(lb[1], l.d_fake);
                CHECK_EQ_FBITS(lb[2], l.g);
            }
            CHECK_EQ_MEM(b.g.data, a.g.data, b.g.n_total * sizeof(float));
            CHECK_EQ_MEM(b.d.data, a.d.data, b.d.n_total * sizeof(float));
            gan_dcgan_trainer_free(&t);
        }
        nn_adam_free(&od);
        nn_adam_free(&og);
        gan_dcgan_free(&a);
        gan_dcgan_free(&b);
        nn_ctx_free(ctx);
    }
}

/* ---- synthetic faces ----------------------------------------------------- */

static void synthfaces_labels_and_eyes(void)
{
    gan_face f, g;
    g99_error err;
    int k, parts[GAN_PART_COUNT], i, distinct = 1;
    if (!CHECK_EQ_INT(0, gan_synthface_render(1, 0, 48, &f, &err))) return;
    CHECK_EQ_INT(48, f.rgb.width);
    CHECK_EQ_INT(3, f.rgb.channels);
    memset(parts, 0, sizeof parts);
    for (i = 0; i < 48 * 48; i++)
        if (f.labels[i] < GAN_PART_COUNT) parts[f.labels[i]]++;
    for (k = 0; k < GAN_PART_COUNT; k++)   /* every part is drawn (but hair: a face may be bald) */
        if (k != GAN_PART_HAIR) CHECK(parts[k] > 0);
    /* the eye centres lie on eye pixels, the left one left of the right one,
     * both in the upper-middle of the picture */
    for (k = 0; k < 2; k++)
        CHECK_EQ_INT(GAN_PART_EYES, f.labels[(int)f.eyes[k][1] * 48 + (int)f.eyes[k][0]]);
    CHECK(f.eyes[0][0] < f.eyes[1][0]);
    CHECK(f.eyes[0][1] > 12 && f.eyes[0][1] < 30);
    CHECK_EQ_INT(GAN_PART_BACKGROUND, f.labels[0]);
    /* the same face again: the same bytes; the next faces: different ones */
    if (CHECK_EQ_INT(0, gan_synthface_render(1, 0, 48, &g, &err))) {
        CHECK_EQ_MEM(f.rgb.data, g.rgb.data, 48 * 48 * 3);
        gan_face_free(&g);
    }
    for (k = 1; k < 6; k++)
        if (CHECK_EQ_INT(0, gan_synthface_render(1, (uint64_t)k, 48, &g, &err))) {
            distinct &= memcmp(f.rgb.data, g.rgb.data, 48 * 48 * 3) != 0;
            for (i = 0; i < 48 * 48; i++) parts[GAN_PART_HAIR] += g.labels[i] == GAN_PART_HAIR;
            gan_face_free(&g);
        }
    CHECK(distinct);
    CHECK(parts[GAN_PART_HAIR] > 0);
    CHECK_EQ_INT(G99_EINVAL, gan_synthface_render(1, 0, 4, &g, &err));
    gan_face_free(&f);
}

/* ---- datasets ------------------------------------------------------------ */

static int save_rgb(const char *path, int w, int h, const uint8_t *px)
{
    img_image img;
    g99_error err;
    int rc = img_new(&img, w, h, 3, 8, &err);
    if (rc) return rc;
    memcpy(img.data, px, (size_t)w * h * 3);
    rc = img_png_save(path, &img, &err);
    img_free(&img);
    return rc;
}

static int count_warnings;
static void count_warning(void *user, const char *msg)
{
    (void)user;
    (void)msg;
    count_warnings++;
}

/* A folder: sorted by path, resized and centre-cropped, scaled to [-1, 1];
 * a file that is no image is skipped and counted. */
static void dataset_folder(void)
{
    char dir[512], sub[560], path[600];
    uint8_t flat[8 * 8 * 3], cols[8 * 4 * 3];
    gan_dataset ds;
    gan_dataset_opts o;
    g99_error err;
    float x[2 * 3 * 4 * 4];
    uint32_t idx[2] = { 0, 1 };
    int i, y;
    FILE *junk;
    snprintf(dir, sizeof dir, "%s", test_tmp_path("dataset"));
    snprintf(sub, sizeof sub, "%s/sub", dir);
    CHECK_EQ_INT(0, g99_mkdir(dir, &err));
    CHECK_EQ_INT(0, g99_mkdir(sub, &err));
    snprintf(path, sizeof path, "%s/junk/x.png", dir);   /* a previous run's */
    remove(path);
    for (i = 0; i < 8 * 8; i++) {
        flat[i * 3] = 255;
        flat[i * 3 + 1] = 0;
        flat[i * 3 + 2] = 51;
    }
    for (y = 0; y < 4; y++)
        for (i = 0; i < 8; i++) memset(cols + (y * 8 + i) * 3, 30 * i, 3);
    snprintf(path, sizeof path, "%s/b_flat.png", sub);
    CHECK_EQ_INT(0, save_rgb(path, 8, 8, flat));
    snprintf(path, sizeof path, "%s/a_cols.png", dir);
    CHECK_EQ_INT(0, save_rgb(path, 8, 4, cols));
    snprintf(path, sizeof path, "%s/notes.txt", dir);
    junk = fopen(path, "wb");
    if (junk) {
        fputs("not an image", junk);
        fclose(junk);
    }
    memset(&o, 0, sizeof o);
    o.size = 4;
    o.channels = 3;
    o.warn = count_warning;
    count_warnings = 0;
    if (!CHECK_EQ_INT(0, gan_dataset_load(dir, &o, &ds, &err))) {
        fprintf(stderr, "    %s\n", err.msg);
        return;
    }
    CHECK_EQ_INT(2, ds.n);
    CHECK_EQ_U64(1, ds.skipped);
    CHECK_EQ_INT(1, count_warnings);
    gan_dataset_batch(&ds, idx, 2, x);
    /* "a_cols.png" sorts before "notes.txt" and "sub/": first. 8x4 has its
     * short side at 4 already; the centre 4 columns are 2..5: 60 .. 150 */
    for (i = 0; i < 4; i++) CHECK_EQ_FBITS(((float)(30 * (i + 2)) / 255.0f - 0.5f) / 0.5f, x[i]);
    /* the flat image: (255, 0, 51) -> 1, -1, 51/255*2-1 */
    CHECK_EQ_FBITS(1.0f, x[48]);
    CHECK_EQ_FBITS(-1.0f, x[48 + 16]);
    CHECK_EQ_FBITS((51.0f / 255.0f - 0.5f) / 0.5f, x[48 + 32 + 15]);
    gan_dataset_free(&ds);
    /* grey: one channel */
    o.channels = 1;
    if (CHECK_EQ_INT(0, gan_dataset_load(dir, &o, &ds, &err))) {
        CHECK_EQ_INT(1, ds.channels);
        CHECK_EQ_INT(60, ds.pixels[0]);
        gan_dataset_free(&ds);
    }
    /* only junk: an error naming the folder; an empty folder too */
    snprintf(sub, sizeof sub, "%s/junk", dir);
    CHECK_EQ_INT(0, g99_mkdir(sub, &err));
    CHECK_EQ_INT(G99_EFORMAT, gan_dataset_load(sub, &o, &ds, &err));
    CHECK_CONTAINS("no files in the folder", err.msg);
    snprintf(path, sizeof path, "%s/junk/x.png", dir);
    junk = fopen(path, "wb");
    if (junk) {
        fputs("\x89PNG but not", junk);
        fclose(junk);
    }
    CHECK_EQ_INT(G99_EFORMAT, gan_dataset_load(sub, &o, &ds, &err));
    CHECK_CONTAINS("none of the 1 files is a usable image", err.msg);
}

/* IDX: 3 images of 2x2 (big-endian sizes), raw and as a gzip member built
 * by hand around image/'s deflate (RFC 1952: header, data, CRC-32, ISIZE). */
static void dataset_idx(void)
{
    uint8_t idx[16 + 12], *def = NULL, *gz = NULL;
    size_t n_def = 0, i;
    gan_dataset ds;
    gan_dataset_opts o;
    g99_error err;
    float x[4];
    uint32_t pick = 2;
    char raw_path[512], gz_path[512];
    static const uint8_t head[16] = { 0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2 };
    static const uint8_t gz_head[10] = { 0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF };
    memcpy(idx, head, 16);
    for (i = 0; i < 12; i++) idx[16 + i] = (uint8_t)(i * 20);
    snprintf(raw_path, sizeof raw_path, "%s", test_tmp_path("imgs-idx3-ubyte"));
    CHECK_EQ_INT(0, g99_write_file_atomic(raw_path, idx, sizeof idx, &err));
    memset(&o, 0, sizeof o);
    o.size = 2;
    o.channels = 1;
    if (CHECK_EQ_INT(0, gan_dataset_load(raw_path, &o, &ds, &err))) {
        CHECK_EQ_INT(3, ds.n);
        gan_dataset_batch(&ds, &pick, 1, x);
        for (i = 0; i < 4; i++) CHECK_EQ_FBITS(((float)((8 + i) * 20) / 255.0f - 0.5f) / 0.5f, x[i]);
        gan_dataset_free(&ds);
    }
    if (CHECK_EQ_INT(0, img_deflate(idx, sizeof idx, &def, &n_def, &err)) &&
        CHECK((gz = (uint8_t *)malloc(n_def + 18)) != NULL)) {
        memcpy(gz, gz_head, 10);
        memcpy(gz + 10, def, n_def);
        g99_store_le32(gz + 10 + n_def, g99_crc32(0, idx, sizeof idx));
        g99_store_le32(gz + 14 + n_def, (uint32_t)sizeof idx);
        snprintf(gz_path, sizeof gz_path, "%s", test_tmp_path("imgs-idx3-ubyte.gz"));
        CHECK_EQ_INT(0, g99_write_file_atomic(gz_path, gz, n_def + 18, &err));
        o.size = 4;   /* and enlarged to a 4x4 model */
        o.channels = 3;
        if (CHECK_EQ_INT(0, gan_dataset_load(gz_path, &o, &ds, &err))) {
            CHECK_EQ_INT(3, ds.n);
            CHECK_EQ_INT(4, ds.size);
            float rgb[3 * 16];
            pick = 0;
            gan_dataset_batch(&ds, &pick, 1, rgb);
            CHECK_EQ_FBITS(-1.0f, rgb[0]);   /* the top-left corner keeps its value, 0 */
            CHECK_EQ_MEM(rgb, rgb + 16, 16 * sizeof(float));   /* grey repeated into R, G, B */
            CHECK_EQ_MEM(rgb, rgb + 32, 16 * sizeof(float));
            gan_dataset_free(&ds);
        }
    }
    free(def);
    free(gz);
    /* truncated: 3 images announced, 2 and a half there */
    CHECK_EQ_INT(0, g99_write_file_atomic(raw_path, idx, sizeof idx - 2, &err));
    CHECK_EQ_INT(G99_EFORMAT, gan_dataset_load(raw_path, &o, &ds, &err));
    CHECK_CONTAINS("3 images of 2x2 need more than the 10 bytes after offset 16", err.msg);
    idx[3] = 1;
    CHECK_EQ_INT(0, g99_write_file_atomic(raw_path, idx, sizeof idx, &err));
    CHECK_EQ_INT(G99_EFORMAT, gan_dataset_load(raw_path, &o, &ds, &err));
    CHECK_CONTAINS("magic 0x00000803", err.msg);
}

static void epoch_order_is_a_permutation_of_seed_and_epoch(void)
{
    gan_dataset ds;
    uint32_t a[10], b[10], seen[10];
    int i, same = 1;
    memset(&ds, 0, sizeof ds);
    ds.n = 10;
    gan_dataset_epoch_order(&ds, 5, 3, a);
    gan_dataset_epoch_order(&ds, 5, 3, b);
    CHECK_EQ_MEM(a, b, sizeof a);
    memset(seen, 0, sizeof seen);
    for (i = 0; i < 10; i++)
        if (a[i] < 10) seen[a[i]]++;
    for (i = 0; i < 10; i++) CHECK_EQ_INT(1, (int)seen[i]);
    gan_dataset_epoch_order(&ds, 5, 4, b);
    for (i = 0; i < 10; i++) same &= a[i] == b[i];
    CHECK(!same);
}

/* ---- pictures ------------------------------------------------------------ */

static void slerp_hand_cases(void)
{
    static const float a[2] = { 1, 0 }, b[2] = { 0, 1 }, c[2] = { 2, 0 };
    float o[2];
    gan_slerp(a, b, 2, 0.5f, o);   /* the middle of a quarter circle */
    CHECK_NEAR(0.70710678, o[0], 1e-6, 0);
    CHECK_NEAR(0.70710678, o[1], 1e-6, 0);
    gan_slerp(a, b, 2, 1.0f / 3.0f, o);   /* 30 degrees */
    CHECK_NEAR(0.8660254, o[0], 1e-6, 0);
    CHECK_NEAR(0.5, o[1], 1e-6, 0);
    gan_slerp(a, c, 2, 0.25f, o);   /* parallel: the linear blend */
    CHECK_EQ_FBITS(1.25f, o[0]);
    CHECK_EQ_FBITS(0.0f, o[1]);
}

static void grid_and_plot(void)
{
    float x[2 * 1 * 2 * 2] = { -1, 1, 0, 0.5f, 1, 1, 1, 1 };
    img_image g;
    g99_error err;
    const float d[3] = { 1.5f, 1.0f, 0.5f }, gl[3] = { 0.5f, 1.0f, 2.0f };
    const float *series[2];
    static const char *const names[2] = { "D", "G" };
    const char *path;
    series[0] = d;
    series[1] = gl;
    /* 2 images, 2 columns, margin 2: (2*2 + 3*2) x (2 + 2*2) */
    if (CHECK_EQ_INT(0, gan_sample_grid(x, 2, 1, 2, 1, &g, &err))) {
        CHECK_EQ_INT(10, g.width);
        CHECK_EQ_INT(6, g.height);
        CHECK_EQ_INT(0, g.data[2 * 10 + 2]);       /* -1 -> 0 */
        CHECK_EQ_INT(255, g.data[2 * 10 + 3]);     /* 1 -> 255 */
        CHECK_EQ_INT(128, g.data[3 * 10 + 2]);     /* 0 -> 127.5 rounded up */
        CHECK_EQ_INT(191, g.data[3 * 10 + 3]);     /* 0.5 -> 191.25 */
        img_free(&g);
    }
    path = test_tmp_path("loss.png");
    if (CHECK_EQ_INT(0, gan_plot_losses(path, series, names, 2, 3, &err)) &&
        CHECK_EQ_INT(0, img_png_load(path, NULL, &g, &err))) {
        CHECK_EQ_INT(640, g.width);
        CHECK_EQ_INT(400, g.height);
        /* the y axis is a black line at x = 64 */
        CHECK_EQ_INT(0, g.data[(200 * 640 + 64) * 3]);
        img_free(&g);
    }
}

/* ---- the run folder -------------------------------------------------------- */

/* The scratch folder outlives a run of the tests: the run folders are
 * emptied first (remove() is C99; the folders themselves may stay). */
static uint64_t stop_at;
static int stop_when(void *user, const gan_train_progress *p)
{
    (void)user;
    return p->step == stop_at;
}

static void set_value(gan_train_opts *o, const char *key, double v)
{
    o->values.v[gan_option_find(o->family, key)] = v;
}

static void tiny_run(gan_train_opts *o, const char *data, const char *out, uint64_t steps)
{
    memset(o, 0, sizeof *o);
    o->family = &gan_family_dcgan;
    gan_values_default(o->family, &o->values);
    o->data = data;
    o->out = out;
    set_value(o, "nz", 4);
    set_value(o, "ngf", 2);
    set_value(o, "ndf", 2);
    set_value(o, "nc", 3);
    set_value(o, "size", 32);
    o->batch = 2;
    o->steps = steps;
    o->seed = 9;
    o->sample_every = 5;
    o->checkpoint_every = 7;
    o->n_samples = 4;
}

static int same_file(const char *a_dir, const char *b_dir, const char *name)
{
    char pa[600], pb[600];
    uint8_t *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    int same;
    snprintf(pa, sizeof pa, "%s/%s", a_dir, name);
    snprintf(pb, sizeof pb, "%s/%s", b_dir, name);
    same = g99_read_file(pa, (size_t)1 << 26, &a, &na, NULL) == 0 &&
           g99_read_file(pb, (size_t)1 << 26, &b, &nb, NULL) == 0 && na == nb && memcmp(a, b, na) == 0;
    if (!same) fprintf(stderr, "    %s differs between %s and %s\n", name, a_dir, b_dir);
    free(a);
    free(b);
    return same;
}

/* 10 steps + resume + 10 steps == 20 steps, byte for byte in every output
 * (checkpoint: G, D, both Adams, step, generators; model; loss.csv;
 * progress.gif), both when the first part ends by --steps 10 and when the
 * progress callback stops it (Ctrl-C) at step 10. */
static void resume_is_bit_identical(void)
{
    static const char *const files[5] = { "checkpoint.safetensors", "model.safetensors", "loss.csv", "progress.gif",
                                          "samples/step_0000015.png" };
    char a[512], b[512], c[512];
    gan_train_opts o;
    gan_train_result res;
    g99_error err;
    int k;
    snprintf(a, sizeof a, "%s", test_tmp_path("run_straight"));
    snprintf(b, sizeof b, "%s", test_tmp_path("run_resumed"));
    snprintf(c, sizeof c, "%s", test_tmp_path("run_stopped"));
    test_clear_run(a);
    test_clear_run(b);
    test_clear_run(c);
    tiny_run(&o, "synth:6", a, 20);
    if (!CHECK_EQ_INT(0, gan_train_run(&o, &res, &err))) {
        fprintf(stderr, "    %s\n", err.msg);
        return;
    }
    CHECK_EQ_U64(20, res.step);
    CHECK_EQ_INT(6, res.n_images);
    tiny_run(&o, "synth:6", b, 10);
    CHECK_EQ_INT(0, gan_train_run(&o, &res, &err));
    CHECK_EQ_U64(10, res.step);
    tiny_run(&o, "synth:6", b, 20);
    o.resume = 1;
    set_value(&o, "ngf", 99);   /* not given by the user: the checkpoint's settings win */
    CHECK_EQ_INT(0, gan_train_run(&o, &res, &err));
    CHECK_EQ_U64(10, res.start);
    CHECK_EQ_U64(20, res.step);
    tiny_run(&o, "synth:6", c, 20);
    o.progress = stop_when;
    stop_at = 10;
    CHECK_EQ_INT(0, gan_train_run(&o, &res, &err));
    CHECK_EQ_INT(1, res.stopped);
    CHECK_EQ_U64(10, res.step);
    o.progress = NULL;
    o.resume = 1;
    CHECK_EQ_INT(0, gan_train_run(&o, &res, &err));
    CHECK_EQ_U64(20, res.step);
    for (k = 0; k < 5; k++) {
        CHECK(same_file(a, b, files[k]));
        CHECK(same_file(a, c, files[k]));
    }
}

static int read_all(const char *path, uint8_t **d, size_t *n)
{
    return g99_read_file(path, (size_t)1 << 26, d, n, NULL);
}

/* A malformed or truncated checkpoint, one of another architecture and one
 * of another size: a clear error, and the run folder stays as it was. */
static void bad_checkpoints_change_nothing(void)
{
    char dir[512], ck[600], model[600];
    uint8_t *before = NULL, *after = NULL, *m_before = NULL, *m_after = NULL;
    size_t nb = 0, na = 0, mb = 0, ma = 0;
    gan_train_opts o;
    gan_train_result res;
    g99_error err;
    gan_dcgan m;
    gan_dcgan_trainer t;
    static const gan_dcgan_config other = { 4, 2, 2, 3, 64 };
    snprintf(dir, sizeof dir, "%s", test_tmp_path("run_errors"));
    snprintf(ck, sizeof ck, "%s/checkpoint.safetensors", dir);
    snprintf(model, sizeof model, "%s/model.safetensors", dir);
    test_clear_run(dir);
    tiny_run(&o, "synth:4", dir, 2);
    if (!CHECK_EQ_INT(0, gan_train_run(&o, &res, &err))) return;
    if (!CHECK_EQ_INT(0, read_all(ck, &before, &nb)) || !CHECK_EQ_INT(0, read_all(model, &m_before, &mb))) goto done;
    /* a new run into a folder that holds a checkpoint */
    CHECK_EQ_INT(G99_EINVAL, gan_train_run(&o, &res, &err));
    CHECK_CONTAINS("holds a checkpoint already (--resume continues it)", err.msg);
    /* truncated */
    CHECK_EQ_INT(0, g99_write_file_atomic(ck, before, nb - 5, &err));
    o.resume = 1;
    o.steps = 4;
    CHECK(gan_train_run(&o, &res, &err) != 0);
    CHECK_CONTAINS("checkpoint.safetensors", err.msg);
    /* another architecture: a model file where the checkpoint belongs */
    CHECK_EQ_INT(0, g99_write_file_atomic(ck, m_before, mb, &err));
    CHECK_EQ_INT(G99_EFORMAT, gan_train_run(&o, &res, &err));
    CHECK_CONTAINS("not a dcgan training checkpoint (gan99.arch is dcgan)", err.msg);
    /* the model and outputs were not touched by the failed resumes */
    if (CHECK_EQ_INT(0, read_all(model, &m_after, &ma)) && CHECK_EQ_U64(mb, ma)) CHECK(memcmp(m_before, m_after, mb) == 0);
    /* another size: a 64x64 trainer refuses the 32x32 checkpoint by key and shape */
    CHECK_EQ_INT(0, g99_write_file_atomic(ck, before, nb, &err));
    if (CHECK_EQ_INT(0, gan_dcgan_init(&m, &other, &err))) {
        if (CHECK_EQ_INT(0, gan_dcgan_trainer_init(&t, &m, 2, 2e-4f, 0.5f, 0, &err))) {
            float w0 = m.g.data[0];
            CHECK_EQ_INT(G99_EFORMAT, gan_dcgan_trainer_load(&t, ck, NULL, 0, &err));
            CHECK_CONTAINS("tensor \"G.main.0.weight\" has shape [4,8,4,4] in the file, [4,16,4,4] in the model", err.msg);
            CHECK_EQ_FBITS(w0, m.g.data[0]);
            CHECK_EQ_U64(0, t.step);
            gan_dcgan_trainer_free(&t);
        }
        gan_dcgan_free(&m);
    }
    /* a model file that is no model: the sampler's loader says so */
    CHECK_EQ_INT(G99_EFORMAT, gan_dcgan_load_generator(ck, &m, &err));
    CHECK_CONTAINS("not a DCGAN model file (gan99.arch is dcgan-train)", err.msg);
    if (CHECK_EQ_INT(0, read_all(ck, &after, &na)) && CHECK_EQ_U64(nb, na)) CHECK(memcmp(before, after, nb) == 0);
done:
    free(before);
    free(after);
    free(m_before);
    free(m_after);
}

const test_case train_tests[] = {
    TEST(variant_shapes_and_counts),
    TEST(config_json_round_trip_and_errors),
    TEST(generator_matches_pytorch),
    TEST(train_step_28_with_dropout),
    TEST(train_step_release_changes_no_bits),
    TEST(synthfaces_labels_and_eyes),
    TEST(dataset_folder),
    TEST(dataset_idx),
    TEST(epoch_order_is_a_permutation_of_seed_and_epoch),
    TEST(slerp_hand_cases),
    TEST(grid_and_plot),
    TEST(resume_is_bit_identical),
    TEST(bad_checkpoints_change_nothing),
    TEST_END
};
