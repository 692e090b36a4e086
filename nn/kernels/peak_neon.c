/* The NEON (aarch64) set's peak kernel (kernels.h nn_k_peak_gflops): 16
 * independent chains of 4-lane FMLA and nothing else, enough for four FMA
 * pipes of 4 cycles' latency (Neoverse V1, Apple cores) within the 32 q
 * registers. A benchmark figure, not a numeric kernel: no bits to match. */
#include "arch.h"

#include <arm_neon.h>

double nn_k_peak_run_neon(long rounds, float seed, float *keep)
{
    /* different starting values, so the compiler cannot merge the chains */
    float32x4_t a0 = vdupq_n_f32(seed), a1 = vdupq_n_f32(seed + 1.0f), a2 = vdupq_n_f32(seed + 2.0f);
    float32x4_t a3 = vdupq_n_f32(seed + 3.0f), a4 = vdupq_n_f32(seed + 4.0f), a5 = vdupq_n_f32(seed + 5.0f);
    float32x4_t a6 = vdupq_n_f32(seed + 6.0f), a7 = vdupq_n_f32(seed + 7.0f), a8 = vdupq_n_f32(seed + 8.0f);
    float32x4_t a9 = vdupq_n_f32(seed + 9.0f), a10 = vdupq_n_f32(seed + 10.0f), a11 = vdupq_n_f32(seed + 11.0f);
    float32x4_t a12 = vdupq_n_f32(seed + 12.0f), a13 = vdupq_n_f32(seed + 13.0f);
    float32x4_t a14 = vdupq_n_f32(seed + 14.0f), a15 = vdupq_n_f32(seed + 15.0f);
    /* a = 1/2 + a/2 heads for 1 and stays normal (no slow denormals) */
    float32x4_t m = vdupq_n_f32(0.5f), c = vdupq_n_f32(0.5f);
    long r;
    for (r = 0; r < rounds; r++) {
        a0 = vfmaq_f32(c, a0, m);
        a1 = vfmaq_f32(c, a1, m);
        a2 = vfmaq_f32(c, a2, m);
        a3 = vfmaq_f32(c, a3, m);
        a4 = vfmaq_f32(c, a4, m);
        a5 = vfmaq_f32(c, a5, m);
        a6 = vfmaq_f32(c, a6, m);
        a7 = vfmaq_f32(c, a7, m);
        a8 = vfmaq_f32(c, a8, m);
        a9 = vfmaq_f32(c, a9, m);
        a10 = vfmaq_f32(c, a10, m);
        a11 = vfmaq_f32(c, a11, m);
        a12 = vfmaq_f32(c, a12, m);
        a13 = vfmaq_f32(c, a13, m);
        a14 = vfmaq_f32(c, a14, m);
        a15 = vfmaq_f32(c, a15, m);
    }
    a0 = vaddq_f32(vaddq_f32(vaddq_f32(a0, a1), vaddq_f32(a2, a3)), vaddq_f32(vaddq_f32(a4, a5), vaddq_f32(a6, a7)));
    a8 = vaddq_f32(vaddq_f32(vaddq_f32(a8, a9), vaddq_f32(a10, a11)),
                   vaddq_f32(vaddq_f32(a12, a13), vaddq_f32(a14, a15)));
    *keep = vaddvq_f32(vaddq_f32(a0, a8));
    return (double)rounds * 16.0 * 4.0 * 2.0;
}
