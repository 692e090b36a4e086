/* Direct convolution for stride 1 (kernels.h nn_k_conv_direct): the
 * forward of a convolution with no column matrix, neither stored nor
 * gathered. The implicit-im2col GEMM (gemm.c) packs every column of B once
 * per row tile block, which pays off when many output channels share it;
 * SPADE's mlp_gamma / mlp_beta convolutions have 16 to 64 output channels
 * over 64x64 images, so there the gathering costs about as much as the
 * multiply-adds. Here one copy of the input rows serves every tap.
 *
 * The trick that makes every tap one contiguous load: copy a band of input
 * rows, zero-padded, into planes of Wp = W + 2 pw columns, and compute the
 * outputs on that padded grid, q = oy*Wp + ox. Tap (i, j) of position q
 * reads the plane at q + i*dh*Wp + j*dw, for every q alike, so a vector of
 * consecutive q is one unaligned load per tap, wherever rows begin. The
 * positions with ox >= Wo (the last (kw-1)*dw columns of each padded row)
 * compute garbage that is never stored; they cost (kw-1)*dw / Wp of the
 * work (3% at 64x64). Each position's chain is over (c, i, j) in order from
 * +0 with the padding read as +0, as the GEMM's (kernels.h): same bits.
 *
 * Loops, per unit of work (an image's band of output rows, its input rows
 * in L2): copy the band; for each block of ob output channels (their
 * packed weights in L1), the tiles along the band's positions, then the
 * valid positions copied out (+ bias). A unit is computed by one thread, so
 * the bits do not depend on the thread count. */
#include "arch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* A band's input planes, at most about this many floats (256 KB: L2). */
enum { SLAB_FLOATS = 1 << 16 };

typedef struct dconv_plan {
    const nn_k_conv_geom *g;
    const nn_k_dconv_tile *t;
    int n, o;
    int wp;                 /* padded row: W + 2 pw */
    int ex;                 /* extra input rows of a band: (kh-1)*dh */
    int rows, bands;        /* output rows per band, bands per image */
    size_t k, taps;
    size_t slab, ldo;       /* floats of a band's planes (+ slack), of an output row */
    const size_t *toff;
    const float *x, *wpk, *bias;
    size_t x_ld, y_ld;
    float *y;
} dconv_plan;

/* The tile for the last nv positions: the narrowest that covers them. */
static size_t last_tile(const nn_k_dconv_tile *t, size_t nv, nn_k_dconv_fn *fn)
{
    int i;
    for (i = 0; i < 2; i++) {
        size_t w = (size_t)t->vw * (size_t)(i + 1);
        if (t->narrow[i] && nv <= w && w < (size_t)t->nq) {
            *fn = t->narrow[i];
            return w;
        }
    }
    *fn = t->fn;
    return (size_t)t->nq;
}

/* Channels [c0, c1) of image xi's input rows oy0 - ph .. oy0 - ph + rin - 1,
 * zero-padded (+0) to planes of rin rows of W + 2 pw, into slab (channel c
 * at (c - c0) * rin * (W + 2 pw)). */
static void fill_band(const nn_k_conv_geom *g, const float *xi, int oy0, int rin, int c0, int c1, float *slab)
{
    size_t wp = (size_t)g->w + 2 * (size_t)g->pw, plane = (size_t)rin * wp, hw = (size_t)g->h * (size_t)g->w;
    int c, r;
    for (c = c0; c < c1; c++) {
        const float *xc = xi + (size_t)c * hw;
        for (r = 0; r < rin; r++) {
            float *d = slab + (size_t)(c - c0) * plane + (size_t)r * wp;
            int iy = oy0 - g->ph + r;
            if (iy < 0 || iy >= g->h) {
                memset(d, 0, wp * sizeof(float));
                continue;
            }
            memset(d, 0, (size_t)g->pw * sizeof(float));
            memcpy(d + g->pw, xc + (size_t)iy * (size_t)g->w, (size_t)g->w * sizeof(float));
            memset(d + g->pw + g->w, 0, (size_t)g->pw * sizeof(float));
        }
    }
}

/* Image img's band b: its input rows into slab, then every output channel
 * of its output rows through out (ob rows of p->ldo floats). */
static void band_run(const dconv_plan *p, int img, int b, float *slab, float *out)
{
    const nn_k_conv_geom *g = p->g;
    const nn_k_dconv_tile *t = p->t;
    int oy0 = b * p->rows, rb = g->ho - oy0 < p->rows ? g->ho - oy0 : p->rows, rin = rb + p->ex, r, o0, i;
    size_t wp = (size_t)p->wp, plane = (size_t)rin * wp, L = (size_t)g->ho * g->wo;
    size_t q = (size_t)(rb - 1) * wp + (size_t)g->wo, nq = (size_t)t->nq, q0, ob = (size_t)t->ob;
    const float *xi = p->x + (size_t)img * p->x_ld;
    float *yi = p->y + (size_t)img * p->y_ld;
    fill_band(g, xi, oy0, rin, 0, g->c, slab);
    /* the last tile reads up to nq - 2 floats past the planes: garbage
     * positions only, but defined */
    memset(slab + (size_t)g->c * plane, 0, nq * sizeof(float));
    for (o0 = 0; o0 < p->o; o0 += (int)ob) {
        const float *wk = p->wpk + (size_t)(o0 / (int)ob) * p->k * ob;
        int nv = p->o - o0 < (int)ob ? p->o - o0 : (int)ob;
        for (q0 = 0; q0 < q; q0 += nq) {
            nn_k_dconv_fn fn = t->fn;
            if (q - q0 < nq) last_tile(t, q - q0, &fn);
            fn((size_t)g->c, plane, p->toff, p->taps, slab + q0, wk, out + q0, p->ldo);
        }
        for (i = 0; i < nv; i++) {
            const float *src = out + (size_t)i * p->ldo;
            float *dst = yi + (size_t)(o0 + i) * L + (size_t)oy0 * g->wo;
            for (r = 0; r < rb; r++, src += wp, dst += g->wo) {
                if (p->bias) {
                    float bo = p->bias[o0 + i];
                    int x;
                    for (x = 0; x < g->wo; x++) dst[x] = src[x] + bo;
                } else
                    memcpy(dst, src, (size_t)g->wo * sizeof(float));
            }
        }
    }
}

int nn_k_conv_direct(const nn_k_conv_geom *g, int n, int o, const float *x, size_t x_ld, const float *w,
                     const float *bias, float *y, size_t y_ld)
{
    const nn_k_dconv_tile *t = nn_k_dconv_active();
    dconv_plan p;
    size_t ob = (size_t)t->ob, nq = (size_t)t->nq, blocks, per, i, k;
    size_t *toff;
    float *buf, *wpk;
    int nth = nn_k_threads(), units, ti, tj;
    if (g->sh != 1 || g->sw != 1 || n < 1 || o < 1 || g->c < 1) return -1;
    memset(&p, 0, sizeof p);
    p.g = g;
    p.t = t;
    p.n = n;
    p.o = o;
    p.wp = g->w + 2 * g->pw;
    p.ex = (g->kh - 1) * g->dh;
    p.taps = (size_t)g->kh * (size_t)g->kw;
    p.k = (size_t)g->c * p.taps;
    /* rows per band: the planes within SLAB_FLOATS, then evened out */
    p.rows = (int)(SLAB_FLOATS / ((size_t)g->c * (size_t)p.wp)) - p.ex;
    if (p.rows < 1) p.rows = 1;
    if (p.rows > g->ho) p.rows = g->ho;
    p.bands = (g->ho + p.rows - 1) / p.rows;
    p.rows = (g->ho + p.bands - 1) / p.bands;
    p.slab = (size_t)g->c * (size_t)(p.rows + p.ex) * (size_t)p.wp + nq;
    p.ldo = ((size_t)(p.rows - 1) * (size_t)p.wp + (size_t)g->wo + nq - 1) / nq * nq;
    blocks = ((size_t)o + ob - 1) / ob;
    units = n * p.bands;
    /* below about 2 MFLOP a thread team costs more than it saves */
    if ((double)n * (double)o * (double)g->ho * (double)g->wo * (double)p.k < 1e6) nth = 1;
    if (nth > units) nth = units;
    per = p.slab + ob * p.ldo;
    toff = (size_t *)malloc(p.taps * sizeof(size_t) + (blocks * ob * p.k + per * (size_t)nth) * sizeof(float));
    if (!toff) return -1;
    wpk = (float *)(void *)(toff + p.taps);
    buf = wpk + blocks * ob * p.k;
    for (ti = 0; ti < g->kh; ti++)
        for (tj = 0; tj < g->kw; tj++)
            toff[ti * g->kw + tj] = (size_t)ti * (size_t)g->dh * (size_t)p.wp + (size_t)tj * (size_t)g->dw;
    /* wpk[(blk*K + k)*ob + i] = w[blk*ob + i][k], 0 past the last channel;
     * blocks over the threads (a copy) when the call is big enough for them */
    {
        long blk;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) private(i, k) if (nth > 1 && blocks > 1)
#endif
        for (blk = 0; blk < (long)blocks; blk++)
            for (i = (size_t)blk * ob; i < ((size_t)blk + 1) * ob; i++)
                for (k = 0; k < p.k; k++)
                    wpk[((i / ob) * p.k + k) * ob + i % ob] = i < (size_t)o ? w[i * p.k + k] : 0.0f;
    }
    p.toff = toff;
    p.x = x;
    p.x_ld = x_ld;
    p.wpk = wpk;
    p.bias = bias;
    p.y = y;
    p.y_ld = y_ld;
    if (nth <= 1) {
        int u;
        for (u = 0; u < units; u++) band_run(&p, u / p.bands, u % p.bands, buf, buf + p.slab);
    } else {
#ifdef _OPENMP
#pragma omp parallel num_threads(nth)
        {
            float *mine = buf + per * (size_t)omp_get_thread_num();
            int u;
#pragma omp for schedule(dynamic, 1)
            for (u = 0; u < units; u++) band_run(&p, u / p.bands, u % p.bands, mine, mine + p.slab);
        }
#endif
    }
    free(toff);
    return 0;
}

/* ---- the weight gradient (kernels.h nn_k_conv_direct_gw) -------------------
 * Each dw[o][k] is one chain over all the batch's positions, so the lanes
 * run across output channels instead: gy's band is transposed to
 * [position][O] (a vector of vw channels per position) and each input
 * value is broadcast. A tile keeps the 9 taps of cb input channels for vw
 * output channels in registers over a band's positions, reading the same
 * zero-padded band layout as the forward; between bands the chains wait in
 * dwT [K][O] (a float in memory continues the chain exactly). Each thread
 * owns a range of input channels for the whole batch (its own band copy
 * and its own transposed gy): no barrier between bands, and every chain
 * is run by one thread in order, so the bits do not depend on threads. */
typedef struct dgw_plan {
    const nn_k_conv_geom *g;
    const nn_k_dgw_tile *t;
    int n, o, opad, rows, bands;
    const float *x, *gy;
    size_t x_ld, gy_ld;
    float *dwt;
} dgw_plan;

/* Channel blocks [cb0, cb1) (of t->cb channels) over every image and band,
 * with slab for those channels' planes and gyt for gy's band. */
static void gw_range(const dgw_plan *p, int cb0, int cb1, float *slab, float *gyt)
{
    const nn_k_conv_geom *g = p->g;
    const nn_k_dgw_tile *t = p->t;
    int nov = p->opad / t->vw, c0 = cb0 * t->cb, c1 = cb1 * t->cb, img, b, u, oo;
    size_t wp = (size_t)g->w + 2 * (size_t)g->pw, L = (size_t)g->ho * g->wo, opad = (size_t)p->opad;
    for (img = 0; img < p->n; img++) {
        const float *xi = p->x + (size_t)img * p->x_ld, *gyi = p->gy + (size_t)img * p->gy_ld;
        for (b = 0; b < p->bands; b++) {
            int oy0 = b * p->rows, rb = g->ho - oy0 < p->rows ? g->ho - oy0 : p->rows, rin = rb + 2;
            size_t plane = (size_t)rin * wp, pos = (size_t)rb * (size_t)g->wo, q;
            fill_band(g, xi, oy0, rin, c0, c1 < g->c ? c1 : g->c, slab);
            if (c1 > g->c) {
                int from = c0 > g->c ? c0 : g->c;
                memset(slab + (size_t)(from - c0) * plane, 0, (size_t)(c1 - from) * plane * sizeof(float));
            }
            for (oo = 0; oo < p->opad; oo++) {
                const float *src = gyi + (size_t)oo * L + (size_t)oy0 * g->wo;
                if (oo < p->o)
                    for (q = 0; q < pos; q++) gyt[q * opad + (size_t)oo] = src[q];
                else
                    for (q = 0; q < pos; q++) gyt[q * opad + (size_t)oo] = 0.0f;
            }
            for (u = 0; u < (cb1 - cb0) * nov; u++) {
                size_t o0 = (size_t)(u % nov) * (size_t)t->vw, cc = (size_t)(u / nov) * (size_t)t->cb;
                t->fn((size_t)rb, (size_t)g->wo, wp, plane, slab + cc * plane, gyt + o0, opad,
                      p->dwt + ((size_t)c0 + cc) * 9 * opad + o0, opad);
            }
        }
    }
}

int nn_k_conv_direct_gw(const nn_k_conv_geom *g, int n, int o, const float *x, size_t x_ld, const float *gy,
                        size_t gy_ld, float *dw)
{
    const nn_k_dgw_tile *t = nn_k_dgw_active();
    dgw_plan p;
    int cpad, ncb, nth = nn_k_threads(), per_cb;
    size_t wp, K, kp, slab, gyt, per, i, k;
    float *buf;
    if (g->sh != 1 || g->sw != 1 || g->kh != 3 || g->kw != 3 || g->dh != 1 || g->dw != 1 || n < 1 || o < 1 ||
        g->c < 1)
        return -1;
    memset(&p, 0, sizeof p);
    p.g = g;
    p.t = t;
    p.n = n;
    p.o = o;
    p.opad = (o + t->vw - 1) / t->vw * t->vw;
    cpad = (g->c + t->cb - 1) / t->cb * t->cb;
    ncb = cpad / t->cb;
    wp = (size_t)g->w + 2 * (size_t)g->pw;
    K = (size_t)g->c * 9;
    kp = (size_t)cpad * 9;
    if ((double)n * (double)o * (double)g->ho * (double)g->wo * (double)K < 1e6) nth = 1;
    if (nth > ncb) nth = ncb;
    if (nth < 1) nth = 1;
    per_cb = (ncb + nth - 1) / nth;
    /* rows per band: a thread's planes within SLAB_FLOATS */
    p.rows = (int)(SLAB_FLOATS / ((size_t)per_cb * (size_t)t->cb * wp)) - 2;
    if (p.rows < 1) p.rows = 1;
    if (p.rows > g->ho) p.rows = g->ho;
    p.bands = (g->ho + p.rows - 1) / p.rows;
    p.rows = (g->ho + p.bands - 1) / p.bands;
    slab = (size_t)per_cb * (size_t)t->cb * (size_t)(p.rows + 2) * wp;
    gyt = (size_t)p.rows * (size_t)g->wo * (size_t)p.opad;
    per = slab + gyt;
    /* dwT all +0 (the chains' start), then each thread's band and gy band */
    buf = (float *)calloc(kp * (size_t)p.opad + per * (size_t)nth, sizeof(float));
    if (!buf) return -1;
    p.x = x;
    p.x_ld = x_ld;
    p.gy = gy;
    p.gy_ld = gy_ld;
    p.dwt = buf;
    if (nth <= 1) {
        gw_range(&p, 0, ncb, buf + kp * (size_t)p.opad, buf + kp * (size_t)p.opad + slab);
    } else {
#ifdef _OPENMP
#pragma omp parallel num_threads(nth)
        {
            int id = omp_get_thread_num(), lo = (int)((long)ncb * id / nth), hi = (int)((long)ncb * (id + 1) / nth);
            float *mine = buf + kp * (size_t)p.opad + per * (size_t)id;
            if (lo < hi) gw_range(&p, lo, hi, mine, mine + slab);
        }
#endif
    }
    for (i = 0; i < (size_t)o; i++)
        for (k = 0; k < K; k++) dw[i * K + k] = buf[k * (size_t)p.opad + i];
    free(buf);
    return 0;
}

/* ---- the scalar set's tile: 4 channels x 8 positions ----------------------- */
enum { SCALAR_OB = 4, SCALAR_NQ = 8 };

static void dconv_scalar(size_t c, size_t plane, const size_t *toff, size_t taps, const float *x, const float *wp,
                         float *out, size_t ldo)
{
    float acc[SCALAR_OB][SCALAR_NQ];
    size_t cc, t;
    int i, j;
    for (i = 0; i < SCALAR_OB; i++)
        for (j = 0; j < SCALAR_NQ; j++) acc[i][j] = 0.0f;
    for (cc = 0; cc < c; cc++, x += plane)
        for (t = 0; t < taps; t++, wp += SCALAR_OB) {
            const float *xt = x + toff[t];
            for (i = 0; i < SCALAR_OB; i++)
                for (j = 0; j < SCALAR_NQ; j++) acc[i][j] = fmaf(wp[i], xt[j], acc[i][j]);
        }
    for (i = 0; i < SCALAR_OB; i++)
        for (j = 0; j < SCALAR_NQ; j++) out[(size_t)i * ldo + (size_t)j] = acc[i][j];
}

const nn_k_dconv_tile nn_k_dconv_scalar = { SCALAR_OB, SCALAR_NQ, dconv_scalar, 0, { NULL, NULL } };

/* ---- the scalar set's weight-gradient tile: 4 output channels, 1 input
 * channel ---------------------------------------------------------------- */
enum { SCALAR_GW_VW = 4 };

static void dgw_scalar(size_t rows, size_t wo, size_t wp, size_t plane, const float *x, const float *gy, size_t ldg,
                       float *acc, size_t lda)
{
    float a[9][SCALAR_GW_VW];
    size_t r, ox;
    int t, l;
    (void)plane;
    for (t = 0; t < 9; t++)
        for (l = 0; l < SCALAR_GW_VW; l++) a[t][l] = acc[(size_t)t * lda + (size_t)l];
    for (r = 0; r < rows; r++)
        for (ox = 0; ox < wo; ox++) {
            const float *gq = gy + (r * wo + ox) * ldg, *xq = x + r * wp + ox;
            for (t = 0; t < 9; t++) {
                float xv = xq[(size_t)(t / 3) * wp + (size_t)(t % 3)];
                for (l = 0; l < SCALAR_GW_VW; l++) a[t][l] = fmaf(gq[l], xv, a[t][l]);
            }
        }
    for (t = 0; t < 9; t++)
        for (l = 0; l < SCALAR_GW_VW; l++) acc[(size_t)t * lda + (size_t)l] = a[t][l];
}

const nn_k_dgw_tile nn_k_dgw_scalar = { SCALAR_GW_VW, 1, dgw_scalar };
