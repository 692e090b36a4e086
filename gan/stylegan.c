/* gan: StyleGAN2 networks as NVlabs/stylegan2-ada-pytorch builds them
 * (doc/models.md, "StyleGAN2"): MappingNetwork, SynthesisNetwork with the
 * 'skip' architecture, Discriminator with the 'resnet' one, fp32, without
 * conditioning. The layers are gan/layers.c's (gan_eq_linear = the
 * FullyConnectedLayer, gan_eq_conv = Conv2dLayer, gan_modconv =
 * SynthesisLayer / ToRGBLayer); this file only wires them with the
 * reference's module nesting, so every key is the reference's. The
 * training (StyleGAN2Loss and the loop's phases) is gan/train_stylegan.c. */
#include "gan.h"

#include <math.h>
#include <stdio.h>

void gan_stylegan_config_default(gan_stylegan_config *c, int resolution)
{
    memset(c, 0, sizeof *c);
    c->resolution = resolution;
    c->z_dim = c->w_dim = 512;
    c->map_layers = 8;
    c->channel_base = 32768;
    c->channel_max = 512;
    c->channels = 3;
    c->lr_mul = 0.01f;
    c->conv_clamp = 0.0f;
    c->w_avg_beta = 0.995f;
    c->mbstd_group = 4;
}

static int log2i(int r)
{
    int k = 0;
    while ((1 << k) < r) k++;
    return k;
}

int gan_stylegan_check_config(const gan_stylegan_config *c, g99_error *err)
{
    int r = c->resolution;
    if (r < 16 || r > 256 || (r & (r - 1)))
        return g99_fail(err, G99_EINVAL, "stylegan: resolution %d: a power of two in 16..256", r);
    if (c->z_dim < 1 || c->z_dim > 4096 || c->w_dim < 1 || c->w_dim > 4096)
        return g99_fail(err, G99_EINVAL, "stylegan: z_dim %d, w_dim %d: 1..4096", c->z_dim, c->w_dim);
    if (c->map_layers < 1 || c->map_layers > GAN_SG_MAX_MAP)
        return g99_fail(err, G99_EINVAL, "stylegan: %d mapping layers: 1..%d", c->map_layers, GAN_SG_MAX_MAP);
    if (c->channel_max < 1 || c->channel_max > 4096 || c->channel_base < r || c->channel_base > (1 << 20))
        return g99_fail(err, G99_EINVAL, "stylegan: channel_base %d, channel_max %d: every resolution needs a "
                        "channel (channel_base >= %d)", c->channel_base, c->channel_max, r);
    if (c->channels != 1 && c->channels != 3)
        return g99_fail(err, G99_EINVAL, "stylegan: %d image channels: 1 or 3", c->channels);
    if (!(c->lr_mul > 0.0f && c->lr_mul <= 1.0f) || !(c->conv_clamp >= 0.0f) ||
        !(c->w_avg_beta >= 0.0f && c->w_avg_beta <= 1.0f))
        return g99_fail(err, G99_EINVAL, "stylegan: lr_mul %g, conv_clamp %g, w_avg_beta %g", c->lr_mul,
                        c->conv_clamp, c->w_avg_beta);
    if (c->mbstd_group < 1 || c->mbstd_group > 64)
        return g99_fail(err, G99_EINVAL, "stylegan: minibatch-stddev group %d: 1..64", c->mbstd_group);
    return 0;
}

int gan_stylegan_num_ws(const gan_stylegan_config *c)
{
    return 2 * log2i(c->resolution) - 2;
}

int gan_stylegan_channels(const gan_stylegan_config *c, int res)
{
    int ch = c->channel_base / res;
    return ch < c->channel_max ? ch : c->channel_max;
}

static int failed(g99_error *err)
{
    return err && err->code ? err->code : G99_ENOMEM;
}

/* ---- generator ---------------------------------------------------------- */

/* SynthesisBlock b<res>: const (4x4 only) and the block's filter, then
 * conv0 (up 2; not at 4x4), conv1, torgb, in the reference's order. */
static int add_gblock(gan_stylegan_g *g, gan_sg_gblock *b, g99_error *err)
{
    const gan_stylegan_config *c = &g->cfg;
    char pre[64], sub[80];
    int s[3], f[2] = { 4, 4 };
    gan_modconv_def d;
    sprintf(pre, "synthesis.b%d", b->res);
    if (b->in == 0) {
        s[0] = b->out;
        s[1] = s[2] = b->res;
        if (!(b->constant = gan_table_add(&g->init, pre, "const", NN_PARAM, 3, s, gan_init_normal(0.0f, 1.0f), err)))
            return failed(err);
    }
    if (!(b->resample_filter = gan_table_add(&g->init, pre, "resample_filter", NN_BUFFER, 2, f,
                                             gan_init_make(GAN_INIT_FIR, 4.0f, 0.0f), err)))
        return failed(err);
    memset(&d, 0, sizeof d);
    d.kernel = 3;
    d.w_dim = c->w_dim;
    d.noise_res = b->res;
    d.clamp = c->conv_clamp;
    if (b->in) {
        d.in = b->in;
        d.out = b->out;
        d.up = 2;
        sprintf(sub, "%s.conv0", pre);
        if (gan_modconv_add(&g->init, sub, &d, &b->conv0, err)) return failed(err);
    }
    d.in = d.out = b->out;
    d.up = 1;
    sprintf(sub, "%s.conv1", pre);
    if (gan_modconv_add(&g->init, sub, &d, &b->conv1, err)) return failed(err);
    memset(&d, 0, sizeof d);
    d.in = b->out;
    d.out = c->channels;
    d.kernel = 1;
    d.w_dim = c->w_dim;
    d.torgb = 1;
    d.clamp = c->conv_clamp;
    sprintf(sub, "%s.torgb", pre);
    return gan_modconv_add(&g->init, sub, &d, &b->torgb, err) ? failed(err) : 0;
}

int gan_stylegan_g_init(gan_stylegan_g *g, const gan_stylegan_config *c, g99_error *err)
{
    int rc, k, r, one[1];
    memset(g, 0, sizeof *g);
    if ((rc = gan_stylegan_check_config(c, err)) != 0) return rc;
    g->cfg = *c;
    g->num_ws = gan_stylegan_num_ws(c);
    nn_params_init(&g->p);
    gan_table_init(&g->init, &g->p);
    /* synthesis (registered first in the reference's Generator), then mapping */
    for (r = 4, k = 0; r <= c->resolution && !rc; r *= 2, k++) {
        gan_sg_gblock *b = &g->block[k];
        b->res = r;
        b->in = r == 4 ? 0 : gan_stylegan_channels(c, r / 2);
        b->out = gan_stylegan_channels(c, r);
        rc = add_gblock(g, b, err);
    }
    g->n_blocks = k;
    one[0] = c->w_dim;
    /* MappingNetwork's own buffer comes before its children in the state_dict */
    if (!rc && !(g->w_avg = gan_table_add(&g->init, "mapping", "w_avg", NN_BUFFER, 1, one, gan_init_const(0), err)))
        rc = failed(err);
    for (k = 0; k < c->map_layers && !rc; k++) {
        char pre[32];
        sprintf(pre, "mapping.fc%d", k);
        rc = gan_eq_linear_add(&g->init, pre, k == 0 ? c->z_dim : c->w_dim, c->w_dim, 1, c->lr_mul, 0.0f,
                               GAN_ACT_LRELU, &g->fc[k], err);
    }
    if (!rc) rc = gan_table_alloc(&g->init, err);
    if (rc) gan_stylegan_g_free(g);
    return rc;
}

void gan_stylegan_g_free(gan_stylegan_g *g)
{
    gan_table_free(&g->init);
    nn_params_free(&g->p);
    memset(g, 0, sizeof *g);
}

void gan_stylegan_g_copy(gan_stylegan_g *dst, const gan_stylegan_g *src)
{
    size_t i;
    for (i = 0; i < dst->p.n && i < src->p.n; i++)
        if (dst->p.t[i]->numel == src->p.t[i]->numel)
            memcpy(dst->p.t[i]->data, src->p.t[i]->data, src->p.t[i]->numel * sizeof(float));
}

/* torch.lerp(start, end, w) for a float weight, in its two forms (the one
 * nearer to the end for w >= 0.5), so w_avg and truncation round as the
 * reference does. */
static float lerpf(float start, float end, float w)
{
    return w < 0.5f ? start + w * (end - start) : end - (end - start) * (1.0f - w);
}

nn_tensor *gan_stylegan_mapping(nn_ctx *ctx, gan_stylegan_g *g, nn_tensor *z, float psi, int cutoff, int train)
{
    const gan_stylegan_config *c = &g->cfg;
    nn_tensor *x, *ws;
    int k, s[3];
    /* a z of the wrong shape fails in fc0 (the context's error names it) */
    x = nn_pixel_norm(ctx, z, 1e-8f);
    for (k = 0; k < c->map_layers; k++) x = gan_eq_linear_forward(ctx, &g->fc[k], x);
    if (!x) return NULL;
    if (train) {
        /* w_avg = lerp(mean_batch(x), w_avg, beta), outside the graph */
        int n = x->shape[0], j, i;
        for (j = 0; j < c->w_dim; j++) {
            float m = 0.0f;
            for (i = 0; i < n; i++) m += x->data[(size_t)i * c->w_dim + j];
            m /= (float)n;
            g->w_avg->data[j] = lerpf(m, g->w_avg->data[j], c->w_avg_beta);
        }
    }
    s[0] = x->shape[0];
    s[1] = 1;
    s[2] = c->w_dim;
    x = nn_reshape(ctx, x, 3, s);
    s[1] = g->num_ws;
    ws = nn_expand(ctx, x, 3, s);
    if (psi != 1.0f && ws) {
        int cut = cutoff <= 0 || cutoff > g->num_ws ? g->num_ws : cutoff;
        nn_tensor *head = nn_narrow(ctx, ws, 1, 0, cut), *avg, *t;
        int a[3] = { 1, 1, 0 };
        a[2] = c->w_dim;
        avg = nn_reshape(ctx, g->w_avg, 3, a);
        /* lerp(w_avg, ws, psi) */
        if (psi < 0.5f) t = nn_add(ctx, avg, nn_scale(ctx, nn_sub(ctx, head, avg), psi));
        else t = nn_sub(ctx, head, nn_scale(ctx, nn_sub(ctx, head, avg), 1.0f - psi));
        ws = cut < g->num_ws ? nn_concat(ctx, t, nn_narrow(ctx, ws, 1, cut, g->num_ws - cut), 1) : t;
    }
    return ws;
}

/* ws[:, i] as [N, w_dim] */
static nn_tensor *w_at(nn_ctx *ctx, nn_tensor *ws, int i)
{
    int s[2];
    s[0] = ws->shape[0];
    s[1] = ws->shape[2];
    return nn_reshape(ctx, nn_narrow(ctx, ws, 1, i, 1), 2, s);
}

/* The noise of a layer at res x res for N samples, or NULL (mode none). */
static nn_tensor *layer_noise(nn_ctx *ctx, const gan_modconv *l, int n, int mode, nn_rng *rng, gan_sg_normal_fn fn,
                              void *user)
{
    int s[4];
    nn_tensor *t;
    if (mode == GAN_SG_NOISE_NONE || !l->noise_const) return NULL;
    s[0] = n;
    s[1] = 1;
    s[2] = l->noise_const->shape[0];
    s[3] = l->noise_const->shape[1];
    if (mode == GAN_SG_NOISE_CONST) {
        int c4[4];
        c4[0] = c4[1] = 1;
        c4[2] = s[2];
        c4[3] = s[3];
        return nn_expand(ctx, nn_reshape(ctx, l->noise_const, 4, c4), 4, s);
    }
    t = nn_tensor_new(ctx, 4, s);
    if (!t) return NULL;
    if (fn) fn(user, t->data, t->numel);
    else if (rng) nn_rng_fill_normal(rng, t->data, t->numel, 0.0f, 1.0f);
    return t;
}

nn_tensor *gan_stylegan_synthesis_fn(nn_ctx *ctx, const gan_stylegan_g *g, nn_tensor *ws, int noise_mode,
                                     nn_rng *rng, gan_sg_normal_fn fn, void *user)
{
    nn_tensor *x = NULL, *img = NULL;
    int k, n, wi = 0;
    if (!ws || ws->ndim != 3 || ws->shape[1] != g->num_ws || ws->shape[2] != g->cfg.w_dim) return NULL;
    n = ws->shape[0];
    for (k = 0; k < g->n_blocks; k++) {
        const gan_sg_gblock *b = &g->block[k];
        nn_tensor *y;
        if (b->in == 0) {
            int s[4];
            s[0] = 1;
            s[1] = b->out;
            s[2] = s[3] = b->res;
            x = nn_reshape(ctx, b->constant, 4, s);
            s[0] = n;
            x = nn_expand(ctx, x, 4, s);
            x = gan_modconv_forward(ctx, &b->conv1, x, w_at(ctx, ws, wi),
                                    layer_noise(ctx, &b->conv1, n, noise_mode, rng, fn, user), 1.0f);
            wi += 1;
        } else {
            x = gan_modconv_forward(ctx, &b->conv0, x, w_at(ctx, ws, wi),
                                    layer_noise(ctx, &b->conv0, n, noise_mode, rng, fn, user), 1.0f);
            x = gan_modconv_forward(ctx, &b->conv1, x, w_at(ctx, ws, wi + 1),
                                    layer_noise(ctx, &b->conv1, n, noise_mode, rng, fn, user), 1.0f);
            wi += 2;
        }
        if (img) {
            nn_upfirdn_opts u;
            memset(&u, 0, sizeof u);
            u.up = 2;
            u.pad_x0 = u.pad_y0 = 2;
            u.pad_x1 = u.pad_y1 = 1;
            u.gain = 4.0f;
            img = nn_upfirdn2d(ctx, img, b->resample_filter, &u);
        }
        y = gan_modconv_forward(ctx, &b->torgb, x, w_at(ctx, ws, wi), NULL, 1.0f);
        img = img ? nn_add(ctx, img, y) : y;
    }
    return img;
}

nn_tensor *gan_stylegan_synthesis(nn_ctx *ctx, const gan_stylegan_g *g, nn_tensor *ws, int noise_mode, nn_rng *rng)
{
    return gan_stylegan_synthesis_fn(ctx, g, ws, noise_mode, rng, NULL, NULL);
}

/* ---- discriminator -------------------------------------------------------- */

static int add_conv(gan_stylegan_d *d, const char *pre, const char *what, int in, int out, int kernel, int bias,
                    int down, int act, float clamp, gan_eq_conv *c, g99_error *err)
{
    char name[80];
    gan_eq_conv_def def;
    memset(&def, 0, sizeof def);
    def.in = in;
    def.out = out;
    def.kernel = kernel;
    def.bias = bias;
    def.down = down;
    def.act = act;
    def.clamp = clamp;
    sprintf(name, "%s.%s", pre, what);
    return gan_eq_conv_add(&d->init, name, &def, c, err);
}

int gan_stylegan_d_init(gan_stylegan_d *d, const gan_stylegan_config *c, g99_error *err)
{
    int rc, k, r, f[2] = { 4, 4 }, c4;
    float cl = c->conv_clamp;
    memset(d, 0, sizeof *d);
    if ((rc = gan_stylegan_check_config(c, err)) != 0) return rc;
    d->cfg = *c;
    nn_params_init(&d->p);
    gan_table_init(&d->init, &d->p);
    for (r = c->resolution, k = 0; r > 4 && !rc; r /= 2, k++) {
        gan_sg_dblock *b = &d->block[k];
        char pre[16];
        sprintf(pre, "b%d", r);
        b->res = r;
        b->in = r < c->resolution ? gan_stylegan_channels(c, r) : 0;
        b->tmp = gan_stylegan_channels(c, r);
        b->out = gan_stylegan_channels(c, r / 2);
        if (!(b->resample_filter = gan_table_add(&d->init, pre, "resample_filter", NN_BUFFER, 2, f,
                                                 gan_init_make(GAN_INIT_FIR, 4.0f, 0.0f), err)))
            rc = failed(err);
        if (!rc && b->in == 0)
            rc = add_conv(d, pre, "fromrgb", c->channels, b->tmp, 1, 1, 1, GAN_ACT_LRELU, cl, &b->fromrgb, err);
        if (!rc) rc = add_conv(d, pre, "conv0", b->tmp, b->tmp, 3, 1, 1, GAN_ACT_LRELU, cl, &b->conv0, err);
        if (!rc) rc = add_conv(d, pre, "conv1", b->tmp, b->out, 3, 1, 2, GAN_ACT_LRELU, cl, &b->conv1, err);
        if (!rc) rc = add_conv(d, pre, "skip", b->tmp, b->out, 1, 0, 2, GAN_ACT_NONE, 0.0f, &b->skip, err);
    }
    d->n_blocks = k;
    c4 = gan_stylegan_channels(c, 4);
    if (!rc) rc = add_conv(d, "b4", "conv", c4 + 1, c4, 3, 1, 1, GAN_ACT_LRELU, cl, &d->conv, err);
    if (!rc) rc = gan_eq_linear_add(&d->init, "b4.fc", c4 * 16, c4, 1, 1.0f, 0.0f, GAN_ACT_LRELU, &d->fc, err);
    if (!rc) rc = gan_eq_linear_add(&d->init, "b4.out", c4, 1, 1, 1.0f, 0.0f, GAN_ACT_NONE, &d->out, err);
    if (!rc) rc = gan_table_alloc(&d->init, err);
    if (rc) gan_stylegan_d_free(d);
    return rc;
}

void gan_stylegan_d_free(gan_stylegan_d *d)
{
    gan_table_free(&d->init);
    nn_params_free(&d->p);
    memset(d, 0, sizeof *d);
}

nn_tensor *gan_stylegan_discriminate(nn_ctx *ctx, const gan_stylegan_d *d, nn_tensor *img)
{
    const float half = 0.70710678118654752f;   /* sqrt(0.5) */
    nn_tensor *x = NULL;
    int k, s[2];
    for (k = 0; k < d->n_blocks; k++) {
        const gan_sg_dblock *b = &d->block[k];
        nn_tensor *y;
        if (b->in == 0) x = gan_eq_conv_forward(ctx, &b->fromrgb, img, 1.0f);
        y = gan_eq_conv_forward(ctx, &b->skip, x, half);
        x = gan_eq_conv_forward(ctx, &b->conv0, x, 1.0f);
        x = gan_eq_conv_forward(ctx, &b->conv1, x, half);
        x = nn_add(ctx, y, x);
    }
    x = nn_minibatch_stddev(ctx, x, d->cfg.mbstd_group, 1);
    x = gan_eq_conv_forward(ctx, &d->conv, x, 1.0f);
    if (!x) return NULL;
    s[0] = x->shape[0];
    s[1] = (int)(x->numel / (size_t)x->shape[0]);
    x = gan_eq_linear_forward(ctx, &d->fc, nn_reshape(ctx, x, 2, s));
    return gan_eq_linear_forward(ctx, &d->out, x);
}

/* ---- the three networks ---------------------------------------------------- */

int gan_stylegan_init(gan_stylegan *m, const gan_stylegan_config *c, g99_error *err)
{
    int rc;
    memset(m, 0, sizeof *m);
    m->cfg = *c;
    rc = gan_stylegan_g_init(&m->g, c, err);
    if (!rc) rc = gan_stylegan_g_init(&m->g_ema, c, err);
    if (!rc) rc = gan_stylegan_d_init(&m->d, c, err);
    if (rc) gan_stylegan_free(m);
    return rc;
}

void gan_stylegan_free(gan_stylegan *m)
{
    gan_stylegan_g_free(&m->g);
    gan_stylegan_g_free(&m->g_ema);
    gan_stylegan_d_free(&m->d);
}

void gan_stylegan_weights_init(gan_stylegan *m, nn_rng *rng)
{
    gan_table_apply(&m->g.init, rng);
    gan_table_apply(&m->d.init, rng);
    gan_stylegan_g_copy(&m->g_ema, &m->g);
}
