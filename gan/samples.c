/* gan: from generator outputs to pictures: [-1, 1] floats to 8-bit images
 * (square or not), sample grids (the training run's grids, gan99 sample),
 * rows of images side by side (input | output | target), class maps in a
 * fixed palette, and the spherical interpolation of latent vectors (gan99
 * morph).
 *
 * Float to byte: round((v + 1) * 127.5) clamped to 0..255, the inverse of
 * the dataset's v / 127.5 - 1 (torchvision's save_image does the same
 * up to its rounding, x * 255 + 0.5 truncated after mapping to [0, 1]). */
#include "gan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MARGIN 2

static uint8_t to_byte(float v)
{
    float b = (v + 1.0f) * 127.5f + 0.5f;
    if (!(b > 0.0f)) return 0;   /* NaN too */
    if (b >= 255.0f) return 255;
    return (uint8_t)b;
}

/* x [nc, height, width] -> an image of `channels` channels (1, or 3 with a
 * grey source repeated in r, g and b), each pixel scale x scale. */
static int tensor_to_image(const float *x, int nc, int width, int height, int scale, int channels, img_image *out,
                           g99_error *err)
{
    size_t plane = (size_t)width * height;
    int rc, c, i, j, ow, oh;
    if ((nc != 1 && nc != 3 && nc != 4) || width < 1 || height < 1 || scale < 1 || scale > 64)
        return g99_fail(err, G99_EINVAL, "image from tensor: %d channels (1, 3 or 4), %dx%d, scale %d (1..64)", nc,
                        width, height, scale);
    if ((long long)width * scale > 0x7FFFFFFF || (long long)height * scale > 0x7FFFFFFF)
        return g99_fail(err, G99_ELIMIT, "image from tensor: %dx%d at scale %d is too large", width, height, scale);
    ow = width * scale;
    oh = height * scale;
    rc = img_new(out, ow, oh, channels, 8, err);
    if (rc) return rc;
    for (j = 0; j < oh; j++)
        for (i = 0; i < ow; i++)
            for (c = 0; c < channels; c++)
                out->data[((size_t)j * ow + i) * channels + c] =
                    to_byte(x[(nc == 1 ? 0 : c) * plane + (size_t)(j / scale) * width + (size_t)(i / scale)]);
    return 0;
}

int gan_tensor_image_wh(const float *x, int nc, int width, int height, int scale, img_image *out, g99_error *err)
{
    return tensor_to_image(x, nc, width, height, scale, nc == 1 ? 1 : 3, out, err);
}

int gan_tensor_image(const float *x, int nc, int size, int scale, img_image *out, g99_error *err)
{
    return gan_tensor_image_wh(x, nc, size, size, scale, out, err);
}

/* images[0..n) (freed here) in a sheet of `cols` columns, white margins. */
static int sheet(img_image *imgs, int n, int cols, int rc, img_image *out, g99_error *err)
{
    img_grid_params gp;
    int i;
    gp.cols = cols;
    gp.margin = MARGIN;
    memset(gp.background, 255, sizeof gp.background);
    if (!rc) rc = img_grid(imgs, n, &gp, out, err);
    for (i = 0; i < n; i++) img_free(&imgs[i]);
    free(imgs);
    return rc;
}

int gan_sample_grid_wh(const float *x, int n, int nc, int width, int height, int scale, img_image *out,
                       g99_error *err)
{
    img_image *imgs;
    int i, cols = 1, rc = 0;
    if (n < 1) return g99_fail(err, G99_EINVAL, "sample grid: no images");
    while (cols * cols < n) cols++;
    imgs = (img_image *)calloc((size_t)n, sizeof *imgs);
    if (!imgs) return g99_fail(err, G99_ENOMEM, "out of memory");
    for (i = 0; i < n && !rc; i++)
        rc = gan_tensor_image_wh(x + (size_t)i * nc * width * height, nc, width, height, scale, &imgs[i], err);
    return sheet(imgs, n, cols, rc, out, err);
}

int gan_sample_grid(const float *x, int n, int nc, int size, int scale, img_image *out, g99_error *err)
{
    return gan_sample_grid_wh(x, n, nc, size, size, scale, out, err);
}

int gan_sample_rows(const float *const *cols, const int *col_channels, int n_cols, int n_rows, int width, int height,
                    img_image *out, g99_error *err)
{
    img_image *imgs;
    int r, c, rc = 0, channels = 1;
    if (n_cols < 1 || n_rows < 1 || !cols || !col_channels)
        return g99_fail(err, G99_EINVAL, "sample rows: %d columns, %d rows", n_cols, n_rows);
    if ((long long)n_cols * n_rows > 0x7FFFFFFF / (long long)sizeof *imgs)
        return g99_fail(err, G99_ELIMIT, "sample rows: %d x %d images", n_rows, n_cols);
    for (c = 0; c < n_cols; c++) {
        if (!cols[c]) return g99_fail(err, G99_EINVAL, "sample rows: column %d has no data", c + 1);
        if (col_channels[c] != 1) channels = 3;
    }
    imgs = (img_image *)calloc((size_t)n_cols * (size_t)n_rows, sizeof *imgs);
    if (!imgs) return g99_fail(err, G99_ENOMEM, "out of memory");
    for (r = 0; r < n_rows && !rc; r++)
        for (c = 0; c < n_cols && !rc; c++)
            rc = tensor_to_image(cols[c] + (size_t)r * col_channels[c] * width * height, col_channels[c], width,
                                 height, 1, channels, &imgs[(size_t)r * n_cols + c], err);
    return sheet(imgs, n_cols * n_rows, n_cols, rc, out, err);
}

/* The colour of class k: the synthetic faces' parts, then the PASCAL VOC
 * colour map (its index bits spread over r, g and b from the top bit down). */
static void class_colour(int k, uint8_t rgb[3])
{
    static const uint8_t parts[GAN_PART_COUNT][3] = {
        { 0, 0, 0 },   { 255, 200, 150 }, { 140, 70, 20 }, { 0, 100, 255 },
        { 200, 0, 200 }, { 0, 190, 0 },   { 230, 0, 0 },
    };
    int j, c, id = k;
    if (k < GAN_PART_COUNT) {
        memcpy(rgb, parts[k], 3);
        return;
    }
    rgb[0] = rgb[1] = rgb[2] = 0;
    for (j = 7; j >= 0 && id; j--, id >>= 3)
        for (c = 0; c < 3; c++) rgb[c] |= (uint8_t)(((id >> c) & 1) << j);
}

int gan_label_image(const float *onehot, int n_classes, int width, int height, img_image *out, g99_error *err)
{
    size_t plane, p;
    int rc, k;
    if (!onehot || n_classes < 1 || n_classes > GAN_LABEL_MAX_CLASSES || width < 1 || height < 1)
        return g99_fail(err, G99_EINVAL, "label image: %d classes (1..%d), %dx%d", n_classes, GAN_LABEL_MAX_CLASSES,
                        width, height);
    rc = img_new(out, width, height, 3, 8, err);
    if (rc) return rc;
    plane = (size_t)width * height;
    for (p = 0; p < plane; p++) {
        int best = 0;
        float bv = onehot[p];
        for (k = 1; k < n_classes; k++) {
            float v = onehot[(size_t)k * plane + p];
            if (v > bv || (bv != bv && v == v)) {
                best = k;
                bv = v;
            }
        }
        class_colour(best, out->data + p * 3);
    }
    return 0;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* The class colours as gan_label_image draws them: a one-pixel-per-class
 * one-hot row, coloured. rgb gets 3 * n_classes bytes. */
static int class_colours(int n_classes, uint8_t *rgb, g99_error *err)
{
    float *row = (float *)calloc((size_t)n_classes * n_classes, sizeof *row);
    img_image img;
    int k, rc;
    if (!row) return g99_fail(err, G99_ENOMEM, "out of memory");
    for (k = 0; k < n_classes; k++) row[(size_t)k * n_classes + k] = 1.0f;   /* class k at pixel k */
    rc = gan_label_image(row, n_classes, n_classes, 1, &img, err);
    free(row);
    if (rc) return rc;
    memcpy(rgb, img.data, (size_t)3 * n_classes);
    img_free(&img);
    return 0;
}

/* An 8-bit palette PNG of a class map: the PNG of the map as 8-bit grey
 * (same scanlines: one byte a pixel), its IHDR colour type made 3 and a
 * PLTE chunk of the class colours put after it. */
static int index_png(const char *path, const uint8_t *classes, int w, int h, const uint8_t *rgb, int n_classes,
                     g99_error *err)
{
    img_image grey;
    uint8_t *png = NULL, *out;
    size_t len = 0, plte = 12 + (size_t)3 * n_classes;
    int rc;
    if ((rc = img_new(&grey, w, h, 1, 8, err)) != 0) return rc;
    memcpy(grey.data, classes, (size_t)w * h);
    rc = img_png_encode(&grey, &png, &len, err);
    img_free(&grey);
    if (rc) return rc;
    /* signature (8), IHDR: length 13, "IHDR", 13 bytes (colour type at 9), CRC */
    out = (uint8_t *)malloc(len + plte);
    if (!out) {
        free(png);
        return g99_fail(err, G99_ENOMEM, "out of memory");
    }
    memcpy(out, png, 33);
    out[8 + 8 + 9] = 3;
    put32(out + 29, g99_crc32(0, out + 12, 17));
    put32(out + 33, (uint32_t)(3 * n_classes));
    memcpy(out + 37, "PLTE", 4);
    memcpy(out + 41, rgb, (size_t)3 * n_classes);
    put32(out + 41 + 3 * n_classes, g99_crc32(0, out + 37, 4 + (size_t)3 * n_classes));
    memcpy(out + 33 + plte, png + 33, len - 33);
    free(png);
    rc = g99_write_file_atomic(path, out, len + plte, err);
    free(out);
    return rc;
}

int gan_label_png_save(const char *path, const uint8_t *classes, int width, int height, int n_classes, g99_error *err)
{
    uint8_t rgb[3 * 256];
    int rc;
    if (n_classes < 1 || n_classes > 256)
        return g99_fail(err, G99_EINVAL, "%s: %d classes: a palette PNG holds 1 to 256", path, n_classes);
    if ((rc = class_colours(n_classes, rgb, err)) != 0) return rc;
    return index_png(path, classes, width, height, rgb, n_classes, err);
}

void gan_latent_normal(uint64_t seed, int nz, float *z)
{
    nn_rng r;
    nn_rng_init(&r, seed, GAN_STREAM_SAMPLE);
    nn_rng_fill_normal(&r, z, (size_t)nz, 0.0f, 1.0f);
}

/* The angle between a and b from its cosine, by bisection on nn_cosf
 * (decreasing on [0, pi]): gan99 has no acos of its own, and 40 halvings
 * of [0, pi] reach float resolution. */
static float angle_of(float cosine)
{
    float lo = 0.0f, hi = 3.14159265f;
    int i;
    for (i = 0; i < 40; i++) {
        float mid = 0.5f * (lo + hi);
        if (nn_cosf(mid) > cosine) lo = mid;
        else hi = mid;
    }
    return 0.5f * (lo + hi);
}

void gan_slerp(const float *a, const float *b, int n, float t, float *out)
{
    double dot = 0, na = 0, nb = 0;
    float c, omega, s;
    int i;
    for (i = 0; i < n; i++) {
        dot += (double)a[i] * b[i];
        na += (double)a[i] * a[i];
        nb += (double)b[i] * b[i];
    }
    c = na > 0 && nb > 0 ? (float)(dot / (sqrt(na) * sqrt(nb))) : 1.0f;
    if (c > 1.0f) c = 1.0f;
    if (c < -1.0f) c = -1.0f;
    omega = angle_of(c);
    s = nn_sinf(omega);
    /* nearly parallel (or opposite) vectors: the linear blend */
    if (s < 1e-4f) {
        for (i = 0; i < n; i++) out[i] = (1.0f - t) * a[i] + t * b[i];
        return;
    }
    {
        float wa = nn_sinf((1.0f - t) * omega) / s, wb = nn_sinf(t * omega) / s;
        for (i = 0; i < n; i++) out[i] = wa * a[i] + wb * b[i];
    }
}
