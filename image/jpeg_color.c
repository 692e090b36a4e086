/* JPEG YCbCr -> RGB, as libjpeg's jdcolor.c.
 *
 * JFIF 1.02 defines the transform with real coefficients
 *   R = Y + 1.402 (Cr-128), G = Y - 0.34414 (Cb-128) - 0.71414 (Cr-128),
 *   B = Y + 1.772 (Cb-128);
 * libjpeg evaluates it in 16-bit fixed point: each coefficient is
 * FIX(c) = round(c * 2^16), products get ONE_HALF (2^15) added before the
 * arithmetic >> 16, and G sums both chroma terms before one shift. The
 * tables below hold the same values as libjpeg's (build_ycc_rgb_table), so
 * a pixel costs four lookups and no multiplication. */
#include "jpeg_internal.h"
#include "../nn/kernels/kernels.h"

#define SCALEBITS 16
#define ONE_HALF ((int32_t)1 << (SCALEBITS - 1))
#define FIX_1_40200 ((int32_t)91881)
#define FIX_1_77200 ((int32_t)116130)
#define FIX_0_71414 ((int32_t)46802)
#define FIX_0_34414 ((int32_t)22554)

void jpeg__ycc_tables_init(jpeg__ycc_tables *t)
{
    int i;
    for (i = 0; i < 256; i++) {
        int32_t x = i - 128;
        t->cr_r[i] = (int)((FIX_1_40200 * x + ONE_HALF) >> SCALEBITS);
        t->cb_b[i] = (int)((FIX_1_77200 * x + ONE_HALF) >> SCALEBITS);
        /* G's two terms are summed before the one shift, so they stay scaled. */
        t->cr_g[i] = -FIX_0_71414 * x;
        t->cb_g[i] = -FIX_0_34414 * x + ONE_HALF;
    }
}

void jpeg__ycc_to_rgb(const uint8_t *y, const uint8_t *cb, const uint8_t *cr, uint8_t *rgb, int n,
                      const jpeg__ycc_tables *t, const uint8_t *limit)
{
    /* Sums lie in -227..480 (Y 0..255 plus at most +-1.772 * 128), inside
     * the table's -384..639; limit + 384 is the clamp of 0. */
    const uint8_t *clamp = limit + 384;
    int i;
    for (i = 0; i < n; i++) {
        int lum = y[i], b = cb[i], r = cr[i];
        rgb[0] = clamp[lum + t->cr_r[r]];
        rgb[1] = clamp[lum + (int)((t->cb_g[b] + t->cr_g[r]) >> SCALEBITS)];
        rgb[2] = clamp[lum + t->cb_b[b]];
        rgb += 3;
    }
}

jpeg__ycc_fn jpeg__ycc_select(void)
{
#if defined(GAN99_HAVE_AVX2)
    int p = nn_k_path();
    if (p == NN_K_AVX2 || p == NN_K_AVX512) return jpeg__ycc_to_rgb_avx2;
#endif
    return jpeg__ycc_to_rgb;
}
