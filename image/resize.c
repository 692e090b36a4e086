/* Resampling as OpenCV 4.6's cv::resize on 8-bit images
 * (imgproc/src/resize.cpp), bit for bit, for three methods:
 *
 *  INTER_LINEAR_EXACT  bilinear with 8-bit fixed-point weights computed in
 *                      double (doc/haar.md §4.1); what the
 *                      cascade detector resizes with.
 *  INTER_LINEAR        bilinear with 11-bit weights computed in float
 *                      (INTER_RESIZE_COEF_BITS) and OpenCV's shift-and-round
 *                      vertical pass.
 *  INTER_AREA          for reductions: integer factors average k x k blocks
 *                      ("area fast"); other factors weight the source pixels
 *                      by their overlap with the destination cell, in float.
 *                      Enlargements use bilinear with "area" weights.
 *
 * The dispatch follows cv::hal::resize: an exact 2x reduction of LINEAR or
 * LINEAR_EXACT takes the area path ((a+b+c+d+2)>>2), and an equal size copies.
 * Pixels are interleaved, so every table below is per pixel and each channel
 * uses the same weights.
 *
 * Float steps must round to float after every operation, as SSE does. Some
 * targets evaluate float expressions in double (s390x: FLT_EVAL_METHOD 1),
 * so each product is cast to float before it is added: a cast or an
 * assignment rounds in C99, and rounding a double result of one float
 * operation to float gives the float result. */
#include "ops_private.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

/* ---- INTER_LINEAR_EXACT ------------------------------------------------ */

/* One axis of the exact resize: for each destination index, the source index
 * and the weight of the next source pixel in 1/256 (the other is 256 - c1).
 * Indices before lo take source pixel 0 and from hi on the last one. */
typedef struct exact_axis {
    int *ofs, *c1;
    int lo, hi;
} exact_axis;

static void exact_axis_fill(exact_axis *a, int n_src, int n_dst)
{
    double inv = (double)n_dst / (double)n_src;
    double scale = 1.0 / inv;  /* two roundings, as OpenCV: not n_src / n_dst */
    int d;
    a->lo = 0;
    a->hi = n_dst;
    for (d = 0; d < n_dst; d++) {
        double f = scale * ((double)d + 0.5) - 0.5;
        int i = img__floor(f);
        a->ofs[d] = 0;
        a->c1[d] = 0;
        if (i >= 0 && n_src > 1) {
            if (i < n_src - 1) {
                a->ofs[d] = i;
                a->c1[d] = img__round((f - i) * 256.0);
            } else {
                a->ofs[d] = n_src - 1;
                if (d < a->hi) a->hi = d;
            }
        } else {
            a->lo = d + 1;
        }
    }
}

static void resize_linear_exact(const img_image *src, img_image *dst, int *work)
{
    int cn = src->channels, sw = src->width, sh = src->height, dw = dst->width, dh = dst->height;
    exact_axis ax, ay;
    uint32_t *h0, *h1;
    int x, y, c;
    ax.ofs = work;
    ax.c1 = ax.ofs + dw;
    ay.ofs = ax.c1 + dw;
    ay.c1 = ay.ofs + dh;
    h0 = (uint32_t *)(ay.c1 + dh);
    h1 = h0 + (size_t)dw * cn;
    exact_axis_fill(&ax, sw, dw);
    exact_axis_fill(&ay, sh, dh);
    /* The horizontal pass of a source row: values with 8 fraction bits. */
#define HROW(out, row)                                                                  \
    do {                                                                                \
        const uint8_t *s_ = src->data + (size_t)(row) * sw * cn;                        \
        for (x = 0; x < dw; x++)                                                        \
            for (c = 0; c < cn; c++) {                                                  \
                uint32_t v_;                                                            \
                if (x < ax.lo) v_ = (uint32_t)s_[c] << 8;                               \
                else if (x >= ax.hi) v_ = (uint32_t)s_[(size_t)(sw - 1) * cn + c] << 8; \
                else {                                                                  \
                    const uint8_t *p_ = s_ + (size_t)ax.ofs[x] * cn + c;                \
                    v_ = (uint32_t)(256 - ax.c1[x]) * p_[0];                            \
                    if (ax.c1[x]) v_ += (uint32_t)ax.c1[x] * p_[cn];                    \
                }                                                                       \
                (out)[(size_t)x * cn + c] = v_;                                         \
            }                                                                           \
    } while (0)
    for (y = 0; y < dh; y++) {
        uint8_t *d = dst->data + (size_t)y * dw * cn;
        size_t i, n = (size_t)dw * cn;
        if (y < ay.lo || y >= ay.hi) {
            HROW(h0, y < ay.lo ? 0 : sh - 1);
            for (i = 0; i < n; i++) d[i] = (uint8_t)((h0[i] + 128) >> 8);
        } else {
            uint32_t w1 = (uint32_t)ay.c1[y], w0 = 256 - w1;
            HROW(h0, ay.ofs[y]);
            if (w1) HROW(h1, ay.ofs[y] + 1);
            for (i = 0; i < n; i++) {
                uint32_t v = w0 * h0[i] + (w1 ? w1 * h1[i] : 0);
                v = (v + 32768) >> 16;
                d[i] = (uint8_t)(v > 255 ? 255 : v);
            }
        }
    }
#undef HROW
}

/* ---- INTER_LINEAR (and AREA enlargement) -------------------------------- */

enum { COEF_BITS = 11, COEF_SCALE = 1 << COEF_BITS };

/* saturate_cast<short>(w * INTER_RESIZE_COEF_SCALE) of a float weight. */
static int coef11(float w)
{
    int v = img__round((double)(w * (float)COEF_SCALE));
    return v < -32768 ? -32768 : v > 32767 ? 32767 : v;
}

/* The source index and the two 11-bit weights for destination index d, as
 * the loops of cv::hal::resize compute them (float after a double product). */
static void linear_coeffs(int d, double scale, double inv_scale, int area_mode, int *s, int *a0, int *a1)
{
    float f;
    int i;
    if (!area_mode) {
        f = (float)((d + 0.5) * scale - 0.5);
        i = img__floor((double)f);
        f -= (float)i;
    } else {
        i = img__floor(d * scale);
        f = (float)((d + 1) - (i + 1) * inv_scale);
        f = f <= 0 ? 0.f : f - (float)img__floor((double)f);
    }
    *s = i;
    *a0 = coef11(1.f - f);
    *a1 = coef11(f);
}

/* The horizontal taps of INTER_LINEAR: source index and weights per
 * destination column (outside the source the weight goes to the edge pixel
 * alone). */
static void linear_x_taps(int sw, int dw, int area_mode, int *xofs, int *xa0, int *xa1)
{
    double inv_x = (double)dw / sw, scale_x = 1.0 / inv_x;
    int x;
    for (x = 0; x < dw; x++) {
        int sx, a0, a1;
        linear_coeffs(x, scale_x, inv_x, area_mode, &sx, &a0, &a1);
        if (sx < 0) {
            sx = 0;
            a0 = COEF_SCALE;
            a1 = 0;
        }
        if (sx >= sw - 1) {
            sx = sw - 1;
            a0 = COEF_SCALE;
            a1 = 0;
        }
        xofs[x] = sx;
        xa0[x] = a0;
        xa1[x] = a1;
    }
}

/* The vertical taps of destination row y: the two source rows, clamped
 * (the weights are kept), and their weights. */
static void linear_y_taps(int sh, int dh, int area_mode, int y, int *y0, int *y1, int *b0, int *b1)
{
    double inv_y = (double)dh / sh, scale_y = 1.0 / inv_y;
    int sy;
    linear_coeffs(y, scale_y, inv_y, area_mode, &sy, b0, b1);
    *y0 = sy < 0 ? 0 : sy > sh - 1 ? sh - 1 : sy;
    *y1 = sy + 1 < 0 ? 0 : sy + 1 > sh - 1 ? sh - 1 : sy + 1;
}

/* VResizeLinear<uchar>: drop 4 bits, take the high half of each 16x16-bit
 * product, then round off the last 2 bits. */
#define VLINEAR(b0, r0, b1, r1) img__sat_u8(((((b0) * ((r0) >> 4)) >> 16) + (((b1) * ((r1) >> 4)) >> 16) + 2) >> 2)

static void resize_linear(const img_image *src, img_image *dst, int area_mode, int *work)
{
    int cn = src->channels, sw = src->width, sh = src->height, dw = dst->width, dh = dst->height;
    int *xofs = work, *xa0 = xofs + dw, *xa1 = xa0 + dw;
    int32_t *r0 = (int32_t *)(xa1 + dw), *r1 = r0 + (size_t)dw * cn;
    int x, y, c;
    linear_x_taps(sw, dw, area_mode, xofs, xa0, xa1);
#define HROW(out, row)                                                     \
    do {                                                                   \
        const uint8_t *s_ = src->data + (size_t)(row) * sw * cn;           \
        for (x = 0; x < dw; x++) {                                         \
            const uint8_t *p_ = s_ + (size_t)xofs[x] * cn;                 \
            for (c = 0; c < cn; c++)                                       \
                (out)[(size_t)x * cn + c] =                                \
                    p_[c] * xa0[x] + (xa1[x] ? p_[c + cn] * xa1[x] : 0);   \
        }                                                                  \
    } while (0)
    for (y = 0; y < dh; y++) {
        uint8_t *d = dst->data + (size_t)y * dw * cn;
        size_t i, n = (size_t)dw * cn;
        int b0, b1, y0, y1;
        linear_y_taps(sh, dh, area_mode, y, &y0, &y1, &b0, &b1);
        HROW(r0, y0);
        HROW(r1, y1);
        for (i = 0; i < n; i++) d[i] = VLINEAR(b0, r0[i], b1, r1[i]);
    }
#undef HROW
}

/* ---- INTER_LINEAR enlargement of many images of one size ----------------- */

int img_linear_plan_init(img_linear_plan *p, int src_w, int src_h, int dst_w, int dst_h, g99_error *err)
{
    int *t, y;
    memset(p, 0, sizeof *p);
    if (src_w < 1 || src_h < 1 || dst_w < src_w || dst_h < src_h)
        return g99_fail(err, G99_EINVAL, "resize plan: %dx%d to %dx%d is not an enlargement", src_w, src_h, dst_w,
                        dst_h);
    t = (int *)malloc(sizeof(int) * (3 * (size_t)dst_w + 4 * (size_t)dst_h));
    if (!t) return g99_fail(err, G99_ENOMEM, "resize plan: out of memory for %dx%d", dst_w, dst_h);
    p->src_w = src_w;
    p->src_h = src_h;
    p->dst_w = dst_w;
    p->dst_h = dst_h;
    p->tab = t;
    linear_x_taps(src_w, dst_w, 0, t, t + dst_w, t + 2 * dst_w);
    t += 3 * (size_t)dst_w;
    for (y = 0; y < dst_h; y++) linear_y_taps(src_h, dst_h, 0, y, t + 4 * y, t + 4 * y + 1, t + 4 * y + 2, t + 4 * y + 3);
    return G99_OK;
}

void img_linear_plan_row(const img_linear_plan *p, const uint8_t *src, int y, int x0, int n, uint8_t *out)
{
    const int *xofs = p->tab, *xa0 = xofs + p->dst_w, *xa1 = xa0 + p->dst_w;
    const int *yt = p->tab + 3 * (size_t)p->dst_w + 4 * (size_t)y;
    const uint8_t *s0 = src + (size_t)yt[0] * p->src_w, *s1 = src + (size_t)yt[1] * p->src_w;
    int b0 = yt[2], b1 = yt[3], x;
    if (p->src_w == p->dst_w && p->src_h == p->dst_h) {
        /* img_resize copies an image of the same size */
        memcpy(out, src + (size_t)y * p->src_w + x0, (size_t)n);
        return;
    }
    for (x = x0; x < x0 + n; x++) {
        int k = xofs[x], a0 = xa0[x], a1 = xa1[x];
        int32_t r0 = s0[k] * a0 + (a1 ? s0[k + 1] * a1 : 0);
        int32_t r1 = s1[k] * a0 + (a1 ? s1[k + 1] * a1 : 0);
        *out++ = VLINEAR(b0, r0, b1, r1);
    }
}

void img_linear_plan_free(img_linear_plan *p)
{
    free(p->tab);
    memset(p, 0, sizeof *p);
}

/* ---- INTER_AREA ---------------------------------------------------------- */

/* Integer factors kx, ky: the mean of each block. OpenCV's 2x2 kernel for 1,
 * 3 and 4 channels rounds half up with (sum + 2) >> 2; every other case
 * multiplies by the float 1/area and rounds half to even. */
static void resize_area_fast(const img_image *src, img_image *dst, int kx, int ky)
{
    int cn = src->channels, sw = src->width, dw = dst->width, dh = dst->height;
    int area = kx * ky, x, y, c, i, j;
    float scale = 1.f / (float)area;
    int shift_path = kx == 2 && ky == 2 && cn != 2;
    for (y = 0; y < dh; y++)
        for (x = 0; x < dw; x++)
            for (c = 0; c < cn; c++) {
                int sum = 0;
                for (j = 0; j < ky; j++) {
                    const uint8_t *s = src->data + ((size_t)(y * ky + j) * sw + (size_t)x * kx) * cn + c;
                    for (i = 0; i < kx; i++) sum += s[(size_t)i * cn];
                }
                dst->data[((size_t)y * dw + x) * cn + c] =
                    shift_path ? (uint8_t)((sum + 2) >> 2) : img__sat_u8(img__round((float)((float)sum * scale)));
            }
}

typedef struct area_tap {
    int di, si;   /* destination and source index along the axis */
    float alpha;  /* weight: overlap / cell width, rounded to float */
} area_tap;

/* computeResizeAreaTab: the taps of one axis, at most 2 per source pixel. */
static int area_taps(int n_src, int n_dst, double scale, area_tap *tab)
{
    int k = 0, d, s;
    for (d = 0; d < n_dst; d++) {
        double f1 = d * scale, f2 = f1 + scale;
        double cell = scale < n_src - f1 ? scale : n_src - f1;
        int s1 = -img__floor(-f1), s2 = img__floor(f2);
        if (s2 > n_src - 1) s2 = n_src - 1;
        if (s1 > s2) s1 = s2;
        /* A part of a source pixel under less than 1/1000 is dropped. */
        if (s1 - f1 > 1e-3) {
            tab[k].di = d;
            tab[k].si = s1 - 1;
            tab[k++].alpha = (float)((s1 - f1) / cell);
        }
        for (s = s1; s < s2; s++) {
            tab[k].di = d;
            tab[k].si = s;
            tab[k++].alpha = (float)(1.0 / cell);
        }
        if (f2 - s2 > 1e-3) {
            double part = f2 - s2 < 1.0 ? f2 - s2 : 1.0;
            tab[k].di = d;
            tab[k].si = s2;
            tab[k++].alpha = (float)((part < cell ? part : cell) / cell);
        }
    }
    return k;
}

/* The general reduction: per destination row, each contributing source row
 * is first resampled across (float sums in tap order), then the rows are
 * summed with their vertical weights, in float, as ResizeArea_Invoker. */
static int resize_area_general(const img_image *src, img_image *dst, double scale_x, double scale_y,
                               g99_error *err)
{
    int cn = src->channels, sw = src->width, sh = src->height, dw = dst->width, dh = dst->height;
    size_t n = (size_t)dw * cn, i;
    area_tap *xt = (area_tap *)malloc(sizeof(area_tap) * 2 * ((size_t)sw + sh));
    area_tap *yt;
    float *buf = (float *)malloc(sizeof(float) * 2 * n), *sum;
    int nx, ny, j, k, c, prev;
    if (!xt || !buf) {
        free(xt);
        free(buf);
        return g99_fail(err, G99_ENOMEM, "resize: out of memory for the area tables");
    }
    yt = xt + 2 * (size_t)sw;
    sum = buf + n;
    nx = area_taps(sw, dw, scale_x, xt);
    ny = area_taps(sh, dh, scale_y, yt);
    prev = yt[0].di;
    for (i = 0; i < n; i++) sum[i] = 0.f;
    for (j = 0; j < ny; j++) {
        const uint8_t *s = src->data + (size_t)yt[j].si * sw * cn;
        float beta = yt[j].alpha;
        for (i = 0; i < n; i++) buf[i] = 0.f;
        for (k = 0; k < nx; k++) {
            size_t d = (size_t)xt[k].di * cn, o = (size_t)xt[k].si * cn;
            for (c = 0; c < cn; c++) buf[d + c] = buf[d + c] + (float)((float)s[o + c] * xt[k].alpha);
        }
        if (yt[j].di != prev) {
            uint8_t *out = dst->data + (size_t)prev * n;
            for (i = 0; i < n; i++) {
                out[i] = img__sat_u8(img__round((double)sum[i]));
                sum[i] = beta * buf[i];
            }
            prev = yt[j].di;
        } else {
            for (i = 0; i < n; i++) sum[i] = sum[i] + (float)(beta * buf[i]);
        }
    }
    for (i = 0; i < n; i++) dst->data[(size_t)prev * n + i] = img__sat_u8(img__round((double)sum[i]));
    free(xt);
    free(buf);
    return G99_OK;
}

/* ---- dispatch, as cv::resize and cv::hal::resize ------------------------ */

int img_resize(const img_image *src, int width, int height, int method, img_image *out, g99_error *err)
{
    int rc = img__need_u8(src, "resize", err);
    double scale_x, scale_y;
    int iscale_x, iscale_y, area_fast, cn;
    size_t words;
    int *work;
    if (rc) return rc;
    if (method != IMG_INTER_LINEAR_EXACT && method != IMG_INTER_LINEAR && method != IMG_INTER_AREA)
        return g99_fail(err, G99_EINVAL, "resize: unknown method %d", method);
    if (width <= 0 || height <= 0)
        return g99_fail(err, G99_EINVAL, "resize: target size %dx%d", width, height);
    rc = img_new(out, width, height, src->channels, 8, err);
    if (rc) return rc;
    cn = src->channels;
    if (width == src->width && height == src->height) {
        memcpy(out->data, src->data, img_row_bytes(src) * (size_t)src->height);
        return G99_OK;
    }
    scale_x = 1.0 / ((double)width / src->width);
    scale_y = 1.0 / ((double)height / src->height);
    iscale_x = img__round(scale_x);
    iscale_y = img__round(scale_y);
    area_fast = fabs(scale_x - iscale_x) < DBL_EPSILON && fabs(scale_y - iscale_y) < DBL_EPSILON;
    if (area_fast && iscale_x == 2 && iscale_y == 2 &&
        (method == IMG_INTER_LINEAR || (method == IMG_INTER_LINEAR_EXACT && cn != 2)))
        method = IMG_INTER_AREA;
    if (method == IMG_INTER_AREA && scale_x >= 1 && scale_y >= 1) {
        if (area_fast) {
            resize_area_fast(src, out, iscale_x, iscale_y);
            return G99_OK;
        }
        rc = resize_area_general(src, out, scale_x, scale_y, err);
        if (rc) img_free(out);
        return rc;
    }
    /* Index and weight tables, then two rows of horizontal sums. */
    words = 4 * ((size_t)width + (size_t)height) + 2 * (size_t)width * cn;
    work = (int *)malloc(words * sizeof(int));
    if (!work) {
        img_free(out);
        return g99_fail(err, G99_ENOMEM, "resize: out of memory for %dx%d", width, height);
    }
    if (method == IMG_INTER_LINEAR_EXACT) resize_linear_exact(src, out, work);
    else resize_linear(src, out, method == IMG_INTER_AREA, work);
    free(work);
    return G99_OK;
}
