/* Canny edges as OpenCV 4.6's cv::Canny(grey, low, high, apertureSize=3,
 * L2gradient) (imgproc/src/canny.cpp), bit for bit:
 *
 * 1. 3x3 Sobel derivatives dx, dy in 16-bit integers, BORDER_REPLICATE.
 * 2. Magnitude |dx| + |dy| (L1), or dx^2 + dy^2 (L2, when the thresholds
 *    are squared too); thresholds are floored to integers after that.
 * 3. Non-maximum suppression along the gradient direction quantised to 0,
 *    45, 90 or 135 degrees with integer tests against tan(22.5) in 15-bit
 *    fixed point (TG22 = 13573): a pixel above `low` survives if it beats its
 *    two neighbours along that direction (strictly the one before, >= the
 *    one after for 0 and 90 degrees; strictly both on the diagonals).
 *    Magnitudes outside the image count as 0.
 * 4. Hysteresis: survivors above `high` are edges, and so is every
 *    survivor 8-connected to an edge through survivors. */
#include "ops_private.h"

#include <stdlib.h>
#include <string.h>

enum { CANNY_SHIFT = 15, TG22 = 13573 };
enum { MAP_MAYBE = 0, MAP_NO = 1, MAP_EDGE = 2 };

/* Sobel x and y of a grey image with replicated borders. */
static void sobel3(const uint8_t *g, int w, int h, int16_t *dx, int16_t *dy)
{
    int x, y;
    for (y = 0; y < h; y++) {
        const uint8_t *rm = g + (size_t)(y > 0 ? y - 1 : 0) * w;
        const uint8_t *r0 = g + (size_t)y * w;
        const uint8_t *rp = g + (size_t)(y < h - 1 ? y + 1 : h - 1) * w;
        for (x = 0; x < w; x++) {
            int xm = x > 0 ? x - 1 : 0, xp = x < w - 1 ? x + 1 : w - 1;
            dx[(size_t)y * w + x] =
                (int16_t)((rm[xp] - rm[xm]) + 2 * (r0[xp] - r0[xm]) + (rp[xp] - rp[xm]));
            dy[(size_t)y * w + x] =
                (int16_t)((rp[xm] + 2 * rp[x] + rp[xp]) - (rm[xm] + 2 * rm[x] + rm[xp]));
        }
    }
}

static int canny_grey(const img_image *g, double low_t, double high_t, int l2, img_image *out, g99_error *err)
{
    int w = g->width, h = g->height, x, y, low, high;
    size_t n = (size_t)w * h, mw = (size_t)w + 2, top = 0;
    int16_t *dx = NULL, *dy;
    int32_t *mag = NULL;
    uint8_t *map = NULL;
    size_t *stack = NULL;
    if (low_t > high_t) {
        double t = low_t;
        low_t = high_t;
        high_t = t;
    }
    if (l2) {
        if (low_t > 32767.0) low_t = 32767.0;
        if (high_t > 32767.0) high_t = 32767.0;
        if (low_t > 0) low_t *= low_t;
        if (high_t > 0) high_t *= high_t;
    }
    if (!(low_t > -2147483648.0 && high_t < 2147483647.0))
        return g99_fail(err, G99_EINVAL, "canny: thresholds %g, %g are out of range", low_t, high_t);
    low = img__floor(low_t);
    high = img__floor(high_t);
    /* Padded by one on every side: zero magnitudes and "not an edge" map
     * cells stand for the outside of the image. */
    dx = (int16_t *)malloc(2 * n * sizeof(int16_t));
    mag = (int32_t *)calloc(mw * ((size_t)h + 2), sizeof(int32_t));
    map = (uint8_t *)malloc(mw * ((size_t)h + 2));
    stack = (size_t *)malloc(n * sizeof(size_t));
    if (!dx || !mag || !map || !stack) {
        free(dx);
        free(mag);
        free(map);
        free(stack);
        return g99_fail(err, G99_ENOMEM, "canny: out of memory for %dx%d", w, h);
    }
    dy = dx + n;
    sobel3(g->data, w, h, dx, dy);
    for (y = 0; y < h; y++)
        for (x = 0; x < w; x++) {
            int a = dx[(size_t)y * w + x], b = dy[(size_t)y * w + x];
            mag[(size_t)(y + 1) * mw + x + 1] = l2 ? a * a + b * b : abs(a) + abs(b);
        }
    memset(map, MAP_NO, mw * ((size_t)h + 2));
    for (y = 0; y < h; y++)
        for (x = 0; x < w; x++) {
            size_t at = (size_t)(y + 1) * mw + x + 1;
            const int32_t *mp = mag + at;
            int m = *mp, xs, ys, ax, ay, tg22x, keep;
            if (m <= low) continue;
            xs = dx[(size_t)y * w + x];
            ys = dy[(size_t)y * w + x];
            ax = abs(xs);
            ay = abs(ys) << CANNY_SHIFT;
            tg22x = ax * TG22;
            if (ay < tg22x) {  /* near horizontal gradient: compare left, right */
                keep = m > mp[-1] && m >= mp[1];
            } else if (ay > tg22x + (ax << (CANNY_SHIFT + 1))) {  /* near vertical */
                keep = m > mp[-(long)mw] && m >= mp[mw];
            } else {  /* diagonal: the sign of dx*dy picks the diagonal */
                long s = (xs ^ ys) < 0 ? -1 : 1;
                keep = m > mp[-(long)mw - s] && m > mp[(long)mw + s];
            }
            if (!keep) continue;
            if (m > high) {
                map[at] = MAP_EDGE;
                stack[top++] = at;
            } else {
                map[at] = MAP_MAYBE;
            }
        }
    /* Grow the edges through 8-connected candidates. Each cell is pushed at
     * most once (it turns MAP_EDGE when pushed), so n entries suffice. */
    while (top) {
        size_t at = stack[--top];
        static const int off[8][2] = { { -1, -1 }, { 0, -1 }, { 1, -1 }, { -1, 0 }, { 1, 0 }, { -1, 1 }, { 0, 1 }, { 1, 1 } };
        int k;
        for (k = 0; k < 8; k++) {
            size_t nb = (size_t)((long)at + off[k][0] + off[k][1] * (long)mw);
            if (map[nb] == MAP_MAYBE) {
                map[nb] = MAP_EDGE;
                stack[top++] = nb;
            }
        }
    }
    for (y = 0; y < h; y++)
        for (x = 0; x < w; x++)
            out->data[(size_t)y * w + x] = map[(size_t)(y + 1) * mw + x + 1] == MAP_EDGE ? 255 : 0;
    free(dx);
    free(mag);
    free(map);
    free(stack);
    return G99_OK;
}

int img_canny(const img_image *src, double low, double high, int l2_gradient, img_image *out, g99_error *err)
{
    int rc = img__need_u8(src, "canny", err);
    img_image grey;
    if (rc) return rc;
    if (!(low == low) || !(high == high)) return g99_fail(err, G99_EINVAL, "canny: a threshold is not a number");
    rc = img_grey(src, IMG_ORDER_RGB, &grey, err);
    if (rc) return rc;
    rc = img_new(out, src->width, src->height, 1, 8, err);
    if (!rc) rc = canny_grey(&grey, low, high, l2_gradient, out, err);
    if (rc) img_free(out);
    img_free(&grey);
    return rc;
}
