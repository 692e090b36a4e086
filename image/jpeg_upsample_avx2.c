/* AVX2-build twin of the h2v2 "fancy" upsampler (fancy_h2v2 in
 * jpeg_upsample.c): the same integer formula, sixteen (then eight) input
 * samples per step in 16-bit lanes, which hold every value exactly (column
 * sums <= 1020, weighted sums <= 4087). */
#include "jpeg_internal.h"

#if defined(__AVX2__)
#include <immintrin.h>
#include <string.h>

static inline __m128i load8(const uint8_t *p)
{
    long long q;
    memcpy(&q, p, 8);
    return _mm_cvtepu8_epi16(_mm_cvtsi64_si128(q));
}

/* Column sums 3 * near + far of the 8 samples at p. */
static inline __m128i colsum(const uint8_t *near, const uint8_t *far)
{
    __m128i a = load8(near);
    return _mm_add_epi16(_mm_add_epi16(_mm_slli_epi16(a, 1), a), load8(far));
}

/* The same for the 16 samples at p. */
static inline __m256i colsum16(const uint8_t *near, const uint8_t *far)
{
    __m256i a = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)near));
    return _mm256_add_epi16(_mm256_add_epi16(_mm256_slli_epi16(a, 1), a),
                            _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)far)));
}

void jpeg__fancy_h2v2_avx2(const uint8_t *near, const uint8_t *far, int n, uint8_t *out)
{
    int x, last, cur, next;
    const __m128i b8 = _mm_set1_epi16(8), b7 = _mm_set1_epi16(7);
    cur = near[0] * 3 + far[0];
    next = near[1] * 3 + far[1];
    out[0] = (uint8_t)((cur * 4 + 8) >> 4);
    out[1] = (uint8_t)((cur * 3 + next + 7) >> 4);
    /* Sixteen samples a step in 256-bit lanes: samples x .. x+15 need sums
     * x-1 .. x+16, so x + 16 <= n - 1. The unpacks and the pack work within
     * 128-bit halves, which leaves the 32 outputs in order. */
    for (x = 1; x + 17 <= n; x += 16) {
        __m256i prev = colsum16(near + x - 1, far + x - 1), c = colsum16(near + x, far + x);
        __m256i nx = colsum16(near + x + 1, far + x + 1);
        __m256i c3 = _mm256_add_epi16(_mm256_slli_epi16(c, 1), c);
        __m256i even = _mm256_srli_epi16(_mm256_add_epi16(_mm256_add_epi16(c3, prev), _mm256_set1_epi16(8)), 4);
        __m256i odd = _mm256_srli_epi16(_mm256_add_epi16(_mm256_add_epi16(c3, nx), _mm256_set1_epi16(7)), 4);
        _mm256_storeu_si256((__m256i *)(out + 2 * x),
                            _mm256_packus_epi16(_mm256_unpacklo_epi16(even, odd), _mm256_unpackhi_epi16(even, odd)));
    }
    /* Samples x .. x+7 need sums x-1 .. x+8: x + 8 <= n - 1. */
    for (; x + 9 <= n; x += 8) {
        __m128i prev = colsum(near + x - 1, far + x - 1), c = colsum(near + x, far + x);
        __m128i nx = colsum(near + x + 1, far + x + 1);
        __m128i c3 = _mm_add_epi16(_mm_slli_epi16(c, 1), c);
        __m128i even = _mm_srli_epi16(_mm_add_epi16(_mm_add_epi16(c3, prev), b8), 4);
        __m128i odd = _mm_srli_epi16(_mm_add_epi16(_mm_add_epi16(c3, nx), b7), 4);
        _mm_storeu_si128((__m128i *)(out + 2 * x),
                         _mm_packus_epi16(_mm_unpacklo_epi16(even, odd), _mm_unpackhi_epi16(even, odd)));
    }
    cur = near[x - 1] * 3 + far[x - 1];
    next = near[x] * 3 + far[x];
    for (; x < n - 1; x++) {
        last = cur;
        cur = next;
        next = near[x + 1] * 3 + far[x + 1];
        out[2 * x] = (uint8_t)((cur * 3 + last + 8) >> 4);
        out[2 * x + 1] = (uint8_t)((cur * 3 + next + 7) >> 4);
    }
    last = cur;
    cur = next;
    out[2 * n - 2] = (uint8_t)((cur * 3 + last + 8) >> 4);
    out[2 * n - 1] = (uint8_t)((cur * 4 + 7) >> 4);
}
#else
/* Built without AVX2 (the Makefile compiles this file only with it). */
typedef int jpeg__upsample_avx2_unused;
#endif
