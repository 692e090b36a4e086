/* nn core: the StyleGAN layers (doc/design.md §4.3; doc/models.md §4):
 *   - modulated convolution with demodulation (StyleGAN2, §4.1), the fused
 *     form of stylegan2-ada-pytorch's modulated_conv2d: per-sample weights,
 *     one grouped convolution; up = 2 as its conv2d_resample does it,
 *   - AdaIN (StyleGAN v1, §4.4),
 *   - noise injection (v1 per-channel weight, v2 scalar noise_strength),
 *   - minibatch standard deviation (StyleGAN2's MinibatchStdLayer, §4.5),
 *   - the equalized learning-rate gain (§4.1).
 * Every one is a composition of the differentiable ops, so its backward
 * and the backward of that (R1 and path-length regularization, §7) come
 * from theirs. */
#include "tensor_internal.h"

#include <math.h>

/* ---- modulated convolution ---------------------------------------------------
 * x [N,I,H,W], weight [O,I,kh,kw], styles [N,I]:
 *   wm[n,o,i,k] = w[o,i,k] s[n,i]
 *   d[n,o]      = rsqrt(sum_{i,k} wm^2 + 1e-8)      (unless no_demodulate)
 *   y[n]        = conv(x[n], wm[n] d[n])             one group per sample
 * The 5-D [N,O,I,kh,kw] of the reference is held as [N,O,I,kh kw] (4 dims).
 * up = 2 follows conv2d_resample: a stride-2 transposed convolution with the
 * per-group transposed weight [N I, O, kh, kw], then upfirdn2d with the
 * filter and gain up^2, the pads being the reference's:
 *   x0 = p + (fw + up - 1) / 2 - (kw - 1),  x1 = p + (fw - up) / 2 - (kw - up),
 *   t = max(min(-x0, -x1), 0) moved into the transposed convolution's padding. */
nn_tensor *nn_modulated_conv2d(nn_ctx *ctx, nn_tensor *x, nn_tensor *w, nn_tensor *s, nn_tensor *f,
                               const nn_modconv_opts *o)
{
    int n, ci, co, kh, kw, up, pad, shape[4];
    nn_tensor *wm, *y;
    nn_conv_opts co_opts;
    char s1[64], s2[64], s3[64];
    if (!ctx || !nn__ok(ctx, "modulated_conv2d", "input", x) || !nn__ok(ctx, "modulated_conv2d", "weight", w) ||
        !nn__ok(ctx, "modulated_conv2d", "styles", s))
        return NULL;
    up = o && o->up ? o->up : 1;
    pad = o ? o->padding : 0;
    nn_shape_str(x, s1);
    nn_shape_str(w, s2);
    nn_shape_str(s, s3);
    if (x->ndim != 4 || w->ndim != 4 || s->ndim != 2 || w->shape[1] != x->shape[1] || s->shape[0] != x->shape[0] ||
        s->shape[1] != x->shape[1])
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "modulated_conv2d: input %s, weight %s, styles %s (want "
                                     "[N,I,H,W], [O,I,kh,kw], [N,I])", s1, s2, s3);
    if (up < 1 || up > 8 || pad < 0 || (up > 1 && !nn__ok(ctx, "modulated_conv2d", "filter", f)))
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "modulated_conv2d: up %d, padding %d (want up 1..8 with a "
                                     "filter when > 1, padding >= 0)", up, pad);
    if (up > 1 && f->ndim != 2)
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "modulated_conv2d: filter %s must be [fh,fw]",
                                     nn_shape_str(f, s1));
    n = x->shape[0]; ci = x->shape[1]; co = w->shape[0]; kh = w->shape[2]; kw = w->shape[3];

    shape[0] = 1; shape[1] = co; shape[2] = ci; shape[3] = kh * kw;
    wm = nn_reshape(ctx, w, 4, shape);
    shape[0] = n; shape[1] = 1; shape[2] = ci; shape[3] = 1;
    wm = nn_mul(ctx, wm, nn_reshape(ctx, s, 4, shape));
    if (!o || !o->no_demodulate) {
        shape[0] = n; shape[1] = co; shape[2] = 1; shape[3] = 1;
        wm = nn_mul(ctx, wm, nn_rsqrt(ctx, nn_add_scalar(ctx, nn_sum_to(ctx, nn_square(ctx, wm), 4, shape), 1e-8f)));
    }
    shape[0] = 1; shape[1] = n * ci; shape[2] = x->shape[2]; shape[3] = x->shape[3];
    x = nn_reshape(ctx, x, 4, shape);
    memset(&co_opts, 0, sizeof co_opts);
    co_opts.groups = n;
    if (up == 1) {
        shape[0] = n * co; shape[1] = ci; shape[2] = kh; shape[3] = kw;
        co_opts.padding = pad;
        y = nn_conv2d(ctx, x, nn_reshape(ctx, wm, 4, shape), NULL, &co_opts);
    } else {
        static const int swap_oi[4] = { 0, 2, 1, 3 };
        int fh = f->shape[0], fw = f->shape[1];
        int x0 = pad + (fw + up - 1) / 2 - (kw - 1), x1 = pad + (fw - up) / 2 - (kw - up);
        int y0 = pad + (fh + up - 1) / 2 - (kh - 1), y1 = pad + (fh - up) / 2 - (kh - up);
        int tx = -x0 < -x1 ? -x0 : -x1, ty = -y0 < -y1 ? -y0 : -y1;
        nn_upfirdn_opts fo;
        if (tx < 0) tx = 0;
        if (ty < 0) ty = 0;
        shape[0] = n * ci; shape[1] = co; shape[2] = kh; shape[3] = kw;
        co_opts.stride = up;
        co_opts.padding_h = ty;
        co_opts.padding_w = tx;
        y = nn_conv_transpose2d(ctx, x, nn_reshape(ctx, nn_permute(ctx, wm, swap_oi), 4, shape), NULL, &co_opts);
        memset(&fo, 0, sizeof fo);
        fo.pad_x0 = x0 + tx; fo.pad_x1 = x1 + tx; fo.pad_y0 = y0 + ty; fo.pad_y1 = y1 + ty;
        fo.gain = (float)(up * up);
        y = nn_upfirdn2d(ctx, y, f, &fo);
    }
    if (!y) return NULL;
    shape[0] = n; shape[1] = co; shape[2] = y->shape[2]; shape[3] = y->shape[3];
    return nn_reshape(ctx, y, 4, shape);
}

/* ---- AdaIN -------------------------------------------------------------------
 * StyleGAN v1's epilogue: instance norm over H, W with eps (1e-8 in v1, not
 * torch's 1e-5), then x (style[:, :C] + 1) + style[:, C:]; style [N,2C] is
 * the output of the layer's style dense. */
nn_tensor *nn_adain(nn_ctx *ctx, nn_tensor *x, nn_tensor *style, float eps)
{
    int c, shape[4];
    nn_tensor *xn, *scale, *bias;
    char s1[64], s2[64];
    if (!ctx || !nn__ok(ctx, "adain", "input", x) || !nn__ok(ctx, "adain", "style", style)) return NULL;
    if (x->ndim != 4 || style->ndim != 2 || style->shape[0] != x->shape[0] || style->shape[1] != 2 * x->shape[1])
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "adain: input %s and style %s (want [N,C,H,W] and [N,2C])",
                                     nn_shape_str(x, s1), nn_shape_str(style, s2));
    c = x->shape[1];
    xn = nn_instance_norm2d(ctx, x, NULL, NULL, eps);
    shape[0] = x->shape[0]; shape[1] = c; shape[2] = 1; shape[3] = 1;
    scale = nn_reshape(ctx, nn_add_scalar(ctx, nn_narrow(ctx, style, 1, 0, c), 1.0f), 4, shape);
    bias = nn_reshape(ctx, nn_narrow(ctx, style, 1, c, c), 4, shape);
    return nn_add(ctx, nn_mul(ctx, xn, scale), bias);
}

/* ---- noise injection -----------------------------------------------------------
 * x + noise * strength: noise [N,1,H,W] (drawn by the caller from stream
 * NN_STREAM_NOISE, or a const buffer), strength [C] (v1's per-channel
 * weight) or one element (v2's noise_strength). */
nn_tensor *nn_noise_inject(nn_ctx *ctx, nn_tensor *x, nn_tensor *noise, nn_tensor *strength)
{
    int shape[4];
    char s1[64], s2[64], s3[64];
    if (!ctx || !nn__ok(ctx, "noise_inject", "input", x) || !nn__ok(ctx, "noise_inject", "noise", noise) ||
        !nn__ok(ctx, "noise_inject", "strength", strength))
        return NULL;
    if (x->ndim != 4 || noise->ndim != 4 || noise->shape[0] != x->shape[0] || noise->shape[1] != 1 ||
        noise->shape[2] != x->shape[2] || noise->shape[3] != x->shape[3] || strength->ndim > 1 ||
        (strength->numel != 1 && (int)strength->numel != x->shape[1]))
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "noise_inject: input %s, noise %s, strength %s (want "
                                     "[N,C,H,W], [N,1,H,W], [C] or one element)", nn_shape_str(x, s1),
                                     nn_shape_str(noise, s2), nn_shape_str(strength, s3));
    shape[0] = 1; shape[1] = (int)strength->numel; shape[2] = 1; shape[3] = 1;
    return nn_add(ctx, x, nn_mul(ctx, noise, nn_reshape(ctx, strength, 4, shape)));
}

/* ---- minibatch standard deviation ---------------------------------------------
 * x [N,C,H,W] seen as [G, N/G, F, C/F * H * W]: the members of a group are
 * samples n, n + N/G, ... (strided, as the reference's reshape). Per group
 * and channel group: the standard deviation over the G members (biased,
 * sqrt(var + 1e-8)), averaged over C/F, H, W; each sample gets its group's
 * F values as F constant channels appended to x -> [N, C+F, H, W]. */
nn_tensor *nn_minibatch_stddev(nn_ctx *ctx, nn_tensor *x, int group_size, int num_channels)
{
    int n, g, m, nf, shape[4], full[4];
    nn_tensor *y;
    char s1[64];
    if (!ctx || !nn__ok(ctx, "minibatch_stddev", "input", x)) return NULL;
    if (x->ndim != 4 || group_size < 1 || num_channels < 1 || x->shape[1] % num_channels)
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "minibatch_stddev: input %s, group size %d, %d channels "
                                     "(want [N,C,H,W], C divisible by the channels)", nn_shape_str(x, s1),
                                     group_size, num_channels);
    n = x->shape[0];
    g = group_size < n ? group_size : n;   /* min(group_size, N) as the reference */
    if (n % g)
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "minibatch_stddev: batch %d is not divisible by the group "
                                     "size %d", n, g);
    m = n / g;
    nf = num_channels;
    full[0] = g; full[1] = m; full[2] = nf; full[3] = (int)(x->numel / (size_t)n / (size_t)nf);
    shape[0] = 1; shape[1] = m; shape[2] = nf; shape[3] = full[3];
    y = nn_reshape(ctx, x, 4, full);
    y = nn_sub(ctx, y, nn_mean_to(ctx, y, 4, shape));
    y = nn_sqrt(ctx, nn_add_scalar(ctx, nn_mean_to(ctx, nn_square(ctx, y), 4, shape), 1e-8f));
    shape[3] = 1;
    y = nn_mean_to(ctx, y, 4, shape);
    full[3] = x->shape[2] * x->shape[3];
    y = nn_expand(ctx, y, 4, full);
    shape[0] = n; shape[1] = nf; shape[2] = x->shape[2]; shape[3] = x->shape[3];
    return nn_concat(ctx, x, nn_reshape(ctx, y, 4, shape), 1);
}

/* ---- equalized learning rate -----------------------------------------------------
 * lr_mul / sqrt(fan_in) in double, rounded once to float: the reference
 * computes it in Python (double) and PyTorch multiplies a float tensor by
 * the scalar rounded to float. */
float nn_eqlr_gain(int fan_in, double lr_mul)
{
    if (fan_in < 1) return 0.0f;
    return (float)(lr_mul / sqrt((double)fan_in));
}
