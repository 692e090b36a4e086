/* gan: the encoder-decoder of doc/models.md §2.2 as an autoencoder: the
 * model (layers, state_dict names, initialization) and its training step.
 *
 * pix2pix's encoder-decoder (its U-Net without the skips) is the shape: a
 * stack of stride-2 4x4 convolutions down to a small code and the mirror
 * stack of transposed convolutions up, widths nf min(2^i, 8). As an
 * autoencoder the input is the target, so there is no discriminator: the
 * loss is the reconstruction's L1 (or MSE) and one Adam(2e-4, (0.5,
 * 0.999)) trains both halves. The layer order is the gan.h section's:
 * every encoder stage is conv, batch norm (not on the first, as DCGAN's D
 * and pix2pix's outermost down-conv), LeakyReLU(0.2) and Dropout, so the
 * Dropout module keeps its index whatever p is (p is a training setting,
 * not part of the model file); --pool swaps the stride for a 2x2 max-pool
 * after a size-keeping 3x3 convolution.
 *
 * (gan99) Where this differs from pix2pix's ablation: each stage is
 * conv-norm-activation (pix2pix activates before the next conv, so its
 * code is the innermost conv's raw output and it has no norm there), and
 * dropout sits on the encoder, off by default (pix2pix puts Dropout(0.5) on
 * its first three decoder stages). */
#include "gan.h"

#include <stdio.h>

int gan_autoencoder_default_depth(int width, int height)
{
    int d = 0;
    while (d < GAN_AE_MAX_DEPTH && width % 2 == 0 && height % 2 == 0 && (width < height ? width : height) >= 8) {
        width /= 2;
        height /= 2;
        d++;
    }
    return d;
}

/* Stage i's output channels. */
static int width_of(const gan_autoencoder_config *c, int i)
{
    return c->nf * (i < 3 ? 1 << i : 8);
}

/* "48x64 or 64x64": the sizes nearest w x h that unit divides. */
static void sizes_that_work(int w, int h, int unit, char *buf, size_t cap)
{
    int wl = w / unit * unit, hl = h / unit * unit, wu = (w + unit - 1) / unit * unit, hu = (h + unit - 1) / unit * unit;
    if (wl < unit) wl = unit;
    if (hl < unit) hl = unit;
    if (wl == wu && hl == hu) snprintf(buf, cap, "%dx%d", wl, hl);
    else snprintf(buf, cap, "%dx%d or %dx%d", wl, hl, wu, hu);
}

int gan_autoencoder_check_config(const gan_autoencoder_config *c, g99_error *err)
{
    int depth = c->depth ? c->depth : gan_autoencoder_default_depth(c->width, c->height), unit;
    char ok[64];
    if (c->channels != 1 && c->channels != 3)
        return g99_fail(err, G99_EINVAL, "autoencoder: --channels is 1 or 3, not %d", c->channels);
    if (c->nf < 1 || c->nf > 4096) return g99_fail(err, G99_EINVAL, "autoencoder: --nf %d (want 1..4096)", c->nf);
    if (c->width < 2 || c->height < 2 || c->width > 4096 || c->height > 4096)
        return g99_fail(err, G99_EINVAL, "autoencoder: --size %dx%d (want 2..4096 a side)", c->width, c->height);
    if (c->depth < 0 || c->depth > GAN_AE_MAX_DEPTH)
        return g99_fail(err, G99_EINVAL, "autoencoder: --depth %d (want 1..%d)", c->depth, GAN_AE_MAX_DEPTH);
    unit = 1 << (depth > 0 ? depth : 3);
    if (depth < 1 || c->width % unit || c->height % unit) {
        sizes_that_work(c->width, c->height, unit, ok, sizeof ok);
        if (c->depth)
            return g99_fail(err, G99_EINVAL, "autoencoder: --size %dx%d: --depth %d halves each side %d times, so "
                            "both must be multiples of %d (%s would work)", c->width, c->height, depth, depth, unit, ok);
        return g99_fail(err, G99_EINVAL, "autoencoder: --size %dx%d cannot be halved (both sides even, the smaller "
                        "at least 8): %s would work", c->width, c->height, ok);
    }
    return 0;
}

static gan_block_def layer_def(int op, int in, int out, int kernel, int stride, int padding, int bias, int norm,
                               int act, float slope)
{
    gan_block_def d;
    gan_block_def_normal(&d, op, in, out, kernel, stride, padding, bias, norm, act, slope);
    return d;
}

/* Declares both Sequentials, counting every module for the indices. */
static int declare(gan_autoencoder *m, g99_error *err)
{
    const gan_autoencoder_config *c = &m->cfg;
    int i, k = 0, rc = 0, D = c->depth;
    char cp[32], np[32];
    for (i = 0; i < D && !rc; i++) {
        int in = i ? width_of(c, i - 1) : c->channels, norm = i ? GAN_NORM_BATCH : GAN_NORM_NONE;
        gan_block_def d = c->pool ? layer_def(GAN_OP_CONV, in, width_of(c, i), 3, 1, 1, 0, norm, GAN_ACT_LRELU, 0.2f)
                                  : layer_def(GAN_OP_CONV, in, width_of(c, i), 4, 2, 1, 0, norm, GAN_ACT_LRELU, 0.2f);
        sprintf(cp, "encoder.%d", k);
        sprintf(np, "encoder.%d", k + 1);
        rc = gan_block_add(&m->init, cp, np, &d, &m->enc[i], err);
        k += (i ? 4 : 3) + (c->pool ? 1 : 0);   /* conv [BN] LReLU [MaxPool] Dropout */
    }
    for (i = 0, k = 0; i < D && !rc; i++) {
        int last = i == D - 1;
        gan_block_def d = layer_def(GAN_OP_CONV_T, width_of(c, D - 1 - i), last ? c->channels : width_of(c, D - 2 - i),
                                    4, 2, 1, last, last ? GAN_NORM_NONE : GAN_NORM_BATCH,
                                    last ? GAN_ACT_TANH : GAN_ACT_RELU, 0.0f);
        sprintf(cp, "decoder.%d", k);
        sprintf(np, "decoder.%d", k + 1);
        rc = gan_block_add(&m->init, cp, np, &d, &m->dec[i], err);
        k += 3;
    }
    return rc;
}

int gan_autoencoder_init(gan_autoencoder *m, const gan_autoencoder_config *cfg, g99_error *err)
{
    int rc;
    memset(m, 0, sizeof *m);
    nn_params_init(&m->p);
    gan_table_init(&m->init, &m->p);
    if ((rc = gan_autoencoder_check_config(cfg, err)) != 0) return rc;
    m->cfg = *cfg;
    if (!m->cfg.depth) m->cfg.depth = gan_autoencoder_default_depth(cfg->width, cfg->height);
    rc = declare(m, err);
    if (!rc) rc = gan_table_alloc(&m->init, err);
    if (rc) gan_autoencoder_free(m);
    return rc;
}

void gan_autoencoder_free(gan_autoencoder *m)
{
    gan_table_free(&m->init);
    nn_params_free(&m->p);
}

void gan_autoencoder_weights_init(gan_autoencoder *m, nn_rng *rng)
{
    gan_table_apply(&m->init, rng);
}

nn_tensor *gan_autoencoder_encode(nn_ctx *ctx, const gan_autoencoder *m, nn_tensor *x, int train,
                                  const gan_autoencoder_dropout *drop)
{
    nn_pool_opts pool;
    int i;
    memset(&pool, 0, sizeof pool);
    pool.kernel = 2;
    for (i = 0; i < m->cfg.depth; i++) {
        x = gan_block_forward(ctx, &m->enc[i], x, train);
        if (m->cfg.pool) x = nn_max_pool2d(ctx, x, &pool);
        if (train && drop && drop->p > 0.0f) {
            if (drop->keep) x = nn_dropout_mask(ctx, x, drop->keep[i], drop->p);
            else x = nn_dropout(ctx, x, drop->p, 1, drop->rng);
        }
    }
    return x;
}

nn_tensor *gan_autoencoder_decode(nn_ctx *ctx, const gan_autoencoder *m, nn_tensor *code, int train)
{
    int i;
    for (i = 0; i < m->cfg.depth; i++) code = gan_block_forward(ctx, &m->dec[i], code, train);
    return code;
}

nn_tensor *gan_autoencoder_forward(nn_ctx *ctx, const gan_autoencoder *m, nn_tensor *x, int train,
                                   const gan_autoencoder_dropout *drop)
{
    return gan_autoencoder_decode(ctx, m, gan_autoencoder_encode(ctx, m, x, train, drop), train);
}

/* ---- training ------------------------------------------------------------- */

int gan_autoencoder_trainer_init(gan_autoencoder_trainer *t, gan_autoencoder *m, float lr, float beta1, int loss,
                                 float dropout, uint64_t seed, nn_ctx *ctx, g99_error *err)
{
    int rc;
    memset(t, 0, sizeof *t);
    if (!(lr > 0.0f && lr < 1.0f)) return g99_fail(err, G99_EINVAL, "autoencoder: --lr %g (want 0..1)", lr);
    if (!(beta1 >= 0.0f && beta1 < 1.0f)) return g99_fail(err, G99_EINVAL, "autoencoder: --beta1 %g (want 0..1)", beta1);
    if (!(dropout >= 0.0f && dropout < 1.0f))
        return g99_fail(err, G99_EINVAL, "autoencoder: --dropout %g (want 0 <= p < 1)", dropout);
    if (loss != GAN_AE_LOSS_L1 && loss != GAN_AE_LOSS_MSE)
        return g99_fail(err, G99_EINVAL, "autoencoder: --loss %d (l1 or mse)", loss);
    t->m = m;
    t->p = dropout;
    t->loss = loss;
    nn_rng_init(&t->dropout, seed, NN_STREAM_DROPOUT);
    t->owns_ctx = ctx == NULL;
    t->ctx = ctx ? ctx : nn_ctx_new(0);
    if (!t->ctx) return g99_fail(err, G99_ENOMEM, "out of memory");
    rc = nn_adam_init(&t->adam, &m->p, lr, beta1, 0.999f, 1e-8f, err);
    if (rc) gan_autoencoder_trainer_free(t);
    return rc;
}

void gan_autoencoder_trainer_free(gan_autoencoder_trainer *t)
{
    nn_adam_free(&t->adam);
    if (t->owns_ctx) nn_ctx_free(t->ctx);
    memset(t, 0, sizeof *t);
}

int gan_autoencoder_train_step(gan_autoencoder_trainer *t, const float *input, const float *target, int n,
                               float losses[2], g99_error *err)
{
    const gan_autoencoder_config *c = &t->m->cfg;
    nn_ctx *ctx = t->ctx;
    gan_autoencoder_dropout drop;
    nn_tensor *x, *y, *out, *l1, *mse;
    int s[4];
    if (n < 1) return g99_fail(err, G99_EINVAL, "autoencoder: a batch of %d images", n);
    s[0] = n;
    s[1] = c->channels;
    s[2] = c->height;
    s[3] = c->width;
    drop.p = t->p;
    drop.rng = &t->dropout;
    drop.keep = NULL;
    nn_ctx_reset(ctx);
    nn_params_zero_grad(&t->m->p);
    x = nn_tensor_from(ctx, 4, s, input);
    y = nn_tensor_from(ctx, 4, s, target);
    out = gan_autoencoder_forward(ctx, t->m, x, 1, &drop);
    l1 = nn_l1_loss(ctx, out, y);
    mse = nn_mse_loss(ctx, out, y);
    if (!l1 || !mse || nn_backward(ctx, t->loss == GAN_AE_LOSS_MSE ? mse : l1, 0)) {
        if (err) *err = *nn_ctx_error(ctx);
        return nn_ctx_error(ctx)->code ? nn_ctx_error(ctx)->code : G99_EINVAL;
    }
    losses[0] = l1->data[0];
    losses[1] = mse->data[0];
    return nn_adam_step(&t->adam, &t->m->p, err);
}
