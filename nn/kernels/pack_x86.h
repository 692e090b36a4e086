/* The packing twins the x86 sets share (arch.h, nn_k_gemm_tile.transpose):
 * included by gemm_avx2.c and gemm_avx512.c, so each compiles them with
 * its own flags. 256-bit AVX only. They copy floats and compute nothing,
 * so they give the plain loops' bits by construction. */
#ifndef GAN99_NN_KERNELS_PACK_X86_H
#define GAN99_NN_KERNELS_PACK_X86_H

#include <immintrin.h>
#include <stddef.h>

/* One 8 x 8 block: d[j*ldd + i] = s[i*lds + j]. */
static void pack_x86_transpose8(const float *s, size_t lds, float *d, size_t ldd)
{
    __m256 r0 = _mm256_loadu_ps(s), r1 = _mm256_loadu_ps(s + lds), r2 = _mm256_loadu_ps(s + 2 * lds);
    __m256 r3 = _mm256_loadu_ps(s + 3 * lds), r4 = _mm256_loadu_ps(s + 4 * lds);
    __m256 r5 = _mm256_loadu_ps(s + 5 * lds), r6 = _mm256_loadu_ps(s + 6 * lds);
    __m256 r7 = _mm256_loadu_ps(s + 7 * lds);
    /* pairs of rows interleaved, then quads, then the 128-bit halves */
    __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
    __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
    __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
    __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    _mm256_storeu_ps(d, _mm256_permute2f128_ps(u0, u4, 0x20));
    _mm256_storeu_ps(d + ldd, _mm256_permute2f128_ps(u1, u5, 0x20));
    _mm256_storeu_ps(d + 2 * ldd, _mm256_permute2f128_ps(u2, u6, 0x20));
    _mm256_storeu_ps(d + 3 * ldd, _mm256_permute2f128_ps(u3, u7, 0x20));
    _mm256_storeu_ps(d + 4 * ldd, _mm256_permute2f128_ps(u0, u4, 0x31));
    _mm256_storeu_ps(d + 5 * ldd, _mm256_permute2f128_ps(u1, u5, 0x31));
    _mm256_storeu_ps(d + 6 * ldd, _mm256_permute2f128_ps(u2, u6, 0x31));
    _mm256_storeu_ps(d + 7 * ldd, _mm256_permute2f128_ps(u3, u7, 0x31));
}

/* dst[q*ldd + r] = src[r*lds + q]: 8 x 8 blocks, the edges element by element. */
static void pack_x86_transpose(const float *src, size_t lds, size_t rows, size_t cols, float *dst, size_t ldd)
{
    size_t r, q, r8 = rows & ~(size_t)7, q8 = cols & ~(size_t)7;
    for (r = 0; r < r8; r += 8) {
        for (q = 0; q < q8; q += 8) pack_x86_transpose8(src + r * lds + q, lds, dst + q * ldd + r, ldd);
        for (; q < cols; q++) {
            size_t i;
            for (i = 0; i < 8; i++) dst[q * ldd + r + i] = src[(r + i) * lds + q];
        }
    }
    for (; r < rows; r++)
        for (q = 0; q < cols; q++) dst[q * ldd + r] = src[r * lds + q];
}

#endif
