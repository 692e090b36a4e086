/* gan/layers.c: the builders' state_dict names, shapes, kinds and
 * initializers against hand-derived expectations (PyTorch's names and
 * defaults, the reference models' inits); the initializer table's draws
 * against the generator filled by hand in table order; DCGAN's layers
 * resolved to its state_dict; and the forwards and gradients of the
 * equalized-LR linear and conv, the modulated conv (SynthesisLayer,
 * ToRGBLayer) and the spectral-norm conv against PyTorch
 * (golden/layers/layers.safetensors, written by
 * golden/tools/layers_golden.py). Golden tolerances as tests/test_nn_ops.c:
 * outputs 1e-5 + 1e-4 relative, gradients 1e-4 relative + 1e-5 of the
 * tensor's largest magnitude. */
#include "nn_golden.h"
#include "test.h"
#include "../gan/gan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Entry i is `name` with this kind, shape and initializer. */
static void expect(const gan_table *t, const nn_params *p, size_t i, const char *name, int kind, int ndim, int s0,
                   int s1, int s2, int s3, int init_kind, double a, double b)
{
    const nn_tensor *x;
    int s[4], d;
    if (!CHECK(i < t->n) || !CHECK_EQ_U64(t->n, p->n)) return;
    x = t->t[i];
    CHECK(x == p->t[i]);
    if (!CHECK_EQ_STR(name, x->name)) return;
    CHECK_EQ_INT(kind, p->kind[i]);
    s[0] = s0; s[1] = s1; s[2] = s2; s[3] = s3;
    if (CHECK_EQ_INT(ndim, x->ndim))
        for (d = 0; d < ndim; d++) CHECK_EQ_INT(s[d], x->shape[d]);
    CHECK_EQ_INT(init_kind, t->init[i].kind);
    CHECK_NEAR(a, t->init[i].a, 0, 1e-6);
    if (init_kind == GAN_INIT_NORMAL || init_kind == GAN_INIT_UNIFORM) CHECK_NEAR(b, t->init[i].b, 0, 1e-6);
}

static gan_block_def conv_def(int op, int in, int out, int k, int bias, gan_init w, gan_init b)
{
    gan_block_def d;
    memset(&d, 0, sizeof d);
    d.conv.op = op;
    d.conv.in = in;
    d.conv.out = out;
    d.conv.kernel = k;
    d.conv.bias = bias;
    d.conv.weight_init = w;
    d.conv.bias_init = b;
    return d;
}

/* DCGAN's conv + BN, a pix2pix-style transposed conv with PyTorch's default
 * init, a Xavier linear, instance norms with and without affine, a
 * spectral-norm conv: names, shapes and initializers. */
static void block_declarations(void)
{
    nn_params p;
    gan_table t;
    gan_block b[5];
    gan_block_def d;
    g99_error err;
    nn_params_init(&p);
    gan_table_init(&t, &p);
    d = conv_def(GAN_OP_CONV, 3, 8, 4, 0, gan_init_normal(0.0f, 0.02f), gan_init_const(0.0f));
    d.norm = GAN_NORM_BATCH;
    d.norm_init = gan_init_normal(1.0f, 0.02f);
    CHECK_EQ_INT(0, gan_block_add(&t, "main.0", "main.1", &d, &b[0], &err));
    /* ConvTranspose2d(5, 3, 4): weight [5,3,4,4]; PyTorch's fan_in is dim 1
     * times 16 = 48, so weight and bias ~ U(+-1/sqrt 48) */
    d = conv_def(GAN_OP_CONV_T, 5, 3, 4, 1, gan_init_make(GAN_INIT_TORCH_DEFAULT, 0, 0),
                 gan_init_make(GAN_INIT_TORCH_DEFAULT, 0, 0));
    d.norm = GAN_NORM_INSTANCE;   /* InstanceNorm2d's default: no affine, nothing declared */
    CHECK_EQ_INT(0, gan_block_add(&t, "up", "up_norm", &d, &b[1], &err));
    /* Linear(6, 10), xavier_normal gain 0.02: std 0.02 sqrt(2/16) */
    d = conv_def(GAN_OP_LINEAR, 6, 10, 0, 1, gan_init_make(GAN_INIT_XAVIER_NORMAL, 0.02f, 0),
                 gan_init_const(0.0f));
    d.norm = GAN_NORM_INSTANCE;
    d.norm_affine = 1;
    d.norm_init = gan_init_const(1.0f);
    CHECK_EQ_INT(0, gan_block_add(&t, "fc", "fc_norm", &d, &b[2], &err));
    /* spectral_norm(Conv2d(2, 4, 3)): bias, weight_orig, weight_u [4], weight_v [18] */
    d = conv_def(GAN_OP_CONV, 2, 4, 3, 1, gan_init_normal(0.0f, 0.02f), gan_init_const(0.0f));
    d.conv.spectral = 1;
    CHECK_EQ_INT(0, gan_block_add(&t, "sn", "", &d, &b[3], &err));
    /* spectral norm of a transposed conv is dim 1 in PyTorch: refused */
    d = conv_def(GAN_OP_CONV_T, 2, 4, 3, 0, gan_init_const(0), gan_init_const(0));
    d.conv.spectral = 1;
    CHECK_EQ_INT(G99_EINVAL, gan_block_add(&t, "bad", "", &d, &b[4], &err));

    expect(&t, &p, 0, "main.0.weight", NN_PARAM, 4, 8, 3, 4, 4, GAN_INIT_NORMAL, 0.0, 0.02);
    expect(&t, &p, 1, "main.1.weight", NN_PARAM, 1, 8, 0, 0, 0, GAN_INIT_NORMAL, 1.0, 0.02);
    expect(&t, &p, 2, "main.1.bias", NN_PARAM, 1, 8, 0, 0, 0, GAN_INIT_CONST, 0.0, 0);
    expect(&t, &p, 3, "main.1.running_mean", NN_BUFFER, 1, 8, 0, 0, 0, GAN_INIT_CONST, 0.0, 0);
    expect(&t, &p, 4, "main.1.running_var", NN_BUFFER, 1, 8, 0, 0, 0, GAN_INIT_CONST, 1.0, 0);
    expect(&t, &p, 5, "main.1.num_batches_tracked", NN_COUNTER, 0, 0, 0, 0, 0, GAN_INIT_CONST, 0.0, 0);
    expect(&t, &p, 6, "up.weight", NN_PARAM, 4, 5, 3, 4, 4, GAN_INIT_UNIFORM, -0.14433756729740643,
           0.14433756729740643);
    expect(&t, &p, 7, "up.bias", NN_PARAM, 1, 3, 0, 0, 0, GAN_INIT_UNIFORM, -0.14433756729740643,
           0.14433756729740643);
    expect(&t, &p, 8, "fc.weight", NN_PARAM, 2, 10, 6, 0, 0, GAN_INIT_NORMAL, 0.0, 0.0070710678118654752);
    expect(&t, &p, 9, "fc.bias", NN_PARAM, 1, 10, 0, 0, 0, GAN_INIT_CONST, 0.0, 0);
    expect(&t, &p, 10, "fc_norm.weight", NN_PARAM, 1, 10, 0, 0, 0, GAN_INIT_CONST, 1.0, 0);
    expect(&t, &p, 11, "fc_norm.bias", NN_PARAM, 1, 10, 0, 0, 0, GAN_INIT_CONST, 0.0, 0);
    expect(&t, &p, 12, "sn.bias", NN_PARAM, 1, 4, 0, 0, 0, GAN_INIT_CONST, 0.0, 0);
    expect(&t, &p, 13, "sn.weight_orig", NN_PARAM, 4, 4, 2, 3, 3, GAN_INIT_NORMAL, 0.0, 0.02);
    expect(&t, &p, 14, "sn.weight_u", NN_BUFFER, 1, 4, 0, 0, 0, GAN_INIT_UNIT_NORMAL, 0, 0);
    expect(&t, &p, 15, "sn.weight_v", NN_BUFFER, 1, 18, 0, 0, 0, GAN_INIT_UNIT_NORMAL, 0, 0);
    CHECK_EQ_U64(16, t.n);

    /* the structs point at their tensors */
    CHECK(b[0].conv.weight == p.t[0] && b[0].conv.bias == NULL && b[0].norm.weight == p.t[1] &&
          b[0].norm.running_var == p.t[4] && b[0].norm.num_batches_tracked == p.t[5]);
    CHECK(b[1].norm.kind == GAN_NORM_INSTANCE && b[1].norm.weight == NULL && b[1].norm.running_mean == NULL);
    CHECK(b[3].conv.weight == p.t[13] && b[3].conv.bias == p.t[12] && b[3].conv.u == p.t[14] &&
          b[3].conv.v == p.t[15]);
    CHECK_EQ_INT(GAN_NORM_NONE, b[3].norm.kind);
    gan_table_free(&t);
    nn_params_free(&p);
}

/* FullyConnectedLayer, Conv2dLayer, SynthesisLayer and ToRGBLayer keys in
 * PyTorch's state_dict order (own parameters, own buffers, children). */
static void stylegan_declarations(void)
{
    nn_params p;
    gan_table t;
    gan_eq_linear l;
    gan_eq_conv c;
    gan_modconv m, rgb;
    gan_eq_conv_def cd;
    gan_modconv_def md;
    g99_error err;
    nn_params_init(&p);
    gan_table_init(&t, &p);
    CHECK_EQ_INT(0, gan_eq_linear_add(&t, "mapping.fc0", 512, 256, 1, 0.01f, 0.5f, GAN_ACT_LRELU, &l, &err));
    CHECK_NEAR(0.01 / sqrt(512.0), l.weight_gain, 0, 1e-6);
    CHECK_NEAR(0.01, l.bias_gain, 0, 1e-6);
    memset(&cd, 0, sizeof cd);
    cd.in = 3; cd.out = 4; cd.kernel = 3; cd.bias = 1; cd.down = 2; cd.act = GAN_ACT_LRELU;
    CHECK_EQ_INT(0, gan_eq_conv_add(&t, "b8.conv1", &cd, &c, &err));
    CHECK_NEAR(1.0 / sqrt(27.0), c.weight_gain, 0, 1e-6);
    memset(&md, 0, sizeof md);
    md.in = 4; md.out = 2; md.kernel = 3; md.w_dim = 5; md.up = 2; md.noise_res = 8;
    CHECK_EQ_INT(0, gan_modconv_add(&t, "b8.conv0", &md, &m, &err));
    memset(&md, 0, sizeof md);
    md.in = 2; md.out = 3; md.kernel = 1; md.w_dim = 5; md.torgb = 1;
    CHECK_EQ_INT(0, gan_modconv_add(&t, "b8.torgb", &md, &rgb, &err));
    md.noise_res = 4;   /* ToRGB has no noise */
    CHECK_EQ_INT(G99_EINVAL, gan_modconv_add(&t, "bad", &md, &rgb, &err));
    md.noise_res = 0;
    CHECK_EQ_INT(0, gan_modconv_add(&t, "b8.torgb2", &md, &rgb, &err));

    expect(&t, &p, 0, "mapping.fc0.weight", NN_PARAM, 2, 256, 512, 0, 0, GAN_INIT_NORMAL, 0.0, 100.0);
    expect(&t, &p, 1, "mapping.fc0.bias", NN_PARAM, 1, 256, 0, 0, 0, GAN_INIT_CONST, 0.5, 0);
    expect(&t, &p, 2, "b8.conv1.weight", NN_PARAM, 4, 4, 3, 3, 3, GAN_INIT_NORMAL, 0.0, 1.0);
    expect(&t, &p, 3, "b8.conv1.bias", NN_PARAM, 1, 4, 0, 0, 0, GAN_INIT_CONST, 0.0, 0);
    expect(&t, &p, 4, "b8.conv1.resample_filter", NN_BUFFER, 2, 4, 4, 0, 0, GAN_INIT_FIR, 4.0, 0);
    expect(&t, &p, 5, "b8.conv0.weight", NN_PARAM, 4, 2, 4, 3, 3, GAN_INIT_NORMAL, 0.0, 1.0);
    expect(&t, &p, 6, "b8.conv0.noise_strength", NN_PARAM, 0, 0, 0, 0, 0, GAN_INIT_CONST, 0.0, 0);
    expect(&t, &p, 7, "b8.conv0.bias", NN_PARAM, 1, 2, 0, 0, 0, GAN_INIT_CONST, 0.0, 0);
    expect(&t, &p, 8, "b8.conv0.resample_filter", NN_BUFFER, 2, 4, 4, 0, 0, GAN_INIT_FIR, 4.0, 0);
    expect(&t, &p, 9, "b8.conv0.noise_const", NN_BUFFER, 2, 8, 8, 0, 0, GAN_INIT_NORMAL, 0.0, 1.0);
    expect(&t, &p, 10, "b8.conv0.affine.weight", NN_PARAM, 2, 4, 5, 0, 0, GAN_INIT_NORMAL, 0.0, 1.0);
    expect(&t, &p, 11, "b8.conv0.affine.bias", NN_PARAM, 1, 4, 0, 0, 0, GAN_INIT_CONST, 1.0, 0);
    expect(&t, &p, 12, "b8.torgb.weight", NN_PARAM, 4, 3, 2, 1, 1, GAN_INIT_NORMAL, 0.0, 1.0);
    expect(&t, &p, 13, "b8.torgb.bias", NN_PARAM, 1, 3, 0, 0, 0, GAN_INIT_CONST, 0.0, 0);
    expect(&t, &p, 14, "b8.torgb.affine.weight", NN_PARAM, 2, 2, 5, 0, 0, GAN_INIT_NORMAL, 0.0, 1.0);
    expect(&t, &p, 15, "b8.torgb.affine.bias", NN_PARAM, 1, 2, 0, 0, 0, GAN_INIT_CONST, 1.0, 0);
    CHECK(rgb.resample_filter == NULL && rgb.noise_const == NULL && m.affine.weight == p.t[10]);
    gan_table_free(&t);
    nn_params_free(&p);
}

/* Without a generator every tensor gets its initializer's centre; with one,
 * the table draws one fill per tensor in table order: the same values as
 * filling the tensors by hand from a generator with the same seed. */
static void table_apply_order(void)
{
    nn_params p;
    gan_table t;
    nn_tensor *a, *u, *f, *c, *n;
    nn_rng r1, r2;
    float ea[6], eu[5], en[3];
    int s6[2] = { 2, 3 }, s5[1] = { 5 }, s4[2] = { 4, 4 }, s3[1] = { 3 }, i;
    double ss = 0;
    g99_error err;
    nn_params_init(&p);
    gan_table_init(&t, &p);
    a = gan_table_add(&t, "x", "a", NN_PARAM, 2, s6, gan_init_uniform(-0.5f, 1.5f), &err);
    u = gan_table_add(&t, NULL, "u", NN_BUFFER, 1, s5, gan_init_make(GAN_INIT_UNIT_NORMAL, 0, 0), &err);
    f = gan_table_add(&t, "", "f", NN_BUFFER, 2, s4, gan_init_make(GAN_INIT_FIR, 4, 0), &err);
    c = gan_table_add(&t, "x", "c", NN_BUFFER, 1, s3, gan_init_const(-2.0f), &err);
    n = gan_table_add(&t, "x", "n", NN_PARAM, 1, s3, gan_init_normal(1.0f, 0.5f), &err);
    if (!CHECK(a && u && f && c && n)) goto done;
    CHECK_EQ_STR("x.a", a->name);
    CHECK_EQ_STR("u", u->name);
    CHECK_EQ_STR("f", f->name);
    /* refused: a fan-based init on a bias, a FIR of the wrong shape, a duplicate name */
    CHECK(gan_table_add(&t, "x", "b", NN_PARAM, 1, s3, gan_init_make(GAN_INIT_TORCH_DEFAULT, 0, 0), &err) == NULL);
    CHECK(gan_table_add(&t, "x", "g", NN_BUFFER, 2, s6, gan_init_make(GAN_INIT_FIR, 4, 0), &err) == NULL);
    CHECK(gan_table_add(&t, "x", "h", NN_BUFFER, 2, s4, gan_init_make(GAN_INIT_FIR, 0, 0), &err) == NULL);
    CHECK(gan_table_add(&t, "x", "a", NN_PARAM, 1, s3, gan_init_const(0), &err) == NULL);
    CHECK_EQ_U64(5, t.n);
    if (!CHECK_EQ_INT(0, gan_table_alloc(&t, &err))) goto done;
    for (i = 0; i < 6; i++) CHECK_EQ_FBITS(0.5f, a->data[i]);
    for (i = 0; i < 5; i++) CHECK_NEAR(0.4472135954999579, u->data[i], 0, 1e-6);   /* 1/sqrt 5 */
    CHECK_EQ_FBITS(1.0f / 64.0f, f->data[0]);
    CHECK_EQ_FBITS(3.0f / 64.0f, f->data[1]);
    CHECK_EQ_FBITS(9.0f / 64.0f, f->data[5]);
    CHECK_EQ_FBITS(3.0f / 64.0f, f->data[14]);
    for (i = 0; i < 3; i++) CHECK_EQ_FBITS(-2.0f, c->data[i]);
    for (i = 0; i < 3; i++) CHECK_EQ_FBITS(1.0f, n->data[i]);

    nn_rng_init(&r1, 7, NN_STREAM_INIT);
    nn_rng_init(&r2, 7, NN_STREAM_INIT);
    gan_table_apply(&t, &r1);
    nn_rng_fill_uniform(&r2, ea, 6, -0.5f, 1.5f);
    nn_rng_fill_normal(&r2, eu, 5, 0.0f, 1.0f);
    nn_rng_fill_normal(&r2, en, 3, 1.0f, 0.5f);
    for (i = 0; i < 5; i++) ss += (double)eu[i] * eu[i];
    CHECK_EQ_MEM(ea, a->data, sizeof ea);
    for (i = 0; i < 5; i++) CHECK_NEAR(eu[i] / sqrt(ss), u->data[i], 1e-7, 1e-6);
    CHECK_EQ_MEM(en, n->data, sizeof en);
    CHECK_EQ_FBITS(9.0f / 64.0f, f->data[10]);
    CHECK_EQ_FBITS(-2.0f, c->data[2]);
    CHECK_EQ_U64(r2.pos, r1.pos);   /* no draw more, none less */
done:
    gan_table_free(&t);
    nn_params_free(&p);
}

/* DCGAN's tables give every tensor the initializer the reference's
 * weights_init gives it (conv and linear weights N(0, 0.02), BN gamma
 * N(1, 0.02), biases 0) and PyTorch's buffers (running_var 1, the rest 0);
 * its layers point at its state_dict's tensors. */
static void dcgan_resolved(void)
{
    static const int sizes[3] = { 64, 32, 28 };
    int k;
    for (k = 0; k < 3; k++) {
        gan_dcgan_config cfg = { 16, 4, 4, 3, 0 };
        gan_dcgan m;
        g99_error err;
        int net;
        cfg.size = sizes[k];
        if (!CHECK_EQ_INT(0, gan_dcgan_init(&m, &cfg, &err))) continue;
        for (net = 0; net < 2; net++) {
            const nn_params *p = net ? &m.d : &m.g;
            const gan_table *t = net ? &m.dnet.init : &m.gnet.init;
            size_t i;
            CHECK_EQ_U64(p->n, t->n);
            for (i = 0; i < p->n && i < t->n; i++) {
                const nn_tensor *x = p->t[i];
                size_t len = strlen(x->name);
                int gamma = x->ndim == 1 && strcmp(x->name + len - 7, ".weight") == 0;
                int var = len > 11 && strcmp(x->name + len - 11, "running_var") == 0;
                CHECK(t->t[i] == x);
                if (p->kind[i] == NN_PARAM && (x->ndim == 4 || x->ndim == 2)) {
                    CHECK_EQ_INT(GAN_INIT_NORMAL, t->init[i].kind);
                    CHECK_EQ_FBITS(0.0f, t->init[i].a);
                    CHECK_EQ_FBITS(0.02f, t->init[i].b);
                } else if (p->kind[i] == NN_PARAM && gamma) {
                    CHECK_EQ_INT(GAN_INIT_NORMAL, t->init[i].kind);
                    CHECK_EQ_FBITS(1.0f, t->init[i].a);
                    CHECK_EQ_FBITS(0.02f, t->init[i].b);
                } else {
                    CHECK_EQ_INT(GAN_INIT_CONST, t->init[i].kind);
                    CHECK_EQ_FBITS(var ? 1.0f : 0.0f, t->init[i].a);
                }
            }
        }
        if (sizes[k] == 64) {
            CHECK_EQ_INT(5, m.gnet.n_layers);
            CHECK_EQ_INT(5, m.dnet.n_layers);
            CHECK(m.gnet.layer[4].conv.weight == nn_params_find(&m.g, "main.12.weight"));
            CHECK(m.gnet.layer[1].norm.running_mean == nn_params_find(&m.g, "main.4.running_mean"));
            CHECK(m.dnet.layer[3].conv.weight == nn_params_find(&m.d, "main.8.weight"));
            CHECK(m.dnet.layer[3].norm.weight == nn_params_find(&m.d, "main.9.weight"));
            CHECK(m.dnet.layer[4].conv.weight == nn_params_find(&m.d, "main.11.weight"));
            CHECK_EQ_INT(GAN_ACT_SIGMOID, m.dnet.layer[4].act);
            CHECK_EQ_INT(GAN_NORM_NONE, m.dnet.layer[0].norm.kind);
        } else if (sizes[k] == 28) {
            CHECK_EQ_INT(4, m.gnet.n_layers);
            CHECK_EQ_INT(3, m.dnet.n_layers);
            CHECK_EQ_INT(GAN_OP_LINEAR, m.gnet.layer[0].conv.op);
            CHECK(m.gnet.layer[0].norm.num_batches_tracked == nn_params_find(&m.g, "main.1.num_batches_tracked"));
            CHECK(m.gnet.layer[3].conv.weight == nn_params_find(&m.g, "main.10.weight"));
            CHECK(m.dnet.layer[1].conv.bias == nn_params_find(&m.d, "main.3.bias"));
            CHECK(m.dnet.layer[2].conv.bias == nn_params_find(&m.d, "main.7.bias"));
        } else {
            CHECK_EQ_INT(4, m.gnet.n_layers);
            CHECK(m.dnet.layer[3].conv.weight == nn_params_find(&m.d, "main.8.weight"));
        }
        gan_dcgan_free(&m);
    }
}

/* BatchNorm counts num_batches_tracked on each training forward, not in
 * eval; on [N, C] it is BatchNorm1d (batch statistics per column). */
static void batch_norm_counts(void)
{
    nn_params p;
    gan_table t;
    gan_norm n;
    nn_ctx *ctx = nn_ctx_new(0);
    g99_error err;
    static const float x[6] = { 1, 2, 3, 5, -1, 0 };   /* [3, 2]: columns (1, 3, -1), (2, 5, 0) */
    int s[2] = { 3, 2 };
    nn_tensor *y;
    nn_params_init(&p);
    gan_table_init(&t, &p);
    if (!CHECK_EQ_INT(0, gan_norm_add(&t, "bn", GAN_NORM_BATCH, 2, 0, gan_init_const(1.0f), &n, &err)) ||
        !CHECK_EQ_INT(0, gan_table_alloc(&t, &err)))
        goto done;
    y = gan_norm_forward(ctx, &n, nn_tensor_from(ctx, 2, s, x), 1);
    gan_norm_forward(ctx, &n, nn_tensor_from(ctx, 2, s, x), 1);
    gan_norm_forward(ctx, &n, nn_tensor_from(ctx, 2, s, x), 0);
    if (!CHECK(y != NULL)) goto done;
    CHECK_EQ_INT(2, y->ndim);
    CHECK_EQ_FBITS(2.0f, n.num_batches_tracked->data[0]);
    /* column 0: mean 1, biased var 8/3: (1 - 1) / sqrt(8/3 + 1e-5) = 0 and
     * (3 - 1) / sqrt(8/3 + 1e-5) */
    CHECK_NEAR(0.0, y->data[0], 1e-6, 0);
    CHECK_NEAR(2.0 / sqrt(8.0 / 3.0 + 1e-5), y->data[2], 1e-6, 1e-5);
    /* running mean after two updates: 0.19 of the batch mean (1, 7/3) */
    CHECK_NEAR(0.19, n.running_mean->data[0], 1e-7, 1e-5);
    CHECK_NEAR(0.19 * 7.0 / 3.0, n.running_mean->data[1], 1e-7, 1e-5);
done:
    nn_ctx_free(ctx);
    gan_table_free(&t);
    nn_params_free(&p);
}

/* ---- against PyTorch ---------------------------------------------------------- */

typedef int (*build_fn)(gan_table *t, const float *cfg, void *layer, g99_error *err);
typedef nn_tensor *(*forward_fn)(nn_ctx *ctx, const void *layer, const float *cfg, nn_tensor *x, nn_tensor *w,
                                 nn_tensor *noise);

/* Builds case K of `name` with build, loads every parameter from the golden
 * file by its state_dict name (so every parameter must be there), runs
 * forward, and compares the output and the gradients of the input(s) and
 * of every parameter; spectral norm's buffers after the forward too.
 * Returns the number of cases. */
static int run_golden(const golden_file *g, const char *name, build_fn build, forward_fn forward, void *layer)
{
    int k, count = 0;
    nn_ctx *ctx = nn_ctx_new(0);
    if (!CHECK(ctx != NULL) || !CHECK(g->n > 0)) goto done;
    for (k = 0; gfind(g, "%s.%d.out", name, k); k++) {
        nn_params p;
        gan_table t;
        g99_error err;
        nn_tensor *in[2 + 16], *grads[2 + 16], *x, *w, *noise, *y, *gy;
        const golden_tensor *e;
        const float *cfg = gfind(g, "%s.%d.cfg", name, k)->data;
        char what[128];
        size_t i;
        int n_in = 0, j;
        count++;
        nn_ctx_reset(ctx);
        nn_params_init(&p);
        gan_table_init(&t, &p);
        if (!CHECK_EQ_INT(0, build(&t, cfg, layer, &err)) || !CHECK_EQ_INT(0, gan_table_alloc(&t, &err))) {
            fprintf(stderr, "    %s.%d: %s\n", name, k, err.msg);
            goto next;
        }
        for (i = 0; i < p.n; i++) {
            e = gfind(g, "%s.%d.%s", name, k, p.t[i]->name);
            if (!e) {
                /* buffers the golden leaves out (filters, constant noise) keep their init */
                if (!CHECK(p.kind[i] != NN_PARAM)) fprintf(stderr, "    %s.%d: no %s\n", name, k, p.t[i]->name);
                continue;
            }
            if (CHECK_EQ_U64(e->numel, p.t[i]->numel)) memcpy(p.t[i]->data, e->data, e->numel * sizeof(float));
        }
        x = to_tensor(ctx, gfind(g, "%s.%d.x", name, k));
        w = to_tensor(ctx, gfind(g, "%s.%d.w", name, k));
        noise = to_tensor(ctx, gfind(g, "%s.%d.noise", name, k));
        nn_tensor_set_requires_grad(x, 1);
        in[n_in++] = x;
        if (w) {
            nn_tensor_set_requires_grad(w, 1);
            in[n_in++] = w;
        }
        for (i = 0; i < p.n && n_in < 18; i++)
            if (p.kind[i] == NN_PARAM) in[n_in++] = p.t[i];
        y = forward(ctx, layer, cfg, x, w, noise);
        if (!CHECK_EQ_STR("", nn_ctx_error(ctx)->msg) || !CHECK(y != NULL)) goto next;
        e = gfind(g, "%s.%d.out", name, k);
        snprintf(what, sizeof what, "%s.%d.out", name, k);
        if (!CHECK_EQ_U64(e->numel, y->numel)) goto next;
        near_all(e->data, y->data, y->numel, 1e-5, 1e-4, what);
        for (j = 0; j < 2; j++) {
            const char *buf = j ? "weight_v" : "weight_u";
            const golden_tensor *after = gfind(g, "%s.%d.after.%s", name, k, buf);
            const nn_tensor *b = nn_params_find(&p, buf);
            if (!after) continue;
            snprintf(what, sizeof what, "%s.%d.after.%s", name, k, buf);
            if (CHECK(b != NULL) && CHECK_EQ_U64(after->numel, b->numel))
                near_all(after->data, b->data, b->numel, 1e-6, 1e-5, what);
        }
        gy = to_tensor(ctx, gfind(g, "%s.%d.gout", name, k));
        if (!CHECK_EQ_INT(0, nn_grad(ctx, 1, &y, n_in, in, &gy, 0, grads))) goto next;
        for (j = 0; j < n_in; j++) {
            const char *nm = in[j] == x ? "x" : in[j] == w ? "w" : in[j]->name;
            e = gfind(g, "%s.%d.grad.%s", name, k, nm);
            snprintf(what, sizeof what, "%s.%d.grad.%s", name, k, nm);
            if (!CHECK(e != NULL)) {
                fprintf(stderr, "    no golden %s\n", what);
                continue;
            }
            if (CHECK_EQ_U64(e->numel, grads[j]->numel))
                near_all(e->data, grads[j]->data, e->numel, 1e-5 * max_abs(e->data, e->numel), 1e-4, what);
        }
    next:
        gan_table_free(&t);
        nn_params_free(&p);
    }
done:
    nn_ctx_free(ctx);
    return count;
}

/* eq_linear cfg: in, out, bias, lr_mul, bias_init, lrelu */
static int build_eq_linear(gan_table *t, const float *c, void *l, g99_error *err)
{
    return gan_eq_linear_add(t, "", (int)c[0], (int)c[1], (int)c[2], c[3], c[4], c[5] != 0 ? GAN_ACT_LRELU : 0,
                             (gan_eq_linear *)l, err);
}

static nn_tensor *fwd_eq_linear(nn_ctx *ctx, const void *l, const float *c, nn_tensor *x, nn_tensor *w,
                                nn_tensor *noise)
{
    (void)c; (void)w; (void)noise;
    return gan_eq_linear_forward(ctx, (const gan_eq_linear *)l, x);
}

/* eq_conv cfg: in, out, kernel, bias, down, lrelu, clamp, gain */
static int build_eq_conv(gan_table *t, const float *c, void *l, g99_error *err)
{
    gan_eq_conv_def d;
    memset(&d, 0, sizeof d);
    d.in = (int)c[0];
    d.out = (int)c[1];
    d.kernel = (int)c[2];
    d.bias = (int)c[3];
    d.down = (int)c[4];
    d.act = c[5] != 0 ? GAN_ACT_LRELU : GAN_ACT_NONE;
    d.clamp = c[6];
    return gan_eq_conv_add(t, "", &d, (gan_eq_conv *)l, err);
}

static nn_tensor *fwd_eq_conv(nn_ctx *ctx, const void *l, const float *c, nn_tensor *x, nn_tensor *w,
                              nn_tensor *noise)
{
    (void)w; (void)noise;
    return gan_eq_conv_forward(ctx, (const gan_eq_conv *)l, x, c[7]);
}

/* modconv cfg: in, out, kernel, w_dim, up, torgb, noise, clamp, gain; the
 * noise_const [res, res] is not used (the golden gives the noise). */
static int build_modconv(gan_table *t, const float *c, void *l, g99_error *err)
{
    gan_modconv_def d;
    memset(&d, 0, sizeof d);
    d.in = (int)c[0];
    d.out = (int)c[1];
    d.kernel = (int)c[2];
    d.w_dim = (int)c[3];
    d.up = (int)c[4];
    d.torgb = (int)c[5];
    d.noise_res = c[6] != 0 ? 4 * d.up : 0;
    d.clamp = c[7];
    return gan_modconv_add(t, "", &d, (gan_modconv *)l, err);
}

static nn_tensor *fwd_modconv(nn_ctx *ctx, const void *l, const float *c, nn_tensor *x, nn_tensor *w,
                              nn_tensor *noise)
{
    return gan_modconv_forward(ctx, (const gan_modconv *)l, x, w, noise, c[8]);
}

/* sn_conv cfg: in, out, kernel, stride, padding, bias, train */
static int build_sn_conv(gan_table *t, const float *c, void *l, g99_error *err)
{
    gan_conv_def d;
    memset(&d, 0, sizeof d);
    d.op = GAN_OP_CONV;
    d.in = (int)c[0];
    d.out = (int)c[1];
    d.kernel = (int)c[2];
    d.geom.stride = (int)c[3];
    d.geom.padding = (int)c[4];
    d.bias = (int)c[5];
    d.spectral = 1;
    d.weight_init = gan_init_make(GAN_INIT_TORCH_DEFAULT, 0, 0);
    d.bias_init = gan_init_make(GAN_INIT_TORCH_DEFAULT, 0, 0);
    return gan_conv_add(t, "", &d, (gan_conv *)l, err);
}

static nn_tensor *fwd_sn_conv(nn_ctx *ctx, const void *l, const float *c, nn_tensor *x, nn_tensor *w,
                              nn_tensor *noise)
{
    (void)w; (void)noise;
    return gan_conv_forward(ctx, (const gan_conv *)l, x, (int)c[6]);
}

#define LAYER_GOLDEN(name, type, min_cases)                                                  \
    static void golden_##name(void)                                                          \
    {                                                                                        \
        golden_file g;                                                                       \
        type layer;                                                                          \
        if (golden_load("golden/layers/layers.safetensors", &g)) return;                     \
        CHECK(run_golden(&g, #name, build_##name, fwd_##name, &layer) >= (min_cases));       \
        golden_free(&g);                                                                     \
    }

LAYER_GOLDEN(eq_linear, gan_eq_linear, 4)
LAYER_GOLDEN(eq_conv, gan_eq_conv, 4)
LAYER_GOLDEN(modconv, gan_modconv, 4)
LAYER_GOLDEN(sn_conv, gan_conv, 3)

/* Bad definitions are refused with a message naming the layer. */
static void bad_definitions(void)
{
    nn_params p;
    gan_table t;
    gan_eq_linear l;
    gan_eq_conv c;
    gan_eq_conv_def cd;
    g99_error err;
    nn_params_init(&p);
    gan_table_init(&t, &p);
    CHECK_EQ_INT(G99_EINVAL, gan_eq_linear_add(&t, "fc", 0, 3, 1, 1.0f, 0.0f, GAN_ACT_NONE, &l, &err));
    CHECK_CONTAINS("fc", err.msg);
    CHECK_EQ_INT(G99_EINVAL, gan_eq_linear_add(&t, "fc", 2, 3, 1, 1.0f, 0.0f, GAN_ACT_TANH, &l, &err));
    CHECK_CONTAINS("activation", err.msg);
    memset(&cd, 0, sizeof cd);
    cd.in = 2; cd.out = 2; cd.kernel = 3; cd.down = 3;
    CHECK_EQ_INT(G99_EINVAL, gan_eq_conv_add(&t, "conv", &cd, &c, &err));
    CHECK_CONTAINS("down 3", err.msg);
    CHECK_EQ_U64(0, p.n);
    gan_table_free(&t);
    nn_params_free(&p);
}

const test_case layers_tests[] = {
    TEST(block_declarations), TEST(stylegan_declarations), TEST(table_apply_order), TEST(dcgan_resolved),
    TEST(batch_norm_counts), TEST(golden_eq_linear), TEST(golden_eq_conv), TEST(golden_modconv),
    TEST(golden_sn_conv), TEST(bad_definitions), TEST_END
};
