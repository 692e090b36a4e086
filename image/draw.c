/* Geometry and drawing: crop, horizontal flip, paste, a contact sheet of
 * images and rectangle outlines. Plain sample moves, no arithmetic, so crop,
 * flip and paste take 16-bit images too. */
#include "ops_private.h"

#include <string.h>

static size_t sample_bytes(const img_image *img) { return (size_t)img->channels * (size_t)(img->depth / 8); }

static int need_image(const img_image *img, const char *op, g99_error *err)
{
    if (!img || !img->data || img->width <= 0 || img->height <= 0 || img->channels < 1 || img->channels > 4 ||
        (img->depth != 8 && img->depth != 16))
        return g99_fail(err, G99_EINVAL, "%s: no image, or an empty one", op);
    return G99_OK;
}

int img_crop(const img_image *src, int x, int y, int w, int h, img_image *out, g99_error *err)
{
    int rc = need_image(src, "crop", err), r;
    size_t px;
    if (rc) return rc;
    if (w <= 0 || h <= 0 || x < 0 || y < 0 || x > src->width - w || y > src->height - h)
        return g99_fail(err, G99_EINVAL, "crop: rectangle %d,%d %dx%d is not inside the %dx%d image", x, y, w, h,
                        src->width, src->height);
    rc = img_new(out, w, h, src->channels, src->depth, err);
    if (rc) return rc;
    px = sample_bytes(src);
    for (r = 0; r < h; r++)
        memcpy(out->data + (size_t)r * w * px, src->data + ((size_t)(y + r) * src->width + x) * px, (size_t)w * px);
    return G99_OK;
}

void img_flip_horizontal(img_image *img)
{
    size_t px, k;
    int x, y;
    if (!img || !img->data) return;
    px = sample_bytes(img);
    for (y = 0; y < img->height; y++) {
        uint8_t *row = img->data + (size_t)y * img->width * px;
        for (x = 0; x < img->width / 2; x++) {
            uint8_t *a = row + (size_t)x * px, *b = row + (size_t)(img->width - 1 - x) * px;
            for (k = 0; k < px; k++) {
                uint8_t t = a[k];
                a[k] = b[k];
                b[k] = t;
            }
        }
    }
}

int img_paste(img_image *dst, const img_image *src, int x, int y, g99_error *err)
{
    int rc = need_image(dst, "paste", err);
    int x0, y0, x1, y1, r;
    size_t px;
    if (rc) return rc;
    rc = need_image(src, "paste", err);
    if (rc) return rc;
    if (src->channels != dst->channels || src->depth != dst->depth)
        return g99_fail(err, G99_EINVAL, "paste: a %d-channel %d-bit image onto a %d-channel %d-bit one",
                        src->channels, src->depth, dst->channels, dst->depth);
    /* The part of src that lands inside dst, in dst coordinates; long long
     * so that far-away positions cannot overflow. */
    x0 = x > 0 ? x : 0;
    y0 = y > 0 ? y : 0;
    x1 = (long long)x + src->width < dst->width ? x + src->width : dst->width;
    y1 = (long long)y + src->height < dst->height ? y + src->height : dst->height;
    px = sample_bytes(src);
    for (r = y0; r < y1 && x0 < x1; r++)
        memcpy(dst->data + ((size_t)r * dst->width + x0) * px,
               src->data + ((size_t)(r - y) * src->width + (size_t)(x0 - x)) * px, (size_t)(x1 - x0) * px);
    return G99_OK;
}

int img_grid(const img_image *images, int count, const img_grid_params *p, img_image *out, g99_error *err)
{
    int i, rc, rows, w, h, cn, c;
    long long sw, sh;
    size_t k, n;
    if (!images || count <= 0 || !p) return g99_fail(err, G99_EINVAL, "grid: no images");
    if (p->cols < 1 || p->margin < 0)
        return g99_fail(err, G99_EINVAL, "grid: %d columns, margin %d", p->cols, p->margin);
    for (i = 0; i < count; i++) {
        rc = img__need_u8(&images[i], "grid", err);
        if (rc) return rc;
        if (images[i].width != images[0].width || images[i].height != images[0].height ||
            images[i].channels != images[0].channels)
            return g99_fail(err, G99_EINVAL, "grid: image %d is %dx%dx%d, image 0 is %dx%dx%d", i,
                            images[i].width, images[i].height, images[i].channels, images[0].width,
                            images[0].height, images[0].channels);
    }
    w = images[0].width;
    h = images[0].height;
    cn = images[0].channels;
    rows = (count + p->cols - 1) / p->cols;
    sw = (long long)p->cols * w + (long long)(p->cols + 1) * p->margin;
    sh = (long long)rows * h + (long long)(rows + 1) * p->margin;
    if (sw > 0x7FFFFFFF || sh > 0x7FFFFFFF)
        return g99_fail(err, G99_ELIMIT, "grid: a %lldx%lld sheet is too large", sw, sh);
    rc = img_new(out, (int)sw, (int)sh, cn, 8, err);
    if (rc) return rc;
    n = (size_t)sw * (size_t)sh;
    for (k = 0; k < n; k++)
        for (c = 0; c < cn; c++) out->data[k * cn + c] = p->background[c];
    for (i = 0; i < count; i++)
        img_paste(out, &images[i], p->margin + (i % p->cols) * (w + p->margin),
                  p->margin + (i / p->cols) * (h + p->margin), NULL);
    return G99_OK;
}

int img_draw_rectangle(img_image *img, int x, int y, int w, int h, int thickness, const uint8_t color[4],
                       g99_error *err)
{
    int rc = img__need_u8(img, "rectangle", err);
    long long px, py, x1, y1;
    int c;
    if (rc) return rc;
    if (w <= 0 || h <= 0 || thickness < 1)
        return g99_fail(err, G99_EINVAL, "rectangle: size %dx%d, thickness %d", w, h, thickness);
    x1 = (long long)x + w - 1;
    y1 = (long long)y + h - 1;
    /* A pixel of the box is drawn when it is within `thickness` of an edge. */
    for (py = y < 0 ? 0 : y; py <= y1 && py < img->height; py++)
        for (px = x < 0 ? 0 : x; px <= x1 && px < img->width; px++) {
            uint8_t *d;
            if (px - x >= thickness && x1 - px >= thickness && py - y >= thickness && y1 - py >= thickness) {
                px = x1 - thickness; /* jump over the inside of the row */
                continue;
            }
            d = img->data + ((size_t)py * img->width + (size_t)px) * img->channels;
            for (c = 0; c < img->channels; c++) d[c] = color[c];
        }
    return G99_OK;
}
