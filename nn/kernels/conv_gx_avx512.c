/* AVX-512 twin of the same-convolution input gradient (kernels.h,
 * reference in conv_gx.c). Vectors run over the flat pixel index
 * p = y*W + xx: the output has the input's size, so tap (a, b) of every
 * pixel reads gy at the one offset (ph - a)*W + (pw - b), and a 4x4 image
 * still fills a register. A lane whose tap falls outside the image (above,
 * below, the row's other side, past the end) loads nothing and adds
 * nothing (masked load, masked add): the reference's skipped taps. Each
 * tap's chain over o is one lane of one register (vfmadd231ps rounds once,
 * as fmaf), added to the lane's accumulator in tap order. Blocks: 4
 * channels x 48 pixels (12 chains and 12 accumulators in registers, more
 * than the FMA latency needs), 4 x 32 or 8 x 16 for an image's last
 * pixels (small images); the weights come from the packed copy, 4
 * channels' in one 16-byte row per output channel. */
#include "arch.h"

#include <immintrin.h>

/* The pixels p .. p+15: which exist, and which of them have tap row a
 * (vm[a]) and tap column b (hm[b]) inside the image. */
typedef struct gx_lanes {
    __mmask16 in, vm[NN_K_GX_SAME_KMAX], hm[NN_K_GX_SAME_KMAX];
} gx_lanes;

static void gx_lanes_at(const nn_k_gx_same *a, int p, gx_lanes *l)
{
    const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    int H = a->h, W = a->w, ph = a->kh / 2, pw = a->kw / 2, r = H * W - p, k;
    __m512i wv = _mm512_set1_epi32(W), xv = _mm512_add_epi32(_mm512_set1_epi32(p % W), iota);
    __m512i yv = _mm512_set1_epi32(p / W), one = _mm512_set1_epi32(1);
    __mmask16 m;
    l->in = (__mmask16)(r >= 16 ? 0xFFFFu : r > 0 ? (1u << r) - 1u : 0u);
    /* lanes past the row's end wrap to the next rows (at most 16/W times) */
    while ((m = _mm512_cmpge_epi32_mask(xv, wv)) != 0) {
        xv = _mm512_mask_sub_epi32(xv, m, xv, wv);
        yv = _mm512_mask_add_epi32(yv, m, yv, one);
    }
    for (k = 0; k < a->kh; k++)
        l->vm[k] = (__mmask16)(_mm512_cmpge_epi32_mask(yv, _mm512_set1_epi32(k - ph)) &
                               _mm512_cmplt_epi32_mask(yv, _mm512_set1_epi32(H + k - ph)) & l->in);
    for (k = 0; k < a->kw; k++)
        l->hm[k] = (__mmask16)(_mm512_cmpge_epi32_mask(xv, _mm512_set1_epi32(k - pw)) &
                               _mm512_cmplt_epi32_mask(xv, _mm512_set1_epi32(W + k - pw)));
}

static void store_lanes(float *dst, __mmask16 in, __m512 v)
{
    if (in == 0xFFFF) _mm512_storeu_ps(dst, v);
    else _mm512_mask_storeu_ps(dst, in, v);
}

/* Channel k of the block, vector v: chain t, accumulator s; vector v's
 * tap mask m, gy load g; channel k's weight broadcast b. */
#define DECL(k, v) __m512 t##k##v, s##k##v = _mm512_setzero_ps()
#define ZERO(k, v) t##k##v = _mm512_setzero_ps()
#define FMA(k, v) t##k##v = _mm512_fmadd_ps(b##k, g##v, t##k##v)
#define ADD(k, v) s##k##v = _mm512_mask_add_ps(s##k##v, m##v, s##k##v, t##k##v)
#define STORE(k, v)                                                              \
    if (k < nc) store_lanes(x + (size_t)(k) * hw + 16 * (v), l[v].in, s##k##v)
#define DECLV(v) __mmask16 m##v; __m512 g##v
#define MASK(v) m##v = (__mmask16)(l[v].vm[pa] & l[v].hm[qb]); any |= m##v
#define LOADG(v) g##v = _mm512_maskz_loadu_ps(m##v, g + 16 * (v))
#define V1(X, k) X(k, 0)
#define V2(X, k) X(k, 0); X(k, 1)
#define V3(X, k) X(k, 0); X(k, 1); X(k, 2)
#define S1(X) X(0)
#define S2(X) X(0); X(1)
#define S3(X) X(0); X(1); X(2)
#define CH4(X, VX) VX(X, 0); VX(X, 1); VX(X, 2); VX(X, 3)
#define CH8(X, VX) CH4(X, VX); VX(X, 4); VX(X, 5); VX(X, 6); VX(X, 7)

/* Channels c .. c+nc-1 (nc <= 4; the missing ones have zero weights and
 * are not stored) at pixels p .. p+16*NV-1: pk is the channels' packed
 * block (kernels.h), gy and x at pixel 0, x at channel c. */
#define BLOCK4(NAME, VX, SX)                                                                       \
    static void NAME(const nn_k_gx_same *a, const float *pk, const float *gy, float *x, int nc, int p, \
                     const gx_lanes *l)                                                            \
    {                                                                                              \
        int W = a->w, kh = a->kh, kw = a->kw, ph = kh / 2, pw = kw / 2, O = a->o, pa, qb, o;        \
        size_t hw = (size_t)a->h * W;                                                              \
        __m512 b0, b1, b2, b3;                                                                     \
        CH4(DECL, VX);                                                                             \
        SX(DECLV);                                                                                 \
        x += p;                                                                                    \
        for (pa = 0; pa < kh; pa++)                                                                \
            for (qb = 0; qb < kw; qb++) {                                                          \
                const float *g = gy + ((long)p + (long)(ph - pa) * W + (pw - qb));                 \
                const float *wp = pk + ((size_t)pa * kw + (size_t)qb) * O * 4;                     \
                unsigned any = 0;                                                                  \
                SX(MASK);                                                                          \
                if (!any) continue;                                                                \
                CH4(ZERO, VX);                                                                     \
                for (o = 0; o < O; o++, g += a->gy_os, wp += 4) {                                        \
                    SX(LOADG);                                                                     \
                    b0 = _mm512_set1_ps(wp[0]);                                                    \
                    b1 = _mm512_set1_ps(wp[1]);                                                    \
                    b2 = _mm512_set1_ps(wp[2]);                                                    \
                    b3 = _mm512_set1_ps(wp[3]);                                                    \
                    CH4(FMA, VX);                                                                  \
                }                                                                                  \
                CH4(ADD, VX);                                                                      \
            }                                                                                      \
        CH4(STORE, VX);                                                                            \
    }

BLOCK4(block_4x48, V3, S3)
BLOCK4(block_4x32, V2, S2)

/* Channels c .. c+nc-1 (nc <= 8) at pixels p .. p+15: two packed blocks,
 * pk and pk1 (pk again when nc <= 4). */
static void block_8x16(const nn_k_gx_same *a, const float *pk, const float *pk1, const float *gy, float *x, int nc,
                       int p, const gx_lanes *l)
{
    int W = a->w, kh = a->kh, kw = a->kw, ph = kh / 2, pw = kw / 2, O = a->o, pa, qb, o;
    size_t hw = (size_t)a->h * W;
    __m512 b0, b1, b2, b3, b4, b5, b6, b7;
    CH8(DECL, V1);
    S1(DECLV);
    x += p;
    for (pa = 0; pa < kh; pa++)
        for (qb = 0; qb < kw; qb++) {
            const float *g = gy + ((long)p + (long)(ph - pa) * W + (pw - qb));
            size_t off = ((size_t)pa * kw + (size_t)qb) * O * 4;
            const float *wp = pk + off, *wq = pk1 + off;
            unsigned any = 0;
            S1(MASK);
            if (!any) continue;
            CH8(ZERO, V1);
            for (o = 0; o < O; o++, g += a->gy_os, wp += 4, wq += 4) {
                S1(LOADG);
                b0 = _mm512_set1_ps(wp[0]);
                b1 = _mm512_set1_ps(wp[1]);
                b2 = _mm512_set1_ps(wp[2]);
                b3 = _mm512_set1_ps(wp[3]);
                b4 = _mm512_set1_ps(wq[0]);
                b5 = _mm512_set1_ps(wq[1]);
                b6 = _mm512_set1_ps(wq[2]);
                b7 = _mm512_set1_ps(wq[3]);
                CH8(FMA, V1);
            }
            CH8(ADD, V1);
        }
    CH8(STORE, V1);
}

void nn_k_gx_block_avx512(const nn_k_gx_same *a, int i, int c0, int cb)
{
    int hw = a->h * a->w, p = 0, c, v, nv;
    size_t blk = (size_t)a->kh * a->kw * a->o * 4;   /* floats of one packed block */
    const float *gy = a->gy + (size_t)i * a->gy_ld;
    float *x = a->x + (size_t)i * a->x_ld;
    gx_lanes l[3];
    for (; p < hw; p += 16 * nv) {
        nv = hw - p > 32 ? 3 : hw - p > 16 ? 2 : 1;
        for (v = 0; v < nv; v++) gx_lanes_at(a, p + 16 * v, &l[v]);
        if (nv > 1) {
            for (c = c0; c < c0 + cb; c += 4) {
                int nc = c0 + cb - c < 4 ? c0 + cb - c : 4;
                if (nv == 3) block_4x48(a, a->pack + (size_t)(c / 4) * blk, gy, x + (size_t)c * hw, nc, p, l);
                else block_4x32(a, a->pack + (size_t)(c / 4) * blk, gy, x + (size_t)c * hw, nc, p, l);
            }
        } else {
            for (c = c0; c < c0 + cb; c += 8) {
                int nc = c0 + cb - c < 8 ? c0 + cb - c : 8;
                const float *pk = a->pack + (size_t)(c / 4) * blk;
                block_8x16(a, pk, nc > 4 ? pk + blk : pk, gy, x + (size_t)c * hw, nc, p, l);
            }
        }
    }
}
