/* The JPEG inverse DCT, as libjpeg's jpeg_idct_islow (jidctint.c).
 *
 * T.81 A.3.3 defines the IDCT exactly; decoders differ in how they round.
 * PIL decodes with libjpeg-turbo's default "ISLOW" method: a separable
 * integer IDCT after Loeffler, Ligtenberg and Moschytz (ICASSP 1989), with
 * 13-bit fixed-point constants (CONST_BITS), 2 extra bits kept between the
 * column and row passes (PASS1_BITS), rounding right shifts (DESCALE), and a
 * final range limit. Reproducing each integer step gives PIL's samples.
 *
 * Intermediates are 32-bit when the block's values are small enough for
 * that to be exact (always, for valid data) and 64-bit otherwise (libjpeg's
 * JLONG on LP64 hosts): dequantized coefficients of corrupt files reach 2^31
 * and their products 2^48, which must not overflow on any platform. */
#include "jpeg_internal.h"
#include "../nn/kernels/kernels.h"

#include <string.h>

#define CONST_BITS 13
#define PASS1_BITS 2

/* FIX(x) = round(x * 2^13), the values jidctint.c tabulates. */
#define FIX_0_298631336 ((int64_t)2446)
#define FIX_0_390180644 ((int64_t)3196)
#define FIX_0_541196100 ((int64_t)4433)
#define FIX_0_765366865 ((int64_t)6270)
#define FIX_0_899976223 ((int64_t)7373)
#define FIX_1_175875602 ((int64_t)9633)
#define FIX_1_501321110 ((int64_t)12299)
#define FIX_1_847759065 ((int64_t)15137)
#define FIX_1_961570560 ((int64_t)16069)
#define FIX_2_053119869 ((int64_t)16819)
#define FIX_2_562915447 ((int64_t)20995)
#define FIX_3_072711026 ((int64_t)25172)

/* Rounding right shift; >> of a negative value is arithmetic on every
 * compiler gan99 supports, as libjpeg also assumes. */
#define DESCALE_T(x, n, T) (((x) + ((T)1 << ((n) - 1))) >> (n))

/* libjpeg's range limit for IDCT output: the sample is (x + 128) clamped to
 * 0..255, but x is first reduced modulo 1024 into -512..511 (its table is
 * indexed by x & 1023). Only corrupt data reaches |x| >= 512; wrapping as
 * libjpeg does keeps even those samples equal. Callers pass the value
 * converted to uint32_t (modulo 2^32, which keeps the low 10 bits); the
 * clamp is one lookup in the decoder's table (jpeg__range_limit_init). */
#define RANGE_LIMIT(limit, x) ((limit)[((x) + 512u) & 1023u])

void jpeg__range_limit_init(uint8_t limit[JPEG__LIMIT_SIZE])
{
    int t;
    for (t = 0; t < JPEG__LIMIT_SIZE; t++) limit[t] = (uint8_t)(t < 384 ? 0 : t > 384 + 255 ? 255 : t - 384);
}

/* The 8-point even/odd butterfly shared by both passes (jidctint.c): from
 * the eight inputs in[0..7] (stride `st`) it leaves the eight outputs,
 * still scaled by 2^CONST_BITS, in o[0..7]. Defined for 32-bit and 64-bit
 * intermediates: the same integer steps, so the same results whenever the
 * 32-bit version cannot overflow (see jpeg__idct_islow). */
#define DEFINE_IDCT_1D(name, T)                                                  \
    static inline void name(const T *in, int st, T o[8])                         \
    {                                                                            \
        T z1, z2, z3, z4, z5, tmp0, tmp1, tmp2, tmp3, tmp10, tmp11, tmp12, tmp13; \
        /* Even part: rotator on in[2], in[6]; butterflies with in[0], in[4]. */ \
        z2 = in[2 * st];                                                         \
        z3 = in[6 * st];                                                         \
        z1 = (z2 + z3) * (T)FIX_0_541196100;                                     \
        tmp2 = z1 + z3 * -(T)FIX_1_847759065;                                    \
        tmp3 = z1 + z2 * (T)FIX_0_765366865;                                     \
        tmp0 = (in[0] + in[4 * st]) * ((T)1 << CONST_BITS);                      \
        tmp1 = (in[0] - in[4 * st]) * ((T)1 << CONST_BITS);                      \
        tmp10 = tmp0 + tmp3;                                                     \
        tmp13 = tmp0 - tmp3;                                                     \
        tmp11 = tmp1 + tmp2;                                                     \
        tmp12 = tmp1 - tmp2;                                                     \
        /* Odd part (the paper's Figure 8, factors folded as libjpeg does). */  \
        tmp0 = in[7 * st];                                                       \
        tmp1 = in[5 * st];                                                       \
        tmp2 = in[3 * st];                                                       \
        tmp3 = in[1 * st];                                                       \
        z1 = tmp0 + tmp3;                                                        \
        z2 = tmp1 + tmp2;                                                        \
        z3 = tmp0 + tmp2;                                                        \
        z4 = tmp1 + tmp3;                                                        \
        z5 = (z3 + z4) * (T)FIX_1_175875602;                                     \
        tmp0 *= (T)FIX_0_298631336;                                              \
        tmp1 *= (T)FIX_2_053119869;                                              \
        tmp2 *= (T)FIX_3_072711026;                                              \
        tmp3 *= (T)FIX_1_501321110;                                              \
        z1 *= -(T)FIX_0_899976223;                                               \
        z2 *= -(T)FIX_2_562915447;                                               \
        z3 = z3 * -(T)FIX_1_961570560 + z5;                                      \
        z4 = z4 * -(T)FIX_0_390180644 + z5;                                      \
        tmp0 += z1 + z3;                                                         \
        tmp1 += z2 + z4;                                                         \
        tmp2 += z2 + z3;                                                         \
        tmp3 += z1 + z4;                                                         \
        o[0] = tmp10 + tmp3;                                                     \
        o[7] = tmp10 - tmp3;                                                     \
        o[1] = tmp11 + tmp2;                                                     \
        o[6] = tmp11 - tmp2;                                                     \
        o[2] = tmp12 + tmp1;                                                     \
        o[5] = tmp12 - tmp1;                                                     \
        o[3] = tmp13 + tmp0;                                                     \
        o[4] = tmp13 - tmp0;                                                     \
    }

DEFINE_IDCT_1D(idct_1d_32, int32_t)
DEFINE_IDCT_1D(idct_1d_64, int64_t)

/* Bounds for the 32-bit path: with inputs below 2^14 in magnitude every
 * intermediate of idct_1d stays below 2^14 * 2^16.2 (the largest sum of
 * constant multiples it forms) < 2^31. Valid 8-bit data stays far inside
 * (dequantized coefficients and pass-1 outputs are below about 2^13);
 * only corrupt data takes the 64-bit path. OUTSIDE tests |v| >= SMALL with
 * one unsigned comparison, so a whole column can be checked without
 * branches. */
#define SMALL ((int64_t)1 << 14)
#define OUTSIDE(v) ((uint32_t)((v) + (int32_t)(SMALL - 1)) > (uint32_t)(2 * SMALL - 2))

/* Pass 2 (rows) for one row of the workspace: remove PASS1_BITS and the
 * factor 8 of the 2-D transform, then range-limit. */
#define DEFINE_ROW_PASS(name, T, idct)                                            \
    static inline void name(const T *row, uint8_t *dst, const uint8_t *limit)     \
    {                                                                             \
        T o[8];                                                                   \
        int j;                                                                    \
        if (!row[1] && !row[2] && !row[3] && !row[4] && !row[5] && !row[6] && !row[7]) { \
            uint8_t v = RANGE_LIMIT(limit, (uint32_t)DESCALE_T(row[0], PASS1_BITS + 3, T)); \
            for (j = 0; j < 8; j++) dst[j] = v;                                   \
            return;                                                               \
        }                                                                         \
        idct(row, 1, o);                                                          \
        for (j = 0; j < 8; j++)                                                   \
            dst[j] = RANGE_LIMIT(limit, (uint32_t)DESCALE_T(o[j], CONST_BITS + PASS1_BITS + 3, T)); \
    }

DEFINE_ROW_PASS(row_pass_32, int32_t, idct_1d_32)
DEFINE_ROW_PASS(row_pass_64, int64_t, idct_1d_64)

/* The 64-bit path, for blocks whose values could overflow 32 bits. */
static void idct_islow_64(const int16_t coef[64], const uint16_t quant[64], uint8_t *out, size_t stride,
                          const uint8_t *limit)
{
    int64_t in[64], ws[64], o[8];
    int i, j;
    for (i = 0; i < 64; i++) in[i] = (int64_t)coef[i] * (int64_t)quant[i];
    for (j = 0; j < 8; j++) {
        idct_1d_64(in + j, 8, o);
        for (i = 0; i < 8; i++) ws[i * 8 + j] = DESCALE_T(o[i], CONST_BITS - PASS1_BITS, int64_t);
    }
    for (i = 0; i < 8; i++) row_pass_64(ws + i * 8, out + (size_t)i * stride, limit);
}

/* coef is one block in natural order, quant the matching table; out gets
 * 8 rows of 8 samples, `stride` bytes apart. Dequantization happens inside
 * the column pass (as jidctint.c's DEQUANTIZE), so the block is read once. */
void jpeg__idct_islow(const int16_t coef[64], const uint16_t quant[64], uint8_t *out, size_t stride,
                      const uint8_t *limit)
{
    int32_t ws[64], col[8], o[8];
    uint64_t ac = (uint64_t)(coef[1] | coef[2] | coef[3]), word;
    uint32_t outside = 0;
    int i, j;

    /* Any AC coefficient non-zero? Tested 4 at a time: only zero matters,
     * so the byte order of the 8-byte words does not. */
    for (i = 4; i < 64; i += 4) {
        memcpy(&word, coef + i, sizeof word);
        ac |= word;
    }
    if (!ac) {
        /* DC only: every sample is the DC term through both passes (the
         * shortcuts below give exactly what the full passes would). */
        int32_t dc = (int32_t)coef[0] * (int32_t)quant[0];
        uint8_t v;
        if (OUTSIDE(dc)) {
            idct_islow_64(coef, quant, out, stride, limit);
            return;
        }
        v = RANGE_LIMIT(limit, (uint32_t)DESCALE_T(dc * (1 << PASS1_BITS), PASS1_BITS + 3, int32_t));
        for (i = 0; i < 8; i++)
            for (j = 0; j < 8; j++) out[(size_t)i * stride + (size_t)j] = v;
        return;
    }

    /* Pass 1: columns, results scaled up by 2^PASS1_BITS. A column with no
     * AC terms is its DC value (the same result, found quickly). */
    for (j = 0; j < 8; j++) {
        const int16_t *c = coef + j;
        const uint16_t *q = quant + j;
        if (!(c[8] | c[16] | c[24] | c[32] | c[40] | c[48] | c[56])) {
            int32_t dc = (int32_t)c[0] * (int32_t)q[0];
            outside |= OUTSIDE(dc);
            if (outside) break;  /* before the shift could overflow */
            dc *= 1 << PASS1_BITS;
            for (i = 0; i < 8; i++) ws[i * 8 + j] = dc;
            continue;
        }
        for (i = 0; i < 8; i++) {
            col[i] = (int32_t)c[8 * i] * (int32_t)q[8 * i];
            outside |= OUTSIDE(col[i]);
        }
        if (outside) break;
        idct_1d_32(col, 1, o);
        for (i = 0; i < 8; i++) {
            ws[i * 8 + j] = DESCALE_T(o[i], CONST_BITS - PASS1_BITS, int32_t);
            /* Pass-1 outputs too large for 32-bit row sums. */
            outside |= OUTSIDE(ws[i * 8 + j]);
        }
    }
    if (outside) {
        idct_islow_64(coef, quant, out, stride, limit);
        return;
    }
    for (i = 0; i < 8; i++) row_pass_32(ws + i * 8, out + (size_t)i * stride, limit);
}

jpeg__idct_fn jpeg__idct_select(void)
{
#if defined(GAN99_HAVE_AVX2)
    /* AVX-512 machines have AVX2 too; the AVX2 twin serves both sets. */
    int p = nn_k_path();
    if (p == NN_K_AVX2 || p == NN_K_AVX512) return jpeg__idct_islow_avx2;
#endif
    return jpeg__idct_islow;
}
