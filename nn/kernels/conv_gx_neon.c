/* NEON (aarch64) twin of the same-convolution input gradient (kernels.h,
 * reference in conv_gx.c; the layout is conv_gx_avx512.c's, 4 lanes):
 * vectors over the flat pixel index p = y*W + xx, so tap (a, b) of every
 * pixel reads gy at the one offset (ph - a)*W + (pw - b). NEON has no
 * masked load: a vector whose four reads lie inside gy's channel plane is
 * loaded whole (the lanes whose tap falls outside the image read some
 * other pixel of the plane, and the select below throws their chain
 * away); a vector that would read past the plane's ends (first and last
 * rows) loads the plane's first or last four floats instead and moves
 * them to their lanes with a table lookup (TBL), or, in planes of fewer
 * than four floats, loads only the lanes whose tap is inside. Each tap's chain over o
 * is one lane (FMLA by element of the 4 channels' packed weights: one
 * rounding, as fmaf), added to the lane's accumulator in tap order where
 * the tap is inside (a select, vbslq): the reference's skipped taps. Blocks
 * of 4 channels x 16 pixels (16 chains in registers, accumulators in L1
 * between taps), 4 x 12, 4 x 8, 4 x 4 for an image's last pixels. */
#include "arch.h"

#include <arm_neon.h>

/* The pixels p .. p+3: which exist (bit l of in), and which have tap row
 * a (vm[a]) and tap column b (hm[b]) inside the image, as lane masks. */
typedef struct gx_lanes {
    unsigned in, vm[NN_K_GX_SAME_KMAX], hm[NN_K_GX_SAME_KMAX];
} gx_lanes;

static void gx_lanes_at(const nn_k_gx_same *a, int p, gx_lanes *l)
{
    int H = a->h, W = a->w, ph = a->kh / 2, pw = a->kw / 2, k, i;
    l->in = 0;
    for (k = 0; k < NN_K_GX_SAME_KMAX; k++) l->vm[k] = l->hm[k] = 0;
    for (i = 0; i < 4 && p + i < H * W; i++) {
        int y = (p + i) / W, xx = (p + i) % W;
        l->in |= 1u << i;
        for (k = 0; k < a->kh; k++)
            if (y >= k - ph && y < H + k - ph) l->vm[k] |= 1u << i;
        for (k = 0; k < a->kw; k++)
            if (xx >= k - pw && xx < W + k - pw) l->hm[k] |= 1u << i;
    }
}

/* bits (4) to lane masks */
static uint32x4_t lane_mask(unsigned bits)
{
    uint32_t m[4];
    int i;
    for (i = 0; i < 4; i++) m[i] = bits >> i & 1u ? 0xFFFFFFFFu : 0u;
    return vld1q_u32(m);
}

/* row[i + l] for the lanes l in bits, +0 elsewhere (nothing else read) */
static float32x4_t load_part(const float *row, long i, unsigned bits)
{
    float t[4];
    int l;
    for (l = 0; l < 4; l++) t[l] = bits >> l & 1u ? row[i + l] : 0.0f;
    return vld1q_f32(t);
}

/* The window of four floats of a plane of hw >= 4 that vector lanes
 * reading e .. e+3 take their in-plane values from (*b), and the TBL byte
 * indices that put plane float e + l in lane l for those inside. */
static uint8x16_t window(long e, long hw, long *b)
{
    uint8_t ix[16];
    int l, k;
    *b = e < 0 ? 0 : e + 4 > hw ? hw - 4 : e;
    for (l = 0; l < 4; l++) {
        long s = e + l - *b;
        if (s < 0) s = 0;
        if (s > 3) s = 3;
        for (k = 0; k < 4; k++) ix[4 * l + k] = (uint8_t)(4 * s + k);
    }
    return vld1q_u8(ix);
}

static void store_lanes(float *dst, unsigned in, float32x4_t v)
{
    float t[4];
    int l;
    if (in == 0xFu) {
        vst1q_f32(dst, v);
        return;
    }
    vst1q_f32(t, v);
    for (l = 0; l < 4; l++)
        if (in >> l & 1u) dst[l] = t[l];
}

/* Channel k of the block, vector v: chain t, accumulator s[k][v] (in L1);
 * vector v's tap mask m (bits mb), gy load g at gy index e + 4v. */
#define DECL(k, v) float32x4_t t##k##v
#define ZERO(k, v) t##k##v = vdupq_n_f32(0.0f)
#define FMA(k, v) t##k##v = vfmaq_laneq_f32(t##k##v, g##v, wv, k)
#define ADD(k, v) s[k][v] = vbslq_f32(m##v, vaddq_f32(s[k][v], t##k##v), s[k][v])
#define DECLV(v) uint32x4_t m##v; unsigned mb##v; float32x4_t g##v
#define MASK(v)                                                  \
    mb##v = l[v].vm[pa] & l[v].hm[qb];                           \
    any |= mb##v;                                                \
    whole = whole && e + 4 * (v) >= 0 && e + 4 * (v) + 4 <= (long)hw
#define MASKV(v) m##v = lane_mask(mb##v)
#define LOADG(v) g##v = vld1q_f32(go + e + 4 * (v))
#define LOADP(v) g##v = load_part(go, e + 4 * (v), mb##v)
#define DECLW(v) long b##v; uint8x16_t x##v
#define WINDOW(v) x##v = window(e + 4 * (v), (long)hw, &b##v)
#define LOADW(v) g##v = vreinterpretq_f32_u8(vqtbl1q_u8(vreinterpretq_u8_f32(vld1q_f32(go + b##v)), x##v))
#define V1(X, k) X(k, 0)
#define V2(X, k) X(k, 0); X(k, 1)
#define V3(X, k) X(k, 0); X(k, 1); X(k, 2)
#define V4(X, k) X(k, 0); X(k, 1); X(k, 2); X(k, 3)
#define S1(X) X(0)
#define S2(X) X(0); X(1)
#define S3(X) X(0); X(1); X(2)
#define S4(X) X(0); X(1); X(2); X(3)
#define CH4(X, VX) VX(X, 0); VX(X, 1); VX(X, 2); VX(X, 3)

/* Channels c .. c+nc-1 (nc <= 4; the missing ones have zero weights and
 * are not stored) at pixels p .. p+4*NV-1: pk is the channels' packed
 * block (kernels.h), gy and x at pixel 0, x at channel c. e is the first
 * vector's gy index in a channel plane for the tap; the whole loop runs
 * when every vector's four reads are inside the plane. */
#define BLOCK4(NAME, NV, VX, SX)                                                                   \
    static void NAME(const nn_k_gx_same *a, const float *pk, const float *gy, float *x, int nc, int p, \
                     const gx_lanes *l)                                                            \
    {                                                                                              \
        int W = a->w, kh = a->kh, kw = a->kw, ph = kh / 2, pw = kw / 2, O = a->o, pa, qb, o, k, v; \
        size_t hw = (size_t)a->h * W;                                                              \
        float32x4_t s[4][NV], wv;                                                                  \
        CH4(DECL, VX);                                                                             \
        SX(DECLV);                                                                                 \
        for (k = 0; k < 4; k++)                                                                    \
            for (v = 0; v < NV; v++) s[k][v] = vdupq_n_f32(0.0f);                                  \
        x += p;                                                                                    \
        for (pa = 0; pa < kh; pa++)                                                                \
            for (qb = 0; qb < kw; qb++) {                                                          \
                long e = (long)p + (long)(ph - pa) * W + (pw - qb);                                \
                const float *go = gy, *wp = pk + ((size_t)pa * kw + (size_t)qb) * O * 4;           \
                unsigned any = 0;                                                                  \
                int whole = 1;                                                                     \
                SX(MASK);                                                                          \
                if (!any) continue;                                                                \
                SX(MASKV);                                                                         \
                CH4(ZERO, VX);                                                                     \
                if (whole)                                                                         \
                    for (o = 0; o < O; o++, go += a->gy_os, wp += 4) {                             \
                        SX(LOADG);                                                                 \
                        wv = vld1q_f32(wp);                                                        \
                        CH4(FMA, VX);                                                              \
                    }                                                                              \
                else if (hw >= 4) {                                                                \
                    SX(DECLW);                                                                     \
                    SX(WINDOW);                                                                    \
                    for (o = 0; o < O; o++, go += a->gy_os, wp += 4) {                             \
                        SX(LOADW);                                                                 \
                        wv = vld1q_f32(wp);                                                        \
                        CH4(FMA, VX);                                                              \
                    }                                                                              \
                } else                                                                             \
                    for (o = 0; o < O; o++, go += a->gy_os, wp += 4) {                             \
                        SX(LOADP);                                                                 \
                        wv = vld1q_f32(wp);                                                        \
                        CH4(FMA, VX);                                                              \
                    }                                                                              \
                CH4(ADD, VX);                                                                      \
            }                                                                                      \
        for (k = 0; k < nc; k++)                                                                   \
            for (v = 0; v < NV; v++) store_lanes(x + (size_t)k * hw + 4 * v, l[v].in, s[k][v]);    \
    }

BLOCK4(block_4x16, 4, V4, S4)
BLOCK4(block_4x12, 3, V3, S3)
BLOCK4(block_4x8, 2, V2, S2)
BLOCK4(block_4x4, 1, V1, S1)

void nn_k_gx_block_neon(const nn_k_gx_same *a, int i, int c0, int cb)
{
    int hw = a->h * a->w, p = 0, c, v, nv;
    size_t blk = (size_t)a->kh * a->kw * a->o * 4;   /* floats of one packed block */
    const float *gy = a->gy + (size_t)i * a->gy_ld;
    float *x = a->x + (size_t)i * a->x_ld;
    gx_lanes l[4];
    for (; p < hw; p += 4 * nv) {
        nv = hw - p > 12 ? 4 : hw - p > 8 ? 3 : hw - p > 4 ? 2 : 1;
        for (v = 0; v < nv; v++) gx_lanes_at(a, p + 4 * v, &l[v]);
        for (c = c0; c < c0 + cb; c += 4) {
            int nc = c0 + cb - c < 4 ? c0 + cb - c : 4;
            const float *pk = a->pack + (size_t)(c / 4) * blk;
            float *xc = x + (size_t)c * hw;
            if (nv == 4) block_4x16(a, pk, gy, xc, nc, p, l);
            else if (nv == 3) block_4x12(a, pk, gy, xc, nc, p, l);
            else if (nv == 2) block_4x8(a, pk, gy, xc, nc, p, l);
            else block_4x4(a, pk, gy, xc, nc, p, l);
        }
    }
}
