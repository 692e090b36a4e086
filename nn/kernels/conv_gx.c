/* The input gradient of a stride-1 "same" convolution (kernels.h): the
 * driver that hands (image, channel block) items to the threads, and the
 * scalar reference of one item. The column matrix of the general path
 * (w^T . gy, K = C*kh*kw rows: kh*kw times the input's size) is never
 * stored: each x pixel's taps are computed where they are added. */
#include "arch.h"

#include <math.h>
#include <string.h>

/* Channels per work item: the SIMD twins keep the gy rows of a pixel block
 * in L1 across the item's channels; n * C / GX_ITEM_C items share the
 * threads. */
#define GX_ITEM_C 16
/* Fused multiply-adds below which one thread does the whole call. */
#define GX_PAR_MIN (1L << 18)
/* Columns per pass of the reference's row buffer. */
#define GX_ROW 256

static size_t pack_w_floats(const nn_k_gx_same *a)
{
    return (size_t)(a->c + NN_K_GX_PACK - 1) / NN_K_GX_PACK * NN_K_GX_PACK * a->kh * a->kw * a->o;
}

/* Images of 256 pixels or more read gy through a copy with skewed channels
 * (kernels.h); a 1x1 kernel reads each gy row once per channel block, too
 * few times to pay for the copy; and a copy above GX_SKEW_MAX floats
 * (64 MiB) costs more memory than it saves time. */
#define GX_SKEW_MAX ((double)(1 << 24))

static int skewed(const nn_k_gx_same *a)
{
    return (size_t)a->h * a->w >= 256 && a->kh * a->kw > 1 &&
           (double)a->n * a->o * ((double)a->h * a->w + NN_K_GX_SKEW) <= GX_SKEW_MAX;
}

size_t nn_k_gx_same_pack_floats(const nn_k_gx_same *a)
{
    size_t hw = (size_t)a->h * a->w;
    return pack_w_floats(a) + (skewed(a) ? (size_t)a->n * a->o * (hw + NN_K_GX_SKEW) : 0);
}

/* Blocks of NN_K_GX_PACK channels, each its own stretch of the pack: over
 * the threads when par (a plain copy, nothing to round). */
static void pack_weights(const nn_k_gx_same *a, int par)
{
    int T = a->kh * a->kw;
    long cb, nb = (a->c + NN_K_GX_PACK - 1) / NN_K_GX_PACK;
    size_t K = (size_t)a->c * T;
    (void)par;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (par && nb > 1)
#endif
    for (cb = 0; cb < nb; cb++) {
        int c = (int)cb * NN_K_GX_PACK, t, o, k;
        float *d = a->pack + (size_t)cb * T * a->o * NN_K_GX_PACK;
        for (t = 0; t < T; t++)
            for (o = 0; o < a->o; o++)
                for (k = 0; k < NN_K_GX_PACK; k++)
                    *d++ = c + k < a->c ? a->wt[(size_t)o * K + (size_t)(c + k) * T + t] : 0.0f;
    }
}

void nn_k_conv_gx_same(const nn_k_gx_same *a)
{
    nn_k_gx_same b = *a;
    nn_k_gx_block_fn fn = nn_k_gx_block_active();
    long blocks = (a->c + GX_ITEM_C - 1) / GX_ITEM_C, items = (long)a->n * blocks, it, rows = (long)a->n * a->o;
    size_t hw = (size_t)a->h * a->w;
    double work = (double)a->n * a->c * a->o * a->h * a->w * a->kh * a->kw;
    int par = items > 1 && work >= (double)GX_PAR_MIN && nn_k_threads() > 1;
    b.gy_os = hw;
    if (fn != nn_k_gx_block_scalar) {
        pack_weights(a, par);
        if (skewed(a)) {
            float *s = a->pack + pack_w_floats(a);
            b.gy = s;
            b.gy_os = hw + NN_K_GX_SKEW;
            b.gy_ld = (size_t)a->o * b.gy_os;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (par)
#endif
            for (it = 0; it < rows; it++)
                memcpy(s + (size_t)it * b.gy_os, a->gy + (size_t)(it / a->o) * a->gy_ld + (size_t)(it % a->o) * hw,
                       hw * sizeof(float));
        }
    }
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (par)
#endif
    for (it = 0; it < items; it++) {
        int c0 = (int)(it % blocks) * GX_ITEM_C;
        fn(&b, (int)(it / blocks), c0, a->c - c0 < GX_ITEM_C ? a->c - c0 : GX_ITEM_C);
    }
}

/* The reference reads wt as it stands. Row by row: x's row y starts at +0, then for each tap (p, q) in order
 * whose gy row oy = y + ph - p exists, the columns xx whose ox = xx + pw - q
 * lie in [0, W) get their chain over o (in a row buffer) added. */
void nn_k_gx_block_scalar(const nn_k_gx_same *a, int i, int c0, int cb)
{
    int H = a->h, W = a->w, kh = a->kh, kw = a->kw, ph = kh / 2, pw = kw / 2, c, y, p, q, o, xx, x0, n;
    size_t hw = (size_t)H * W, K = (size_t)a->c * kh * kw;
    const float *gy = a->gy + (size_t)i * a->gy_ld;
    float t[GX_ROW];
    for (c = c0; c < c0 + cb; c++) {
        float *xc = a->x + (size_t)i * a->x_ld + (size_t)c * hw;
        const float *wc = a->wt + (size_t)c * kh * kw;
        for (y = 0; y < H; y++) {
            float *xr = xc + (size_t)y * W;
            for (xx = 0; xx < W; xx++) xr[xx] = 0.0f;
            for (p = 0; p < kh; p++) {
                int oy = y + ph - p;
                if (oy < 0 || oy >= H) continue;
                for (q = 0; q < kw; q++) {
                    int lo = q - pw < 0 ? 0 : q - pw, hi = W + q - pw > W ? W : W + q - pw;
                    for (x0 = lo; x0 < hi; x0 += GX_ROW) {
                        const float *g = gy + (size_t)oy * W + (x0 + pw - q);
                        n = hi - x0 < GX_ROW ? hi - x0 : GX_ROW;
                        for (xx = 0; xx < n; xx++) t[xx] = 0.0f;
                        for (o = 0; o < a->o; o++) {
                            float wv = wc[(size_t)o * K + (size_t)p * kw + q];
                            const float *go = g + (size_t)o * a->gy_os;
                            for (xx = 0; xx < n; xx++) t[xx] = fmaf(wv, go[xx], t[xx]);
                        }
                        for (xx = 0; xx < n; xx++) xr[x0 + xx] = xr[x0 + xx] + t[xx];
                    }
                }
            }
        }
    }
}
