/* The AVX-512 GEMM micro-kernels (arch.h; driver in gemm.c): an 8 x 48
 * tile of C in 24 zmm registers (8 rows x 3 vectors of 16 floats), and
 * 8 x 32 and 8 x 16 twins for the last panel of a row when n is not a
 * multiple of 48 (n = 1024 would otherwise waste a third of its last
 * panel). Per k step: the tile's vector loads of the packed B panel, eight
 * broadcasts of A, one fused multiply-add per accumulator. vfmadd231ps
 * rounds once, as fmaf does, and each lane is one output's chain in
 * increasing k: the scalar reference's bits. 24 accumulators hide the
 * 4-cycle FMA latency at two FMAs per cycle; with 3 B vectors and a
 * broadcast the wide tile uses 28 of the 32 registers. */
#include "arch.h"

#include "pack_x86.h"

#include <immintrin.h>

/* Row i of the tile, vector v: load, store, and one k step. */
#define LOAD(i, v) c##i##v = _mm512_loadu_ps(c + (size_t)(i) * ldc + 16 * (v))
#define STORE(i, v) _mm512_storeu_ps(c + (size_t)(i) * ldc + 16 * (v), c##i##v)
/* The same rows of the next panel (the driver's innermost loop), into L2:
 * with C's rows a power of two apart they share L1 sets. */
#define PREFETCH(i, v) _mm_prefetch((const char *)(c + (size_t)(i) * ldc + 16 * (NV + (v))), _MM_HINT_T1)
/* ... and into L1 near the end of this tile (PF_LEAD k steps, ~12 cycles
 * each, before it): the next tile's first FMAs wait for its loads of C,
 * and the lines fetched into L1 at the start would have been pushed out
 * by the B panel streaming through. */
#define PREFETCH0(i, v) _mm_prefetch((const char *)(c + (size_t)(i) * ldc + 16 * (NV + (v))), _MM_HINT_T0)
enum { PF_LEAD = 24 };

#define ROWS(X, v) X(0, v); X(1, v); X(2, v); X(3, v); X(4, v); X(5, v); X(6, v); X(7, v)
/* One k step of row i: its broadcast, then its FMAs, so one register holds
 * A at a time. Broadcasting all eight rows first (8 + 24 + 3 = 35 live
 * registers) made gcc 12 spill three accumulators to the stack, putting a
 * store and a reload into their chains every k step. */
#define K3(i) a = _mm512_set1_ps(ap[i]); c##i##0 = _mm512_fmadd_ps(a, b0, c##i##0); \
    c##i##1 = _mm512_fmadd_ps(a, b1, c##i##1); c##i##2 = _mm512_fmadd_ps(a, b2, c##i##2)
#define K2(i) a = _mm512_set1_ps(ap[i]); c##i##0 = _mm512_fmadd_ps(a, b0, c##i##0); \
    c##i##1 = _mm512_fmadd_ps(a, b1, c##i##1)
#define K1(i) a = _mm512_set1_ps(ap[i]); c##i##0 = _mm512_fmadd_ps(a, b0, c##i##0)
#define KROWS(K) K(0); K(1); K(2); K(3); K(4); K(5); K(6); K(7)

#define ZERO(i, v) c##i##v = _mm512_setzero_ps()
/* A k step of a 48-wide tile: the panel's three vectors, then the rows. */
#define STEP3(K) b0 = _mm512_loadu_ps(bp); b1 = _mm512_loadu_ps(bp + 16); b2 = _mm512_loadu_ps(bp + 32); KROWS(K)

/* zero: the chains start from +0 and C's old content is not read
 * (arch.h, fn0); else they continue from C. */
static void tile_8x48_any(size_t kc, const float *ap, const float *bp, float *c, size_t ldc, int zero)
{
    enum { NV = 3 };
    __m512 c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32;
    __m512 c40, c41, c42, c50, c51, c52, c60, c61, c62, c70, c71, c72;
    __m512 b0, b1, b2, a;
    size_t p;
    if (zero) {
        ROWS(ZERO, 0); ROWS(ZERO, 1); ROWS(ZERO, 2);
    } else {
        ROWS(LOAD, 0); ROWS(LOAD, 1); ROWS(LOAD, 2);
    }
    ROWS(PREFETCH, 0); ROWS(PREFETCH, 1); ROWS(PREFETCH, 2);
    for (p = 0; p + PF_LEAD < kc; p++, ap += 8, bp += 16 * NV) {
        STEP3(K3);
    }
    ROWS(PREFETCH0, 0); ROWS(PREFETCH0, 1); ROWS(PREFETCH0, 2);
    for (; p < kc; p++, ap += 8, bp += 16 * NV) {
        STEP3(K3);
    }
    ROWS(STORE, 0); ROWS(STORE, 1); ROWS(STORE, 2);
}

static void tile_8x48(size_t kc, const float *ap, const float *bp, float *c, size_t ldc)
{
    tile_8x48_any(kc, ap, bp, c, ldc, 0);
}

static void tile_8x48_zero(size_t kc, const float *ap, const float *bp, float *c, size_t ldc)
{
    tile_8x48_any(kc, ap, bp, c, ldc, 1);
}

/* tile_8x48 with each 16-wide column vector at its own place in C (a tile
 * across segments of C, kernels.h "GEMM over views"): no scratch tile. */
#define SLOAD(i, v) c##i##v = _mm512_loadu_ps(cv[v] + (size_t)(i) * ldc)
#define SSTORE(i, v) _mm512_storeu_ps(cv[v] + (size_t)(i) * ldc, c##i##v)

static void tile_8x48_seg_any(size_t kc, const float *ap, const float *bp, float *const *cv, size_t ldc, int zero)
{
    __m512 c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32;
    __m512 c40, c41, c42, c50, c51, c52, c60, c61, c62, c70, c71, c72;
    __m512 b0, b1, b2, a;
    size_t p;
    if (zero) {
        ROWS(ZERO, 0); ROWS(ZERO, 1); ROWS(ZERO, 2);
    } else {
        ROWS(SLOAD, 0); ROWS(SLOAD, 1); ROWS(SLOAD, 2);
    }
    for (p = 0; p < kc; p++, ap += 8, bp += 48) {
        b0 = _mm512_loadu_ps(bp);
        b1 = _mm512_loadu_ps(bp + 16);
        b2 = _mm512_loadu_ps(bp + 32);
        KROWS(K3);
    }
    ROWS(SSTORE, 0); ROWS(SSTORE, 1); ROWS(SSTORE, 2);
}

static void tile_8x48_seg(size_t kc, const float *ap, const float *bp, float *const *cv, size_t ldc)
{
    tile_8x48_seg_any(kc, ap, bp, cv, ldc, 0);
}

static void tile_8x48_seg_zero(size_t kc, const float *ap, const float *bp, float *const *cv, size_t ldc)
{
    tile_8x48_seg_any(kc, ap, bp, cv, ldc, 1);
}

static void tile_8x32(size_t kc, const float *ap, const float *bp, float *c, size_t ldc)
{
    enum { NV = 2 };
    __m512 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71;
    __m512 b0, b1, a;
    size_t p;
    ROWS(LOAD, 0); ROWS(LOAD, 1);
    for (p = 0; p < kc; p++, ap += 8, bp += 16 * NV) {
        b0 = _mm512_loadu_ps(bp);
        b1 = _mm512_loadu_ps(bp + 16);
        KROWS(K2);
    }
    ROWS(STORE, 0); ROWS(STORE, 1);
}

static void tile_8x16(size_t kc, const float *ap, const float *bp, float *c, size_t ldc)
{
    enum { NV = 1 };
    __m512 c00, c10, c20, c30, c40, c50, c60, c70;
    __m512 b0, a;
    size_t p;
    ROWS(LOAD, 0);
    for (p = 0; p < kc; p++, ap += 8, bp += 16 * NV) {
        b0 = _mm512_loadu_ps(bp);
        KROWS(K1);
    }
    ROWS(STORE, 0);
}

/* The tiles reading A in place (arch.h, fna): row i of the tile's A at
 * r_i = a + i*lda, k along it, so a plain A needs no packing (the packing
 * was 3% of a 1024^3 SGEMM, 6% per thread on 2 threads, where each thread
 * packed all of A). Each row streams from L2 like the packed tile did. */
#define KA3(i) a = _mm512_set1_ps(r##i[p]); c##i##0 = _mm512_fmadd_ps(a, b0, c##i##0); \
    c##i##1 = _mm512_fmadd_ps(a, b1, c##i##1); c##i##2 = _mm512_fmadd_ps(a, b2, c##i##2)
#define KA2(i) a = _mm512_set1_ps(r##i[p]); c##i##0 = _mm512_fmadd_ps(a, b0, c##i##0); \
    c##i##1 = _mm512_fmadd_ps(a, b1, c##i##1)
#define KA1(i) a = _mm512_set1_ps(r##i[p]); c##i##0 = _mm512_fmadd_ps(a, b0, c##i##0)
#define AROWS const float *r0 = ar, *r1 = ar + lda, *r2 = ar + 2 * lda, *r3 = ar + 3 * lda, *r4 = ar + 4 * lda, \
    *r5 = ar + 5 * lda, *r6 = ar + 6 * lda, *r7 = ar + 7 * lda

static void tile_a_8x48(size_t kc, const float *ar, size_t lda, const float *bp, float *c, size_t ldc, int zero)
{
    enum { NV = 3 };
    __m512 c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32;
    __m512 c40, c41, c42, c50, c51, c52, c60, c61, c62, c70, c71, c72;
    __m512 b0, b1, b2, a;
    size_t p;
    AROWS;
    if (zero) {
        ROWS(ZERO, 0); ROWS(ZERO, 1); ROWS(ZERO, 2);
    } else {
        ROWS(LOAD, 0); ROWS(LOAD, 1); ROWS(LOAD, 2);
    }
    ROWS(PREFETCH, 0); ROWS(PREFETCH, 1); ROWS(PREFETCH, 2);
    for (p = 0; p + PF_LEAD < kc; p++, bp += 16 * NV) {
        STEP3(KA3);
    }
    ROWS(PREFETCH0, 0); ROWS(PREFETCH0, 1); ROWS(PREFETCH0, 2);
    for (; p < kc; p++, bp += 16 * NV) {
        STEP3(KA3);
    }
    ROWS(STORE, 0); ROWS(STORE, 1); ROWS(STORE, 2);
}

static void tile_a_8x32(size_t kc, const float *ar, size_t lda, const float *bp, float *c, size_t ldc, int zero)
{
    __m512 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71;
    __m512 b0, b1, a;
    size_t p;
    AROWS;
    if (zero) {
        ROWS(ZERO, 0); ROWS(ZERO, 1);
    } else {
        ROWS(LOAD, 0); ROWS(LOAD, 1);
    }
    for (p = 0; p < kc; p++, bp += 32) {
        b0 = _mm512_loadu_ps(bp);
        b1 = _mm512_loadu_ps(bp + 16);
        KROWS(KA2);
    }
    ROWS(STORE, 0); ROWS(STORE, 1);
}

static void tile_a_8x16(size_t kc, const float *ar, size_t lda, const float *bp, float *c, size_t ldc, int zero)
{
    __m512 c00, c10, c20, c30, c40, c50, c60, c70;
    __m512 b0, a;
    size_t p;
    AROWS;
    if (zero) {
        ROWS(ZERO, 0);
    } else {
        ROWS(LOAD, 0);
    }
    for (p = 0; p < kc; p++, bp += 16) {
        b0 = _mm512_loadu_ps(bp);
        KROWS(KA1);
    }
    ROWS(STORE, 0);
}

static void tile_a(size_t kc, const float *ar, size_t lda, const float *bp, float *c, size_t ldc, size_t w,
                   int zero)
{
    if (w == 48) tile_a_8x48(kc, ar, lda, bp, c, ldc, zero);
    else if (w == 32) tile_a_8x32(kc, ar, lda, bp, c, ldc, zero);
    else tile_a_8x16(kc, ar, lda, bp, c, ldc, zero);
}

/* dst[t] = src[2t]: 32 floats in, the 16 even ones out; the last block
 * with masks, so no load reaches past src[2n-2]. */
static void evens_avx512(const float *src, size_t n, float *dst)
{
    const __m512i idx = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    size_t t;
    for (t = 0; t + 16 < n; t += 16) {
        __m512 lo = _mm512_loadu_ps(src + 2 * t), hi = _mm512_loadu_ps(src + 2 * t + 16);
        _mm512_storeu_ps(dst + t, _mm512_permutex2var_ps(lo, idx, hi));
    }
    if (t < n) {
        size_t r = n - t, in = 2 * r - 1;   /* r <= 16 outputs from in <= 31 floats */
        __mmask16 mlo = (__mmask16)(in >= 16 ? 0xFFFFu : (1u << in) - 1u);
        __mmask16 mhi = (__mmask16)(in > 16 ? (1u << (in - 16)) - 1u : 0u);
        __mmask16 mout = (__mmask16)(r >= 16 ? 0xFFFFu : (1u << r) - 1u);
        __m512 lo = _mm512_maskz_loadu_ps(mlo, src + 2 * t), hi = _mm512_maskz_loadu_ps(mhi, src + 2 * t + 16);
        _mm512_mask_storeu_ps(dst + t, mout, _mm512_permutex2var_ps(lo, idx, hi));
    }
}

/* kc 512: the 8 x 512 tile of A (16 KB) is read from L1 and L2 while
 * 96 KB panels of B stream from L2; each tile's C is loaded and stored
 * once per 512 k steps (at kc 256 the tile calls' loads and stores of C
 * were ~7% of the tile's time in a 1024^3 SGEMM). nc 264: the block of
 * B, 512 x 264 floats (528 KB), stays in the 1 MB L2 of Zen 4/5 next to
 * A's and C's traffic; a block of 1 MB (256 x 1056) measured ~5% slower
 * there. */
const nn_k_gemm_tile nn_k_tile_avx512 = { 8, 48, 512, 264, tile_8x48, 16, { tile_8x16, tile_8x32 },
                                          pack_x86_transpose, evens_avx512, tile_8x48_seg, tile_8x48_zero,
                                          tile_8x48_seg_zero, tile_a };
