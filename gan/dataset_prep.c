/* gan: preparing one dataset item (gan/dataset_internal.h): channels,
 * the covering resize and centre crop (torchvision's Resize(int) then
 * CenterCrop, generalised to width x height), nearest-neighbour maps,
 * filter-made pairs, the store into planes, and the spec helpers the
 * sources share. */
#include "dataset_internal.h"

#include <stdio.h>
#include <stdlib.h>

void gan_ds_warn(const gan_dataset_opts *o, const char *fmt, const char *a, const char *b)
{
    char msg[G99_ERROR_MSG_MAX + 1024];
    if (!o->warn) return;
    snprintf(msg, sizeof msg, fmt, a, b);
    o->warn(o->user, msg);
}

int gan_ds_poll(const gan_dataset_opts *o, g99_error *err)
{
    if (o->cancel && o->cancel(o->user)) return g99_fail(err, G99_ESTOPPED, "dataset: stopped");
    return 0;
}

int gan_ds_to_channels(const img_image *src, int channels, img_image *out, g99_error *err)
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

void gan_ds_cover(int src_w, int src_h, int w, int h, int *nw, int *nh)
{
    /* The side that needs the larger scale sets it; integer arithmetic so
     * every platform picks the same size. */
    if ((long long)w * src_h >= (long long)h * src_w) {
        *nw = w;
        *nh = (int)(((long long)src_h * w + src_w / 2) / src_w);
    } else {
        *nh = h;
        *nw = (int)(((long long)src_w * h + src_h / 2) / src_h);
    }
    if (*nw < w) *nw = w;
    if (*nh < h) *nh = h;
}

int gan_ds_fit(const img_image *src, int w, int h, img_image *out, g99_error *err)
{
    img_image r;
    int nw, nh, rc;
    gan_ds_cover(src->width, src->height, w, h, &nw, &nh);
    rc = img_resize(src, nw, nh, nw < src->width ? IMG_INTER_AREA : IMG_INTER_LINEAR, &r, err);
    if (rc) return rc;
    rc = img_crop(&r, (nw - w) / 2, (nh - h) / 2, w, h, out, err);
    img_free(&r);
    return rc;
}

/* Source indices of out[0..n) for a nearest-neighbour resize from src to
 * dst samples, as PIL's NEAREST computes them: the position starts at half a
 * step and adds the step (src / dst, a double) once per output pixel, then
 * truncates; summed this way, a position that is exactly an integer can land
 * a hair below it (4 -> 10, output 7: 3 exactly, 2.999... summed, so 2). Only
 * IEEE double additions, the same on every platform gan99 builds for. */
static void nearest_table(int src, int dst, int first, int n, int *out)
{
    double step = (double)src / dst, pos = step * 0.5;
    int i, j = 0;
    for (i = 0; i < first + n; i++) {
        int k = (int)pos;
        if (i >= first) out[j++] = k < src ? k : src - 1;
        pos += step;
    }
}

int gan_ds_fit_map(const img_image *map, int w, int h, img_image *out, g99_error *err)
{
    int nw, nh, x, y, rc, *cols = (int *)malloc(sizeof(int) * ((size_t)w + h));
    if (!cols) return g99_fail(err, G99_ENOMEM, "out of memory");
    gan_ds_cover(map->width, map->height, w, h, &nw, &nh);
    nearest_table(map->width, nw, (nw - w) / 2, w, cols);
    nearest_table(map->height, nh, (nh - h) / 2, h, cols + w);
    rc = img_new(out, w, h, 1, 8, err);
    for (y = 0; !rc && y < h; y++) {
        const uint8_t *row = map->data + (size_t)cols[w + y] * map->width * map->channels;
        for (x = 0; x < w; x++) out->data[(size_t)y * w + x] = row[(size_t)cols[x] * map->channels];
    }
    free(cols);
    return rc;
}

int gan_ds_alloc(gan_dataset *ds, size_t n, g99_error *err)
{
    size_t plane = (size_t)ds->load_width * ds->load_height, bytes, cond_bytes = 0;
    int cond_planes = ds->kind == GAN_DATA_PAIRS ? ds->cond_channels : ds->kind == GAN_DATA_LABELS ? 1 : 0;
    if (g99_size_mul(n, (size_t)ds->channels * plane, &bytes) ||
        g99_size_mul(n, (size_t)cond_planes * plane, &cond_bytes) || n > 0x7FFFFFFF)
        return g99_fail(err, G99_ELIMIT, "dataset: %lu images do not fit in memory", (unsigned long)n);
    ds->pixels = (uint8_t *)malloc(bytes ? bytes : 1);
    if (cond_planes) ds->cond = (uint8_t *)malloc(cond_bytes ? cond_bytes : 1);
    if (!ds->pixels || (cond_planes && !ds->cond))
        return g99_fail(err, G99_ENOMEM, "dataset: out of memory for %lu images", (unsigned long)n);
    return 0;
}

/* Interleaved samples -> planes of item k. */
static void store_planes(uint8_t *base, int channels, size_t plane, size_t k, const img_image *img)
{
    uint8_t *dst = base + k * plane * channels;
    size_t i;
    int c;
    for (c = 0; c < channels; c++)
        for (i = 0; i < plane; i++) dst[c * plane + i] = img->data[i * channels + c];
}

void gan_ds_store(gan_dataset *ds, const img_image *target, const img_image *cond)
{
    size_t plane = (size_t)ds->load_width * ds->load_height, k = (size_t)ds->n++;
    store_planes(ds->pixels, ds->channels, plane, k, target);
    if (cond) store_planes(ds->cond, ds->kind == GAN_DATA_PAIRS ? ds->cond_channels : 1, plane, k, cond);
}

int gan_ds_add_image(gan_dataset *ds, const gan_dataset_opts *o, const img_image *src, g99_error *err)
{
    img_image conv, fitted, filtered, a;
    int rc;
    memset(&conv, 0, sizeof conv);
    memset(&fitted, 0, sizeof fitted);
    memset(&filtered, 0, sizeof filtered);
    memset(&a, 0, sizeof a);
    if (ds->kind == GAN_DATA_IMAGES) {
        rc = gan_ds_to_channels(src, ds->channels, &conv, err);
        if (!rc) rc = gan_ds_fit(&conv, ds->load_width, ds->load_height, &fitted, err);
        if (!rc) gan_ds_store(ds, &fitted, NULL);
    } else {
        /* The filters see the colour image at load size; each side then
         * takes its own channel count. */
        rc = gan_ds_to_channels(src, 3, &conv, err);
        if (!rc) rc = gan_ds_fit(&conv, ds->load_width, ds->load_height, &fitted, err);
        if (!rc) rc = img_filter(o->pair_filter, &fitted, NULL, &filtered, err);
        if (!rc) rc = gan_ds_to_channels(&filtered, ds->cond_channels, &a, err);
        img_free(&conv);
        if (!rc) rc = gan_ds_to_channels(&fitted, ds->channels, &conv, err);
        if (!rc) gan_ds_store(ds, &conv, &a);
    }
    img_free(&conv);
    img_free(&fitted);
    img_free(&filtered);
    img_free(&a);
    return rc;
}

int gan_ds_is_synth(const char *spec)
{
    return strncmp(spec, "synth:", 6) == 0 || strncmp(spec, "synth-toon:", 11) == 0;
}

int gan_ds_parse_synth(const char *spec, unsigned long *n, unsigned long *seed, int *style, g99_error *err)
{
    int toon = strncmp(spec, "synth-toon:", 11) == 0;
    const char *p = spec + (toon ? 11 : 6), *name = toon ? "synth-toon" : "synth";
    char *end;
    *seed = 1;
    *style = toon ? GAN_FACE_TOON : GAN_FACE_PHOTO;
    *n = strtoul(p, &end, 10);
    if (end == p || (*end && *end != ':'))
        return g99_fail(err, G99_EINVAL, "%s: want %s:N or %s:N:SEED", spec, name, name);
    if (*end == ':') {
        p = end + 1;
        *seed = strtoul(p, &end, 10);
        if (end == p || *end) return g99_fail(err, G99_EINVAL, "%s: want %s:N or %s:N:SEED", spec, name, name);
    }
    if (*n < 1 || *n > 10000000) return g99_fail(err, G99_EINVAL, "%s: N must be 1..10000000", spec);
    return 0;
}

static char *copy_span(const char *s, size_t n)
{
    char *c = (char *)malloc(n + 1);
    if (c) {
        memcpy(c, s, n);
        c[n] = 0;
    }
    return c;
}

int gan_ds_split_dirs(const char *spec, char **a, char **b)
{
    const char *comma;
    *a = *b = NULL;
    for (comma = strchr(spec, ','); comma; comma = strchr(comma + 1, ',')) {
        *a = copy_span(spec, (size_t)(comma - spec));
        *b = copy_span(comma + 1, strlen(comma + 1));
        if (*a && *b && g99_is_dir(*a) && g99_is_dir(*b)) return 1;
        free(*a);
        free(*b);
        *a = *b = NULL;
    }
    return 0;
}

/* A file's matching key: its path below the folder, without the extension. */
typedef struct keyed {
    char *path;
    char *key;
} keyed;

static int keyed_cmp(const void *x, const void *y)
{
    return strcmp(((const keyed *)x)->key, ((const keyed *)y)->key);
}

static void free_keys(keyed *k, size_t n)
{
    size_t i;
    for (i = 0; k && i < n; i++) free(k[i].key);
    free(k);
}

static int make_keys(const char *dir, char **paths, size_t n, keyed **out, g99_error *err)
{
    size_t i, skip = strlen(dir);
    keyed *k = (keyed *)calloc(n ? n : 1, sizeof *k);
    *out = NULL;
    if (!k) return g99_fail(err, G99_ENOMEM, "out of memory");
    for (i = 0; i < n; i++) {
        const char *rel = paths[i] + skip, *slash = strrchr(paths[i], '/'), *dot = strrchr(paths[i], '.');
        while (*rel == '/') rel++;
        if (!dot || (slash && dot < slash)) dot = paths[i] + strlen(paths[i]);
        k[i].path = paths[i];
        k[i].key = copy_span(rel, (size_t)(dot - rel));
        if (!k[i].key) {
            free_keys(k, n);
            return g99_fail(err, G99_ENOMEM, "out of memory");
        }
    }
    qsort(k, n, sizeof *k, keyed_cmp);
    for (i = 1; i < n; i++)
        if (strcmp(k[i - 1].key, k[i].key) == 0) {
            int rc = g99_fail(err, G99_EFORMAT, "%s and %s: two files of one name (without extension) in a folder",
                              k[i - 1].path, k[i].path);
            free_keys(k, n);
            return rc;
        }
    *out = k;
    return 0;
}

int gan_ds_match_dirs(const char *a, const char *b, char ***pa, char ***pb, size_t *n, g99_error *err)
{
    char **la = NULL, **lb = NULL;
    size_t na = 0, nb = 0, i;
    keyed *ka = NULL, *kb = NULL;
    int rc;
    *pa = *pb = NULL;
    *n = 0;
    rc = g99_list_files(a, &la, &na, err);
    if (!rc) rc = g99_list_files(b, &lb, &nb, err);
    if (!rc && na == 0) rc = g99_fail(err, G99_EFORMAT, "%s: no files in the folder", a);
    if (!rc && nb == 0) rc = g99_fail(err, G99_EFORMAT, "%s: no files in the folder", b);
    if (!rc) rc = make_keys(a, la, na, &ka, err);
    if (!rc) rc = make_keys(b, lb, nb, &kb, err);
    /* Both sorted by key: the first difference is a file without its match. */
    for (i = 0; !rc && i < na && i < nb; i++) {
        int c = strcmp(ka[i].key, kb[i].key);
        if (c < 0) rc = g99_fail(err, G99_EFORMAT, "%s: no file of that name in %s", ka[i].path, b);
        else if (c > 0) rc = g99_fail(err, G99_EFORMAT, "%s: no file of that name in %s", kb[i].path, a);
    }
    if (!rc && na > nb) rc = g99_fail(err, G99_EFORMAT, "%s: no file of that name in %s", ka[nb].path, b);
    if (!rc && nb > na) rc = g99_fail(err, G99_EFORMAT, "%s: no file of that name in %s", kb[na].path, a);
    if (!rc) {
        *pa = (char **)calloc(na, sizeof **pa);
        *pb = (char **)calloc(na, sizeof **pb);
        if (!*pa || !*pb) rc = g99_fail(err, G99_ENOMEM, "out of memory");
    }
    if (!rc) {
        /* The lists take over the path strings in key order. */
        for (i = 0; i < na; i++) {
            (*pa)[i] = ka[i].path;
            (*pb)[i] = kb[i].path;
        }
        *n = na;
        free(la);
        free(lb);
    } else {
        free(*pa);
        free(*pb);
        *pa = *pb = NULL;
        g99_free_list(la, na);
        g99_free_list(lb, nb);
    }
    free_keys(ka, na);
    free_keys(kb, nb);
    return rc;
}

int gan_image_fit(const img_image *src, int channels, int w, int h, img_image *out, g99_error *err)
{
    img_image conv;
    int rc;
    memset(&conv, 0, sizeof conv);
    if (channels < 1 || channels > 4 || w < 1 || h < 1)
        return g99_fail(err, G99_EINVAL, "gan_image_fit: %d channels at %dx%d", channels, w, h);
    rc = gan_ds_to_channels(src, channels, &conv, err);
    if (!rc) rc = gan_ds_fit(&conv, w, h, out, err);
    img_free(&conv);
    return rc;
}
