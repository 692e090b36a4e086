/* gan: projecting an image into a StyleGAN2 generator's W (gan/gan.h,
 * SECTION project; doc/models.md, "Toonify"), as stylegan2-ada-pytorch's
 * projector.py does it, with one documented difference:
 *   - the distance is in pixels, not LPIPS: the VGG16 weights LPIPS needs
 *     cannot be downloaded here. d(x, y) = mean((x - y)^2) + the mean over
 *     scales s = 1, 1/2, 1/4 ... (down to 8 pixels, 2x2 average pooling) of
 *     mean |x_s - y_s|, on images in [-1, 1]: the MSE pulls every pixel,
 *     the coarse L1 terms pull the layout first.
 *   - nothing else: the noise buffers are optimized as the reference does
 *     (N(0, 1) at the start, the same Adam, a 1e5-weighted autocorrelation
 *     penalty over each buffer and its 2x2-pooled copies down to 8x8,
 *     renormalized every step), in place in g's noise_const; with
 *     optimize_noise 0 they stay the model's.
 * The rest is the reference's: w starts at the mean of the mapping of
 * w_avg_samples latents (its w_std the root mean squared distance to it),
 * Adam on w with betas (0.9, 0.999), eps 1e-8, lr = 0.1 ramp(t), ramp(t) =
 * (0.5 - 0.5 cos(pi min(1, (1 - t) / 0.25))) min(1, t / 0.05), t =
 * step / steps; each step synthesizes w + n, n ~ N(0, 1) w_std 0.05
 * max(0, 1 - t / 0.75)^2, with w broadcast to every layer. */
#include "gan.h"

#include <math.h>
#include <stdlib.h>

void gan_project_opts_default(gan_project_opts *o)
{
    memset(o, 0, sizeof *o);
    o->steps = 1000;
    o->lr = 0.1f;
    o->lr_rampup = 0.05f;
    o->lr_rampdown = 0.25f;
    o->noise_factor = 0.05f;
    o->noise_ramp = 0.75f;
    o->w_avg_samples = 10000;
    o->seed = 0;
    o->optimize_noise = 1;
    o->noise_reg = 1e5f;
}

static int ctx_fail(nn_ctx *ctx, g99_error *err)
{
    const g99_error *e = nn_ctx_error(ctx);
    if (e && e->code) {
        if (err) *err = *e;
        return e->code;
    }
    return g99_fail(err, G99_ENOMEM, "out of memory");
}

/* w [n, w_dim] -> ws [n, num_ws, w_dim], every layer the same w. */
static nn_tensor *broadcast(nn_ctx *ctx, const gan_stylegan_g *g, nn_tensor *w, int n)
{
    int s3[3], e3[3];
    s3[0] = n;
    s3[1] = 1;
    s3[2] = g->cfg.w_dim;
    e3[0] = n;
    e3[1] = g->num_ws;
    e3[2] = g->cfg.w_dim;
    return nn_expand(ctx, nn_reshape(ctx, w, 3, s3), 3, e3);
}

nn_tensor *gan_project_distance_t(nn_ctx *ctx, nn_tensor *x, nn_tensor *y)
{
    nn_tensor *d, *l1 = NULL;
    nn_pool_opts po;
    int k = 0;
    if (!x || !y) return NULL;
    d = nn_mean(ctx, nn_mse_loss(ctx, x, y));
    po.kernel = po.stride = 2;
    po.padding = po.exclude_pad = 0;
    for (;;) {
        nn_tensor *t = nn_mean(ctx, nn_l1_loss(ctx, x, y));
        l1 = l1 ? nn_add(ctx, l1, t) : t;
        k++;
        if (!x || x->ndim != 4 || x->shape[2] <= 8 || x->shape[3] <= 8) break;
        x = nn_avg_pool2d(ctx, x, &po);
        y = nn_avg_pool2d(ctx, y, &po);
    }
    return nn_add(ctx, d, nn_scale(ctx, l1, 1.0f / (float)k));
}

/* torch.roll(v, 1, dim) of v [1, 1, r, r] */
static nn_tensor *roll1(nn_ctx *ctx, nn_tensor *v, int dim)
{
    int n = v ? v->shape[dim] : 0;
    return nn_concat(ctx, nn_narrow(ctx, v, dim, n - 1, 1), nn_narrow(ctx, v, dim, 0, n - 1), dim);
}

/* The reference's noise regulariser: per buffer, and per 2x2-pooled copy
 * down to 8x8, mean(v roll_x(v))^2 + mean(v roll_y(v))^2. */
static nn_tensor *noise_reg(nn_ctx *ctx, nn_tensor *const *bufs, int n)
{
    nn_tensor *reg = NULL;
    nn_pool_opts po;
    int i, s4[4];
    po.kernel = po.stride = 2;
    po.padding = po.exclude_pad = 0;
    for (i = 0; i < n; i++) {
        nn_tensor *v;
        s4[0] = s4[1] = 1;
        s4[2] = bufs[i]->shape[0];
        s4[3] = bufs[i]->shape[1];
        v = nn_reshape(ctx, bufs[i], 4, s4);
        for (;;) {
            nn_tensor *a = nn_square(ctx, nn_mean(ctx, nn_mul(ctx, v, roll1(ctx, v, 3))));
            nn_tensor *b = nn_square(ctx, nn_mean(ctx, nn_mul(ctx, v, roll1(ctx, v, 2))));
            nn_tensor *t = nn_add(ctx, a, b);
            reg = reg ? nn_add(ctx, reg, t) : t;
            if (!v || v->shape[2] <= 8) break;
            v = nn_avg_pool2d(ctx, v, &po);
        }
    }
    return reg;
}

/* The noise buffers of the synthesis layers, in layer order. */
static int noise_bufs(const gan_stylegan_g *g, nn_tensor **out)
{
    int b, n = 0;
    for (b = 0; b < g->n_blocks; b++) {
        if (g->block[b].conv0.noise_const) out[n++] = g->block[b].conv0.noise_const;
        if (g->block[b].conv1.noise_const) out[n++] = g->block[b].conv1.noise_const;
    }
    return n;
}

int gan_stylegan_render_w(gan_stylegan_g *g, const float *w, int n, float *out, g99_error *err)
{
    nn_ctx *ctx = nn_ctx_new(0);
    nn_tensor *x;
    int sh[2], rc = 0;
    if (!ctx) return g99_fail(err, G99_ENOMEM, "out of memory");
    nn_set_grad_enabled(ctx, 0);
    sh[0] = n;
    sh[1] = g->cfg.w_dim;
    x = gan_stylegan_synthesis(ctx, g, broadcast(ctx, g, nn_tensor_from(ctx, 2, sh, w), n), GAN_SG_NOISE_CONST, NULL);
    if (x) memcpy(out, x->data, x->numel * sizeof(float));
    else rc = ctx_fail(ctx, err);
    nn_ctx_free(ctx);
    return rc;
}

/* The mean of the mapped latents (ws[:, 0]) and the root mean squared
 * distance to it, in chunks of 1000 latents, summed in order. */
static int w_stats(nn_ctx *ctx, gan_stylegan_g *g, const gan_project_opts *o, nn_rng *rng, float *avg, float *std,
                   g99_error *err)
{
    int C = g->cfg.w_dim, Z = g->cfg.z_dim, N = o->w_avg_samples, done, i, j, sh[2];
    double *sum = (double *)calloc((size_t)C, sizeof(double)), ss = 0;
    float *w = (float *)malloc((size_t)N * C * sizeof(float));
    float *z = (float *)malloc((size_t)1000 * Z * sizeof(float));
    int rc = sum && w && z ? 0 : g99_fail(err, G99_ENOMEM, "out of memory");
    for (done = 0; !rc && done < N; done += 1000) {
        int n = N - done < 1000 ? N - done : 1000;
        nn_tensor *ws;
        nn_ctx_reset(ctx);
        nn_rng_fill_normal(rng, z, (size_t)n * Z, 0.0f, 1.0f);
        sh[0] = n;
        sh[1] = Z;
        ws = gan_stylegan_mapping(ctx, g, nn_tensor_from(ctx, 2, sh, z), 1.0f, 0, 0);
        if (!ws) {
            rc = ctx_fail(ctx, err);
            break;
        }
        for (i = 0; i < n; i++) memcpy(w + (size_t)(done + i) * C, ws->data + (size_t)i * g->num_ws * C, C * sizeof(float));
    }
    for (i = 0; !rc && i < N; i++)
        for (j = 0; j < C; j++) sum[j] += w[(size_t)i * C + j];
    for (j = 0; !rc && j < C; j++) avg[j] = (float)(sum[j] / N);
    for (i = 0; !rc && i < N; i++)
        for (j = 0; j < C; j++) {
            double d = (double)w[(size_t)i * C + j] - avg[j];
            ss += d * d;
        }
    if (!rc) *std = (float)sqrt(ss / N);
    free(sum);
    free(w);
    free(z);
    nn_ctx_reset(ctx);
    return rc;
}

int gan_stylegan_project(gan_stylegan_g *g, const float *target, const gan_project_opts *o, float *w_out,
                         gan_project_result *res, g99_error *err)
{
    int C = g->cfg.w_dim, R = g->cfg.resolution, nc = g->cfg.channels, step, j, rc = 0, sh[2], ish[4], nb = 0, b;
    float w_std = 0, *w = NULL, *m = NULL, *v = NULL, *noise = NULL, *img = NULL, *nm = NULL, *nv = NULL;
    nn_tensor *bufs[2 * GAN_SG_MAX_BLOCKS], *ins[1 + 2 * GAN_SG_MAX_BLOCKS], *grads[1 + 2 * GAN_SG_MAX_BLOCKS];
    size_t n_noise = 0, off;
    double b1t = 1, b2t = 1;
    nn_ctx *ctx;
    nn_rng rng;
    gan_project_result r0;
    if (!res) res = &r0;
    memset(res, 0, sizeof *res);
    if (!o || o->steps < 1 || o->w_avg_samples < 1 || !(o->lr > 0) || !(o->lr_rampup > 0) || !(o->lr_rampdown > 0) ||
        !(o->noise_ramp > 0) || !(o->noise_factor >= 0))
        return g99_fail(err, G99_EINVAL, "projection: settings out of range");
    if (!(ctx = nn_ctx_new(0))) return g99_fail(err, G99_ENOMEM, "out of memory");
    w = (float *)calloc((size_t)C, sizeof(float));
    m = (float *)calloc((size_t)C, sizeof(float));
    v = (float *)calloc((size_t)C, sizeof(float));
    noise = (float *)calloc((size_t)C, sizeof(float));
    img = (float *)malloc((size_t)nc * R * R * sizeof(float));
    if (!w || !m || !v || !noise || !img) rc = g99_fail(err, G99_ENOMEM, "out of memory");
    nn_rng_init(&rng, o->seed, NN_STREAM_NOISE);
    if (!rc) rc = w_stats(ctx, g, o, &rng, w, &w_std, err);
    if (!rc && o->optimize_noise) {
        /* the reference: every noise buffer N(0, 1), then optimized with w */
        nb = noise_bufs(g, bufs);
        for (b = 0; b < nb; b++) {
            n_noise += bufs[b]->numel;
            nn_rng_fill_normal(&rng, bufs[b]->data, bufs[b]->numel, 0.0f, 1.0f);
        }
        nm = (float *)calloc(n_noise ? n_noise : 1, sizeof(float));
        nv = (float *)calloc(n_noise ? n_noise : 1, sizeof(float));
        if (!nm || !nv) rc = g99_fail(err, G99_ENOMEM, "out of memory");
    }
    sh[0] = 1;
    sh[1] = C;
    ish[0] = 1;
    ish[1] = nc;
    ish[2] = ish[3] = R;
    if (!rc) {
        /* the distance of the start, w_avg */
        nn_tensor *x, *d;
        nn_set_grad_enabled(ctx, 0);
        x = gan_stylegan_synthesis(ctx, g, broadcast(ctx, g, nn_tensor_from(ctx, 2, sh, w), 1), GAN_SG_NOISE_CONST, NULL);
        d = gan_project_distance_t(ctx, x, nn_tensor_from(ctx, 4, ish, target));
        if (d) res->dist_start = d->data[0];
        else rc = ctx_fail(ctx, err);
        nn_set_grad_enabled(ctx, 1);
        nn_ctx_reset(ctx);
    }
    for (step = 0; !rc && step < o->steps; step++) {
        float t = (float)step / (float)o->steps, ramp, lr, ns, lt, *gd;
        nn_tensor *wl, *x, *d, *gw = NULL, *loss;
        lt = (1.0f - t) / o->lr_rampdown;
        ramp = lt < 1.0f ? lt : 1.0f;
        ramp = 0.5f - 0.5f * nn_cosf(ramp * 3.14159265358979f);
        ramp *= t / o->lr_rampup < 1.0f ? t / o->lr_rampup : 1.0f;
        lr = o->lr * ramp;
        ns = 1.0f - t / o->noise_ramp;
        ns = ns > 0.0f ? ns : 0.0f;
        ns = w_std * o->noise_factor * ns * ns;
        nn_rng_fill_normal(&rng, noise, (size_t)C, 0.0f, 1.0f);
        nn_ctx_reset(ctx);
        wl = nn_tensor_from(ctx, 2, sh, w);
        if (!wl) {
            rc = ctx_fail(ctx, err);
            break;
        }
        nn_tensor_set_requires_grad(wl, 1);
        for (j = 0; j < C; j++) noise[j] *= ns;
        x = gan_stylegan_synthesis(ctx, g, broadcast(ctx, g, nn_add(ctx, wl, nn_tensor_from(ctx, 2, sh, noise)), 1),
                                   GAN_SG_NOISE_CONST, NULL);
        d = gan_project_distance_t(ctx, x, nn_tensor_from(ctx, 4, ish, target));
        ins[0] = wl;
        for (b = 0; b < nb; b++) {
            nn_tensor_set_requires_grad(bufs[b], 1);
            ins[1 + b] = bufs[b];
        }
        loss = nb && d ? nn_add(ctx, d, nn_scale(ctx, noise_reg(ctx, bufs, nb), o->noise_reg)) : d;
        rc = !loss || nn_grad(ctx, 1, &loss, 1 + nb, ins, NULL, 0, grads) || !grads[0];
        for (b = 0; b < nb; b++) nn_tensor_set_requires_grad(bufs[b], 0);
        if (rc) {
            rc = ctx_fail(ctx, err);
            break;
        }
        gw = grads[0];
        gd = gw->data;
        /* Adam (torch.optim.Adam, betas 0.9 0.999, eps 1e-8) on w */
        b1t *= 0.9;
        b2t *= 0.999;
        for (j = 0; j < C; j++) {
            float gj = gd[j] == gd[j] ? gd[j] : 0.0f;
            m[j] = 0.9f * m[j] + 0.1f * gj;
            v[j] = 0.999f * v[j] + 0.001f * gj * gj;
            w[j] -= (float)(lr / (1.0 - b1t)) * m[j] / (sqrtf(v[j]) / (float)sqrt(1.0 - b2t) + 1e-8f);
        }
        /* the same Adam on the noise, then each buffer renormalized to mean
         * 0 and mean square 1, as the reference does every step */
        for (b = 0, off = 0; b < nb; off += bufs[b]->numel, b++) {
            float *p = bufs[b]->data;
            const float *gb = grads[1 + b] ? grads[1 + b]->data : NULL;
            size_t k, n = bufs[b]->numel;
            double mean = 0, sq = 0;
            for (k = 0; k < n; k++) {
                float gj = gb && gb[k] == gb[k] ? gb[k] : 0.0f;
                nm[off + k] = 0.9f * nm[off + k] + 0.1f * gj;
                nv[off + k] = 0.999f * nv[off + k] + 0.001f * gj * gj;
                p[k] -= (float)(lr / (1.0 - b1t)) * nm[off + k] / (sqrtf(nv[off + k]) / (float)sqrt(1.0 - b2t) + 1e-8f);
            }
            for (k = 0; k < n; k++) mean += p[k];
            mean /= (double)n;
            for (k = 0; k < n; k++) {
                p[k] = (float)(p[k] - mean);
                sq += (double)p[k] * p[k];
            }
            sq = sq > 0 ? 1.0 / sqrt(sq / (double)n) : 1.0;
            for (k = 0; k < n; k++) p[k] = (float)(p[k] * sq);
        }
        res->steps = step + 1;
        if (o->progress) {
            const float *frame = NULL;
            if (o->frame_every > 0 && ((step + 1) % o->frame_every == 0 || step + 1 == o->steps)) {
                if ((rc = gan_stylegan_render_w(g, w, 1, img, err)) != 0) break;
                frame = img;
            }
            if (o->progress(o->user, step + 1, o->steps, d->data[0], frame)) {
                rc = G99_ESTOPPED;
                g99_fail(err, G99_ESTOPPED, "projection stopped at step %d", step + 1);
            }
        }
    }
    if (!rc) {
        nn_tensor *x, *d;
        nn_ctx_reset(ctx);
        nn_set_grad_enabled(ctx, 0);
        x = gan_stylegan_synthesis(ctx, g, broadcast(ctx, g, nn_tensor_from(ctx, 2, sh, w), 1), GAN_SG_NOISE_CONST, NULL);
        d = gan_project_distance_t(ctx, x, nn_tensor_from(ctx, 4, ish, target));
        if (d) res->dist_end = d->data[0];
        else rc = ctx_fail(ctx, err);
        if (!rc) memcpy(w_out, w, (size_t)C * sizeof(float));
    }
    free(w);
    free(m);
    free(v);
    free(noise);
    free(img);
    free(nm);
    free(nv);
    nn_ctx_free(ctx);
    return rc;
}
