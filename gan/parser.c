/* gan: the face parser (doc/models.md §3.8): a photo in, a class per pixel
 * out. The network is pix2pix's U-Net (gan/pix2pix.c) with cfg.segmenter
 * set: the outermost up-conv gives n_classes logits and nothing follows it,
 * and no discriminator is made. No dropout: the U-Net's Dropout(0.5) is
 * pix2pix's noise source, which a classifier has no use for. The state_dict
 * keys are the U-Net's ("model.model.0.weight", ...), so PyTorch's
 * UnetGenerator without its final Tanh loads the same file.
 *
 * Training is one loss, torch.nn.functional.cross_entropy of the logits
 * against the class map (the mean over every pixel of every image), and
 * one Adam step. */
#include "gan.h"

#include <stdlib.h>

static void unet_config(const gan_parser_config *c, gan_pix2pix_config *u)
{
    memset(u, 0, sizeof *u);
    u->width = c->width;
    u->height = c->height;
    u->input_nc = c->input_nc;
    u->output_nc = c->n_classes;
    u->ngf = c->ngf;
    u->ndf = 1;   /* no discriminator; a valid value for the shared check */
    u->num_downs = c->num_downs;
    u->netd = GAN_P2P_D_BASIC;
    u->norm = c->norm;
    u->no_dropout = 1;
    u->segmenter = 1;
}

int gan_parser_init(gan_parser *m, const gan_parser_config *cfg, g99_error *err)
{
    gan_pix2pix_config u;
    int rc;
    memset(m, 0, sizeof *m);
    if (cfg->n_classes < 1 || cfg->n_classes > GAN_PARSER_MAX_CLASSES)
        return g99_fail(err, G99_EINVAL, "parser: --classes %d (want 1..%d)", cfg->n_classes, GAN_PARSER_MAX_CLASSES);
    unet_config(cfg, &u);
    if ((rc = gan_pix2pix_init(&m->unet, &u, err)) != 0) {
        /* the U-Net's messages say pix2pix; this model is the parser */
        if (err && strncmp(err->msg, "pix2pix: ", 9) == 0) {
            char why[sizeof err->msg];
            memcpy(why, err->msg + 9, sizeof why - 9);
            why[sizeof why - 9] = '\0';
            g99_fail(err, rc, "parser: %s", why);
        }
        return rc;
    }
    m->cfg = *cfg;
    m->cfg.num_downs = m->unet.cfg.num_downs;
    return 0;
}

void gan_parser_free(gan_parser *m)
{
    gan_pix2pix_free(&m->unet);
    memset(m, 0, sizeof *m);
}

void gan_parser_weights_init(gan_parser *m, nn_rng *rng)
{
    gan_pix2pix_weights_init(&m->unet, rng);
}

nn_tensor *gan_parser_logits(nn_ctx *ctx, gan_parser *m, nn_tensor *x, int train)
{
    return gan_pix2pix_generate(ctx, &m->unet, x, train);
}

int gan_parser_trainer_init(gan_parser_trainer *t, gan_parser *m, float lr, float beta1, nn_ctx *ctx, g99_error *err)
{
    int rc;
    memset(t, 0, sizeof *t);
    if (!(lr > 0.0f && lr < 1.0f)) return g99_fail(err, G99_EINVAL, "parser training: learning rate %g", lr);
    if (!(beta1 >= 0.0f && beta1 < 1.0f)) return g99_fail(err, G99_EINVAL, "parser training: beta1 %g", beta1);
    t->m = m;
    t->owns_ctx = ctx == NULL;
    t->ctx = ctx ? ctx : nn_ctx_new(0);
    if (!t->ctx) return g99_fail(err, G99_ENOMEM, "out of memory");
    rc = nn_adam_init(&t->opt, &m->unet.g, lr, beta1, 0.999f, 1e-8f, err);
    if (rc) gan_parser_trainer_free(t);
    return rc;
}

void gan_parser_trainer_free(gan_parser_trainer *t)
{
    nn_adam_free(&t->opt);
    if (t->owns_ctx) nn_ctx_free(t->ctx);
    memset(t, 0, sizeof *t);
}

int gan_parser_train_step(gan_parser_trainer *t, const float *x, const uint8_t *labels, int n, float *loss,
                          g99_error *err)
{
    gan_parser *m = t->m;
    const gan_parser_config *c = &m->cfg;
    nn_ctx *ctx = t->ctx;
    size_t plane = (size_t)c->width * c->height, i;
    int xs[4], ts[3];
    nn_tensor *tx, *tt, *l;
    if (n < 1) return g99_fail(err, G99_EINVAL, "parser training: batch %d", n);
    for (i = 0; i < (size_t)n * plane; i++)
        if (labels[i] >= c->n_classes)
            return g99_fail(err, G99_EINVAL, "parser training: image %lu, pixel (%lu, %lu) has class %d; the model "
                            "has %d (0..%d)", (unsigned long)(i / plane), (unsigned long)(i % plane % c->width),
                            (unsigned long)(i % plane / c->width), labels[i], c->n_classes, c->n_classes - 1);
    xs[0] = ts[0] = n;
    xs[1] = c->input_nc;
    xs[2] = ts[1] = c->height;
    xs[3] = ts[2] = c->width;
    nn_ctx_reset(ctx);
    tx = nn_tensor_from(ctx, 4, xs, x);
    tt = nn_tensor_new(ctx, 3, ts);
    for (i = 0; tt && i < tt->numel; i++) tt->data[i] = (float)labels[i];
    nn_params_zero_grad(&m->unet.g);
    l = nn_cross_entropy_loss(ctx, gan_parser_logits(ctx, m, tx, 1), tt);
    if (nn_backward(ctx, l, 0)) {
        if (err) *err = *nn_ctx_error(ctx);
        return nn_ctx_error(ctx)->code ? nn_ctx_error(ctx)->code : G99_EINVAL;
    }
    if (loss) *loss = l->data[0];
    if (nn_adam_step(&t->opt, &m->unet.g, err)) return G99_EINVAL;
    t->step++;
    return 0;
}
