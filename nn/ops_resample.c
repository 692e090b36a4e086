/* nn core: upsampling by an integer factor, nearest and bilinear, and
 * resizing to any size, nearest and bilinear with either align_corners
 * (doc/design.md §4.3; torch.nn.functional.interpolate with scale_factor or size,
 * doc/models.md §0; SPADE resizes its segmentation map to every layer this
 * way, §3).
 *
 * Both are separable: along each axis, output o reads inputs i0 and i1
 * with weights l0 and l1.
 *   nearest:  i0 = floor(o / s), l0 = 1 (PyTorch's floor(dst * in/out))
 *   resize:   i0 = o when out = in, o >> 1 when out = 2 in, else
 *             min(floor(o * r), in - 1), r = in / out in float (PyTorch's
 *             nearest_idx for a size without a scale factor)
 *   bilinear: src = max(r (o + 0.5) - 0.5, 0) (align_corners=False) or
 *             src = r o (True), i0 = min(floor(src), len - 1),
 *             i1 = min(i0 + 1, len - 1), l1 = src - i0, l0 = 1 - l1; the
 *             float ratio r is 1/s for a scale factor, in / out for a
 *             size, (in - 1) / (out - 1) with align_corners (0 for out 1);
 *             src computed as PyTorch: r times a double rounded to float
 *             (False), a float product (True). Equal sizes copy (i1 = i0,
 *             l1 = 0), as PyTorch's kernel does.
 *   y = l0h (l0w x[i0h][i0w] + l1w x[i0h][i1w]) + l1h (l0w x[i1h][i0w] + l1w x[i1h][i1w])
 * Upsampling U is linear: its gradient is the adjoint U^T (outputs visited
 * in row-major order, each adding its weighted gradient to the inputs it
 * read, as PyTorch's CPU kernel), and the adjoint's gradient is U again,
 * so the pair is closed under differentiation. */
#include "tensor_internal.h"

#include <limits.h>

enum { R_NEAREST, R_BILINEAR, R_RESIZE, R_RESIZE_BILINEAR };
static const char *const resample_names[] = { "upsample_nearest", "upsample_bilinear", "resize_nearest",
                                              "resize_bilinear" };
static const char *const adjoint_names[] = { "upsample_nearest_grad", "upsample_bilinear_grad",
                                             "resize_nearest_grad", "resize_bilinear_grad" };

typedef struct resample_geom {
    int mode, scale, n, c, h, w;   /* the input [N,C,H,W]; scale 0 for the resizes */
    int ho, wo;                    /* the output [N,C,Ho,Wo] */
    int align;                     /* R_RESIZE_BILINEAR: align_corners */
} resample_geom;

static int is_bilinear(int mode)
{
    return mode == R_BILINEAR || mode == R_RESIZE_BILINEAR;
}

typedef struct axis_tap {
    int i0, i1;
    float l0, l1;
} axis_tap;

static axis_tap *axis_taps(nn_ctx *ctx, const resample_geom *g, int len, int out)
{
    int o;
    axis_tap *t = (axis_tap *)nn__alloc(ctx, resample_names[g->mode], (size_t)out * sizeof *t);
    float scale;
    if (!t) return NULL;
    if (g->mode == R_BILINEAR) scale = (float)(1.0 / g->scale);
    else if (!g->align) scale = (float)len / (float)out;
    else scale = out > 1 ? (float)(len - 1) / (float)(out - 1) : 0.0f;
    for (o = 0; o < out; o++) {
        if (is_bilinear(g->mode) && out == len) {
            t[o].i0 = t[o].i1 = o;
            t[o].l0 = 1.0f;
            t[o].l1 = 0.0f;
        } else if (!is_bilinear(g->mode)) {
            if (g->mode == R_NEAREST) t[o].i0 = o / g->scale;
            else if (out == len) t[o].i0 = o;
            else if (out == 2 * len) t[o].i0 = o >> 1;
            else {
                int i = (int)((float)o * ((float)len / (float)out));
                t[o].i0 = i < len - 1 ? i : len - 1;
            }
            t[o].i1 = t[o].i0;
            t[o].l0 = 1.0f;
            t[o].l1 = 0.0f;
        } else {
            float src = g->align ? scale * (float)o : (float)((double)scale * (o + 0.5) - 0.5);
            if (src < 0.0f) src = 0.0f;
            t[o].i0 = (int)src < len - 1 ? (int)src : len - 1;
            t[o].i1 = t[o].i0 < len - 1 ? t[o].i0 + 1 : t[o].i0;
            t[o].l1 = src - (float)t[o].i0;
            t[o].l0 = 1.0f - t[o].l1;
        }
    }
    return t;
}

static nn_tensor *up_f(nn_ctx *ctx, const resample_geom *g, nn_tensor *x);
static nn_tensor *up_t(nn_ctx *ctx, const resample_geom *g, nn_tensor *gy);

static void f_backward(nn_ctx *ctx, nn_node *nd, nn_tensor *u, nn_tensor **gin)
{
    resample_geom g;
    memcpy(&g, nd->iarg, sizeof g);
    gin[0] = up_t(ctx, &g, u);
}

static void t_backward(nn_ctx *ctx, nn_node *nd, nn_tensor *u, nn_tensor **gin)
{
    resample_geom g;
    memcpy(&g, nd->iarg, sizeof g);
    gin[0] = up_f(ctx, &g, u);
}

/* y [N,C,sH,sW] = U x [N,C,H,W] */
static nn_tensor *up_f(nn_ctx *ctx, const resample_geom *g, nn_tensor *x)
{
    int shape[4], ho = g->ho, wo = g->wo, oy, ox;
    size_t hw = (size_t)g->h * g->w;
    long plane, planes;
    axis_tap *th, *tw;
    nn_tensor *y;
    nn_node *nd;
    if (!x || ctx->err.code) return NULL;
    shape[0] = g->n; shape[1] = g->c; shape[2] = ho; shape[3] = wo;
    y = nn__empty(ctx, resample_names[g->mode], 4, shape);
    th = y ? axis_taps(ctx, g, g->h, ho) : NULL;
    tw = th ? axis_taps(ctx, g, g->w, wo) : NULL;
    if (!tw) return NULL;
    planes = (long)g->n * g->c;
    /* planes over the threads: each output computed alone, the same bits */
#ifdef _OPENMP
#pragma omp parallel for schedule(static) private(oy, ox) if (NN__PAR(y->numel) && planes > 1)
#endif
    for (plane = 0; plane < planes; plane++) {
        const float *xp = x->data + (size_t)plane * hw;
        float *yp = y->data + (size_t)plane * (size_t)ho * (size_t)wo;
        for (oy = 0; oy < ho; oy++) {
            const float *r0 = xp + (size_t)th[oy].i0 * g->w, *r1 = xp + (size_t)th[oy].i1 * g->w;
            for (ox = 0; ox < wo; ox++) {
                const axis_tap *a = &th[oy], *b = &tw[ox];
                if (!is_bilinear(g->mode)) {
                    *yp++ = r0[b->i0];
                } else {
                    float t0 = r0[b->i0] * b->l0 + r0[b->i1] * b->l1;
                    float t1 = r1[b->i0] * b->l0 + r1[b->i1] * b->l1;
                    *yp++ = t0 * a->l0 + t1 * a->l1;
                }
            }
        }
    }
    nd = nn__record(ctx, resample_names[g->mode], f_backward, y, 1, x, NULL, NULL);
    if (nd) memcpy(nd->iarg, g, sizeof *g);
    return ctx->err.code ? NULL : y;
}

/* x-shaped [N,C,H,W] = U^T gy [N,C,sH,sW] */
static nn_tensor *up_t(nn_ctx *ctx, const resample_geom *g, nn_tensor *gy)
{
    int shape[4], ho = g->ho, wo = g->wo, oy, ox;
    size_t plane, hw = (size_t)g->h * g->w;
    axis_tap *th, *tw;
    const float *gp;
    nn_tensor *x;
    nn_node *nd;
    if (!gy || ctx->err.code) return NULL;
    shape[0] = g->n; shape[1] = g->c; shape[2] = g->h; shape[3] = g->w;
    x = nn_tensor_new(ctx, 4, shape);
    th = x ? axis_taps(ctx, g, g->h, ho) : NULL;
    tw = th ? axis_taps(ctx, g, g->w, wo) : NULL;
    if (!tw) return NULL;
    gp = gy->data;
    for (plane = 0; plane < (size_t)g->n * g->c; plane++) {
        float *xp = x->data + plane * hw;
        for (oy = 0; oy < ho; oy++) {
            float *r0 = xp + (size_t)th[oy].i0 * g->w, *r1 = xp + (size_t)th[oy].i1 * g->w;
            for (ox = 0; ox < wo; ox++) {
                const axis_tap *a = &th[oy], *b = &tw[ox];
                float v = *gp++;
                if (!is_bilinear(g->mode)) {
                    r0[b->i0] += v;
                } else {
                    r0[b->i0] += a->l0 * b->l0 * v;
                    r0[b->i1] += a->l0 * b->l1 * v;
                    r1[b->i0] += a->l1 * b->l0 * v;
                    r1[b->i1] += a->l1 * b->l1 * v;
                }
            }
        }
    }
    nd = nn__record(ctx, adjoint_names[g->mode], t_backward, x, 1, gy, NULL, NULL);
    if (nd) memcpy(nd->iarg, g, sizeof *g);
    return ctx->err.code ? NULL : x;
}

static nn_tensor *upsample(nn_ctx *ctx, int mode, nn_tensor *x, int scale)
{
    const char *op = resample_names[mode];
    resample_geom g;
    char s1[64];
    if (!ctx || !nn__ok(ctx, op, "input", x)) return NULL;
    if (x->ndim != 4 || scale < 1)
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "%s: input %s, scale %d (want [N,C,H,W] and scale >= 1)", op,
                                     nn_shape_str(x, s1), scale);
    if (x->shape[2] > INT_MAX / scale || x->shape[3] > INT_MAX / scale)
        return (nn_tensor *)nn__fail(ctx, G99_ELIMIT, "%s: input %s times %d is too large", op, nn_shape_str(x, s1),
                                     scale);
    memset(&g, 0, sizeof g);
    g.mode = mode;
    g.scale = scale;
    g.n = x->shape[0]; g.c = x->shape[1]; g.h = x->shape[2]; g.w = x->shape[3];
    g.ho = g.h * scale;
    g.wo = g.w * scale;
    return up_f(ctx, &g, x);
}

nn_tensor *nn_upsample_nearest(nn_ctx *ctx, nn_tensor *x, int scale)
{
    return upsample(ctx, R_NEAREST, x, scale);
}

nn_tensor *nn_upsample_bilinear(nn_ctx *ctx, nn_tensor *x, int scale)
{
    return upsample(ctx, R_BILINEAR, x, scale);
}

nn_tensor *nn_resize_nearest(nn_ctx *ctx, nn_tensor *x, int height, int width)
{
    resample_geom g;
    char s1[64];
    if (!ctx || !nn__ok(ctx, "resize_nearest", "input", x)) return NULL;
    if (x->ndim != 4 || height < 1 || width < 1 || height > 1 << 24 || width > 1 << 24)
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "resize_nearest: input %s to %dx%d (want [N,C,H,W] and "
                                     "1 to 2^24 rows and columns)", nn_shape_str(x, s1), height, width);
    memset(&g, 0, sizeof g);
    g.mode = R_RESIZE;
    g.n = x->shape[0]; g.c = x->shape[1]; g.h = x->shape[2]; g.w = x->shape[3];
    g.ho = height;
    g.wo = width;
    return up_f(ctx, &g, x);
}

nn_tensor *nn_resize_bilinear(nn_ctx *ctx, nn_tensor *x, int height, int width, int align_corners)
{
    resample_geom g;
    char s1[64];
    if (!ctx || !nn__ok(ctx, "resize_bilinear", "input", x)) return NULL;
    if (x->ndim != 4 || height < 1 || width < 1 || height > 1 << 24 || width > 1 << 24)
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "resize_bilinear: input %s to %dx%d (want [N,C,H,W] and "
                                     "1 to 2^24 rows and columns)", nn_shape_str(x, s1), height, width);
    memset(&g, 0, sizeof g);
    g.mode = R_RESIZE_BILINEAR;
    g.n = x->shape[0]; g.c = x->shape[1]; g.h = x->shape[2]; g.w = x->shape[3];
    g.ho = height;
    g.wo = width;
    g.align = align_corners != 0;
    return up_f(ctx, &g, x);
}
