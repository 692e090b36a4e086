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

/* Image img's band b: its input rows into slab, then every output channel
 * of its output rows through out (ob rows of p->ldo floats). */
static void band_run(const dconv_plan *p, int img, int b, float *slab, float *out)
{
    const nn_k_conv_geom *g = p->g;
    const nn_k_dconv_tile *t = p->t;
    int oy0 = b * p->rows, rb = g->ho - oy0 < p->rows ? g->ho - oy0 : p->rows, rin = rb + p->ex, c, r, o0, i;
    size_t wp = (size_t)p->wp, plane = (size_t)rin * wp, hw = (size_t)g->h * (size_t)g->w, L = (size_t)g->ho * g->wo;
    size_t q = (size_t)(rb - 1) * wp + (size_t)g->wo, nq = (size_t)t->nq, q0, ob = (size_t)t->ob;
    const float *xi = p->x + (size_t)img * p->x_ld;
    float *yi = p->y + (size_t)img * p->y_ld;
    for (c = 0; c < g->c; c++) {
        const float *xc = xi + (size_t)c * hw;
        for (r = 0; r < rin; r++) {
            float *d = slab + (size_t)c * plane + (size_t)r * wp;
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
    /* wpk[(blk*K + k)*ob + i] = w[blk*ob + i][k], 0 past the last channel */
    for (i = 0; i < blocks * ob; i++)
        for (k = 0; k < p.k; k++)
            wpk[((i / ob) * p.k + k) * ob + i % ob] = i < (size_t)o ? w[i * p.k + k] : 0.0f;
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
