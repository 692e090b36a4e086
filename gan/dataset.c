/* gan: training data in memory (gan/gan.h, SECTION dataset): the options,
 * the image sources, the epoch order and the batches. Pairs and class maps
 * have their own files (gan/dataset_pairs.c, dataset_labels.c); preparing
 * one image is gan/dataset_prep.c.
 *
 *   a folder    every file under it (base/platform.c: recursive, sorted by
 *               path); PNG, JPEG and PPM/PGM recognized by their content
 *               (img_load). Each image becomes 8-bit (16-bit: the high byte),
 *               grey (img_grey) or RGB (grey repeated, alpha dropped), is
 *               resized to cover the load size (area averaging when
 *               shrinking, bilinear when enlarging; torchvision's Resize)
 *               and centre-cropped (CenterCrop; the extra pixel of an odd
 *               margin goes right/bottom). A file that does not decode is
 *               skipped, counted and reported through the warning callback;
 *               no usable image at all is an error.
 *   an IDX file MNIST / Fashion-MNIST images (magic 0x00000803: unsigned
 *               bytes, 3 dims, big-endian sizes), raw or gzip-compressed
 *               (image/'s inflate), resized as above when the model is not
 *               28x28.
 *   synth:N[:S] N synthetic faces of seed S (default 1), gan/synthfaces.c,
 *               drawn at the longer side of the load size; synth-toon:N[:S]
 *               the same faces as cartoons.
 *
 * Order: epoch e visits a Fisher-Yates permutation drawn from
 * nn_rng(seed, NN_STREAM_DATA) seeked to e * 2^32, so the order of any epoch
 * is a pure function of (seed, e) and a resumed run needs no more state.
 *
 * Batches: pix2pix's augmentation (resize to the load size, a random crop,
 * a random flip, the same for both sides of a pair) with offsets drawn as
 * integers, so the bytes are the same on every platform. */
#include "dataset_internal.h"

#include <stdio.h>
#include <stdlib.h>

#define MAX_IDX_BYTES ((size_t)1 << 31)
#define MAX_SIDE 4096

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
    rc = gan_ds_alloc(ds, n, err);
    for (i = 0; !rc && i < n; i++) {
        img_image img;
        g99_error e;
        int r;
        memset(&img, 0, sizeof img);
        g99_error_clear(&e);
        rc = gan_ds_poll(o, err);
        if (rc) break;
        r = img_load(paths[i], NULL, &img, &e);
        if (!r) r = gan_ds_add_image(ds, o, &img, &e);
        if (r == G99_ENOMEM) rc = g99_fail(err, G99_ENOMEM, "%s: out of memory", paths[i]);
        else if (r) {
            ds->skipped++;
            gan_ds_warn(o, "skipped: %s%s", e.msg, "");
        }
        img_free(&img);
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

static int load_idx(const char *path, const gan_dataset_opts *o, gan_dataset *ds, g99_error *err)
{
    uint8_t *raw = NULL, *bytes = NULL;
    size_t len = 0, n_raw = 0, need, i;
    uint32_t count, rows, cols;
    int rc, nw, nh;
    FILE *probe = g99_fopen(path, "rb");
    /* a name that is nothing is the user's mistake, not a failing disk */
    if (!probe)
        return g99_fail(err, G99_EINVAL, "%s: no such file or folder (the data is a folder, an IDX file or synth:N)",
                        path);
    fclose(probe);
    rc = g99_read_file(path, MAX_IDX_BYTES, &raw, &n_raw, err);
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
    gan_ds_cover((int)cols, (int)rows, ds->load_width, ds->load_height, &nw, &nh);
    if (ds->kind == GAN_DATA_IMAGES && nw >= (int)cols && nh >= (int)rows) {
        /* Kept as they are (one grey plane of the source size each) and
         * resized as batches are made: 60,000 28x28 images are 47 MB, at
         * 64x64 in colour 737 MB and seconds of resizing. */
        rc = gan_ds_poll(o, err);
        if (!rc) rc = img_linear_plan_init(&ds->plan, (int)cols, (int)rows, nw, nh, err);
        if (rc) {
            free(bytes);
            return rc;
        }
        memmove(bytes, bytes + 16, need);
        ds->pixels = (uint8_t *)realloc(bytes, need ? need : 1);
        if (!ds->pixels) ds->pixels = bytes;   /* a smaller block refused: keep the larger one */
        ds->n = (int)count;
        ds->src_width = (int)cols;
        ds->src_height = (int)rows;
        ds->crop_x = (nw - ds->load_width) / 2;
        ds->crop_y = (nh - ds->load_height) / 2;
        return 0;
    }
    rc = gan_ds_alloc(ds, count, err);
    for (i = 0; !rc && i < count; i++) {
        img_image img;
        img.width = (int)cols;
        img.height = (int)rows;
        img.channels = 1;
        img.depth = 8;
        img.data = bytes + 16 + i * rows * cols;
        rc = gan_ds_poll(o, err);
        if (!rc) rc = gan_ds_add_image(ds, o, &img, err);
    }
    free(bytes);
    return rc;
}

static int load_synth(const char *spec, const gan_dataset_opts *o, gan_dataset *ds, g99_error *err)
{
    unsigned long n, seed;
    size_t i;
    int style, side = ds->load_width > ds->load_height ? ds->load_width : ds->load_height;
    int rc = gan_ds_parse_synth(spec, &n, &seed, &style, err);
    if (!rc) rc = gan_ds_alloc(ds, n, err);
    for (i = 0; !rc && i < n; i++) {
        gan_face f;
        memset(&f, 0, sizeof f);
        rc = gan_ds_poll(o, err);
        if (!rc) rc = gan_synthface_render_style(seed, i, side, style, &f, err);
        if (!rc) rc = gan_ds_add_image(ds, o, &f.rgb, err);
        gan_face_free(&f);
    }
    return rc;
}

static int known_filter(const char *name)
{
    static const char *const names[] = { "gray", "grey", "binary", "contours", "canny", "blur" };
    size_t i;
    for (i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(name, names[i]) == 0) return 1;
    return 0;
}

/* The options made into ds's fields, or G99_EINVAL naming the bad one. */
static int take_opts(const gan_dataset_opts *o, gan_dataset *ds, g99_error *err)
{
    int w = o->width, h = o->height;
    if (o->channels < 1 || o->channels > 4)
        return g99_fail(err, G99_EINVAL, "dataset: %d channels (1..4)", o->channels);
    if (o->kind < GAN_DATA_IMAGES || o->kind > GAN_DATA_LABELS)
        return g99_fail(err, G99_EINVAL, "dataset: unknown kind %d", o->kind);
    if (w == 0 && h == 0) w = h = o->size;
    if (w < 1 || h < 1 || w > MAX_SIDE || h > MAX_SIDE)
        return g99_fail(err, G99_EINVAL, "dataset: size %dx%d (1..%d each)", w, h, MAX_SIDE);
    ds->width = w;
    ds->height = h;
    ds->size = w == h ? w : 0;
    ds->channels = o->channels;
    ds->kind = o->kind;
    ds->flip = o->flip != 0;
    ds->load_width = o->load_width ? o->load_width : w;
    ds->load_height = o->load_height ? o->load_height : h;
    if ((o->load_width == 0) != (o->load_height == 0) || ds->load_width < w || ds->load_height < h ||
        ds->load_width > MAX_SIDE || ds->load_height > MAX_SIDE)
        return g99_fail(err, G99_EINVAL, "dataset: load size %dx%d for crops of %dx%d (both 0, or %dx%d..%dx%d)",
                        o->load_width, o->load_height, w, h, w, h, MAX_SIDE, MAX_SIDE);
    if (o->kind == GAN_DATA_PAIRS) {
        ds->cond_channels = o->cond_channels ? o->cond_channels : o->channels;
        if (ds->cond_channels < 1 || ds->cond_channels > 4)
            return g99_fail(err, G99_EINVAL, "dataset: %d channels for A (1..4)", ds->cond_channels);
    }
    if (o->pair_filter && (o->kind != GAN_DATA_PAIRS || !known_filter(o->pair_filter)))
        return g99_fail(err, G99_EINVAL, "dataset: pair filter '%s' (gray, binary, contours, canny, blur; pairs only)",
                        o->pair_filter);
    if (o->palette && o->kind != GAN_DATA_LABELS)
        return g99_fail(err, G99_EINVAL, "dataset: a palette file is for class maps only");
    if (o->kind == GAN_DATA_LABELS && (o->n_classes < 0 || o->n_classes > 255))
        return g99_fail(err, G99_EINVAL, "dataset: %d classes (1..255)", o->n_classes);
    ds->n_classes = o->kind == GAN_DATA_LABELS ? (o->n_classes ? o->n_classes : GAN_PART_COUNT) : 0;
    return 0;
}

int gan_dataset_load(const char *spec, const gan_dataset_opts *o, gan_dataset *ds, g99_error *err)
{
    int rc;
    memset(ds, 0, sizeof *ds);
    if (!spec || !o) return g99_fail(err, G99_EINVAL, "dataset: bad arguments");
    rc = take_opts(o, ds, err);
    if (rc) return rc;
    if (o->kind == GAN_DATA_LABELS) rc = gan_ds_load_labels(spec, o, ds, err);
    else if (o->kind == GAN_DATA_PAIRS && !o->pair_filter) rc = gan_ds_load_pairs(spec, o, ds, err);
    else if (gan_ds_is_synth(spec)) rc = load_synth(spec, o, ds, err);
    else if (g99_is_dir(spec)) rc = load_folder(spec, o, ds, err);
    else rc = load_idx(spec, o, ds, err);
    if (rc) gan_dataset_free(ds);
    return rc;
}

void gan_dataset_free(gan_dataset *ds)
{
    free(ds->pixels);
    free(ds->cond);
    img_linear_plan_free(&ds->plan);
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

/* A window of the stored planes: planes x height x width from (ox, oy),
 * mirrored left-right when flip, scaled to [-1, 1] as torchvision's ToTensor
 * then Normalize(0.5, 0.5): (v / 255 - 0.5) / 0.5. */
static void window(const gan_dataset *ds, const uint8_t *src, int planes, int ox, int oy, int flip, float *dst)
{
    size_t plane = (size_t)ds->load_width * ds->load_height;
    int p, x, y, w = ds->width, h = ds->height;
    for (p = 0; p < planes; p++)
        for (y = 0; y < h; y++) {
            const uint8_t *row = src + p * plane + (size_t)(oy + y) * ds->load_width + ox;
            for (x = 0; x < w; x++) *dst++ = ((float)row[flip ? w - 1 - x : x] / 255.0f - 0.5f) / 0.5f;
        }
}

/* The same window of an item kept at its source size (one grey plane):
 * each row resized as the load would have, then repeated into the planes. */
static void window_resized(const gan_dataset *ds, const uint8_t *src, int planes, int ox, int oy, int flip,
                           float *dst)
{
    uint8_t row[4096];   /* MAX_SIDE */
    size_t out_plane = (size_t)ds->width * ds->height;
    int p, x, y, w = ds->width, h = ds->height;
    for (y = 0; y < h; y++) {
        float *d = dst + (size_t)y * w;
        img_linear_plan_row(&ds->plan, src, ds->crop_y + oy + y, ds->crop_x + ox, w, row);
        for (x = 0; x < w; x++) d[x] = ((float)row[flip ? w - 1 - x : x] / 255.0f - 0.5f) / 0.5f;
        for (p = 1; p < planes; p++) memcpy(d + p * out_plane, d, sizeof(float) * (size_t)w);
    }
}

/* SPADE's one-hot maps: plane c is 1 where the class is c, else 0. */
static void one_hot(const gan_dataset *ds, const uint8_t *src, int ox, int oy, int flip, float *dst)
{
    int c, x, y, w = ds->width, h = ds->height;
    for (c = 0; c < ds->n_classes; c++)
        for (y = 0; y < h; y++) {
            const uint8_t *row = src + (size_t)(oy + y) * ds->load_width + ox;
            for (x = 0; x < w; x++) *dst++ = row[flip ? w - 1 - x : x] == c ? 1.0f : 0.0f;
        }
}

void gan_dataset_batch(const gan_dataset *ds, const uint32_t *idx, int count, float *out)
{
    gan_dataset_batch_cond(ds, idx, count, NULL, out, NULL);
}

void gan_dataset_batch_cond(const gan_dataset *ds, const uint32_t *idx, int count, nn_rng *augment, float *x,
                            float *cond)
{
    size_t plane = (size_t)ds->load_width * ds->load_height, out_plane = (size_t)ds->width * ds->height;
    int k;
    for (k = 0; k < count; k++) {
        int ox = (ds->load_width - ds->width) / 2, oy = (ds->load_height - ds->height) / 2, flip = 0;
        size_t i = idx[k];
        if (augment) {
            /* pix2pix's get_params order: x, then y, then the flip. */
            if (ds->load_width > ds->width) ox = (int)nn_rng_below(augment, (uint32_t)(ds->load_width - ds->width + 1));
            if (ds->load_height > ds->height)
                oy = (int)nn_rng_below(augment, (uint32_t)(ds->load_height - ds->height + 1));
            if (ds->flip) flip = nn_rng_below(augment, 2) == 1;
        }
        if (x && ds->src_width)
            window_resized(ds, ds->pixels + i * (size_t)ds->src_width * ds->src_height, ds->channels, ox, oy, flip,
                           x + (size_t)k * out_plane * ds->channels);
        else if (x)
            window(ds, ds->pixels + i * plane * ds->channels, ds->channels, ox, oy, flip,
                   x + (size_t)k * out_plane * ds->channels);
        if (!cond) continue;
        if (ds->kind == GAN_DATA_PAIRS)
            window(ds, ds->cond + i * plane * ds->cond_channels, ds->cond_channels, ox, oy, flip,
                   cond + (size_t)k * out_plane * ds->cond_channels);
        else if (ds->kind == GAN_DATA_LABELS)
            one_hot(ds, ds->cond + i * plane, ox, oy, flip, cond + (size_t)k * out_plane * ds->n_classes);
    }
}
