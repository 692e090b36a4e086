/* AVX2 twin of jpeg__idct_islow (jpeg_idct.c): the same 32-bit integers,
 * eight columns (then eight rows) per instruction, so the samples are the
 * scalar reference's bits.
 *
 * The scalar code is exact in 32 bits only while the dequantized
 * coefficients and the pass-1 outputs stay below 2^14 in magnitude; when a
 * block leaves that range (corrupt data only), or has no AC term at all (its
 * quick path is cheaper), this twin hands the block to the scalar code. */
#include "jpeg_internal.h"

#if defined(__AVX2__)
#include <immintrin.h>

#define CONST_BITS 13
#define PASS1_BITS 2
#define K(x) _mm256_set1_epi32(x)

/* jidctint.c's 1-D butterfly (see DEFINE_IDCT_1D in jpeg_idct.c) on 8
 * lanes, with _mm256_madd_epi16: each 32-bit lane holds a pair of 16-bit
 * inputs, p04 = (in0, in4), p26 = (in2, in6), p71 = (in7, in1),
 * p53 = (in5, in3), and one madd forms c0 * first + c1 * second. The
 * scalar code's products and sums regroup into such pairs by
 * distributivity, e.g. its even part tmp2 = (in2 + in6) * FIX_0_541 +
 * in6 * -FIX_1_847 = in2 * 4433 + in6 * -10704, and its odd outputs are
 * each a sum of the four odd inputs times the combined constants below
 * (FIX_0_298 - FIX_0_899 - FIX_1_961 + FIX_1_175 = -11363, ...). With
 * inputs below 2^14 in magnitude no term leaves 32 bits, so the sums are
 * the scalar code's integers exactly. */
#define KP(c0, c1) _mm256_set1_epi32((int)(((uint32_t)(uint16_t)(int16_t)(c1) << 16) | (uint16_t)(int16_t)(c0)))
static inline void idct_1d(__m256i p04, __m256i p26, __m256i p71, __m256i p53, __m256i o[8])
{
    __m256i tmp0, tmp1, tmp2, tmp3, tmp10, tmp11, tmp12, tmp13;
    tmp2 = _mm256_madd_epi16(p26, KP(4433, 4433 - 15137));
    tmp3 = _mm256_madd_epi16(p26, KP(4433 + 6270, 4433));
    tmp0 = _mm256_madd_epi16(p04, KP(1 << CONST_BITS, 1 << CONST_BITS));
    tmp1 = _mm256_madd_epi16(p04, KP(1 << CONST_BITS, -(1 << CONST_BITS)));
    tmp10 = _mm256_add_epi32(tmp0, tmp3);
    tmp13 = _mm256_sub_epi32(tmp0, tmp3);
    tmp11 = _mm256_add_epi32(tmp1, tmp2);
    tmp12 = _mm256_sub_epi32(tmp1, tmp2);
    /* Odd part: a = in7, b = in5, c = in3, e = in1 with z1 = a + e,
     * z2 = b + c, z3 = a + c, z4 = b + e, z5 = (z3 + z4) * 9633. */
    tmp0 = _mm256_add_epi32(_mm256_madd_epi16(p71, KP(2446 - 7373 - 16069 + 9633, -7373 + 9633)),
                            _mm256_madd_epi16(p53, KP(9633, -16069 + 9633)));
    tmp1 = _mm256_add_epi32(_mm256_madd_epi16(p71, KP(9633, -3196 + 9633)),
                            _mm256_madd_epi16(p53, KP(16819 - 20995 - 3196 + 9633, -20995 + 9633)));
    tmp2 = _mm256_add_epi32(_mm256_madd_epi16(p71, KP(-16069 + 9633, 9633)),
                            _mm256_madd_epi16(p53, KP(-20995 + 9633, 25172 - 20995 - 16069 + 9633)));
    tmp3 = _mm256_add_epi32(_mm256_madd_epi16(p71, KP(-7373 + 9633, 12299 - 7373 - 3196 + 9633)),
                            _mm256_madd_epi16(p53, KP(-3196 + 9633, 9633)));
    o[0] = _mm256_add_epi32(tmp10, tmp3);
    o[7] = _mm256_sub_epi32(tmp10, tmp3);
    o[1] = _mm256_add_epi32(tmp11, tmp2);
    o[6] = _mm256_sub_epi32(tmp11, tmp2);
    o[2] = _mm256_add_epi32(tmp12, tmp1);
    o[5] = _mm256_sub_epi32(tmp12, tmp1);
    o[3] = _mm256_add_epi32(tmp13, tmp0);
    o[4] = _mm256_sub_epi32(tmp13, tmp0);
}

/* Two int32 vectors of values in the int16 range as one of 16-bit pairs
 * (x in the low half of each lane, y in the high half). */
static inline __m256i pair16(__m256i x, __m256i y)
{
    return _mm256_or_si256(_mm256_and_si256(x, _mm256_set1_epi32(0xFFFF)), _mm256_slli_epi32(y, 16));
}

/* The scalar OUTSIDE test on 8 rows: some |v| >= 2^14. No lane can be
 * INT32_MIN (products of 16-bit values; pass-1 sums of inputs < 2^14), so
 * the absolute values are exact, and their OR has a bit above bit 13
 * exactly when one of them is >= 2^14. */
static inline int outside(const __m256i v[8])
{
    __m256i a = _mm256_or_si256(_mm256_or_si256(_mm256_or_si256(_mm256_abs_epi32(v[0]), _mm256_abs_epi32(v[1])),
                                                _mm256_or_si256(_mm256_abs_epi32(v[2]), _mm256_abs_epi32(v[3]))),
                                _mm256_or_si256(_mm256_or_si256(_mm256_abs_epi32(v[4]), _mm256_abs_epi32(v[5])),
                                                _mm256_or_si256(_mm256_abs_epi32(v[6]), _mm256_abs_epi32(v[7]))));
    return !_mm256_testz_si256(a, K(~((1 << 14) - 1)));
}

/* Straight-line code (no loops over the rows), so the eight vectors stay
 * in registers. */
#define ROWS8(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)

void jpeg__idct_islow_avx2(const int16_t coef[64], const uint16_t quant[64], uint8_t *out, size_t stride,
                           const uint8_t *limit)
{
    __m256i c[8], v[8], o[8], ac;

    /* Dequantize in 32 bits (the products reach 2^31). */
#define DEQUANT(i)                                                                         \
    c[i] = _mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i *)(coef + 8 * (i))));      \
    v[i] = _mm256_mullo_epi32(c[i], _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(quant + 8 * (i)))));
    ROWS8(DEQUANT)
#undef DEQUANT
    ac = _mm256_or_si256(_mm256_or_si256(_mm256_or_si256(_mm256_blend_epi32(c[0], _mm256_setzero_si256(), 1), c[1]),
                                         _mm256_or_si256(c[2], c[3])),
                         _mm256_or_si256(_mm256_or_si256(c[4], c[5]), _mm256_or_si256(c[6], c[7])));
    if (_mm256_testz_si256(ac, ac) || outside(v)) {
        jpeg__idct_islow(coef, quant, out, stride, limit);
        return;
    }
    /* Pass 1: columns (lane j = column j), kept scaled by 2^PASS1_BITS. */
    idct_1d(pair16(v[0], v[4]), pair16(v[2], v[6]), pair16(v[7], v[1]), pair16(v[5], v[3]), o);
#define DESCALE1(i) o[i] = _mm256_srai_epi32(_mm256_add_epi32(o[i], K(1 << (CONST_BITS - PASS1_BITS - 1))), CONST_BITS - PASS1_BITS);
    ROWS8(DESCALE1)
#undef DESCALE1
    {
        /* o[i] is workspace row i (lane j = column j). Rows to 16 bits
         * (packs saturates, and a saturated value still fails the range
         * test), rows i and i + 4 in one register: y04 = [row 0 | row 4]. */
        __m256i y04 = _mm256_permute4x64_epi64(_mm256_packs_epi32(o[0], o[4]), 0xD8);
        __m256i y15 = _mm256_permute4x64_epi64(_mm256_packs_epi32(o[1], o[5]), 0xD8);
        __m256i y26 = _mm256_permute4x64_epi64(_mm256_packs_epi32(o[2], o[6]), 0xD8);
        __m256i y37 = _mm256_permute4x64_epi64(_mm256_packs_epi32(o[3], o[7]), 0xD8);
        /* Within each row, the column pairs pass 2 takes: dwords (c0, c4),
         * (c2, c6), (c7, c1), (c5, c3). */
        const __m256i pairs = _mm256_setr_epi8(0, 1, 8, 9, 4, 5, 12, 13, 14, 15, 2, 3, 10, 11, 6, 7,
                                               0, 1, 8, 9, 4, 5, 12, 13, 14, 15, 2, 3, 10, 11, 6, 7);
        __m256i a01, a23, b01, b23, big;
        big = _mm256_or_si256(_mm256_or_si256(_mm256_abs_epi16(y04), _mm256_abs_epi16(y15)),
                              _mm256_or_si256(_mm256_abs_epi16(y26), _mm256_abs_epi16(y37)));
        if (!_mm256_testz_si256(big, _mm256_set1_epi16((short)~((1 << 14) - 1)))) {
            jpeg__idct_islow(coef, quant, out, stride, limit);
            return;
        }
        y04 = _mm256_shuffle_epi8(y04, pairs);
        y15 = _mm256_shuffle_epi8(y15, pairs);
        y26 = _mm256_shuffle_epi8(y26, pairs);
        y37 = _mm256_shuffle_epi8(y37, pairs);
        /* A dword transpose: pair k of rows 0..7 into one register, lane i = row i. */
        a01 = _mm256_unpacklo_epi32(y04, y15); /* r0p0 r1p0 r0p1 r1p1 | r4.. r5.. */
        a23 = _mm256_unpacklo_epi32(y26, y37);
        b01 = _mm256_unpackhi_epi32(y04, y15); /* pairs 2, 3 */
        b23 = _mm256_unpackhi_epi32(y26, y37);
        /* Pass 2: rows. */
        idct_1d(_mm256_unpacklo_epi64(a01, a23), _mm256_unpackhi_epi64(a01, a23), _mm256_unpacklo_epi64(b01, b23),
                _mm256_unpackhi_epi64(b01, b23), v);
    }
    /* Descale in 32 bits; the results (below 2^13 in magnitude) then fit
     * 16-bit lanes, where the range limit's wrap is the same arithmetic. */
#define DESCALE2(i) v[i] = _mm256_srai_epi32(_mm256_add_epi32(v[i], K(1 << (CONST_BITS + PASS1_BITS + 3 - 1))), CONST_BITS + PASS1_BITS + 3);
    ROWS8(DESCALE2)
#undef DESCALE2
    (void)limit;
    {
        /* v[j] is output column j (lane i = row i). Pairs of columns to
         * 16-bit: w01 = [col 0 rows 0-3, col 1 rows 0-3 | rows 4-7]. */
        const __m256i c512 = _mm256_set1_epi16(512), c1023 = _mm256_set1_epi16(1023), c384 = _mm256_set1_epi16(384);
        /* Byte b of each 128-bit half, 4 columns x 4 rows, to row-major:
         * dword i = the 4 columns of row i. */
        const __m256i rows4 = _mm256_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15,
                                               0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
        __m256i w01 = _mm256_packs_epi32(v[0], v[1]), w23 = _mm256_packs_epi32(v[2], v[3]);
        __m256i w45 = _mm256_packs_epi32(v[4], v[5]), w67 = _mm256_packs_epi32(v[6], v[7]);
        __m256i lo, hi, r01, r23;
        __m128i a, b;
        /* libjpeg's range limit: limit[(x + 512) & 1023] is that index
         * minus 384 clamped to 0..255; the clamp is packus' saturation. */
#define RANGE16(w) w = _mm256_sub_epi16(_mm256_and_si256(_mm256_add_epi16(w, c512), c1023), c384);
        RANGE16(w01) RANGE16(w23) RANGE16(w45) RANGE16(w67)
#undef RANGE16
        /* Bytes: lo half = columns 0-3 of rows 0-3 | rows 4-7, hi = columns 4-7. */
        lo = _mm256_shuffle_epi8(_mm256_packus_epi16(w01, w23), rows4);
        hi = _mm256_shuffle_epi8(_mm256_packus_epi16(w45, w67), rows4);
        r01 = _mm256_unpacklo_epi32(lo, hi); /* rows 0, 1 | rows 4, 5 */
        r23 = _mm256_unpackhi_epi32(lo, hi); /* rows 2, 3 | rows 6, 7 */
        a = _mm256_castsi256_si128(r01);
        b = _mm256_castsi256_si128(r23);
        _mm_storel_epi64((__m128i *)out, a);
        _mm_storeh_pd((double *)(void *)(out + stride), _mm_castsi128_pd(a));
        _mm_storel_epi64((__m128i *)(out + 2 * stride), b);
        _mm_storeh_pd((double *)(void *)(out + 3 * stride), _mm_castsi128_pd(b));
        a = _mm256_extracti128_si256(r01, 1);
        b = _mm256_extracti128_si256(r23, 1);
        _mm_storel_epi64((__m128i *)(out + 4 * stride), a);
        _mm_storeh_pd((double *)(void *)(out + 5 * stride), _mm_castsi128_pd(a));
        _mm_storel_epi64((__m128i *)(out + 6 * stride), b);
        _mm_storeh_pd((double *)(void *)(out + 7 * stride), _mm_castsi128_pd(b));
    }
}
#else
/* Built without AVX2 (the Makefile compiles this file only with it). */
typedef int jpeg__idct_avx2_unused;
#endif
