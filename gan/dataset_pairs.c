/* gan: image pairs for image-to-image models (gan/gan.h, SECTION dataset),
 * in the two layouts of pix2pix's datasets:
 *
 *   DIR          "aligned" images, A and B side by side in one file: A the
 *                left half [0, w/2), B the right half [w/2, w), as the
 *                reference AlignedDataset cuts them; an odd width is an error.
 *   DIR_A,DIR_B  two folders whose files pair up by name (path below the
 *                folder without extension); both must have one size.
 *
 * A file that does not decode skips its pair (counted, warned); anything
 * else wrong is an error naming the file. Pairs made by a filter from plain
 * images go through gan/dataset.c's image sources instead. */
#include "dataset_internal.h"

#include <stdlib.h>

/* One side made `channels` channels and fitted to the load size. */
static int prepare_side(const gan_dataset *ds, const img_image *src, int channels, img_image *out, g99_error *err)
{
    img_image conv;
    int rc;
    memset(&conv, 0, sizeof conv);
    rc = gan_ds_to_channels(src, channels, &conv, err);
    if (!rc) rc = gan_ds_fit(&conv, ds->load_width, ds->load_height, out, err);
    img_free(&conv);
    return rc;
}

static int add_pair(gan_dataset *ds, const gan_dataset_opts *o, const img_image *a, const img_image *b,
                    g99_error *err)
{
    img_image target, input;
    int rc;
    memset(&target, 0, sizeof target);
    memset(&input, 0, sizeof input);
    rc = prepare_side(ds, o->b_to_a ? a : b, ds->channels, &target, err);
    if (!rc) rc = prepare_side(ds, o->b_to_a ? b : a, ds->cond_channels, &input, err);
    if (!rc) gan_ds_store(ds, &target, &input);
    img_free(&target);
    img_free(&input);
    return rc;
}

/* img_load, or 1 after counting and reporting a file that does not decode. */
static int load_or_skip(const char *path, const gan_dataset_opts *o, gan_dataset *ds, img_image *img, g99_error *err)
{
    g99_error e;
    int r;
    g99_error_clear(&e);
    r = img_load(path, NULL, img, &e);
    if (r == G99_ENOMEM) return g99_fail(err, G99_ENOMEM, "%s: out of memory", path);
    if (r) {
        ds->skipped++;
        gan_ds_warn(o, "skipped: %s%s", e.msg, "");
        return 1;
    }
    return 0;
}

static int load_aligned(const char *dir, const gan_dataset_opts *o, gan_dataset *ds, g99_error *err)
{
    char **paths = NULL;
    size_t n = 0, i;
    int rc = g99_list_files(dir, &paths, &n, err);
    if (rc) return rc;
    if (n == 0) rc = g99_fail(err, G99_EFORMAT, "%s: no files in the folder", dir);
    if (!rc) rc = gan_ds_alloc(ds, n, err);
    for (i = 0; !rc && i < n; i++) {
        img_image ab, a, b;
        int half;
        memset(&ab, 0, sizeof ab);
        memset(&a, 0, sizeof a);
        memset(&b, 0, sizeof b);
        rc = gan_ds_poll(o, err);
        if (!rc) rc = load_or_skip(paths[i], o, ds, &ab, err);
        if (rc == 1) {
            rc = 0;
            continue;
        }
        half = ab.width / 2;
        if (!rc && ab.width % 2)
            rc = g99_fail(err, G99_EFORMAT, "%s: %dx%d, an odd width: not two halves A | B of one size", paths[i],
                          ab.width, ab.height);
        else if (!rc) {
            rc = img_crop(&ab, 0, 0, half, ab.height, &a, err);
            if (!rc) rc = img_crop(&ab, half, 0, half, ab.height, &b, err);
            if (!rc) rc = add_pair(ds, o, &a, &b, err);
            if (rc && rc != G99_ENOMEM) g99_error_prefix(err, "%s", paths[i]);
        }
        img_free(&ab);
        img_free(&a);
        img_free(&b);
    }
    if (!rc && ds->n == 0)
        rc = g99_fail(err, G99_EFORMAT, "%s: none of the %lu files is a usable image", dir, (unsigned long)n);
    g99_free_list(paths, n);
    return rc;
}

static int load_two(const char *dir_a, const char *dir_b, const gan_dataset_opts *o, gan_dataset *ds,
                    g99_error *err)
{
    char **pa = NULL, **pb = NULL;
    size_t n = 0, i;
    int rc = gan_ds_match_dirs(dir_a, dir_b, &pa, &pb, &n, err);
    if (!rc) rc = gan_ds_alloc(ds, n, err);
    for (i = 0; !rc && i < n; i++) {
        img_image a, b;
        int skip;
        memset(&a, 0, sizeof a);
        memset(&b, 0, sizeof b);
        rc = gan_ds_poll(o, err);
        skip = rc ? 0 : load_or_skip(pa[i], o, ds, &a, err);
        if (skip == 0 && !rc) skip = load_or_skip(pb[i], o, ds, &b, err);
        if (skip < 0) rc = skip;
        if (!rc && !skip && (a.width != b.width || a.height != b.height))
            rc = g99_fail(err, G99_EFORMAT, "%s is %dx%d but %s is %dx%d: a pair must have one size", pa[i], a.width,
                          a.height, pb[i], b.width, b.height);
        if (!rc && !skip) {
            rc = add_pair(ds, o, &a, &b, err);
            if (rc && rc != G99_ENOMEM) g99_error_prefix(err, "%s", pa[i]);
        }
        img_free(&a);
        img_free(&b);
    }
    if (!rc && ds->n == 0)
        rc = g99_fail(err, G99_EFORMAT, "%s,%s: none of the %lu pairs is usable", dir_a, dir_b, (unsigned long)n);
    g99_free_list(pa, n);
    g99_free_list(pb, n);
    return rc;
}

int gan_ds_load_pairs(const char *spec, const gan_dataset_opts *o, gan_dataset *ds, g99_error *err)
{
    char *a = NULL, *b = NULL;
    int rc;
    if (g99_is_dir(spec)) return load_aligned(spec, o, ds, err);
    if (gan_ds_split_dirs(spec, &a, &b)) {
        rc = load_two(a, b, o, ds, err);
        free(a);
        free(b);
        return rc;
    }
    if (gan_ds_is_synth(spec))
        return g99_fail(err, G99_EINVAL, "%s: synthetic pairs need a pair filter (gray, binary, contours, canny, blur)",
                        spec);
    return g99_fail(err, G99_EINVAL, "%s: pairs come from a folder of aligned A|B images or DIR_A,DIR_B (two folders)",
                    spec);
}
