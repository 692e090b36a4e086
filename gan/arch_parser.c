/* gan: the face parser as a model family (gan/parser.c is the model and
 * its step). Its kind is GAN_DATA_SEGMENTS: the run loop loads label-map
 * data (synth:N's part labels, or folders of maps and photos) and hands
 * the photo over as the batch's cond and the one-hot map as its x, so the
 * geometry has the classes as channels and the photo's channels as
 * cond_channels. generate gives the logits. */
#include "gan.h"

#include <stdlib.h>

enum { O_SIZE, O_INPUT_NC, O_CLASSES, O_NGF, O_NUM_DOWNS, O_NORM, O_LR, O_BETA1, O_N_EPOCHS, O_N_EPOCHS_DECAY, N_OPTIONS };

/* The U-Net's flags as pix2pix names them; Adam at torch's defaults (there
 * is no reference training recipe for this model: a plain classifier's),
 * with pix2pix's schedule (constant, then linearly down to 0). */
static const gan_option options[N_OPTIONS] = {
    { "--size", "size", "image width and height, a multiple of 2^num_downs (default 64)", GAN_OPT_INT, 4, 4096, 64,
      NULL, 1 },
    { "--input-nc", "input_nc", "channels of the photos (default 3)", GAN_OPT_INT, 1, 4, 3, NULL, 1 },
    { "--classes", "classes", "classes of the maps (default 7: the synthetic faces' parts)", GAN_OPT_INT, 1,
      GAN_PARSER_MAX_CLASSES, GAN_PART_COUNT, NULL, 1 },
    { "--ngf", "ngf", "the U-Net's width (default 32)", GAN_OPT_INT, 1, 4096, 32, NULL, 1 },
    { "--num-downs", "num_downs", "U-Net downsamplings (default 0: down to 1x1)", GAN_OPT_INT, 0, GAN_P2P_MAX_DOWNS,
      0, NULL, 1 },
    { "--norm", "norm", "batch or instance norm (default batch)", GAN_OPT_CHOICE, 0, 1, 0, "batch|instance", 1 },
    { "--lr", "lr", "Adam learning rate (default 1e-3)", GAN_OPT_FLOAT, 1e-9, 0.999999, 1e-3, NULL, 0 },
    { "--beta1", "beta1", "Adam beta1 (default 0.9)", GAN_OPT_FLOAT, 0, 0.999999, 0.9, NULL, 0 },
    { "--n-epochs", "n_epochs", "epochs at the initial learning rate (default 10)", GAN_OPT_INT, 0, 1e6, 10, NULL, 0 },
    { "--n-epochs-decay", "n_epochs_decay", "epochs of linear decay to 0 (default 10)", GAN_OPT_INT, 0, 1e6, 10,
      NULL, 0 },
};

static const gan_loss_col losses[1] = { { "CE", "CE" } };

typedef struct parser_model {
    gan_parser m;
    gan_parser_trainer t;
    uint8_t *labels;   /* the batch's class indices */
    gan_pix2pix_train_opts sched;   /* lr and its schedule (gan_pix2pix_lr_factor) */
    int training;
} parser_model;

static parser_model *of(gan_model *m) { return (parser_model *)(void *)m; }

static void config_of(const gan_values *v, gan_parser_config *c)
{
    memset(c, 0, sizeof *c);
    c->width = c->height = (int)v->v[O_SIZE];
    c->input_nc = (int)v->v[O_INPUT_NC];
    c->n_classes = (int)v->v[O_CLASSES];
    c->ngf = (int)v->v[O_NGF];
    c->num_downs = (int)v->v[O_NUM_DOWNS];
    c->norm = (int)v->v[O_NORM] == 1 ? GAN_NORM_INSTANCE : GAN_NORM_BATCH;
}

static void resolve(gan_values *v)
{
    gan_pix2pix_config u;
    memset(&u, 0, sizeof u);
    u.width = u.height = (int)v->v[O_SIZE];
    u.num_downs = (int)v->v[O_NUM_DOWNS];
    v->v[O_NUM_DOWNS] = gan_pix2pix_resolve(&u);
}

static int create(const gan_values *v, gan_model **out, g99_error *err)
{
    parser_model *p;
    gan_parser_config c;
    double g, est;
    int rc;
    *out = NULL;
    config_of(v, &c);
    /* the U-Net's parameters, roughly (its 8ngf levels dominate), to refuse
     * a model that cannot fit before allocating it */
    g = c.ngf;
    est = 16.0 * (3.0 * 64.0 * g * g * (c.num_downs ? c.num_downs : 12) + 21.0 * g * g + 2.0 * g * c.n_classes);
    if (est > 1e9)
        return g99_fail(err, G99_EINVAL, "parser: --ngf %d makes about %.3g parameters; the limit is 1e9", c.ngf, est);
    p = (parser_model *)calloc(1, sizeof *p);
    if (!p) return g99_fail(err, G99_ENOMEM, "out of memory");
    if ((rc = gan_parser_init(&p->m, &c, err)) != 0) {
        free(p);
        return rc;
    }
    *out = (gan_model *)(void *)p;
    return 0;
}

static void destroy(gan_model *m)
{
    parser_model *p = of(m);
    if (!p) return;
    if (p->training) gan_parser_trainer_free(&p->t);
    free(p->labels);
    gan_parser_free(&p->m);
    free(p);
}

static void geometry(const gan_model *m, gan_geometry *g)
{
    const gan_parser_config *c = &((const parser_model *)(const void *)m)->m.cfg;
    g->width = c->width;
    g->height = c->height;
    g->channels = c->n_classes;
    g->cond_channels = c->input_nc;
    g->latent = 0;
}

static void init_weights(gan_model *m, uint64_t seed)
{
    nn_rng init;
    nn_rng_init(&init, seed, NN_STREAM_INIT);
    gan_parser_weights_init(&of(m)->m, &init);
}

static int train_begin(gan_model *m, const gan_values *v, int batch, uint64_t seed, nn_ctx *ctx, g99_error *err)
{
    parser_model *p = of(m);
    int rc;
    (void)seed;
    gan_pix2pix_train_defaults(&p->sched);
    p->sched.lr = (float)v->v[O_LR];
    p->sched.n_epochs = (int)v->v[O_N_EPOCHS];
    p->sched.n_epochs_decay = (int)v->v[O_N_EPOCHS_DECAY];
    p->labels = (uint8_t *)malloc((size_t)batch * p->m.cfg.width * p->m.cfg.height);
    if (!p->labels) return g99_fail(err, G99_ENOMEM, "out of memory");
    rc = gan_parser_trainer_init(&p->t, &p->m, (float)v->v[O_LR], (float)v->v[O_BETA1], ctx, err);
    p->training = rc == 0;
    return rc;
}

/* b->cond the photos, b->x the one-hot maps (GAN_DATA_SEGMENTS). */
static int train_step(gan_model *m, const gan_batch *b, float *out, g99_error *err)
{
    parser_model *p = of(m);
    size_t plane = (size_t)p->m.cfg.width * p->m.cfg.height;
    int k;
    p->t.opt.lr = (float)(p->sched.lr * gan_pix2pix_lr_factor(&p->sched, b->epoch));
    for (k = 0; k < b->n; k++)
        gan_class_argmax(b->x + (size_t)k * p->m.cfg.n_classes * plane, p->m.cfg.n_classes, plane,
                         p->labels + (size_t)k * plane);
    return gan_parser_train_step(&p->t, b->cond, p->labels, b->n, out, err);
}

static int parts(gan_model *m, nn_checkpoint_part *p, int max)
{
    parser_model *x = of(m);
    if (max < 1) return 0;
    memset(p, 0, sizeof *p);
    p[0].prefix = "parser.";
    p[0].p = &x->m.unet.g;
    p[0].adam = x->training ? &x->t.opt : NULL;
    return 1;
}

static int rngs(gan_model *m, nn_rng **r, int max)
{
    (void)m;
    (void)r;
    (void)max;
    return 0;
}

static nn_params *inference(gan_model *m) { return &of(m)->m.unet.g; }

static nn_tensor *generate(gan_model *m, nn_ctx *ctx, nn_tensor *z, nn_tensor *cond, int train)
{
    (void)z;
    return gan_parser_logits(ctx, &of(m)->m, cond, train);
}

const gan_family gan_family_parser = {
    "parser",
    "face parser: a class per pixel of a photo (U-Net segmenter, softmax cross-entropy)",
    "pix2pix's U-Net (junyanz/pytorch-CycleGAN-and-pix2pix) as a segmenter, torch F.cross_entropy and Adam",
    GAN_DATA_SEGMENTS,
    options, N_OPTIONS,
    losses, 1,
    8,
    20,
    resolve, create, destroy, geometry, init_weights,
    train_begin, train_step, parts, rngs, inference, generate,
};
