/* AVX2 twin of jpeg__ycc_to_rgb (jpeg_color.c): libjpeg's fixed-point
 * YCbCr->RGB computed lane by lane instead of looked up, the same integers:
 * the tables hold (FIX(c) * (x - 128) + ONE_HALF) >> 16, and G's two terms
 * are summed before its one shift, as there. The range limit of a sum in
 * -227..480 is a clamp to 0..255, which the saturating packs do. */
#include "jpeg_internal.h"

#if defined(__AVX2__)
#include <immintrin.h>
#include <string.h>

void jpeg__ycc_to_rgb_avx2(const uint8_t *y, const uint8_t *cb, const uint8_t *cr, uint8_t *rgb, int n,
                           const jpeg__ycc_tables *t, const uint8_t *limit)
{
    const __m256i c128 = _mm256_set1_epi32(128), half = _mm256_set1_epi32(1 << 15);
    const __m256i k_rr = _mm256_set1_epi32(91881), k_bb = _mm256_set1_epi32(116130);
    const __m256i k_gr = _mm256_set1_epi32(-46802), k_gb = _mm256_set1_epi32(-22554);
    /* Bytes R0..R7 G0..G7 and B0..B7 to R0 G0 B0 R1 ... (24 bytes); -1
     * (0x80 set) gives a zero byte. */
    const __m128i rg_lo = _mm_setr_epi8(0, 8, -1, 1, 9, -1, 2, 10, -1, 3, 11, -1, 4, 12, -1, 5);
    const __m128i b_lo = _mm_setr_epi8(-1, -1, 0, -1, -1, 1, -1, -1, 2, -1, -1, 3, -1, -1, 4, -1);
    const __m128i rg_hi = _mm_setr_epi8(13, -1, 6, 14, -1, 7, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m128i b_hi = _mm_setr_epi8(-1, 5, -1, -1, 6, -1, -1, 7, -1, -1, -1, -1, -1, -1, -1, -1);
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256i yv, bv, rv, r, g, b;
        __m128i rg, bb, lo, hi;
        long long q;
        memcpy(&q, y + i, 8);
        yv = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(q));
        memcpy(&q, cb + i, 8);
        bv = _mm256_sub_epi32(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128(q)), c128);
        memcpy(&q, cr + i, 8);
        rv = _mm256_sub_epi32(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128(q)), c128);
        r = _mm256_add_epi32(yv, _mm256_srai_epi32(_mm256_add_epi32(_mm256_mullo_epi32(rv, k_rr), half), 16));
        g = _mm256_add_epi32(yv, _mm256_srai_epi32(_mm256_add_epi32(_mm256_add_epi32(_mm256_mullo_epi32(bv, k_gb), half),
                                                                     _mm256_mullo_epi32(rv, k_gr)),
                                                    16));
        b = _mm256_add_epi32(yv, _mm256_srai_epi32(_mm256_add_epi32(_mm256_mullo_epi32(bv, k_bb), half), 16));
        /* packs: [r0-3 g0-3 | r4-7 g4-7] as int16, then bytes with the clamp */
        r = _mm256_packs_epi32(r, g);
        b = _mm256_packs_epi32(b, b);
        r = _mm256_packus_epi16(r, b); /* lane 0: r0-3 g0-3 b0-3 b0-3, lane 1: r4-7 g4-7 b4-7 b4-7 (32-bit groups) */
        r = _mm256_permutevar8x32_epi32(r, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
        rg = _mm256_castsi256_si128(r);     /* R0..R7 G0..G7 */
        bb = _mm256_extracti128_si256(r, 1); /* B0..B7 B0..B7 */
        lo = _mm_or_si128(_mm_shuffle_epi8(rg, rg_lo), _mm_shuffle_epi8(bb, b_lo));
        hi = _mm_or_si128(_mm_shuffle_epi8(rg, rg_hi), _mm_shuffle_epi8(bb, b_hi));
        _mm_storeu_si128((__m128i *)(rgb + 3 * i), lo);
        _mm_storel_epi64((__m128i *)(rgb + 3 * i + 16), hi);
    }
    if (i < n) jpeg__ycc_to_rgb(y + i, cb + i, cr + i, rgb + 3 * i, n - i, t, limit);
}
#else
/* Built without AVX2 (the Makefile compiles this file only with it). */
typedef int jpeg__color_avx2_unused;
#endif
