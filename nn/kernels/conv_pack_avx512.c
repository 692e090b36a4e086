/* The AVX-512 packer of a convolution's column matrix (arch.h,
 * nn_k_cpack_grp; driver in gemm.c conv_block). A group of 16 columns
 * whose inputs lie within 64 floats (DCGAN's stride-2 rows of 16 or 32
 * outputs, or two or four short output rows) is one to four unaligned
 * loads and one or two two-source permutes: lane t takes float idx[t] of
 * the window. Lanes in the padding are zeroed by the mask of their bounds
 * test (the window may reach into the next plane; those floats are
 * dropped); only a window that leaves the image's planes (the first
 * plane's top rows, the last one's bottom rows) is loaded under a mask,
 * so nothing outside them is read. Floats are only moved. */
#include "arch.h"

#include <immintrin.h>
#include <stdint.h>

/* p + o floats, o possibly negative: computed as an address, because only
 * the lanes a mask keeps are ever read there. */
static const float *cpack_at(const float *p, long o)
{
    return (const float *)((uintptr_t)p + (uintptr_t)(o * (long)sizeof(float)));
}

/* A group too wide for the window: lane by lane. */
static void cpack_lanes(const nn_k_cpack_grp *g, const float *img, const nn_k_cpack_row *row, int h, int w,
                        float *d)
{
    int t;
    for (t = 0; t < g->n; t++) {
        int y = g->iy[t] + row->dy, x = g->ix[t] + row->dx;
        d[t] = (unsigned)y < (unsigned)h && (unsigned)x < (unsigned)w ? img[g->win + row->off + g->idx[t]] : 0.0f;
    }
}

/* Groups outer, rows inner: a group's lanes, tail and window size stay
 * in registers while its column of the block is filled. */
static void cpack_avx512(const nn_k_cpack_grp *grp, size_t ngrp, const nn_k_cpack_row *rows, size_t nrows,
                         const float *x, int h, int w, long ext, float *dst, size_t rstep)
{
    const __m512i H = _mm512_set1_epi32(h), W = _mm512_set1_epi32(w), I32 = _mm512_set1_epi32(32);
    size_t r, gi;
    for (gi = 0; gi < ngrp; gi++) {
        const nn_k_cpack_grp *g = grp + gi;
        const __mmask16 tail = (__mmask16)(g->n >= 16 ? 0xFFFFu : (1u << g->n) - 1u);
        const __m512i IY = _mm512_loadu_si512(g->iy), IX = _mm512_loadu_si512(g->ix);
        const __m512i idx = _mm512_loadu_si512(g->idx);
        const __mmask16 hi32 = _mm512_cmpge_epi32_mask(idx, I32);
        const int nl = (g->span + 15) >> 4;
        const long top = ext - 16 * nl;
        const float *img = x + g->img;
        float *d = dst + g->dofs;
        for (r = 0; r < nrows; r++, d += rstep) {
            long o = g->win + rows[r].off;
            __mmask16 valid;
            __m512 v;
            if (g->span > 64) {
                cpack_lanes(g, img, rows + r, h, w, d);
                continue;
            }
            valid = _mm512_mask_cmplt_epu32_mask(tail, _mm512_add_epi32(IY, _mm512_set1_epi32(rows[r].dy)), H);
            valid = _mm512_mask_cmplt_epu32_mask(valid, _mm512_add_epi32(IX, _mm512_set1_epi32(rows[r].dx)), W);
            if (!valid) {
                _mm512_mask_storeu_ps(d, tail, _mm512_setzero_ps());
                continue;
            }
            if (o >= 0 && o <= top) {
                const float *s = img + o;
                __m512 a = _mm512_loadu_ps(s);
                if (nl == 1) v = _mm512_permutexvar_ps(idx, a);
                else {
                    v = _mm512_permutex2var_ps(a, idx, _mm512_loadu_ps(s + 16));
                    if (nl > 2) {
                        __m512 c = _mm512_loadu_ps(s + 32), e = nl > 3 ? _mm512_loadu_ps(s + 48) : c;
                        v = _mm512_mask_blend_ps(hi32, v, _mm512_permutex2var_ps(c, idx, e));
                    }
                }
            } else {
                /* the window's floats inside the image: [lo, hi) */
                long lo = o < 0 ? -o : 0, hi = ext - o;
                uint64_t m = hi >= 64 ? ~(uint64_t)0 : hi <= 0 ? 0 : ((uint64_t)1 << hi) - 1u;
                __m512 a, b, c, e;
                if (lo >= 64) m = 0;
                else m &= ~(((uint64_t)1 << lo) - 1u);
                a = _mm512_maskz_loadu_ps((__mmask16)m, cpack_at(img, o));
                b = _mm512_maskz_loadu_ps((__mmask16)(m >> 16), cpack_at(img, o + 16));
                c = _mm512_maskz_loadu_ps((__mmask16)(m >> 32), cpack_at(img, o + 32));
                e = _mm512_maskz_loadu_ps((__mmask16)(m >> 48), cpack_at(img, o + 48));
                v = _mm512_mask_blend_ps(hi32, _mm512_permutex2var_ps(a, idx, b), _mm512_permutex2var_ps(c, idx, e));
            }
            _mm512_mask_storeu_ps(d, tail, _mm512_maskz_mov_ps(valid, v));
        }
    }
}

const nn_k_cpacker nn_k_cpack_avx512 = { 16, cpack_avx512 };
