/* gan: one DCGAN training step as pytorch/examples dcgan/main.py takes it
 * (doc/models.md §1.2):
 *
 *   D: zero_grad; errD_real = BCE(D(x), 1); backward
 *      fake = G(z), z ~ N(0, 1) [B,nz,1,1]
 *      errD_fake = BCE(D(fake.detach()), 0); backward; step D
 *   G: zero_grad; errG = BCE(D(fake), 1); backward; step G
 *
 * D sees the real and the fake batch in two separate passes, so each gets
 * its own batch-norm statistics (as the reference); G's loss goes through D
 * after D's update (the non-saturating loss). At size 28 D gives logits and
 * the losses are BCE-with-logits (the TensorFlow tutorial's). Every tensor
 * of a step lives in the trainer's arena, reset at the start of the next
 * step, so a steady step does not call malloc. A pass whose graph is dead
 * is dropped at once (nn_ctx_rewind): D-real's whole pass after its
 * backward (its gradients are in the parameters' .grad), D-fake's after
 * its backward (only G's graph and `fake` live on, for G's pass). So the
 * arena's peak is G's pass (G and D forward and backward), not all three
 * passes at once; the numbers computed are the same. */
#include "gan.h"

#include <stdlib.h>

void gan_dcgan_train_defaults(int size, float *lr, float *beta1)
{
    /* the tutorial's Adam(1e-4) with Keras's beta1 0.9 at 28; the reference's
     * Adam(2e-4, betas (0.5, 0.999)) otherwise */
    *lr = size == 28 ? 1e-4f : 2e-4f;
    *beta1 = size == 28 ? 0.9f : 0.5f;
}

int gan_dcgan_trainer_init(gan_dcgan_trainer *t, gan_dcgan *m, int batch, float lr, float beta1, uint64_t seed,
                           g99_error *err)
{
    return gan_dcgan_trainer_init_ctx(t, m, batch, lr, beta1, seed, NULL, err);
}

int gan_dcgan_trainer_init_ctx(gan_dcgan_trainer *t, gan_dcgan *m, int batch, float lr, float beta1, uint64_t seed,
                               nn_ctx *ctx, g99_error *err)
{
    int rc;
    memset(t, 0, sizeof *t);
    if (batch < 1 || batch > 1 << 16) return g99_fail(err, G99_EINVAL, "dcgan training: batch %d", batch);
    if (!(lr > 0.0f && lr < 1.0f)) return g99_fail(err, G99_EINVAL, "dcgan training: learning rate %g", lr);
    t->m = m;
    t->batch = batch;
    nn_rng_init(&t->noise, seed, NN_STREAM_NOISE);
    nn_rng_init(&t->dropout, seed, NN_STREAM_DROPOUT);
    m->dropout = &t->dropout;
    t->owns_ctx = ctx == NULL;
    t->ctx = ctx ? ctx : nn_ctx_new(0);
    if (!t->ctx) return g99_fail(err, G99_ENOMEM, "out of memory");
    rc = nn_adam_init(&t->opt_d, &m->d, lr, beta1, 0.999f, 1e-8f, err);
    if (!rc) rc = nn_adam_init(&t->opt_g, &m->g, lr, beta1, 0.999f, 1e-8f, err);
    if (rc) gan_dcgan_trainer_free(t);
    return rc;
}

void gan_dcgan_trainer_free(gan_dcgan_trainer *t)
{
    if (t->m && t->m->dropout == &t->dropout) t->m->dropout = NULL;
    nn_adam_free(&t->opt_d);
    nn_adam_free(&t->opt_g);
    if (t->owns_ctx) nn_ctx_free(t->ctx);
    memset(t, 0, sizeof *t);
}

static nn_tensor *filled(nn_ctx *ctx, int n, float v)
{
    nn_tensor *t = nn_tensor_new(ctx, 1, &n);
    size_t i;
    for (i = 0; t && i < t->numel; i++) t->data[i] = v;
    return t;
}

/* The mean of D's outputs as probabilities (the reference's D(x), D(G(z))). */
static float mean_prob(const nn_tensor *out, int logits)
{
    double s = 0;
    size_t i;
    if (!out) return 0.0f;
    for (i = 0; i < out->numel; i++) s += logits ? nn_sigmoidf(out->data[i]) : out->data[i];
    return (float)(s / (double)out->numel);
}

/* Turns the gradients of p's trainable tensors on or off. G's pass runs
 * with D's off: the reference also accumulates D's gradients there, but
 * they are zeroed before D's next use, so skipping them (and their weight
 * GEMMs and scratch) changes no number of the training. */
static void set_trainable(nn_params *p, int on)
{
    size_t i;
    for (i = 0; i < p->n; i++)
        if (p->kind[i] == NN_PARAM) nn_tensor_set_requires_grad(p->t[i], on);
}

static nn_tensor *loss(nn_ctx *ctx, nn_tensor *out, nn_tensor *target, int logits)
{
    return logits ? nn_bce_with_logits_loss(ctx, out, target) : nn_bce_loss(ctx, out, target);
}

int gan_dcgan_train_step(gan_dcgan_trainer *t, const float *real, gan_dcgan_losses *out, g99_error *err)
{
    gan_dcgan *m = t->m;
    nn_ctx *ctx = t->ctx;
    int B = t->batch, logits = gan_dcgan_d_logits(m), xs[4], zs[4];
    nn_tensor *x, *z, *fake, *d_out, *l_real, *l_fake, *l_g, *ones, *zeros;
    nn_mark pass;
    gan_dcgan_losses r;
    xs[0] = B; xs[1] = m->cfg.nc; xs[2] = xs[3] = m->cfg.size;
    zs[0] = B; zs[1] = m->cfg.nz; zs[2] = zs[3] = 1;
    nn_ctx_reset(ctx);
    ones = filled(ctx, B, 1.0f);
    zeros = filled(ctx, B, 0.0f);
    /* D on the real batch; then the whole pass is dead */
    nn_params_zero_grad(&m->d);
    pass = nn_ctx_mark(ctx);
    x = nn_tensor_from(ctx, 4, xs, real);
    d_out = gan_dcgan_discriminate(ctx, m, x, 1);
    r.d_x = mean_prob(d_out, logits);
    l_real = loss(ctx, d_out, ones, logits);
    if (nn_backward(ctx, l_real, 0)) goto fail;
    r.d_real = l_real->data[0];
    nn_ctx_rewind(ctx, pass);
    /* D on a fake batch, cut from G; G's graph and fake stay for G's pass */
    z = nn_tensor_new(ctx, 4, zs);
    if (z) nn_rng_fill_normal(&t->noise, z->data, z->numel, 0.0f, 1.0f);
    fake = gan_dcgan_generate(ctx, m, z, 1);
    pass = nn_ctx_mark(ctx);
    d_out = gan_dcgan_discriminate(ctx, m, nn_detach(ctx, fake), 1);
    r.d_g_z1 = mean_prob(d_out, logits);
    l_fake = loss(ctx, d_out, zeros, logits);
    if (nn_backward(ctx, l_fake, 0)) goto fail;
    r.d_fake = l_fake->data[0];
    nn_ctx_rewind(ctx, pass);
    if (nn_adam_step(&t->opt_d, &m->d, err)) return G99_EINVAL;
    /* G through the updated D, whose own gradients are not needed */
    nn_params_zero_grad(&m->g);
    set_trainable(&m->d, 0);
    d_out = gan_dcgan_discriminate(ctx, m, fake, 1);
    r.d_g_z2 = mean_prob(d_out, logits);
    l_g = loss(ctx, d_out, ones, logits);
    nn_backward(ctx, l_g, 0);
    set_trainable(&m->d, 1);
    if (nn_ctx_error(ctx)->code) goto fail;
    if (nn_adam_step(&t->opt_g, &m->g, err)) return G99_EINVAL;
    r.g = l_g->data[0];
    t->step++;
    if (out) *out = r;
    return 0;
fail:
    if (err) *err = *nn_ctx_error(ctx);
    return nn_ctx_error(ctx)->code ? nn_ctx_error(ctx)->code : G99_EINVAL;
}

/* ---- checkpoints: G, D, both optimizers, the step and the generators ---- */

static void parts_of(gan_dcgan_trainer *t, nn_checkpoint_part parts[2])
{
    parts[0].prefix = "G.";
    parts[0].p = &t->m->g;
    parts[0].adam = &t->opt_g;
    parts[0].sgd = NULL;
    parts[1].prefix = "D.";
    parts[1].p = &t->m->d;
    parts[1].adam = &t->opt_d;
    parts[1].sgd = NULL;
}

int gan_dcgan_trainer_save(gan_dcgan_trainer *t, const char *path, const char *config, nn_rng *extra, int n_extra,
                           g99_error *err)
{
    nn_checkpoint_part parts[2];
    nn_train_state ts;
    nn_rng rngs[GAN_TRAINER_MAX_RNG];
    int i;
    if (n_extra < 0 || n_extra > GAN_TRAINER_MAX_RNG - 2)
        return g99_fail(err, G99_EINVAL, "%s: %d extra generators", path, n_extra);
    rngs[0] = t->noise;
    rngs[1] = t->dropout;
    for (i = 0; i < n_extra; i++) rngs[2 + i] = extra[i];
    parts_of(t, parts);
    memset(&ts, 0, sizeof ts);
    ts.step = t->step;
    ts.rng = rngs;
    ts.n_rng = 2 + n_extra;
    return nn_checkpoint_save_parts(path, parts, 2, "dcgan-train", config, &ts, err);
}

int gan_dcgan_trainer_load(gan_dcgan_trainer *t, const char *path, nn_rng *extra, int n_extra, g99_error *err)
{
    nn_checkpoint_part parts[2];
    nn_train_state ts;
    nn_rng rngs[GAN_TRAINER_MAX_RNG];
    int i, rc;
    if (n_extra < 0 || n_extra > GAN_TRAINER_MAX_RNG - 2)
        return g99_fail(err, G99_EINVAL, "%s: %d extra generators", path, n_extra);
    parts_of(t, parts);
    memset(&ts, 0, sizeof ts);
    memset(rngs, 0, sizeof rngs);
    ts.rng = rngs;
    ts.n_rng = 2 + n_extra;
    rc = nn_checkpoint_load_parts(path, parts, 2, &ts, err);
    if (rc) return rc;
    t->step = ts.step;
    t->noise = rngs[0];
    t->dropout = rngs[1];
    for (i = 0; i < n_extra; i++) extra[i] = rngs[2 + i];
    return 0;
}
