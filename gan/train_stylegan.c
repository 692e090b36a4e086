/* gan: one StyleGAN2 training iteration as stylegan2-ada-pytorch's
 * training loop runs StyleGAN2Loss (doc/models.md, "StyleGAN2"):
 *
 *   z for all four phases drawn at once ([4B, z_dim], phase k takes rows
 *   kB .. kB+B-1), the same real batch for every phase;
 *   Gmain  softplus(-D(G(z))).mean()
 *   Greg   every pl_interval: path length on G(z[:B/2]), gain pl_interval
 *   Dmain  softplus(D(G(z))).mean(), then softplus(-D(x)).mean()
 *   Dreg   every r1_interval: R1 = gamma/2 sum (dD(x)/dx)^2, gain r1_interval
 *   each phase: zero_grad, its backward passes, NaN -> 0 and +-inf ->
 *   +-1e5 in the gradients, an Adam step of its network; then G_ema.
 *
 * run_G is the loss's: ws = mapping(z) (w_avg moves), with probability
 * `mixing` the ws from a cutoff U{1..num_ws-1} on replaced by those of a
 * fresh z (no w_avg update), synthesis with random noise. Every draw comes
 * from the trainer's noise stream, in the order taken, or from a test's
 * replacement (draw_normal, draw_cutoff). */
#include "gan.h"

#include <math.h>
#include <stdlib.h>

void gan_stylegan_train_defaults(gan_stylegan_train_opts *o, int batch)
{
    memset(o, 0, sizeof *o);
    o->lr = 0.0025f;
    o->gamma = 0.0f;   /* the adapter resolves auto: 0.0002 R^2 / batch */
    o->pl_weight = 2.0f;
    o->mixing = 0.9f;
    o->ema_kimg = (float)batch * 10.0f / 32.0f;
    o->ema_rampup = 0.05f;
    o->r1_interval = 16;
    o->pl_interval = 4;
    o->pl_batch_shrink = 2;
    o->pl_decay = 0.01f;
    o->mirror = 0;
    o->freeze_d = 0;
}

/* Adam with the lazy-regularization correction: lr and betas scaled by
 * c = interval / (interval + 1), the betas as powers (beta1 0 stays 0). */
static int lazy_adam(nn_adam *a, const nn_params *p, float lr, int interval, g99_error *err)
{
    float c = (float)interval / (float)(interval + 1);
    return nn_adam_init(a, p, lr * c, 0.0f, nn_powf(0.99f, c), 1e-8f, err);
}

/* Freeze-D (Mo et al.; stylegan2-ada-pytorch's --freezed): the first k
 * layers of D in creation order, fromrgb, conv0, conv1 and skip per block
 * from the top resolution down, get a learning-rate scale of 0, so Adam
 * writes p - 0 and they keep their bytes (the reference leaves them out of
 * requires_grad; the gradients still flow through them to earlier ones). */
static int freeze_d(gan_stylegan_trainer *t, int k, g99_error *err)
{
    static const char *const layer[4] = { "fromrgb", "conv0", "conv1", "skip" };
    const gan_stylegan_d *d = &t->m->d;
    int b, l, n = 0, rc = 0, most = 0;
    char prefix[48];
    for (b = 0; b < d->n_blocks; b++) most += d->block[b].in == 0 ? 4 : 3;
    if (k < 0 || k > most)
        return g99_fail(err, G99_EINVAL, "stylegan training: --freeze-d %d: D has %d layers that can be frozen", k,
                        most);
    for (b = 0; b < d->n_blocks && n < k && !rc; b++)
        for (l = d->block[b].in == 0 ? 0 : 1; l < 4 && n < k && !rc; l++, n++) {
            sprintf(prefix, "b%d.%s.", d->block[b].res, layer[l]);
            rc = nn_adam_set_lr_scale(&t->opt_d, &t->m->d.p, prefix, 0.0f, err);
        }
    return rc;
}

int gan_stylegan_trainer_init(gan_stylegan_trainer *t, gan_stylegan *m, int batch, const gan_stylegan_train_opts *o,
                              uint64_t seed, nn_ctx *ctx, g99_error *err)
{
    int rc, one[1] = { 1 };
    memset(t, 0, sizeof *t);
    if (batch < 1 || batch > 1 << 16) return g99_fail(err, G99_EINVAL, "stylegan training: batch %d", batch);
    if (batch % (batch < m->cfg.mbstd_group ? batch : m->cfg.mbstd_group))
        return g99_fail(err, G99_EINVAL, "stylegan training: batch %d is not divisible by the minibatch-stddev "
                        "group %d", batch, m->cfg.mbstd_group);
    if (!(o->lr > 0.0f && o->lr < 1.0f) || o->r1_interval < 1 || o->pl_interval < 1 || o->pl_batch_shrink < 1 ||
        !(o->gamma >= 0.0f) || !(o->pl_weight >= 0.0f) || !(o->mixing >= 0.0f && o->mixing <= 1.0f) ||
        !(o->ema_kimg >= 0.0f) || !(o->ema_rampup >= 0.0f))
        return g99_fail(err, G99_EINVAL, "stylegan training: settings out of range (lr %g, gamma %g, pl_weight %g, "
                        "mixing %g)", o->lr, o->gamma, o->pl_weight, o->mixing);
    if (o->pl_weight > 0.0f) {
        int b = batch / o->pl_batch_shrink;
        if (b < 1 || b % (b < m->cfg.mbstd_group ? b : m->cfg.mbstd_group))
            return g99_fail(err, G99_EINVAL, "stylegan training: the path-length batch %d (batch / %d)", b,
                            o->pl_batch_shrink);
    }
    t->m = m;
    t->o = *o;
    t->batch = batch;
    nn_rng_init(&t->noise, seed, NN_STREAM_NOISE);
    nn_rng_init(&t->augment, seed, NN_STREAM_AUGMENT);
    nn_params_init(&t->state);
    if (!(t->pl_mean = nn_params_add(&t->state, "pl_mean", NN_BUFFER, 0, one, err)) ||
        nn_params_alloc(&t->state, err)) {
        nn_params_free(&t->state);
        return err ? err->code : G99_ENOMEM;
    }
    t->owns_ctx = ctx == NULL;
    t->ctx = ctx ? ctx : nn_ctx_new(0);
    if (!t->ctx) {
        gan_stylegan_trainer_free(t);
        return g99_fail(err, G99_ENOMEM, "out of memory");
    }
    rc = lazy_adam(&t->opt_g, &m->g.p, o->lr, o->pl_interval, err);
    if (!rc) rc = lazy_adam(&t->opt_d, &m->d.p, o->lr, o->r1_interval, err);
    if (!rc) rc = freeze_d(t, o->freeze_d, err);
    if (rc) gan_stylegan_trainer_free(t);
    return rc;
}

void gan_stylegan_trainer_free(gan_stylegan_trainer *t)
{
    nn_adam_free(&t->opt_g);
    nn_adam_free(&t->opt_d);
    nn_params_free(&t->state);
    if (t->owns_ctx) nn_ctx_free(t->ctx);
    memset(t, 0, sizeof *t);
}

static void draw_normal(gan_stylegan_trainer *t, float *dst, size_t n)
{
    if (t->draw_normal) t->draw_normal(t->draw_user, dst, n);
    else nn_rng_fill_normal(&t->noise, dst, n, 0.0f, 1.0f);
}

/* The reference's cutoff: U{1..num_ws-1}, kept with probability mixing,
 * else num_ws (no mixing); both draws are always taken. */
static int draw_cutoff(gan_stylegan_trainer *t, int num_ws)
{
    uint32_t c;
    float u;
    if (t->draw_cutoff) return t->draw_cutoff(t->draw_user, num_ws);
    c = 1 + nn_rng_below(&t->noise, (uint32_t)(num_ws - 1));
    u = nn_rng_uniform(&t->noise);
    return u < t->o.mixing ? (int)c : num_ws;
}

static void set_trainable(nn_params *p, int on)
{
    size_t i;
    for (i = 0; i < p->n; i++)
        if (p->kind[i] == NN_PARAM) nn_tensor_set_requires_grad(p->t[i], on);
}

/* misc.nan_to_num(grad, nan=0, posinf=1e5, neginf=-1e5) */
static void clean_grads(nn_params *p)
{
    size_t i;
    for (i = 0; i < p->n_train; i++) {
        float g = p->grad[i];
        if (g != g) p->grad[i] = 0.0f;
        else if (g > 3.0e38f) p->grad[i] = 1e5f;
        else if (g < -3.0e38f) p->grad[i] = -1e5f;
    }
}

/* rows [first, first + n) of z [M, z_dim] */
static nn_tensor *rows(nn_ctx *ctx, nn_tensor *z, int first, int n)
{
    return nn_narrow(ctx, z, 0, first, n);
}

/* StyleGAN2Loss.run_G: the images, and the (mixed) ws in *ws_out. */
static nn_tensor *run_g(gan_stylegan_trainer *t, nn_tensor *z, nn_tensor **ws_out)
{
    nn_ctx *ctx = t->ctx;
    gan_stylegan_g *g = &t->m->g;
    nn_tensor *ws = gan_stylegan_mapping(ctx, g, z, 1.0f, 0, 1);
    if (ws && t->o.mixing > 0.0f) {
        int cutoff = draw_cutoff(t, g->num_ws);
        if (cutoff < g->num_ws) {
            nn_tensor *z2 = nn_tensor_new(ctx, 2, z->shape), *ws2;
            if (!z2) return NULL;
            draw_normal(t, z2->data, z2->numel);
            ws2 = gan_stylegan_mapping(ctx, g, z2, 1.0f, 0, 0);
            ws = nn_concat(ctx, nn_narrow(ctx, ws, 1, 0, cutoff), nn_narrow(ctx, ws2, 1, cutoff, g->num_ws - cutoff), 1);
        }
    }
    if (ws_out) *ws_out = ws;
    return gan_stylegan_synthesis_fn(ctx, g, ws, GAN_SG_NOISE_RANDOM, &t->noise,
                                     t->draw_normal ? t->draw_normal : NULL, t->draw_user);
}

static float value(const nn_tensor *t)
{
    return t ? t->data[0] : 0.0f;
}

/* The real batch, flipped left-right per image with probability 0.5 when mirror. */
static nn_tensor *real_batch(gan_stylegan_trainer *t, const float *real)
{
    const gan_stylegan_config *c = &t->m->cfg;
    int s[4], n, ch, y, x, R = c->resolution;
    nn_tensor *r;
    s[0] = t->batch;
    s[1] = c->channels;
    s[2] = s[3] = R;
    r = nn_tensor_from(t->ctx, 4, s, real);
    if (!r || !t->o.mirror) return r;
    for (n = 0; n < t->batch; n++) {
        if (nn_rng_uniform(&t->augment) >= 0.5f) continue;
        for (ch = 0; ch < c->channels; ch++)
            for (y = 0; y < R; y++) {
                float *row = r->data + (((size_t)n * c->channels + ch) * R + y) * R;
                for (x = 0; x < R / 2; x++) {
                    float v = row[x];
                    row[x] = row[R - 1 - x];
                    row[R - 1 - x] = v;
                }
            }
    }
    return r;
}

static int phase_g_main(gan_stylegan_trainer *t, nn_tensor *z, float *loss_out)
{
    nn_ctx *ctx = t->ctx;
    nn_tensor *img, *loss;
    nn_mark mk = nn_ctx_mark(ctx);
    int rc;
    nn_params_zero_grad(&t->m->g.p);
    set_trainable(&t->m->d.p, 0);
    img = run_g(t, z, NULL);
    loss = nn_logistic_ns_loss(ctx, gan_stylegan_discriminate(ctx, &t->m->d, img), 1);
    rc = nn_backward(ctx, loss, 0);
    set_trainable(&t->m->d.p, 1);
    *loss_out = value(loss);
    nn_ctx_rewind(ctx, mk);
    return rc;
}

/* Path length: B' = B / shrink; n = randn(img) / sqrt(H W); g = d sum(img n)
 * / d ws; L = sqrt(mean over ws of sum over w_dim g^2); pl_mean = lerp(pl_mean,
 * mean L, decay) (in the graph, as the reference); loss (L - pl_mean)^2
 * pl_weight, mean, times pl_interval. */
static int phase_g_pl(gan_stylegan_trainer *t, nn_tensor *z, float *loss_out)
{
    nn_ctx *ctx = t->ctx;
    const gan_stylegan_train_opts *o = &t->o;
    int b = t->batch / o->pl_batch_shrink, s[3], rc;
    nn_tensor *ws = NULL, *img, *noise, *dot, *g = NULL, *len, *mean_l, *plm, *pen, *loss;
    float old = t->pl_mean->data[0];
    nn_mark mk = nn_ctx_mark(ctx);
    nn_params_zero_grad(&t->m->g.p);
    img = run_g(t, rows(ctx, z, 0, b), &ws);
    if (!img) goto fail;
    noise = nn_tensor_new(ctx, img->ndim, img->shape);
    if (!noise) goto fail;
    draw_normal(t, noise->data, noise->numel);
    noise = nn_div_scalar(ctx, noise, sqrtf((float)(img->shape[2] * img->shape[3])));
    dot = nn_sum(ctx, nn_mul(ctx, img, noise));
    if ((rc = nn_grad(ctx, 1, &dot, 1, &ws, NULL, 1, &g)) != 0) goto fail;
    s[0] = b;
    s[1] = ws->shape[1];
    s[2] = 1;
    len = nn_sum_to(ctx, nn_square(ctx, g), 3, s);
    s[1] = 1;
    len = nn_sqrt(ctx, nn_reshape(ctx, nn_mean_to(ctx, len, 3, s), 1, s));
    mean_l = nn_mean(ctx, len);
    plm = nn_add_scalar(ctx, nn_scale(ctx, nn_add_scalar(ctx, mean_l, -old), o->pl_decay), old);
    pen = nn_scale(ctx, nn_square(ctx, nn_sub(ctx, len, plm)), o->pl_weight);
    loss = nn_mean(ctx, pen);
    if (!loss) goto fail;
    t->pl_mean->data[0] = plm->data[0];
    *loss_out = loss->data[0];
    rc = nn_backward(ctx, nn_scale(ctx, loss, (float)o->pl_interval), 0);
    nn_ctx_rewind(ctx, mk);
    return rc;
fail:
    nn_ctx_rewind(ctx, mk);
    return nn_ctx_error(ctx)->code ? nn_ctx_error(ctx)->code : G99_EINVAL;
}

static int phase_d_main(gan_stylegan_trainer *t, nn_tensor *z, nn_tensor *x, float *gen_out, float *real_out)
{
    nn_ctx *ctx = t->ctx;
    nn_tensor *img, *loss;
    nn_mark mk = nn_ctx_mark(ctx);
    int prev, rc;
    nn_params_zero_grad(&t->m->d.p);
    prev = nn_set_grad_enabled(ctx, 0);   /* G's parameters are frozen in D's phases */
    img = run_g(t, z, NULL);
    nn_set_grad_enabled(ctx, prev);
    loss = nn_logistic_ns_loss(ctx, gan_stylegan_discriminate(ctx, &t->m->d, img), -1);
    rc = nn_backward(ctx, loss, 0);
    *gen_out = value(loss);
    nn_ctx_rewind(ctx, mk);
    if (rc) return rc;
    loss = nn_logistic_ns_loss(ctx, gan_stylegan_discriminate(ctx, &t->m->d, x), 1);
    rc = nn_backward(ctx, loss, 0);
    *real_out = value(loss);
    nn_ctx_rewind(ctx, mk);
    return rc;
}

/* R1: r1 = sum over c, h, w of (d sum D(x) / dx)^2; loss mean(r1 gamma/2)
 * times r1_interval. */
static int phase_d_r1(gan_stylegan_trainer *t, nn_tensor *x, float *loss_out)
{
    nn_ctx *ctx = t->ctx;
    nn_tensor *xr, *sum, *g = NULL, *r1, *loss;
    nn_mark mk = nn_ctx_mark(ctx);
    int s[4] = { 0, 1, 1, 1 }, rc;
    nn_params_zero_grad(&t->m->d.p);
    xr = nn_tensor_from(ctx, x->ndim, x->shape, x->data);
    if (!xr) goto fail;
    nn_tensor_set_requires_grad(xr, 1);
    sum = nn_sum(ctx, gan_stylegan_discriminate(ctx, &t->m->d, xr));
    if ((rc = nn_grad(ctx, 1, &sum, 1, &xr, NULL, 1, &g)) != 0) goto fail;
    s[0] = x->shape[0];
    r1 = nn_sum_to(ctx, nn_square(ctx, g), 4, s);
    loss = nn_mean(ctx, nn_scale(ctx, r1, t->o.gamma / 2.0f));
    if (!loss) goto fail;
    *loss_out = loss->data[0];
    rc = nn_backward(ctx, nn_scale(ctx, loss, (float)t->o.r1_interval), 0);
    nn_ctx_rewind(ctx, mk);
    return rc;
fail:
    nn_ctx_rewind(ctx, mk);
    return nn_ctx_error(ctx)->code ? nn_ctx_error(ctx)->code : G99_EINVAL;
}

/* G_ema = lerp(G, G_ema, beta), beta = 0.5^(B / ema_nimg), ema_nimg =
 * min(ema_kimg 1000, cur_nimg rampup); buffers copied. Returns beta. */
static float ema_update(gan_stylegan_trainer *t)
{
    gan_stylegan_g *g = &t->m->g, *e = &t->m->g_ema;
    double nimg = (double)t->o.ema_kimg * 1000.0, cur = (double)t->step * t->batch;
    float beta;
    size_t i, j;
    if (t->o.ema_rampup > 0.0f && cur * t->o.ema_rampup < nimg) nimg = cur * t->o.ema_rampup;
    if (nimg < 1e-8) nimg = 1e-8;
    beta = (double)t->batch / nimg > 200.0 ? 0.0f : nn_powf(0.5f, (float)((double)t->batch / nimg));
    for (i = 0; i < g->p.n; i++) {
        const float *p = g->p.t[i]->data;
        float *q = e->p.t[i]->data;
        if (g->p.kind[i] != NN_PARAM) {
            memcpy(q, p, g->p.t[i]->numel * sizeof *q);
            continue;
        }
        for (j = 0; j < g->p.t[i]->numel; j++)
            q[j] = beta < 0.5f ? p[j] + beta * (q[j] - p[j]) : q[j] - (q[j] - p[j]) * (1.0f - beta);
    }
    return beta;
}

int gan_stylegan_train_step(gan_stylegan_trainer *t, const float *real, gan_stylegan_losses *out, g99_error *err)
{
    gan_stylegan *m = t->m;
    nn_ctx *ctx = t->ctx;
    int B = t->batch, zs[2], rc = 0;
    int do_pl = t->o.pl_weight > 0.0f && t->step % (uint64_t)t->o.pl_interval == 0;
    int do_r1 = t->o.gamma > 0.0f && t->step % (uint64_t)t->o.r1_interval == 0;
    nn_tensor *zall, *x;
    gan_stylegan_losses r;
    memset(&r, 0, sizeof r);
    nn_ctx_reset(ctx);
    zs[0] = 4 * B;
    zs[1] = m->cfg.z_dim;
    zall = nn_tensor_new(ctx, 2, zs);
    x = real_batch(t, real);
    if (!zall || !x) goto fail;
    draw_normal(t, zall->data, zall->numel);
    /* Gmain */
    if ((rc = phase_g_main(t, rows(ctx, zall, 0, B), &r.g_main)) != 0) goto fail;
    clean_grads(&m->g.p);
    if (t->after_phase) t->after_phase(t->draw_user, 0, &m->g.p);
    if (nn_adam_step(&t->opt_g, &m->g.p, err)) return G99_EINVAL;
    /* Greg */
    if (do_pl) {
        if ((rc = phase_g_pl(t, rows(ctx, zall, B, B), &r.g_pl)) != 0) goto fail;
        clean_grads(&m->g.p);
        if (t->after_phase) t->after_phase(t->draw_user, 1, &m->g.p);
        if (nn_adam_step(&t->opt_g, &m->g.p, err)) return G99_EINVAL;
    }
    /* Dmain */
    if ((rc = phase_d_main(t, rows(ctx, zall, 2 * B, B), x, &r.d_gen, &r.d_real)) != 0) goto fail;
    clean_grads(&m->d.p);
    if (t->after_phase) t->after_phase(t->draw_user, 2, &m->d.p);
    if (nn_adam_step(&t->opt_d, &m->d.p, err)) return G99_EINVAL;
    /* Dreg */
    if (do_r1) {
        if ((rc = phase_d_r1(t, x, &r.d_r1)) != 0) goto fail;
        clean_grads(&m->d.p);
        if (t->after_phase) t->after_phase(t->draw_user, 3, &m->d.p);
        if (nn_adam_step(&t->opt_d, &m->d.p, err)) return G99_EINVAL;
    }
    r.ema_beta = ema_update(t);
    r.pl_mean = t->pl_mean->data[0];
    t->step++;
    if (out) *out = r;
    return 0;
fail:
    if (err) *err = *nn_ctx_error(ctx);
    return nn_ctx_error(ctx)->code ? nn_ctx_error(ctx)->code : (rc ? rc : G99_EINVAL);
}
