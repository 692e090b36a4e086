/* gan: DCGAN (Radford et al. 2015) as pytorch/examples dcgan/main.py builds
 * it (doc/models.md §1): the layer list, the state_dict names and the
 * initialization, at three image sizes:
 *
 *   64  the reference itself: 5 transposed convs in G, 5 convs in D.
 *   32  the reference less its widest stage (doc/models.md §1.3, "32x32
 *       variant"): the layers keep their nn.Sequential numbering, so G is
 *       main.0/3/6/9 (BN at 1/4/7) and D main.0/2/5/8 (BN at 3/6).
 *   28  the TensorFlow DCGAN tutorial in its PyTorch translation (doc/models.md
 *       §1.4, "28x28 variant"), as this nn.Sequential:
 *       G: 0 Linear(nz->49*4ngf, no bias) 1 BatchNorm1d 2 LeakyReLU(0.3)
 *          3 Unflatten(4ngf,7,7) 4 ConvT(4ngf->2ngf,5,1,2) 5 BN 6 LReLU(0.3)
 *          7 ConvT(2ngf->ngf,5,2,2,output_padding 1) 8 BN 9 LReLU(0.3)
 *          10 ConvT(ngf->nc,5,2,2,output_padding 1) 11 Tanh
 *       D: 0 Conv(nc->ndf,5,2,2) 1 LReLU(0.3) 2 Dropout(0.3)
 *          3 Conv(ndf->2ndf,5,2,2) 4 LReLU(0.3) 5 Dropout(0.3) 6 Flatten
 *          7 Linear(2ndf*49->1): a logit, for BCE-with-logits.
 *       Keras's defaults where PyTorch has none of its own: LeakyReLU 0.3,
 *       biases on D's layers only. The initialization is DCGAN's (N(0, 0.02)
 *       for every conv and linear weight) and BN is PyTorch's (eps 1e-5,
 *       momentum 0.1), not Keras's Glorot and (1e-3, 0.01).
 * The training step is in gan/train_dcgan.c. */
#include "gan.h"

#include <stdio.h>

/* Every layer of both networks as the reference's weights_init leaves it:
 * conv and linear weights N(0, 0.02), biases 0, BN gamma N(1, 0.02). */
static gan_block_def layer_def(int op, int in, int out, int kernel, int stride, int padding, int output_padding,
                               int bias, int norm, int act, float slope)
{
    gan_block_def d;
    gan_block_def_normal(&d, op, in, out, kernel, stride, padding, bias, norm, act, slope);
    d.conv.geom.output_padding = output_padding;
    return d;
}

/* Appends a layer: its conv at main.<conv>, its BN (if any) at main.<bn>. */
static int add_layer(gan_dcgan_net *net, int conv, int bn, const gan_block_def *d, g99_error *err)
{
    char cp[32], np[32];
    sprintf(cp, "main.%d", conv);
    sprintf(np, "main.%d", bn);
    return gan_block_add(&net->init, cp, np, d, &net->layer[net->n_layers++], err);
}

/* The 64 and 32 networks: L transposed convs in G (L = 5 at 64, 4 at 32).
 * G conv i is main.3i with BN main.3i+1 (i < L-1); D conv 0 is main.0, conv
 * i >= 1 main.3i-1 with BN main.3i (1 <= i <= L-2). */
static int stages(const gan_dcgan_config *c)
{
    return c->size == 32 ? 4 : 5;
}

static int declare_conv_nets(gan_dcgan *m, g99_error *err)
{
    const gan_dcgan_config *c = &m->cfg;
    int L = stages(c), i, rc = 0;
    for (i = 0; i < L && !rc; i++) {
        int in = i == 0 ? c->nz : c->ngf << (L - 1 - i), out = i == L - 1 ? c->nc : c->ngf << (L - 2 - i);
        int last = i == L - 1;
        gan_block_def d = layer_def(GAN_OP_CONV_T, in, out, 4, i ? 2 : 1, i ? 1 : 0, 0, 0,
                                    last ? GAN_NORM_NONE : GAN_NORM_BATCH, last ? GAN_ACT_TANH : GAN_ACT_RELU, 0.0f);
        rc = add_layer(&m->gnet, 3 * i, 3 * i + 1, &d, err);
    }
    for (i = 0; i < L && !rc; i++) {
        int in = i == 0 ? c->nc : c->ndf << (i - 1), out = i == L - 1 ? 1 : c->ndf << i;
        int last = i == L - 1;
        gan_block_def d = layer_def(GAN_OP_CONV, in, out, 4, last ? 1 : 2, last ? 0 : 1, 0, 0,
                                    i >= 1 && !last ? GAN_NORM_BATCH : GAN_NORM_NONE,
                                    last ? GAN_ACT_SIGMOID : GAN_ACT_LRELU, 0.2f);
        rc = add_layer(&m->dnet, i ? 3 * i - 1 : 0, 3 * i, &d, err);
    }
    return rc;
}

static int declare_tf_nets(gan_dcgan *m, g99_error *err)
{
    const gan_dcgan_config *c = &m->cfg;
    gan_block_def d[7];
    int rc = 0, i;
    /* G: Linear (no bias) + BatchNorm1d, then three transposed convs */
    d[0] = layer_def(GAN_OP_LINEAR, c->nz, 49 * 4 * c->ngf, 0, 0, 0, 0, 0, GAN_NORM_BATCH, GAN_ACT_LRELU, 0.3f);
    d[1] = layer_def(GAN_OP_CONV_T, 4 * c->ngf, 2 * c->ngf, 5, 1, 2, 0, 0, GAN_NORM_BATCH, GAN_ACT_LRELU, 0.3f);
    d[2] = layer_def(GAN_OP_CONV_T, 2 * c->ngf, c->ngf, 5, 2, 2, 1, 0, GAN_NORM_BATCH, GAN_ACT_LRELU, 0.3f);
    d[3] = layer_def(GAN_OP_CONV_T, c->ngf, c->nc, 5, 2, 2, 1, 0, GAN_NORM_NONE, GAN_ACT_TANH, 0.0f);
    /* D: two convs with biases, the linear logit */
    d[4] = layer_def(GAN_OP_CONV, c->nc, c->ndf, 5, 2, 2, 0, 1, GAN_NORM_NONE, GAN_ACT_LRELU, 0.3f);
    d[5] = layer_def(GAN_OP_CONV, c->ndf, 2 * c->ndf, 5, 2, 2, 0, 1, GAN_NORM_NONE, GAN_ACT_LRELU, 0.3f);
    d[6] = layer_def(GAN_OP_LINEAR, 2 * c->ndf * 49, 1, 0, 0, 0, 0, 1, GAN_NORM_NONE, GAN_ACT_NONE, 0.0f);
    for (i = 0; i < 4 && !rc; i++) rc = add_layer(&m->gnet, i ? 3 * i + 1 : 0, i ? 3 * i + 2 : 1, &d[i], err);
    for (i = 0; i < 3 && !rc; i++) rc = add_layer(&m->dnet, i < 2 ? 3 * i : 7, 0, &d[4 + i], err);
    return rc;
}

int gan_dcgan_check_config(const gan_dcgan_config *c, g99_error *err)
{
    int size = c->size ? c->size : 64;
    if (size != 64 && size != 32 && size != 28)
        return g99_fail(err, G99_EINVAL, "dcgan: image size %d (gan99 has 64, 32 and 28)", c->size);
    /* the bound keeps 49 * 4 * ngf and 8 * ngf far from INT_MAX */
    if (c->nz < 1 || c->ngf < 1 || c->ndf < 1 || c->nc < 1 || c->nz > 1 << 16 || c->ngf > 1 << 16 ||
        c->ndf > 1 << 16 || c->nc > 4)
        return g99_fail(err, G99_EINVAL, "dcgan: nz %d, ngf %d, ndf %d, nc %d (want 1..65536, nc 1..4)", c->nz,
                        c->ngf, c->ndf, c->nc);
    return 0;
}

int gan_dcgan_init(gan_dcgan *m, const gan_dcgan_config *cfg, g99_error *err)
{
    int rc;
    memset(m, 0, sizeof *m);
    nn_params_init(&m->g);
    nn_params_init(&m->d);
    gan_table_init(&m->gnet.init, &m->g);
    gan_table_init(&m->dnet.init, &m->d);
    if ((rc = gan_dcgan_check_config(cfg, err)) != 0) return rc;
    m->cfg = *cfg;
    if (!m->cfg.size) m->cfg.size = 64;
    rc = m->cfg.size == 28 ? declare_tf_nets(m, err) : declare_conv_nets(m, err);
    /* the construction defaults: weights 0, BN gamma 1, running_var 1 */
    if (!rc) rc = gan_table_alloc(&m->gnet.init, err);
    if (!rc) rc = gan_table_alloc(&m->dnet.init, err);
    if (rc) gan_dcgan_free(m);
    return rc;
}

void gan_dcgan_free(gan_dcgan *m)
{
    gan_table_free(&m->gnet.init);
    gan_table_free(&m->dnet.init);
    nn_params_free(&m->g);
    nn_params_free(&m->d);
    m->gnet.n_layers = m->dnet.n_layers = 0;
}

void gan_dcgan_weights_init(gan_dcgan *m, nn_rng *rng)
{
    gan_table_apply(&m->gnet.init, rng);
    gan_table_apply(&m->dnet.init, rng);
}

int gan_dcgan_d_logits(const gan_dcgan *m)
{
    return m->cfg.size == 28;
}

nn_tensor *gan_dcgan_generate(nn_ctx *ctx, gan_dcgan *m, nn_tensor *z, int train)
{
    const gan_dcgan_net *g = &m->gnet;
    nn_tensor *h = z;
    int i = 0;
    if (m->cfg.size == 28) {
        int n = z ? z->shape[0] : 1, s[4];
        s[0] = n;
        s[1] = m->cfg.nz;
        h = gan_block_forward(ctx, &g->layer[0], nn_reshape(ctx, z, 2, s), train);
        s[1] = 4 * m->cfg.ngf;
        s[2] = s[3] = 7;
        h = nn_reshape(ctx, h, 4, s);
        i = 1;
    }
    for (; i < g->n_layers; i++) h = gan_block_forward(ctx, &g->layer[i], h, train);
    return h;
}

nn_tensor *gan_dcgan_discriminate(nn_ctx *ctx, gan_dcgan *m, nn_tensor *x, int train)
{
    const gan_dcgan_net *d = &m->dnet;
    nn_tensor *h = x;
    int n = x ? x->shape[0] : 1, i;
    if (m->cfg.size == 28) {
        int s2[2];
        for (i = 0; i < 2; i++) {
            h = gan_block_forward(ctx, &d->layer[i], h, train);
            if (train && m->dropout) h = nn_dropout(ctx, h, 0.3f, 1, m->dropout);
        }
        s2[0] = n;
        s2[1] = 2 * m->cfg.ndf * 49;
        h = gan_block_forward(ctx, &d->layer[2], nn_reshape(ctx, h, 2, s2), train);
    } else {
        for (i = 0; i < d->n_layers; i++) h = gan_block_forward(ctx, &d->layer[i], h, train);
    }
    return h ? nn_reshape(ctx, h, 1, &n) : NULL;
}

/* ---- gan99.config: the architecture as JSON ------------------------------ */

int gan_dcgan_config_json(const gan_dcgan_config *c, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "{\"nc\":%d,\"ndf\":%d,\"ngf\":%d,\"nz\":%d,\"size\":%d}", c->nc, c->ndf, c->ngf,
                     c->nz, c->size ? c->size : 64);
    return n > 0 && (size_t)n < cap ? 0 : G99_EINVAL;
}

static int get_int(const nn_json *doc, const char *key, int optional, int *out, g99_error *err)
{
    const nn_json *v = nn_json_get(doc, key);
    int64_t x;
    if (!v && optional) return 0;
    if (!v) return g99_fail(err, G99_EFORMAT, "gan99.config: no \"%s\"", key);
    if (nn_json_get_i64(v, &x) || x < 0 || x > 1 << 20)
        return g99_fail(err, G99_EFORMAT, "gan99.config: \"%s\" is not a small integer", key);
    *out = (int)x;
    return 0;
}

int gan_dcgan_config_parse(const char *json, gan_dcgan_config *c, g99_error *err)
{
    nn_json *doc;
    int rc;
    memset(c, 0, sizeof *c);
    if (!json) return g99_fail(err, G99_EFORMAT, "no gan99.config");
    if (nn_json_parse(json, strlen(json), &doc, err)) return g99_error_prefix(err, "gan99.config");
    rc = doc->type == NN_JSON_OBJECT ? 0 : g99_fail(err, G99_EFORMAT, "gan99.config: not a JSON object");
    if (!rc) rc = get_int(doc, "nz", 0, &c->nz, err);
    if (!rc) rc = get_int(doc, "ngf", 0, &c->ngf, err);
    if (!rc) rc = get_int(doc, "ndf", 0, &c->ndf, err);
    if (!rc) rc = get_int(doc, "nc", 0, &c->nc, err);
    if (!rc) rc = get_int(doc, "size", 1, &c->size, err);
    nn_json_free(doc);
    if (!rc && !c->size) c->size = 64;   /* files written before the size was recorded */
    if (!rc && gan_dcgan_check_config(c, err)) rc = g99_error_prefix(err, "gan99.config");
    return rc;
}

int gan_dcgan_load_generator(const char *path, gan_dcgan *m, g99_error *err)
{
    nn_st_file *f;
    gan_dcgan_config cfg;
    const char *arch;
    int rc;
    memset(m, 0, sizeof *m);
    rc = nn_st_load(path, NN_ST_MAX_FILE, &f, err);
    if (rc) return rc;
    arch = nn_st_meta(f, "gan99.arch");
    if (!arch || strcmp(arch, "dcgan") != 0)
        rc = g99_fail(err, G99_EFORMAT, "%s: not a DCGAN model file (gan99.arch is %.60s)", path,
                      arch ? arch : "missing");
    if (!rc && gan_dcgan_config_parse(nn_st_meta(f, "gan99.config"), &cfg, err)) rc = g99_error_prefix(err, "%s", path);
    nn_st_free(f);
    if (!rc) rc = gan_dcgan_init(m, &cfg, err);
    if (!rc && (rc = nn_checkpoint_load(path, &m->g, NULL, err)) != 0) gan_dcgan_free(m);
    return rc;
}
