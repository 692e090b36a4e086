/* gan: DCGAN as a model family (the table the run loop and the generic
 * commands use). The model is gan/dcgan.c, the training step
 * gan/train_dcgan.c; this file only maps between them and the family
 * interface of gan/gan.h. */
#include "gan.h"

#include <stdlib.h>

enum { O_SIZE, O_NZ, O_NGF, O_NDF, O_NC, O_LR, O_BETA1, N_OPTIONS };

/* pytorch/examples dcgan/main.py's flags and defaults; lr and beta1 follow
 * the size (the 28x28 variant is the TensorFlow tutorial's). */
static const gan_option options[N_OPTIONS] = {
    { "--size", "size", "image size: 64, 32 or 28 (default 64)", GAN_OPT_INT, 28, 64, 64, NULL, 1 },
    { "--nz", "nz", "latent size (default 100)", GAN_OPT_INT, 1, 65536, 100, NULL, 1 },
    { "--ngf", "ngf", "G's width (default 64)", GAN_OPT_INT, 1, 65536, 64, NULL, 1 },
    { "--ndf", "ndf", "D's width (default 64)", GAN_OPT_INT, 1, 65536, 64, NULL, 1 },
    { "--channels", "nc", "1 (grey) or 3 (colour) (default 3)", GAN_OPT_INT, 1, 3, 3, NULL, 1 },
    { "--lr", "lr", "Adam learning rate (default 2e-4; 1e-4 at 28)", GAN_OPT_FLOAT, 1e-9, 0.999999, 0, NULL, 0 },
    { "--beta1", "beta1", "Adam beta1 (default 0.5; 0.9 at 28)", GAN_OPT_FLOAT, 0, 0.999999, -1, NULL, 0 },
};

/* What the reference prints per step: Loss_D, Loss_G, D(x), D(G(z)) twice. */
static const gan_loss_col losses[5] = {
    { "loss_d", "D" }, { "loss_g", "G" }, { "d_x", NULL }, { "d_g_z1", NULL }, { "d_g_z2", NULL },
};

typedef struct dcgan_model {
    gan_dcgan m;
    gan_dcgan_trainer t;
    int training;
} dcgan_model;

static dcgan_model *of(gan_model *m) { return (dcgan_model *)(void *)m; }

static void resolve(gan_values *v)
{
    float lr, beta1;
    gan_dcgan_train_defaults((int)v->v[O_SIZE], &lr, &beta1);
    if (!(v->v[O_LR] > 0)) v->v[O_LR] = lr;
    if (v->v[O_BETA1] < 0) v->v[O_BETA1] = beta1;
}

/* Roughly the parameter count, to refuse a model that cannot fit before
 * allocating it (G's and D's biggest terms; exact enough for a limit). */
static double param_estimate(const gan_dcgan_config *c)
{
    double g = c->ngf, d = c->ndf, z = c->nz;
    if (c->size == 28) return 196.0 * g * z + 250.0 * g * g + 25.0 * d * d * 2 + 98.0 * d;
    return 16.0 * (8.0 * g * z + 32.0 * g * g + 8.0 * g * g + 2.0 * g * g) + 16.0 * (32.0 * d * d + 8.0 * d * d + 2.0 * d * d + 8.0 * d);
}

static int create(const gan_values *v, gan_model **out, g99_error *err)
{
    dcgan_model *d;
    gan_dcgan_config c;
    int rc;
    c.size = (int)v->v[O_SIZE];
    c.nz = (int)v->v[O_NZ];
    c.ngf = (int)v->v[O_NGF];
    c.ndf = (int)v->v[O_NDF];
    c.nc = (int)v->v[O_NC];
    *out = NULL;
    if (c.nc == 2) return g99_fail(err, G99_EINVAL, "dcgan: --channels is 1 or 3, not 2");
    if ((rc = gan_dcgan_check_config(&c, err)) != 0) return rc;
    if (param_estimate(&c) > 1e9)
        return g99_fail(err, G99_EINVAL, "dcgan: --nz %d --ngf %d --ndf %d make about %.3g parameters (%.3g GB); "
                        "the limit is 1e9", c.nz, c.ngf, c.ndf, param_estimate(&c), param_estimate(&c) * 8e-9);
    d = (dcgan_model *)calloc(1, sizeof *d);
    if (!d) return g99_fail(err, G99_ENOMEM, "out of memory");
    if ((rc = gan_dcgan_init(&d->m, &c, err)) != 0) {
        free(d);
        return rc;
    }
    *out = (gan_model *)(void *)d;
    return 0;
}

static void destroy(gan_model *m)
{
    dcgan_model *d = of(m);
    if (!d) return;
    if (d->training) gan_dcgan_trainer_free(&d->t);
    gan_dcgan_free(&d->m);
    free(d);
}

static void geometry(const gan_model *m, gan_geometry *g)
{
    const gan_dcgan_config *c = &((const dcgan_model *)(const void *)m)->m.cfg;
    g->width = g->height = c->size;
    g->channels = c->nc;
    g->cond_channels = 0;
    g->latent = c->nz;
}

static void init_weights(gan_model *m, uint64_t seed)
{
    nn_rng init;
    nn_rng_init(&init, seed, NN_STREAM_INIT);
    gan_dcgan_weights_init(&of(m)->m, &init);
}

static int train_begin(gan_model *m, const gan_values *v, int batch, uint64_t seed, nn_ctx *ctx, g99_error *err)
{
    dcgan_model *d = of(m);
    int rc = gan_dcgan_trainer_init_ctx(&d->t, &d->m, batch, (float)v->v[O_LR], (float)v->v[O_BETA1], seed, ctx, err);
    d->training = rc == 0;
    return rc;
}

static int train_step(gan_model *m, const gan_batch *b, float *out, g99_error *err)
{
    gan_dcgan_losses l;
    int rc = gan_dcgan_train_step(&of(m)->t, b->x, &l, err);
    if (rc) return rc;
    out[0] = l.d_real + l.d_fake;
    out[1] = l.g;
    out[2] = l.d_x;
    out[3] = l.d_g_z1;
    out[4] = l.d_g_z2;
    return 0;
}

static int parts(gan_model *m, nn_checkpoint_part *p, int max)
{
    dcgan_model *d = of(m);
    if (max < 2) return 0;
    memset(p, 0, 2 * sizeof *p);
    p[0].prefix = "G.";
    p[0].p = &d->m.g;
    p[0].adam = d->training ? &d->t.opt_g : NULL;
    p[1].prefix = "D.";
    p[1].p = &d->m.d;
    p[1].adam = d->training ? &d->t.opt_d : NULL;
    return 2;
}

static int rngs(gan_model *m, nn_rng **r, int max)
{
    dcgan_model *d = of(m);
    if (max < 2 || !d->training) return 0;
    r[0] = &d->t.noise;
    r[1] = &d->t.dropout;
    return 2;
}

static nn_params *inference(gan_model *m) { return &of(m)->m.g; }

static nn_tensor *generate(gan_model *m, nn_ctx *ctx, nn_tensor *z, nn_tensor *cond, int train)
{
    int s[4];
    (void)cond;
    s[0] = z ? z->shape[0] : 1;
    s[1] = z && z->ndim > 1 ? z->shape[1] : 1;
    s[2] = s[3] = 1;
    return gan_dcgan_generate(ctx, &of(m)->m, nn_reshape(ctx, z, 4, s), train);
}

const gan_family gan_family_dcgan = {
    "dcgan",
    "DCGAN: images from a latent vector",
    "pytorch/examples dcgan/main.py (Radford et al. 2015); 28x28: the TensorFlow DCGAN tutorial",
    GAN_DATA_IMAGES,
    options, N_OPTIONS,
    losses, 5,
    64,
    25,
    resolve, create, destroy, geometry, init_weights,
    train_begin, train_step, parts, rngs, inference, generate,
};
