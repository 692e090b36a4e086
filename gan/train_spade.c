/* gan: one SPADE training iteration as NVlabs/SPADE's Pix2PixTrainer takes
 * it (doc/models.md, SPADE), G step then D step:
 *
 *   G: zero_grad; fake = G(seg); pf, pr = split(D(cat(cat(seg, fake), cat(seg, img)) along N))
 *      GAN  = -sum_i mean(pf_i last) / num_d
 *      Feat = sum_i sum_{j < last} L1(pf_ij, pr_ij.detach()) lambda_feat / num_d
 *      backward(GAN + Feat); step G
 *   D: zero_grad; fake = G(seg) without gradient (the updated G, train mode)
 *      D_Fake = sum_i mean(relu(1 + pf_i last)) / num_d
 *      D_real = sum_i mean(relu(1 - pr_i last)) / num_d
 *      backward(D_Fake + D_real); step D
 *
 * G runs twice and D twice an iteration in training mode, so batch norm's
 * running statistics and spectral norm's u, v advance twice, as the
 * reference's.
 *
 * use_vae: every G run takes z = E(img) reparameterized with a fresh eps
 * (E in train mode, so its power iterations advance twice an iteration
 * too); the G step adds KLD = lambda_kld KLDLoss(mu, logvar) and steps E
 * with G. vgg_path: the G step adds lambda_vgg VGGLoss(fake, img). */
#include "gan.h"

#include <stdlib.h>

void gan_spade_train_defaults(gan_spade_train_opts *o)
{
    memset(o, 0, sizeof *o);
    o->lr = 2e-4f;
    o->no_ttur = 0;
    o->beta1 = 0.5f;
    o->beta2 = 0.999f;
    o->lambda_feat = 10.0f;
    o->lambda_kld = 0.05f;
    o->vgg_path = NULL;
    o->lambda_vgg = 10.0f;
}

int gan_spade_trainer_init(gan_spade_trainer *t, gan_spade *m, const gan_spade_train_opts *o, uint64_t seed,
                           nn_ctx *ctx, g99_error *err)
{
    float lg = o->no_ttur ? o->lr : o->lr / 2, ld = o->no_ttur ? o->lr : o->lr * 2;
    float b1 = o->no_ttur ? o->beta1 : 0.0f, b2 = o->no_ttur ? o->beta2 : 0.9f;
    int rc;
    memset(t, 0, sizeof *t);
    if (!(o->lr > 0.0f && o->lr < 1.0f)) return g99_fail(err, G99_EINVAL, "spade training: learning rate %g", o->lr);
    if (!(b1 >= 0.0f && b1 < 1.0f) || !(b2 >= 0.0f && b2 < 1.0f))
        return g99_fail(err, G99_EINVAL, "spade training: Adam betas (%g, %g)", b1, b2);
    if (!(o->lambda_feat >= 0.0f && o->lambda_feat < 1e6f))
        return g99_fail(err, G99_EINVAL, "spade training: lambda_feat %g", o->lambda_feat);
    if (!(o->lambda_kld >= 0.0f && o->lambda_kld < 1e6f))
        return g99_fail(err, G99_EINVAL, "spade training: lambda_kld %g", o->lambda_kld);
    if (o->vgg_path && !(o->lambda_vgg >= 0.0f && o->lambda_vgg < 1e6f))
        return g99_fail(err, G99_EINVAL, "spade training: lambda_vgg %g", o->lambda_vgg);
    t->m = m;
    t->o = *o;
    t->o.vgg_path = NULL;   /* the path is not kept past init */
    nn_rng_init(&t->z, seed, GAN_STREAM_SPADE_Z);
    nn_rng_init(&t->eps, seed, GAN_STREAM_SPADE_EPS);
    t->owns_ctx = ctx == NULL;
    t->ctx = ctx ? ctx : nn_ctx_new(0);
    if (!t->ctx) return g99_fail(err, G99_ENOMEM, "out of memory");
    rc = nn_adam_init(&t->opt_g, &m->g, lg, b1, b2, 1e-8f, err);
    if (!rc) rc = nn_adam_init(&t->opt_d, &m->d, ld, b1, b2, 1e-8f, err);
    if (!rc && m->cfg.use_vae) rc = nn_adam_init(&t->opt_e, &m->e, lg, b1, b2, 1e-8f, err);
    if (!rc && o->vgg_path) {
        if (!(t->vgg = (gan_vgg19 *)calloc(1, sizeof *t->vgg))) rc = g99_fail(err, G99_ENOMEM, "out of memory");
        else if ((rc = gan_vgg19_load(t->vgg, o->vgg_path, err)) != 0) {
            free(t->vgg);
            t->vgg = NULL;
        }
    }
    if (rc) gan_spade_trainer_free(t);
    return rc;
}

void gan_spade_trainer_free(gan_spade_trainer *t)
{
    nn_adam_free(&t->opt_g);
    nn_adam_free(&t->opt_d);
    nn_adam_free(&t->opt_e);
    if (t->vgg) {
        gan_vgg19_free(t->vgg);
        free(t->vgg);
    }
    if (t->owns_ctx) nn_ctx_free(t->ctx);
    memset(t, 0, sizeof *t);
}

static void set_trainable(nn_params *p, int on)
{
    size_t i;
    for (i = 0; i < p->n; i++)
        if (p->kind[i] == NN_PARAM) nn_tensor_set_requires_grad(p->t[i], on);
}

/* G on seg: z from E(img) and a fresh eps under use_vae (*kld, when not
 * NULL, gets the weighted KL term), else a fresh z ~ N(0, 1) when the model
 * takes one. */
static nn_tensor *generate(gan_spade_trainer *t, nn_tensor *seg, nn_tensor *img, nn_tensor **kld)
{
    nn_tensor *z = NULL, *mu, *logvar;
    int zs[2];
    if (t->m->cfg.use_vae) {
        g99_error e;
        if (gan_spade_encode(t->ctx, t->m, img, 1, &mu, &logvar, &e)) return NULL;
        z = gan_spade_reparameterize(t->ctx, mu, logvar, t->eps_replay ? NULL : &t->eps, t->eps_replay);
        if (t->eps_replay) t->eps_replay += mu->numel;
        if (kld) *kld = nn_scale(t->ctx, gan_spade_kld(t->ctx, mu, logvar), t->o.lambda_kld);
        if (!z) return NULL;
    } else if (t->m->cfg.z_dim > 0) {
        zs[0] = seg->shape[0];
        zs[1] = t->m->cfg.z_dim;
        z = nn_tensor_new(t->ctx, 2, zs);
        if (!z) return NULL;
        nn_rng_fill_normal(&t->z, z->data, z->numel, 0.0f, 1.0f);
    }
    return gan_spade_generate(t->ctx, t->m, seg, z, 1);
}

/* D on cat(cat(seg, fake), cat(seg, img)) along the batch; pf[k], pr[k]
 * the fake and real halves of every output. Returns the count or 0. */
static int discriminate(gan_spade_trainer *t, nn_tensor *seg, nn_tensor *fake, nn_tensor *img, nn_tensor **pf,
                        nn_tensor **pr)
{
    nn_ctx *ctx = t->ctx;
    nn_tensor *out[GAN_SPADE_MAX_D * GAN_SPADE_MAX_DLAYERS];
    int n = seg->shape[0], k, count;
    nn_tensor *both = nn_concat(ctx, nn_concat(ctx, seg, fake, 1), nn_concat(ctx, seg, img, 1), 0);
    count = gan_spade_discriminate(ctx, t->m, both, 1, out);
    for (k = 0; k < count; k++) {
        pf[k] = nn_narrow(ctx, out[k], 0, 0, n);
        pr[k] = nn_narrow(ctx, out[k], 0, n, n);
    }
    return count;
}

int gan_spade_train_step(gan_spade_trainer *t, const float *seg, const float *img, int n, gan_spade_losses *out,
                         g99_error *err)
{
    gan_spade *m = t->m;
    nn_ctx *ctx = t->ctx;
    const gan_spade_config *c = &m->cfg;
    nn_tensor *pf[GAN_SPADE_MAX_D * GAN_SPADE_MAX_DLAYERS], *pr[GAN_SPADE_MAX_D * GAN_SPADE_MAX_DLAYERS];
    nn_tensor *ts, *ti, *fake, *l_gan = NULL, *l_feat = NULL, *l_dfake = NULL, *l_dreal = NULL, *l;
    nn_tensor *l_kld = NULL, *l_vgg = NULL;
    int ss[4], is[4], count, i, j, last = m->n_dl - 1;
    float inv_d = 1.0f / (float)c->num_d;
    nn_mark pass;
    gan_spade_losses r;
    if (n < 1) return g99_fail(err, G99_EINVAL, "spade training: batch %d", n);
    ss[0] = is[0] = n;
    ss[1] = c->classes;
    is[1] = 3;
    ss[2] = ss[3] = is[2] = is[3] = c->size;
    nn_ctx_reset(ctx);
    ts = nn_tensor_from(ctx, 4, ss, seg);
    ti = nn_tensor_from(ctx, 4, is, img);
    /* G step: D's parameters get no gradient (the reference clears them before the D step) */
    nn_params_zero_grad(&m->g);
    nn_params_zero_grad(&m->e);
    set_trainable(&m->d, 0);
    memset(&r, 0, sizeof r);
    pass = nn_ctx_mark(ctx);
    fake = generate(t, ts, ti, &l_kld);
    count = fake ? discriminate(t, ts, fake, ti, pf, pr) : 0;
    for (i = 0; i < c->num_d && count; i++) {
        l = nn_mean(ctx, pf[i * m->n_dl + last]);
        l_gan = l_gan ? nn_add(ctx, l_gan, l) : l;
        for (j = 0; j < last && t->o.lambda_feat > 0.0f; j++) {
            l = nn_l1_loss(ctx, pf[i * m->n_dl + j], nn_detach(ctx, pr[i * m->n_dl + j]));
            l_feat = l_feat ? nn_add(ctx, l_feat, l) : l;
        }
    }
    l_gan = nn_scale(ctx, l_gan, -inv_d);
    l = l_gan;
    if (l_feat) l = nn_add(ctx, l_gan, l_feat = nn_scale(ctx, l_feat, t->o.lambda_feat * inv_d));
    if (l_kld) l = nn_add(ctx, l, l_kld);
    if (t->vgg && fake) l = nn_add(ctx, l, l_vgg = nn_scale(ctx, gan_vgg_loss(ctx, t->vgg, fake, ti), t->o.lambda_vgg));
    nn_backward(ctx, l, 0);
    set_trainable(&m->d, 1);
    if (nn_ctx_error(ctx)->code) goto fail;
    r.g_gan = l_gan->data[0];
    r.g_feat = l_feat ? l_feat->data[0] : 0.0f;
    r.kld = l_kld ? l_kld->data[0] : 0.0f;
    r.g_vgg = l_vgg ? l_vgg->data[0] : 0.0f;
    nn_ctx_rewind(ctx, pass);
    if (nn_adam_step(&t->opt_g, &m->g, err)) return G99_EINVAL;
    if (m->cfg.use_vae && nn_adam_step(&t->opt_e, &m->e, err)) return G99_EINVAL;
    /* D step on a fake from the updated G */
    nn_params_zero_grad(&m->d);
    nn_set_grad_enabled(ctx, 0);
    /* only the fake outlives this pass: G's activations (nothing recorded
     * them) are released before D runs, so the D step holds D's graph and
     * little else */
    fake = nn_tensor_new(ctx, 4, is);
    pass = nn_ctx_mark(ctx);
    l = generate(t, ts, ti, NULL);
    if (fake && l) memcpy(fake->data, l->data, fake->numel * sizeof(float));
    else fake = NULL;
    nn_ctx_rewind(ctx, pass);
    nn_set_grad_enabled(ctx, 1);
    count = fake ? discriminate(t, ts, nn_detach(ctx, fake), ti, pf, pr) : 0;
    for (i = 0; i < c->num_d && count; i++) {
        l = nn_hinge_loss(ctx, pf[i * m->n_dl + last], -1);
        l_dfake = l_dfake ? nn_add(ctx, l_dfake, l) : l;
        l = nn_hinge_loss(ctx, pr[i * m->n_dl + last], 1);
        l_dreal = l_dreal ? nn_add(ctx, l_dreal, l) : l;
    }
    l_dfake = nn_scale(ctx, l_dfake, inv_d);
    l_dreal = nn_scale(ctx, l_dreal, inv_d);
    if (nn_backward(ctx, nn_add(ctx, l_dfake, l_dreal), 0)) goto fail;
    if (nn_adam_step(&t->opt_d, &m->d, err)) return G99_EINVAL;
    r.d_fake = l_dfake->data[0];
    r.d_real = l_dreal->data[0];
    t->step++;
    if (out) *out = r;
    return 0;
fail:
    set_trainable(&m->d, 1);
    nn_set_grad_enabled(ctx, 1);
    if (err) *err = *nn_ctx_error(ctx);
    return nn_ctx_error(ctx)->code ? nn_ctx_error(ctx)->code : G99_EINVAL;
}
