/* gan: the layers every model family builds on, each declaring its tensors
 * under PyTorch's state_dict names together with their initializers:
 *
 *   conv / conv-transpose / linear (+ bias, + spectral norm) with batch,
 *   instance or no norm and an activation: nn.Conv2d, nn.ConvTranspose2d,
 *   nn.Linear, nn.BatchNorm2d, nn.InstanceNorm2d and
 *   torch.nn.utils.spectral_norm as DCGAN, pix2pix and SPADE use them;
 *   the equalized-learning-rate layers of stylegan2-ada-pytorch
 *   (FullyConnectedLayer, Conv2dLayer) and its modulated convolutions
 *   (SynthesisLayer, ToRGBLayer).
 *
 * A builder declares its tensors in the order PyTorch's state_dict lists
 * them (a module's own parameters, then its buffers, then its children), so
 * the table order is the state_dict order and gan_table_apply draws in it.
 * The forwards are compositions of nn/ ops; nothing is looked up by name. */
#include "gan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- initializers ---------------------------------------------------------- */

gan_init gan_init_make(int kind, float a, float b)
{
    gan_init i;
    i.kind = kind;
    i.a = a;
    i.b = b;
    return i;
}

gan_init gan_init_const(float v) { return gan_init_make(GAN_INIT_CONST, v, 0.0f); }
gan_init gan_init_normal(float mean, float std) { return gan_init_make(GAN_INIT_NORMAL, mean, std); }
gan_init gan_init_uniform(float lo, float hi) { return gan_init_make(GAN_INIT_UNIFORM, lo, hi); }

/* PyTorch's fans of a weight: dim 1 in, dim 0 out, times the kernel's size
 * (also for ConvTranspose2d, whose dim 1 is its output channels). */
static void fans(int ndim, const int *shape, int *fan_in, int *fan_out)
{
    int i, rec = 1;
    for (i = 2; i < ndim; i++) rec *= shape[i];
    *fan_in = shape[1] * rec;
    *fan_out = shape[0] * rec;
}

static gan_init resolve(gan_init i, int fan_in, int fan_out)
{
    if (i.kind == GAN_INIT_TORCH_DEFAULT) {
        /* kaiming_uniform_(a = sqrt 5): bound sqrt(3) sqrt(1/3) / sqrt(fan_in) */
        float bound = (float)(1.0 / sqrt((double)fan_in));
        return gan_init_uniform(-bound, bound);
    }
    if (i.kind == GAN_INIT_XAVIER_NORMAL)
        return gan_init_normal(0.0f, (float)(i.a * sqrt(2.0 / ((double)fan_in + fan_out))));
    return i;
}

/* ---- the table ------------------------------------------------------------- */

void gan_table_init(gan_table *t, nn_params *p)
{
    memset(t, 0, sizeof *t);
    t->p = p;
}

void gan_table_free(gan_table *t)
{
    free(t->t);
    free(t->init);
    memset(t, 0, sizeof *t);
}

nn_tensor *gan_table_add(gan_table *t, const char *prefix, const char *what, int kind, int ndim, const int *shape,
                         gan_init init, g99_error *err)
{
    char name[256];
    nn_tensor *x;
    int n;
    if (prefix && *prefix) n = snprintf(name, sizeof name, "%s.%s", prefix, what);
    else n = snprintf(name, sizeof name, "%s", what);
    if (n < 0 || (size_t)n >= sizeof name) {
        g99_fail(err, G99_EINVAL, "layers: name %.60s... is too long", name);
        return NULL;
    }
    if (init.kind == GAN_INIT_TORCH_DEFAULT || init.kind == GAN_INIT_XAVIER_NORMAL) {
        int fi, fo;
        if (ndim < 2 || !shape) {
            g99_fail(err, G99_EINVAL, "layers: %s: a fan-based initializer needs a weight of 2 or more dims", name);
            return NULL;
        }
        fans(ndim, shape, &fi, &fo);
        init = resolve(init, fi, fo);
    }
    if (init.kind < GAN_INIT_CONST || init.kind > GAN_INIT_FIR ||
        (init.kind == GAN_INIT_FIR && (!(init.a >= 1.0f && init.a <= 16.0f) || ndim != 2 || !shape ||
                                       shape[0] != (int)init.a || shape[1] != (int)init.a))) {
        g99_fail(err, G99_EINVAL, "layers: %s: initializer kind %d (a %g) does not fit", name, init.kind, init.a);
        return NULL;
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        nn_tensor **nt = (nn_tensor **)realloc(t->t, cap * sizeof *nt);
        gan_init *ni = nt ? (gan_init *)realloc(t->init, cap * sizeof *ni) : NULL;
        if (nt) t->t = nt;
        if (!ni) {
            g99_fail(err, G99_ENOMEM, "layers: %s: out of memory", name);
            return NULL;
        }
        t->init = ni;
        t->cap = cap;
    }
    x = nn_params_add(t->p, name, kind, ndim, shape, err);
    if (!x) return NULL;
    t->t[t->n] = x;
    t->init[t->n++] = init;
    return x;
}

int gan_table_alloc(gan_table *t, g99_error *err)
{
    int rc = nn_params_alloc(t->p, err);
    if (!rc) gan_table_apply(t, NULL);
    return rc;
}

static void fill(nn_tensor *x, float v)
{
    size_t i;
    for (i = 0; i < x->numel; i++) x->data[i] = v;
}

/* u ~ N(0, 1) scaled to norm 1 (torch's normalize: by max(|u|, eps)). */
static void unit_normal(nn_tensor *x, nn_rng *rng)
{
    double ss = 0.0;
    float norm;
    size_t i;
    if (!rng) {
        fill(x, (float)(1.0 / sqrt((double)x->numel)));
        return;
    }
    nn_rng_fill_normal(rng, x->data, x->numel, 0.0f, 1.0f);
    for (i = 0; i < x->numel; i++) ss += (double)x->data[i] * x->data[i];
    norm = (float)sqrt(ss);
    if (!(norm >= 1e-12f)) norm = 1e-12f;
    for (i = 0; i < x->numel; i++) x->data[i] /= norm;
}

/* outer(t, t) / sum, t = binomial row (1, n-1, ...): exact in float for
 * short filters, the values nn_fir_filter gives for the same taps. */
static void fir(nn_tensor *x, int n)
{
    double taps[16], sum = 0.0;
    int i, j;
    for (i = 0; i < n; i++) {   /* n <= 16, checked by gan_table_add */
        taps[i] = 1.0;
        for (j = i - 1; j > 0; j--) taps[j] += taps[j - 1];
    }
    for (i = 0; i < n; i++) sum += taps[i];
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++) x->data[i * n + j] = (float)(taps[i] * taps[j] / (sum * sum));
}

void gan_table_apply(const gan_table *t, nn_rng *rng)
{
    size_t i;
    for (i = 0; i < t->n; i++) {
        nn_tensor *x = t->t[i];
        gan_init in = t->init[i];
        if (!x->data) continue;
        switch (in.kind) {
        case GAN_INIT_NORMAL:
            if (rng) nn_init_normal(x, rng, in.a, in.b);
            else fill(x, in.a);
            break;
        case GAN_INIT_UNIFORM:
            if (rng) nn_rng_fill_uniform(rng, x->data, x->numel, in.a, in.b);
            else fill(x, 0.5f * (in.a + in.b));
            break;
        case GAN_INIT_UNIT_NORMAL: unit_normal(x, rng); break;
        case GAN_INIT_FIR: fir(x, (int)in.a); break;
        default: fill(x, in.a); break;
        }
    }
}

/* ---- conv / conv-transpose / linear ---------------------------------------- */

static int fail_null(g99_error *err)
{
    return err && err->code ? err->code : G99_EINVAL;
}

int gan_conv_add(gan_table *t, const char *prefix, const gan_conv_def *d, gan_conv *c, g99_error *err)
{
    int s[4], fi, fo, nd = d->op == GAN_OP_LINEAR ? 2 : 4, one[1], k[1];
    gan_init wi, bi, unit = gan_init_make(GAN_INIT_UNIT_NORMAL, 0.0f, 0.0f);
    memset(c, 0, sizeof *c);
    if (d->op < GAN_OP_CONV || d->op > GAN_OP_LINEAR || d->in < 1 || d->out < 1 ||
        (nd == 4 && d->kernel < 1) || (d->spectral && d->op == GAN_OP_CONV_T))
        return g99_fail(err, G99_EINVAL, "layers: %s: op %d, %d -> %d, kernel %d%s", prefix ? prefix : "", d->op,
                        d->in, d->out, d->kernel, d->spectral ? ", spectral" : "");
    c->op = d->op;
    c->geom = d->geom;
    s[0] = d->op == GAN_OP_CONV_T ? d->in : d->out;
    s[1] = d->op == GAN_OP_CONV_T ? d->out : d->in;
    s[2] = s[3] = d->kernel;
    fans(nd, s, &fi, &fo);
    wi = resolve(d->weight_init, fi, fo);
    bi = resolve(d->bias_init, fi, fo);   /* PyTorch's bias bound is the weight's 1/sqrt(fan_in) */
    one[0] = d->out;
    if (d->spectral) {
        /* spectral_norm removes "weight" and adds "weight_orig" after "bias" */
        k[0] = fi;   /* the columns of weight_orig as a matrix [out, in k k] */
        if (d->bias && !(c->bias = gan_table_add(t, prefix, "bias", NN_PARAM, 1, one, bi, err))) return fail_null(err);
        if (!(c->weight = gan_table_add(t, prefix, "weight_orig", NN_PARAM, nd, s, wi, err)) ||
            !(c->u = gan_table_add(t, prefix, "weight_u", NN_BUFFER, 1, one, unit, err)) ||
            !(c->v = gan_table_add(t, prefix, "weight_v", NN_BUFFER, 1, k, unit, err)))
            return fail_null(err);
        return 0;
    }
    if (!(c->weight = gan_table_add(t, prefix, "weight", NN_PARAM, nd, s, wi, err))) return fail_null(err);
    if (d->bias && !(c->bias = gan_table_add(t, prefix, "bias", NN_PARAM, 1, one, bi, err))) return fail_null(err);
    return 0;
}

nn_tensor *gan_conv_forward(nn_ctx *ctx, const gan_conv *c, nn_tensor *x, int train)
{
    nn_tensor *w = c->weight;
    if (c->u) w = nn_spectral_norm(ctx, c->weight, c->u, c->v, train, 1e-12f);
    if (c->op == GAN_OP_LINEAR) return nn_linear(ctx, x, w, c->bias);
    if (c->op == GAN_OP_CONV_T) return nn_conv_transpose2d(ctx, x, w, c->bias, &c->geom);
    return nn_conv2d(ctx, x, w, c->bias, &c->geom);
}

/* ---- norms and activations ------------------------------------------------- */

int gan_norm_add(gan_table *t, const char *prefix, int kind, int channels, int affine, gan_init weight_init,
                 gan_norm *n, g99_error *err)
{
    int s[1];
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->momentum = 0.1f;
    n->eps = 1e-5f;
    if (kind == GAN_NORM_NONE) return 0;
    if ((kind != GAN_NORM_BATCH && kind != GAN_NORM_INSTANCE) || channels < 1)
        return g99_fail(err, G99_EINVAL, "layers: %s: norm %d over %d channels", prefix ? prefix : "", kind, channels);
    if (affine == 0) affine = kind == GAN_NORM_BATCH ? 1 : -1;
    s[0] = channels;
    if (affine > 0 && (!(n->weight = gan_table_add(t, prefix, "weight", NN_PARAM, 1, s, weight_init, err)) ||
                       !(n->bias = gan_table_add(t, prefix, "bias", NN_PARAM, 1, s, gan_init_const(0.0f), err))))
        return fail_null(err);
    if (kind == GAN_NORM_BATCH &&
        (!(n->running_mean = gan_table_add(t, prefix, "running_mean", NN_BUFFER, 1, s, gan_init_const(0.0f), err)) ||
         !(n->running_var = gan_table_add(t, prefix, "running_var", NN_BUFFER, 1, s, gan_init_const(1.0f), err)) ||
         !(n->num_batches_tracked = gan_table_add(t, prefix, "num_batches_tracked", NN_COUNTER, 0, NULL,
                                                  gan_init_const(0.0f), err))))
        return fail_null(err);
    return 0;
}

nn_tensor *gan_norm_forward(nn_ctx *ctx, const gan_norm *n, nn_tensor *x, int train)
{
    nn_tensor *y;
    int s4[4];
    if (n->kind == GAN_NORM_INSTANCE) return nn_instance_norm2d(ctx, x, n->weight, n->bias, n->eps);
    if (n->kind != GAN_NORM_BATCH) return x;
    if (x && x->ndim == 2) {   /* BatchNorm1d over [N, C] is BatchNorm2d over [N, C, 1, 1] */
        s4[0] = x->shape[0];
        s4[1] = x->shape[1];
        s4[2] = s4[3] = 1;
        y = gan_norm_forward(ctx, n, nn_reshape(ctx, x, 4, s4), train);
        return nn_reshape(ctx, y, 2, s4);
    }
    y = nn_batch_norm2d(ctx, x, n->weight, n->bias, n->running_mean, n->running_var, train, n->momentum, n->eps);
    if (y && train && n->num_batches_tracked) n->num_batches_tracked->data[0] += 1.0f;
    return y;
}

nn_tensor *gan_act(nn_ctx *ctx, int act, float slope, nn_tensor *x)
{
    switch (act) {
    case GAN_ACT_RELU: return nn_relu(ctx, x);
    case GAN_ACT_LRELU: return nn_leaky_relu(ctx, x, slope);
    case GAN_ACT_TANH: return nn_tanh(ctx, x);
    case GAN_ACT_SIGMOID: return nn_sigmoid(ctx, x);
    default: return x;
    }
}

int gan_block_add(gan_table *t, const char *conv_prefix, const char *norm_prefix, const gan_block_def *d,
                  gan_block *b, g99_error *err)
{
    int rc;
    memset(b, 0, sizeof *b);
    b->act = d->act;
    b->slope = d->slope;
    rc = gan_conv_add(t, conv_prefix, &d->conv, &b->conv, err);
    if (!rc) rc = gan_norm_add(t, norm_prefix, d->norm, d->conv.out, d->norm_affine, d->norm_init, &b->norm, err);
    return rc;
}

nn_tensor *gan_block_forward(nn_ctx *ctx, const gan_block *b, nn_tensor *x, int train)
{
    x = gan_conv_forward(ctx, &b->conv, x, train);
    x = gan_norm_forward(ctx, &b->norm, x, train);
    return gan_act(ctx, b->act, b->slope, x);
}

/* ---- equalized learning rate (stylegan2-ada-pytorch) ----------------------- */

/* bias_act after the bias: leaky ReLU 0.2 with its gain sqrt 2 (linear:
 * gain 1), times the caller's gain, then the clamp. */
static nn_tensor *bias_act(nn_ctx *ctx, nn_tensor *x, int act, float gain, float clamp)
{
    double g = act == GAN_ACT_LRELU ? sqrt(2.0) * gain : gain;
    if (act == GAN_ACT_LRELU) x = nn_leaky_relu(ctx, x, 0.2f);
    if (g != 1.0) x = nn_scale(ctx, x, (float)g);
    if (clamp > 0.0f) x = nn_clamp(ctx, x, -clamp * gain, clamp * gain);
    return x;
}

static int check_act(const char *prefix, int act, g99_error *err)
{
    if (act == GAN_ACT_NONE || act == GAN_ACT_LRELU) return 0;
    return g99_fail(err, G99_EINVAL, "layers: %s: activation %d (want linear or lrelu)", prefix ? prefix : "", act);
}

int gan_eq_linear_add(gan_table *t, const char *prefix, int in, int out, int bias, float lr_mul, float bias_init,
                      int act, gan_eq_linear *l, g99_error *err)
{
    int s[2];
    memset(l, 0, sizeof *l);
    if (in < 1 || out < 1 || !(lr_mul > 0.0f))
        return g99_fail(err, G99_EINVAL, "layers: %s: %d -> %d, lr_mul %g", prefix ? prefix : "", in, out, lr_mul);
    if (check_act(prefix, act, err)) return err ? err->code : G99_EINVAL;
    l->act = act;
    l->weight_gain = nn_eqlr_gain(in, lr_mul);
    l->bias_gain = lr_mul;
    s[0] = out;
    s[1] = in;
    if (!(l->weight = gan_table_add(t, prefix, "weight", NN_PARAM, 2, s, gan_init_normal(0.0f, 1.0f / lr_mul), err)))
        return fail_null(err);
    if (bias && !(l->bias = gan_table_add(t, prefix, "bias", NN_PARAM, 1, s, gan_init_const(bias_init), err)))
        return fail_null(err);
    return 0;
}

static nn_tensor *gained(nn_ctx *ctx, nn_tensor *b, float gain)
{
    return b && gain != 1.0f ? nn_scale(ctx, b, gain) : b;
}

nn_tensor *gan_eq_linear_forward(nn_ctx *ctx, const gan_eq_linear *l, nn_tensor *x)
{
    nn_tensor *y = nn_linear(ctx, x, nn_scale(ctx, l->weight, l->weight_gain), gained(ctx, l->bias, l->bias_gain));
    return bias_act(ctx, y, l->act, 1.0f, 0.0f);
}

static nn_tensor *add_filter(gan_table *t, const char *prefix, g99_error *err)
{
    int s[2] = { 4, 4 };
    return gan_table_add(t, prefix, "resample_filter", NN_BUFFER, 2, s, gan_init_make(GAN_INIT_FIR, 4.0f, 0.0f), err);
}

int gan_eq_conv_add(gan_table *t, const char *prefix, const gan_eq_conv_def *d, gan_eq_conv *c, g99_error *err)
{
    float lr = d->lr_mul > 0.0f ? d->lr_mul : 1.0f;
    int s[4];
    memset(c, 0, sizeof *c);
    if (d->in < 1 || d->out < 1 || d->kernel < 1 || (d->down != 0 && d->down != 1 && d->down != 2) || d->lr_mul < 0)
        return g99_fail(err, G99_EINVAL, "layers: %s: %d -> %d, kernel %d, down %d, lr_mul %g", prefix ? prefix : "",
                        d->in, d->out, d->kernel, d->down, d->lr_mul);
    if (check_act(prefix, d->act, err)) return err ? err->code : G99_EINVAL;
    c->kernel = d->kernel;
    c->down = d->down ? d->down : 1;
    c->act = d->act;
    c->clamp = d->clamp;
    c->weight_gain = nn_eqlr_gain(d->in * d->kernel * d->kernel, lr);
    c->bias_gain = lr;
    s[0] = d->out;
    s[1] = d->in;
    s[2] = s[3] = d->kernel;
    if (!(c->weight = gan_table_add(t, prefix, "weight", NN_PARAM, 4, s, gan_init_normal(0.0f, 1.0f / lr), err)))
        return fail_null(err);
    if (d->bias && !(c->bias = gan_table_add(t, prefix, "bias", NN_PARAM, 1, s, gan_init_const(d->bias_init), err)))
        return fail_null(err);
    if (!(c->resample_filter = add_filter(t, prefix, err))) return fail_null(err);
    return 0;
}

nn_tensor *gan_eq_conv_forward(nn_ctx *ctx, const gan_eq_conv *c, nn_tensor *x, float gain)
{
    nn_tensor *w = nn_scale(ctx, c->weight, c->weight_gain), *y;
    nn_conv_opts o;
    memset(&o, 0, sizeof o);
    o.padding = c->kernel / 2;
    if (c->down > 1) {
        /* conv2d_resample's down path with its 4-tap filter: pad by the
         * conv's padding plus the filter's, filter, then a strided conv (a
         * 1x1 conv filters and subsamples first) */
        nn_upfirdn_opts f;
        memset(&f, 0, sizeof f);
        f.pad_x0 = f.pad_y0 = o.padding + (4 - c->down + 1) / 2;
        f.pad_x1 = f.pad_y1 = o.padding + (4 - c->down) / 2;
        o.padding = 0;
        if (c->kernel == 1) f.down = c->down;
        else o.stride = c->down;
        x = nn_upfirdn2d(ctx, x, c->resample_filter, &f);
    }
    y = nn_conv2d(ctx, x, w, gained(ctx, c->bias, c->bias_gain), &o);
    return bias_act(ctx, y, c->act, gain, c->clamp);
}

/* ---- modulated convolution (SynthesisLayer, ToRGBLayer) -------------------- */

int gan_modconv_add(gan_table *t, const char *prefix, const gan_modconv_def *d, gan_modconv *m, g99_error *err)
{
    char aff[256];
    int s[4], one[1];
    memset(m, 0, sizeof *m);
    if (d->in < 1 || d->out < 1 || d->kernel < 1 || d->w_dim < 1 || (d->up != 0 && d->up != 1 && d->up != 2) ||
        (d->torgb && (d->up > 1 || d->noise_res > 0)) || d->noise_res < 0)
        return g99_fail(err, G99_EINVAL, "layers: %s: %d -> %d, kernel %d, w_dim %d, up %d%s, noise %d",
                        prefix ? prefix : "", d->in, d->out, d->kernel, d->w_dim, d->up, d->torgb ? " (torgb)" : "",
                        d->noise_res);
    if (snprintf(aff, sizeof aff, "%s%saffine", prefix && *prefix ? prefix : "", prefix && *prefix ? "." : "") >=
        (int)sizeof aff)
        return g99_fail(err, G99_EINVAL, "layers: name %.60s... is too long", prefix);
    m->kernel = d->kernel;
    m->up = d->up ? d->up : 1;
    m->torgb = d->torgb;
    m->clamp = d->clamp;
    s[0] = d->out;
    s[1] = d->in;
    s[2] = s[3] = d->kernel;
    one[0] = d->out;
    /* own parameters, own buffers, then the affine child (state_dict order) */
    if (!(m->weight = gan_table_add(t, prefix, "weight", NN_PARAM, 4, s, gan_init_normal(0.0f, 1.0f), err)))
        return fail_null(err);
    if (d->noise_res > 0 &&
        !(m->noise_strength = gan_table_add(t, prefix, "noise_strength", NN_PARAM, 0, NULL, gan_init_const(0), err)))
        return fail_null(err);
    if (!(m->bias = gan_table_add(t, prefix, "bias", NN_PARAM, 1, one, gan_init_const(0.0f), err)))
        return fail_null(err);
    if (!d->torgb && !(m->resample_filter = add_filter(t, prefix, err))) return fail_null(err);
    if (d->noise_res > 0) {
        s[0] = s[1] = d->noise_res;
        if (!(m->noise_const = gan_table_add(t, prefix, "noise_const", NN_BUFFER, 2, s, gan_init_normal(0.0f, 1.0f),
                                             err)))
            return fail_null(err);
    }
    return gan_eq_linear_add(t, aff, d->w_dim, d->in, 1, 1.0f, 1.0f, GAN_ACT_NONE, &m->affine, err);
}

nn_tensor *gan_modconv_forward(nn_ctx *ctx, const gan_modconv *m, nn_tensor *x, nn_tensor *w, nn_tensor *noise,
                               float gain)
{
    nn_tensor *styles = gan_eq_linear_forward(ctx, &m->affine, w), *y;
    nn_modconv_opts o;
    int s4[4];
    memset(&o, 0, sizeof o);
    o.up = m->up;
    o.no_demodulate = m->torgb;
    o.padding = m->torgb ? 0 : m->kernel / 2;
    if (m->torgb) styles = nn_scale(ctx, styles, nn_eqlr_gain(m->weight->shape[1] * m->kernel * m->kernel, 1.0));
    y = nn_modulated_conv2d(ctx, x, m->weight, styles, m->resample_filter, &o);
    if (noise && m->noise_strength) y = nn_noise_inject(ctx, y, noise, m->noise_strength);
    s4[0] = 1;
    s4[1] = m->bias->shape[0];
    s4[2] = s4[3] = 1;
    y = nn_add(ctx, y, nn_reshape(ctx, m->bias, 4, s4));
    if (m->torgb) return bias_act(ctx, y, GAN_ACT_NONE, 1.0f, m->clamp);
    return bias_act(ctx, y, GAN_ACT_LRELU, gain, m->clamp);
}

void gan_conv_def_normal(gan_conv_def *d, int op, int in, int out, int kernel, int stride, int padding, int bias)
{
    memset(d, 0, sizeof *d);
    d->op = op;
    d->in = in;
    d->out = out;
    d->kernel = kernel;
    d->geom.stride = stride;
    d->geom.padding = padding;
    d->bias = bias;
    d->weight_init = gan_init_normal(0.0f, 0.02f);
    d->bias_init = gan_init_const(0.0f);
}

void gan_block_def_normal(gan_block_def *d, int op, int in, int out, int kernel, int stride, int padding, int bias,
                          int norm, int act, float slope)
{
    memset(d, 0, sizeof *d);
    gan_conv_def_normal(&d->conv, op, in, out, kernel, stride, padding, bias);
    d->norm = norm;
    d->norm_init = gan_init_normal(1.0f, 0.02f);
    d->act = act;
    d->slope = slope;
}
