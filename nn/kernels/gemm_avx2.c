/* The AVX2 + FMA GEMM micro-kernel (arch.h; driver in gemm.c): a 6 x 16
 * tile of C in 12 ymm registers (6 rows x 2 vectors of 8 floats). Per k
 * step: two vector loads of the packed B panel, six broadcasts of A, 12
 * fused multiply-adds (one rounding each, as fmaf: the scalar reference's
 * bits, each lane one output's chain in increasing k). 12 accumulators
 * cover the FMA latency; with 2 B vectors and a broadcast the tile uses 15
 * of the 16 registers. */
#include "arch.h"

#include "pack_x86.h"

#include <immintrin.h>

#define LOAD_ROW(i)                                          \
    c##i##0 = _mm256_loadu_ps(c + (size_t)(i) * ldc);        \
    c##i##1 = _mm256_loadu_ps(c + (size_t)(i) * ldc + 8)
#define STORE_ROW(i)                                         \
    _mm256_storeu_ps(c + (size_t)(i) * ldc, c##i##0);        \
    _mm256_storeu_ps(c + (size_t)(i) * ldc + 8, c##i##1)
/* the same rows of the next panel (the driver's innermost loop) */
#define PREFETCH_NEXT_ROW(i) _mm_prefetch((const char *)(c + (size_t)(i) * ldc + 16), _MM_HINT_T0)
#define FMA_ROW(i)                                           \
    t = _mm256_broadcast_ss(ap + (i));                      \
    c##i##0 = _mm256_fmadd_ps(t, b0, c##i##0);               \
    c##i##1 = _mm256_fmadd_ps(t, b1, c##i##1)

/* zero: the chains start from +0 and C's old content is not read
 * (arch.h, fn0); else they continue from C. */
static void tile_6x16_any(size_t kc, const float *ap, const float *bp, float *c, size_t ldc, int zero)
{
    __m256 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
    __m256 b0, b1, t;
    size_t p;
    if (zero) {
        c00 = c01 = c10 = c11 = c20 = c21 = _mm256_setzero_ps();
        c30 = c31 = c40 = c41 = c50 = c51 = _mm256_setzero_ps();
    } else {
        LOAD_ROW(0); LOAD_ROW(1); LOAD_ROW(2); LOAD_ROW(3); LOAD_ROW(4); LOAD_ROW(5);
    }
    PREFETCH_NEXT_ROW(0); PREFETCH_NEXT_ROW(1); PREFETCH_NEXT_ROW(2);
    PREFETCH_NEXT_ROW(3); PREFETCH_NEXT_ROW(4); PREFETCH_NEXT_ROW(5);
    for (p = 0; p < kc; p++) {
        b0 = _mm256_loadu_ps(bp);
        b1 = _mm256_loadu_ps(bp + 8);
        FMA_ROW(0); FMA_ROW(1); FMA_ROW(2); FMA_ROW(3); FMA_ROW(4); FMA_ROW(5);
        ap += 6;
        bp += 16;
    }
    STORE_ROW(0); STORE_ROW(1); STORE_ROW(2); STORE_ROW(3); STORE_ROW(4); STORE_ROW(5);
}

static void tile_6x16(size_t kc, const float *ap, const float *bp, float *c, size_t ldc)
{
    tile_6x16_any(kc, ap, bp, c, ldc, 0);
}

static void tile_6x16_zero(size_t kc, const float *ap, const float *bp, float *c, size_t ldc)
{
    tile_6x16_any(kc, ap, bp, c, ldc, 1);
}

/* The same tile reading A in place (arch.h, fna): row i of the tile's A
 * at a + i*lda, k along it, so a plain A is not packed. w is always 16. */
#define FMA_ROW_A(i)                                         \
    t = _mm256_broadcast_ss(r##i + p);                      \
    c##i##0 = _mm256_fmadd_ps(t, b0, c##i##0);               \
    c##i##1 = _mm256_fmadd_ps(t, b1, c##i##1)

static void tile_a_6x16(size_t kc, const float *a, size_t lda, const float *bp, float *c, size_t ldc, size_t w,
                        int zero)
{
    __m256 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
    __m256 b0, b1, t;
    const float *r0 = a, *r1 = a + lda, *r2 = a + 2 * lda, *r3 = a + 3 * lda, *r4 = a + 4 * lda, *r5 = a + 5 * lda;
    size_t p;
    (void)w;
    if (zero) {
        c00 = c01 = c10 = c11 = c20 = c21 = _mm256_setzero_ps();
        c30 = c31 = c40 = c41 = c50 = c51 = _mm256_setzero_ps();
    } else {
        LOAD_ROW(0); LOAD_ROW(1); LOAD_ROW(2); LOAD_ROW(3); LOAD_ROW(4); LOAD_ROW(5);
    }
    PREFETCH_NEXT_ROW(0); PREFETCH_NEXT_ROW(1); PREFETCH_NEXT_ROW(2);
    PREFETCH_NEXT_ROW(3); PREFETCH_NEXT_ROW(4); PREFETCH_NEXT_ROW(5);
    for (p = 0; p < kc; p++) {
        b0 = _mm256_loadu_ps(bp);
        b1 = _mm256_loadu_ps(bp + 8);
        FMA_ROW_A(0); FMA_ROW_A(1); FMA_ROW_A(2); FMA_ROW_A(3); FMA_ROW_A(4); FMA_ROW_A(5);
        bp += 16;
    }
    STORE_ROW(0); STORE_ROW(1); STORE_ROW(2); STORE_ROW(3); STORE_ROW(4); STORE_ROW(5);
}

/* kc 256: the 6 x 256 tile of A (6 KB) stays in L1 while 16 KB panels of
 * B stream from L2; nc 512: the 256 x 512 block of B (512 KB) stays in L2. */
/* dst[t] = src[2t]: 16 floats in, the 8 even ones out (t < n - 8 keeps
 * the last load within src[2n-2]). */
static void evens_avx2(const float *src, size_t n, float *dst)
{
    size_t t;
    for (t = 0; t + 8 < n; t += 8) {
        __m256 lo = _mm256_loadu_ps(src + 2 * t), hi = _mm256_loadu_ps(src + 2 * t + 8);
        /* 0 2 8 10 | 4 6 12 14, then the 64-bit pairs in order */
        __m256 e = _mm256_shuffle_ps(lo, hi, 0x88);
        _mm256_storeu_ps(dst + t, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), 0xD8)));
    }
    for (; t < n; t++) dst[t] = src[2 * t];
}

const nn_k_gemm_tile nn_k_tile_avx2 = { 6, 16, 256, 512, tile_6x16, 0, { NULL, NULL }, pack_x86_transpose, evens_avx2,
                                        NULL, tile_6x16_zero, NULL, tile_a_6x16 };
