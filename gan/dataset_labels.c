/* gan: images with per-pixel class maps for semantic image synthesis
 * (SPADE; gan/gan.h, SECTION dataset).
 *
 *   synth:N[:S]        the synthetic faces and their part labels
 *                      (synth-toon:N[:S] the cartoon ones).
 *   DIR_MAPS,DIR_IMGS  maps and images matched by name without extension
 *                      (as SPADE's custom dataset pairs label and image
 *                      files). A map is read by its kind:
 *                        palette PNG   class = the palette index (what PIL
 *                                      gives for mode "P"): the PLTE entries
 *                                      are rewritten to (i, i, i) before
 *                                      image/'s decoder expands them, so the
 *                                      decoder's checks all still apply;
 *                        grey, 8-bit   class = the value (mode "L");
 *                        colour        class = the line of opts.palette that
 *                                      lists the colour (alpha ignored).
 *
 * Maps are resized with nearest neighbour (SPADE resizes them with
 * Image.NEAREST); classes are checked on the file's own pixels so an error
 * names a pixel the user can find. */
#include "dataset_internal.h"

#include <stdio.h>
#include <stdlib.h>

#define MAX_PALETTE_BYTES ((size_t)1 << 20)
#define MAX_MAP_BYTES ((size_t)1 << 30)

typedef struct palette {
    int n;
    uint32_t rgb[255];   /* 0xRRGGBB, sorted */
    uint8_t cls[255];    /* the class of rgb[i] */
} palette;

/* Insertion sort by colour (255 entries at most), for palette_find. */
static void palette_sort(palette *p)
{
    int i, j;
    for (i = 1; i < p->n; i++) {
        uint32_t c = p->rgb[i];
        uint8_t k = p->cls[i];
        for (j = i; j > 0 && p->rgb[j - 1] > c; j--) {
            p->rgb[j] = p->rgb[j - 1];
            p->cls[j] = p->cls[j - 1];
        }
        p->rgb[j] = c;
        p->cls[j] = k;
    }
}

static int palette_parse(const char *path, const char *text, size_t len, palette *p, g99_error *err)
{
    size_t pos = 0;
    int line = 0, i;
    p->n = 0;
    while (pos < len) {
        char buf[256];
        size_t end = pos, k = 0;
        long v[3];
        char *s, *e;
        line++;
        while (end < len && text[end] != '\n') end++;
        for (; pos < end && k + 1 < sizeof buf; pos++)
            if (text[pos] != '\r') buf[k++] = text[pos];
        buf[k] = 0;
        pos = end + 1;
        if ((s = strchr(buf, '#')) != NULL) *s = 0;
        for (s = buf; *s == ' ' || *s == '\t'; s++) {}
        if (!*s) continue;
        for (i = 0; i < 3; i++) {
            v[i] = strtol(s, &e, 10);
            if (e == s || v[i] < 0 || v[i] > 255 || (*e && *e != ' ' && *e != '\t'))
                return g99_fail(err, G99_EFORMAT, "%s:%d: want \"R G B [name]\", each 0..255", path, line);
            s = e;
        }
        if (p->n == 255) return g99_fail(err, G99_EFORMAT, "%s:%d: more than 255 classes", path, line);
        p->rgb[p->n] = (uint32_t)(v[0] << 16 | v[1] << 8 | v[2]);
        p->cls[p->n] = (uint8_t)p->n;
        p->n++;
    }
    if (p->n == 0) return g99_fail(err, G99_EFORMAT, "%s: no colours in the palette", path);
    palette_sort(p);
    for (i = 1; i < p->n; i++)
        if (p->rgb[i] == p->rgb[i - 1])
            return g99_fail(err, G99_EFORMAT, "%s: classes %d and %d have one colour (%lu, %lu, %lu)", path,
                            p->cls[i - 1] < p->cls[i] ? p->cls[i - 1] : p->cls[i],
                            p->cls[i - 1] < p->cls[i] ? p->cls[i] : p->cls[i - 1], (unsigned long)(p->rgb[i] >> 16),
                            (unsigned long)(p->rgb[i] >> 8 & 255), (unsigned long)(p->rgb[i] & 255));
    return 0;
}

static int palette_load(const char *path, palette *p, g99_error *err)
{
    uint8_t *data = NULL;
    size_t len = 0;
    int rc = g99_read_file(path, MAX_PALETTE_BYTES, &data, &len, err);
    if (!rc) rc = palette_parse(path, (const char *)data, len, p, err);
    free(data);
    return rc;
}

int gan_palette_classes(const char *path, int *n, g99_error *err)
{
    palette p;
    int rc = palette_load(path, &p, err);
    *n = rc ? 0 : p.n;
    return rc;
}

static int palette_find(const palette *p, uint32_t rgb)
{
    int lo = 0, hi = p->n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (p->rgb[mid] < rgb) lo = mid + 1;
        else hi = mid;
    }
    return lo < p->n && p->rgb[lo] == rgb ? p->cls[lo] : -1;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A palette PNG (colour type 3) gets PLTE entry i = (i, i, i) and its CRC
 * made again; 0 when the bytes are not such a PNG (left unchanged). */
static int png_palette_to_index(uint8_t *png, size_t len)
{
    static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n' };
    size_t pos = 8;
    if (len < 33 || memcmp(png, sig, 8) != 0 || memcmp(png + 12, "IHDR", 4) != 0 || png[25] != 3) return 0;
    while (pos + 12 <= len) {
        uint32_t n = be32(png + pos);
        uint32_t crc, i;
        if (n > len - pos - 12) return 0;
        if (memcmp(png + pos + 4, "PLTE", 4) == 0) {
            for (i = 0; i < n; i++) png[pos + 8 + i] = (uint8_t)(i / 3);
            crc = g99_crc32(0, png + pos + 4, (size_t)n + 4);
            png[pos + 8 + n] = (uint8_t)(crc >> 24);
            png[pos + 9 + n] = (uint8_t)(crc >> 16);
            png[pos + 10 + n] = (uint8_t)(crc >> 8);
            png[pos + 11 + n] = (uint8_t)crc;
            return 1;
        }
        pos += (size_t)n + 12;
    }
    return 0;
}

/* The error of pixel `first`, whose colour is in no class of pal: a photo
 * when many pixels are (a label map has a handful of colours; a photo or a
 * JPEG of a map has its colours everywhere between them), else that pixel. */
static int colour_miss(const char *path, const img_image *img, const palette *pal, size_t first, g99_error *err)
{
    size_t px = (size_t)img->width * img->height, i, miss = 0;
    const uint8_t *s = img->data + first * img->channels;
    for (i = first; i < px; i++) {
        const uint8_t *t = img->data + i * img->channels;
        miss += palette_find(pal, (uint32_t)t[0] << 16 | (uint32_t)t[1] << 8 | t[2]) < 0;
    }
    if (miss * 20 > px && miss >= 16)
        return g99_fail(err, G99_EFORMAT, "%s: a photo, not a label map? %lu of its %lu pixels (%.0f%%) have colours "
                        "of no class, the first (%lu, %lu) (%d, %d, %d); a map has one palette colour per class",
                        path, (unsigned long)miss, (unsigned long)px, 100.0 * (double)miss / (double)px,
                        (unsigned long)(first % img->width), (unsigned long)(first / img->width), s[0], s[1], s[2]);
    return g99_fail(err, G99_EFORMAT, "%s: pixel (%lu, %lu) has colour (%d, %d, %d), not in the palette", path,
                    (unsigned long)(first % img->width), (unsigned long)(first / img->width), s[0], s[1], s[2]);
}

/* A file's class map, 1 channel. *undecodable: the file is no image (the
 * caller skips it); every other failure is an error. */
static int map_load(const char *path, const palette *pal, img_image *map, int *undecodable, g99_error *err)
{
    uint8_t *data = NULL;
    size_t len = 0, i, px;
    img_image img;
    int rc, indexed, c;
    g99_error e;
    memset(&img, 0, sizeof img);
    g99_error_clear(&e);
    *undecodable = 0;
    rc = g99_read_file(path, MAX_MAP_BYTES, &data, &len, err);
    if (rc) {
        *undecodable = rc != G99_ENOMEM;
        return rc;
    }
    indexed = png_palette_to_index(data, len);
    rc = img_decode(data, len, NULL, &img, &e);
    free(data);
    if (rc == G99_ENOMEM) return g99_fail(err, rc, "%s: out of memory", path);
    if (rc) {
        *undecodable = 1;
        return g99_fail(err, rc, "%s: %s", path, e.msg);
    }
    px = (size_t)img.width * img.height;
    if (img.depth != 8) rc = g99_fail(err, G99_EUNSUPPORTED, "%s: a 16-bit class map (classes are 8-bit)", path);
    else if (!indexed && img.channels >= 3 && !pal)
        rc = g99_fail(err, G99_EFORMAT,
                      "%s: a colour class map needs a palette file (or save maps as palette or grey PNGs)", path);
    if (!rc) rc = img_new(map, img.width, img.height, 1, 8, err);
    for (i = 0; !rc && i < px; i++) {
        const uint8_t *s = img.data + i * img.channels;
        if (indexed || img.channels < 3) {
            map->data[i] = s[0];
            continue;
        }
        c = palette_find(pal, (uint32_t)s[0] << 16 | (uint32_t)s[1] << 8 | s[2]);
        if (c < 0) rc = colour_miss(path, &img, pal, i, err);
        else map->data[i] = (uint8_t)c;
    }
    img_free(&img);
    if (rc) img_free(map);
    return rc;
}

/* Every class below n, or an error naming `what` and the first pixel
 * beyond; when many are, the map is more likely a grey photo. */
static int classes_below(const img_image *map, int n, const char *what, g99_error *err)
{
    size_t i, px = (size_t)map->width * map->height, first = px, beyond = 0;
    for (i = 0; i < px; i++)
        if (map->data[i] >= n) {
            if (first == px) first = i;
            beyond++;
        }
    if (!beyond) return 0;
    if (beyond * 20 > px && beyond >= 16)
        return g99_fail(err, G99_EFORMAT, "%s: pixel (%lu, %lu) is class %d, beyond the %d classes (0..%d), as are %lu "
                        "of its %lu pixels: a grey photo rather than a label map?", what,
                        (unsigned long)(first % map->width), (unsigned long)(first / map->width), map->data[first], n,
                        n - 1, (unsigned long)beyond, (unsigned long)px);
    return g99_fail(err, G99_EFORMAT, "%s: pixel (%lu, %lu) is class %d, beyond the %d classes (0..%d)", what,
                    (unsigned long)(first % map->width), (unsigned long)(first / map->width), map->data[first], n,
                    n - 1);
}

/* Every class below n_classes, or an error naming `what` and the pixel. */
static int check_classes(const gan_dataset *ds, const img_image *map, const char *what, g99_error *err)
{
    return classes_below(map, ds->n_classes, what, err);
}

/* The image and its checked map at load size into item ds->n. */
static int add_item(gan_dataset *ds, const img_image *image, const img_image *map, const char *what, g99_error *err)
{
    img_image conv, fitted, fitted_map;
    int rc;
    memset(&conv, 0, sizeof conv);
    memset(&fitted, 0, sizeof fitted);
    memset(&fitted_map, 0, sizeof fitted_map);
    rc = check_classes(ds, map, what, err);
    if (!rc) rc = gan_ds_to_channels(image, ds->channels, &conv, err);
    if (!rc) rc = gan_ds_fit(&conv, ds->load_width, ds->load_height, &fitted, err);
    if (!rc) rc = gan_ds_fit_map(map, ds->load_width, ds->load_height, &fitted_map, err);
    if (!rc) gan_ds_store(ds, &fitted, &fitted_map);
    img_free(&conv);
    img_free(&fitted);
    img_free(&fitted_map);
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
        img_image map;
        char what[64];
        memset(&f, 0, sizeof f);
        rc = gan_ds_poll(o, err);
        if (!rc) rc = gan_synthface_render_style(seed, i, side, style, &f, err);
        if (rc) break;
        map.width = map.height = side;
        map.channels = 1;
        map.depth = 8;
        map.data = f.labels;
        snprintf(what, sizeof what, "synthetic face %lu", (unsigned long)i);
        rc = add_item(ds, &f.rgb, &map, what, err);
        gan_face_free(&f);
    }
    return rc;
}

static int load_folders(const char *dir_maps, const char *dir_images, const gan_dataset_opts *o,
                        const palette *pal, gan_dataset *ds, g99_error *err)
{
    char **pm = NULL, **pi = NULL;
    size_t n = 0, i;
    int rc = gan_ds_match_dirs(dir_maps, dir_images, &pm, &pi, &n, err);
    if (!rc) rc = gan_ds_alloc(ds, n, err);
    for (i = 0; !rc && i < n; i++) {
        img_image image, map;
        g99_error e;
        int undecodable = 0;
        memset(&image, 0, sizeof image);
        memset(&map, 0, sizeof map);
        g99_error_clear(&e);
        rc = gan_ds_poll(o, err);
        if (rc) break;
        rc = img_load(pi[i], NULL, &image, &e);
        if (!rc) rc = map_load(pm[i], pal, &map, &undecodable, &e);
        else undecodable = rc != G99_ENOMEM;
        if (!rc && (image.width != map.width || image.height != map.height))
            rc = g99_fail(&e, G99_EFORMAT, "%s is %dx%d but %s is %dx%d: a map and its image must have one size", pm[i],
                          map.width, map.height, pi[i], image.width, image.height);
        if (!rc) rc = add_item(ds, &image, &map, pm[i], &e);
        if (rc && undecodable) {
            ds->skipped++;
            gan_ds_warn(o, "skipped: %s%s", e.msg, "");
            rc = 0;
        } else if (rc) {
            g99_fail(err, rc, "%s", e.msg);
        }
        img_free(&image);
        img_free(&map);
    }
    if (!rc && ds->n == 0)
        rc = g99_fail(err, G99_EFORMAT, "%s,%s: none of the %lu pairs is usable", dir_maps, dir_images,
                      (unsigned long)n);
    g99_free_list(pm, n);
    g99_free_list(pi, n);
    return rc;
}

int gan_ds_load_labels(const char *spec, const gan_dataset_opts *o, gan_dataset *ds, g99_error *err)
{
    palette pal;
    char *a = NULL, *b = NULL;
    int rc;
    if (gan_ds_is_synth(spec)) return load_synth(spec, o, ds, err);
    if (!gan_ds_split_dirs(spec, &a, &b))
        return g99_fail(err, G99_EINVAL, "%s: class maps come from DIR_MAPS,DIR_IMAGES (two folders) or synth:N", spec);
    rc = o->palette ? palette_load(o->palette, &pal, err) : 0;
    if (!rc && o->palette && o->n_classes == 0) ds->n_classes = pal.n;
    if (!rc) rc = load_folders(a, b, o, o->palette ? &pal : NULL, ds, err);
    free(a);
    free(b);
    return rc;
}

/* The documented colours of gan_label_image for classes 0..n-1. */
static int palette_default(int n, palette *p, g99_error *err)
{
    float *onehot = (float *)calloc((size_t)n * n, sizeof(float));
    img_image img;
    int k, rc;
    if (!onehot) return g99_fail(err, G99_ENOMEM, "out of memory");
    for (k = 0; k < n; k++) onehot[(size_t)k * n + k] = 1.0f;   /* an n x 1 map, pixel k of class k */
    rc = gan_label_image(onehot, n, n, 1, &img, err);
    free(onehot);
    if (rc) return rc;
    for (k = 0; k < n; k++) {
        const uint8_t *c = img.data + (size_t)k * 3;
        p->rgb[k] = (uint32_t)c[0] << 16 | (uint32_t)c[1] << 8 | c[2];
        p->cls[k] = (uint8_t)k;
    }
    p->n = n;
    img_free(&img);
    palette_sort(p);
    return 0;
}

int gan_label_map_load(const char *path, const char *palette_file, int n_classes, int width, int height,
                       img_image *out, int *resized, g99_error *err)
{
    palette pal;
    img_image map;
    int undecodable, rc;
    memset(out, 0, sizeof *out);
    if (resized) *resized = 0;
    if (n_classes < 1 || n_classes > 255 || width < 1 || height < 1 || width > 4096 || height > 4096)
        return g99_fail(err, G99_EINVAL, "label map: %d classes (1..255) at %dx%d", n_classes, width, height);
    rc = palette_file ? palette_load(palette_file, &pal, err) : palette_default(n_classes, &pal, err);
    if (!rc) rc = map_load(path, &pal, &map, &undecodable, err);
    if (rc) return rc;
    rc = classes_below(&map, n_classes, path, err);
    if (!rc && (map.width != width || map.height != height)) {
        if (resized) *resized = 1;
        rc = gan_ds_fit_map(&map, width, height, out, err);
    } else if (!rc) {
        *out = map;
        map.data = NULL;
    }
    img_free(&map);
    return rc;
}
