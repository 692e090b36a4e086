/* Batch-norm kernels (kernels.h, "batch norm"): the statistics, the affine
 * normalization and the two passes of the backward, one channel at a time
 * over its N rows of H*W floats. The sums feed the canonical long sum
 * (nn_k_lsum_add, which runs the active SIMD set) in chunks of derived
 * values computed on the stack, so no [N,C,H,W] temporary is needed and
 * the bits are those of the op-by-op formulation (sub, square, sum_to):
 * every derived value is rounded exactly as the ops round it. Elementwise
 * passes are plain loops: one rounding per operation, the same in every
 * set. */
#include "arch.h"

#ifdef _OPENMP
#include <omp.h>
#endif

/* Derived values go to the long sum this many at a time. */
enum { CHUNK = 256 };

/* Threads take whole channels (the statistics: each channel's stream stays
 * in one thread, in order) or whole rows (the elementwise passes), so the
 * bits do not depend on the split; below PAR_MIN floats one thread runs. */
#define PAR_MIN ((size_t)1 << 16)
#define PAR_IF(g) ((g)->n * (g)->c * (g)->hw >= PAR_MIN && nn_k_threads() > 1)

static const float *row_of(const nn_k_bn_geom *g, const float *x, size_t n, size_t c)
{
    return x + (n * g->c + c) * g->hw;
}

void nn_k_bn_stats(const nn_k_bn_geom *g, const float *x, float *mean, float *var)
{
    long cl, nc = (long)g->c;
    float count = (float)(g->n * g->hw);
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (PAR_IF(g))
#endif
    for (cl = 0; cl < nc; cl++) {
        size_t c = (size_t)cl, n, i, j;
        float buf[CHUNK];
        nn_k_lsum acc;
        float m;
        nn_k_lsum_init(&acc);
        for (n = 0; n < g->n; n++) nn_k_lsum_add(&acc, row_of(g, x, n, c), g->hw);
        /* a division by the count, as PyTorch's mean (not a reciprocal) */
        m = nn_k_lsum_result(&acc) / count;
        nn_k_lsum_init(&acc);
        for (n = 0; n < g->n; n++) {
            const float *r = row_of(g, x, n, c);
            for (i = 0; i < g->hw; i += j) {
                for (j = 0; j < CHUNK && i + j < g->hw; j++) {
                    float d = r[i + j] - m;
                    buf[j] = d * d;
                }
                nn_k_lsum_add(&acc, buf, j);
            }
        }
        mean[c] = m;
        var[c] = nn_k_lsum_result(&acc) / count;
    }
}

void nn_k_bn_apply(const nn_k_bn_geom *g, const float *x, const float *mean, const float *inv,
                   const float *gamma, const float *beta, float *y)
{
    long rl, rows = (long)(g->n * g->c);
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (PAR_IF(g))
#endif
    for (rl = 0; rl < rows; rl++) {
        size_t n = (size_t)rl / g->c, c = (size_t)rl % g->c, i;
        const float *r = row_of(g, x, n, c);
        float *o = y + (r - x), m = mean[c], s = inv[c];
        for (i = 0; i < g->hw; i++) o[i] = (r[i] - m) * s;
        if (gamma)
            for (i = 0; i < g->hw; i++) o[i] = o[i] * gamma[c];
        if (beta)
            for (i = 0; i < g->hw; i++) o[i] = o[i] + beta[c];
    }
}

void nn_k_bn_grad_sums(const nn_k_bn_geom *g, const float *x, const float *dy, const float *mean,
                       const float *inv, float *sum_dy, float *sum_dy_xhat)
{
    long cl, nc = (long)g->c;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (PAR_IF(g))
#endif
    for (cl = 0; cl < nc; cl++) {
        size_t c = (size_t)cl, n, i, j;
        float buf[CHUNK];
        nn_k_lsum a, b;
        nn_k_lsum_init(&a);
        nn_k_lsum_init(&b);
        for (n = 0; n < g->n; n++) {
            const float *r = row_of(g, x, n, c), *d = dy + (r - x);
            nn_k_lsum_add(&a, d, g->hw);
            for (i = 0; i < g->hw; i += j) {
                for (j = 0; j < CHUNK && i + j < g->hw; j++) buf[j] = d[i + j] * ((r[i + j] - mean[c]) * inv[c]);
                nn_k_lsum_add(&b, buf, j);
            }
        }
        sum_dy[c] = nn_k_lsum_result(&a);
        sum_dy_xhat[c] = nn_k_lsum_result(&b);
    }
}

void nn_k_bn_grad_input(const nn_k_bn_geom *g, const float *x, const float *dy, const float *mean,
                        const float *inv, const float *k, const float *a, const float *b, float *dx)
{
    long rl, rows = (long)(g->n * g->c);
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (PAR_IF(g))
#endif
    for (rl = 0; rl < rows; rl++) {
        size_t n = (size_t)rl / g->c, c = (size_t)rl % g->c, i;
        const float *r = row_of(g, x, n, c), *d = dy + (r - x);
        float *o = dx + (r - x), m = mean[c], s = inv[c], kc = k[c];
        if (a) {
            float ac = a[c], bc = b[c];
            for (i = 0; i < g->hw; i++) o[i] = kc * ((d[i] - ac) - ((r[i] - m) * s) * bc);
        } else {
            for (i = 0; i < g->hw; i++) o[i] = kc * d[i];
        }
    }
}
