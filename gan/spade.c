/* gan: SPADE / GauGAN (Park et al. 2019) as NVlabs/SPADE builds it
 * (doc/models.md, SPADE): the generator of SPADE ResNet blocks and the
 * multi-scale PatchGAN, with the reference's state_dict keys and its
 * init_weights('xavier', 0.02).
 *
 * Generator (num_upsampling_layers normal: 5 nearest x2 ups; more: 6):
 *   fc            conv 3x3 (map resized nearest to start x start) or linear (z)
 *   head_0        16nf -> 16nf          up
 *   G_middle_0    16nf -> 16nf          [up: more]
 *   G_middle_1    16nf -> 16nf          up
 *   up_0 .. up_3  16nf -> 8, 4, 2, 1 nf, an up before each but the first
 *   conv_img      conv 3x3 (nf -> 3) of lrelu 0.2, then tanh
 * start = size / 2^ups. Each block's SPADE layers resize the full map
 * nearest to their input's size.
 *
 * Discriminator: num_d NLayerDiscriminators ("discriminator_<i>"), each
 * model0 conv 4x4 s2 (bias) + lrelu 0.2; model1 .. model<n-1> spectral
 * conv 4x4 (s2, the last s1; no bias: the instance norm after it would
 * remove it) + instance norm (affine off) + lrelu; model<n> conv 4x4 s1
 * -> 1 (bias). Padding 2 everywhere (ceil((4-1)/2)), widths min(2nf, 512).
 * Its keys: "model0.0.*", "model<j>.0.0.weight_orig/_u/_v", "model<n>.0.*".
 *
 * Encoder (use_vae): ConvEncoder, "layer<k>.0.weight_orig/_u/_v", "fc_mu.*",
 * "fc_var.*" in its own table; z = mu + eps exp(logvar / 2), KLDLoss (a sum).
 * Below size 256 it has fewer layers than the reference (declare_e). */
#include "gan.h"

#include <stdio.h>

static int ups(const gan_spade_config *c)
{
    return c->schedule == GAN_SPADE_MORE ? 6 : 5;
}

void gan_spade_config_defaults(gan_spade_config *c)
{
    memset(c, 0, sizeof *c);
    c->size = 64;
    c->classes = 7;
    c->ngf = 16;
    c->ndf = 16;
    c->nhidden = 128;
    c->schedule = GAN_SPADE_NORMAL;
    c->norm = NN_SPADE_BATCH;
    c->num_d = 2;
    c->n_layers_d = 4;
}

int gan_spade_check_config(const gan_spade_config *c, g99_error *err)
{
    int q, lo;
    if (c->schedule != GAN_SPADE_NORMAL && c->schedule != GAN_SPADE_MORE)
        return g99_fail(err, G99_EINVAL, "spade: schedule %d (want normal or more)", c->schedule);
    q = 1 << ups(c);
    if (c->size < q || c->size > 4096 || c->size % q != 0) {
        lo = c->size / q * q;
        if (lo >= q && lo <= 4096)
            return g99_fail(err, G99_EINVAL, "spade: size %d is not a multiple of %d (%d upsamplings): %d or %d would "
                            "work", c->size, q, ups(c), lo, lo + q);
        return g99_fail(err, G99_EINVAL, "spade: size %d (want a multiple of %d, %d..4096)", c->size, q, q);
    }
    if (c->classes < 1 || c->classes > 255) return g99_fail(err, G99_EINVAL, "spade: --classes %d (want 1..255)", c->classes);
    if (c->ngf < 1 || c->ngf > 1024) return g99_fail(err, G99_EINVAL, "spade: --ngf %d (want 1..1024)", c->ngf);
    if (c->ndf < 1 || c->ndf > 512) return g99_fail(err, G99_EINVAL, "spade: --ndf %d (want 1..512)", c->ndf);
    if (c->nhidden < 1 || c->nhidden > 1024)
        return g99_fail(err, G99_EINVAL, "spade: --nhidden %d (want 1..1024)", c->nhidden);
    if (c->z_dim < 0 || c->z_dim > 4096) return g99_fail(err, G99_EINVAL, "spade: --z-dim %d (want 0..4096)", c->z_dim);
    if (c->norm != NN_SPADE_BATCH && c->norm != NN_SPADE_INSTANCE)
        return g99_fail(err, G99_EINVAL, "spade: --norm %d (want batch or instance)", c->norm);
    if (c->norm == NN_SPADE_INSTANCE && c->size / q < 2)
        /* the first blocks run at start x start: instance norm of one pixel is 0 (PyTorch refuses it) */
        return g99_fail(err, G99_EINVAL, "spade: instance norm needs a start of 2x2 or more: size %d starts at 1x1 "
                        "(use size %d, or --norm batch)", c->size, 2 * q);
    if (c->num_d < 1 || c->num_d > GAN_SPADE_MAX_D)
        return g99_fail(err, G99_EINVAL, "spade: --num-D %d (want 1..%d)", c->num_d, GAN_SPADE_MAX_D);
    if (c->n_layers_d < 1 || c->n_layers_d > GAN_SPADE_MAX_DLAYERS - 1)
        return g99_fail(err, G99_EINVAL, "spade: --n-layers-D %d (want 1..%d)", c->n_layers_d, GAN_SPADE_MAX_DLAYERS - 1);
    if (c->use_vae && c->z_dim < 1)
        return g99_fail(err, G99_EINVAL, "spade: --use-vae needs --z-dim > 0 (the reference: 256)");
    if (c->nef < 0 || c->nef > 512) return g99_fail(err, G99_EINVAL, "spade: --nef %d (want 0..512; 0: ngf)", c->nef);
    /* padding 2 keeps every layer of every scale at 1 pixel or more, so any size the generator takes works */
    return 0;
}

static int add_conv(gan_table *t, const char *prefix, int op, int in, int out, int k, int stride, int pad, int bias,
                    int spectral, gan_conv *c, g99_error *err)
{
    gan_conv_def d;
    memset(&d, 0, sizeof d);
    d.op = op;
    d.in = in;
    d.out = out;
    d.kernel = k;
    d.geom.stride = stride;
    d.geom.padding = pad;
    d.bias = bias;
    d.spectral = spectral;
    /* the reference's init_weights('xavier', 0.02), biases 0; set field by
     * field: tcc 0.9.27 clobbers the struct when a returned struct is
     * assigned into it here */
    d.weight_init.kind = GAN_INIT_XAVIER_NORMAL;
    d.weight_init.a = 0.02f;
    d.bias_init.kind = GAN_INIT_CONST;
    return gan_conv_add(t, prefix, &d, c, err);
}

/* "<prefix>.<what>", or what alone for an empty prefix. */
static const char *join(char *buf, size_t cap, const char *prefix, const char *what)
{
    if (snprintf(buf, cap, "%s%s%s", prefix ? prefix : "", prefix && *prefix ? "." : "", what) >= (int)cap) buf[0] = '\0';
    return buf;
}

int gan_spade_layer_add(gan_table *t, const char *prefix, const gan_spade_config *c, int norm_nc, gan_spade_layer *l,
                        g99_error *err)
{
    char name[192];
    int rc;
    memset(l, 0, sizeof *l);
    join(name, sizeof name, prefix, "param_free_norm");
    /* affine off: batch norm keeps only its running statistics, instance norm nothing */
    rc = gan_norm_add(t, name, c->norm == NN_SPADE_BATCH ? GAN_NORM_BATCH : GAN_NORM_INSTANCE, norm_nc, -1,
                      gan_init_const(1.0f), &l->pf, err);
    join(name, sizeof name, prefix, "mlp_shared.0");
    if (!rc) rc = add_conv(t, name, GAN_OP_CONV, c->classes, c->nhidden, 3, 1, 1, 1, 0, &l->shared, err);
    join(name, sizeof name, prefix, "mlp_gamma");
    if (!rc) rc = add_conv(t, name, GAN_OP_CONV, c->nhidden, norm_nc, 3, 1, 1, 1, 0, &l->gamma, err);
    join(name, sizeof name, prefix, "mlp_beta");
    if (!rc) rc = add_conv(t, name, GAN_OP_CONV, c->nhidden, norm_nc, 3, 1, 1, 1, 0, &l->beta, err);
    return rc;
}

/* state_dict order: conv_0, conv_1, conv_s, norm_0, norm_1, norm_s. */
int gan_spade_block_add(gan_table *t, const char *prefix, const gan_spade_config *c, int fin, int fout,
                        gan_spade_block *b, g99_error *err)
{
    char name[160];
    int fmid = fin < fout ? fin : fout, rc;
    memset(b, 0, sizeof *b);
    b->fin = fin;
    b->fout = fout;
    b->shortcut = fin != fout;
    join(name, sizeof name, prefix, "conv_0");
    rc = add_conv(t, name, GAN_OP_CONV, fin, fmid, 3, 1, 1, 1, 1, &b->conv_0, err);
    join(name, sizeof name, prefix, "conv_1");
    if (!rc) rc = add_conv(t, name, GAN_OP_CONV, fmid, fout, 3, 1, 1, 1, 1, &b->conv_1, err);
    join(name, sizeof name, prefix, "conv_s");
    if (!rc && b->shortcut) rc = add_conv(t, name, GAN_OP_CONV, fin, fout, 1, 1, 0, 0, 1, &b->conv_s, err);
    join(name, sizeof name, prefix, "norm_0");
    if (!rc) rc = gan_spade_layer_add(t, name, c, fin, &b->norm_0, err);
    join(name, sizeof name, prefix, "norm_1");
    if (!rc) rc = gan_spade_layer_add(t, name, c, fmid, &b->norm_1, err);
    join(name, sizeof name, prefix, "norm_s");
    if (!rc && b->shortcut) rc = gan_spade_layer_add(t, name, c, fin, &b->norm_s, err);
    return rc;
}

static const char *const block_names[GAN_SPADE_BLOCKS] = { "head_0", "G_middle_0", "G_middle_1", "up_0", "up_1",
                                                          "up_2", "up_3" };

static int declare_g(gan_spade *m, g99_error *err)
{
    const gan_spade_config *c = &m->cfg;
    int nf = c->ngf, rc, i;
    static const int mult[GAN_SPADE_BLOCKS + 1] = { 16, 16, 16, 16, 8, 4, 2, 1 };
    if (c->z_dim > 0) rc = add_conv(&m->ginit, "fc", GAN_OP_LINEAR, c->z_dim, 16 * nf * m->start * m->start, 0, 1, 0, 1,
                                    0, &m->fc, err);
    else rc = add_conv(&m->ginit, "fc", GAN_OP_CONV, c->classes, 16 * nf, 3, 1, 1, 1, 0, &m->fc, err);
    for (i = 0; i < GAN_SPADE_BLOCKS && !rc; i++)
        rc = gan_spade_block_add(&m->ginit, block_names[i], c, mult[i] * nf, mult[i + 1] * nf, &m->blk[i], err);
    if (!rc) rc = add_conv(&m->ginit, "conv_img", GAN_OP_CONV, nf, 3, 3, 1, 1, 1, 0, &m->conv_img, err);
    return rc;
}

static int declare_d(gan_spade *m, g99_error *err)
{
    const gan_spade_config *c = &m->cfg;
    int i, j, rc = 0, in = c->classes + 3;
    char cp[64], np[64];
    m->n_dl = c->n_layers_d + 1;
    for (i = 0; i < c->num_d && !rc; i++) {
        int nf = c->ndf, prev;
        gan_block_def d;
        memset(&d, 0, sizeof d);
        d.act = GAN_ACT_LRELU;
        d.slope = 0.2f;
        d.conv.op = GAN_OP_CONV;
        d.conv.kernel = 4;
        d.conv.geom.padding = 2;
        d.conv.weight_init.kind = GAN_INIT_XAVIER_NORMAL;   /* field by field, as in add_conv */
        d.conv.weight_init.a = 0.02f;
        d.conv.bias_init.kind = GAN_INIT_CONST;
        for (j = 0; j <= c->n_layers_d && !rc; j++) {
            prev = nf;
            if (j > 0 && j < c->n_layers_d) nf = nf * 2 < 512 ? nf * 2 : 512;
            d.conv.in = j == 0 ? in : prev;
            d.conv.out = j == c->n_layers_d ? 1 : nf;
            d.conv.geom.stride = j == 0 || j < c->n_layers_d - 1 ? 2 : 1;
            d.conv.bias = j == 0 || j == c->n_layers_d;
            d.conv.spectral = !d.conv.bias;
            d.norm = d.conv.spectral ? GAN_NORM_INSTANCE : GAN_NORM_NONE;
            d.norm_affine = -1;
            if (j == c->n_layers_d) d.act = GAN_ACT_NONE;
            if (d.conv.spectral) {
                snprintf(cp, sizeof cp, "discriminator_%d.model%d.0.0", i, j);
                snprintf(np, sizeof np, "discriminator_%d.model%d.0.1", i, j);
            } else {
                snprintf(cp, sizeof cp, "discriminator_%d.model%d.0", i, j);
                snprintf(np, sizeof np, "discriminator_%d.model%d.1", i, j);
            }
            rc = gan_block_add(&m->dinit, cp, np, &d, &m->dl[i][j], err);
        }
    }
    return rc;
}

/* ConvEncoder: layer<k> spectral conv 3x3 s2 p1 (bias removed for the
 * instance norm after it), widths nef x 1, 2, 4, 8, 8, 8; then fc_mu and
 * fc_var, nn.Linear(width 4 4, z_dim). The reference always resizes to
 * 256 and has 6 layers (5 below crop 256, which its 4x4 fc then refuses);
 * gan99 keeps that from 256 up and otherwise runs log2(size / 4) layers on
 * the image as it is, so the last map is 4x4 too. */
static int declare_e(gan_spade *m, g99_error *err)
{
    const gan_spade_config *c = &m->cfg;
    static const int mult[GAN_SPADE_MAX_ELAYERS] = { 1, 2, 4, 8, 8, 8 };
    int nef = c->nef > 0 ? c->nef : c->ngf, in = 3, k, rc = 0, s;
    char cp[32], np[32];
    gan_block_def d;
    m->e_resize = c->size > 256;
    for (m->n_el = 0, s = c->size > 256 ? 256 : c->size; s > 4; s /= 2) m->n_el++;
    memset(&d, 0, sizeof d);
    d.conv.op = GAN_OP_CONV;
    d.conv.kernel = 3;
    d.conv.geom.stride = 2;
    d.conv.geom.padding = 1;
    d.conv.spectral = 1;
    d.conv.weight_init.kind = GAN_INIT_XAVIER_NORMAL;   /* field by field, as in add_conv */
    d.conv.weight_init.a = 0.02f;
    d.conv.bias_init.kind = GAN_INIT_CONST;
    d.norm = GAN_NORM_INSTANCE;
    d.norm_affine = -1;
    d.act = GAN_ACT_LRELU;
    d.slope = 0.2f;
    for (k = 0; k < m->n_el && !rc; k++) {
        d.conv.in = in;
        d.conv.out = in = mult[k] * nef;
        snprintf(cp, sizeof cp, "layer%d.0", k + 1);
        snprintf(np, sizeof np, "layer%d.1", k + 1);
        rc = gan_block_add(&m->einit, cp, np, &d, &m->enc[k], err);
    }
    if (!rc) rc = add_conv(&m->einit, "fc_mu", GAN_OP_LINEAR, in * 16, c->z_dim, 0, 1, 0, 1, 0, &m->fc_mu, err);
    if (!rc) rc = add_conv(&m->einit, "fc_var", GAN_OP_LINEAR, in * 16, c->z_dim, 0, 1, 0, 1, 0, &m->fc_var, err);
    return rc;
}

int gan_spade_init(gan_spade *m, const gan_spade_config *cfg, g99_error *err)
{
    int rc;
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    if ((rc = gan_spade_check_config(&m->cfg, err)) != 0) return rc;
    m->start = cfg->size >> ups(cfg);
    nn_params_init(&m->g);
    nn_params_init(&m->d);
    nn_params_init(&m->e);
    gan_table_init(&m->ginit, &m->g);
    gan_table_init(&m->dinit, &m->d);
    gan_table_init(&m->einit, &m->e);
    rc = declare_g(m, err);
    if (!rc) rc = declare_d(m, err);
    if (!rc && cfg->use_vae) rc = declare_e(m, err);
    if (!rc) rc = gan_table_alloc(&m->ginit, err);
    if (!rc) rc = gan_table_alloc(&m->dinit, err);
    if (!rc && cfg->use_vae) rc = gan_table_alloc(&m->einit, err);
    if (rc) gan_spade_free(m);
    return rc;
}

void gan_spade_free(gan_spade *m)
{
    gan_table_free(&m->ginit);
    gan_table_free(&m->dinit);
    gan_table_free(&m->einit);
    nn_params_free(&m->g);
    nn_params_free(&m->d);
    nn_params_free(&m->e);
    memset(m, 0, sizeof *m);
}

void gan_spade_weights_init(gan_spade *m, nn_rng *rng)
{
    gan_table_apply(&m->ginit, NULL);
    gan_table_apply(&m->dinit, NULL);
    gan_table_apply(&m->ginit, rng);
    gan_table_apply(&m->dinit, rng);
    if (m->cfg.use_vae) {
        gan_table_apply(&m->einit, NULL);
        gan_table_apply(&m->einit, rng);
    }
}

nn_tensor *gan_spade_layer_forward(nn_ctx *ctx, const gan_spade_layer *l, nn_tensor *x, nn_tensor *seg, int norm,
                                   int train)
{
    nn_spade_params p;
    nn_tensor *y;
    p.shared_weight = l->shared.weight;
    p.shared_bias = l->shared.bias;
    p.gamma_weight = l->gamma.weight;
    p.gamma_bias = l->gamma.bias;
    p.beta_weight = l->beta.weight;
    p.beta_bias = l->beta.bias;
    p.running_mean = l->pf.running_mean;
    p.running_var = l->pf.running_var;
    y = nn_spade(ctx, x, seg, &p, norm, train);
    /* nn_spade updates the running statistics; the counter is the layer's */
    if (y && train && norm == NN_SPADE_BATCH && l->pf.num_batches_tracked) l->pf.num_batches_tracked->data[0] += 1.0f;
    return y;
}

/* The reference's order: the shortcut, then norm_0 / conv_0, norm_1 / conv_1.
 * The map is resized to x's size once for the block's two or three SPADE
 * layers (the reference resizes in each; nearest resizing gives the same
 * map, and nn_spade takes a map of the right size as it is). */
nn_tensor *gan_spade_block_forward(nn_ctx *ctx, const gan_spade_block *b, nn_tensor *x, nn_tensor *seg, int norm,
                                   int train)
{
    nn_tensor *xs = x, *dx;
    if (x && seg && x->ndim == 4 && seg->ndim == 4 && (seg->shape[2] != x->shape[2] || seg->shape[3] != x->shape[3]))
        seg = nn_resize_nearest(ctx, seg, x->shape[2], x->shape[3]);
    if (b->shortcut)
        xs = gan_conv_forward(ctx, &b->conv_s, gan_spade_layer_forward(ctx, &b->norm_s, x, seg, norm, train), train);
    dx = nn_leaky_relu(ctx, gan_spade_layer_forward(ctx, &b->norm_0, x, seg, norm, train), 0.2f);
    dx = gan_conv_forward(ctx, &b->conv_0, dx, train);
    dx = nn_leaky_relu(ctx, gan_spade_layer_forward(ctx, &b->norm_1, dx, seg, norm, train), 0.2f);
    dx = gan_conv_forward(ctx, &b->conv_1, dx, train);
    return nn_add(ctx, xs, dx);
}

int gan_spade_check_input(const gan_spade *m, const nn_tensor *seg, const nn_tensor *z, g99_error *err)
{
    const gan_spade_config *c = &m->cfg;
    char s1[64];
    if (!seg || seg->ndim != 4 || seg->shape[1] != c->classes || seg->shape[2] != c->size || seg->shape[3] != c->size)
        return g99_fail(err, G99_EINVAL, "spade: map %s (want [N,%d,%d,%d], one-hot)",
                        seg ? nn_shape_str(seg, s1) : "missing", c->classes, c->size, c->size);
    if (c->z_dim > 0 && (!z || z->ndim != 2 || z->shape[0] != seg->shape[0] || z->shape[1] != c->z_dim))
        return g99_fail(err, G99_EINVAL, "spade: z %s (want [%d,%d])", z ? nn_shape_str(z, s1) : "missing",
                        seg->shape[0], c->z_dim);
    return 0;
}

nn_tensor *gan_spade_generate(nn_ctx *ctx, gan_spade *m, nn_tensor *seg, nn_tensor *z, int train)
{
    const gan_spade_config *c = &m->cfg;
    nn_tensor *x, *seg_r = NULL;
    int i, shape[4];
    if (!ctx || gan_spade_check_input(m, seg, z, NULL)) return NULL;
    if (c->z_dim > 0) {
        shape[0] = seg->shape[0];
        shape[1] = 16 * c->ngf;
        shape[2] = shape[3] = m->start;
        x = nn_reshape(ctx, gan_conv_forward(ctx, &m->fc, z, train), 4, shape);
    } else {
        x = gan_conv_forward(ctx, &m->fc, seg_r = nn_resize_nearest(ctx, seg, m->start, m->start), train);
    }
    for (i = 0; i < GAN_SPADE_BLOCKS; i++) {
        /* ups before G_middle_0 (after head_0), before G_middle_1 under 'more', and before each up_k */
        if (i == 1 || (i == 2 && c->schedule == GAN_SPADE_MORE) || i >= 3) x = nn_upsample_nearest(ctx, x, 2);
        /* one resized map per resolution, shared by the blocks at it (G_middle_0 and _1) */
        if (x && (!seg_r || seg_r->shape[2] != x->shape[2] || seg_r->shape[3] != x->shape[3]))
            seg_r = x->shape[2] == c->size && x->shape[3] == c->size ? seg
                    : nn_resize_nearest(ctx, seg, x->shape[2], x->shape[3]);
        x = gan_spade_block_forward(ctx, &m->blk[i], x, seg_r, c->norm, train);
    }
    x = gan_conv_forward(ctx, &m->conv_img, nn_leaky_relu(ctx, x, 0.2f), train);
    return nn_tanh(ctx, x);
}

int gan_spade_discriminate(nn_ctx *ctx, gan_spade *m, nn_tensor *x, int train, nn_tensor **out)
{
    const gan_spade_config *c = &m->cfg;
    nn_pool_opts po;
    int i, j;
    if (!ctx || !x || x->ndim != 4 || x->shape[1] != c->classes + 3) return 0;
    memset(&po, 0, sizeof po);
    po.kernel = 3;
    po.stride = 2;
    po.padding = 1;
    po.exclude_pad = 1;
    for (i = 0; i < c->num_d; i++) {
        nn_tensor *h = x;
        if (i > 0) x = h = nn_avg_pool2d(ctx, x, &po);
        for (j = 0; j < m->n_dl; j++) {
            h = gan_block_forward(ctx, &m->dl[i][j], h, train);
            if (!h) return 0;
            out[i * m->n_dl + j] = h;
        }
    }
    return c->num_d * m->n_dl;
}

int gan_spade_encode(nn_ctx *ctx, gan_spade *m, nn_tensor *img, int train, nn_tensor **mu, nn_tensor **logvar,
                     g99_error *err)
{
    const gan_spade_config *c = &m->cfg;
    nn_tensor *x = img;
    char s1[64];
    int k, shape[2];
    *mu = *logvar = NULL;
    if (!c->use_vae) return g99_fail(err, G99_EINVAL, "spade: this model has no encoder (trained without --use-vae)");
    if (!ctx) return g99_fail(err, G99_EINVAL, "spade: encode without a context");
    if (!img || img->ndim != 4 || img->shape[1] != 3 || img->shape[2] != c->size || img->shape[3] != c->size)
        return g99_fail(err, G99_EINVAL, "spade: style photo %s (want [N,3,%d,%d])", img ? nn_shape_str(img, s1) : "missing",
                        c->size, c->size);
    /* F.interpolate(x, (256, 256), mode='bilinear'), align_corners False */
    if (m->e_resize) x = nn_resize_bilinear(ctx, x, 256, 256, 0);
    for (k = 0; k < m->n_el; k++) x = gan_block_forward(ctx, &m->enc[k], x, train);
    if (x) {
        shape[0] = x->shape[0];
        shape[1] = (int)(x->numel / (size_t)x->shape[0]);
        x = nn_reshape(ctx, x, 2, shape);
    }
    *mu = gan_conv_forward(ctx, &m->fc_mu, x, train);
    *logvar = gan_conv_forward(ctx, &m->fc_var, x, train);
    if (!*mu || !*logvar) {
        if (err) *err = *nn_ctx_error(ctx);
        return nn_ctx_error(ctx)->code ? nn_ctx_error(ctx)->code : G99_EINVAL;
    }
    return 0;
}

nn_tensor *gan_spade_reparameterize(nn_ctx *ctx, nn_tensor *mu, nn_tensor *logvar, nn_rng *rng, const float *eps)
{
    nn_tensor *e;
    if (!mu || !logvar) return NULL;
    if (!eps && !rng) return mu;
    if (!(e = nn_tensor_new(ctx, mu->ndim, mu->shape))) return NULL;
    if (eps) memcpy(e->data, eps, e->numel * sizeof(float));
    else nn_rng_fill_normal(rng, e->data, e->numel, 0.0f, 1.0f);
    /* eps * exp(0.5 logvar) + mu, in the reference's order */
    return nn_add(ctx, nn_mul(ctx, e, nn_exp(ctx, nn_scale(ctx, logvar, 0.5f))), mu);
}

nn_tensor *gan_spade_kld(nn_ctx *ctx, nn_tensor *mu, nn_tensor *logvar)
{
    nn_tensor *t = nn_sub(ctx, nn_sub(ctx, nn_add_scalar(ctx, logvar, 1.0f), nn_square(ctx, mu)), nn_exp(ctx, logvar));
    return nn_scale(ctx, nn_sum(ctx, t), -0.5f);
}
