/* The AVX-512 set's peak kernel (kernels.h nn_k_peak_gflops): 16
 * independent chains of 16-lane fused multiply-adds and nothing else,
 * enough to cover the latency of two 512-bit FMA pipes (Intel server
 * cores) as well as of AMD's double-pumped one. A benchmark figure, not a
 * numeric kernel: no bits to match. */
#include "arch.h"

#include <immintrin.h>

double nn_k_peak_run_avx512(long rounds, float seed, float *keep)
{
    /* different starting values, so the compiler cannot merge the chains */
    __m512 a0 = _mm512_set1_ps(seed), a1 = _mm512_set1_ps(seed + 1.0f), a2 = _mm512_set1_ps(seed + 2.0f);
    __m512 a3 = _mm512_set1_ps(seed + 3.0f), a4 = _mm512_set1_ps(seed + 4.0f), a5 = _mm512_set1_ps(seed + 5.0f);
    __m512 a6 = _mm512_set1_ps(seed + 6.0f), a7 = _mm512_set1_ps(seed + 7.0f), a8 = _mm512_set1_ps(seed + 8.0f);
    __m512 a9 = _mm512_set1_ps(seed + 9.0f), a10 = _mm512_set1_ps(seed + 10.0f), a11 = _mm512_set1_ps(seed + 11.0f);
    __m512 a12 = _mm512_set1_ps(seed + 12.0f), a13 = _mm512_set1_ps(seed + 13.0f);
    __m512 a14 = _mm512_set1_ps(seed + 14.0f), a15 = _mm512_set1_ps(seed + 15.0f);
    /* a = a/2 + 1/2 heads for 1 and stays normal (no slow denormals) */
    __m512 m = _mm512_set1_ps(0.5f), c = _mm512_set1_ps(0.5f);
    long r;
    for (r = 0; r < rounds; r++) {
        a0 = _mm512_fmadd_ps(a0, m, c);
        a1 = _mm512_fmadd_ps(a1, m, c);
        a2 = _mm512_fmadd_ps(a2, m, c);
        a3 = _mm512_fmadd_ps(a3, m, c);
        a4 = _mm512_fmadd_ps(a4, m, c);
        a5 = _mm512_fmadd_ps(a5, m, c);
        a6 = _mm512_fmadd_ps(a6, m, c);
        a7 = _mm512_fmadd_ps(a7, m, c);
        a8 = _mm512_fmadd_ps(a8, m, c);
        a9 = _mm512_fmadd_ps(a9, m, c);
        a10 = _mm512_fmadd_ps(a10, m, c);
        a11 = _mm512_fmadd_ps(a11, m, c);
        a12 = _mm512_fmadd_ps(a12, m, c);
        a13 = _mm512_fmadd_ps(a13, m, c);
        a14 = _mm512_fmadd_ps(a14, m, c);
        a15 = _mm512_fmadd_ps(a15, m, c);
    }
    a0 = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)),
                       _mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7)));
    a8 = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a8, a9), _mm512_add_ps(a10, a11)),
                       _mm512_add_ps(_mm512_add_ps(a12, a13), _mm512_add_ps(a14, a15)));
    *keep = _mm512_reduce_add_ps(_mm512_add_ps(a0, a8));
    return (double)rounds * 16.0 * 16.0 * 2.0;
}
