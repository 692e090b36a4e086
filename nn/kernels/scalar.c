/* The scalar reference of every kernel in kernels.h: plain C99, always
 * compiled, the definition of the bits that every SIMD twin must give.
 * Loops are ordered for locality but never change the order of operations
 * kernels.h states for each output. im2col/col2im and the long sum's
 * bookkeeping only move data, so every kernel set uses them as they are;
 * col2im's stride-2 rows add through nn_k_add_evens, one add per element
 * as here, vectorised by the x86 sets and NEON. */
#include "arch.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

void nn_k_sgemm_scalar(int ta, int tb, size_t m, size_t n, size_t k, const float *a, size_t lda,
                       const float *b, size_t ldb, float *c, size_t ldc)
{
    size_t i, j, p;
    if (!tb) {
        /* i-p-j: row p of B streams through row i of C; each C[i][j] still
         * sees p = 0, 1, ... in order. */
        for (i = 0; i < m; i++) {
            float *ci = c + i * ldc;
            for (p = 0; p < k; p++) {
                float aip = ta ? a[p * lda + i] : a[i * lda + p];
                const float *bp = b + p * ldb;
                for (j = 0; j < n; j++) ci[j] = fmaf(aip, bp[j], ci[j]);
            }
        }
        return;
    }
    /* B is [n,k]: a dot product along contiguous rows of B. */
    for (i = 0; i < m; i++) {
        for (j = 0; j < n; j++) {
            const float *bj = b + j * ldb;
            float acc = c[i * ldc + j];
            if (ta) {
                for (p = 0; p < k; p++) acc = fmaf(a[p * lda + i], bj[p], acc);
            } else {
                const float *ai = a + i * lda;
                for (p = 0; p < k; p++) acc = fmaf(ai[p], bj[p], acc);
            }
            c[i * ldc + j] = acc;
        }
    }
}

/* The scalar set's micro-kernel for the blocked driver (gemm.c): a 4 x 8
 * tile of C kept in locals over the kc steps, each output its own fmaf
 * chain in increasing k, as above. Blocking only helps the cache here;
 * the bits are nn_k_sgemm_scalar's. */
enum { SCALAR_MR = 4, SCALAR_NR = 8 };

static void tile_scalar(size_t kc, const float *ap, const float *bp, float *c, size_t ldc)
{
    float acc[SCALAR_MR][SCALAR_NR];
    size_t p;
    int i, j;
    for (i = 0; i < SCALAR_MR; i++)
        for (j = 0; j < SCALAR_NR; j++) acc[i][j] = c[(size_t)i * ldc + (size_t)j];
    for (p = 0; p < kc; p++, ap += SCALAR_MR, bp += SCALAR_NR)
        for (i = 0; i < SCALAR_MR; i++)
            for (j = 0; j < SCALAR_NR; j++) acc[i][j] = fmaf(ap[i], bp[j], acc[i][j]);
    for (i = 0; i < SCALAR_MR; i++)
        for (j = 0; j < SCALAR_NR; j++) c[(size_t)i * ldc + (size_t)j] = acc[i][j];
}

const nn_k_gemm_tile nn_k_tile_scalar = { SCALAR_MR, SCALAR_NR, 256, 512, tile_scalar, 0, { NULL, NULL }, NULL, NULL, NULL,
                                          NULL, NULL, NULL };

void nn_k_im2col(const nn_k_conv_geom *g, const float *x, float *cols)
{
    nn_k_im2col_ld(g, x, cols, (size_t)g->ho * (size_t)g->wo);
}

void nn_k_col2im(const nn_k_conv_geom *g, const float *cols, float *x)
{
    nn_k_col2im_ld(g, cols, (size_t)g->ho * (size_t)g->wo, x);
}

/* The output columns ox whose input column ox*sw - pw + off lies in
 * [0, w): [*lo, *hi). */
static void valid_range(int wo, int sw, int pw, int off, int w, int *lo, int *hi)
{
    int first = pw - off, last = w - 1 + pw - off;   /* ox*sw must be in [first, last] */
    *lo = first <= 0 ? 0 : (first + sw - 1) / sw;
    *hi = last < 0 ? 0 : last / sw + 1;
    if (*hi > wo) *hi = wo;
    if (*lo > *hi) *lo = *hi;
}

void nn_k_im2col_ld(const nn_k_conv_geom *g, const float *x, float *cols, size_t ld)
{
    int c, i, j, oy, ox, lo, hi;
    for (c = 0; c < g->c; c++) {
        const float *xc = x + (size_t)c * g->h * g->w;
        for (i = 0; i < g->kh; i++) {
            for (j = 0; j < g->kw; j++) {
                float *row = cols + ((size_t)(c * g->kh + i) * g->kw + j) * ld;
                int off = j * g->dw;
                valid_range(g->wo, g->sw, g->pw, off, g->w, &lo, &hi);
                for (oy = 0; oy < g->ho; oy++) {
                    int y = oy * g->sh - g->ph + i * g->dh;
                    float *dst = row + (size_t)oy * g->wo;
                    const float *src;
                    if (y < 0 || y >= g->h) {
                        memset(dst, 0, sizeof(float) * (size_t)g->wo);
                        continue;
                    }
                    /* in range, ox*sw + off - pw >= 0 */
                    src = xc + (size_t)y * g->w;
                    for (ox = 0; ox < lo; ox++) dst[ox] = 0.0f;
                    if (g->sw == 1 && lo < hi)
                        memcpy(dst + lo, src + (lo + off - g->pw), sizeof(float) * (size_t)(hi - lo));
                    else
                        for (ox = lo; ox < hi; ox++) dst[ox] = src[ox * g->sw + off - g->pw];
                    for (ox = hi; ox < g->wo; ox++) dst[ox] = 0.0f;
                }
            }
        }
    }
}

void nn_k_col2im_ld(const nn_k_conv_geom *g, const float *cols, size_t ld, float *x)
{
    int c, i, j, oy, ox, lo, hi;
    for (c = 0; c < g->c; c++) {
        float *xc = x + (size_t)c * g->h * g->w;
        for (i = 0; i < g->kh; i++) {
            for (j = 0; j < g->kw; j++) {
                const float *row = cols + ((size_t)(c * g->kh + i) * g->kw + j) * ld;
                int off = j * g->dw;
                valid_range(g->wo, g->sw, g->pw, off, g->w, &lo, &hi);
                for (oy = 0; oy < g->ho; oy++) {
                    int y = oy * g->sh - g->ph + i * g->dh;
                    const float *src = row + (size_t)oy * g->wo;
                    float *dst;
                    if (y < 0 || y >= g->h) continue;
                    dst = xc + (size_t)y * g->w;
                    if (g->sw == 2 && lo < hi)
                        nn_k_add_evens(dst + (lo * 2 + off - g->pw), src + lo, (size_t)(hi - lo));
                    else
                        for (ox = lo; ox < hi; ox++) dst[ox * g->sw + off - g->pw] += src[ox];
                }
            }
        }
    }
}

void nn_k_lsum_init(nn_k_lsum *a)
{
    memset(a, 0, sizeof *a);
}

void nn_k_lsum_add_scalar(nn_k_lsum *a, const float *x, size_t n)
{
    size_t i, lane = a->n & 15;
    for (i = 0; i < n; i++) {
        a->s[lane] += x[i];
        lane = (lane + 1) & 15;
    }
    a->n += n;
}

float nn_k_lsum_result(const nn_k_lsum *a)
{
    float s[16];
    int j;
    memcpy(s, a->s, sizeof s);
    for (j = 0; j < 8; j++) s[j] += s[j + 8];
    for (j = 0; j < 4; j++) s[j] += s[j + 4];
    for (j = 0; j < 2; j++) s[j] += s[j + 2];
    return s[0] + s[1];
}

float nn_k_sum(const float *x, size_t n)
{
    nn_k_lsum a;
    nn_k_lsum_init(&a);
    nn_k_lsum_add(&a, x, n);
    return nn_k_lsum_result(&a);
}

/* The spectral norm's power step (kernels.h nn_k_fma_rows, _dots): W^T u
 * as W's rows added in order into a vector of chains, so that a twin keeps
 * a chain in each lane; W v as one chain along each row (a twin gathers a
 * row's elements into a lane). */
void nn_k_fma_rows_scalar(size_t m, size_t n, const float *a, size_t lda, const float *s, float *y)
{
    size_t r, j;
    for (j = 0; j < n; j++) y[j] = 0.0f;
    for (r = 0; r < m; r++)
        for (j = 0; j < n; j++) y[j] = fmaf(a[r * lda + j], s[r], y[j]);
}

void nn_k_fma_dots_scalar(size_t m, size_t n, const float *a, size_t lda, const float *v, float *y)
{
    size_t i, j;
    for (i = 0; i < m; i++) {
        float acc = 0.0f;
        for (j = 0; j < n; j++) acc = fmaf(a[i * lda + j], v[j], acc);
        y[i] = acc;
    }
}

/* One element of Adam (kernels.h), shared by the plain and decayed loops. */
static void adam_one(const nn_k_adam_coef *c, float gi, float *w, float *m, float *v)
{
    float denom;
    *m = *m * c->b1 + gi * c->a1;
    *v = *v * c->b2 + (c->a2 * gi) * gi;
    denom = sqrtf(*v) / c->bc2_sqrt + c->eps;
    *w = *w + c->step_size * *m / denom;
}

void nn_k_adam_scalar(const nn_k_adam_coef *c, size_t n, float *w, const float *g, float *m, float *v)
{
    size_t i;
    for (i = 0; i < n; i++) adam_one(c, g[i], &w[i], &m[i], &v[i]);
}

void nn_k_adam_wd_scalar(const nn_k_adam_coef *c, float wd, size_t n, float *w, const float *g, float *m, float *v)
{
    size_t i;
    for (i = 0; i < n; i++) adam_one(c, fmaf(wd, w[i], g[i]), &w[i], &m[i], &v[i]);
}

/* PyTorch's rules (threshold / leaky_relu and their backwards): relu keeps
 * NaN (with its payload) and -0, and its gradient is a select, so a NaN or
 * infinite dy where x <= 0 still gives +0; leaky relu's NaN x takes the
 * slope branch (x * slope keeps the payload). */
void nn_k_relu_scalar(size_t n, const float *x, float *y)
{
    size_t i;
    for (i = 0; i < n; i++) y[i] = x[i] < 0.0f ? 0.0f : x[i];
}

void nn_k_relu_grad_scalar(size_t n, const float *x, const float *dy, float *dx)
{
    size_t i;
    for (i = 0; i < n; i++) dx[i] = x[i] <= 0.0f ? 0.0f : dy[i];
}

/* v * slope, with a NaN v passed on quieted: x86 and Arm multiply a NaN
 * into itself (payload kept), but RISC-V arithmetic always returns its
 * canonical NaN 0x7FC00000, so the scalar path (the one RISC-V runs) says
 * it explicitly and every CPU gives PyTorch's bits. */
static float times_slope(float v, float slope)
{
    uint32_t u;
    if (v == v) return v * slope;
    memcpy(&u, &v, 4);
    u |= 0x00400000u;
    memcpy(&v, &u, 4);
    return v;
}

void nn_k_leaky_relu_scalar(size_t n, const float *x, float slope, float *y)
{
    size_t i;
    for (i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : times_slope(x[i], slope);
}

void nn_k_leaky_relu_grad_scalar(size_t n, const float *x, const float *dy, float slope, float *dx)
{
    size_t i;
    for (i = 0; i < n; i++) dx[i] = x[i] > 0.0f ? dy[i] : times_slope(dy[i], slope);
}
