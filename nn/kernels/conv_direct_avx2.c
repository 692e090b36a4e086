/* The AVX2 + FMA direct convolution tiles (arch.h; driver in
 * conv_direct.c): 6 output channels x 16 positions in 12 ymm accumulators,
 * as the GEMM's 6 x 16 tile, and a 6 x 8 twin for a band's last
 * positions. Per tap: two unaligned loads of the padded input, six
 * broadcasts of the packed weight, 12 fused multiply-adds, each lane one
 * position's chain in (c, tap) order from +0: the scalar tile's bits. */
#include "arch.h"

#include <immintrin.h>

#define ROWS(X) X(0); X(1); X(2); X(3); X(4); X(5)
#define ZERO2(i) c##i##0 = _mm256_setzero_ps(); c##i##1 = _mm256_setzero_ps()
#define STORE2(i)                                              \
    _mm256_storeu_ps(out + (size_t)(i) * ldo, c##i##0);        \
    _mm256_storeu_ps(out + (size_t)(i) * ldo + 8, c##i##1)
#define FMA2(i)                                                \
    a = _mm256_broadcast_ss(wp + (i));                         \
    c##i##0 = _mm256_fmadd_ps(a, b0, c##i##0);                 \
    c##i##1 = _mm256_fmadd_ps(a, b1, c##i##1)
#define ZERO1(i) c##i##0 = _mm256_setzero_ps()
#define STORE1(i) _mm256_storeu_ps(out + (size_t)(i) * ldo, c##i##0)
#define FMA1(i) c##i##0 = _mm256_fmadd_ps(_mm256_broadcast_ss(wp + (i)), b0, c##i##0)

static void dconv_6x16(size_t c, size_t plane, const size_t *toff, size_t taps, const float *x, const float *wp,
                       float *out, size_t ldo)
{
    __m256 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, b0, b1, a;
    size_t cc, t;
    ROWS(ZERO2);
    for (cc = 0; cc < c; cc++, x += plane)
        for (t = 0; t < taps; t++, wp += 6) {
            const float *xt = x + toff[t];
            b0 = _mm256_loadu_ps(xt);
            b1 = _mm256_loadu_ps(xt + 8);
            ROWS(FMA2);
        }
    ROWS(STORE2);
}

static void dconv_6x8(size_t c, size_t plane, const size_t *toff, size_t taps, const float *x, const float *wp,
                      float *out, size_t ldo)
{
    __m256 c00, c10, c20, c30, c40, c50, b0;
    size_t cc, t;
    ROWS(ZERO1);
    for (cc = 0; cc < c; cc++, x += plane)
        for (t = 0; t < taps; t++, wp += 6) {
            b0 = _mm256_loadu_ps(x + toff[t]);
            ROWS(FMA1);
        }
    ROWS(STORE1);
}

const nn_k_dconv_tile nn_k_dconv_avx2 = { 6, 16, dconv_6x16, 8, { dconv_6x8, NULL } };

/* The weight-gradient tile (arch.h nn_k_dgw_fn): 8 output channels (the
 * lanes) x 1 input channel x 9 taps in 9 accumulators; per position one
 * load of gy's 8 channels, 9 broadcasts of input values, 9 fused
 * multiply-adds: each lane's chain over the positions in order. */
#define GW_LOAD(t) g##t = _mm256_loadu_ps(acc + (size_t)(t) * lda)
#define GW_STORE(t) _mm256_storeu_ps(acc + (size_t)(t) * lda, g##t)
#define GW_TAPS(X) X(0); X(1); X(2); X(3); X(4); X(5); X(6); X(7); X(8)
#define GW_FMA(t) g##t = _mm256_fmadd_ps(v, _mm256_broadcast_ss(xr[(t) / 3] + ox + (t) % 3), g##t)

static void dgw_8x1(size_t rows, size_t wo, size_t wp, size_t plane, const float *x, const float *gy, size_t ldg,
                    float *acc, size_t lda)
{
    __m256 g0, g1, g2, g3, g4, g5, g6, g7, g8, v;
    size_t r, ox;
    (void)plane;
    GW_TAPS(GW_LOAD);
    for (r = 0; r < rows; r++) {
        const float *xr[3];
        const float *gq = gy + r * wo * ldg;
        xr[0] = x + r * wp;
        xr[1] = xr[0] + wp;
        xr[2] = xr[1] + wp;
        for (ox = 0; ox < wo; ox++, gq += ldg) {
            v = _mm256_loadu_ps(gq);
            GW_TAPS(GW_FMA);
        }
    }
    GW_TAPS(GW_STORE);
}

const nn_k_dgw_tile nn_k_dgw_avx2 = { 8, 1, dgw_8x1 };
