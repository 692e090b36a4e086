/* AVX2 twin of jpeg__ycc_to_rgb (jpeg_color.c): libjpeg's fixed-point
 * YCbCr->RGB computed lane by lane instead of looked up, the same integers:
 * the tables hold (FIX(c) * (x - 128) + ONE_HALF) >> 16, and G's two terms
 * are summed before its one shift, as there. The range limit of a sum in
 * -227..480 is a clamp to 0..255, which the saturating packs do. Every
 * (Y, Cb, Cr) triple gives the table path's bytes (checked exhaustively
 * when this was written). */
#include "jpeg_internal.h"

#if defined(__AVX2__)
#include <immintrin.h>

/* (c * x + 2^15) >> 16 for int16 lanes: the high half of the product
 * plus the rounding carry, bit 15 of its low half. */
static inline __m256i mul_round16(__m256i x, __m256i c)
{
    return _mm256_add_epi16(_mm256_mulhi_epi16(x, c), _mm256_srli_epi16(_mm256_mullo_epi16(x, c), 15));
}

/* 16 pixels a step, in 16-bit lanes. The constants above 2^15 are split
 * off whole multiples of 2^16, which pass the shift exactly:
 *   R term (91881 x + 2^15) >> 16 = x + (26345 x + 2^15) >> 16,
 *   B term (116130 x + 2^15) >> 16 = 2x + (-14942 x + 2^15) >> 16,
 *   G term (-22554 b - 46802 r + 2^15) >> 16
 *        = -r + (-22554 b + 18734 r + 2^15) >> 16 (one madd, 32-bit),
 * with x, b, r = chroma - 128. */
void jpeg__ycc_to_rgb_avx2(const uint8_t *y, const uint8_t *cb, const uint8_t *cr, uint8_t *rgb, int n,
                           const jpeg__ycc_tables *t, const uint8_t *limit)
{
    const __m256i c128 = _mm256_set1_epi16(128), k_r = _mm256_set1_epi16(26345), k_b = _mm256_set1_epi16(-14942);
    const __m256i k_g = _mm256_set1_epi32((int)((uint32_t)(uint16_t)18734 << 16 | (uint16_t)-22554));
    const __m256i half = _mm256_set1_epi32(1 << 15);
    /* 16 bytes each of R, G, B to 48 interleaved bytes: output byte i of
     * each 16-byte part takes source byte m[i] (-1: none). */
    const __m128i r0 = _mm_setr_epi8(0, -1, -1, 1, -1, -1, 2, -1, -1, 3, -1, -1, 4, -1, -1, 5);
    const __m128i g0 = _mm_setr_epi8(-1, 0, -1, -1, 1, -1, -1, 2, -1, -1, 3, -1, -1, 4, -1, -1);
    const __m128i b0 = _mm_setr_epi8(-1, -1, 0, -1, -1, 1, -1, -1, 2, -1, -1, 3, -1, -1, 4, -1);
    const __m128i r1 = _mm_setr_epi8(-1, -1, 6, -1, -1, 7, -1, -1, 8, -1, -1, 9, -1, -1, 10, -1);
    const __m128i g1 = _mm_setr_epi8(5, -1, -1, 6, -1, -1, 7, -1, -1, 8, -1, -1, 9, -1, -1, 10);
    const __m128i b1 = _mm_setr_epi8(-1, 5, -1, -1, 6, -1, -1, 7, -1, -1, 8, -1, -1, 9, -1, -1);
    const __m128i r2 = _mm_setr_epi8(-1, 11, -1, -1, 12, -1, -1, 13, -1, -1, 14, -1, -1, 15, -1, -1);
    const __m128i g2 = _mm_setr_epi8(-1, -1, 11, -1, -1, 12, -1, -1, 13, -1, -1, 14, -1, -1, 15, -1);
    const __m128i b2 = _mm_setr_epi8(10, -1, -1, 11, -1, -1, 12, -1, -1, 13, -1, -1, 14, -1, -1, 15);
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256i yv = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(y + i)));
        __m256i bv = _mm256_sub_epi16(_mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(cb + i))), c128);
        __m256i rv = _mm256_sub_epi16(_mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(cr + i))), c128);
        __m256i r = _mm256_add_epi16(yv, _mm256_add_epi16(rv, mul_round16(rv, k_r)));
        __m256i b = _mm256_add_epi16(yv, _mm256_add_epi16(_mm256_add_epi16(bv, bv), mul_round16(bv, k_b)));
        __m256i glo = _mm256_madd_epi16(_mm256_unpacklo_epi16(bv, rv), k_g);
        __m256i ghi = _mm256_madd_epi16(_mm256_unpackhi_epi16(bv, rv), k_g);
        __m256i g = _mm256_packs_epi32(_mm256_srai_epi32(_mm256_add_epi32(glo, half), 16),
                                       _mm256_srai_epi32(_mm256_add_epi32(ghi, half), 16));
        __m256i rg, bb;
        __m128i rb, gb, bt;
        g = _mm256_add_epi16(yv, _mm256_sub_epi16(g, rv));
        /* Sums lie in -227..480: the unsigned saturation is the clamp.
         * packus interleaves the 128-bit halves; permute4x64 undoes it. */
        rg = _mm256_permute4x64_epi64(_mm256_packus_epi16(r, g), 0xD8); /* R0..15 | G0..15 */
        bb = _mm256_permute4x64_epi64(_mm256_packus_epi16(b, b), 0xD8); /* B0..15 | B0..15 */
        rb = _mm256_castsi256_si128(rg);
        gb = _mm256_extracti128_si256(rg, 1);
        bt = _mm256_castsi256_si128(bb);
        _mm_storeu_si128((__m128i *)(rgb + 3 * i),
                         _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(rb, r0), _mm_shuffle_epi8(gb, g0)), _mm_shuffle_epi8(bt, b0)));
        _mm_storeu_si128((__m128i *)(rgb + 3 * i + 16),
                         _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(rb, r1), _mm_shuffle_epi8(gb, g1)), _mm_shuffle_epi8(bt, b1)));
        _mm_storeu_si128((__m128i *)(rgb + 3 * i + 32),
                         _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(rb, r2), _mm_shuffle_epi8(gb, g2)), _mm_shuffle_epi8(bt, b2)));
    }
    if (i < n) jpeg__ycc_to_rgb(y + i, cb + i, cr + i, rgb + 3 * i, n - i, t, limit);
}
#else
/* Built without AVX2 (the Makefile compiles this file only with it). */
typedef int jpeg__color_avx2_unused;
#endif
