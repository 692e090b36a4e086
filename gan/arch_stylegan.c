/* gan: StyleGAN2 as a model family (the table the run loop and the generic
 * commands use). The networks are gan/stylegan.c, the training iteration
 * gan/train_stylegan.c; this file maps between them and the family
 * interface of gan/gan.h. model.safetensors is G_ema under the reference's
 * keys; a checkpoint holds G, D and G_ema, both Adams and the loss's
 * pl_mean. Defaults are a small CPU configuration (doc/models.md,
 * "StyleGAN2"); the reference's widths are --z-dim 512 --w-dim 512
 * --channel-base 32768 --channel-max 512. */
#include "gan.h"

#include <stdlib.h>

enum {
    O_SIZE, O_ZDIM, O_WDIM, O_MAP, O_CBASE, O_CMAX, O_CLAMP, O_MBSTD,
    O_LR, O_GAMMA, O_PL, O_MIX, O_EMA, O_MIRROR, O_FREEZE_D, N_OPTIONS
};

static const gan_option options[N_OPTIONS] = {
    { "--size", "size", "resolution: 16, 32, 64, 128 or 256 (default 32)", GAN_OPT_INT, 16, 256, 32, NULL, 1 },
    { "--z-dim", "z_dim", "latent size (default 64; the reference's 512)", GAN_OPT_INT, 1, 4096, 64, NULL, 1 },
    { "--w-dim", "w_dim", "intermediate latent size (default 64; the reference's 512)", GAN_OPT_INT, 1, 4096, 64,
      NULL, 1 },
    { "--map-layers", "map_layers", "mapping layers (default 8)", GAN_OPT_INT, 1, GAN_SG_MAX_MAP, 8, NULL, 1 },
    { "--channel-base", "channel_base", "channels at resolution r: channel_base / r (default 1024; the reference's "
      "32768)", GAN_OPT_INT, 16, 1 << 20, 1024, NULL, 1 },
    { "--channel-max", "channel_max", "most channels of a layer (default 32; the reference's 512)", GAN_OPT_INT, 1,
      4096, 32, NULL, 1 },
    { "--conv-clamp", "conv_clamp", "clamp of conv outputs, 0 none (default 0, the reference's --fp32)",
      GAN_OPT_FLOAT, 0, 1e6, 0, NULL, 1 },
    { "--mbstd-group", "mbstd_group", "D's minibatch-stddev group (default 4)", GAN_OPT_INT, 1, 64, 4, NULL, 1 },
    { "--lr", "lr", "Adam learning rate before the lazy-regularization factor (default 0.0025)", GAN_OPT_FLOAT,
      1e-9, 0.999999, 0.0025, NULL, 0 },
    { "--gamma", "gamma", "R1 weight; 0: the auto rule 0.0002 size^2 / batch (default 0)", GAN_OPT_FLOAT, 0, 1e6, 0,
      NULL, 0 },
    { "--pl-weight", "pl_weight", "path-length weight, 0 off (default 2)", GAN_OPT_FLOAT, 0, 1e6, 2, NULL, 0 },
    { "--mixing", "mixing", "style-mixing probability (default 0.9)", GAN_OPT_FLOAT, 0, 1, 0.9, NULL, 0 },
    { "--ema-kimg", "ema_kimg", "G_ema half-life in thousands of images; 0: batch * 10 / 32 (default 0)",
      GAN_OPT_FLOAT, 0, 1e6, 0, NULL, 0 },
    { "--mirror", "mirror", "flip real images left-right at random", GAN_OPT_FLAG, 0, 1, 0, NULL, 0 },
    { "--freeze-d", "freeze_d", "Freeze-D: D's first K layers (fromrgb, conv0, conv1, skip per block) not "
      "trained (default 0)", GAN_OPT_INT, 0, 64, 0, NULL, 0 },
};

/* StyleGAN2Loss's terms per iteration (0 when a phase is skipped). */
static const gan_loss_col losses[5] = {
    { "loss_d", "D" }, { "loss_g", "G" }, { "r1", NULL }, { "pl", NULL }, { "pl_mean", NULL },
};

typedef struct sg_model {
    gan_stylegan m;
    gan_stylegan_trainer t;
    int training;
} sg_model;

static sg_model *of(gan_model *m) { return (sg_model *)(void *)m; }

static void config_of(const gan_values *v, gan_stylegan_config *c)
{
    gan_stylegan_config_default(c, (int)v->v[O_SIZE]);
    c->z_dim = (int)v->v[O_ZDIM];
    c->w_dim = (int)v->v[O_WDIM];
    c->map_layers = (int)v->v[O_MAP];
    c->channel_base = (int)v->v[O_CBASE];
    c->channel_max = (int)v->v[O_CMAX];
    c->conv_clamp = (float)v->v[O_CLAMP];
    c->mbstd_group = (int)v->v[O_MBSTD];
}

static int create(const gan_values *v, gan_model **out, g99_error *err)
{
    sg_model *s;
    gan_stylegan_config c;
    double params = 0;
    int rc, r;
    config_of(v, &c);
    *out = NULL;
    if ((rc = gan_stylegan_check_config(&c, err)) != 0) return rc;
    for (r = 4; r <= c.resolution; r *= 2) {
        double ch = gan_stylegan_channels(&c, r);
        params += 3.0 * (9.0 * ch * ch + (double)c.w_dim * ch) * 3.0;   /* G, G_ema, D: about 2 convs each */
    }
    params += 3.0 * c.map_layers * (double)c.w_dim * (c.w_dim > c.z_dim ? c.w_dim : c.z_dim);
    if (params > 1e9)
        return g99_fail(err, G99_EINVAL, "stylegan: these widths make about %.3g parameters; the limit is 1e9", params);
    s = (sg_model *)calloc(1, sizeof *s);
    if (!s) return g99_fail(err, G99_ENOMEM, "out of memory");
    if ((rc = gan_stylegan_init(&s->m, &c, err)) != 0) {
        free(s);
        return rc;
    }
    *out = (gan_model *)(void *)s;
    return 0;
}

static void destroy(gan_model *m)
{
    sg_model *s = of(m);
    if (!s) return;
    if (s->training) gan_stylegan_trainer_free(&s->t);
    gan_stylegan_free(&s->m);
    free(s);
}

static void geometry(const gan_model *m, gan_geometry *g)
{
    const gan_stylegan_config *c = &((const sg_model *)(const void *)m)->m.cfg;
    g->width = g->height = c->resolution;
    g->channels = c->channels;
    g->cond_channels = 0;
    g->latent = c->z_dim;
}

static void init_weights(gan_model *m, uint64_t seed)
{
    nn_rng init;
    nn_rng_init(&init, seed, NN_STREAM_INIT);
    gan_stylegan_weights_init(&of(m)->m, &init);
}

static int train_begin(gan_model *m, const gan_values *v, int batch, uint64_t seed, nn_ctx *ctx, g99_error *err)
{
    sg_model *s = of(m);
    gan_stylegan_train_opts o;
    int rc;
    double R = v->v[O_SIZE];
    gan_stylegan_train_defaults(&o, batch);
    o.lr = (float)v->v[O_LR];
    o.gamma = v->v[O_GAMMA] > 0 ? (float)v->v[O_GAMMA] : (float)(0.0002 * R * R / batch);
    o.pl_weight = (float)v->v[O_PL];
    o.mixing = (float)v->v[O_MIX];
    if (v->v[O_EMA] > 0) o.ema_kimg = (float)v->v[O_EMA];
    o.mirror = v->v[O_MIRROR] != 0;
    o.freeze_d = (int)v->v[O_FREEZE_D];
    rc = gan_stylegan_trainer_init(&s->t, &s->m, batch, &o, seed, ctx, err);
    s->training = rc == 0;
    return rc;
}

static int train_step(gan_model *m, const gan_batch *b, float *out, g99_error *err)
{
    sg_model *s = of(m);
    gan_stylegan_losses l;
    int rc;
    if (b->n != s->t.batch) return g99_fail(err, G99_EINVAL, "stylegan: a batch of %d, not %d", b->n, s->t.batch);
    s->t.step = b->step;   /* the loop's count, also after a resume */
    if ((rc = gan_stylegan_train_step(&s->t, b->x, &l, err)) != 0) return rc;
    out[0] = l.d_gen + l.d_real;
    out[1] = l.g_main;
    out[2] = l.d_r1;
    out[3] = l.g_pl;
    out[4] = l.pl_mean;
    return 0;
}

static int parts(gan_model *m, nn_checkpoint_part *p, int max)
{
    sg_model *s = of(m);
    int n = s->training ? 4 : 3;
    if (max < n) return 0;
    memset(p, 0, (size_t)n * sizeof *p);
    p[0].prefix = "G.";
    p[0].p = &s->m.g.p;
    p[0].adam = s->training ? &s->t.opt_g : NULL;
    p[1].prefix = "D.";
    p[1].p = &s->m.d.p;
    p[1].adam = s->training ? &s->t.opt_d : NULL;
    p[2].prefix = "G_ema.";
    p[2].p = &s->m.g_ema.p;
    if (s->training) {
        p[3].prefix = "loss.";
        p[3].p = &s->t.state;
    }
    return n;
}

static int rngs(gan_model *m, nn_rng **r, int max)
{
    sg_model *s = of(m);
    if (max < 2 || !s->training) return 0;
    r[0] = &s->t.noise;
    r[1] = &s->t.augment;
    return 2;
}

static nn_params *inference(gan_model *m) { return &of(m)->m.g_ema.p; }

/* G_ema's mapping (psi 1, w_avg untouched) and synthesis with const noise:
 * the reference's generate.py defaults. */
static nn_tensor *generate(gan_model *m, nn_ctx *ctx, nn_tensor *z, nn_tensor *cond, int train)
{
    sg_model *s = of(m);
    int sh[2];
    (void)cond;
    (void)train;
    sh[0] = z ? z->shape[0] : 1;
    sh[1] = z ? (int)(z->numel / (size_t)sh[0]) : 1;
    return gan_stylegan_synthesis(ctx, &s->m.g_ema,
                                  gan_stylegan_mapping(ctx, &s->m.g_ema, nn_reshape(ctx, z, 2, sh), 1.0f, 0, 0),
                                  GAN_SG_NOISE_CONST, NULL);
}

gan_stylegan_g *gan_stylegan_model_g(const gan_family *f, gan_model *m)
{
    return f == &gan_family_stylegan && m ? &of(m)->m.g_ema : NULL;
}

const gan_family gan_family_stylegan = {
    "stylegan",
    "StyleGAN2: images from a latent through a mapping and a style-modulated synthesis",
    "NVlabs/stylegan2-ada-pytorch (Karras et al. 2020): skip G, resnet D, StyleGAN2Loss with lazy R1 and path "
    "length",
    GAN_DATA_IMAGES,
    options, N_OPTIONS,
    losses, 5,
    16,
    50,
    NULL, create, destroy, geometry, init_weights,
    train_begin, train_step, parts, rngs, inference, generate,
};
