/* The blocked SGEMM driver that the SIMD kernel sets share (kernels.h,
 * arch.h; SPEC.md §3): C[m,n] += op(A)[m,k] . op(B)[k,n], bit-identical to
 * nn_k_sgemm_scalar.
 *
 * The loops, after Goto and van de Geijn ("Anatomy of high-performance
 * matrix multiplication", ACM TOMS 2008), turned so that the SIMD lanes run
 * along rows of C (row-major here):
 *   for each k block of kc          (k in order: chains continue from C)
 *     for each block of mc rows     (that block of A stays in L2)
 *       pack that block of A in tiles of mr rows, step by step
 *       for each panel of nr columns: pack B's kc x nr panel (L1)
 *         for each tile of mr rows: the micro-kernel, broadcasting A
 *           and loading the panel as vectors.
 * Packing makes A and A^T, B and B^T one case, and keeps the kernel's
 * reads contiguous (rows of a power-of-two width, as conv weights have,
 * would otherwise all fall in one set of the L1 cache).
 * Edges: short tiles are zero-padded in the packed panels and go through a
 * scratch tile of C. k is never padded, so no output sees an extra fmaf.
 * Threads (OpenMP) take disjoint ranges of panels (or of row tiles when C
 * has fewer panels than threads), each the same loops over its own part:
 * outputs split, never k. */
#include "arch.h"

#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* ap[(i/mr)*kc*mr + p*mr + i%mr] = op(A)[i0+i][p0+p] for i < mv, 0 for the
 * rows that pad the last tile to mr. */
static void pack_a(int ta, const float *a, size_t lda, size_t i0, size_t mv, size_t p0, size_t kc, size_t mr,
                   float *ap)
{
    size_t t, i, p;
    for (t = 0; t < mv; t += mr, ap += kc * mr) {
        size_t rows = mv - t < mr ? mv - t : mr;
        if (ta) {
            /* A is [k,m]: the mr values of a step are contiguous */
            for (p = 0; p < kc; p++) {
                const float *src = a + (p0 + p) * lda + i0 + t;
                for (i = 0; i < rows; i++) ap[p * mr + i] = src[i];
                for (; i < mr; i++) ap[p * mr + i] = 0.0f;
            }
        } else {
            for (i = 0; i < rows; i++) {
                const float *src = a + (i0 + t + i) * lda + p0;
                for (p = 0; p < kc; p++) ap[p * mr + i] = src[p];
            }
            for (; i < mr; i++)
                for (p = 0; p < kc; p++) ap[p * mr + i] = 0.0f;
        }
    }
}

/* bp[p*nr + j] = op(B)[p0+p][j0+j] for j < nv, 0 for nv <= j < nr. */
static void pack_b(int tb, const float *b, size_t ldb, size_t p0, size_t kc, size_t j0, size_t nv, size_t nr,
                   float *bp)
{
    size_t p, j;
    if (!tb) {
        for (p = 0; p < kc; p++) {
            memcpy(bp + p * nr, b + (p0 + p) * ldb + j0, nv * sizeof(float));
            for (j = nv; j < nr; j++) bp[p * nr + j] = 0.0f;
        }
        return;
    }
    /* B is [n,k]: column j of op(B) is row j of B, contiguous in p */
    for (j = 0; j < nv; j++) {
        const float *src = b + (j0 + j) * ldb + p0;
        for (p = 0; p < kc; p++) bp[p * nr + j] = src[p];
    }
    for (j = nv; j < nr; j++)
        for (p = 0; p < kc; p++) bp[p * nr + j] = 0.0f;
}

/* The part of C in rows [m0, m1) and columns [n0, n1): m0 and n0 are
 * multiples of mr and nr. */
static void gemm_part(const nn_k_gemm_tile *t, int ta, int tb, size_t m0, size_t m1, size_t n0, size_t n1,
                      size_t k, const float *a, size_t lda, const float *b, size_t ldb, float *c, size_t ldc)
{
    float ap[NN_K_PANEL_A], bp[NN_K_PANEL_B], ct[NN_K_TILE_C];
    size_t mr = (size_t)t->mr, nr = (size_t)t->nr;
    size_t p0, i0, ib, j0, i, j;
    for (p0 = 0; p0 < k; p0 += t->kc) {
        size_t kc = k - p0 < t->kc ? k - p0 : t->kc;
        for (ib = m0; ib < m1; ib += t->mc) {
            size_t ie = m1 - ib < t->mc ? m1 : ib + t->mc;
            pack_a(ta, a, lda, ib, ie - ib, p0, kc, mr, ap);
            for (j0 = n0; j0 < n1; j0 += nr) {
                size_t nv = n1 - j0 < nr ? n1 - j0 : nr;
                pack_b(tb, b, ldb, p0, kc, j0, nv, nr, bp);
                for (i0 = ib; i0 < ie; i0 += mr) {
                    size_t mv = ie - i0 < mr ? ie - i0 : mr;
                    const float *at = ap + (i0 - ib) * kc;
                    float *cp = c + i0 * ldc + j0;
                    if (mv == mr && nv == nr) {
                        t->fn(kc, at, bp, cp, ldc);
                        continue;
                    }
                    /* an edge tile: through a scratch tile of C */
                    for (i = 0; i < mv; i++)
                        for (j = 0; j < nv; j++) ct[i * nr + j] = cp[i * ldc + j];
                    t->fn(kc, at, bp, ct, nr);
                    for (i = 0; i < mv; i++)
                        for (j = 0; j < nv; j++) cp[i * ldc + j] = ct[i * nr + j];
                }
            }
        }
    }
}

#ifdef _OPENMP
/* Splits [0, parts) in T near-equal ranges; range t in units of unit,
 * clipped to total. */
static void split(size_t parts, int T, int t, size_t unit, size_t total, size_t *lo, size_t *hi)
{
    *lo = parts * (size_t)t / (size_t)T * unit;
    *hi = parts * (size_t)(t + 1) / (size_t)T * unit;
    if (*lo > total) *lo = total;
    if (*hi > total) *hi = total;
}
#endif

void nn_k_gemm_blocked(const nn_k_gemm_tile *t, int ta, int tb, size_t m, size_t n, size_t k, const float *a,
                       size_t lda, const float *b, size_t ldb, float *c, size_t ldc)
{
    size_t mp = (m + (size_t)t->mr - 1) / (size_t)t->mr, np = (n + (size_t)t->nr - 1) / (size_t)t->nr;
    int nth = nn_k_threads();
    if (m == 0 || n == 0 || k == 0) return;
    /* below about 4 MFLOP a thread team costs more than it saves */
    if (nth > 1 && (double)m * (double)n * (double)k < 2e6) nth = 1;
    if (nth > 1 && (np > mp ? np : mp) < 2) nth = 1;
    if (nth == 1) {
        gemm_part(t, ta, tb, 0, m, 0, n, k, a, lda, b, ldb, c, ldc);
        return;
    }
#ifdef _OPENMP
#pragma omp parallel num_threads(nth)
    {
        int T = omp_get_num_threads(), id = omp_get_thread_num();
        size_t lo, hi;
        if (np >= mp) {
            split(np, T, id, (size_t)t->nr, n, &lo, &hi);
            if (lo < hi) gemm_part(t, ta, tb, 0, m, lo, hi, k, a, lda, b, ldb, c, ldc);
        } else {
            split(mp, T, id, (size_t)t->mr, m, &lo, &hi);
            if (lo < hi) gemm_part(t, ta, tb, lo, hi, 0, n, k, a, lda, b, ldb, c, ldc);
        }
    }
#endif
}
