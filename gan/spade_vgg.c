/* gan: the VGG19 perceptual loss of NVlabs/SPADE (VGGLoss, doc/models.md
 * §3.5, §3.7): torchvision's vgg19().features cut at relu1_1, relu2_1,
 * relu3_1, relu4_1 and relu5_1, weights 1/32, 1/16, 1/8, 1/4 and 1 on the
 * L1 distances between the fake's and the real's features.
 *
 * features (configuration E): conv3x3 (pad 1, bias) + ReLU, max pools 2x2
 * between the stages; the indices below are torchvision's, so a state_dict
 * converted to safetensors loads as it is. Only the 13 convs up to conv5_1
 * (features.28) are used. */
#include "gan.h"

#include <stdio.h>

/* torchvision index, in, out of conv k; a max pool comes before convs 2, 4, 8, 12. */
static const int vgg_layers[GAN_VGG19_CONVS][3] = {
    { 0, 3, 64 },     { 2, 64, 64 },    { 5, 64, 128 },   { 7, 128, 128 },  { 10, 128, 256 },
    { 12, 256, 256 }, { 14, 256, 256 }, { 16, 256, 256 }, { 19, 256, 512 }, { 21, 512, 512 },
    { 23, 512, 512 }, { 25, 512, 512 }, { 28, 512, 512 },
};

void gan_vgg19_layer(int k, int *feature_index, int *in, int *out)
{
    *feature_index = vgg_layers[k][0];
    *in = vgg_layers[k][1];
    *out = vgg_layers[k][2];
}

int gan_vgg19_init(gan_vgg19 *v, g99_error *err)
{
    char name[48];
    int k, ws[4], bs[1];
    memset(v, 0, sizeof *v);
    nn_params_init(&v->p);
    for (k = 0; k < GAN_VGG19_CONVS; k++) {
        ws[0] = bs[0] = vgg_layers[k][2];
        ws[1] = vgg_layers[k][1];
        ws[2] = ws[3] = 3;
        /* buffers: frozen (requires_grad False in the reference), no gradient, no optimizer */
        snprintf(name, sizeof name, "features.%d.weight", vgg_layers[k][0]);
        if (!(v->w[k] = nn_params_add(&v->p, name, NN_BUFFER, 4, ws, err))) goto fail;
        snprintf(name, sizeof name, "features.%d.bias", vgg_layers[k][0]);
        if (!(v->b[k] = nn_params_add(&v->p, name, NN_BUFFER, 1, bs, err))) goto fail;
    }
    if (nn_params_alloc(&v->p, err)) goto fail;
    return 0;
fail:
    gan_vgg19_free(v);
    return err ? err->code : G99_ENOMEM;
}

void gan_vgg19_free(gan_vgg19 *v)
{
    nn_params_free(&v->p);
    memset(v, 0, sizeof *v);
}

int gan_vgg19_load(gan_vgg19 *v, const char *path, g99_error *err)
{
    nn_st_file *f = NULL;
    size_t i;
    int rc, d;
    if ((rc = gan_vgg19_init(v, err)) != 0) return rc;
    if ((rc = nn_st_load(path, NN_ST_MAX_FILE, &f, err)) != 0) goto fail;
    for (i = 0; i < v->p.n; i++) {
        const nn_tensor *t = v->p.t[i];
        const nn_st_tensor *s = nn_st_find(f, t->name);
        int ok = s && s->rank == t->ndim;
        for (d = 0; ok && d < t->ndim; d++) ok = s->shape[d] == (size_t)t->shape[d];
        if (!s) {
            rc = g99_fail(err, G99_EINVAL, "%s: no %s (want torchvision's vgg19 state_dict keys)", path, t->name);
            goto fail;
        }
        if (!ok) {
            rc = g99_fail(err, G99_EINVAL, "%s: %s has another shape than torchvision's vgg19", path, t->name);
            goto fail;
        }
        if ((rc = nn_st_read_f32(s, t->data, t->numel, err)) != 0) goto fail;
    }
    nn_st_free(f);
    return 0;
fail:
    nn_st_free(f);
    gan_vgg19_free(v);
    return rc;
}

int gan_vgg19_features(nn_ctx *ctx, const gan_vgg19 *v, nn_tensor *x, nn_tensor **out)
{
    nn_conv_opts co;
    nn_pool_opts po;
    int k, n = 0;
    memset(&co, 0, sizeof co);
    co.stride = 1;
    co.padding = 1;
    memset(&po, 0, sizeof po);
    po.kernel = 2;
    po.stride = 2;
    for (k = 0; k < GAN_VGG19_CONVS; k++) {
        if (k == 2 || k == 4 || k == 8 || k == 12) x = nn_max_pool2d(ctx, x, &po);
        x = nn_relu(ctx, nn_conv2d(ctx, x, v->w[k], v->b[k], &co));
        if (k == 0 || k == 2 || k == 4 || k == 8 || k == 12) out[n++] = x;
    }
    return x && !nn_ctx_error(ctx)->code ? 0 : (nn_ctx_error(ctx)->code ? nn_ctx_error(ctx)->code : G99_EINVAL);
}

nn_tensor *gan_vgg_loss(nn_ctx *ctx, const gan_vgg19 *v, nn_tensor *fake, nn_tensor *real)
{
    static const float w[5] = { 1.0f / 32, 1.0f / 16, 1.0f / 8, 1.0f / 4, 1.0f };
    nn_tensor *ff[5], *fr[5], *loss = NULL;
    int k, was;
    if (gan_vgg19_features(ctx, v, fake, ff)) return NULL;
    was = nn_set_grad_enabled(ctx, 0);
    k = gan_vgg19_features(ctx, v, real, fr);
    nn_set_grad_enabled(ctx, was);
    if (k) return NULL;
    /* loss += w_k L1, from 0 as the reference's sum */
    for (k = 0; k < 5; k++) {
        nn_tensor *l = nn_scale(ctx, nn_l1_loss(ctx, ff[k], nn_detach(ctx, fr[k])), w[k]);
        loss = loss ? nn_add(ctx, loss, l) : l;
    }
    return loss;
}
