/* nn core: upfirdn2d, StyleGAN2's FIR resampling (doc/design.md §4.3; doc/models.md
 * §4.1), after _upfirdn2d_ref in NVlabs/stylegan2-ada-pytorch's
 * torch_utils/ops/upfirdn2d.py:
 *   1. upsample by inserting up-1 zeros after every sample (i -> i up),
 *   2. pad by (x0, x1, y0, y1) zeros; a negative pad crops,
 *   3. convolve (a true convolution, the filter flipped; flip_filter set
 *      correlates instead) with f * gain,
 *   4. keep every down-th sample.
 * Output (oy, ox) of [N,C,Ho,Wo], Ho = (H up + y0 + y1 - fh) / down + 1:
 *   y = sum_{ky,kx} fk[ky][kx] X(oy down + ky - y0, ox down + kx - x0)
 * where X(u, v) = x[u/up][v/up] when u and v are multiples of up inside
 * [0, H up) x [0, W up), else 0, and fk = gain f flipped (or not).
 * Each output is one fmaf chain over (ky, kx) in row-major order.
 *
 * The map x -> y is linear; its adjoint is upfirdn2d again with up and
 * down swapped, the flip toggled and the pads
 *   x0' = fw - x0 - 1,  x1' = W up - Wo down + x0 - up + 1  (y likewise)
 * (the reference's own backward), so the op is its own backward's backward
 * and differentiable to any order (R1 through a StyleGAN2 D, doc/models.md §7).
 * The filter is a constant (the `resample_filter` buffer): no gradient. */
#include "tensor_internal.h"

#include <limits.h>
#include <math.h>

typedef struct fir_geom {
    int n, c, h, w;          /* input */
    int fh, fw, up, down;
    int x0, x1, y0, y1, flip;
    int ho, wo;              /* output */
} fir_geom;

typedef char fir_geom_fits_node[sizeof(fir_geom) <= NN_NODE_IARGS * sizeof(int) ? 1 : -1];

static nn_tensor *fir_f(nn_ctx *ctx, const fir_geom *g, float gain, nn_tensor *x, nn_tensor *f);

/* The geometry of the adjoint map: input [.., Ho, Wo], output [.., H, W]. */
static fir_geom adjoint(const fir_geom *g)
{
    fir_geom a = *g;
    a.h = g->ho;
    a.w = g->wo;
    a.ho = g->h;
    a.wo = g->w;
    a.up = g->down;
    a.down = g->up;
    a.flip = !g->flip;
    a.x0 = g->fw - g->x0 - 1;
    a.x1 = g->w * g->up - g->wo * g->down + g->x0 - g->up + 1;
    a.y0 = g->fh - g->y0 - 1;
    a.y1 = g->h * g->up - g->ho * g->down + g->y0 - g->up + 1;
    return a;
}

static void fir_backward(nn_ctx *ctx, nn_node *nd, nn_tensor *u, nn_tensor **gin)
{
    fir_geom g, a;
    memcpy(&g, nd->iarg, sizeof g);
    a = adjoint(&g);
    gin[0] = fir_f(ctx, &a, nd->farg[0], u, nd->in[1]);
}

/* y [N,C,Ho,Wo] = upfirdn2d(x [N,C,H,W], f [fh,fw]) */
static nn_tensor *fir_f(nn_ctx *ctx, const fir_geom *g, float gain, nn_tensor *x, nn_tensor *f)
{
    int shape[4], oy, ox, ky, kx, hu = g->h * g->up, wu = g->w * g->up;
    size_t plane, nf = (size_t)g->fh * g->fw, k;
    float *fk, *yp;
    nn_tensor *y;
    nn_node *nd;
    if (!x || ctx->err.code) return NULL;
    shape[0] = g->n; shape[1] = g->c; shape[2] = g->ho; shape[3] = g->wo;
    y = nn__empty(ctx, "upfirdn2d", 4, shape);
    fk = y ? (float *)nn__alloc(ctx, "upfirdn2d", nf * sizeof(float)) : NULL;
    if (!fk) return NULL;
    /* f * gain in float, as the reference scales the filter tensor; a true
     * convolution reads the filter reversed */
    for (k = 0; k < nf; k++) fk[k] = f->data[g->flip ? k : nf - 1 - k] * gain;
    yp = y->data;
    for (plane = 0; plane < (size_t)g->n * g->c; plane++) {
        const float *xp = x->data + plane * (size_t)g->h * g->w;
        for (oy = 0; oy < g->ho; oy++)
            for (ox = 0; ox < g->wo; ox++) {
                float acc = 0.0f;
                for (ky = 0; ky < g->fh; ky++) {
                    int uy = oy * g->down + ky - g->y0;
                    const float *row;
                    if (uy < 0 || uy >= hu || uy % g->up) continue;
                    row = xp + (size_t)(uy / g->up) * g->w;
                    for (kx = 0; kx < g->fw; kx++) {
                        int ux = ox * g->down + kx - g->x0;
                        if (ux < 0 || ux >= wu || ux % g->up) continue;
                        acc = fmaf(row[ux / g->up], fk[ky * g->fw + kx], acc);
                    }
                }
                *yp++ = acc;
            }
    }
    nd = nn__record(ctx, "upfirdn2d", fir_backward, y, 1, x, NULL, NULL);
    if (nd) {
        memcpy(nd->iarg, g, sizeof *g);
        nd->farg[0] = gain;
        nd->in[1] = f;   /* kept for the backward, not an input */
    }
    return ctx->err.code ? NULL : y;
}

nn_tensor *nn_upfirdn2d(nn_ctx *ctx, nn_tensor *x, nn_tensor *f, const nn_upfirdn_opts *o)
{
    nn_upfirdn_opts d;
    fir_geom g;
    long hp, wp;
    float gain;
    char s1[64], s2[64];
    if (!ctx || !nn__ok(ctx, "upfirdn2d", "input", x) || !nn__ok(ctx, "upfirdn2d", "filter", f)) return NULL;
    if (!o) {
        memset(&d, 0, sizeof d);
        o = &d;
    }
    nn_shape_str(x, s1);
    nn_shape_str(f, s2);
    if (x->ndim != 4 || f->ndim != 2)
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "upfirdn2d: input %s must be [N,C,H,W] and filter %s [fh,fw]",
                                     s1, s2);
    g.up = o->up ? o->up : 1;
    g.down = o->down ? o->down : 1;
    gain = o->gain != 0.0f ? o->gain : 1.0f;
    if (g.up < 1 || g.down < 1 || g.up > 64 || g.down > 64 || f->shape[0] > 64 || f->shape[1] > 64 ||
        o->pad_x0 < -4096 || o->pad_x1 < -4096 || o->pad_y0 < -4096 || o->pad_y1 < -4096 || o->pad_x0 > 4096 ||
        o->pad_x1 > 4096 || o->pad_y0 > 4096 || o->pad_y1 > 4096 || !(fabsf(gain) <= 1e30f))
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "upfirdn2d: up %d, down %d, filter %s, pads %d,%d,%d,%d, gain %g "
                                     "(want up, down 1..64, filter up to 64x64, |pad| <= 4096, finite gain)", g.up,
                                     g.down, s2, o->pad_x0, o->pad_x1, o->pad_y0, o->pad_y1, gain);
    g.n = x->shape[0]; g.c = x->shape[1]; g.h = x->shape[2]; g.w = x->shape[3];
    g.fh = f->shape[0]; g.fw = f->shape[1];
    g.x0 = o->pad_x0; g.x1 = o->pad_x1; g.y0 = o->pad_y0; g.y1 = o->pad_y1;
    g.flip = o->flip_filter != 0;
    if (g.h > INT_MAX / 2 / g.up || g.w > INT_MAX / 2 / g.up)
        return (nn_tensor *)nn__fail(ctx, G99_ELIMIT, "upfirdn2d: input %s times up %d is too large", s1, g.up);
    hp = (long)g.h * g.up + g.y0 + g.y1;
    wp = (long)g.w * g.up + g.x0 + g.x1;
    if (hp < g.fh || wp < g.fw)
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "upfirdn2d: input %s upsampled %dx and padded %d,%d,%d,%d "
                                     "is %ldx%ld, smaller than the filter %s", s1, g.up, g.x0, g.x1, g.y0, g.y1,
                                     hp, wp, s2);
    g.ho = (int)((hp - g.fh) / g.down + 1);
    g.wo = (int)((wp - g.fw) / g.down + 1);
    return fir_f(ctx, &g, gain, x, f);
}

nn_tensor *nn_fir_filter(nn_ctx *ctx, const float *taps, int n)
{
    int shape[2], i, j;
    double sum = 0;
    nn_tensor *f;
    if (!ctx) return NULL;
    if (!taps || n < 1 || n > 64)
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "fir_filter: %d taps (want 1..64)", n);
    shape[0] = n;
    shape[1] = n;
    f = nn__empty(ctx, "fir_filter", 2, shape);
    if (!f) return NULL;
    /* the outer product in float, then divided by its float sum, as
     * setup_filter does (f.ger(f); f /= f.sum()) */
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++) f->data[i * n + j] = taps[i] * taps[j];
    for (i = 0; i < n * n; i++) sum += f->data[i];
    if (!(sum != 0.0 && fabs(sum) < 1e30))
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "fir_filter: the taps sum to %g", sum);
    for (i = 0; i < n * n; i++) f->data[i] /= (float)sum;
    return f;
}
