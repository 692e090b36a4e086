/* Internal to nn/kernels/: the entry points of each kernel set and the
 * blocked GEMM driver they share. kernels.h is the seam the ops call;
 * dispatch.c routes each of its functions to the active set below.
 * A set's files are compiled only for its target, with per-file flags
 * (Makefile KFLAGS_<set>), and reached only after CPU detection. */
#ifndef GAN99_NN_KERNELS_ARCH_H
#define GAN99_NN_KERNELS_ARCH_H

#include "kernels.h"

#include <stddef.h>

/* ---- the scalar reference (scalar.c) ------------------------------------ */
void nn_k_sgemm_scalar(int ta, int tb, size_t m, size_t n, size_t k, const float *a, size_t lda,
                       const float *b, size_t ldb, float *c, size_t ldc);
void nn_k_lsum_add_scalar(nn_k_lsum *acc, const float *x, size_t n);
void nn_k_adam_scalar(const nn_k_adam_coef *c, size_t n, float *w, const float *g, float *m, float *v);

/* ---- the blocked GEMM driver (gemm.c) -------------------------------------
 * A micro-kernel ("tile") updates one MR x NR block of C over kc steps:
 *   c[i*ldc + j] = fmaf(ap[p*MR + i], bp[p*NR + j], c[i*ldc + j])
 * for p = 0 .. kc-1 in order, every i < MR, j < NR; ap and bp are packed
 * panels of A (kc steps of MR floats) and B (kc rows of NR floats). Each
 * output's chain is the reference's, so the driver may split m and n over
 * tiles and threads and cut k into blocks (the next block continues from
 * C's running value), never reorder k. */
typedef void (*nn_k_tile_fn)(size_t kc, const float *ap, const float *bp, float *c, size_t ldc);

typedef struct nn_k_gemm_tile {
    int mr, nr;          /* tile rows and columns */
    size_t kc;           /* k block: the kc x nr panel of B stays in L1 */
    size_t mc;           /* rows of A per block (a multiple of mr): mc x kc stays in L2 */
    nn_k_tile_fn fn;
} nn_k_gemm_tile;

/* The driver keeps its packed panels on the stack of each thread:
 * kc nr floats of B, mc kc of A and a tile of C (about 100 KB in all). */
enum { NN_K_PANEL_B = 12288, NN_K_PANEL_A = 32768, NN_K_TILE_C = 1024 };

void nn_k_gemm_blocked(const nn_k_gemm_tile *t, int ta, int tb, size_t m, size_t n, size_t k, const float *a,
                       size_t lda, const float *b, size_t ldb, float *c, size_t ldc);

/* ---- the SIMD sets --------------------------------------------------------
 * Each file defines its tile and, where it pays, its twins of the other
 * kernels; a NULL-free table in dispatch.c falls back to scalar otherwise. */
#if defined(GAN99_HAVE_AVX512)
extern const nn_k_gemm_tile nn_k_tile_avx512;
void nn_k_lsum_add_avx512(nn_k_lsum *acc, const float *x, size_t n);
void nn_k_adam_avx512(const nn_k_adam_coef *c, size_t n, float *w, const float *g, float *m, float *v);
#endif
#if defined(GAN99_HAVE_AVX2)
extern const nn_k_gemm_tile nn_k_tile_avx2;
void nn_k_lsum_add_avx2(nn_k_lsum *acc, const float *x, size_t n);
void nn_k_adam_avx2(const nn_k_adam_coef *c, size_t n, float *w, const float *g, float *m, float *v);
#endif
#if defined(GAN99_HAVE_NEON)
extern const nn_k_gemm_tile nn_k_tile_neon;
void nn_k_lsum_add_neon(nn_k_lsum *acc, const float *x, size_t n);
void nn_k_adam_neon(const nn_k_adam_coef *c, size_t n, float *w, const float *g, float *m, float *v);
#endif

#endif
