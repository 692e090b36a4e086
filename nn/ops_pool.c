/* nn core: 2-D average and max pooling (doc/design.md §4.3;
 * torch.nn.functional.avg_pool2d and max_pool2d, floor mode; doc/models.md
 * §3: SPADE's multiscale D downsamples with avg_pool2d(3, stride 2,
 * padding 1, count_include_pad=False); the autoencoder's --pool stages use
 * max_pool2d(2)).
 *
 * Output (oy, ox) averages the window rows [oy s - p, oy s - p + k) and
 * columns likewise, clipped to the image; the divisor is the clipped
 * window's size (exclude_pad) or the window clipped to the padded image
 * (PyTorch's count_include_pad, the default). The pooling P is linear, so
 * its gradient is its adjoint P^T (each input gets the sum of g / divisor
 * over the windows that hold it) and the adjoint's gradient is P again:
 * the pair is closed under differentiation (create_graph). */
#include "tensor_internal.h"

#include <math.h>

typedef struct pool_geom {
    int n, c, h, w, ho, wo, k, s, p, exclude;
} pool_geom;

typedef char pool_geom_fits_node[sizeof(pool_geom) <= NN_NODE_IARGS * sizeof(int) ? 1 : -1];

/* The clipped window of output o along an axis of extent len, and the
 * divisor's factor for that axis. */
static void window(const pool_geom *g, int o, int len, int *lo, int *hi, int *count)
{
    int start = o * g->s - g->p, end = start + g->k;
    int padded_end = end < len + g->p ? end : len + g->p;
    *lo = start > 0 ? start : 0;
    *hi = end < len ? end : len;
    *count = g->exclude ? *hi - *lo : padded_end - start;
}

static nn_tensor *pool_f(nn_ctx *ctx, const pool_geom *g, nn_tensor *x);
static nn_tensor *pool_t(nn_ctx *ctx, const pool_geom *g, nn_tensor *gy);

static void f_backward(nn_ctx *ctx, nn_node *nd, nn_tensor *u, nn_tensor **gin)
{
    pool_geom g;
    memcpy(&g, nd->iarg, sizeof g);
    gin[0] = pool_t(ctx, &g, u);
}

static void t_backward(nn_ctx *ctx, nn_node *nd, nn_tensor *u, nn_tensor **gin)
{
    pool_geom g;
    memcpy(&g, nd->iarg, sizeof g);
    gin[0] = pool_f(ctx, &g, u);
}

/* y [N,C,Ho,Wo] = P x [N,C,H,W]: each window summed row by row from 0 in
 * plain float (a window is at most k*k short terms), then divided. */
static nn_tensor *pool_f(nn_ctx *ctx, const pool_geom *g, nn_tensor *x)
{
    int shape[4], oy, ox, y0, y1, x0, x1, ch, cw, iy, ix;
    size_t hw = (size_t)g->h * g->w;
    long plane, planes;
    nn_tensor *y;
    nn_node *nd;
    if (!x || ctx->err.code) return NULL;
    shape[0] = g->n; shape[1] = g->c; shape[2] = g->ho; shape[3] = g->wo;
    y = nn__empty(ctx, "avg_pool2d", 4, shape);
    if (!y) return NULL;
    planes = (long)g->n * g->c;
    /* planes over the threads: each window summed alone, the same bits */
#ifdef _OPENMP
#pragma omp parallel for schedule(static) private(oy, ox, y0, y1, x0, x1, ch, cw, iy, ix) \
    if (NN__PAR(x->numel) && planes > 1)
#endif
    for (plane = 0; plane < planes; plane++) {
        const float *xp = x->data + (size_t)plane * hw;
        float *yp = y->data + (size_t)plane * (size_t)g->ho * (size_t)g->wo;
        for (oy = 0; oy < g->ho; oy++) {
            window(g, oy, g->h, &y0, &y1, &ch);
            for (ox = 0; ox < g->wo; ox++) {
                float sum = 0.0f;
                window(g, ox, g->w, &x0, &x1, &cw);
                for (iy = y0; iy < y1; iy++)
                    for (ix = x0; ix < x1; ix++) sum += xp[(size_t)iy * g->w + ix];
                *yp++ = sum / (float)(ch * cw);
            }
        }
    }
    nd = nn__record(ctx, "avg_pool2d", f_backward, y, 1, x, NULL, NULL);
    if (nd) memcpy(nd->iarg, g, sizeof *g);
    return ctx->err.code ? NULL : y;
}

/* x-shaped [N,C,H,W] = P^T gy [N,C,Ho,Wo]: outputs visited in row-major
 * order, each adding gy / divisor to its window. */
static nn_tensor *pool_t(nn_ctx *ctx, const pool_geom *g, nn_tensor *gy)
{
    int shape[4], oy, ox, y0, y1, x0, x1, ch, cw, iy, ix;
    size_t hw = (size_t)g->h * g->w;
    long plane, planes;
    nn_tensor *x;
    nn_node *nd;
    if (!gy || ctx->err.code) return NULL;
    shape[0] = g->n; shape[1] = g->c; shape[2] = g->h; shape[3] = g->w;
    x = nn_tensor_new(ctx, 4, shape);
    if (!x) return NULL;
    planes = (long)g->n * g->c;
    /* planes over the threads: a plane's adds stay in their order */
#ifdef _OPENMP
#pragma omp parallel for schedule(static) private(oy, ox, y0, y1, x0, x1, ch, cw, iy, ix) \
    if (NN__PAR(x->numel) && planes > 1)
#endif
    for (plane = 0; plane < planes; plane++) {
        float *xp = x->data + (size_t)plane * hw;
        const float *gp = gy->data + (size_t)plane * (size_t)g->ho * (size_t)g->wo;
        for (oy = 0; oy < g->ho; oy++) {
            window(g, oy, g->h, &y0, &y1, &ch);
            for (ox = 0; ox < g->wo; ox++) {
                float v;
                window(g, ox, g->w, &x0, &x1, &cw);
                v = *gp++ / (float)(ch * cw);
                for (iy = y0; iy < y1; iy++)
                    for (ix = x0; ix < x1; ix++) xp[(size_t)iy * g->w + ix] += v;
            }
        }
    }
    nd = nn__record(ctx, "avg_pool2d_grad", t_backward, x, 1, gy, NULL, NULL);
    if (nd) memcpy(nd->iarg, g, sizeof *g);
    return ctx->err.code ? NULL : x;
}

nn_tensor *nn_avg_pool2d(nn_ctx *ctx, nn_tensor *x, const nn_pool_opts *o)
{
    pool_geom g;
    char s1[64];
    if (!ctx || !nn__ok(ctx, "avg_pool2d", "input", x)) return NULL;
    if (!o) return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "avg_pool2d: no options (kernel size)");
    if (x->ndim != 4)
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "avg_pool2d: input %s must be [N,C,H,W]", nn_shape_str(x, s1));
    g.k = o->kernel;
    g.s = o->stride ? o->stride : o->kernel;
    g.p = o->padding;
    g.exclude = o->exclude_pad != 0;
    /* PyTorch's own limits: a window never lies wholly in the padding */
    if (g.k < 1 || g.s < 1 || g.p < 0 || g.p > g.k / 2)
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "avg_pool2d: kernel %d, stride %d, padding %d (want kernel, "
                                     "stride >= 1, 0 <= padding <= kernel/2)", g.k, g.s, g.p);
    g.n = x->shape[0]; g.c = x->shape[1]; g.h = x->shape[2]; g.w = x->shape[3];
    if ((long)g.h + 2L * g.p < g.k || (long)g.w + 2L * g.p < g.k)
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "avg_pool2d: input %s with padding %d is smaller than "
                                     "the kernel %d", nn_shape_str(x, s1), g.p, g.k);
    g.ho = (int)(((long)g.h + 2L * g.p - g.k) / g.s + 1);
    g.wo = (int)(((long)g.w + 2L * g.p - g.k) / g.s + 1);
    return pool_f(ctx, &g, x);
}

/* ---- max pooling ---------------------------------------------------------
 * As PyTorch's CPU kernel: padding counts as -inf, a window scans rows then
 * columns and keeps the first of equal maxima (a strict >), a NaN wins
 * (the last NaN of the window), and a window of -infs keeps its first
 * in-image element. The gradient goes to the kept element alone: with the
 * winners' indices (a constant of the graph, stored as floats: exact since
 * a plane holds at most 2^24 elements) the backward is a scatter S of g,
 * whose adjoint is the gather G of the winners, and G's adjoint is S
 * again: the pair is closed under differentiation. */

static nn_tensor *max_scatter(nn_ctx *ctx, const pool_geom *g, nn_tensor *gy, nn_tensor *idx);
static nn_tensor *max_gather(nn_ctx *ctx, const pool_geom *g, nn_tensor *gx, nn_tensor *idx);

static void max_backward(nn_ctx *ctx, nn_node *nd, nn_tensor *u, nn_tensor **gin)
{
    pool_geom g;
    memcpy(&g, nd->iarg, sizeof g);
    gin[0] = max_scatter(ctx, &g, u, nd->in[1]);
}

static void scatter_backward(nn_ctx *ctx, nn_node *nd, nn_tensor *u, nn_tensor **gin)
{
    pool_geom g;
    memcpy(&g, nd->iarg, sizeof g);
    gin[0] = max_gather(ctx, &g, u, nd->in[1]);
}

static void gather_backward(nn_ctx *ctx, nn_node *nd, nn_tensor *u, nn_tensor **gin)
{
    pool_geom g;
    memcpy(&g, nd->iarg, sizeof g);
    gin[0] = max_scatter(ctx, &g, u, nd->in[1]);
}

/* x-shaped: x[plane, idx[o]] += gy[o] over the outputs in row-major order. */
static nn_tensor *max_scatter(nn_ctx *ctx, const pool_geom *g, nn_tensor *gy, nn_tensor *idx)
{
    int shape[4];
    size_t plane, o, hw = (size_t)g->h * g->w, howo = (size_t)g->ho * g->wo;
    nn_tensor *x;
    nn_node *nd;
    if (!gy || ctx->err.code) return NULL;
    shape[0] = g->n; shape[1] = g->c; shape[2] = g->h; shape[3] = g->w;
    x = nn_tensor_new(ctx, 4, shape);
    if (!x) return NULL;
    for (plane = 0; plane < (size_t)g->n * g->c; plane++)
        for (o = 0; o < howo; o++)
            x->data[plane * hw + (size_t)idx->data[plane * howo + o]] += gy->data[plane * howo + o];
    nd = nn__record(ctx, "max_pool2d_grad", scatter_backward, x, 2, gy, idx, NULL);
    if (nd) memcpy(nd->iarg, g, sizeof *g);
    return ctx->err.code ? NULL : x;
}

/* y-shaped: y[o] = gx[plane, idx[o]]. */
static nn_tensor *max_gather(nn_ctx *ctx, const pool_geom *g, nn_tensor *gx, nn_tensor *idx)
{
    int shape[4];
    size_t plane, o, hw = (size_t)g->h * g->w, howo = (size_t)g->ho * g->wo;
    nn_tensor *y;
    nn_node *nd;
    if (!gx || ctx->err.code) return NULL;
    shape[0] = g->n; shape[1] = g->c; shape[2] = g->ho; shape[3] = g->wo;
    y = nn__empty(ctx, "max_pool2d", 4, shape);
    if (!y) return NULL;
    for (plane = 0; plane < (size_t)g->n * g->c; plane++)
        for (o = 0; o < howo; o++) y->data[plane * howo + o] = gx->data[plane * hw + (size_t)idx->data[plane * howo + o]];
    nd = nn__record(ctx, "max_pool2d_gather", gather_backward, y, 2, gx, idx, NULL);
    if (nd) memcpy(nd->iarg, g, sizeof *g);
    return ctx->err.code ? NULL : y;
}

nn_tensor *nn_max_pool2d(nn_ctx *ctx, nn_tensor *x, const nn_pool_opts *o)
{
    pool_geom g;
    char s1[64];
    int shape[4], oy, ox, iy, ix;
    size_t plane, hw;
    float *yp, *ip;
    nn_tensor *y, *idx;
    nn_node *nd;
    if (!ctx || !nn__ok(ctx, "max_pool2d", "input", x)) return NULL;
    if (!o) return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "max_pool2d: no options (kernel size)");
    if (x->ndim != 4)
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "max_pool2d: input %s must be [N,C,H,W]", nn_shape_str(x, s1));
    memset(&g, 0, sizeof g);
    g.k = o->kernel;
    g.s = o->stride ? o->stride : o->kernel;
    g.p = o->padding;
    if (g.k < 1 || g.s < 1 || g.p < 0 || g.p > g.k / 2)
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "max_pool2d: kernel %d, stride %d, padding %d (want kernel, "
                                     "stride >= 1, 0 <= padding <= kernel/2)", g.k, g.s, g.p);
    g.n = x->shape[0]; g.c = x->shape[1]; g.h = x->shape[2]; g.w = x->shape[3];
    if ((long)g.h + 2L * g.p < g.k || (long)g.w + 2L * g.p < g.k)
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "max_pool2d: input %s with padding %d is smaller than "
                                     "the kernel %d", nn_shape_str(x, s1), g.p, g.k);
    if ((long)g.h * g.w > 1L << 24)
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "max_pool2d: input %s: a plane above 2^24 elements",
                                     nn_shape_str(x, s1));
    g.ho = (int)(((long)g.h + 2L * g.p - g.k) / g.s + 1);
    g.wo = (int)(((long)g.w + 2L * g.p - g.k) / g.s + 1);
    shape[0] = g.n; shape[1] = g.c; shape[2] = g.ho; shape[3] = g.wo;
    y = nn__empty(ctx, "max_pool2d", 4, shape);
    idx = nn__empty(ctx, "max_pool2d", 4, shape);
    if (!y || !idx) return NULL;
    yp = y->data;
    ip = idx->data;
    hw = (size_t)g.h * g.w;
    for (plane = 0; plane < (size_t)g.n * g.c; plane++) {
        const float *xp = x->data + plane * hw;
        for (oy = 0; oy < g.ho; oy++) {
            int y0 = oy * g.s - g.p, y1 = y0 + g.k;
            if (y0 < 0) y0 = 0;
            if (y1 > g.h) y1 = g.h;
            for (ox = 0; ox < g.wo; ox++) {
                int x0 = ox * g.s - g.p, x1 = x0 + g.k;
                long best;
                float m = -INFINITY;
                if (x0 < 0) x0 = 0;
                if (x1 > g.w) x1 = g.w;
                best = (long)y0 * g.w + x0;
                for (iy = y0; iy < y1; iy++)
                    for (ix = x0; ix < x1; ix++) {
                        float v = xp[(size_t)iy * g.w + ix];
                        if (v > m || v != v) {
                            m = v;
                            best = (long)iy * g.w + ix;
                        }
                    }
                *yp++ = m;
                *ip++ = (float)best;
            }
        }
    }
    nd = nn__record(ctx, "max_pool2d", max_backward, y, 2, x, idx, NULL);
    if (nd) memcpy(nd->iarg, &g, sizeof g);
    return ctx->err.code ? NULL : y;
}
