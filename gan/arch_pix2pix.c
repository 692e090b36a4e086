/* gan: pix2pix as a model family (the table the run loop and the generic
 * commands use). The model is gan/pix2pix.c, the training step
 * gan/train_pix2pix.c; this file maps between them and the family
 * interface of gan/gan.h. */
#include "gan.h"

#include <stdlib.h>

enum {
    O_WIDTH, O_HEIGHT, O_INPUT_NC, O_OUTPUT_NC, O_NGF, O_NDF, O_NUM_DOWNS, O_NETD, O_N_LAYERS_D, O_NORM, O_NO_DROPOUT,
    O_GAN_MODE, O_LAMBDA_L1, O_LR, O_BETA1, O_N_EPOCHS, O_N_EPOCHS_DECAY, N_OPTIONS
};

/* The reference's flags and defaults (train and base options), but a CPU
 * size: 64x64 instead of its 256 crops. */
static const gan_option options[N_OPTIONS] = {
    { "--width", "width", "image width, a multiple of 2^num_downs (default 64; the reference crops 256)",
      GAN_OPT_INT, 4, 4096, 64, NULL, 1 },
    { "--height", "height", "image height, a multiple of 2^num_downs (default 64)", GAN_OPT_INT, 4, 4096, 64, NULL, 1 },
    { "--input-nc", "input_nc", "channels of A, the input (default 3)", GAN_OPT_INT, 1, 4, 3, NULL, 1 },
    { "--output-nc", "output_nc", "channels of B, the output (default 3)", GAN_OPT_INT, 1, 4, 3, NULL, 1 },
    { "--ngf", "ngf", "G's width (default 64)", GAN_OPT_INT, 1, 4096, 64, NULL, 1 },
    { "--ndf", "ndf", "D's width (default 64)", GAN_OPT_INT, 1, 4096, 64, NULL, 1 },
    { "--num-downs", "num_downs", "U-Net downsamplings (default 0: down to 1x1; unet_256 is 8)", GAN_OPT_INT, 0,
      GAN_P2P_MAX_DOWNS, 0, NULL, 1 },
    { "--netD", "netD", "discriminator: basic (PatchGAN, 3 layers), n_layers or pixel (default basic)",
      GAN_OPT_CHOICE, 0, 2, 0, "basic|n_layers|pixel", 1 },
    { "--n-layers-D", "n_layers_D", "PatchGAN layers for --netD n_layers (default 3)", GAN_OPT_INT, 0,
      GAN_P2P_MAX_DLAYERS - 2, 3, NULL, 1 },
    { "--norm", "norm", "batch or instance norm (default batch)", GAN_OPT_CHOICE, 0, 1, 0, "batch|instance", 1 },
    { "--no-dropout", "no_dropout", "no dropout in G's decoder (default: dropout 0.5)", GAN_OPT_FLAG, 0, 1, 0, NULL,
      1 },
    { "--gan-mode", "gan_mode", "vanilla (BCE with logits) or lsgan (MSE) (default vanilla)", GAN_OPT_CHOICE, 0, 1, 0,
      "vanilla|lsgan", 0 },
    { "--lambda-L1", "lambda_L1", "weight of the L1 loss (default 100)", GAN_OPT_FLOAT, 0, 1e6, 100, NULL, 0 },
    { "--lr", "lr", "Adam learning rate (default 2e-4)", GAN_OPT_FLOAT, 1e-9, 0.999999, 2e-4, NULL, 0 },
    { "--beta1", "beta1", "Adam beta1 (default 0.5)", GAN_OPT_FLOAT, 0, 0.999999, 0.5, NULL, 0 },
    { "--n-epochs", "n_epochs", "epochs at the initial learning rate (default 100)", GAN_OPT_INT, 0, 1e6, 100, NULL,
      0 },
    { "--n-epochs-decay", "n_epochs_decay", "epochs of linear decay to 0 (default 100)", GAN_OPT_INT, 0, 1e6, 100,
      NULL, 0 },
};

/* Pix2PixModel's loss_names. */
static const gan_loss_col losses[4] = {
    { "G_GAN", "G_GAN" }, { "G_L1", "G_L1" }, { "D_real", "D_real" }, { "D_fake", "D_fake" },
};

typedef struct pix2pix_model {
    gan_pix2pix m;
    gan_pix2pix_trainer t;
    int training;
} pix2pix_model;

static pix2pix_model *of(gan_model *m) { return (pix2pix_model *)(void *)m; }

static void config_of(const gan_values *v, gan_pix2pix_config *c)
{
    memset(c, 0, sizeof *c);
    c->width = (int)v->v[O_WIDTH];
    c->height = (int)v->v[O_HEIGHT];
    c->input_nc = (int)v->v[O_INPUT_NC];
    c->output_nc = (int)v->v[O_OUTPUT_NC];
    c->ngf = (int)v->v[O_NGF];
    c->ndf = (int)v->v[O_NDF];
    c->num_downs = (int)v->v[O_NUM_DOWNS];
    c->netd = (int)v->v[O_NETD];
    c->n_layers_d = (int)v->v[O_N_LAYERS_D];
    c->norm = (int)v->v[O_NORM] == 1 ? GAN_NORM_INSTANCE : GAN_NORM_BATCH;
    c->no_dropout = v->v[O_NO_DROPOUT] != 0;
}

static void resolve(gan_values *v)
{
    gan_pix2pix_config c;
    config_of(v, &c);
    v->v[O_NUM_DOWNS] = gan_pix2pix_resolve(&c);
}

/* G's parameters, roughly (its 8ngf levels dominate), to refuse a model
 * that cannot fit before allocating it. */
static double param_estimate(const gan_pix2pix_config *c)
{
    double g = c->ngf, d = c->ndf;
    return 16.0 * (3.0 * 64.0 * g * g * c->num_downs + 21.0 * g * g) + 16.0 * (8.0 * 8.0 * d * d + 30.0 * d * d);
}

static int create(const gan_values *v, gan_model **out, g99_error *err)
{
    pix2pix_model *p;
    gan_pix2pix_config c;
    int rc;
    *out = NULL;
    config_of(v, &c);
    gan_pix2pix_resolve(&c);
    if ((rc = gan_pix2pix_check_config(&c, err)) != 0) return rc;
    if (param_estimate(&c) > 1e9)
        return g99_fail(err, G99_EINVAL, "pix2pix: --ngf %d --ndf %d --num-downs %d make about %.3g parameters; the "
                        "limit is 1e9", c.ngf, c.ndf, c.num_downs, param_estimate(&c));
    p = (pix2pix_model *)calloc(1, sizeof *p);
    if (!p) return g99_fail(err, G99_ENOMEM, "out of memory");
    if ((rc = gan_pix2pix_init(&p->m, &c, err)) != 0) {
        free(p);
        return rc;
    }
    *out = (gan_model *)(void *)p;
    return 0;
}

static void destroy(gan_model *m)
{
    pix2pix_model *p = of(m);
    if (!p) return;
    if (p->training) gan_pix2pix_trainer_free(&p->t);
    gan_pix2pix_free(&p->m);
    free(p);
}

static void geometry(const gan_model *m, gan_geometry *g)
{
    const gan_pix2pix_config *c = &((const pix2pix_model *)(const void *)m)->m.cfg;
    g->width = c->width;
    g->height = c->height;
    g->channels = c->output_nc;
    g->cond_channels = c->input_nc;
    g->latent = 0;
}

static void init_weights(gan_model *m, uint64_t seed)
{
    nn_rng init;
    nn_rng_init(&init, seed, NN_STREAM_INIT);
    gan_pix2pix_weights_init(&of(m)->m, &init);
}

static int train_begin(gan_model *m, const gan_values *v, int batch, uint64_t seed, nn_ctx *ctx, g99_error *err)
{
    pix2pix_model *p = of(m);
    gan_pix2pix_train_opts o;
    int rc;
    (void)batch;
    o.gan_mode = (int)v->v[O_GAN_MODE];
    o.lambda_l1 = (float)v->v[O_LAMBDA_L1];
    o.lr = (float)v->v[O_LR];
    o.beta1 = (float)v->v[O_BETA1];
    o.n_epochs = (int)v->v[O_N_EPOCHS];
    o.n_epochs_decay = (int)v->v[O_N_EPOCHS_DECAY];
    rc = gan_pix2pix_trainer_init(&p->t, &p->m, &o, seed, ctx, err);
    p->training = rc == 0;
    return rc;
}

static int train_step(gan_model *m, const gan_batch *b, float *out, g99_error *err)
{
    gan_pix2pix_losses l;
    int rc = gan_pix2pix_train_step(&of(m)->t, b->cond, b->x, b->n, b->epoch, &l, err);
    if (rc) return rc;
    out[0] = l.g_gan;
    out[1] = l.g_l1;
    out[2] = l.d_real;
    out[3] = l.d_fake;
    return 0;
}

static int parts(gan_model *m, nn_checkpoint_part *p, int max)
{
    pix2pix_model *x = of(m);
    if (max < 2) return 0;
    memset(p, 0, 2 * sizeof *p);
    p[0].prefix = "G.";
    p[0].p = &x->m.g;
    p[0].adam = x->training ? &x->t.opt_g : NULL;
    p[1].prefix = "D.";
    p[1].p = &x->m.d;
    p[1].adam = x->training ? &x->t.opt_d : NULL;
    return 2;
}

static int rngs(gan_model *m, nn_rng **r, int max)
{
    pix2pix_model *p = of(m);
    if (max < 1 || !p->training) return 0;
    r[0] = &p->t.dropout;
    return 1;
}

static nn_params *inference(gan_model *m) { return &of(m)->m.g; }

static nn_tensor *generate(gan_model *m, nn_ctx *ctx, nn_tensor *z, nn_tensor *cond, int train)
{
    (void)z;
    return gan_pix2pix_generate(ctx, &of(m)->m, cond, train);
}

const gan_family gan_family_pix2pix = {
    "pix2pix",
    "pix2pix: image-to-image translation (U-Net G, PatchGAN D)",
    "junyanz/pytorch-CycleGAN-and-pix2pix models/pix2pix_model.py (Isola et al. 2017)",
    GAN_DATA_PAIRS,
    options, N_OPTIONS,
    losses, 4,
    1,
    200,
    resolve, create, destroy, geometry, init_weights,
    train_begin, train_step, parts, rngs, inference, generate,
};
