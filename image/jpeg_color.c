/* JPEG YCbCr -> RGB, as libjpeg's jdcolor.c.
 *
 * JFIF 1.02 defines the transform with real coefficients
 *   R = Y + 1.402 (Cr-128), G = Y - 0.34414 (Cb-128) - 0.71414 (Cr-128),
 *   B = Y + 1.772 (Cb-128);
 * libjpeg evaluates it in 16-bit fixed point: each coefficient is
 * FIX(c) = round(c * 2^16), products get ONE_HALF (2^15) added before the
 * arithmetic >> 16, and G sums both chroma terms before one shift. Its
 * lookup tables hold exactly these values; computing them per pixel gives
 * the same bytes. */
#include "jpeg_internal.h"

#define SCALEBITS 16
#define ONE_HALF ((int32_t)1 << (SCALEBITS - 1))
#define FIX_1_40200 ((int32_t)91881)
#define FIX_1_77200 ((int32_t)116130)
#define FIX_0_71414 ((int32_t)46802)
#define FIX_0_34414 ((int32_t)22554)

static uint8_t clamp255(int v)
{
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

void jpeg__ycc_to_rgb(const uint8_t *y, const uint8_t *cb, const uint8_t *cr, uint8_t *rgb, int n)
{
    int i;
    for (i = 0; i < n; i++) {
        int32_t b = (int32_t)cb[i] - 128, r = (int32_t)cr[i] - 128;
        int lum = y[i];
        rgb[3 * i + 0] = clamp255(lum + (int)((FIX_1_40200 * r + ONE_HALF) >> SCALEBITS));
        rgb[3 * i + 1] = clamp255(lum + (int)((-FIX_0_34414 * b - FIX_0_71414 * r + ONE_HALF) >> SCALEBITS));
        rgb[3 * i + 2] = clamp255(lum + (int)((FIX_1_77200 * b + ONE_HALF) >> SCALEBITS));
    }
}
