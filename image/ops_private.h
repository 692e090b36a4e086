/* Private helpers shared by image/'s operation files (color.c, resize.c,
 * warp.c, draw.c, filters.c, canny.c, blur.c, gif.c): argument checks and
 * OpenCV's rounding conventions. Not part of the public API. */
#ifndef GAN99_IMAGE_OPS_PRIVATE_H
#define GAN99_IMAGE_OPS_PRIVATE_H

#include "image.h"

#include <math.h>

/* Checks that img is a usable 8-bit image; op names the caller in the message. */
static inline int img__need_u8(const img_image *img, const char *op, g99_error *err)
{
    if (!img || !img->data || img->width <= 0 || img->height <= 0 || img->channels < 1 || img->channels > 4)
        return g99_fail(err, G99_EINVAL, "%s: no image, or an empty one", op);
    if (img->depth != 8)
        return g99_fail(err, G99_EUNSUPPORTED, "%s: %d-bit image (only 8-bit images are handled)", op,
                        img->depth);
    return G99_OK;
}

/* OpenCV's cvRound / saturate_cast<int>(double): round half to even (what
 * SSE2's cvtsd2si does in the default mode), saturated to the int range.
 * floor() is exact, so x - floor(x) is the exact fraction. */
static inline int img__round(double x)
{
    double f, d;
    long long i;
    if (!(x > -2147483648.0)) return x != x ? (int)0x80000000u : -2147483647 - 1;
    if (x >= 2147483647.0) return 2147483647;
    f = floor(x);
    d = x - f;
    i = (long long)f;
    if (d > 0.5 || (d == 0.5 && (i & 1))) i++;
    return i > 2147483647 ? 2147483647 : (int)i;
}

/* cvFloor for values well inside the int range. */
static inline int img__floor(double x)
{
    int i = (int)x;
    return i - (i > x);
}

/* v >> s rounding toward minus infinity, for negative v too (C99 leaves
 * the right shift of a negative int to the implementation). */
static inline long long img__asr(long long v, int s)
{
    return v >= 0 ? v >> s : ~(~v >> s);
}

static inline uint8_t img__sat_u8(int v)
{
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* cv::borderInterpolate for BORDER_REFLECT_101 (gfedcb|abcdefgh|gfedcba):
 * the index of the pixel that stands for p in a row of len pixels. */
static inline int img__reflect101(int p, int len)
{
    if (len == 1) return 0;
    while (p < 0 || p >= len) {
        if (p < 0) p = -p;
        else p = 2 * len - 2 - p;
    }
    return p;
}

#endif
