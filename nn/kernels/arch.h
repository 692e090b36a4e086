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
void nn_k_adam_wd_scalar(const nn_k_adam_coef *c, float wd, size_t n, float *w, const float *g, float *m,
                         float *v);
void nn_k_relu_scalar(size_t n, const float *x, float *y);
void nn_k_relu_grad_scalar(size_t n, const float *x, const float *dy, float *dx);
void nn_k_leaky_relu_scalar(size_t n, const float *x, float slope, float *y);
void nn_k_leaky_relu_grad_scalar(size_t n, const float *x, const float *dy, float slope, float *dx);
void nn_k_fma_rows_scalar(size_t m, size_t n, const float *a, size_t lda, const float *s, float *y);
void nn_k_fma_dots_scalar(size_t m, size_t n, const float *a, size_t lda, const float *v, float *y);
/* The peak kernels (peak.c and its twins): rounds of independent FMA
 * chains from seed; return the FLOPs done, *keep a result to keep alive. */
double nn_k_peak_run_scalar(long rounds, float seed, float *keep);
/* col2im's stride-2 rows: dst[2t] += src[t] for t < n, routed to the
 * active set's twin (dispatch.c); the odd floats of dst are not touched. */
void nn_k_add_evens(float *dst, const float *src, size_t n);

/* ---- the same-convolution input gradient (conv_gx.c and its twins) -------
 * One work item of nn_k_conv_gx_same: x rows [c0, c0 + cb) of image i, every
 * pixel, in kernels.h's order. dispatch.c returns the active set's. */
typedef void (*nn_k_gx_block_fn)(const nn_k_gx_same *a, int i, int c0, int cb);
void nn_k_gx_block_scalar(const nn_k_gx_same *a, int i, int c0, int cb);
#if defined(GAN99_HAVE_AVX512)
void nn_k_gx_block_avx512(const nn_k_gx_same *a, int i, int c0, int cb);
#endif
#if defined(GAN99_HAVE_AVX2)
void nn_k_gx_block_avx2(const nn_k_gx_same *a, int i, int c0, int cb);
#endif
nn_k_gx_block_fn nn_k_gx_block_active(void);

/* ---- the blocked GEMM driver (gemm.c) -------------------------------------
 * A micro-kernel ("tile") updates one MR x NR block of C over kc steps:
 *   c[i*ldc + j] = fmaf(ap[p*MR + i], bp[p*NR + j], c[i*ldc + j])
 * for p = 0 .. kc-1 in order, every i < MR, j < NR; ap and bp are packed
 * panels of A (kc steps of MR floats) and B (kc rows of NR floats). Each
 * output's chain is the reference's, so the driver may split m and n over
 * tiles and threads and cut k into blocks (the next block continues from
 * C's running value), never reorder k. */
typedef void (*nn_k_tile_fn)(size_t kc, const float *ap, const float *bp, float *c, size_t ldc);
/* The same update of the full mr x nr tile whose vw-wide column vectors
 * sit anywhere in C's rows: vector v's row i at cv[v] + i*ldc (a tile that
 * straddles segments of C, each vector inside one). */
typedef void (*nn_k_tile_seg_fn)(size_t kc, const float *ap, const float *bp, float *const *cv, size_t ldc);

typedef struct nn_k_gemm_tile {
    int mr, nr;          /* tile rows and columns */
    size_t kc;           /* k block: the mr x kc tile of A stays in L1 */
    size_t nc;           /* columns per block (a multiple of nr): kc x nc floats of B stay in L2 (a
                          * shorter k gets as many floats, in wider blocks) */
    nn_k_tile_fn fn;
    /* Optional narrower tiles for a row's last panel: narrow[i] is mr x
     * (i+1)*vw (its B panel packed (i+1)*vw wide), NULL where absent. */
    int vw;
    nn_k_tile_fn narrow[2];
    /* Optional packing twins, NULL for the driver's plain loops. They only
     * move floats, so any set's give the same bits:
     *   transpose  dst[q*ldd + r] = src[r*lds + q]  (r < rows, q < cols)
     *   evens      dst[t] = src[2t]  (t < n; reads no further than src[2n-2]) */
    void (*transpose)(const float *src, size_t lds, size_t rows, size_t cols, float *dst, size_t ldd);
    void (*evens)(const float *src, size_t n, float *dst);
    /* Optional: the full tile for C in segments (vw > 0), NULL for the
     * scratch tile. */
    nn_k_tile_seg_fn seg;
    /* Optional: fn and seg for a tile whose chains start from +0 (the
     * first k block of nn_k_gemm_over): the accumulators start as +0 and
     * C is only written, never read. NULL: the driver zeroes the tile in
     * C, then runs fn or seg (the same bits, one more pass over C). */
    nn_k_tile_fn fn0;
    nn_k_tile_seg_fn seg0;
    /* Optional: a full tile of width w (nr or a narrow tile's) that reads A
     * in place, unpacked: row i of the tile's A at a + i*lda, its kc floats
     * along the row (a plain A: no transpose, segments or convolution);
     * zero as fn0. NULL: A is always packed. */
    void (*fna)(size_t kc, const float *a, size_t lda, const float *bp, float *c, size_t ldc, size_t w, int zero);
} nn_k_gemm_tile;

/* The widest tile any set uses (the scratch tile's column table). */
enum { NN_K_TILE_MAXNR = 64 };

/* over: C's prior content is ignored (the first k block's tiles start
 * from +0), as nn_k_gemm_over. */
void nn_k_gemm_blocked(const nn_k_gemm_tile *t, size_t m, size_t n, size_t k, const nn_k_view *a,
                       const nn_k_view *b, float *c, size_t ldc, size_t cseg, size_t cseg_ld, int over);

/* The scalar set's tile: plain C with fmaf, the same driver. */
extern const nn_k_gemm_tile nn_k_tile_scalar;

/* ---- direct convolution tiles (conv_direct.c) ------------------------------
 * A tile computes ob output channels at nq consecutive positions q of a
 * band of zero-padded input rows (conv_direct.c says how the band is laid
 * out), each its own chain from +0:
 *   acc = fmaf(wp[(cc*taps + t)*ob + i], x[cc*plane + toff[t] + q], acc)
 * for cc = 0 .. c-1, then t = 0 .. taps-1, in order; out[i*ldo + q] = acc
 * (i < ob, q < nq). wp is the weight packed for the ob channels; toff[t]
 * the offset of tap t = (i, j) in a channel's plane. */
typedef void (*nn_k_dconv_fn)(size_t c, size_t plane, const size_t *toff, size_t taps, const float *x,
                              const float *wp, float *out, size_t ldo);

typedef struct nn_k_dconv_tile {
    int ob, nq;          /* output channels and positions per tile */
    nn_k_dconv_fn fn;
    /* Optional narrower tiles for a band's last positions: narrow[i] is
     * ob x (i+1)*vw, NULL where absent. */
    int vw;
    nn_k_dconv_fn narrow[2];
} nn_k_dconv_tile;

extern const nn_k_dconv_tile nn_k_dconv_scalar;
#if defined(GAN99_HAVE_AVX512)
extern const nn_k_dconv_tile nn_k_dconv_avx512;
#endif
#if defined(GAN99_HAVE_AVX2)
extern const nn_k_dconv_tile nn_k_dconv_avx2;
#endif
/* The active set's tiles (dispatch.c). */
const nn_k_dconv_tile *nn_k_dconv_active(void);

/* A weight-gradient tile (nn_k_conv_direct_gw) updates, for vw output
 * channels (the lanes) and cb input channels of a 3x3 kernel, the
 * accumulators acc[(cc*9 + i*3 + j)*lda + l] (cc < cb, l < vw) over a
 * band's positions in order:
 *   acc = fmaf(gy[(r*wo + ox)*ldg + l], x[cc*plane + (r + i)*wp + ox + j], acc)
 * for r = 0 .. rows-1, then ox = 0 .. wo-1. */
typedef void (*nn_k_dgw_fn)(size_t rows, size_t wo, size_t wp, size_t plane, const float *x, const float *gy,
                            size_t ldg, float *acc, size_t lda);

typedef struct nn_k_dgw_tile {
    int vw, cb;
    nn_k_dgw_fn fn;
} nn_k_dgw_tile;

extern const nn_k_dgw_tile nn_k_dgw_scalar;
#if defined(GAN99_HAVE_AVX512)
extern const nn_k_dgw_tile nn_k_dgw_avx512;
#endif
#if defined(GAN99_HAVE_AVX2)
extern const nn_k_dgw_tile nn_k_dgw_avx2;
#endif
const nn_k_dgw_tile *nn_k_dgw_active(void);

/* ---- packing a convolution's column matrix (conv_pack_*.c) -----------------
 * The GEMM packers (gemm.c conv_block) read rows of the implicit column
 * matrix (kernels.h) a vector of columns at a time. The columns of a block
 * are cut into groups of at most NN_K_CPACK_VL lanes inside one image; lane
 * t of a group, for a row (a channel plane and a tap (dy, dx)), reads
 *   image[plane + (iy[t] + dy) * w + (ix[t] + dx)] = image[win + off + idx[t]]
 * with off = plane + dy*w + dx, and is +0 where iy[t] + dy is outside
 * [0, h) or ix[t] + dx outside [0, w). A set's packer writes, for each row
 * r and group, dst[r*rstep + dofs + t] for t < n: it only moves floats, so
 * it gives conv_block's bits by construction. Groups whose inputs span
 * few vectors (span = the largest idx + 1; every idx[t] >= 0) go as a few
 * loads and a permute; the floats [0, ext) of an image may be read
 * (ext: its planes in the view), and no others. */
enum { NN_K_CPACK_VL = 16 };

typedef struct nn_k_cpack_grp {
    size_t dofs;          /* the group's first column in a packed row */
    size_t img;           /* its image's first float in the view */
    long win;             /* the lowest lane's offset in a plane, before the tap */
    int n, span;          /* lanes used; the largest idx[t] + 1 */
    int idx[NN_K_CPACK_VL], iy[NN_K_CPACK_VL], ix[NN_K_CPACK_VL];
} nn_k_cpack_grp;

typedef struct nn_k_cpack_row {
    long off;             /* plane + dy*w + dx */
    int dy, dx;           /* the row's tap: i*dh - ph, j*dw - pw */
} nn_k_cpack_row;

typedef void (*nn_k_cpack_fn)(const nn_k_cpack_grp *grp, size_t ngrp, const nn_k_cpack_row *rows, size_t nrows,
                              const float *x, int h, int w, long ext, float *dst, size_t rstep);

typedef struct nn_k_cpacker {
    int vl;               /* lanes per group (<= NN_K_CPACK_VL) */
    nn_k_cpack_fn fn;
} nn_k_cpacker;

#if defined(GAN99_HAVE_AVX512)
extern const nn_k_cpacker nn_k_cpack_avx512;
#endif
#if defined(GAN99_HAVE_AVX2)
extern const nn_k_cpacker nn_k_cpack_avx2;
#endif
/* The active set's packer, NULL for conv_block's plain loops (scalar, NEON). */
const nn_k_cpacker *nn_k_cpack_active(void);

/* ---- the SIMD sets --------------------------------------------------------
 * Each file defines its tile and, where it pays, its twins of the other
 * kernels; a NULL-free table in dispatch.c falls back to scalar otherwise. */
#if defined(GAN99_HAVE_AVX512)
extern const nn_k_gemm_tile nn_k_tile_avx512;
void nn_k_lsum_add_avx512(nn_k_lsum *acc, const float *x, size_t n);
void nn_k_adam_avx512(const nn_k_adam_coef *c, size_t n, float *w, const float *g, float *m, float *v);
void nn_k_adam_wd_avx512(const nn_k_adam_coef *c, float wd, size_t n, float *w, const float *g, float *m,
                         float *v);
void nn_k_relu_avx512(size_t n, const float *x, float *y);
void nn_k_relu_grad_avx512(size_t n, const float *x, const float *dy, float *dx);
void nn_k_leaky_relu_avx512(size_t n, const float *x, float slope, float *y);
void nn_k_leaky_relu_grad_avx512(size_t n, const float *x, const float *dy, float slope, float *dx);
double nn_k_peak_run_avx512(long rounds, float seed, float *keep);
void nn_k_add_evens_avx512(float *dst, const float *src, size_t n);
#endif
#if defined(GAN99_HAVE_AVX2)
extern const nn_k_gemm_tile nn_k_tile_avx2;
void nn_k_lsum_add_avx2(nn_k_lsum *acc, const float *x, size_t n);
void nn_k_adam_avx2(const nn_k_adam_coef *c, size_t n, float *w, const float *g, float *m, float *v);
void nn_k_adam_wd_avx2(const nn_k_adam_coef *c, float wd, size_t n, float *w, const float *g, float *m,
                       float *v);
void nn_k_relu_avx2(size_t n, const float *x, float *y);
void nn_k_relu_grad_avx2(size_t n, const float *x, const float *dy, float *dx);
void nn_k_leaky_relu_avx2(size_t n, const float *x, float slope, float *y);
void nn_k_leaky_relu_grad_avx2(size_t n, const float *x, const float *dy, float slope, float *dx);
double nn_k_peak_run_avx2(long rounds, float seed, float *keep);
void nn_k_add_evens_avx2(float *dst, const float *src, size_t n);
#endif
/* fma chains down the rows and along them (kernels.h nn_k_fma_rows, _dots) */
#if defined(GAN99_HAVE_AVX512)
void nn_k_fma_rows_avx512(size_t m, size_t n, const float *a, size_t lda, const float *s, float *y);
void nn_k_fma_dots_avx512(size_t m, size_t n, const float *a, size_t lda, const float *v, float *y);
#endif
#if defined(GAN99_HAVE_AVX2)
void nn_k_fma_rows_avx2(size_t m, size_t n, const float *a, size_t lda, const float *s, float *y);
void nn_k_fma_dots_avx2(size_t m, size_t n, const float *a, size_t lda, const float *v, float *y);
#endif
#if defined(GAN99_HAVE_NEON)
void nn_k_fma_rows_neon(size_t m, size_t n, const float *a, size_t lda, const float *s, float *y);
void nn_k_fma_dots_neon(size_t m, size_t n, const float *a, size_t lda, const float *v, float *y);
#endif

/* ---- the NEON set's direct convolution tiles and same-convolution input
 * gradient (conv_direct_neon.c, conv_gx_neon.c) ---------------------------- */
#if defined(GAN99_HAVE_NEON)
extern const nn_k_dconv_tile nn_k_dconv_neon;
extern const nn_k_dgw_tile nn_k_dgw_neon;
void nn_k_gx_block_neon(const nn_k_gx_same *a, int i, int c0, int cb);
/* and its twins of the elementwise kernels (elementwise_neon.c) */
void nn_k_relu_neon(size_t n, const float *x, float *y);
void nn_k_relu_grad_neon(size_t n, const float *x, const float *dy, float *dx);
void nn_k_leaky_relu_neon(size_t n, const float *x, float slope, float *y);
void nn_k_leaky_relu_grad_neon(size_t n, const float *x, const float *dy, float slope, float *dx);
void nn_k_add_evens_neon(float *dst, const float *src, size_t n);
#endif

#if defined(GAN99_HAVE_NEON)
extern const nn_k_gemm_tile nn_k_tile_neon;
void nn_k_lsum_add_neon(nn_k_lsum *acc, const float *x, size_t n);
void nn_k_adam_neon(const nn_k_adam_coef *c, size_t n, float *w, const float *g, float *m, float *v);
double nn_k_peak_run_neon(long rounds, float seed, float *keep);
void nn_k_adam_wd_neon(const nn_k_adam_coef *c, float wd, size_t n, float *w, const float *g, float *m,
                       float *v);
#endif

#endif
