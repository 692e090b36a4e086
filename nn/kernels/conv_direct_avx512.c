/* The AVX-512 direct convolution tiles (arch.h; driver in conv_direct.c):
 * 8 output channels x 48 positions in 24 zmm accumulators, as the GEMM's
 * 8 x 48 tile, and 8 x 32, 8 x 16 twins for a band's last positions. Per
 * tap: three unaligned loads of the padded input (the tap's shifted view),
 * eight broadcasts of the packed weight, 24 fused multiply-adds, each lane
 * one position's chain in (c, tap) order from +0: the scalar tile's bits
 * (vfmadd231ps rounds once, as fmaf). */
#include "arch.h"

#include <immintrin.h>

#define ROWS(X, v) X(0, v); X(1, v); X(2, v); X(3, v); X(4, v); X(5, v); X(6, v); X(7, v)
#define ZERO(i, v) c##i##v = _mm512_setzero_ps()
#define STORE(i, v) _mm512_storeu_ps(out + (size_t)(i) * ldo + 16 * (v), c##i##v)
/* One channel's broadcast and its multiply-adds, channel after channel, so
 * that one broadcast register is live (24 accumulators + 3 inputs + 1). */
#define FMA3(i, v) a = _mm512_set1_ps(wp[i]); c##i##0 = _mm512_fmadd_ps(a, b0, c##i##0);     \
    c##i##1 = _mm512_fmadd_ps(a, b1, c##i##1); c##i##2 = _mm512_fmadd_ps(a, b2, c##i##2)
#define FMA2(i, v) a = _mm512_set1_ps(wp[i]); c##i##0 = _mm512_fmadd_ps(a, b0, c##i##0);     \
    c##i##1 = _mm512_fmadd_ps(a, b1, c##i##1)
#define FMA1(i, v) c##i##0 = _mm512_fmadd_ps(_mm512_set1_ps(wp[i]), b0, c##i##0)

static void dconv_8x48(size_t c, size_t plane, const size_t *toff, size_t taps, const float *x, const float *wp,
                       float *out, size_t ldo)
{
    __m512 c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32;
    __m512 c40, c41, c42, c50, c51, c52, c60, c61, c62, c70, c71, c72;
    __m512 b0, b1, b2, a;
    size_t cc, t;
    ROWS(ZERO, 0); ROWS(ZERO, 1); ROWS(ZERO, 2);
    for (cc = 0; cc < c; cc++, x += plane)
        for (t = 0; t < taps; t++, wp += 8) {
            const float *xt = x + toff[t];
            b0 = _mm512_loadu_ps(xt);
            b1 = _mm512_loadu_ps(xt + 16);
            b2 = _mm512_loadu_ps(xt + 32);
            ROWS(FMA3, 0);
        }
    ROWS(STORE, 0); ROWS(STORE, 1); ROWS(STORE, 2);
}

static void dconv_8x32(size_t c, size_t plane, const size_t *toff, size_t taps, const float *x, const float *wp,
                       float *out, size_t ldo)
{
    __m512 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71;
    __m512 b0, b1, a;
    size_t cc, t;
    ROWS(ZERO, 0); ROWS(ZERO, 1);
    for (cc = 0; cc < c; cc++, x += plane)
        for (t = 0; t < taps; t++, wp += 8) {
            const float *xt = x + toff[t];
            b0 = _mm512_loadu_ps(xt);
            b1 = _mm512_loadu_ps(xt + 16);
            ROWS(FMA2, 0);
        }
    ROWS(STORE, 0); ROWS(STORE, 1);
}

static void dconv_8x16(size_t c, size_t plane, const size_t *toff, size_t taps, const float *x, const float *wp,
                       float *out, size_t ldo)
{
    __m512 c00, c10, c20, c30, c40, c50, c60, c70;
    __m512 b0;
    size_t cc, t;
    ROWS(ZERO, 0);
    for (cc = 0; cc < c; cc++, x += plane)
        for (t = 0; t < taps; t++, wp += 8) {
            b0 = _mm512_loadu_ps(x + toff[t]);
            ROWS(FMA1, 0);
        }
    ROWS(STORE, 0);
}

const nn_k_dconv_tile nn_k_dconv_avx512 = { 8, 48, dconv_8x48, 16, { dconv_8x16, dconv_8x32 } };

/* The weight-gradient tile (arch.h nn_k_dgw_fn): 16 output channels (the
 * lanes) x 2 input channels x 9 taps in 18 accumulators; per position one
 * load of gy's 16 channels and 18 fused multiply-adds, each with one input
 * value broadcast (embedded broadcast: no register for it). Each lane's
 * chain runs over the positions in order, as the scalar tile's. */
#define GW_LOAD(c, t) g##c##t = _mm512_loadu_ps(acc + (size_t)((c)*9 + (t)) * lda)
#define GW_STORE(c, t) _mm512_storeu_ps(acc + (size_t)((c)*9 + (t)) * lda, g##c##t)
#define GW_TAPS(X, c) X(c, 0); X(c, 1); X(c, 2); X(c, 3); X(c, 4); X(c, 5); X(c, 6); X(c, 7); X(c, 8)
#define GW_FMA(c, t) g##c##t = _mm512_fmadd_ps(v, _mm512_set1_ps(x##c[(t) / 3][ox + (t) % 3]), g##c##t)

static void dgw_16x2(size_t rows, size_t wo, size_t wp, size_t plane, const float *x, const float *gy, size_t ldg,
                     float *acc, size_t lda)
{
    __m512 g00, g01, g02, g03, g04, g05, g06, g07, g08, g10, g11, g12, g13, g14, g15, g16, g17, g18, v;
    size_t r, ox;
    GW_TAPS(GW_LOAD, 0); GW_TAPS(GW_LOAD, 1);
    for (r = 0; r < rows; r++) {
        const float *x0[3], *x1[3];
        const float *gq = gy + r * wo * ldg;
        x0[0] = x + r * wp;
        x0[1] = x0[0] + wp;
        x0[2] = x0[1] + wp;
        x1[0] = x0[0] + plane;
        x1[1] = x1[0] + wp;
        x1[2] = x1[1] + wp;
        for (ox = 0; ox < wo; ox++, gq += ldg) {
            v = _mm512_loadu_ps(gq);
            GW_TAPS(GW_FMA, 0); GW_TAPS(GW_FMA, 1);
        }
    }
    GW_TAPS(GW_STORE, 0); GW_TAPS(GW_STORE, 1);
}

const nn_k_dgw_tile nn_k_dgw_avx512 = { 16, 2, dgw_16x2 };
