/* AVX-512 twins of the canonical long sum, Adam and (leaky) ReLU (kernels.h).
 * The long sum's 16 partial sums ARE one zmm register: element i of the
 * stream adds into lane i % 16, exactly what the scalar reference emulates.
 * Adam's operations are each correctly rounded (no fma), lane by lane. */
#include "arch.h"

#include <immintrin.h>

void nn_k_lsum_add_avx512(nn_k_lsum *acc, const float *x, size_t n)
{
    size_t i = 0, lane = acc->n & 15;
    acc->n += n;
    /* up to the next multiple of 16 in the stream, one by one */
    for (; lane != 0 && i < n; i++, lane = (lane + 1) & 15) acc->s[lane] += x[i];
    if (n - i >= 16) {
        __m512 s = _mm512_loadu_ps(acc->s);
        for (; n - i >= 16; i += 16) s = _mm512_add_ps(s, _mm512_loadu_ps(x + i));
        _mm512_storeu_ps(acc->s, s);
    }
    for (; i < n; i++, lane = (lane + 1) & 15) acc->s[lane] += x[i];
}

/* decay: g = fma(wd, w, g) first (nn_k_adam_wd) */
static void adam_avx512(const nn_k_adam_coef *c, int decay, float wd, size_t n, float *w, const float *g, float *m,
                        float *v)
{
    __m512 b1 = _mm512_set1_ps(c->b1), b2 = _mm512_set1_ps(c->b2), a1 = _mm512_set1_ps(c->a1);
    __m512 a2 = _mm512_set1_ps(c->a2), ss = _mm512_set1_ps(c->step_size);
    __m512 bc = _mm512_set1_ps(c->bc2_sqrt), eps = _mm512_set1_ps(c->eps);
    __m512 wdv = _mm512_set1_ps(wd);
    size_t i = 0;
    for (; n - i >= 16; i += 16) {
        __m512 gi = _mm512_loadu_ps(g + i), mi, vi, d;
        if (decay) gi = _mm512_fmadd_ps(wdv, _mm512_loadu_ps(w + i), gi);
        mi = _mm512_add_ps(_mm512_mul_ps(_mm512_loadu_ps(m + i), b1), _mm512_mul_ps(gi, a1));
        vi = _mm512_add_ps(_mm512_mul_ps(_mm512_loadu_ps(v + i), b2), _mm512_mul_ps(_mm512_mul_ps(a2, gi), gi));
        d = _mm512_add_ps(_mm512_div_ps(_mm512_sqrt_ps(vi), bc), eps);
        _mm512_storeu_ps(m + i, mi);
        _mm512_storeu_ps(v + i, vi);
        _mm512_storeu_ps(w + i, _mm512_add_ps(_mm512_loadu_ps(w + i), _mm512_div_ps(_mm512_mul_ps(ss, mi), d)));
    }
    if (decay) nn_k_adam_wd_scalar(c, wd, n - i, w + i, g + i, m + i, v + i);
    else nn_k_adam_scalar(c, n - i, w + i, g + i, m + i, v + i);
}

void nn_k_adam_avx512(const nn_k_adam_coef *c, size_t n, float *w, const float *g, float *m, float *v)
{
    adam_avx512(c, 0, 0.0f, n, w, g, m, v);
}

void nn_k_adam_wd_avx512(const nn_k_adam_coef *c, float wd, size_t n, float *w, const float *g, float *m, float *v)
{
    adam_avx512(c, 1, wd, n, w, g, m, v);
}

/* Ordered compares (false on NaN, as the scalar reference's); the tails
 * (n % 16) go through the scalar reference: the same bits. */
void nn_k_relu_avx512(size_t n, const float *x, float *y)
{
    __m512 zero = _mm512_setzero_ps();
    size_t i = 0;
    for (; n - i >= 16; i += 16) {
        __m512 v = _mm512_loadu_ps(x + i);
        __mmask16 neg = _mm512_cmp_ps_mask(v, zero, _CMP_LT_OQ);
        _mm512_storeu_ps(y + i, _mm512_mask_blend_ps(neg, v, zero));
    }
    nn_k_relu_scalar(n - i, x + i, y + i);
}

void nn_k_relu_grad_avx512(size_t n, const float *x, const float *dy, float *dx)
{
    __m512 zero = _mm512_setzero_ps();
    size_t i = 0;
    for (; n - i >= 16; i += 16) {
        __mmask16 off = _mm512_cmp_ps_mask(_mm512_loadu_ps(x + i), zero, _CMP_LE_OQ);
        _mm512_storeu_ps(dx + i, _mm512_mask_blend_ps(off, _mm512_loadu_ps(dy + i), zero));
    }
    nn_k_relu_grad_scalar(n - i, x + i, dy + i, dx + i);
}

void nn_k_leaky_relu_avx512(size_t n, const float *x, float slope, float *y)
{
    __m512 zero = _mm512_setzero_ps(), a = _mm512_set1_ps(slope);
    size_t i = 0;
    for (; n - i >= 16; i += 16) {
        __m512 v = _mm512_loadu_ps(x + i);
        __mmask16 pos = _mm512_cmp_ps_mask(v, zero, _CMP_GT_OQ);
        _mm512_storeu_ps(y + i, _mm512_mask_blend_ps(pos, _mm512_mul_ps(v, a), v));
    }
    nn_k_leaky_relu_scalar(n - i, x + i, slope, y + i);
}

void nn_k_leaky_relu_grad_avx512(size_t n, const float *x, const float *dy, float slope, float *dx)
{
    __m512 zero = _mm512_setzero_ps(), a = _mm512_set1_ps(slope);
    size_t i = 0;
    for (; n - i >= 16; i += 16) {
        __mmask16 pos = _mm512_cmp_ps_mask(_mm512_loadu_ps(x + i), zero, _CMP_GT_OQ);
        __m512 d = _mm512_loadu_ps(dy + i);
        _mm512_storeu_ps(dx + i, _mm512_mask_blend_ps(pos, _mm512_mul_ps(d, a), d));
    }
    nn_k_leaky_relu_grad_scalar(n - i, x + i, dy + i, slope, dx + i);
}

/* col2im's stride-2 rows (scalar.c): dst[2t] += src[t], t < n. Sixteen
 * sources spread to the even lanes of two vectors of dst; the odd lanes
 * (another kernel column's) are stored back as loaded, by this thread
 * alone (col2im runs one image per thread). Blocks stop short of the last
 * element so no store passes dst[2n-2]; one add per element, as the
 * scalar loop. Full stores: masked ones are slow on AMD's cores. */
void nn_k_add_evens_avx512(float *dst, const float *src, size_t n)
{
    const __m512i lo_idx = _mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
    const __m512i hi_idx = _mm512_setr_epi32(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15);
    const __m256i idx8 = _mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3), idx8h = _mm256_setr_epi32(4, 4, 5, 5, 6, 6, 7, 7);
    size_t t = 0;
    for (; t + 16 < n; t += 16) {
        __m512 s = _mm512_loadu_ps(src + t);
        float *d = dst + 2 * t;
        __m512 d0 = _mm512_loadu_ps(d), d1 = _mm512_loadu_ps(d + 16);
        _mm512_storeu_ps(d, _mm512_mask_add_ps(d0, 0x5555, d0, _mm512_permutexvar_ps(lo_idx, s)));
        _mm512_storeu_ps(d + 16, _mm512_mask_add_ps(d1, 0x5555, d1, _mm512_permutexvar_ps(hi_idx, s)));
    }
    for (; t + 8 < n; t += 8) {
        __m256 s = _mm256_loadu_ps(src + t);
        float *d = dst + 2 * t;
        __m256 d0 = _mm256_loadu_ps(d), d1 = _mm256_loadu_ps(d + 8);
        _mm256_storeu_ps(d, _mm256_mask_add_ps(d0, 0x55, d0, _mm256_permutexvar_ps(idx8, s)));
        _mm256_storeu_ps(d + 8, _mm256_mask_add_ps(d1, 0x55, d1, _mm256_permutexvar_ps(idx8h, s)));
    }
    for (; t < n; t++) dst[2 * t] += src[t];
}

/* y = A^T s as one fma chain per column (kernels.h nn_k_fma_rows): 64
 * columns in 4 registers down all the rows, then 16, then a masked tail. */
void nn_k_fma_rows_avx512(size_t m, size_t n, const float *a, size_t lda, const float *s, float *y)
{
    size_t j = 0, r;
    for (; n - j >= 64; j += 64) {
        __m512 c0 = _mm512_setzero_ps(), c1 = _mm512_setzero_ps(), c2 = _mm512_setzero_ps();
        __m512 c3 = _mm512_setzero_ps();
        for (r = 0; r < m; r++) {
            const float *p = a + r * lda + j;
            __m512 sr = _mm512_set1_ps(s[r]);
            c0 = _mm512_fmadd_ps(_mm512_loadu_ps(p), sr, c0);
            c1 = _mm512_fmadd_ps(_mm512_loadu_ps(p + 16), sr, c1);
            c2 = _mm512_fmadd_ps(_mm512_loadu_ps(p + 32), sr, c2);
            c3 = _mm512_fmadd_ps(_mm512_loadu_ps(p + 48), sr, c3);
        }
        _mm512_storeu_ps(y + j, c0);
        _mm512_storeu_ps(y + j + 16, c1);
        _mm512_storeu_ps(y + j + 32, c2);
        _mm512_storeu_ps(y + j + 48, c3);
    }
    for (; j < n; j += 16) {
        __mmask16 k = n - j >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - j)) - 1u);
        __m512 c = _mm512_setzero_ps();
        for (r = 0; r < m; r++)
            c = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(k, a + r * lda + j), _mm512_set1_ps(s[r]), c);
        _mm512_mask_storeu_ps(y + j, k, c);
    }
}

/* y = A v as one fma chain per row (kernels.h nn_k_fma_dots): 16 rows in
 * the lanes, their j-th elements gathered (lda floats apart). */
void nn_k_fma_dots_avx512(size_t m, size_t n, const float *a, size_t lda, const float *v, float *y)
{
    size_t i, j;
    __m512i idx = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                     _mm512_set1_epi32((int)lda));
    for (i = 0; i < m; i += 16) {
        __mmask16 k = m - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (m - i)) - 1u);
        const float *p = a + i * lda;
        __m512 c = _mm512_setzero_ps();
        for (j = 0; j < n; j++)
            c = _mm512_fmadd_ps(_mm512_mask_i32gather_ps(_mm512_setzero_ps(), k, idx, p + j, 4), _mm512_set1_ps(v[j]),
                                c);
        _mm512_mask_storeu_ps(y + i, k, c);
    }
}
