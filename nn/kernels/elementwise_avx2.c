/* AVX2 twins of the canonical long sum and of Adam (kernels.h).
 * The long sum's 16 partial sums are two ymm registers: lanes 0-7 and
 * 8-15 of every group of 16 stream elements, the scalar reference's order.
 * Adam's operations are each correctly rounded (no fma), lane by lane. */
#include "arch.h"

#include <immintrin.h>

void nn_k_lsum_add_avx2(nn_k_lsum *acc, const float *x, size_t n)
{
    size_t i = 0, lane = acc->n & 15;
    acc->n += n;
    /* up to the next multiple of 16 in the stream, one by one */
    for (; lane != 0 && i < n; i++, lane = (lane + 1) & 15) acc->s[lane] += x[i];
    if (n - i >= 16) {
        __m256 lo = _mm256_loadu_ps(acc->s), hi = _mm256_loadu_ps(acc->s + 8);
        for (; n - i >= 16; i += 16) {
            lo = _mm256_add_ps(lo, _mm256_loadu_ps(x + i));
            hi = _mm256_add_ps(hi, _mm256_loadu_ps(x + i + 8));
        }
        _mm256_storeu_ps(acc->s, lo);
        _mm256_storeu_ps(acc->s + 8, hi);
    }
    for (; i < n; i++, lane = (lane + 1) & 15) acc->s[lane] += x[i];
}

/* decay: g = fma(wd, w, g) first (nn_k_adam_wd) */
static void adam_avx2(const nn_k_adam_coef *c, int decay, float wd, size_t n, float *w, const float *g, float *m,
                      float *v)
{
    __m256 b1 = _mm256_set1_ps(c->b1), b2 = _mm256_set1_ps(c->b2), a1 = _mm256_set1_ps(c->a1);
    __m256 a2 = _mm256_set1_ps(c->a2), ss = _mm256_set1_ps(c->step_size);
    __m256 bc = _mm256_set1_ps(c->bc2_sqrt), eps = _mm256_set1_ps(c->eps);
    __m256 wdv = _mm256_set1_ps(wd);
    size_t i = 0;
    for (; n - i >= 8; i += 8) {
        __m256 gi = _mm256_loadu_ps(g + i), mi, vi, d;
        if (decay) gi = _mm256_fmadd_ps(wdv, _mm256_loadu_ps(w + i), gi);
        mi = _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(m + i), b1), _mm256_mul_ps(gi, a1));
        vi = _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(v + i), b2), _mm256_mul_ps(_mm256_mul_ps(a2, gi), gi));
        d = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(vi), bc), eps);
        _mm256_storeu_ps(m + i, mi);
        _mm256_storeu_ps(v + i, vi);
        _mm256_storeu_ps(w + i, _mm256_add_ps(_mm256_loadu_ps(w + i), _mm256_div_ps(_mm256_mul_ps(ss, mi), d)));
    }
    if (decay) nn_k_adam_wd_scalar(c, wd, n - i, w + i, g + i, m + i, v + i);
    else nn_k_adam_scalar(c, n - i, w + i, g + i, m + i, v + i);
}

void nn_k_adam_avx2(const nn_k_adam_coef *c, size_t n, float *w, const float *g, float *m, float *v)
{
    adam_avx2(c, 0, 0.0f, n, w, g, m, v);
}

void nn_k_adam_wd_avx2(const nn_k_adam_coef *c, float wd, size_t n, float *w, const float *g, float *m, float *v)
{
    adam_avx2(c, 1, wd, n, w, g, m, v);
}

/* (Leaky) ReLU: compare, blend, multiply, lane by lane (ordered compares:
 * false on NaN, as the scalar reference's); the tails (n % 8) through the
 * scalar reference. */
void nn_k_relu_avx2(size_t n, const float *x, float *y)
{
    __m256 zero = _mm256_setzero_ps();
    size_t i = 0;
    for (; n - i >= 8; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        _mm256_storeu_ps(y + i, _mm256_blendv_ps(v, zero, _mm256_cmp_ps(v, zero, _CMP_LT_OQ)));
    }
    nn_k_relu_scalar(n - i, x + i, y + i);
}

void nn_k_relu_grad_avx2(size_t n, const float *x, const float *dy, float *dx)
{
    __m256 zero = _mm256_setzero_ps();
    size_t i = 0;
    for (; n - i >= 8; i += 8) {
        __m256 off = _mm256_cmp_ps(_mm256_loadu_ps(x + i), zero, _CMP_LE_OQ);
        _mm256_storeu_ps(dx + i, _mm256_blendv_ps(_mm256_loadu_ps(dy + i), zero, off));
    }
    nn_k_relu_grad_scalar(n - i, x + i, dy + i, dx + i);
}

void nn_k_leaky_relu_avx2(size_t n, const float *x, float slope, float *y)
{
    __m256 zero = _mm256_setzero_ps(), a = _mm256_set1_ps(slope);
    size_t i = 0;
    for (; n - i >= 8; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        _mm256_storeu_ps(y + i, _mm256_blendv_ps(_mm256_mul_ps(v, a), v, _mm256_cmp_ps(v, zero, _CMP_GT_OQ)));
    }
    nn_k_leaky_relu_scalar(n - i, x + i, slope, y + i);
}

void nn_k_leaky_relu_grad_avx2(size_t n, const float *x, const float *dy, float slope, float *dx)
{
    __m256 zero = _mm256_setzero_ps(), a = _mm256_set1_ps(slope);
    size_t i = 0;
    for (; n - i >= 8; i += 8) {
        __m256 pos = _mm256_cmp_ps(_mm256_loadu_ps(x + i), zero, _CMP_GT_OQ);
        __m256 d = _mm256_loadu_ps(dy + i);
        _mm256_storeu_ps(dx + i, _mm256_blendv_ps(_mm256_mul_ps(d, a), d, pos));
    }
    nn_k_leaky_relu_grad_scalar(n - i, x + i, dy + i, slope, dx + i);
}

/* col2im's stride-2 rows (scalar.c): dst[2t] += src[t], t < n. Eight
 * sources spread to the even lanes of two vectors of dst; the odd lanes
 * (another kernel column's) are stored back as loaded, by this thread
 * alone (col2im runs one image per thread). Blocks stop short of the last
 * element so no store passes dst[2n-2]; one add per element, as the scalar
 * loop. Blends and full stores: vmaskmovps stores are slow on AMD's cores. */
void nn_k_add_evens_avx2(float *dst, const float *src, size_t n)
{
    const __m256i lo_idx = _mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3);
    const __m256i hi_idx = _mm256_setr_epi32(4, 4, 5, 5, 6, 6, 7, 7);
    size_t t = 0;
    for (; t + 8 < n; t += 8) {
        __m256 s = _mm256_loadu_ps(src + t);
        float *d = dst + 2 * t;
        __m256 d0 = _mm256_loadu_ps(d), d1 = _mm256_loadu_ps(d + 8);
        __m256 s0 = _mm256_add_ps(d0, _mm256_permutevar8x32_ps(s, lo_idx));
        __m256 s1 = _mm256_add_ps(d1, _mm256_permutevar8x32_ps(s, hi_idx));
        _mm256_storeu_ps(d, _mm256_blend_ps(d0, s0, 0x55));
        _mm256_storeu_ps(d + 8, _mm256_blend_ps(d1, s1, 0x55));
    }
    for (; t < n; t++) dst[2 * t] += src[t];
}

/* y = A^T s as one fma chain per column (kernels.h nn_k_fma_rows): 32
 * columns in 4 registers down all the rows, then 8, then the last ones
 * one by one with the scalar fma (the same rounding). */
void nn_k_fma_rows_avx2(size_t m, size_t n, const float *a, size_t lda, const float *s, float *y)
{
    size_t j = 0, r;
    for (; n - j >= 32; j += 32) {
        __m256 c0 = _mm256_setzero_ps(), c1 = _mm256_setzero_ps(), c2 = _mm256_setzero_ps();
        __m256 c3 = _mm256_setzero_ps();
        for (r = 0; r < m; r++) {
            const float *p = a + r * lda + j;
            __m256 sr = _mm256_set1_ps(s[r]);
            c0 = _mm256_fmadd_ps(_mm256_loadu_ps(p), sr, c0);
            c1 = _mm256_fmadd_ps(_mm256_loadu_ps(p + 8), sr, c1);
            c2 = _mm256_fmadd_ps(_mm256_loadu_ps(p + 16), sr, c2);
            c3 = _mm256_fmadd_ps(_mm256_loadu_ps(p + 24), sr, c3);
        }
        _mm256_storeu_ps(y + j, c0);
        _mm256_storeu_ps(y + j + 8, c1);
        _mm256_storeu_ps(y + j + 16, c2);
        _mm256_storeu_ps(y + j + 24, c3);
    }
    for (; n - j >= 8; j += 8) {
        __m256 c = _mm256_setzero_ps();
        for (r = 0; r < m; r++) c = _mm256_fmadd_ps(_mm256_loadu_ps(a + r * lda + j), _mm256_set1_ps(s[r]), c);
        _mm256_storeu_ps(y + j, c);
    }
    for (; j < n; j++) {
        __m128 c = _mm_setzero_ps();
        for (r = 0; r < m; r++) c = _mm_fmadd_ss(_mm_load_ss(a + r * lda + j), _mm_load_ss(s + r), c);
        y[j] = _mm_cvtss_f32(c);
    }
}

/* y = A v as one fma chain per row (kernels.h nn_k_fma_dots): 8 rows in
 * the lanes, their j-th elements gathered; the last rows one by one. */
void nn_k_fma_dots_avx2(size_t m, size_t n, const float *a, size_t lda, const float *v, float *y)
{
    size_t i = 0, j;
    __m256i idx = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32((int)lda));
    for (; m - i >= 8; i += 8) {
        const float *p = a + i * lda;
        __m256 c = _mm256_setzero_ps();
        for (j = 0; j < n; j++) c = _mm256_fmadd_ps(_mm256_i32gather_ps(p + j, idx, 4), _mm256_set1_ps(v[j]), c);
        _mm256_storeu_ps(y + i, c);
    }
    for (; i < m; i++) {
        __m128 c = _mm_setzero_ps();
        for (j = 0; j < n; j++) c = _mm_fmadd_ss(_mm_load_ss(a + i * lda + j), _mm_load_ss(v + j), c);
        y[i] = _mm_cvtss_f32(c);
    }
}
