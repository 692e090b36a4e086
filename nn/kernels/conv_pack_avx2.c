/* The AVX2 packer of a convolution's column matrix (arch.h,
 * nn_k_cpack_grp; driver in gemm.c conv_block), conv_pack_avx512.c's
 * twin on groups of 8 columns: inputs within 32 floats are up to four
 * loads, each permuted within its 8 floats and blended where idx[t] falls
 * in it. Padding lanes are cleared by their bounds test; a window that
 * leaves the image's planes is loaded under a mask (vmaskmovps reads
 * nothing where the mask is clear). Floats are only moved. */
#include "arch.h"

#include <immintrin.h>
#include <stdint.h>

static const float *cpack_at(const float *p, long o)
{
    return (const float *)((uintptr_t)p + (uintptr_t)(o * (long)sizeof(float)));
}

static void cpack_lanes(const nn_k_cpack_grp *g, const float *img, const nn_k_cpack_row *row, int h, int w,
                        float *d)
{
    int t;
    for (t = 0; t < g->n; t++) {
        int y = g->iy[t] + row->dy, x = g->ix[t] + row->dx;
        d[t] = (unsigned)y < (unsigned)h && (unsigned)x < (unsigned)w ? img[g->win + row->off + g->idx[t]] : 0.0f;
    }
}

/* lanes with 0 <= v < n, as all-ones */
static __m256i in_range(__m256i v, __m256i n)
{
    return _mm256_andnot_si256(_mm256_cmpgt_epi32(_mm256_setzero_si256(), v), _mm256_cmpgt_epi32(n, v));
}

static void cpack_avx2(const nn_k_cpack_grp *grp, size_t ngrp, const nn_k_cpack_row *rows, size_t nrows,
                       const float *x, int h, int w, long ext, float *dst, size_t rstep)
{
    const __m256i H = _mm256_set1_epi32(h), W = _mm256_set1_epi32(w);
    const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    size_t r, gi;
    for (gi = 0; gi < ngrp; gi++) {
        const nn_k_cpack_grp *g = grp + gi;
        const __m256i tail = _mm256_cmpgt_epi32(_mm256_set1_epi32(g->n), iota);
        const __m256i IY = _mm256_loadu_si256((const __m256i *)g->iy);
        const __m256i IX = _mm256_loadu_si256((const __m256i *)g->ix);
        const __m256i idx = _mm256_loadu_si256((const __m256i *)g->idx);
        const int nl = (g->span + 7) >> 3;
        const long top = ext - 8 * nl;
        const float *img = x + g->img;
        float *d = dst + g->dofs;
        for (r = 0; r < nrows; r++, d += rstep) {
            long o = g->win + rows[r].off;
            __m256i valid;
            __m256 v;
            int k;
            if (g->span > 32) {
                cpack_lanes(g, img, rows + r, h, w, d);
                continue;
            }
            valid = _mm256_and_si256(tail, in_range(_mm256_add_epi32(IY, _mm256_set1_epi32(rows[r].dy)), H));
            valid = _mm256_and_si256(valid, in_range(_mm256_add_epi32(IX, _mm256_set1_epi32(rows[r].dx)), W));
            if (_mm256_testz_si256(valid, valid)) {
                if (g->n == 8) _mm256_storeu_ps(d, _mm256_setzero_ps());
                else _mm256_maskstore_ps(d, tail, _mm256_setzero_ps());
                continue;
            }
            if (o >= 0 && o <= top) {
                const float *s = img + o;
                v = _mm256_permutevar8x32_ps(_mm256_loadu_ps(s), idx);
                for (k = 1; k < nl; k++) {
                    __m256 p = _mm256_permutevar8x32_ps(_mm256_loadu_ps(s + 8 * k), idx);
                    __m256i sel = _mm256_cmpgt_epi32(idx, _mm256_set1_epi32(8 * k - 1));
                    v = _mm256_blendv_ps(v, p, _mm256_castsi256_ps(sel));
                }
            } else {
                /* the window's floats inside the image: offsets [-o, ext - o) */
                __m256i lo = _mm256_set1_epi32((int)(o < 0 ? (o < -64 ? 64 : -o) : 0));
                __m256i hi = _mm256_set1_epi32((int)(ext - o > 64 ? 64 : ext - o < 0 ? 0 : ext - o));
                v = _mm256_setzero_ps();
                for (k = 0; k < nl; k++) {
                    __m256i at = _mm256_add_epi32(iota, _mm256_set1_epi32(8 * k));
                    __m256i m = _mm256_andnot_si256(_mm256_cmpgt_epi32(lo, at), _mm256_cmpgt_epi32(hi, at));
                    __m256 p = _mm256_permutevar8x32_ps(_mm256_maskload_ps(cpack_at(img, o + 8 * k), m), idx);
                    __m256i sel = _mm256_cmpgt_epi32(idx, _mm256_set1_epi32(8 * k - 1));
                    v = k ? _mm256_blendv_ps(v, p, _mm256_castsi256_ps(sel)) : p;
                }
            }
            v = _mm256_and_ps(v, _mm256_castsi256_ps(valid));
            if (g->n == 8) _mm256_storeu_ps(d, v);
            else _mm256_maskstore_ps(d, tail, v);
        }
    }
}

const nn_k_cpacker nn_k_cpack_avx2 = { 8, cpack_avx2 };
