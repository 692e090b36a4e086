/* AVX2 twin of the same-convolution input gradient (kernels.h, reference
 * in conv_gx.c; the layout is conv_gx_avx512.c's, 8 lanes): vectors over
 * the flat pixel index, a fixed gy offset per tap, masked loads (no access
 * outside the image) and a blend that leaves a lane's accumulator as it is
 * where its tap falls outside. 8 chains in registers (4 channels x 16
 * pixels, or 8 channels x 8 for an image's last vector); with 16 registers
 * the accumulators live in an L1 block between taps. */
#include "arch.h"

#include <immintrin.h>

typedef struct gx_lanes {
    __m256i in, vm[NN_K_GX_SAME_KMAX], hm[NN_K_GX_SAME_KMAX];
} gx_lanes;

/* lo <= v < hi, lane by lane (all ones or zero) */
static __m256i in_range(__m256i v, int lo, int hi)
{
    return _mm256_and_si256(_mm256_cmpgt_epi32(v, _mm256_set1_epi32(lo - 1)),
                            _mm256_cmpgt_epi32(_mm256_set1_epi32(hi), v));
}

static void gx_lanes_at(const nn_k_gx_same *a, int p, gx_lanes *l)
{
    const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    int H = a->h, W = a->w, ph = a->kh / 2, pw = a->kw / 2, k;
    __m256i wv = _mm256_set1_epi32(W), wm1 = _mm256_set1_epi32(W - 1);
    __m256i xv = _mm256_add_epi32(_mm256_set1_epi32(p % W), iota), yv = _mm256_set1_epi32(p / W), m;
    l->in = _mm256_cmpgt_epi32(_mm256_set1_epi32(H * W - p), iota);
    /* lanes past the row's end wrap to the next rows (at most 8/W times) */
    for (;;) {
        m = _mm256_cmpgt_epi32(xv, wm1);
        if (_mm256_testz_si256(m, m)) break;
        xv = _mm256_sub_epi32(xv, _mm256_and_si256(m, wv));
        yv = _mm256_sub_epi32(yv, m);
    }
    for (k = 0; k < a->kh; k++) l->vm[k] = _mm256_and_si256(in_range(yv, k - ph, H + k - ph), l->in);
    for (k = 0; k < a->kw; k++) l->hm[k] = in_range(xv, k - pw, W + k - pw);
}

static void store_lanes(float *dst, __m256i in, __m256 v)
{
    if (_mm256_movemask_ps(_mm256_castsi256_ps(in)) == 0xFF) _mm256_storeu_ps(dst, v);
    else _mm256_maskstore_ps(dst, in, v);
}

#define MASKED_ADD(s, m, t) s = _mm256_blendv_ps(s, _mm256_add_ps(s, t), _mm256_castsi256_ps(m))

#define ZERO2(k) t##k##0 = _mm256_setzero_ps(); t##k##1 = _mm256_setzero_ps()
#define FMA2(k)                                                                  \
    wb = _mm256_broadcast_ss(w##k + wo);                                         \
    t##k##0 = _mm256_fmadd_ps(wb, g0, t##k##0);                                  \
    t##k##1 = _mm256_fmadd_ps(wb, g1, t##k##1)
#define ADD2(k) MASKED_ADD(s[2 * k], m0, t##k##0); MASKED_ADD(s[2 * k + 1], m1, t##k##1)
#define CH4(X) X(0); X(1); X(2); X(3)

/* Channels c .. c+nc-1 (nc <= 4; missing ones repeat the last and are not
 * stored) at pixels p .. p+15; wt, gy and x at channel c, pixel 0. */
static void block_4x16(const nn_k_gx_same *a, const float *wt, const float *gy, float *x, int nc, int p,
                       const gx_lanes *l0, const gx_lanes *l1)
{
    int W = a->w, kh = a->kh, kw = a->kw, ph = kh / 2, pw = kw / 2, T = kh * kw, pa, qb, o, k;
    size_t hw = (size_t)a->h * W, K = (size_t)a->c * T;
    const float *w0 = wt, *w1 = wt + (size_t)(nc > 1 ? 1 : 0) * T;
    const float *w2 = wt + (size_t)(nc > 2 ? 2 : nc - 1) * T, *w3 = wt + (size_t)(nc > 3 ? 3 : nc - 1) * T;
    __m256 s[8], t00, t01, t10, t11, t20, t21, t30, t31, g0, g1, wb;
    for (k = 0; k < 8; k++) s[k] = _mm256_setzero_ps();
    x += p;
    for (pa = 0; pa < kh; pa++)
        for (qb = 0; qb < kw; qb++) {
            __m256i m0 = _mm256_and_si256(l0->vm[pa], l0->hm[qb]), m1 = _mm256_and_si256(l1->vm[pa], l1->hm[qb]);
            __m256i any = _mm256_or_si256(m0, m1);
            const float *g = gy + ((long)p + (long)(ph - pa) * W + (pw - qb));
            size_t wo = (size_t)pa * kw + (size_t)qb;
            if (_mm256_testz_si256(any, any)) continue;
            CH4(ZERO2);
            for (o = 0; o < a->o; o++, g += hw, wo += K) {
                g0 = _mm256_maskload_ps(g, m0);
                g1 = _mm256_maskload_ps(g + 8, m1);
                CH4(FMA2);
            }
            CH4(ADD2);
        }
    for (k = 0; k < nc; k++) {
        store_lanes(x + (size_t)k * hw, l0->in, s[2 * k]);
        store_lanes(x + (size_t)k * hw + 8, l1->in, s[2 * k + 1]);
    }
}

#define ZERO1(k) t##k = _mm256_setzero_ps()
#define FMA1(k) t##k = _mm256_fmadd_ps(_mm256_broadcast_ss(w##k + wo), g0, t##k)
#define ADD1(k) MASKED_ADD(s[k], m0, t##k)
#define CH8(X) X(0); X(1); X(2); X(3); X(4); X(5); X(6); X(7)
#define WPTR(k) w##k = wt + (size_t)(nc > k ? k : nc - 1) * T

/* Channels c .. c+nc-1 (nc <= 8) at pixels p .. p+7. */
static void block_8x8(const nn_k_gx_same *a, const float *wt, const float *gy, float *x, int nc, int p,
                      const gx_lanes *l0)
{
    int W = a->w, kh = a->kh, kw = a->kw, ph = kh / 2, pw = kw / 2, T = kh * kw, pa, qb, o, k;
    size_t hw = (size_t)a->h * W, K = (size_t)a->c * T;
    const float *w0, *w1, *w2, *w3, *w4, *w5, *w6, *w7;
    __m256 s[8], t0, t1, t2, t3, t4, t5, t6, t7, g0;
    CH8(WPTR);
    for (k = 0; k < 8; k++) s[k] = _mm256_setzero_ps();
    x += p;
    for (pa = 0; pa < kh; pa++)
        for (qb = 0; qb < kw; qb++) {
            __m256i m0 = _mm256_and_si256(l0->vm[pa], l0->hm[qb]);
            const float *g = gy + ((long)p + (long)(ph - pa) * W + (pw - qb));
            size_t wo = (size_t)pa * kw + (size_t)qb;
            if (_mm256_testz_si256(m0, m0)) continue;
            CH8(ZERO1);
            for (o = 0; o < a->o; o++, g += hw, wo += K) {
                g0 = _mm256_maskload_ps(g, m0);
                CH8(FMA1);
            }
            CH8(ADD1);
        }
    for (k = 0; k < nc; k++) store_lanes(x + (size_t)k * hw, l0->in, s[k]);
}

void nn_k_gx_block_avx2(const nn_k_gx_same *a, int i, int c0, int cb)
{
    int hw = a->h * a->w, p = 0, c, T = a->kh * a->kw;
    const float *gy = a->gy + (size_t)i * a->gy_ld;
    float *x = a->x + (size_t)i * a->x_ld;
    gx_lanes l0, l1;
    while (p < hw) {
        gx_lanes_at(a, p, &l0);
        if (hw - p > 8) {
            gx_lanes_at(a, p + 8, &l1);
            for (c = c0; c < c0 + cb; c += 4)
                block_4x16(a, a->wt + (size_t)c * T, gy, x + (size_t)c * hw, c0 + cb - c < 4 ? c0 + cb - c : 4, p,
                           &l0, &l1);
            p += 16;
        } else {
            for (c = c0; c < c0 + cb; c += 8)
                block_8x8(a, a->wt + (size_t)c * T, gy, x + (size_t)c * hw, c0 + cb - c < 8 ? c0 + cb - c : 8, p,
                          &l0);
            p += 8;
        }
    }
}
