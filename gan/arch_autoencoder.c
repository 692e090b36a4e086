/* gan: the autoencoder as a model family (the table the run loop and the
 * generic commands use). The model and its step are gan/autoencoder.c;
 * this file maps them to the family interface of gan/gan.h. A
 * reconstruction family: images in, latent 0, so the loop hands each batch
 * as its own condition (b->cond = b->x) and draws rows of input | output. */
#include "gan.h"

#include <stdlib.h>

enum { O_WIDTH, O_HEIGHT, O_CHANNELS, O_NF, O_DEPTH, O_POOL, O_DROPOUT, O_LOSS, O_LR, O_BETA1, N_OPTIONS };

static const gan_option options[N_OPTIONS] = {
    { "--width", "width", "image width, a multiple of 2^depth (default 64; --size WxH sets both)", GAN_OPT_INT, 2,
      4096, 64, NULL, 1 },
    { "--height", "height", "image height, a multiple of 2^depth (default 64)", GAN_OPT_INT, 2, 4096, 64, NULL, 1 },
    { "--channels", "channels", "1 (grey) or 3 (colour) (default 3)", GAN_OPT_INT, 1, 3, 3, NULL, 1 },
    { "--nf", "nf", "base width: stage i has nf min(2^i, 8) channels (default 64, pix2pix's ngf)", GAN_OPT_INT, 1,
      4096, 64, NULL, 1 },
    { "--depth", "depth", "down stages (default: halve until the smaller side is 4)", GAN_OPT_INT, 0,
      GAN_AE_MAX_DEPTH, 0, NULL, 1 },
    { "--pool", "pool", "3x3 convs and 2x2 max-pools instead of stride-2 convs", GAN_OPT_FLAG, 0, 1, 0, NULL, 1 },
    { "--dropout", "dropout", "dropout after each encoder stage in training (default 0)", GAN_OPT_FLOAT, 0, 0.99,
      0, NULL, 0 },
    { "--loss", "loss", "the trained loss (default l1, pix2pix's reconstruction term)", GAN_OPT_CHOICE, 0, 1, 0,
      "l1|mse", 0 },
    { "--lr", "lr", "Adam learning rate (default 2e-4, pix2pix's)", GAN_OPT_FLOAT, 1e-9, 0.999999, 2e-4, NULL, 0 },
    { "--beta1", "beta1", "Adam beta1 (default 0.5, pix2pix's)", GAN_OPT_FLOAT, 0, 0.999999, 0.5, NULL, 0 },
};

/* Both measures of every step; --loss says which one is trained. */
static const gan_loss_col losses[2] = { { "l1", "L1" }, { "mse", "MSE" } };

typedef struct ae_model {
    gan_autoencoder m;
    gan_autoencoder_trainer t;
    int training;
} ae_model;

static ae_model *of(gan_model *m) { return (ae_model *)(void *)m; }

static void resolve(gan_values *v)
{
    if (v->v[O_DEPTH] == 0) v->v[O_DEPTH] = gan_autoencoder_default_depth((int)v->v[O_WIDTH], (int)v->v[O_HEIGHT]);
}

/* About the parameter count (the convs' k^2 in out), to refuse a model
 * that cannot fit before allocating it. */
static double param_estimate(const gan_autoencoder_config *c)
{
    double s = 0, in = c->channels;
    int i;
    for (i = 0; i < c->depth; i++) {
        double out = (double)c->nf * (i < 3 ? 1 << i : 8);
        s += 32.0 * in * out;
        in = out;
    }
    return s;
}

static int create(const gan_values *v, gan_model **out, g99_error *err)
{
    ae_model *a;
    gan_autoencoder_config c;
    int rc;
    c.width = (int)v->v[O_WIDTH];
    c.height = (int)v->v[O_HEIGHT];
    c.channels = (int)v->v[O_CHANNELS];
    c.nf = (int)v->v[O_NF];
    c.depth = (int)v->v[O_DEPTH];
    c.pool = v->v[O_POOL] != 0;
    *out = NULL;
    if ((rc = gan_autoencoder_check_config(&c, err)) != 0) return rc;
    if (!c.depth) c.depth = gan_autoencoder_default_depth(c.width, c.height);
    if (param_estimate(&c) > 1e9)
        return g99_fail(err, G99_EINVAL, "autoencoder: --nf %d with --depth %d makes about %.3g parameters; the "
                        "limit is 1e9", c.nf, c.depth, param_estimate(&c));
    a = (ae_model *)calloc(1, sizeof *a);
    if (!a) return g99_fail(err, G99_ENOMEM, "out of memory");
    if ((rc = gan_autoencoder_init(&a->m, &c, err)) != 0) {
        free(a);
        return rc;
    }
    *out = (gan_model *)(void *)a;
    return 0;
}

static void destroy(gan_model *m)
{
    ae_model *a = of(m);
    if (!a) return;
    if (a->training) gan_autoencoder_trainer_free(&a->t);
    gan_autoencoder_free(&a->m);
    free(a);
}

static void geometry(const gan_model *m, gan_geometry *g)
{
    const gan_autoencoder_config *c = &((const ae_model *)(const void *)m)->m.cfg;
    g->width = c->width;
    g->height = c->height;
    g->channels = c->channels;
    g->cond_channels = c->channels;   /* the input is the image itself */
    g->latent = 0;
}

static void init_weights(gan_model *m, uint64_t seed)
{
    nn_rng init;
    nn_rng_init(&init, seed, NN_STREAM_INIT);
    gan_autoencoder_weights_init(&of(m)->m, &init);
}

static int train_begin(gan_model *m, const gan_values *v, int batch, uint64_t seed, nn_ctx *ctx, g99_error *err)
{
    ae_model *a = of(m);
    int rc;
    (void)batch;
    rc = gan_autoencoder_trainer_init(&a->t, &a->m, (float)v->v[O_LR], (float)v->v[O_BETA1], (int)v->v[O_LOSS],
                                      (float)v->v[O_DROPOUT], seed, ctx, err);
    a->training = rc == 0;
    return rc;
}

static int train_step(gan_model *m, const gan_batch *b, float *out, g99_error *err)
{
    return gan_autoencoder_train_step(&of(m)->t, b->cond, b->x, b->n, out, err);
}

static int parts(gan_model *m, nn_checkpoint_part *p, int max)
{
    ae_model *a = of(m);
    if (max < 1) return 0;
    memset(p, 0, sizeof *p);
    p[0].prefix = "G.";
    p[0].p = &a->m.p;
    p[0].adam = a->training ? &a->t.adam : NULL;
    return 1;
}

static int rngs(gan_model *m, nn_rng **r, int max)
{
    ae_model *a = of(m);
    if (max < 1 || !a->training) return 0;
    r[0] = &a->t.dropout;
    return 1;
}

static nn_params *inference(gan_model *m) { return &of(m)->m.p; }

/* The rows show the network without dropout (a training regularizer), with
 * batch statistics when train is set. */
static nn_tensor *generate(gan_model *m, nn_ctx *ctx, nn_tensor *z, nn_tensor *cond, int train)
{
    (void)z;
    return gan_autoencoder_forward(ctx, &of(m)->m, cond, train, NULL);
}

const gan_family gan_family_autoencoder = {
    "autoencoder",
    "encoder-decoder: images back from a small code (L1)",
    "pix2pix's encoder-decoder without skips as an autoencoder (doc/models.md §2.2); the reference has no epoch "
    "count, 50 is gan99's choice",
    GAN_DATA_IMAGES,
    options, N_OPTIONS,
    losses, 2,
    64,
    50,
    resolve, create, destroy, geometry, init_weights,
    train_begin, train_step, parts, rngs, inference, generate,
};
