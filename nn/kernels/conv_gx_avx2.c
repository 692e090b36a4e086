/* AVX2 twin of the same-convolution input gradient (kernels.h, reference
 * in conv_gx.c; the layout is conv_gx_avx512.c's, 8 lanes): vectors over
 * the flat pixel index, a fixed gy offset per tap, masked loads (no access
 * outside the image) and a blend that leaves a lane's accumulator as it is
 * where its tap falls outside; weights from the packed copy. 12 chains in
 * registers (4 channels x 24 pixels; 4 x 16 or 4 x 8 for an image's last
 * pixels); with 16 registers the accumulators live in L1 between taps. */
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

/* Channel k of the block, vector v: chain t, accumulator s[k][v] (in L1:
 * the registers hold the chains); vector v's tap mask m and gy load g. */
#define DECL(k, v) __m256 t##k##v
#define ZERO(k, v) t##k##v = _mm256_setzero_ps()
#define FMA(k, v) t##k##v = _mm256_fmadd_ps(b, g##v, t##k##v)
#define ADD(k, v) MASKED_ADD(s[k][v], m##v, t##k##v)
#define DECLV(v) __m256i m##v; __m256 g##v
#define MASK(v) m##v = _mm256_and_si256(l[v].vm[pa], l[v].hm[qb]); any = _mm256_or_si256(any, m##v)
#define LOADG(v) g##v = _mm256_maskload_ps(g + 8 * (v), m##v)
#define V1(X, k) X(k, 0)
#define V2(X, k) X(k, 0); X(k, 1)
#define V3(X, k) X(k, 0); X(k, 1); X(k, 2)
#define S1(X) X(0)
#define S2(X) X(0); X(1)
#define S3(X) X(0); X(1); X(2)
#define BFMA(k, VX) b = _mm256_broadcast_ss(wp + (k)); VX(FMA, k)
#define CH4(X, VX) VX(X, 0); VX(X, 1); VX(X, 2); VX(X, 3)

/* Channels c .. c+nc-1 (nc <= 4; the missing ones have zero weights and
 * are not stored) at pixels p .. p+8*NV-1: pk is the channels' packed
 * block (kernels.h), gy and x at pixel 0, x at channel c. */
#define BLOCK4(NAME, NV, VX, SX)                                                                   \
    static void NAME(const nn_k_gx_same *a, const float *pk, const float *gy, float *x, int nc, int p, \
                     const gx_lanes *l)                                                            \
    {                                                                                              \
        int W = a->w, kh = a->kh, kw = a->kw, ph = kh / 2, pw = kw / 2, O = a->o, pa, qb, o, k, v; \
        size_t hw = (size_t)a->h * W;                                                              \
        __m256 s[4][NV], b;                                                                        \
        CH4(DECL, VX);                                                                             \
        SX(DECLV);                                                                                 \
        for (k = 0; k < 4; k++)                                                                    \
            for (v = 0; v < NV; v++) s[k][v] = _mm256_setzero_ps();                                \
        x += p;                                                                                    \
        for (pa = 0; pa < kh; pa++)                                                                \
            for (qb = 0; qb < kw; qb++) {                                                          \
                const float *g = gy + ((long)p + (long)(ph - pa) * W + (pw - qb));                 \
                const float *wp = pk + ((size_t)pa * kw + (size_t)qb) * O * 4;                     \
                __m256i any = _mm256_setzero_si256();                                              \
                SX(MASK);                                                                          \
                if (_mm256_testz_si256(any, any)) continue;                                        \
                CH4(ZERO, VX);                                                                     \
                for (o = 0; o < O; o++, g += a->gy_os, wp += 4) {                                        \
                    SX(LOADG);                                                                     \
                    BFMA(0, VX);                                                                   \
                    BFMA(1, VX);                                                                   \
                    BFMA(2, VX);                                                                   \
                    BFMA(3, VX);                                                                   \
                }                                                                                  \
                CH4(ADD, VX);                                                                      \
            }                                                                                      \
        for (k = 0; k < nc; k++)                                                                   \
            for (v = 0; v < NV; v++) store_lanes(x + (size_t)k * hw + 8 * v, l[v].in, s[k][v]);     \
    }

BLOCK4(block_4x24, 3, V3, S3)
BLOCK4(block_4x16, 2, V2, S2)
BLOCK4(block_4x8, 1, V1, S1)

void nn_k_gx_block_avx2(const nn_k_gx_same *a, int i, int c0, int cb)
{
    int hw = a->h * a->w, p = 0, c, v, nv;
    size_t blk = (size_t)a->kh * a->kw * a->o * 4;   /* floats of one packed block */
    const float *gy = a->gy + (size_t)i * a->gy_ld;
    float *x = a->x + (size_t)i * a->x_ld;
    gx_lanes l[3];
    for (; p < hw; p += 8 * nv) {
        nv = hw - p > 16 ? 3 : hw - p > 8 ? 2 : 1;
        for (v = 0; v < nv; v++) gx_lanes_at(a, p + 8 * v, &l[v]);
        for (c = c0; c < c0 + cb; c += 4) {
            int nc = c0 + cb - c < 4 ? c0 + cb - c : 4;
            const float *pk = a->pack + (size_t)(c / 4) * blk;
            if (nv == 3) block_4x24(a, pk, gy, x + (size_t)c * hw, nc, p, l);
            else if (nv == 2) block_4x16(a, pk, gy, x + (size_t)c * hw, nc, p, l);
            else block_4x8(a, pk, gy, x + (size_t)c * hw, nc, p, l);
        }
    }
}
