/* The AVX2 set's peak kernel (kernels.h nn_k_peak_gflops): 12 independent
 * chains of 8-lane fused multiply-adds and nothing else. 12 chains cover
 * the latency of two FMA pipes (4-5 cycles each on current x86 cores) and
 * leave room in the 16 ymm registers for the two constants. A benchmark
 * figure, not a numeric kernel: no bits to match. */
#include "arch.h"

#include <immintrin.h>

double nn_k_peak_run_avx2(long rounds, float seed, float *keep)
{
    /* different starting values, so the compiler cannot merge the chains */
    __m256 a0 = _mm256_set1_ps(seed), a1 = _mm256_set1_ps(seed + 1.0f), a2 = _mm256_set1_ps(seed + 2.0f);
    __m256 a3 = _mm256_set1_ps(seed + 3.0f), a4 = _mm256_set1_ps(seed + 4.0f), a5 = _mm256_set1_ps(seed + 5.0f);
    __m256 a6 = _mm256_set1_ps(seed + 6.0f), a7 = _mm256_set1_ps(seed + 7.0f), a8 = _mm256_set1_ps(seed + 8.0f);
    __m256 a9 = _mm256_set1_ps(seed + 9.0f), a10 = _mm256_set1_ps(seed + 10.0f), a11 = _mm256_set1_ps(seed + 11.0f);
    /* a = a/2 + 1/2 heads for 1 and stays normal (no slow denormals) */
    __m256 m = _mm256_set1_ps(0.5f), c = _mm256_set1_ps(0.5f);
    float out[8];
    long r;
    for (r = 0; r < rounds; r++) {
        a0 = _mm256_fmadd_ps(a0, m, c);
        a1 = _mm256_fmadd_ps(a1, m, c);
        a2 = _mm256_fmadd_ps(a2, m, c);
        a3 = _mm256_fmadd_ps(a3, m, c);
        a4 = _mm256_fmadd_ps(a4, m, c);
        a5 = _mm256_fmadd_ps(a5, m, c);
        a6 = _mm256_fmadd_ps(a6, m, c);
        a7 = _mm256_fmadd_ps(a7, m, c);
        a8 = _mm256_fmadd_ps(a8, m, c);
        a9 = _mm256_fmadd_ps(a9, m, c);
        a10 = _mm256_fmadd_ps(a10, m, c);
        a11 = _mm256_fmadd_ps(a11, m, c);
    }
    a0 = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                       _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
    a0 = _mm256_add_ps(a0, _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11)));
    _mm256_storeu_ps(out, a0);
    *keep = out[0];
    return (double)rounds * 12.0 * 8.0 * 2.0;
}
