/* The filters that make image-to-image training pairs (doc/cli.md §3.4 `gan99
 * filter`): binary layers, iso-contours, and the dispatch by name to these
 * and to grey (color.c), Canny (canny.c) and Gaussian blur (blur.c).
 *
 * "Colour channels" are all channels but the alpha of a grey+alpha or RGBA
 * image; alpha is copied unchanged. */
#include "ops_private.h"

#include <string.h>

static int colour_channels(const img_image *img) { return img->channels == 2 || img->channels == 4 ? img->channels - 1 : img->channels; }

int img_threshold_binary(const img_image *src, int threshold, img_image *out, g99_error *err)
{
    int rc = img__need_u8(src, "binary", err), cn, cc, c;
    size_t i, n;
    if (rc) return rc;
    if (threshold < 0 || threshold > 255)
        return g99_fail(err, G99_EINVAL, "binary: threshold %d is outside 0..255", threshold);
    rc = img_new(out, src->width, src->height, src->channels, 8, err);
    if (rc) return rc;
    cn = src->channels;
    cc = colour_channels(src);
    n = (size_t)src->width * src->height;
    for (i = 0; i < n; i++)
        for (c = 0; c < cn; c++) {
            uint8_t v = src->data[i * cn + c];
            out->data[i * cn + c] = c < cc ? (uint8_t)(v > threshold ? 255 : 0) : v;
        }
    return G99_OK;
}

int img_contours(const img_image *src, const int *levels, int n_levels, img_image *out, g99_error *err)
{
    int rc = img__need_u8(src, "contours", err), cn, cc, c, x, y, k, w, h;
    if (rc) return rc;
    if (!levels || n_levels < 1) return g99_fail(err, G99_EINVAL, "contours: no levels");
    for (k = 0; k < n_levels; k++)
        if (levels[k] < 1 || levels[k] > 255)
            return g99_fail(err, G99_EINVAL, "contours: level %d is outside 1..255", levels[k]);
    rc = img_new(out, src->width, src->height, src->channels, 8, err);
    if (rc) return rc;
    cn = src->channels;
    cc = colour_channels(src);
    w = src->width;
    h = src->height;
    for (y = 0; y < h; y++)
        for (x = 0; x < w; x++) {
            const uint8_t *p = src->data + ((size_t)y * w + x) * cn;
            uint8_t *d = out->data + ((size_t)y * w + x) * cn;
            for (c = 0; c < cn; c++) {
                /* The smallest 4-neighbour: the pixel is on the contour of
                 * level t exactly when v >= t > that minimum. */
                int v = p[c], lo = 256, hit = 0;
                if (c >= cc) {
                    d[c] = (uint8_t)v;
                    continue;
                }
                if (x > 0 && p[c - cn] < lo) lo = p[c - cn];
                if (x < w - 1 && p[c + cn] < lo) lo = p[c + cn];
                if (y > 0 && p[c - (long)w * cn] < lo) lo = p[c - (long)w * cn];
                if (y < h - 1 && p[c + (size_t)w * cn] < lo) lo = p[c + (size_t)w * cn];
                for (k = 0; k < n_levels && !hit; k++) hit = v >= levels[k] && lo < levels[k];
                d[c] = hit ? 255 : 0;
            }
        }
    return G99_OK;
}

void img_filter_params_default(img_filter_params *p)
{
    memset(p, 0, sizeof *p);
    p->threshold = 128;
    p->levels[0] = 50;
    p->levels[1] = 100;
    p->levels[2] = 150;
    p->levels[3] = 200;
    p->n_levels = 4;
    p->low = 100;
    p->high = 200;
    p->l2_gradient = 0;
    p->ksize = 5;
    p->sigma = 0;
}

int img_filter(const char *name, const img_image *src, const img_filter_params *p, img_image *out,
               g99_error *err)
{
    img_filter_params def;
    if (!p) {
        img_filter_params_default(&def);
        p = &def;
    }
    if (!name) return g99_fail(err, G99_EINVAL, "filter: no name");
    if (strcmp(name, "gray") == 0 || strcmp(name, "grey") == 0) return img_grey(src, IMG_ORDER_RGB, out, err);
    if (strcmp(name, "binary") == 0) return img_threshold_binary(src, p->threshold, out, err);
    if (strcmp(name, "contours") == 0) {
        if (p->n_levels > IMG_FILTER_MAX_LEVELS)
            return g99_fail(err, G99_EINVAL, "contours: %d levels (at most %d)", p->n_levels, IMG_FILTER_MAX_LEVELS);
        return img_contours(src, p->levels, p->n_levels, out, err);
    }
    if (strcmp(name, "canny") == 0) return img_canny(src, p->low, p->high, p->l2_gradient, out, err);
    if (strcmp(name, "blur") == 0) return img_gaussian_blur(src, p->ksize, p->sigma, out, err);
    return g99_fail(err, G99_EINVAL, "filter: unknown filter '%s' (gray, binary, contours, canny, blur)", name);
}
