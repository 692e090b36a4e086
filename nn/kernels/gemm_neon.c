/* The NEON (aarch64) GEMM micro-kernel (arch.h; driver in gemm.c): an
 * 8 x 12 tile of C in 24 q registers (8 rows x 3 vectors of 4 floats). Per
 * k step: three vector loads of the packed B panel, eight scalars of A and
 * 24 FMLA by element. FMLA is fused (one rounding, as fmaf) and each lane
 * is one output's chain in increasing k: the scalar reference's bits.
 * NEON is part of the aarch64 base, so no run-time detection is needed. */
#include "arch.h"

#include <arm_neon.h>

#define LOAD_ROW(i)                                          \
    c##i##0 = vld1q_f32(c + (size_t)(i) * ldc);              \
    c##i##1 = vld1q_f32(c + (size_t)(i) * ldc + 4);          \
    c##i##2 = vld1q_f32(c + (size_t)(i) * ldc + 8)
#define STORE_ROW(i)                                         \
    vst1q_f32(c + (size_t)(i) * ldc, c##i##0);               \
    vst1q_f32(c + (size_t)(i) * ldc + 4, c##i##1);           \
    vst1q_f32(c + (size_t)(i) * ldc + 8, c##i##2)
#define FMA_ROW(i)                                           \
    t = ap[i];                                            \
    c##i##0 = vfmaq_n_f32(c##i##0, b0, t);                   \
    c##i##1 = vfmaq_n_f32(c##i##1, b1, t);                   \
    c##i##2 = vfmaq_n_f32(c##i##2, b2, t)

static void tile_8x12(size_t kc, const float *ap, const float *bp, float *c, size_t ldc)
{
    float32x4_t c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32;
    float32x4_t c40, c41, c42, c50, c51, c52, c60, c61, c62, c70, c71, c72;
    float32x4_t b0, b1, b2;
    float t;
    size_t p;
    LOAD_ROW(0); LOAD_ROW(1); LOAD_ROW(2); LOAD_ROW(3);
    LOAD_ROW(4); LOAD_ROW(5); LOAD_ROW(6); LOAD_ROW(7);
    for (p = 0; p < kc; p++) {
        b0 = vld1q_f32(bp);
        b1 = vld1q_f32(bp + 4);
        b2 = vld1q_f32(bp + 8);
        FMA_ROW(0); FMA_ROW(1); FMA_ROW(2); FMA_ROW(3);
        FMA_ROW(4); FMA_ROW(5); FMA_ROW(6); FMA_ROW(7);
        ap += 8;
        bp += 12;
    }
    STORE_ROW(0); STORE_ROW(1); STORE_ROW(2); STORE_ROW(3);
    STORE_ROW(4); STORE_ROW(5); STORE_ROW(6); STORE_ROW(7);
}

/* kc 256: the 8 x 256 tile of A (8 KB) stays in L1 while 12 KB panels of
 * B stream from L2; nc 384: the 256 x 384 block of B (384 KB) fits the
 * 512 KB L2 of a Cortex-A72 (Raspberry Pi 4). */
const nn_k_gemm_tile nn_k_tile_neon = { 8, 12, 256, 384, tile_8x12, 0, { NULL, NULL }, NULL, NULL, NULL, NULL, NULL,
                                        NULL };
