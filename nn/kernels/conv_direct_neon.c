/* The NEON (aarch64) direct convolution tiles (arch.h; driver in
 * conv_direct.c). Forward: 8 output channels x 12 positions in 24 q
 * registers, the GEMM's 8 x 12 tile (gemm_neon.c), with 8 x 4 and 8 x 8
 * twins for a band's last positions. Per tap: three unaligned loads of the
 * padded input, two loads of the 8 packed weights and 24 FMLA by element;
 * FMLA is fused (one rounding, as fmaf) and each lane is one position's
 * chain in (c, tap) order from +0: the scalar tile's bits. */
#include "arch.h"

#include <arm_neon.h>

#define ROWS(X) X(0, w0, 0); X(1, w0, 1); X(2, w0, 2); X(3, w0, 3); X(4, w1, 0); X(5, w1, 1); X(6, w1, 2); X(7, w1, 3)
#define ZERO3(i, w, l) c##i##0 = c##i##1 = c##i##2 = vdupq_n_f32(0.0f)
#define FMA3(i, w, l)                                        \
    c##i##0 = vfmaq_laneq_f32(c##i##0, b0, w, l);            \
    c##i##1 = vfmaq_laneq_f32(c##i##1, b1, w, l);            \
    c##i##2 = vfmaq_laneq_f32(c##i##2, b2, w, l)
#define STORE3(i, w, l)                                      \
    vst1q_f32(out + (size_t)(i) * ldo, c##i##0);             \
    vst1q_f32(out + (size_t)(i) * ldo + 4, c##i##1);         \
    vst1q_f32(out + (size_t)(i) * ldo + 8, c##i##2)
#define ZERO2(i, w, l) c##i##0 = c##i##1 = vdupq_n_f32(0.0f)
#define FMA2(i, w, l)                                        \
    c##i##0 = vfmaq_laneq_f32(c##i##0, b0, w, l);            \
    c##i##1 = vfmaq_laneq_f32(c##i##1, b1, w, l)
#define STORE2(i, w, l)                                      \
    vst1q_f32(out + (size_t)(i) * ldo, c##i##0);             \
    vst1q_f32(out + (size_t)(i) * ldo + 4, c##i##1)
#define ZERO1(i, w, l) c##i##0 = vdupq_n_f32(0.0f)
#define FMA1(i, w, l) c##i##0 = vfmaq_laneq_f32(c##i##0, b0, w, l)
#define STORE1(i, w, l) vst1q_f32(out + (size_t)(i) * ldo, c##i##0)

static void dconv_8x12(size_t c, size_t plane, const size_t *toff, size_t taps, const float *x, const float *wp,
                       float *out, size_t ldo)
{
    float32x4_t c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32;
    float32x4_t c40, c41, c42, c50, c51, c52, c60, c61, c62, c70, c71, c72;
    float32x4_t b0, b1, b2, w0, w1;
    size_t cc, t;
    ROWS(ZERO3);
    for (cc = 0; cc < c; cc++, x += plane)
        for (t = 0; t < taps; t++, wp += 8) {
            const float *xt = x + toff[t];
            b0 = vld1q_f32(xt);
            b1 = vld1q_f32(xt + 4);
            b2 = vld1q_f32(xt + 8);
            w0 = vld1q_f32(wp);
            w1 = vld1q_f32(wp + 4);
            ROWS(FMA3);
        }
    ROWS(STORE3);
}

static void dconv_8x8(size_t c, size_t plane, const size_t *toff, size_t taps, const float *x, const float *wp,
                      float *out, size_t ldo)
{
    float32x4_t c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71;
    float32x4_t b0, b1, w0, w1;
    size_t cc, t;
    ROWS(ZERO2);
    for (cc = 0; cc < c; cc++, x += plane)
        for (t = 0; t < taps; t++, wp += 8) {
            const float *xt = x + toff[t];
            b0 = vld1q_f32(xt);
            b1 = vld1q_f32(xt + 4);
            w0 = vld1q_f32(wp);
            w1 = vld1q_f32(wp + 4);
            ROWS(FMA2);
        }
    ROWS(STORE2);
}

static void dconv_8x4(size_t c, size_t plane, const size_t *toff, size_t taps, const float *x, const float *wp,
                      float *out, size_t ldo)
{
    float32x4_t c00, c10, c20, c30, c40, c50, c60, c70, b0, w0, w1;
    size_t cc, t;
    ROWS(ZERO1);
    for (cc = 0; cc < c; cc++, x += plane)
        for (t = 0; t < taps; t++, wp += 8) {
            b0 = vld1q_f32(x + toff[t]);
            w0 = vld1q_f32(wp);
            w1 = vld1q_f32(wp + 4);
            ROWS(FMA1);
        }
    ROWS(STORE1);
}

const nn_k_dconv_tile nn_k_dconv_neon = { 8, 12, dconv_8x12, 4, { dconv_8x4, dconv_8x8 } };

/* The weight-gradient tile (arch.h nn_k_dgw_fn): 8 output channels (two
 * q registers of lanes) x 1 input channel x 9 taps in 18 accumulators.
 * Four positions at a time: each input row's six values x[ox .. ox+5] sit
 * in two registers (a q and a d: the row has wo + 2 floats, so ox + 5 is
 * its last at most), then per position one load of gy's 8 channels and 18
 * FMLA by element, taking tap (i, j) of position ox + d from lane d + j.
 * The positions' order per chain is the reference's; the last wo % 4
 * positions one by one, by scalar. */
#define GW_TAPS(X) X(0); X(1); X(2); X(3); X(4); X(5); X(6); X(7); X(8)
#define GW_LOAD(t)                                           \
    s##t##0 = vld1q_f32(acc + (size_t)(t) * lda);            \
    s##t##1 = vld1q_f32(acc + (size_t)(t) * lda + 4)
#define GW_STORE(t)                                          \
    vst1q_f32(acc + (size_t)(t) * lda, s##t##0);             \
    vst1q_f32(acc + (size_t)(t) * lda + 4, s##t##1)
/* x value k (0..5) of row i from the row's q (xa) and d (xb) registers */
#define XL0(a, g, i) vfmaq_laneq_f32(a, g, xa##i, 0)
#define XL1(a, g, i) vfmaq_laneq_f32(a, g, xa##i, 1)
#define XL2(a, g, i) vfmaq_laneq_f32(a, g, xa##i, 2)
#define XL3(a, g, i) vfmaq_laneq_f32(a, g, xa##i, 3)
#define XL4(a, g, i) vfmaq_lane_f32(a, g, xb##i, 0)
#define XL5(a, g, i) vfmaq_lane_f32(a, g, xb##i, 1)
#define GX(t, i, k) s##t##0 = XL##k(s##t##0, g0, i); s##t##1 = XL##k(s##t##1, g1, i)
#define GROW(t0, t1, t2, i, ka, kb, kc) GX(t0, i, ka); GX(t1, i, kb); GX(t2, i, kc)
#define GSTEP(d, k0, k1, k2)                                 \
    g0 = vld1q_f32(gq + (d) * ldg);                          \
    g1 = vld1q_f32(gq + (d) * ldg + 4);                      \
    GROW(0, 1, 2, 0, k0, k1, k2);                            \
    GROW(3, 4, 5, 1, k0, k1, k2);                            \
    GROW(6, 7, 8, 2, k0, k1, k2)
#define GN(t)                                                \
    s##t##0 = vfmaq_n_f32(s##t##0, g0, xr[(t) / 3][ox + (t) % 3]); \
    s##t##1 = vfmaq_n_f32(s##t##1, g1, xr[(t) / 3][ox + (t) % 3])

static void dgw_8x1(size_t rows, size_t wo, size_t wp, size_t plane, const float *x, const float *gy, size_t ldg,
                    float *acc, size_t lda)
{
    float32x4_t s00, s01, s10, s11, s20, s21, s30, s31, s40, s41, s50, s51, s60, s61, s70, s71, s80, s81;
    float32x4_t g0, g1, xa0, xa1, xa2;
    float32x2_t xb0, xb1, xb2;
    size_t r, ox;
    (void)plane;
    GW_TAPS(GW_LOAD);
    for (r = 0; r < rows; r++) {
        const float *xr[3];
        const float *gq = gy + r * wo * ldg;
        xr[0] = x + r * wp;
        xr[1] = xr[0] + wp;
        xr[2] = xr[1] + wp;
        for (ox = 0; ox + 4 <= wo; ox += 4, gq += 4 * ldg) {
            xa0 = vld1q_f32(xr[0] + ox);
            xb0 = vld1_f32(xr[0] + ox + 4);
            xa1 = vld1q_f32(xr[1] + ox);
            xb1 = vld1_f32(xr[1] + ox + 4);
            xa2 = vld1q_f32(xr[2] + ox);
            xb2 = vld1_f32(xr[2] + ox + 4);
            GSTEP(0, 0, 1, 2);
            GSTEP(1, 1, 2, 3);
            GSTEP(2, 2, 3, 4);
            GSTEP(3, 3, 4, 5);
        }
        for (; ox < wo; ox++, gq += ldg) {
            g0 = vld1q_f32(gq);
            g1 = vld1q_f32(gq + 4);
            GW_TAPS(GN);
        }
    }
    GW_TAPS(GW_STORE);
}

const nn_k_dgw_tile nn_k_dgw_neon = { 8, 1, dgw_8x1 };
