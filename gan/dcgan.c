/* gan: DCGAN 64x64 (Radford et al. 2015) as pytorch/examples dcgan/main.py
 * builds it (gan_spec.md §1): the layer list, the state_dict names and the
 * initialization. The training step lives with the caller (the reference's
 * loop: D on real then on detached fake, step D; G through the updated D,
 * step G). */
#include "gan.h"

#include <stdio.h>

/* G: the ConvT layers' indices and channels; a BN follows all but the last. */
static const int g_conv[5] = { 0, 3, 6, 9, 12 };
static const int d_conv[5] = { 0, 2, 5, 8, 11 };
static const int d_bn[3] = { 3, 6, 9 };       /* after D's convs 1, 2, 3 */

static nn_tensor *add(nn_params *p, int layer, const char *what, int kind, int ndim, const int *shape,
                      g99_error *err)
{
    char name[64];
    sprintf(name, "main.%d.%s", layer, what);
    return nn_params_add(p, name, kind, ndim, shape, err);
}

static int add_bn(nn_params *p, int layer, int c, g99_error *err)
{
    int s[1];
    s[0] = c;
    if (!add(p, layer, "weight", NN_PARAM, 1, s, err) || !add(p, layer, "bias", NN_PARAM, 1, s, err) ||
        !add(p, layer, "running_mean", NN_BUFFER, 1, s, err) || !add(p, layer, "running_var", NN_BUFFER, 1, s, err) ||
        !add(p, layer, "num_batches_tracked", NN_COUNTER, 0, NULL, err))
        return err ? err->code : G99_EINVAL;
    return 0;
}

static nn_tensor *get(const nn_params *p, int layer, const char *what)
{
    char name[64];
    sprintf(name, "main.%d.%s", layer, what);
    return nn_params_find(p, name);
}

static void bn_defaults(nn_params *p)
{
    size_t i;
    for (i = 0; i < p->n; i++) {
        const char *n = p->t[i]->name;
        size_t len = strlen(n);
        if (len > 11 && strcmp(n + len - 11, "running_var") == 0) nn_init_constant(p->t[i], 1.0f);
        if (p->t[i]->ndim == 1 && len > 7 && strcmp(n + len - 7, ".weight") == 0) nn_init_constant(p->t[i], 1.0f);
    }
}

int gan_dcgan_init(gan_dcgan *m, const gan_dcgan_config *cfg, g99_error *err)
{
    int gch[6], dch[6], i, s[4], rc = 0;
    memset(m, 0, sizeof *m);
    nn_params_init(&m->g);
    nn_params_init(&m->d);
    if (cfg->nz < 1 || cfg->ngf < 1 || cfg->ndf < 1 || cfg->nc < 1 || cfg->ngf > 1 << 20 || cfg->ndf > 1 << 20)
        return g99_fail(err, G99_EINVAL, "dcgan: nz %d, ngf %d, ndf %d, nc %d (want >= 1)", cfg->nz, cfg->ngf,
                        cfg->ndf, cfg->nc);
    m->cfg = *cfg;
    /* channels along each network */
    gch[0] = cfg->nz; gch[1] = 8 * cfg->ngf; gch[2] = 4 * cfg->ngf; gch[3] = 2 * cfg->ngf; gch[4] = cfg->ngf;
    gch[5] = cfg->nc;
    dch[0] = cfg->nc; dch[1] = cfg->ndf; dch[2] = 2 * cfg->ndf; dch[3] = 4 * cfg->ndf; dch[4] = 8 * cfg->ndf;
    dch[5] = 1;
    s[2] = s[3] = 4;
    for (i = 0; i < 5 && !rc; i++) {
        s[0] = gch[i];      /* ConvTranspose2d weight [in, out, 4, 4] */
        s[1] = gch[i + 1];
        if (!add(&m->g, g_conv[i], "weight", NN_PARAM, 4, s, err)) rc = err ? err->code : G99_EINVAL;
        if (!rc && i < 4) rc = add_bn(&m->g, g_conv[i] + 1, gch[i + 1], err);
    }
    for (i = 0; i < 5 && !rc; i++) {
        s[0] = dch[i + 1];  /* Conv2d weight [out, in, 4, 4] */
        s[1] = dch[i];
        if (!add(&m->d, d_conv[i], "weight", NN_PARAM, 4, s, err)) rc = err ? err->code : G99_EINVAL;
        if (!rc && i >= 1 && i <= 3) rc = add_bn(&m->d, d_bn[i - 1], dch[i + 1], err);
    }
    if (!rc) rc = nn_params_alloc(&m->g, err);
    if (!rc) rc = nn_params_alloc(&m->d, err);
    if (rc) {
        gan_dcgan_free(m);
        return rc;
    }
    bn_defaults(&m->g);
    bn_defaults(&m->d);
    return 0;
}

void gan_dcgan_free(gan_dcgan *m)
{
    nn_params_free(&m->g);
    nn_params_free(&m->d);
}

static void init_net(nn_params *p, nn_rng *rng)
{
    size_t i;
    for (i = 0; i < p->n; i++) {
        nn_tensor *t = p->t[i];
        size_t len = strlen(t->name);
        if (p->kind[i] != NN_PARAM) continue;
        if (t->ndim == 4) nn_init_normal(t, rng, 0.0f, 0.02f);
        else if (len > 7 && strcmp(t->name + len - 7, ".weight") == 0) nn_init_normal(t, rng, 1.0f, 0.02f);
        else nn_init_constant(t, 0.0f);
    }
}

void gan_dcgan_weights_init(gan_dcgan *m, nn_rng *rng)
{
    init_net(&m->g, rng);
    init_net(&m->d, rng);
}

static nn_tensor *bn(nn_ctx *ctx, nn_params *p, int layer, nn_tensor *x, int train)
{
    nn_tensor *y = nn_batch_norm2d(ctx, x, get(p, layer, "weight"), get(p, layer, "bias"),
                                   get(p, layer, "running_mean"), get(p, layer, "running_var"), train, 0.1f, 1e-5f);
    if (y && train) get(p, layer, "num_batches_tracked")->data[0] += 1.0f;
    return y;
}

nn_tensor *gan_dcgan_generate(nn_ctx *ctx, gan_dcgan *m, nn_tensor *z, int train)
{
    nn_conv_opts first = { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
    nn_conv_opts up = { 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
    nn_tensor *h = z;
    int i;
    for (i = 0; i < 5; i++) {
        h = nn_conv_transpose2d(ctx, h, get(&m->g, g_conv[i], "weight"), NULL, i ? &up : &first);
        if (i < 4) h = nn_relu(ctx, bn(ctx, &m->g, g_conv[i] + 1, h, train));
    }
    return nn_tanh(ctx, h);
}

nn_tensor *gan_dcgan_discriminate(nn_ctx *ctx, gan_dcgan *m, nn_tensor *x, int train)
{
    nn_conv_opts down = { 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
    nn_conv_opts last = { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
    nn_tensor *h = x;
    int i, n;
    for (i = 0; i < 4; i++) {
        h = nn_conv2d(ctx, h, get(&m->d, d_conv[i], "weight"), NULL, &down);
        if (i >= 1) h = bn(ctx, &m->d, d_bn[i - 1], h, train);
        h = nn_leaky_relu(ctx, h, 0.2f);
    }
    h = nn_sigmoid(ctx, nn_conv2d(ctx, h, get(&m->d, d_conv[4], "weight"), NULL, &last));
    if (!h) return NULL;
    n = h->shape[0];
    return nn_reshape(ctx, h, 1, &n);
}
