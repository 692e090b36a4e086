/* The kernel seam of nn/: the hot loops, one scalar reference each
 * (nn/kernels/scalar.c) and twins per architecture (gemm_avx512.c,
 * gemm_avx2.c, gemm_neon.c, ...) that give the very same bits, so each
 * kernel below states its shapes and its exact order of floating-point
 * operations (doc/determinism.md §4). One kernel set is active at a time, chosen once
 * by CPU detection (nn/kernels/dispatch.c); every function below runs the
 * active set. Internal to nn/: not part of the public API. */
#ifndef GAN99_NN_KERNELS_H
#define GAN99_NN_KERNELS_H

#include <stddef.h>

/* ---- kernel sets ----------------------------------------------------------
 * The active set is chosen on first use: the build's SIMD= force if the CPU
 * has it, else the environment variable GAN99_SIMD (scalar, avx2, avx512,
 * neon) if compiled in and supported, else the best the CPU supports. A set
 * the CPU lacks is never chosen, so a SIMD=auto x86-64 binary runs on any
 * x86-64 CPU. Results are the same bits whichever set runs. */
enum { NN_K_SCALAR, NN_K_AVX2, NN_K_AVX512, NN_K_NEON, NN_K_NPATHS };

int nn_k_path(void);                    /* the active set */
const char *nn_k_path_name(int path);   /* "scalar", "avx2", ... or "?" */
int nn_k_path_from_name(const char *name); /* -1 if unknown */
int nn_k_path_supported(int path);      /* compiled in and the CPU has it */
/* Makes path active (tests and benches); -1 (and nothing changes) when it is
 * not supported. Not thread-safe: call it between steps. */
int nn_k_path_set(int path);
/* Threads the kernels may use: omp_get_max_threads() under OpenMP, else 1. */
int nn_k_threads(void);

/* ---- SGEMM --------------------------------------------------------------
 * C[m,n] += op(A)[m,k] . op(B)[k,n], all row-major with leading dimensions
 * lda, ldb, ldc; op(A) = A (ta = 0, A is [m,k]) or A^T (ta = 1, A is [k,m]),
 * likewise B ([k,n] or [n,k]).
 * Order: every output is its own chain c = fmaf(a(i,p), b(p,j), c) for
 * p = 0, 1, ..., k-1, starting from the value C holds on entry. Twins may
 * split outputs over lanes and threads, never p. */
void nn_k_sgemm(int ta, int tb, size_t m, size_t n, size_t k, const float *a, size_t lda,
                const float *b, size_t ldb, float *c, size_t ldc);

/* ---- GEMM over views ------------------------------------------------------
 * An operand seen through a view: its stored matrix S has element (r, q) at
 *   p + r*ld + (q / seg)*seg_ld + q % seg     (seg 0: p + r*ld + q)
 * so a batch [N, C, L] reads as one [C, N*L] matrix (ld L, seg L, seg_ld
 * C*L) with no copy; the operand is S, or S^T when trans is set. With conv
 * set, S is instead the column matrix of a convolution over the images at
 * p, seg_ld floats apart (see im2col below): S [C kh kw, N Ho Wo] with
 *   S((c*kh + i)*kw + j, (n*Ho + oy)*Wo + ox) = image n's
 *   x[c][oy*sh - ph + i*dh][ox*sw - pw + j*dw]   (0 in the padding),
 * read straight from the images as the GEMM packs its panels (implicit
 * im2col): never stored. */
typedef struct nn_k_conv_geom nn_k_conv_geom;

typedef struct nn_k_view {
    const float *p;
    size_t ld, seg, seg_ld;
    int trans;
    const nn_k_conv_geom *conv;
} nn_k_view;

/* C[m,n] += op(A)[m,k] . op(B)[k,n]: nn_k_sgemm's order for every output,
 * with C's columns in segments of cseg (0: none) cseg_ld floats apart, as
 * the views' are. */
void nn_k_gemm(size_t m, size_t n, size_t k, const nn_k_view *a, const nn_k_view *b, float *c, size_t ldc,
               size_t cseg, size_t cseg_ld);
/* C[m,n] = op(A)[m,k] . op(B)[k,n]: the bits of zeroing C (+0) and then
 * nn_k_gemm, but C's prior content is never read (it may be garbage), and
 * each tile is zeroed in cache just before its first use rather than the
 * whole of C beforehand. */
void nn_k_gemm_over(size_t m, size_t n, size_t k, const nn_k_view *a, const nn_k_view *b, float *c, size_t ldc,
                    size_t cseg, size_t cseg_ld);

/* ---- im2col / col2im ----------------------------------------------------
 * One image x [C,H,W] and the column matrix cols [C*kh*kw, Ho*Wo]:
 *   cols[(c*kh + i)*kw + j][oy*Wo + ox] = x[c][oy*sh - ph + i*dh][ox*sw - pw + j*dw]
 * (0 where the index falls in the padding). Row order matches a PyTorch
 * weight [O, C, kh, kw] flattened to [O, C*kh*kw]. */
struct nn_k_conv_geom {
    int c, h, w;        /* one image (one group's channels) */
    int kh, kw, sh, sw, ph, pw, dh, dw;
    int ho, wo;
};

void nn_k_im2col(const nn_k_conv_geom *g, const float *x, float *cols);
/* The adjoint: x[c][y][x] += cols[...] for every in-image entry, in the
 * order rows (c, i, j) ascending, then oy, then ox ascending. */
void nn_k_col2im(const nn_k_conv_geom *g, const float *cols, float *x);
/* The same with rows of cols ld floats apart (ld >= Ho*Wo), so the columns
 * of several images can sit side by side in one matrix for one GEMM. */
void nn_k_im2col_ld(const nn_k_conv_geom *g, const float *x, float *cols, size_t ld);
void nn_k_col2im_ld(const nn_k_conv_geom *g, const float *cols, size_t ld, float *x);

/* ---- direct convolution, stride 1 (conv_direct.c) ----------------------
 * The forward of a stride-1 convolution without a column matrix, for n
 * images x [C,H,W] (x_ld floats apart) and a weight w [O, K], K = C kh kw:
 *   y[img][o][oy][ox] = the chain acc = fmaf(w[o][(c kh + i) kw + j],
 *     x[img][c][oy - ph + i*dh][ox - pw + j*dw], acc) over (c, i, j) in
 *     increasing K order from acc = +0, with +0 as the input in the
 *     padding (the tap is not skipped: fmaf(w, +0, -0) is +0 and w*0 is NaN
 *     for an infinite w), then acc + bias[o] (one rounding) when bias;
 * y[img] [O, Ho Wo] is y_ld floats apart. That is nn_k_gemm_over's chain
 * for the same column matrix (kernels.h above), so both give the same bits.
 * g->sh and g->sw must be 1. Returns 0, or -1 (nothing written) when the
 * geometry is not stride 1 or its buffers cannot be had. */
int nn_k_conv_direct(const nn_k_conv_geom *g, int n, int o, const float *x, size_t x_ld, const float *w,
                     const float *bias, float *y, size_t y_ld);

/* The weight gradient of the same convolutions for 3x3 kernels with
 * dilation 1 (conv_direct.c), from the images x and the output gradient
 * gy [n][O][Ho Wo] (gy_ld floats apart):
 *   dw[o][(c*3 + i)*3 + j] = the chain acc = fmaf(gy[img][o][oy][ox],
 *     x[img][c][oy - ph + i][ox - pw + j], acc) over (img, oy, ox) in
 *     increasing order from acc = +0, +0 as the input in the padding:
 * nn_k_gemm_over's chain for dw = gy . cols^T (ops_conv.c), so the same
 * bits. dw [O, C*9] is overwritten. Returns 0, or -1 (nothing written)
 * when the geometry is not its case or its buffers cannot be had. */
int nn_k_conv_direct_gw(const nn_k_conv_geom *g, int n, int o, const float *x, size_t x_ld, const float *gy,
                        size_t gy_ld, float *dw);
/* Nonzero when the active set has its own tiles for the two kernels above
 * (AVX-512, AVX2, NEON). The scalar tiles are the reference, slower than
 * the GEMM's. */
int nn_k_conv_direct_fast(void);

/* ---- the input gradient of a stride-1 "same" convolution (conv_gx.c) -----
 * A convolution with stride 1, dilation 1, one group (or one group's
 * channels), an odd kh x kw kernel (kh, kw <= NN_K_GX_SAME_KMAX) and
 * padding kh/2, kw/2 keeps the image size H x W. Its input gradient for
 * images i < n, with ph = kh/2, pw = kw/2:
 *   x[i][c][y][xx] = acc, where acc starts at +0 and, for the taps (a, b)
 *   in increasing order (a, then b) whose oy = y + ph - a and
 *   ox = xx + pw - b lie in [0,H) x [0,W), becomes acc + t with
 *     t = the chain t = fmaf(wt[o][c][a][b], gy[i][o][oy][ox], t) over
 *         o = 0 .. O-1 from t = +0.
 * These are the bits of the general path (ops_conv.c): nn_k_gemm_over's
 * column matrix w^T . gy (one such chain per column value) scattered by
 * col2im into a zeroed x (rows (c, a, b) ascending, and with stride 1 each
 * row adds at most one column value to a pixel; out-of-image taps are
 * skipped), here without the column matrix. Images and channel blocks go
 * to the threads; every x element is computed by one of them. */
enum { NN_K_GX_SAME_KMAX = 7 };

typedef struct nn_k_gx_same {
    int n, c, o, h, w, kh, kw;
    const float *wt;        /* [o, c*kh*kw] */
    const float *gy;        /* image i's [o, h*w] at gy + i*gy_ld */
    size_t gy_ld;
    float *x;               /* image i's [c, h*w] at x + i*x_ld, all written */
    size_t x_ld;
    float *pack;            /* nn_k_gx_same_pack_floats(a) floats of scratch */
    size_t gy_os;           /* gy's channel stride: set by nn_k_conv_gx_same itself */
} nn_k_gx_same;

/* The scratch the kernel needs: wt in blocks of NN_K_GX_PACK channels,
 * pack[((c/4 * kh*kw + tap) * o + oc) * 4 + c%4] (zeros past c), so a
 * block's weights for consecutive oc are consecutive; then, for images of
 * 256 pixels or more and kernels larger than 1x1 (and up to 64 MiB), a
 * copy of gy whose channels are h*w + NN_K_GX_SKEW floats apart (h*w
 * floats apart, often a multiple of 4 KiB, the o rows a tap reads would
 * all fall in the same L1 sets). */
enum { NN_K_GX_SKEW = 64 };
enum { NN_K_GX_PACK = 4 };
size_t nn_k_gx_same_pack_floats(const nn_k_gx_same *a);
void nn_k_conv_gx_same(const nn_k_gx_same *a);
/* Nonzero when the active set has a twin of the kernel above (the scalar
 * reference alone is slower than the GEMM path). */
int nn_k_conv_gx_same_fast(void);

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

/* ---- Adam ----------------------------------------------------------------
 * PyTorch's update (nn/optim.c) for n parameters, per element i, each
 * operation rounded to float in this order (no fma: PyTorch's CPU kernel
 * multiplies and adds separately):
 *   m = m * b1 + g * a1;  v = v * b2 + (a2 * g) * g;
 *   d = sqrt(v) / bc2_sqrt + eps;  w = w + (step_size * m) / d
 * sqrt and / are correctly rounded in IEEE 754, so lanes give the same bits. */
typedef struct nn_k_adam_coef {
    float b1, b2, a1, a2, step_size, bc2_sqrt, eps;
} nn_k_adam_coef;

void nn_k_adam(const nn_k_adam_coef *c, size_t n, float *w, const float *g, float *m, float *v);
/* The same with weight decay wd (torch.optim's L2 term): g is first
 * replaced by fmaf(wd, w, g), one rounding, as PyTorch's add(alpha=wd)
 * kernel (a fused multiply-add); fma is correctly rounded in every set. */
void nn_k_adam_wd(const nn_k_adam_coef *c, float wd, size_t n, float *w, const float *g, float *m, float *v);

/* ---- zeroing ----------------------------------------------------------------
 * p[0..n) = +0, by the threads when n is large (a fresh tensor, a gradient). */
void nn_k_zero(float *p, size_t n);

/* ---- ReLU and leaky ReLU -------------------------------------------------
 * PyTorch's forward and backward, per element (a NaN compares false):
 *   relu        y = x < 0 ? +0 : x          (NaN and -0 pass through)
 *   relu grad   dx = x <= 0 ? +0 : dy       (a select: dy's NaN or inf stays
 *                                            out where x <= 0; NaN x passes dy)
 *   leaky       y = x > 0 ? x : x * slope
 *   leaky grad  dx = x > 0 ? dy : dy * slope
 * One comparison, one select, at most one product: every lane gives the
 * scalar bits, NaN payloads included. */
void nn_k_relu(size_t n, const float *x, float *y);
void nn_k_relu_grad(size_t n, const float *x, const float *dy, float *dx);
void nn_k_leaky_relu(size_t n, const float *x, float slope, float *y);
void nn_k_leaky_relu_grad(size_t n, const float *x, const float *dy, float slope, float *dx);

/* ---- batch norm (nn/kernels/norm.c) ------------------------------------------
 * x, y, dy, dx are [N,C,H,W] (hw = H*W); channel c's stream is the rows
 * x[n][c][0..hw) for n = 0 .. N-1, in that order, count = N*hw elements.
 * Every sum is the canonical long sum of that stream (a chunked stream is
 * the same stream: the lanes continue across calls). With
 * xhat = (x - mean[c]) * inv[c], rounded as written: */
typedef struct nn_k_bn_geom {
    size_t n, c, hw;
} nn_k_bn_geom;

/* mean[c] = sum(x) / count; var[c] = sum((x - mean)^2) / count, the biased
 * variance in two passes (no cancellation). */
void nn_k_bn_stats(const nn_k_bn_geom *g, const float *x, float *mean, float *var);
/* y = xhat, then y = y * gamma[c] when gamma, then y = y + beta[c] when beta. */
void nn_k_bn_apply(const nn_k_bn_geom *g, const float *x, const float *mean, const float *inv,
                   const float *gamma, const float *beta, float *y);
/* sum_dy[c] = sum(dy), sum_dy_xhat[c] = sum(dy * xhat). */
void nn_k_bn_grad_sums(const nn_k_bn_geom *g, const float *x, const float *dy, const float *mean,
                       const float *inv, float *sum_dy, float *sum_dy_xhat);
/* dx = k[c] * ((dy - a[c]) - xhat * b[c]) when a (training: a, b are the
 * means of dy and dy*xhat); dx = k[c] * dy when a is NULL (eval). */
void nn_k_bn_grad_input(const nn_k_bn_geom *g, const float *x, const float *dy, const float *mean,
                        const float *inv, const float *k, const float *a, const float *b, float *dx);

/* ---- fma chains down the rows of a matrix (spectral norm's power step) ----
 * y[j] = fmaf(a[(m-1)*lda + j], s[m-1], ... fmaf(a[j], s[0], +0)) for j < n:
 * one chain per column, rows in order (y = A^T s with A [m, n], row stride
 * lda). Each lane runs its own chain, so every set gives the same bits. */
void nn_k_fma_rows(size_t m, size_t n, const float *a, size_t lda, const float *s, float *y);
/* y[i] = fmaf(a[i*lda + n-1], v[n-1], ... fmaf(a[i*lda], v[0], +0)) for
 * i < m: one chain along each row (y = A v), rows in lanes. */
void nn_k_fma_dots(size_t m, size_t n, const float *a, size_t lda, const float *v, float *y);

/* ---- the machine's peak (nn/kernels/peak.c) --------------------------------
 * fp32 GFLOP/s (an FMA counts 2) of the active set's fused multiply-adds on
 * `threads` threads (1 without OpenMP), measured now: best of 20 runs of
 * about 5 ms each. For "% of peak" in benchmarks; no numbers to match. */
double nn_k_peak_gflops(int threads);

#endif
