/* Affine warp with bilinear sampling, as OpenCV 4.6's cv::warpAffine with
 * INTER_LINEAR on 8-bit images (imgproc/src/imgwarp.cpp: WarpAffineInvoker,
 * remapBilinear, initInterTab2D), bit for bit; and the two-point similarity
 * transform the face aligner needs.
 *
 * OpenCV's fixed point: source coordinates are kept with AB_BITS = 10
 * fraction bits (each row start and each column step rounded separately),
 * then cut to INTER_BITS = 5 bits, so a sample position is an integer pixel
 * plus a fraction in 1/32. The four bilinear weights of each of the 32x32
 * fractions are products of 1-D weights in 1/32, exact in 1/1024, scaled to
 * INTER_REMAP_COEF_BITS = 15 bits; the result is (sum + 2^14) >> 15. */
#include "ops_private.h"

#include <stdlib.h>

enum { INTER_BITS = 5, INTER_TAB = 1 << INTER_BITS, AB_BITS = 10, AB_SCALE = 1 << AB_BITS };
enum { REMAP_BITS = 15, REMAP_SCALE = 1 << REMAP_BITS };

/* initInterTab2D's weights for fraction (fx, fy) in 1/32: w[0] top-left,
 * w[1] top-right, w[2] bottom-left, w[3] bottom-right. The products are exact,
 * so only the whole-pixel case needs OpenCV's fix-up: 32768 saturates to the
 * short 32767 and the missing 1 goes to the bottom-right weight. */
static void bilinear_weights(int fx, int fy, int w[4])
{
    int vx0 = INTER_TAB - fx, vy0 = INTER_TAB - fy;  /* in 1/32 */
    w[0] = vy0 * vx0 * 32;
    w[1] = vy0 * fx * 32;
    w[2] = fy * vx0 * 32;
    w[3] = fy * fx * 32;
    if (w[0] == REMAP_SCALE) {
        w[0] = REMAP_SCALE - 1;
        w[3] = 1;
    }
}

static int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }
static long long clampll(long long v, long long lo, long long hi) { return v < lo ? lo : v > hi ? hi : v; }

/* The source sample for (sx, sy) under the border mode; -1 means "use the
 * constant". */
static long sample_index(int sx, int sy, int w, int h, int border)
{
    if (border == IMG_BORDER_REPLICATE) {
        sx = clampi(sx, 0, w - 1);
        sy = clampi(sy, 0, h - 1);
    } else if (border == IMG_BORDER_REFLECT_101) {
        sx = img__reflect101(sx, w);
        sy = img__reflect101(sy, h);
    } else if (sx < 0 || sx >= w || sy < 0 || sy >= h) {
        return -1;
    }
    return (long)sy * w + sx;
}

int img_warp_affine(const img_image *src, const img_warp_params *p, img_image *out, g99_error *err)
{
    int rc = img__need_u8(src, "warp", err);
    double m[6];
    int *adelta, *bdelta;
    int x, y, c, cn, sw, sh;
    if (rc) return rc;
    if (!p) return g99_fail(err, G99_EINVAL, "warp: no parameters");
    if (p->border != IMG_BORDER_CONSTANT && p->border != IMG_BORDER_REPLICATE &&
        p->border != IMG_BORDER_REFLECT_101)
        return g99_fail(err, G99_EINVAL, "warp: unknown border mode %d", p->border);
    for (x = 0; x < 6; x++)
        if (!(p->m[x] - p->m[x] == 0)) return g99_fail(err, G99_EINVAL, "warp: matrix element %d is not finite", x);
    rc = img_new(out, p->width, p->height, src->channels, 8, err);
    if (rc) return rc;
    for (x = 0; x < 6; x++) m[x] = p->m[x];
    if (!p->inverse_map) {
        /* cv::warpAffine inverts the forward map itself, in this order. */
        double d = m[0] * m[4] - m[1] * m[3], a11, a22, b1, b2;
        d = d != 0 ? 1.0 / d : 0;
        a11 = m[4] * d;
        a22 = m[0] * d;
        m[0] = a11;
        m[1] *= -d;
        m[3] *= -d;
        m[4] = a22;
        b1 = -m[0] * m[2] - m[1] * m[5];
        b2 = -m[3] * m[2] - m[4] * m[5];
        m[2] = b1;
        m[5] = b2;
    }
    adelta = (int *)malloc(sizeof(int) * 2 * (size_t)out->width);
    if (!adelta) {
        img_free(out);
        return g99_fail(err, G99_ENOMEM, "warp: out of memory");
    }
    bdelta = adelta + out->width;
    for (x = 0; x < out->width; x++) {
        adelta[x] = img__round(m[0] * x * AB_SCALE);
        bdelta[x] = img__round(m[3] * x * AB_SCALE);
    }
    cn = src->channels;
    sw = src->width;
    sh = src->height;
    for (y = 0; y < out->height; y++) {
        /* Rounding offset: half of the 1/32 step, in 1/1024. */
        int round_delta = AB_SCALE / INTER_TAB / 2;
        int x0 = img__round((m[1] * y + m[2]) * AB_SCALE) + round_delta;
        int y0 = img__round((m[4] * y + m[5]) * AB_SCALE) + round_delta;
        uint8_t *d = out->data + (size_t)y * out->width * cn;
        for (x = 0; x < out->width; x++, d += cn) {
            long long X = img__asr((long long)x0 + adelta[x], AB_BITS - INTER_BITS);
            long long Y = img__asr((long long)y0 + bdelta[x], AB_BITS - INTER_BITS);
            /* OpenCV stores the integer part as a short (saturated). */
            int sx = (int)clampll(img__asr(X, INTER_BITS), -32768, 32767);
            int sy = (int)clampll(img__asr(Y, INTER_BITS), -32768, 32767);
            int w[4];
            long i00, i01, i10, i11;
            bilinear_weights((int)(X & (INTER_TAB - 1)), (int)(Y & (INTER_TAB - 1)), w);
            if (p->border == IMG_BORDER_CONSTANT && (sx >= sw || sx + 1 < 0 || sy >= sh || sy + 1 < 0)) {
                for (c = 0; c < cn; c++) d[c] = p->border_value[c];
                continue;
            }
            i00 = sample_index(sx, sy, sw, sh, p->border);
            i01 = sample_index(sx + 1, sy, sw, sh, p->border);
            i10 = sample_index(sx, sy + 1, sw, sh, p->border);
            i11 = sample_index(sx + 1, sy + 1, sw, sh, p->border);
            for (c = 0; c < cn; c++) {
                int v00 = i00 < 0 ? p->border_value[c] : src->data[(size_t)i00 * cn + c];
                int v01 = i01 < 0 ? p->border_value[c] : src->data[(size_t)i01 * cn + c];
                int v10 = i10 < 0 ? p->border_value[c] : src->data[(size_t)i10 * cn + c];
                int v11 = i11 < 0 ? p->border_value[c] : src->data[(size_t)i11 * cn + c];
                int v = v00 * w[0] + v01 * w[1] + v10 * w[2] + v11 * w[3];
                d[c] = img__sat_u8((v + (1 << (REMAP_BITS - 1))) >> REMAP_BITS);
            }
        }
    }
    free(adelta);
    return G99_OK;
}

/* A similarity is z -> a z + t in complex numbers, a = s e^{i theta}. Two
 * point pairs fix it: a = (q2 - q1) / (p2 - p1), t = q1 - a p1. As a 2x3
 * matrix: [re(a) -im(a) tx; im(a) re(a) ty]. */
int img_similarity_from_points(const double src[4], const double dst[4], double m[6], g99_error *err)
{
    double px = src[2] - src[0], py = src[3] - src[1];
    double qx = dst[2] - dst[0], qy = dst[3] - dst[1];
    double n = px * px + py * py, ar, ai;
    if (!(n > 0)) return g99_fail(err, G99_EINVAL, "similarity: the two source points coincide");
    ar = (qx * px + qy * py) / n;
    ai = (qy * px - qx * py) / n;
    m[0] = ar;
    m[1] = -ai;
    m[2] = dst[0] - (ar * src[0] - ai * src[1]);
    m[3] = ai;
    m[4] = ar;
    m[5] = dst[1] - (ai * src[0] + ar * src[1]);
    return G99_OK;
}
