/* The determinism digest: CRC-32s of the bytes of seeded PRNG streams and of
 * the math functions over fixed argument grids, and of the parameters after
 * short seeded trainings. Not a test by itself: the expected value is
 * whatever the native build prints, and `make cross-test` requires every
 * other platform (aarch64, armhf, s390x under qemu), and `make simd-test`
 * every kernel set (GAN99_SIMD=...) and thread count, to print the very
 * same lines. The kernel set and thread count go to stderr. */
#include "test.h"
#include "../base/base.h"
#include "../gan/gan.h"
#include "../nn/kernels/kernels.h"

#include <stdio.h>
#include <string.h>

typedef struct digest_entry {
    const char *name;
    uint32_t (*fn)(void);
} digest_entry;

/* CRC-32 of floats as little-endian bytes, whatever the host order. */
static uint32_t crc_floats(uint32_t crc, const float *v, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        uint8_t b[4];
        g99_store_le32(b, g99_f32_bits(v[i]));
        crc = g99_crc32(crc, b, 4);
    }
    return crc;
}

static uint32_t crc_u32s(uint32_t crc, const uint32_t *v, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        uint8_t b[4];
        g99_store_le32(b, v[i]);
        crc = g99_crc32(crc, b, 4);
    }
    return crc;
}

enum { N_DRAWS = 1 << 16 };
static float fbuf[N_DRAWS];
static uint32_t ubuf[N_DRAWS];

static uint32_t prng_u32(void)
{
    nn_rng r;
    size_t i;
    nn_rng_init(&r, 20261121, NN_STREAM_DATA);
    for (i = 0; i < N_DRAWS; i++) ubuf[i] = nn_rng_u32(&r);
    return crc_u32s(0, ubuf, N_DRAWS);
}

static uint32_t prng_below_shuffle(void)
{
    nn_rng r;
    size_t i;
    nn_rng_init(&r, 99, NN_STREAM_AUGMENT);
    for (i = 0; i < N_DRAWS; i++) ubuf[i] = nn_rng_below(&r, (uint32_t)i + 1);
    nn_rng_shuffle(&r, ubuf, N_DRAWS);
    return crc_u32s(0, ubuf, N_DRAWS);
}

static uint32_t prng_uniform(void)
{
    nn_rng r;
    nn_rng_init(&r, 7, NN_STREAM_AUGMENT);
    nn_rng_fill_uniform(&r, fbuf, N_DRAWS, -1.0f, 1.0f);
    return crc_floats(0, fbuf, N_DRAWS);
}

static uint32_t prng_normal(void)
{
    nn_rng r;
    nn_rng_init(&r, 42, NN_STREAM_INIT);
    nn_rng_fill_normal(&r, fbuf, N_DRAWS, 0.0f, 0.02f);
    return crc_floats(0, fbuf, N_DRAWS);
}

/* A unary function over every 4099th float bit pattern (all signs,
 * exponents, NaNs, infinities and subnormals are visited). */
static uint32_t crc_unary(float (*fn)(float))
{
    uint32_t crc = 0;
    uint64_t bits;
    size_t k = 0;
    for (bits = 0; bits <= 0xFFFFFFFFu; bits += 4099) {
        fbuf[k++] = fn(g99_bits_f32((uint32_t)bits));
        if (k == N_DRAWS) {
            crc = crc_floats(crc, fbuf, k);
            k = 0;
        }
    }
    return crc_floats(crc, fbuf, k);
}

static uint32_t math_exp(void) { return crc_unary(nn_expf); }
static uint32_t math_log(void) { return crc_unary(nn_logf); }
static uint32_t math_tanh(void) { return crc_unary(nn_tanhf); }
static uint32_t math_sigmoid(void) { return crc_unary(nn_sigmoidf); }
static uint32_t math_sin(void) { return crc_unary(nn_sinf); }
static uint32_t math_cos(void) { return crc_unary(nn_cosf); }

static uint32_t math_pow(void)
{
    uint32_t crc = 0;
    uint32_t i, j;
    for (i = 0; i < 256; i++) {
        /* x over all exponents and signs, y over a spread of exponents. */
        float x = g99_bits_f32(i * 0x01010101u + 0x00345678u);
        for (j = 0; j < 256; j++) fbuf[j] = nn_powf(x, g99_bits_f32(j * 0x00C30000u + 0x3F000000u));
        crc = crc_floats(crc, fbuf, 256);
    }
    return crc;
}

/* Five Adam steps of a tiny conv / batch-norm / conv-transpose network on
 * seeded data: the GEMM, im2col/col2im, the canonical sums, the autograd
 * and the optimizer all feed the parameters' bytes. */
static uint32_t nn_train_steps(void)
{
    static const int ws[4] = { 4, 3, 3, 3 }, c4[1] = { 4 }, lw[2] = { 1, 64 }, one[1] = { 1 };
    static const int ts[4] = { 4, 3, 4, 4 }, xs[4] = { 2, 3, 8, 8 }, flat[2] = { 2, 64 }, ys[2] = { 2, 1 };
    static const float target[2] = { 1.0f, 0.0f };
    nn_params P;
    nn_tensor *w, *g, *b, *rm, *rv, *lin, *lb, *tw;
    nn_adam adam;
    nn_rng rng;
    nn_ctx *ctx = nn_ctx_new(0);
    g99_error err;
    float xbuf[2 * 3 * 8 * 8];
    uint32_t crc = 0;
    int step;
    nn_conv_opts down = { 0 }, up = { 0 };
    down.stride = 2;
    down.padding = 1;
    up.stride = 2;
    up.padding = 1;
    nn_params_init(&P);
    w = nn_params_add(&P, "conv.weight", NN_PARAM, 4, ws, &err);
    g = nn_params_add(&P, "bn.weight", NN_PARAM, 1, c4, &err);
    b = nn_params_add(&P, "bn.bias", NN_PARAM, 1, c4, &err);
    lin = nn_params_add(&P, "fc.weight", NN_PARAM, 2, lw, &err);
    lb = nn_params_add(&P, "fc.bias", NN_PARAM, 1, one, &err);
    tw = nn_params_add(&P, "up.weight", NN_PARAM, 4, ts, &err);
    rm = nn_params_add(&P, "bn.running_mean", NN_BUFFER, 1, c4, &err);
    rv = nn_params_add(&P, "bn.running_var", NN_BUFFER, 1, c4, &err);
    if (!ctx || !rv || nn_params_alloc(&P, &err) || nn_adam_init(&adam, &P, 2e-3f, 0.5f, 0.999f, 1e-8f, &err)) {
        nn_ctx_free(ctx);
        nn_params_free(&P);
        return 0;
    }
    nn_rng_init(&rng, 5, NN_STREAM_INIT);
    nn_init_normal(w, &rng, 0.0f, 0.2f);
    nn_init_normal(g, &rng, 1.0f, 0.02f);
    nn_init_constant(b, 0.0f);
    nn_init_normal(lin, &rng, 0.0f, 0.1f);
    nn_init_constant(lb, 0.0f);
    nn_init_normal(tw, &rng, 0.0f, 0.1f);
    nn_init_constant(rm, 0.0f);
    nn_init_constant(rv, 1.0f);
    nn_rng_init(&rng, 5, NN_STREAM_DATA);
    for (step = 0; step < 5; step++) {
        nn_tensor *x, *h, *logit, *recon, *loss;
        nn_ctx_reset(ctx);
        nn_params_zero_grad(&P);
        nn_rng_fill_normal(&rng, xbuf, 2 * 3 * 8 * 8, 0.0f, 0.5f);
        x = nn_tensor_from(ctx, 4, xs, xbuf);
        h = nn_leaky_relu(ctx, nn_batch_norm2d(ctx, nn_conv2d(ctx, x, w, NULL, &down), g, b, rm, rv, 1, 0.1f, 1e-5f),
                          0.2f);
        logit = nn_linear(ctx, nn_reshape(ctx, h, 2, flat), lin, lb);
        recon = nn_tanh(ctx, nn_conv_transpose2d(ctx, h, tw, NULL, &up));
        loss = nn_add(ctx, nn_bce_with_logits_loss(ctx, logit, nn_tensor_from(ctx, 2, ys, target)),
                      nn_mse_loss(ctx, recon, x));
        if (!loss || nn_backward(ctx, loss, 0)) break;
        if (nn_adam_step(&adam, &P, &err)) break;
    }
    /* 0 marks a failed run: it can never match a platform that worked. */
    crc = step == 5 ? crc_floats(0, P.data, P.n_total) : 0;
    nn_adam_free(&adam);
    nn_params_free(&P);
    nn_ctx_free(ctx);
    return crc;
}

/* 20 steps of the reference DCGAN training (pytorch/examples dcgan: Adam
 * lr 2e-4, betas (0.5, 0.999); D on real then fake with BCE, G on D(G(z))
 * against "real") at 64x64 with narrow layers (nz 8, ngf = ndf = 4) and
 * batch 4, on seeded noise images: every conv, conv-transpose, batch norm
 * and activation of the full-size network, in a second of scalar time.
 * Batch 4 gives G's 16x16 layer and D's 8x8 one 256 pixels over the batch
 * with 8 channels: the sub-pixel input gradient (ops_conv.c) runs too. */
static uint32_t dcgan_train_steps(void)
{
    static const gan_dcgan_config cfg = { 8, 4, 4, 3, 64 };
    enum { B = 4, STEPS = 20 };
    static float real[B * 3 * 64 * 64], noise[B * 8];
    static const float ones[B] = { 1, 1, 1, 1 }, zeros[B] = { 0, 0, 0, 0 };
    int xs[4] = { B, 3, 64, 64 }, zs[4] = { B, 8, 1, 1 }, ys[1] = { B };
    gan_dcgan m;
    nn_adam og, od;
    nn_rng init, data, lat;
    nn_ctx *ctx = nn_ctx_new(0);
    g99_error err;
    uint32_t crc = 0;
    int step, ok = ctx && gan_dcgan_init(&m, &cfg, &err) == 0;
    if (!ok) {
        nn_ctx_free(ctx);
        return 0;
    }
    nn_rng_init(&init, 2026, NN_STREAM_INIT);
    nn_rng_init(&data, 2026, NN_STREAM_DATA);
    nn_rng_init(&lat, 2026, NN_STREAM_NOISE);
    gan_dcgan_weights_init(&m, &init);
    ok = nn_adam_init(&og, &m.g, 2e-4f, 0.5f, 0.999f, 1e-8f, &err) == 0;
    ok = ok && nn_adam_init(&od, &m.d, 2e-4f, 0.5f, 0.999f, 1e-8f, &err) == 0;
    for (step = 0; ok && step < STEPS; step++) {
        nn_tensor *fake, *loss, *lossf;
        nn_rng_fill_uniform(&data, real, B * 3 * 64 * 64, -1.0f, 1.0f);
        nn_rng_fill_normal(&lat, noise, B * 8, 0.0f, 1.0f);
        nn_ctx_reset(ctx);
        /* D: real -> 1, G(z) detached -> 0 */
        nn_params_zero_grad(&m.d);
        fake = gan_dcgan_generate(ctx, &m, nn_tensor_from(ctx, 4, zs, noise), 1);
        loss = nn_bce_loss(ctx, gan_dcgan_discriminate(ctx, &m, nn_tensor_from(ctx, 4, xs, real), 1),
                           nn_tensor_from(ctx, 1, ys, ones));
        lossf = nn_bce_loss(ctx, gan_dcgan_discriminate(ctx, &m, nn_detach(ctx, fake), 1),
                            nn_tensor_from(ctx, 1, ys, zeros));
        ok = loss && lossf && nn_backward(ctx, loss, 0) == 0 && nn_backward(ctx, lossf, 0) == 0;
        ok = ok && nn_adam_step(&od, &m.d, &err) == 0;
        /* G: D(G(z)) -> 1 */
        nn_params_zero_grad(&m.g);
        loss = nn_bce_loss(ctx, gan_dcgan_discriminate(ctx, &m, fake, 1), nn_tensor_from(ctx, 1, ys, ones));
        ok = ok && loss && nn_backward(ctx, loss, 0) == 0;
        ok = ok && nn_adam_step(&og, &m.g, &err) == 0;
    }
    /* 0 marks a failed run: it can never match a platform that worked. */
    if (ok) crc = crc_floats(crc_floats(0, m.g.data, m.g.n_total), m.d.data, m.d.n_total);
    nn_adam_free(&og);
    nn_adam_free(&od);
    gan_dcgan_free(&m);
    nn_ctx_free(ctx);
    return crc;
}
/* Two iterations of a narrow SPADE trainer (G step then D step, TTUR Adam,
 * the GAN and feature-matching losses) at 32x32 on a seeded one-hot map
 * and image: the stride-1 "same" 3x3 and 1x1 convolutions of every SPADE
 * layer and block at widths 1 to 32, with their input gradients, and the
 * multiscale discriminator. nhidden 12 and ngf 3 are deliberately not
 * multiples of any vector width or channel block. */
static uint32_t spade_train_steps(void)
{
    enum { B = 2, S = 32, STEPS = 2 };
    static float seg[B * 4 * S * S], img[B * 3 * S * S];
    gan_spade m;
    gan_spade_config cfg;
    gan_spade_trainer t;
    gan_spade_train_opts o;
    gan_spade_losses l;
    nn_rng rng;
    g99_error err;
    uint32_t crc = 0;
    int i, p, step, ok, inited;
    gan_spade_config_defaults(&cfg);
    cfg.size = S;
    cfg.classes = 4;
    cfg.ngf = 3;
    cfg.ndf = 2;
    cfg.nhidden = 12;
    nn_rng_init(&rng, 2026, NN_STREAM_DATA);
    memset(seg, 0, sizeof seg);
    for (i = 0; i < B; i++)
        for (p = 0; p < S * S; p++) seg[(i * cfg.classes + (int)nn_rng_below(&rng, 4)) * S * S + p] = 1.0f;
    nn_rng_fill_uniform(&rng, img, B * 3 * S * S, -1.0f, 1.0f);
    if (gan_spade_init(&m, &cfg, &err) != 0) return 0;
    nn_rng_init(&rng, 2026, NN_STREAM_INIT);
    gan_spade_weights_init(&m, &rng);
    gan_spade_train_defaults(&o);
    ok = inited = gan_spade_trainer_init(&t, &m, &o, 2026, NULL, &err) == 0;
    for (step = 0; ok && step < STEPS; step++) ok = gan_spade_train_step(&t, seg, img, B, &l, &err) == 0;
    /* 0 marks a failed run: it can never match a platform that worked. */
    if (ok) crc = crc_floats(crc_floats(0, m.g.data, m.g.n_total), m.d.data, m.d.n_total);
    if (inited) gan_spade_trainer_free(&t);
    gan_spade_free(&m);
    return crc;
}

/* Photo and cartoon faces at two sizes, pixels, labels and eye centres:
 * integer and own-math code, so any compiler or platform gives these bytes
 * (an order of evaluation left to the compiler once changed them). */
static uint32_t synthfaces(void)
{
    static const int sizes[2] = { 32, 64 };
    uint32_t crc = 0;
    int style, s, i;
    for (style = GAN_FACE_PHOTO; style <= GAN_FACE_TOON; style++)
        for (s = 0; s < 2; s++)
            for (i = 0; i < 8; i++) {
                gan_face f;
                g99_error err;
                if (gan_synthface_render_style(7, (uint64_t)i, sizes[s], style, &f, &err) != 0) return 0;
                crc = g99_crc32(crc, f.rgb.data, (size_t)sizes[s] * sizes[s] * 3);
                crc = g99_crc32(crc, f.labels, (size_t)sizes[s] * sizes[s]);
                crc = crc_floats(crc, &f.eyes[0][0], 4);
                gan_face_free(&f);
            }
    return crc;
}


static const digest_entry digests[] = {
    { "prng.u32", prng_u32 },
    { "prng.below_shuffle", prng_below_shuffle },
    { "prng.uniform", prng_uniform },
    { "prng.normal", prng_normal },
    { "math.exp", math_exp },
    { "math.log", math_log },
    { "math.tanh", math_tanh },
    { "math.sigmoid", math_sigmoid },
    { "math.sin", math_sin },
    { "math.cos", math_cos },
    { "math.pow", math_pow },
    { "nn.train_steps", nn_train_steps },
    { "gan.dcgan_train_steps", dcgan_train_steps },
    { "gan.synthfaces", synthfaces },
    { "gan.spade_train_steps", spade_train_steps },
    { NULL, NULL }
};

void test_digest_print(void)
{
    const digest_entry *d;
    fprintf(stderr, "digest: kernel set %s, %d thread(s)\n", nn_k_path_name(nn_k_path()), nn_k_threads());
    for (d = digests; d->name; d++) printf("%s %08lX\n", d->name, (unsigned long)d->fn());
}
