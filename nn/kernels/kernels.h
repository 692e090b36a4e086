/* The kernel seam of nn/: the hot loops, one scalar reference each
 * (nn/kernels/scalar.c). The fast-kernels issue adds twins per architecture
 * (gemm_avx2.c, ...) that must give the very same bits, so each kernel below
 * states its shapes and its exact order of floating-point operations
 * (SPEC.md §3). Internal to nn/: not part of the public API. */
#ifndef GAN99_NN_KERNELS_H
#define GAN99_NN_KERNELS_H

#include <stddef.h>

/* ---- SGEMM --------------------------------------------------------------
 * C[m,n] += op(A)[m,k] . op(B)[k,n], all row-major with leading dimensions
 * lda, ldb, ldc; op(A) = A (ta = 0, A is [m,k]) or A^T (ta = 1, A is [k,m]),
 * likewise B ([k,n] or [n,k]).
 * Order: every output is its own chain c = fmaf(a(i,p), b(p,j), c) for
 * p = 0, 1, ..., k-1, starting from the value C holds on entry. Twins may
 * split outputs over lanes and threads, never p. */
void nn_k_sgemm(int ta, int tb, size_t m, size_t n, size_t k, const float *a, size_t lda,
                const float *b, size_t ldb, float *c, size_t ldc);

/* ---- im2col / col2im ----------------------------------------------------
 * One image x [C,H,W] and the column matrix cols [C*kh*kw, Ho*Wo]:
 *   cols[(c*kh + i)*kw + j][oy*Wo + ox] = x[c][oy*sh - ph + i*dh][ox*sw - pw + j*dw]
 * (0 where the index falls in the padding). Row order matches a PyTorch
 * weight [O, C, kh, kw] flattened to [O, C*kh*kw]. */
typedef struct nn_k_conv_geom {
    int c, h, w;        /* one image (one group's channels) */
    int kh, kw, sh, sw, ph, pw, dh, dw;
    int ho, wo;
} nn_k_conv_geom;

void nn_k_im2col(const nn_k_conv_geom *g, const float *x, float *cols);
/* The adjoint: x[c][y][x] += cols[...] for every in-image entry, in the
 * order rows (c, i, j) ascending, then oy, then ox ascending. */
void nn_k_col2im(const nn_k_conv_geom *g, const float *cols, float *x);

/* ---- the canonical long sum ---------------------------------------------
 * Every reduction that is not a GEMM (sums, means, batch-norm statistics,
 * losses). Element i of the stream (counted across calls to _add) goes to
 * partial s[i % 16] with a plain add; the result combines the partials by a
 * fixed tree: s[j] += s[j+8] (j < 8), then s[j] += s[j+4] (j < 4), then
 * s[j] += s[j+2] (j < 2), then s[0] + s[1]. This is the natural order of
 * one 16-lane (or two 8-lane) register, so SIMD twins emulate it exactly. */
typedef struct nn_k_lsum {
    float s[16];
    size_t n;           /* elements so far */
} nn_k_lsum;

void nn_k_lsum_init(nn_k_lsum *a);
void nn_k_lsum_add(nn_k_lsum *a, const float *x, size_t n);
float nn_k_lsum_result(const nn_k_lsum *a);
/* The canonical sum of n contiguous floats (init, add, result). */
float nn_k_sum(const float *x, size_t n);

#endif
