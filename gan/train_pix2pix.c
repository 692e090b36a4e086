/* gan: one pix2pix training step as Pix2PixModel.optimize_parameters of
 * junyanz/pytorch-CycleGAN-and-pix2pix takes it (doc/models.md §2):
 *
 *   fake_B = G(A)
 *   D: zero_grad; loss_D = 0.5 (GAN(D(cat(A, fake_B).detach()), 0)
 *                             + GAN(D(cat(A, B)), 1)); backward; step D
 *   G: zero_grad; loss_G = GAN(D(cat(A, fake_B)), 1) + lambda L1(fake_B, B);
 *      backward (D's gradients off); step G
 *
 * GAN is BCE with logits (vanilla) or MSE (lsgan) against a tensor of 1s
 * or 0s of the prediction's shape. D runs three times in training mode
 * (fake, real, then fake again through the updated D for G), each with its
 * own batch statistics and running-statistics update, as the reference.
 * The learning rate of both optimizers follows the reference's lambda_rule
 * (epoch_count 1, stepped at the start of every epoch as train.py does):
 * constant, then linearly down to 0 in the last epoch. */
#include "gan.h"

#include <stdlib.h>

void gan_pix2pix_train_defaults(gan_pix2pix_train_opts *o)
{
    o->gan_mode = GAN_P2P_GAN_VANILLA;
    o->lambda_l1 = 100.0f;
    o->lr = 2e-4f;
    o->beta1 = 0.5f;
    o->n_epochs = 100;
    o->n_epochs_decay = 100;
}

double gan_pix2pix_lr_factor(const gan_pix2pix_train_opts *o, uint64_t epoch)
{
    /* train.py steps the scheduler at the start of every epoch, so 0-based
     * epoch e runs at lambda_rule(e + 1) = 1 - max(0, e + 1 + epoch_count -
     * n_epochs) / (n_epochs_decay + 1): the decay begins in the last
     * constant epoch and the final epoch runs at 0. */
    double over = (double)epoch + 2.0 - (double)o->n_epochs;
    double f = 1.0 - (over > 0.0 ? over : 0.0) / (double)(o->n_epochs_decay + 1);
    return f > 0.0 ? f : 0.0;   /* past the schedule (--steps beyond it): 0, never a negative rate */
}

int gan_pix2pix_trainer_init(gan_pix2pix_trainer *t, gan_pix2pix *m, const gan_pix2pix_train_opts *o, uint64_t seed,
                             nn_ctx *ctx, g99_error *err)
{
    int rc;
    memset(t, 0, sizeof *t);
    if (!(o->lr > 0.0f && o->lr < 1.0f)) return g99_fail(err, G99_EINVAL, "pix2pix training: learning rate %g", o->lr);
    if (!(o->beta1 >= 0.0f && o->beta1 < 1.0f)) return g99_fail(err, G99_EINVAL, "pix2pix training: beta1 %g", o->beta1);
    if (o->gan_mode != GAN_P2P_GAN_VANILLA && o->gan_mode != GAN_P2P_GAN_LSGAN)
        return g99_fail(err, G99_EINVAL, "pix2pix training: gan_mode %d (want vanilla or lsgan)", o->gan_mode);
    if (o->n_epochs < 0 || o->n_epochs_decay < 0)
        return g99_fail(err, G99_EINVAL, "pix2pix training: epochs %d + %d", o->n_epochs, o->n_epochs_decay);
    t->m = m;
    t->o = *o;
    nn_rng_init(&t->dropout, seed, NN_STREAM_DROPOUT);
    m->dropout = &t->dropout;
    t->owns_ctx = ctx == NULL;
    t->ctx = ctx ? ctx : nn_ctx_new(0);
    if (!t->ctx) return g99_fail(err, G99_ENOMEM, "out of memory");
    rc = nn_adam_init(&t->opt_g, &m->g, o->lr, o->beta1, 0.999f, 1e-8f, err);
    if (!rc) rc = nn_adam_init(&t->opt_d, &m->d, o->lr, o->beta1, 0.999f, 1e-8f, err);
    if (rc) gan_pix2pix_trainer_free(t);
    return rc;
}

void gan_pix2pix_trainer_free(gan_pix2pix_trainer *t)
{
    if (t->m && t->m->dropout == &t->dropout) t->m->dropout = NULL;
    nn_adam_free(&t->opt_g);
    nn_adam_free(&t->opt_d);
    if (t->owns_ctx) nn_ctx_free(t->ctx);
    memset(t, 0, sizeof *t);
}

/* GANLoss: the prediction against a target of its shape, 1 (real) or 0. */
static nn_tensor *gan_loss(nn_ctx *ctx, int mode, nn_tensor *pred, float target)
{
    nn_tensor *y;
    size_t i;
    if (!pred) return NULL;
    y = nn_tensor_new(ctx, pred->ndim, pred->shape);
    for (i = 0; y && i < y->numel; i++) y->data[i] = target;
    return mode == GAN_P2P_GAN_LSGAN ? nn_mse_loss(ctx, pred, y) : nn_bce_with_logits_loss(ctx, pred, y);
}

/* D's gradients are not needed in G's pass (the reference's
 * set_requires_grad(netD, False)). */
static void set_trainable(nn_params *p, int on)
{
    size_t i;
    for (i = 0; i < p->n; i++)
        if (p->kind[i] == NN_PARAM) nn_tensor_set_requires_grad(p->t[i], on);
}

int gan_pix2pix_train_step(gan_pix2pix_trainer *t, const float *a, const float *b, int n, uint64_t epoch,
                           gan_pix2pix_losses *out, g99_error *err)
{
    gan_pix2pix *m = t->m;
    nn_ctx *ctx = t->ctx;
    const gan_pix2pix_config *c = &m->cfg;
    int as[4], bs[4];
    float lr = (float)(t->o.lr * gan_pix2pix_lr_factor(&t->o, epoch));
    nn_tensor *ta, *tb, *fake, *l_fake, *l_real, *l_d, *l_gan, *l_l1, *l_g;
    nn_mark pass;
    gan_pix2pix_losses r;
    if (n < 1) return g99_fail(err, G99_EINVAL, "pix2pix training: batch %d", n);
    as[0] = bs[0] = n;
    as[1] = c->input_nc;
    bs[1] = c->output_nc;
    as[2] = bs[2] = c->height;
    as[3] = bs[3] = c->width;
    t->opt_g.lr = t->opt_d.lr = lr;
    nn_ctx_reset(ctx);
    ta = nn_tensor_from(ctx, 4, as, a);
    tb = nn_tensor_from(ctx, 4, bs, b);
    fake = gan_pix2pix_generate(ctx, m, ta, 1);
    /* D: the fake pair (cut from G), then the real pair; both passes die after backward */
    nn_params_zero_grad(&m->d);
    pass = nn_ctx_mark(ctx);
    l_fake = gan_loss(ctx, t->o.gan_mode, gan_pix2pix_discriminate(ctx, m, nn_concat(ctx, ta, nn_detach(ctx, fake), 1), 1),
                      0.0f);
    l_real = gan_loss(ctx, t->o.gan_mode, gan_pix2pix_discriminate(ctx, m, nn_concat(ctx, ta, tb, 1), 1), 1.0f);
    l_d = nn_scale(ctx, nn_add(ctx, l_fake, l_real), 0.5f);
    if (nn_backward(ctx, l_d, 0)) goto fail;
    r.d_fake = l_fake->data[0];
    r.d_real = l_real->data[0];
    nn_ctx_rewind(ctx, pass);
    if (nn_adam_step(&t->opt_d, &m->d, err)) return G99_EINVAL;
    /* G through the updated D */
    nn_params_zero_grad(&m->g);
    set_trainable(&m->d, 0);
    l_gan = gan_loss(ctx, t->o.gan_mode, gan_pix2pix_discriminate(ctx, m, nn_concat(ctx, ta, fake, 1), 1), 1.0f);
    l_l1 = nn_scale(ctx, nn_l1_loss(ctx, fake, tb), t->o.lambda_l1);
    l_g = nn_add(ctx, l_gan, l_l1);
    nn_backward(ctx, l_g, 0);
    set_trainable(&m->d, 1);
    if (nn_ctx_error(ctx)->code) goto fail;
    if (nn_adam_step(&t->opt_g, &m->g, err)) return G99_EINVAL;
    r.g_gan = l_gan->data[0];
    r.g_l1 = l_l1->data[0];
    t->step++;
    if (out) *out = r;
    return 0;
fail:
    set_trainable(&m->d, 1);
    if (err) *err = *nn_ctx_error(ctx);
    return nn_ctx_error(ctx)->code ? nn_ctx_error(ctx)->code : G99_EINVAL;
}
