/* gan: training images (SPEC.md §5 "Datasets", issue 6 item 2), loaded once
 * into memory at the model's size as 8-bit planes, and served in batches
 * scaled to [-1, 1].
 *
 *   a folder    every file under it (base/platform.c: recursive, sorted by
 *               path); PNG, JPEG and PPM/PGM recognized by their content
 *               (img_load). Each image becomes 8-bit (16-bit: the high byte),
 *               grey (img_grey) or RGB (grey repeated, alpha dropped), is
 *               resized so its short side is the model size (area averaging
 *               when shrinking, bilinear when enlarging; torchvision's
 *               Resize) and centre-cropped (CenterCrop; the extra pixel of
 *               an odd margin goes right/bottom). A file that does not
 *               decode is skipped, counted and reported through the warning
 *               callback; no usable image at all is an error.
 *   an IDX file MNIST / Fashion-MNIST images (magic 0x00000803: unsigned
 *               bytes, 3 dims, big-endian sizes), raw or gzip-compressed
 *               (image/'s inflate), resized as above when the model is not
 *               28x28.
 *   synth:N[:S] N synthetic faces of seed S (default 1), gan/synthfaces.c.
 *
 * Order: epoch e visits a Fisher-Yates permutation drawn from
 * nn_rng(seed, NN_STREAM_DATA) seeked to e * 2^32, so the order of any epoch
 * is a pure function of (seed, e) and a resumed run needs no more state. */
#include "gan.h"

#include <stdio.h>
#include <stdlib.h>

#define MAX_IDX_BYTES ((size_t)1 << 31)

static void warn(const gan_dataset_opts *o, const char *fmt, const char *a, const char *b)
{
    char msg[G99_ERROR_MSG_MAX + 512];
    if (!o->warn) return;
    snprintf(msg, sizeof msg, fmt, a, b);
    o->warn(o->user, msg);
}

/* An 8-bit image of `channels` channels from any decoded image. */
static int to_channels(const img_image *src, int channels, img_image *out, g99_error *err)
{
    img_image eight;
    size_t i, px = (size_t)src->width * src->height;
    int c, rc;
    memset(&eight, 0, sizeof eight);
    if (src->depth == 16) {
        const uint16_t *s = (const uint16_t *)(const void *)src->data;
        rc = img_new(&eight, src->width, src->height, src->channels, 8, err);
        if (rc) return rc;
        for (i = 0; i < px * src->channels; i++) eight.data[i] = (uint8_t)(s[i] >> 8);
        src = &eight;
    }
    if (channels == 1 && src->channels >= 3) {
        rc = img_grey(src, IMG_ORDER_RGB, out, err);
    } else {
        rc = img_new(out, src->width, src->height, channels, 8, err);
        for (i = 0; !rc && i < px; i++)
            for (c = 0; c < channels; c++) {
                int from = src->channels >= 3 ? (c < 3 ? c : 0) : 0;   /* grey repeats; alpha is dropped */
                out->data[i * channels + c] = src->data[i * src->channels + from];
            }
    }
    img_free(&eight);
    return rc;
}

/* Short side to size, then the centre size x size. */
static int fit(const img_image *src, int size, img_image *out, g99_error *err)
{
    img_image r;
    int w = src->width, h = src->height, nw, nh, rc;
    if (w <= h) {
        nw = size;
        nh = (int)(((long long)h * size + w / 2) / w);
    } else {
        nh = size;
        nw = (int)(((long long)w * size + h / 2) / h);
    }
    if (nw < size) nw = size;
    if (nh < size) nh = size;
    rc = img_resize(src, nw, nh, nw < w ? IMG_INTER_AREA : IMG_INTER_LINEAR, &r, err);
    if (rc) return rc;
    rc = img_crop(&r, (nw - size) / 2, (nh - size) / 2, size, size, out, err);
    img_free(&r);
    return rc;
}

/* Interleaved size x size x channels -> the planes of image k. */
static void store(gan_dataset *ds, size_t k, const img_image *img)
{
    size_t plane = (size_t)ds->size * ds->size, i;
    uint8_t *dst = ds->pixels + k * plane * ds->channels;
    int c;
    for (c = 0; c < ds->channels; c++)
        for (i = 0; i < plane; i++) dst[c * plane + i] = img->data[i * ds->channels + c];
}

static int alloc_pixels(gan_dataset *ds, size_t n, g99_error *err)
{
    size_t bytes;
    if (g99_size_mul(n, (size_t)ds->channels * ds->size * ds->size, &bytes) || n > 0x7FFFFFFF)
        return g99_fail(err, G99_ELIMIT, "dataset: %lu images do not fit in memory", (unsigned long)n);
    ds->pixels = (uint8_t *)malloc(bytes ? bytes : 1);
    if (!ds->pixels) return g99_fail(err, G99_ENOMEM, "dataset: out of memory for %lu images", (unsigned long)n);
    return 0;
}

static int load_folder(const char *dir, const gan_dataset_opts *o, gan_dataset *ds, g99_error *err)
{
    char **paths = NULL;
    size_t n = 0, i;
    int rc = g99_list_files(dir, &paths, &n, err);
    if (rc) return rc;
    if (n == 0) {
        g99_free_list(paths, n);
        return g99_fail(err, G99_EFORMAT, "%s: no files in the folder", dir);
    }
    rc = alloc_pixels(ds, n, err);
    for (i = 0; !rc && i < n; i++) {
        img_image img, conv, fitted;
        g99_error e;
        int r;
        memset(&img, 0, sizeof img);
        memset(&conv, 0, sizeof conv);
        memset(&fitted, 0, sizeof fitted);
        g99_error_clear(&e);
        r = img_load(paths[i], NULL, &img, &e);
        if (!r) r = to_channels(&img, ds->channels, &conv, &e);
        if (!r) r = fit(&conv, ds->size, &fitted, &e);
        if (r == G99_ENOMEM) rc = g99_fail(err, G99_ENOMEM, "%s: out of memory", paths[i]);
        else if (r) {
            ds->skipped++;
            warn(o, "skipped: %s%s", e.msg, "");
        } else {
            store(ds, (size_t)ds->n++, &fitted);
        }
        img_free(&img);
        img_free(&conv);
        img_free(&fitted);
    }
    g99_free_list(paths, n);
    if (!rc && ds->n == 0)
        rc = g99_fail(err, G99_EFORMAT, "%s: none of the %lu files is a usable image", dir, (unsigned long)n);
    return rc;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int load_idx(const char *path, gan_dataset *ds, g99_error *err)
{
    uint8_t *raw = NULL, *bytes = NULL;
    size_t len = 0, n_raw = 0, need, i;
    uint32_t count, rows, cols;
    int rc = g99_read_file(path, MAX_IDX_BYTES, &raw, &n_raw, err);
    if (rc) return rc;
    if (n_raw >= 2 && raw[0] == 0x1F && raw[1] == 0x8B) {
        rc = img_gzip_decode(raw, n_raw, MAX_IDX_BYTES, &bytes, &len, err);
        free(raw);
        if (rc) return g99_error_prefix(err, "%s", path);
    } else {
        bytes = raw;
        len = n_raw;
    }
    if (len < 16 || be32(bytes) != 0x00000803u) {
        free(bytes);
        return g99_fail(err, G99_EFORMAT, "%s: not an IDX file of images (magic 0x00000803 at offset 0)", path);
    }
    count = be32(bytes + 4);
    rows = be32(bytes + 8);
    cols = be32(bytes + 12);
    if (count == 0 || rows == 0 || cols == 0 || rows > 65536 || cols > 65536 || count > 0x7FFFFFFF ||
        g99_size_mul((size_t)rows * cols, count, &need) || need > len - 16) {
        free(bytes);
        return g99_fail(err, G99_EFORMAT, "%s: %lu images of %lux%lu need more than the %lu bytes after offset 16",
                        path, (unsigned long)count, (unsigned long)rows, (unsigned long)cols,
                        (unsigned long)(len - 16));
    }
    rc = alloc_pixels(ds, count, err);
    for (i = 0; !rc && i < count; i++) {
        img_image img, conv, fitted;
        memset(&conv, 0, sizeof conv);
        memset(&fitted, 0, sizeof fitted);
        img.width = (int)cols;
        img.height = (int)rows;
        img.channels = 1;
        img.depth = 8;
        img.data = bytes + 16 + i * rows * cols;
        rc = to_channels(&img, ds->channels, &conv, err);
        if (!rc) rc = fit(&conv, ds->size, &fitted, err);
        if (!rc) store(ds, (size_t)ds->n++, &fitted);
        img_free(&conv);
        img_free(&fitted);
    }
    free(bytes);
    return rc;
}

static int load_synth(const char *spec, gan_dataset *ds, g99_error *err)
{
    const char *p = spec + 6;
    char *end;
    unsigned long n = strtoul(p, &end, 10), seed = 1;
    size_t i;
    int rc;
    if (end == p || (*end && *end != ':'))
        return g99_fail(err, G99_EINVAL, "%s: want synth:N or synth:N:SEED", spec);
    if (*end == ':') {
        p = end + 1;
        seed = strtoul(p, &end, 10);
        if (end == p || *end) return g99_fail(err, G99_EINVAL, "%s: want synth:N or synth:N:SEED", spec);
    }
    if (n < 1 || n > 10000000) return g99_fail(err, G99_EINVAL, "%s: N must be 1..10000000", spec);
    rc = alloc_pixels(ds, n, err);
    for (i = 0; !rc && i < n; i++) {
        gan_face f;
        img_image conv;
        memset(&conv, 0, sizeof conv);
        rc = gan_synthface_render(seed, i, ds->size, &f, err);
        if (!rc) rc = to_channels(&f.rgb, ds->channels, &conv, err);
        if (!rc) store(ds, (size_t)ds->n++, &conv);
        img_free(&conv);
        gan_face_free(&f);
    }
    return rc;
}

int gan_dataset_load(const char *spec, const gan_dataset_opts *o, gan_dataset *ds, g99_error *err)
{
    int rc;
    memset(ds, 0, sizeof *ds);
    if (!spec || !o || o->size < 1 || o->size > 4096 || o->channels < 1 || o->channels > 4)
        return g99_fail(err, G99_EINVAL, "dataset: bad arguments");
    ds->size = o->size;
    ds->channels = o->channels;
    if (strncmp(spec, "synth:", 6) == 0) rc = load_synth(spec, ds, err);
    else if (g99_is_dir(spec)) rc = load_folder(spec, o, ds, err);
    else rc = load_idx(spec, ds, err);
    if (rc) gan_dataset_free(ds);
    return rc;
}

void gan_dataset_free(gan_dataset *ds)
{
    free(ds->pixels);
    memset(ds, 0, sizeof *ds);
}

void gan_dataset_epoch_order(const gan_dataset *ds, uint64_t seed, uint64_t epoch, uint32_t *idx)
{
    nn_rng r;
    uint32_t i;
    for (i = 0; i < (uint32_t)ds->n; i++) idx[i] = i;
    nn_rng_init(&r, seed, NN_STREAM_DATA);
    nn_rng_seek(&r, epoch << 32);
    nn_rng_shuffle(&r, idx, (size_t)ds->n);
}

void gan_dataset_batch(const gan_dataset *ds, const uint32_t *idx, int count, float *out)
{
    size_t per = (size_t)ds->channels * ds->size * ds->size, i;
    int k;
    for (k = 0; k < count; k++) {
        const uint8_t *src = ds->pixels + (size_t)idx[k] * per;
        /* v / 127.5 - 1 as torchvision's ToTensor then Normalize(0.5, 0.5):
         * (v / 255 - 0.5) / 0.5 */
        for (i = 0; i < per; i++) out[(size_t)k * per + i] = ((float)src[i] / 255.0f - 0.5f) / 0.5f;
    }
}
