/* NEON (aarch64) twins of the canonical long sum, Adam, (leaky) ReLU,
 * col2im's stride-2 rows and the spectral norm's fma chains (kernels.h).
 * The long sum's 16 partial sums are four q registers (lanes 0-3, 4-7,
 * 8-11, 12-15), the scalar reference's order. Adam's operations are each
 * correctly rounded (no fma; aarch64 has IEEE vector sqrt and divide). */
#include "arch.h"

#include <arm_neon.h>

void nn_k_lsum_add_neon(nn_k_lsum *acc, const float *x, size_t n)
{
    size_t i = 0, lane = acc->n & 15;
    acc->n += n;
    /* up to the next multiple of 16 in the stream, one by one */
    for (; lane != 0 && i < n; i++, lane = (lane + 1) & 15) acc->s[lane] += x[i];
    if (n - i >= 16) {
        float32x4_t s0 = vld1q_f32(acc->s), s1 = vld1q_f32(acc->s + 4);
        float32x4_t s2 = vld1q_f32(acc->s + 8), s3 = vld1q_f32(acc->s + 12);
        for (; n - i >= 16; i += 16) {
            s0 = vaddq_f32(s0, vld1q_f32(x + i));
            s1 = vaddq_f32(s1, vld1q_f32(x + i + 4));
            s2 = vaddq_f32(s2, vld1q_f32(x + i + 8));
            s3 = vaddq_f32(s3, vld1q_f32(x + i + 12));
        }
        vst1q_f32(acc->s, s0);
        vst1q_f32(acc->s + 4, s1);
        vst1q_f32(acc->s + 8, s2);
        vst1q_f32(acc->s + 12, s3);
    }
    for (; i < n; i++, lane = (lane + 1) & 15) acc->s[lane] += x[i];
}

/* decay: g = fma(wd, w, g) first (nn_k_adam_wd) */
static void adam_neon(const nn_k_adam_coef *c, int decay, float wd, size_t n, float *w, const float *g, float *m,
                      float *v)
{
    float32x4_t b1 = vdupq_n_f32(c->b1), b2 = vdupq_n_f32(c->b2), a1 = vdupq_n_f32(c->a1);
    float32x4_t a2 = vdupq_n_f32(c->a2), ss = vdupq_n_f32(c->step_size);
    float32x4_t bc = vdupq_n_f32(c->bc2_sqrt), eps = vdupq_n_f32(c->eps);
    float32x4_t wdv = vdupq_n_f32(wd);
    size_t i = 0;
    for (; n - i >= 4; i += 4) {
        float32x4_t gi = vld1q_f32(g + i), mi, vi, d;
        if (decay) gi = vfmaq_f32(gi, wdv, vld1q_f32(w + i));
        mi = vaddq_f32(vmulq_f32(vld1q_f32(m + i), b1), vmulq_f32(gi, a1));
        vi = vaddq_f32(vmulq_f32(vld1q_f32(v + i), b2), vmulq_f32(vmulq_f32(a2, gi), gi));
        d = vaddq_f32(vdivq_f32(vsqrtq_f32(vi), bc), eps);
        vst1q_f32(m + i, mi);
        vst1q_f32(v + i, vi);
        vst1q_f32(w + i, vaddq_f32(vld1q_f32(w + i), vdivq_f32(vmulq_f32(ss, mi), d)));
    }
    if (decay) nn_k_adam_wd_scalar(c, wd, n - i, w + i, g + i, m + i, v + i);
    else nn_k_adam_scalar(c, n - i, w + i, g + i, m + i, v + i);
}

void nn_k_adam_neon(const nn_k_adam_coef *c, size_t n, float *w, const float *g, float *m, float *v)
{
    adam_neon(c, 0, 0.0f, n, w, g, m, v);
}

void nn_k_adam_wd_neon(const nn_k_adam_coef *c, float wd, size_t n, float *w, const float *g, float *m, float *v)
{
    adam_neon(c, 1, wd, n, w, g, m, v);
}

/* (Leaky) ReLU: compare, select, multiply, lane by lane (ordered compares:
 * false on NaN, as the scalar reference's); the tails (n % 4) through the
 * scalar reference. */
void nn_k_relu_neon(size_t n, const float *x, float *y)
{
    float32x4_t zero = vdupq_n_f32(0.0f);
    size_t i = 0;
    for (; n - i >= 4; i += 4) {
        float32x4_t v = vld1q_f32(x + i);
        vst1q_f32(y + i, vbslq_f32(vcltq_f32(v, zero), zero, v));
    }
    nn_k_relu_scalar(n - i, x + i, y + i);
}

void nn_k_relu_grad_neon(size_t n, const float *x, const float *dy, float *dx)
{
    float32x4_t zero = vdupq_n_f32(0.0f);
    size_t i = 0;
    for (; n - i >= 4; i += 4) {
        uint32x4_t off = vcleq_f32(vld1q_f32(x + i), zero);
        vst1q_f32(dx + i, vbslq_f32(off, zero, vld1q_f32(dy + i)));
    }
    nn_k_relu_grad_scalar(n - i, x + i, dy + i, dx + i);
}

void nn_k_leaky_relu_neon(size_t n, const float *x, float slope, float *y)
{
    float32x4_t zero = vdupq_n_f32(0.0f), a = vdupq_n_f32(slope);
    size_t i = 0;
    for (; n - i >= 4; i += 4) {
        float32x4_t v = vld1q_f32(x + i);
        vst1q_f32(y + i, vbslq_f32(vcgtq_f32(v, zero), v, vmulq_f32(v, a)));
    }
    nn_k_leaky_relu_scalar(n - i, x + i, slope, y + i);
}

void nn_k_leaky_relu_grad_neon(size_t n, const float *x, const float *dy, float slope, float *dx)
{
    float32x4_t zero = vdupq_n_f32(0.0f), a = vdupq_n_f32(slope);
    size_t i = 0;
    for (; n - i >= 4; i += 4) {
        uint32x4_t pos = vcgtq_f32(vld1q_f32(x + i), zero);
        float32x4_t d = vld1q_f32(dy + i);
        vst1q_f32(dx + i, vbslq_f32(pos, d, vmulq_f32(d, a)));
    }
    nn_k_leaky_relu_grad_scalar(n - i, x + i, dy + i, slope, dx + i);
}

/* col2im's stride-2 rows (scalar.c): dst[2t] += src[t], t < n. vld2q
 * splits eight floats of dst into evens and odds; the odds (another
 * kernel column's) are stored back as loaded, by this thread alone
 * (col2im runs one image per thread). Blocks stop short of the last
 * element so no store passes dst[2n-2]; one add per element, as the
 * scalar loop. */
void nn_k_add_evens_neon(float *dst, const float *src, size_t n)
{
    size_t t = 0;
    for (; t + 4 < n; t += 4) {
        float32x4x2_t d = vld2q_f32(dst + 2 * t);
        d.val[0] = vaddq_f32(d.val[0], vld1q_f32(src + t));
        vst2q_f32(dst + 2 * t, d);
    }
    for (; t < n; t++) dst[2 * t] += src[t];
}

/* y = A^T s as one fma chain per column (kernels.h nn_k_fma_rows): 16
 * columns in 4 registers down all the rows, then 4, then the last ones
 * through the scalar reference. vfmaq_f32(c, a, b) is c + a * b rounded
 * once: fmaf(a, b, c) in each lane. */
void nn_k_fma_rows_neon(size_t m, size_t n, const float *a, size_t lda, const float *s, float *y)
{
    size_t j = 0, r;
    for (; n - j >= 16; j += 16) {
        float32x4_t c0 = vdupq_n_f32(0.0f), c1 = c0, c2 = c0, c3 = c0;
        for (r = 0; r < m; r++) {
            const float *p = a + r * lda + j;
            float32x4_t sr = vdupq_n_f32(s[r]);
            c0 = vfmaq_f32(c0, vld1q_f32(p), sr);
            c1 = vfmaq_f32(c1, vld1q_f32(p + 4), sr);
            c2 = vfmaq_f32(c2, vld1q_f32(p + 8), sr);
            c3 = vfmaq_f32(c3, vld1q_f32(p + 12), sr);
        }
        vst1q_f32(y + j, c0);
        vst1q_f32(y + j + 4, c1);
        vst1q_f32(y + j + 8, c2);
        vst1q_f32(y + j + 12, c3);
    }
    for (; n - j >= 4; j += 4) {
        float32x4_t c = vdupq_n_f32(0.0f);
        for (r = 0; r < m; r++) c = vfmaq_f32(c, vld1q_f32(a + r * lda + j), vdupq_n_f32(s[r]));
        vst1q_f32(y + j, c);
    }
    nn_k_fma_rows_scalar(m, n - j, a + j, lda, s, y + j);
}

/* y = A v as one fma chain per row (kernels.h nn_k_fma_dots): 4 rows in
 * the lanes, their j-th elements loaded lane by lane (NEON has no gather);
 * the last rows through the scalar reference. */
void nn_k_fma_dots_neon(size_t m, size_t n, const float *a, size_t lda, const float *v, float *y)
{
    size_t i = 0, j;
    for (; m - i >= 4; i += 4) {
        const float *p = a + i * lda;
        float32x4_t c = vdupq_n_f32(0.0f);
        for (j = 0; j < n; j++) {
            float32x4_t col = vld1q_dup_f32(p + j);
            col = vld1q_lane_f32(p + lda + j, col, 1);
            col = vld1q_lane_f32(p + 2 * lda + j, col, 2);
            col = vld1q_lane_f32(p + 3 * lda + j, col, 3);
            c = vfmaq_f32(c, col, vdupq_n_f32(v[j]));
        }
        vst1q_f32(y + i, c);
    }
    nn_k_fma_dots_scalar(m - i, n, a + i * lda, lda, v, y + i);
}
