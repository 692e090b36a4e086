/* gan: SPADE (GauGAN) as a model family (the table the run loop and the
 * generic commands use). The networks are gan/spade.c, the training
 * iteration gan/train_spade.c; this file maps between them and the family
 * interface of gan/gan.h, and adds the reference's learning-rate schedule
 * (niter epochs at lr, then niter_decay epochs of linear decay).
 *
 * The flags are NVlabs/SPADE's (train and base options) at a CPU size:
 * 64x64 and ngf = ndf = 16 where the reference trains 256x256 with 64. The
 * map is the one-hot of `classes` labels with no dontcare label and no
 * instance edges (the reference's --no_instance, as there are no instance
 * maps). model.safetensors is G under the reference's keys (and with
 * --use-vae the encoder E under "E.", gan_model_tables); a checkpoint holds
 * G and D (spectral norm's u and v and batch norm's statistics are buffers
 * of their tables), E, their Adams and the z (and eps) generators. The
 * loss columns depend on the options (KLD with --use-vae, VGG with --vgg):
 * gan_spade_loss_cols. */
#include "gan.h"

#include <stdlib.h>
#include <string.h>

enum {
    O_SIZE, O_CLASSES, O_NGF, O_NDF, O_NHIDDEN, O_ZDIM, O_SCHEDULE, O_NORM, O_NUM_D, O_N_LAYERS_D,
    O_LAMBDA_FEAT, O_LR, O_NO_TTUR, O_BETA1, O_BETA2, O_NITER, O_NITER_DECAY, O_USE_VAE, O_NEF, O_LAMBDA_KLD,
    O_LAMBDA_VGG, N_OPTIONS
};

/* --use-vae without --z-dim: the reference's 256 is a GPU size; 64 keeps
 * G's fc (z_dim -> 16 ngf 2 2) and E's fc_mu / fc_var small at ngf 16. */
#define VAE_Z_DIM 64

static const gan_option options[N_OPTIONS] = {
    { "--size", "size", "square image size, a multiple of 32 (normal) or 64 (more) (default 64; the reference "
      "crops 256)", GAN_OPT_INT, 32, 4096, 64, NULL, 1 },
    { "--classes", "classes", "label classes of the maps, 1..255 (default the --palette file's colours, else 7, "
      "the synthetic faces' parts; the reference's label_nc)", GAN_OPT_INT, 1, 255, 7, NULL, 1 },
    { "--ngf", "ngf", "G's width (default 16; the reference's 64)", GAN_OPT_INT, 1, 1024, 16, NULL, 1 },
    { "--ndf", "ndf", "D's width (default 16; the reference's 64)", GAN_OPT_INT, 1, 512, 16, NULL, 1 },
    { "--nhidden", "nhidden", "the SPADE layers' hidden width (default 128, as the reference hard-codes)",
      GAN_OPT_INT, 1, 1024, 128, NULL, 1 },
    { "--z-dim", "z_dim", "latent size, 0: G starts from the downsampled map (default 0, the reference without "
      "--use_vae; with --use-vae 64, where the reference takes 256)", GAN_OPT_INT, 0, 4096, 0, NULL, 1 },
    { "--schedule", "num_upsampling_layers", "upsampling schedule: normal (5 ups) or more (6) (default normal)",
      GAN_OPT_CHOICE, 0, 1, 0, "normal|more", 1 },
    { "--norm", "norm", "G's parameter-free norm in SPADE: batch (spectralspadebatch3x3) or instance (default "
      "batch)", GAN_OPT_CHOICE, 0, 1, 0, "batch|instance", 1 },
    { "--num-D", "num_D", "discriminator scales (default 2)", GAN_OPT_INT, 1, GAN_SPADE_MAX_D, 2, NULL, 1 },
    { "--n-layers-D", "n_layers_D", "layers of each discriminator (default 4)", GAN_OPT_INT, 1,
      GAN_SPADE_MAX_DLAYERS - 1, 4, NULL, 1 },
    { "--lambda-feat", "lambda_feat", "weight of the feature-matching loss, 0 off (default 10)", GAN_OPT_FLOAT, 0,
      1e5, 10, NULL, 0 },
    { "--lr", "lr", "Adam learning rate; TTUR gives G lr/2 and D 2 lr (default 2e-4)", GAN_OPT_FLOAT, 1e-9,
      0.999999, 2e-4, NULL, 0 },
    { "--no-ttur", "no_TTUR", "G and D both at lr with (beta1, beta2); TTUR's betas are (0, 0.9)", GAN_OPT_FLAG, 0,
      1, 0, NULL, 0 },
    { "--beta1", "beta1", "Adam beta1 under --no-ttur (default 0.5)", GAN_OPT_FLOAT, 0, 0.999999, 0.5, NULL, 0 },
    { "--beta2", "beta2", "Adam beta2 under --no-ttur (default 0.999)", GAN_OPT_FLOAT, 0, 0.999999, 0.999, NULL, 0 },
    { "--niter", "niter", "epochs at the initial learning rate (default 50)", GAN_OPT_INT, 0, 1e6, 50, NULL, 0 },
    { "--niter-decay", "niter_decay", "epochs of linear decay to 0 after niter (default 0)", GAN_OPT_INT, 0, 1e6, 0,
      NULL, 0 },
    { "--use-vae", "use_vae", "train the ConvEncoder E with the KL term: z from a photo (gan99 paint --style); "
      "needs a latent (--z-dim 0 becomes 64)", GAN_OPT_FLAG, 0, 1, 0, NULL, 1 },
    { "--nef", "nef", "E's width under --use-vae, 0: ngf (default 0, the reference's ngf)", GAN_OPT_INT, 0, 1024, 0,
      NULL, 1 },
    { "--lambda-kld", "lambda_kld", "weight of the KL term under --use-vae (default 0.05)", GAN_OPT_FLOAT, 0, 1e5,
      0.05, NULL, 0 },
    { "--lambda-vgg", "lambda_vgg", "weight of the VGG loss under --vgg (default 10)", GAN_OPT_FLOAT, 0, 1e5, 10,
      NULL, 0 },
};

/* Pix2PixModel's loss names, in get_latest_losses' order (the G losses in
 * the order compute_generator_loss makes them, KLD first, then D's); the
 * family's table is the plain run's, gan_spade_loss_cols a model's. */
static const gan_loss_col losses[4] = {
    { "GAN", "GAN" }, { "GAN_Feat", "GAN_Feat" }, { "D_Fake", "D_Fake" }, { "D_real", "D_real" },
};
static const gan_loss_col losses_vae[5] = {
    { "KLD", "KLD" }, { "GAN", "GAN" }, { "GAN_Feat", "GAN_Feat" }, { "D_Fake", "D_Fake" }, { "D_real", "D_real" },
};
static const gan_loss_col losses_vgg[5] = {
    { "GAN", "GAN" }, { "GAN_Feat", "GAN_Feat" }, { "VGG", "VGG" }, { "D_Fake", "D_Fake" }, { "D_real", "D_real" },
};
static const gan_loss_col losses_vae_vgg[6] = {
    { "KLD", "KLD" }, { "GAN", "GAN" }, { "GAN_Feat", "GAN_Feat" }, { "VGG", "VGG" }, { "D_Fake", "D_Fake" },
    { "D_real", "D_real" },
};

typedef struct spade_model {
    gan_spade m;
    gan_spade_trainer t;
    int training;
    double lr;                /* opt.lr */
    int niter, niter_decay;
    char *vgg_path;           /* --vgg FILE (gan_spade_set_vgg), or NULL */
} spade_model;

static spade_model *of(gan_model *m) { return (spade_model *)(void *)m; }

static void config_of(const gan_values *v, gan_spade_config *c)
{
    gan_spade_config_defaults(c);
    c->size = (int)v->v[O_SIZE];
    c->classes = (int)v->v[O_CLASSES];
    c->ngf = (int)v->v[O_NGF];
    c->ndf = (int)v->v[O_NDF];
    c->nhidden = (int)v->v[O_NHIDDEN];
    c->z_dim = (int)v->v[O_ZDIM];
    c->schedule = (int)v->v[O_SCHEDULE] == 1 ? GAN_SPADE_MORE : GAN_SPADE_NORMAL;
    c->norm = (int)v->v[O_NORM] == 1 ? NN_SPADE_INSTANCE : NN_SPADE_BATCH;
    c->num_d = (int)v->v[O_NUM_D];
    c->n_layers_d = (int)v->v[O_N_LAYERS_D];
    c->use_vae = v->v[O_USE_VAE] != 0;
    c->nef = (int)v->v[O_NEF];
}

/* --use-vae needs a latent: z_dim 0 (the default) becomes VAE_Z_DIM. A
 * stored use_vae model always has z_dim > 0, so loading keeps its value. */
static void resolve(gan_values *v)
{
    if (v->v[O_USE_VAE] != 0 && v->v[O_ZDIM] == 0) v->v[O_ZDIM] = VAE_Z_DIM;
}

/* G and D's parameters, roughly (3x3 convs of the blocks and the SPADE
 * layers' 3x3 convs dominate), to refuse a model that cannot fit before
 * allocating it. */
static double param_estimate(const gan_spade_config *c)
{
    static const int mult[GAN_SPADE_BLOCKS + 1] = { 16, 16, 16, 16, 8, 4, 2, 1 };
    double nf = c->ngf, nh = c->nhidden, g = 0, d = 0, w = c->ndf;
    int i;
    for (i = 0; i < GAN_SPADE_BLOCKS; i++) {
        double fin = mult[i] * nf, fout = mult[i + 1] * nf, fmid = fin < fout ? fin : fout;
        g += 9.0 * (fin * fmid + fmid * fout + fin * fout);
        g += 3.0 * 9.0 * (c->classes * nh + 2.0 * nh * fin);
    }
    for (i = 0; i < c->n_layers_d; i++, w = w * 2 < 512 ? w * 2 : 512) d += 16.0 * 4.0 * w * w;
    if (c->use_vae) {   /* E: 3x3 convs nef x 1 2 4 8 8 8, fc_mu and fc_var from 8 nef 4 4 */
        double ne = c->nef ? c->nef : c->ngf;
        g += 9.0 * ne * (3 + 2 * ne + 8 * ne + 32 * ne + 64 * ne + 64 * ne) + 2.0 * 128.0 * ne * c->z_dim;
    }
    return g + c->num_d * d;
}

static int create(const gan_values *v, gan_model **out, g99_error *err)
{
    spade_model *s;
    gan_spade_config c;
    int rc;
    *out = NULL;
    config_of(v, &c);
    if ((rc = gan_spade_check_config(&c, err)) != 0) return rc;
    if (param_estimate(&c) > 1e9)
        return g99_fail(err, G99_EINVAL, "spade: --ngf %d --ndf %d --nhidden %d make about %.3g parameters; the limit "
                        "is 1e9", c.ngf, c.ndf, c.nhidden, param_estimate(&c));
    s = (spade_model *)calloc(1, sizeof *s);
    if (!s) return g99_fail(err, G99_ENOMEM, "out of memory");
    if ((rc = gan_spade_init(&s->m, &c, err)) != 0) {
        free(s);
        return rc;
    }
    *out = (gan_model *)(void *)s;
    return 0;
}

static void destroy(gan_model *m)
{
    spade_model *s = of(m);
    if (!s) return;
    if (s->training) gan_spade_trainer_free(&s->t);
    gan_spade_free(&s->m);
    free(s->vgg_path);
    free(s);
}

/* A conditional family: no latent in the geometry even when z_dim > 0 (z
 * is drawn inside, see generate); the condition is the one-hot map. */
static void geometry(const gan_model *m, gan_geometry *g)
{
    const gan_spade_config *c = &((const spade_model *)(const void *)m)->m.cfg;
    g->width = g->height = c->size;
    g->channels = 3;
    g->cond_channels = c->classes;
    g->latent = 0;
}

static void init_weights(gan_model *m, uint64_t seed)
{
    nn_rng init;
    nn_rng_init(&init, seed, NN_STREAM_INIT);
    gan_spade_weights_init(&of(m)->m, &init);
}

static int train_begin(gan_model *m, const gan_values *v, int batch, uint64_t seed, nn_ctx *ctx, g99_error *err)
{
    spade_model *s = of(m);
    gan_spade_train_opts o;
    int rc;
    (void)batch;
    gan_spade_train_defaults(&o);
    o.lr = (float)v->v[O_LR];
    o.no_ttur = v->v[O_NO_TTUR] != 0;
    o.beta1 = (float)v->v[O_BETA1];
    o.beta2 = (float)v->v[O_BETA2];
    o.lambda_feat = (float)v->v[O_LAMBDA_FEAT];
    o.lambda_kld = (float)v->v[O_LAMBDA_KLD];
    o.lambda_vgg = (float)v->v[O_LAMBDA_VGG];
    o.vgg_path = s->vgg_path;
    s->lr = v->v[O_LR];
    s->niter = (int)v->v[O_NITER];
    s->niter_decay = (int)v->v[O_NITER_DECAY];
    rc = gan_spade_trainer_init(&s->t, &s->m, &o, seed, ctx, err);
    s->training = rc == 0;
    return rc;
}

/* Pix2PixTrainer.update_learning_rate runs after every epoch (1-based)
 * and takes lr / niter_decay off old_lr after each epoch past niter; in
 * epoch e (0-based) old_lr has lost it e - niter times. Repeated as the
 * reference does (subtractions in double), then TTUR's split. */
static void set_lr(spade_model *s, uint64_t epoch)
{
    double lr = s->lr;
    uint64_t k;
    if (s->niter_decay <= 0 || epoch <= (uint64_t)s->niter) return;
    for (k = (uint64_t)s->niter + 1; k <= epoch; k++) lr -= s->lr / s->niter_decay;
    if (s->t.o.no_ttur) s->t.opt_g.lr = s->t.opt_d.lr = (float)lr;
    else {
        s->t.opt_g.lr = (float)(lr / 2);
        s->t.opt_d.lr = (float)(lr * 2);
    }
    s->t.opt_e.lr = s->t.opt_g.lr;   /* the reference's G optimizer holds E's parameters too */
}

static int train_step(gan_model *m, const gan_batch *b, float *out, g99_error *err)
{
    spade_model *s = of(m);
    gan_spade_losses l;
    int rc;
    set_lr(s, b->epoch);
    if ((rc = gan_spade_train_step(&s->t, b->cond, b->x, b->n, &l, err)) != 0) return rc;
    if (s->m.cfg.use_vae) *out++ = l.kld;
    *out++ = l.g_gan;
    *out++ = l.g_feat;
    if (s->vgg_path) *out++ = l.g_vgg;
    *out++ = l.d_fake;
    *out = l.d_real;
    return 0;
}

static int parts(gan_model *m, nn_checkpoint_part *p, int max)
{
    spade_model *s = of(m);
    if (max < 2) return 0;
    memset(p, 0, 2 * sizeof *p);
    p[0].prefix = "G.";
    p[0].p = &s->m.g;
    p[0].adam = s->training ? &s->t.opt_g : NULL;
    p[1].prefix = "D.";
    p[1].p = &s->m.d;
    p[1].adam = s->training ? &s->t.opt_d : NULL;
    if (!s->m.cfg.use_vae) return 2;
    if (max < 3) return 0;
    memset(p + 2, 0, sizeof *p);
    p[2].prefix = "E.";
    p[2].p = &s->m.e;
    p[2].adam = s->training ? &s->t.opt_e : NULL;
    return 3;
}

static int rngs(gan_model *m, nn_rng **r, int max)
{
    spade_model *s = of(m);
    if (max < 2 || !s->training) return 0;
    r[0] = &s->t.z;
    if (!s->m.cfg.use_vae) return 1;
    r[1] = &s->t.eps;
    return 2;
}

static nn_tensor *inference_g(gan_model *m, nn_ctx *ctx, nn_tensor *z, nn_tensor *cond, int train);

static nn_params *inference(gan_model *m) { return &of(m)->m.g; }

/* G on the map; a model with z_dim > 0 given no z takes seed 0's latents
 * (gan_latent_normal), so the training grids and `gan99 paint --seed 0`
 * draw the same faces. */
static nn_tensor *inference_g(gan_model *m, nn_ctx *ctx, nn_tensor *z, nn_tensor *cond, int train)
{
    spade_model *s = of(m);
    int zs[2];
    if (s->m.cfg.z_dim > 0 && !z && cond && cond->ndim == 4) {
        zs[0] = cond->shape[0];
        zs[1] = s->m.cfg.z_dim;
        z = nn_tensor_new(ctx, 2, zs);
        if (!z) return NULL;
        gan_latent_normal(0, zs[0] * zs[1], z->data);
    }
    return gan_spade_generate(ctx, &s->m, cond, z, train);
}

gan_spade *gan_spade_model(const gan_family *f, gan_model *m)
{
    return f == &gan_family_spade && m ? &of(m)->m : NULL;
}

int gan_spade_loss_cols(const gan_family *f, gan_model *m, const gan_loss_col **cols)
{
    spade_model *s;
    if (f != &gan_family_spade || !m) return 0;
    s = of(m);
    if (s->m.cfg.use_vae) *cols = s->vgg_path ? losses_vae_vgg : losses_vae;
    else *cols = s->vgg_path ? losses_vgg : losses;
    return 4 + (s->m.cfg.use_vae != 0) + (s->vgg_path != NULL);
}

int gan_spade_set_vgg(const gan_family *f, gan_model *m, const char *path, g99_error *err)
{
    spade_model *s;
    char *copy;
    if (f != &gan_family_spade || !m)
        return g99_fail(err, G99_EINVAL, "--vgg: %s models have no VGG loss (spade has)", f ? f->name : "these");
    s = of(m);
    if (s->training) return g99_fail(err, G99_EINVAL, "--vgg: set before training begins");
    copy = path ? (char *)malloc(strlen(path) + 1) : NULL;
    if (path && !copy) return g99_fail(err, G99_ENOMEM, "out of memory");
    if (copy) memcpy(copy, path, strlen(path) + 1);
    free(s->vgg_path);
    s->vgg_path = copy;
    return 0;
}

const gan_family gan_family_spade = {
    "spade",
    "SPADE (GauGAN): a face from a label map (SPADE ResNet G, multi-scale PatchGAN D)",
    "NVlabs/SPADE (Park et al. 2019): Pix2PixModel + Pix2PixTrainer, hinge loss, feature matching, TTUR",
    GAN_DATA_LABELS,
    options, N_OPTIONS,
    losses, 4,
    1,
    50,
    resolve, create, destroy, geometry, init_weights,
    train_begin, train_step, parts, rngs, inference, inference_g,
};
