/* The AVX-512 GEMM micro-kernel (arch.h; driver in gemm.c): an 8 x 48 tile
 * of C in 24 zmm registers (8 rows x 3 vectors of 16 floats). Per k step:
 * three vector loads of the packed B panel, eight broadcasts of A, 24 fused
 * multiply-adds. vfmadd231ps rounds once, as fmaf does, and each lane is
 * one output's chain in increasing k: the scalar reference's bits.
 * 24 accumulators hide the 4-cycle FMA latency at two FMAs per cycle;
 * with 3 B vectors and a broadcast the tile uses 28 of the 32 registers. */
#include "arch.h"

#include <immintrin.h>

#define LOAD_ROW(i)                                          \
    c##i##0 = _mm512_loadu_ps(c + (size_t)(i) * ldc);        \
    c##i##1 = _mm512_loadu_ps(c + (size_t)(i) * ldc + 16);   \
    c##i##2 = _mm512_loadu_ps(c + (size_t)(i) * ldc + 32)
#define STORE_ROW(i)                                         \
    _mm512_storeu_ps(c + (size_t)(i) * ldc, c##i##0);        \
    _mm512_storeu_ps(c + (size_t)(i) * ldc + 16, c##i##1);   \
    _mm512_storeu_ps(c + (size_t)(i) * ldc + 32, c##i##2)
/* the next tile down (the driver's innermost loop) */
#define PREFETCH_NEXT_ROW(i)                                                  \
    _mm_prefetch((const char *)(c + (size_t)(8 + (i)) * ldc), _MM_HINT_T0);      \
    _mm_prefetch((const char *)(c + (size_t)(8 + (i)) * ldc + 16), _MM_HINT_T0); \
    _mm_prefetch((const char *)(c + (size_t)(8 + (i)) * ldc + 32), _MM_HINT_T0)
#define FMA_ROW(i)                                           \
    t = _mm512_set1_ps(ap[i]);                            \
    c##i##0 = _mm512_fmadd_ps(t, b0, c##i##0);               \
    c##i##1 = _mm512_fmadd_ps(t, b1, c##i##1);               \
    c##i##2 = _mm512_fmadd_ps(t, b2, c##i##2)

static void tile_8x48(size_t kc, const float *ap, const float *bp, float *c, size_t ldc)
{
    __m512 c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32;
    __m512 c40, c41, c42, c50, c51, c52, c60, c61, c62, c70, c71, c72;
    __m512 b0, b1, b2, t;
    size_t p;
    LOAD_ROW(0); LOAD_ROW(1); LOAD_ROW(2); LOAD_ROW(3);
    LOAD_ROW(4); LOAD_ROW(5); LOAD_ROW(6); LOAD_ROW(7);
    PREFETCH_NEXT_ROW(0); PREFETCH_NEXT_ROW(1); PREFETCH_NEXT_ROW(2); PREFETCH_NEXT_ROW(3);
    PREFETCH_NEXT_ROW(4); PREFETCH_NEXT_ROW(5); PREFETCH_NEXT_ROW(6); PREFETCH_NEXT_ROW(7);
    for (p = 0; p < kc; p++) {
        b0 = _mm512_loadu_ps(bp);
        b1 = _mm512_loadu_ps(bp + 16);
        b2 = _mm512_loadu_ps(bp + 32);
        FMA_ROW(0); FMA_ROW(1); FMA_ROW(2); FMA_ROW(3);
        FMA_ROW(4); FMA_ROW(5); FMA_ROW(6); FMA_ROW(7);
        ap += 8;
        bp += 48;
    }
    STORE_ROW(0); STORE_ROW(1); STORE_ROW(2); STORE_ROW(3);
    STORE_ROW(4); STORE_ROW(5); STORE_ROW(6); STORE_ROW(7);
}

/* kc 256: the 48 KB panel streams from L1/L2 while the 8 rows of A (8 KB)
 * stay in L1; mc 192: 192 x 256 floats of A (192 KB) stay in L2. */
const nn_k_gemm_tile nn_k_tile_avx512 = { 8, 48, 256, 128, tile_8x48 };
