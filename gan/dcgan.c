/* gan: DCGAN (Radford et al. 2015) as pytorch/examples dcgan/main.py builds
 * it (gan_spec.md §1): the layer list, the state_dict names and the
 * initialization, at three image sizes:
 *
 *   64  the reference itself: 5 transposed convs in G, 5 convs in D.
 *   32  the reference less its widest stage (gan_spec.md §1, "32x32
 *       variant"): the layers keep their nn.Sequential numbering, so G is
 *       main.0/3/6/9 (BN at 1/4/7) and D main.0/2/5/8 (BN at 3/6).
 *   28  the TensorFlow DCGAN tutorial in its PyTorch translation (gan_spec.md
 *       §1, "28x28 variant"), as this nn.Sequential:
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

static int add4(nn_params *p, int layer, int a, int b, int k, g99_error *err)
{
    int s[4];
    s[0] = a;
    s[1] = b;
    s[2] = s[3] = k;
    return add(p, layer, "weight", NN_PARAM, 4, s, err) ? 0 : err ? err->code : G99_EINVAL;
}

static int add2(nn_params *p, int layer, const char *what, int ndim, int a, int b, g99_error *err)
{
    int s[2];
    s[0] = a;
    s[1] = b;
    return add(p, layer, what, NN_PARAM, ndim, s, err) ? 0 : err ? err->code : G99_EINVAL;
}

static nn_tensor *get(const nn_params *p, int layer, const char *what)
{
    char name[64];
    sprintf(name, "main.%d.%s", layer, what);
    return nn_params_find(p, name);
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
        rc = add4(&m->g, 3 * i, in, out, 4, err);   /* ConvTranspose2d weight [in, out, 4, 4] */
        if (!rc && i < L - 1) rc = add_bn(&m->g, 3 * i + 1, out, err);
    }
    for (i = 0; i < L && !rc; i++) {
        int in = i == 0 ? c->nc : c->ndf << (i - 1), out = i == L - 1 ? 1 : c->ndf << i;
        rc = add4(&m->d, i ? 3 * i - 1 : 0, out, in, 4, err);   /* Conv2d weight [out, in, 4, 4] */
        if (!rc && i >= 1 && i <= L - 2) rc = add_bn(&m->d, 3 * i, out, err);
    }
    return rc;
}

static int declare_tf_nets(gan_dcgan *m, g99_error *err)
{
    const gan_dcgan_config *c = &m->cfg;
    int f = 49 * 4 * c->ngf, s1[1], rc;
    rc = add2(&m->g, 0, "weight", 2, f, c->nz, err);   /* Linear weight [out, in] */
    if (!rc) rc = add_bn(&m->g, 1, f, err);
    if (!rc) rc = add4(&m->g, 4, 4 * c->ngf, 2 * c->ngf, 5, err);
    if (!rc) rc = add_bn(&m->g, 5, 2 * c->ngf, err);
    if (!rc) rc = add4(&m->g, 7, 2 * c->ngf, c->ngf, 5, err);
    if (!rc) rc = add_bn(&m->g, 8, c->ngf, err);
    if (!rc) rc = add4(&m->g, 10, c->ngf, c->nc, 5, err);
    s1[0] = c->ndf;
    if (!rc) rc = add4(&m->d, 0, c->ndf, c->nc, 5, err);
    if (!rc && !add(&m->d, 0, "bias", NN_PARAM, 1, s1, err)) rc = err ? err->code : G99_EINVAL;
    s1[0] = 2 * c->ndf;
    if (!rc) rc = add4(&m->d, 3, 2 * c->ndf, c->ndf, 5, err);
    if (!rc && !add(&m->d, 3, "bias", NN_PARAM, 1, s1, err)) rc = err ? err->code : G99_EINVAL;
    s1[0] = 1;
    if (!rc) rc = add2(&m->d, 7, "weight", 2, 1, 2 * c->ndf * 49, err);
    if (!rc && !add(&m->d, 7, "bias", NN_PARAM, 1, s1, err)) rc = err ? err->code : G99_EINVAL;
    return rc;
}

/* BN gamma 1 and running variance 1 (PyTorch's construction defaults). */
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
    if ((rc = gan_dcgan_check_config(cfg, err)) != 0) return rc;
    m->cfg = *cfg;
    if (!m->cfg.size) m->cfg.size = 64;
    rc = m->cfg.size == 28 ? declare_tf_nets(m, err) : declare_conv_nets(m, err);
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

/* Conv and linear weights (4 or 2 dims) N(0, 0.02); BN gamma (a 1-dim
 * ".weight") N(1, 0.02); biases 0. */
static void init_net(nn_params *p, nn_rng *rng)
{
    size_t i;
    for (i = 0; i < p->n; i++) {
        nn_tensor *t = p->t[i];
        size_t len = strlen(t->name);
        if (p->kind[i] != NN_PARAM) continue;
        if (t->ndim == 4 || t->ndim == 2) nn_init_normal(t, rng, 0.0f, 0.02f);
        else if (len > 7 && strcmp(t->name + len - 7, ".weight") == 0) nn_init_normal(t, rng, 1.0f, 0.02f);
        else nn_init_constant(t, 0.0f);
    }
}

void gan_dcgan_weights_init(gan_dcgan *m, nn_rng *rng)
{
    init_net(&m->g, rng);
    init_net(&m->d, rng);
}

int gan_dcgan_d_logits(const gan_dcgan *m)
{
    return m->cfg.size == 28;
}

static nn_tensor *bn(nn_ctx *ctx, nn_params *p, int layer, nn_tensor *x, int train)
{
    nn_tensor *y = nn_batch_norm2d(ctx, x, get(p, layer, "weight"), get(p, layer, "bias"),
                                   get(p, layer, "running_mean"), get(p, layer, "running_var"), train, 0.1f, 1e-5f);
    if (y && train) get(p, layer, "num_batches_tracked")->data[0] += 1.0f;
    return y;
}

static nn_conv_opts conv_opts(int stride, int padding, int output_padding)
{
    nn_conv_opts o;
    memset(&o, 0, sizeof o);
    o.stride = stride;
    o.padding = padding;
    o.output_padding = output_padding;
    return o;
}

static nn_tensor *generate_tf(nn_ctx *ctx, gan_dcgan *m, nn_tensor *z, int train)
{
    int n = z ? z->shape[0] : 1, f = 49 * 4 * m->cfg.ngf, s2[2], s4[4];
    nn_conv_opts same = conv_opts(1, 2, 0), up = conv_opts(2, 2, 1);
    nn_tensor *h;
    s2[0] = n;
    s2[1] = m->cfg.nz;
    h = nn_linear(ctx, nn_reshape(ctx, z, 2, s2), get(&m->g, 0, "weight"), NULL);
    /* BatchNorm1d over [N, F] is BatchNorm2d over [N, F, 1, 1] */
    s4[0] = n; s4[1] = f; s4[2] = s4[3] = 1;
    h = nn_leaky_relu(ctx, bn(ctx, &m->g, 1, nn_reshape(ctx, h, 4, s4), train), 0.3f);
    s4[1] = 4 * m->cfg.ngf; s4[2] = s4[3] = 7;
    h = nn_reshape(ctx, h, 4, s4);
    h = nn_conv_transpose2d(ctx, h, get(&m->g, 4, "weight"), NULL, &same);
    h = nn_leaky_relu(ctx, bn(ctx, &m->g, 5, h, train), 0.3f);
    h = nn_conv_transpose2d(ctx, h, get(&m->g, 7, "weight"), NULL, &up);
    h = nn_leaky_relu(ctx, bn(ctx, &m->g, 8, h, train), 0.3f);
    return nn_tanh(ctx, nn_conv_transpose2d(ctx, h, get(&m->g, 10, "weight"), NULL, &up));
}

nn_tensor *gan_dcgan_generate(nn_ctx *ctx, gan_dcgan *m, nn_tensor *z, int train)
{
    nn_conv_opts first = conv_opts(1, 0, 0), up = conv_opts(2, 1, 0);
    nn_tensor *h = z;
    int L = stages(&m->cfg), i;
    if (m->cfg.size == 28) return generate_tf(ctx, m, z, train);
    for (i = 0; i < L; i++) {
        h = nn_conv_transpose2d(ctx, h, get(&m->g, 3 * i, "weight"), NULL, i ? &up : &first);
        if (i < L - 1) h = nn_relu(ctx, bn(ctx, &m->g, 3 * i + 1, h, train));
    }
    return nn_tanh(ctx, h);
}

static nn_tensor *discriminate_tf(nn_ctx *ctx, gan_dcgan *m, nn_tensor *x, int train)
{
    nn_conv_opts down = conv_opts(2, 2, 0);
    int n = x ? x->shape[0] : 1, s2[2];
    nn_tensor *h = x;
    int i;
    for (i = 0; i < 2; i++) {
        h = nn_conv2d(ctx, h, get(&m->d, 3 * i, "weight"), get(&m->d, 3 * i, "bias"), &down);
        h = nn_leaky_relu(ctx, h, 0.3f);
        if (train && m->dropout) h = nn_dropout(ctx, h, 0.3f, 1, m->dropout);
    }
    s2[0] = n;
    s2[1] = 2 * m->cfg.ndf * 49;
    h = nn_linear(ctx, nn_reshape(ctx, h, 2, s2), get(&m->d, 7, "weight"), get(&m->d, 7, "bias"));
    return h ? nn_reshape(ctx, h, 1, &n) : NULL;
}

nn_tensor *gan_dcgan_discriminate(nn_ctx *ctx, gan_dcgan *m, nn_tensor *x, int train)
{
    nn_conv_opts down = conv_opts(2, 1, 0), last = conv_opts(1, 0, 0);
    nn_tensor *h = x;
    int L = stages(&m->cfg), i, n;
    if (m->cfg.size == 28) return discriminate_tf(ctx, m, x, train);
    for (i = 0; i < L - 1; i++) {
        h = nn_conv2d(ctx, h, get(&m->d, i ? 3 * i - 1 : 0, "weight"), NULL, &down);
        if (i >= 1) h = bn(ctx, &m->d, 3 * i, h, train);
        h = nn_leaky_relu(ctx, h, 0.2f);
    }
    h = nn_sigmoid(ctx, nn_conv2d(ctx, h, get(&m->d, 3 * (L - 1) - 1, "weight"), NULL, &last));
    if (!h) return NULL;
    n = h->shape[0];
    return nn_reshape(ctx, h, 1, &n);
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
