/* The dataset kinds of gan/dataset*.c beyond plain square images: WxH
 * sizes (the covering resize and centre crop worked by hand), load sizes
 * with random crops and flips, pix2pix pairs (aligned A | B, two folders,
 * filter-made), class maps (synthetic parts, palette, grey and colour PNGs)
 * with their one-hot batches, nearest-neighbour map resizing against PIL
 * (golden/dataset/, golden/tools/dataset_golden.py), and the bad inputs
 * that must name the file. Every image is a few pixels with known values. */
#include "test.h"
#include "../gan/dataset_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static float unit(int v)
{
    return ((float)v / 255.0f - 0.5f) / 0.5f;
}

static int save_image(const char *path, int w, int h, int channels, const uint8_t *px)
{
    img_image img;
    g99_error err;
    int rc = img_new(&img, w, h, channels, 8, &err);
    if (rc) return rc;
    memcpy(img.data, px, (size_t)w * h * channels);
    rc = img_save(path, &img, &err);
    img_free(&img);
    return rc;
}

/* A fresh folder under the test scratch folder (files of earlier runs removed). */
static const char *fresh_dir(const char *name, char *buf, size_t cap)
{
    char **paths = NULL;
    size_t n = 0, i;
    g99_error err;
    snprintf(buf, cap, "%s", test_tmp_path(name));
    if (g99_list_files(buf, &paths, &n, &err) == 0) {
        for (i = 0; i < n; i++) remove(paths[i]);
        g99_free_list(paths, n);
    }
    g99_mkdir(buf, &err);
    return buf;
}

static void write_text(const char *path, const char *text)
{
    g99_error err;
    CHECK_EQ_INT(0, g99_write_file_atomic(path, text, strlen(text), &err));
}

static void opts_init(gan_dataset_opts *o, int kind, int w, int h, int channels)
{
    memset(o, 0, sizeof *o);
    o->kind = kind;
    o->width = w;
    o->height = h;
    o->channels = channels;
}

/* ---- geometry -------------------------------------------------------------- */

/* Width 4, height 2 from: an 8x4 image of columns 30x (cover: 4*4 >= 2*8, so
 * width 4 and height round(4*4/8) = 2, an exact 2x2 area average: 15, 75,
 * 135, 195); an 8x8 of rows 20y (width 4, height 4; the centre rows 1..2 of
 * the averages 10, 50, 90, 130); and a 4x7 of rows 10y for 4x4 (no resize;
 * the odd margin of 3 leaves 1 row on top, 2 below: rows 1..4). */
static void wxh_cover_and_centre_crop(void)
{
    char dir[512], path[600];
    uint8_t cols[8 * 4], rows[8 * 8], tall[4 * 7];
    gan_dataset ds;
    gan_dataset_opts o;
    g99_error err;
    float x[3 * 8];
    uint32_t idx[3] = { 0, 1, 2 };
    int i, y;
    fresh_dir("ds_wxh", dir, sizeof dir);
    for (i = 0; i < 8 * 4; i++) cols[i] = (uint8_t)(30 * (i % 8));
    for (i = 0; i < 8 * 8; i++) rows[i] = (uint8_t)(20 * (i / 8));
    for (i = 0; i < 4 * 7; i++) tall[i] = (uint8_t)(10 * (i / 4));
    snprintf(path, sizeof path, "%s/a.png", dir);
    CHECK_EQ_INT(0, save_image(path, 8, 4, 1, cols));
    snprintf(path, sizeof path, "%s/b.png", dir);
    CHECK_EQ_INT(0, save_image(path, 8, 8, 1, rows));
    opts_init(&o, GAN_DATA_IMAGES, 4, 2, 1);
    if (!CHECK_EQ_INT(0, gan_dataset_load(dir, &o, &ds, &err))) {
        fprintf(stderr, "    %s\n", err.msg);
        return;
    }
    CHECK_EQ_INT(2, ds.n);
    CHECK_EQ_INT(0, ds.size);   /* not square */
    CHECK_EQ_INT(4, ds.width);
    CHECK_EQ_INT(2, ds.height);
    CHECK_EQ_INT(4, ds.load_width);
    CHECK(ds.cond == NULL);
    gan_dataset_batch(&ds, idx, 2, x);
    for (y = 0; y < 2; y++)
        for (i = 0; i < 4; i++) {
            CHECK_EQ_FBITS(unit(15 + 60 * i), x[y * 4 + i]);
            CHECK_EQ_FBITS(unit(y ? 90 : 50), x[8 + y * 4 + i]);
        }
    gan_dataset_free(&ds);
    snprintf(path, sizeof path, "%s/c.png", dir);
    CHECK_EQ_INT(0, save_image(path, 4, 7, 1, tall));
    opts_init(&o, GAN_DATA_IMAGES, 0, 0, 1);
    o.size = 4;
    if (CHECK_EQ_INT(0, gan_dataset_load(dir, &o, &ds, &err))) {
        CHECK_EQ_INT(4, ds.size);
        gan_dataset_batch(&ds, idx + 2, 1, x);
        for (i = 0; i < 16; i++) CHECK_EQ_FBITS(unit(10 * (i / 4 + 1)), x[i]);
        gan_dataset_free(&ds);
    }
}

/* Nearest neighbour for maps against PIL's Image.NEAREST: square maps of
 * side S whose pixels hold their column (then their row), resized to side D. */
static void map_nearest_matches_pil(void)
{
    FILE *f = fopen("golden/dataset/nearest.txt", "r");
    int s, d, i, cases = 0;
    g99_error err;
    if (!CHECK(f != NULL)) return;
    while (fscanf(f, "%d %d", &s, &d) == 2) {
        img_image by_col, by_row, out_c, out_r;
        int want, ok = 1;
        memset(&out_c, 0, sizeof out_c);
        memset(&out_r, 0, sizeof out_r);
        if (!CHECK_EQ_INT(0, img_new(&by_col, s, s, 1, 8, &err))) break;
        if (!CHECK_EQ_INT(0, img_new(&by_row, s, s, 1, 8, &err))) break;
        for (i = 0; i < s * s; i++) {
            by_col.data[i] = (uint8_t)(i % s);
            by_row.data[i] = (uint8_t)(i / s);
        }
        CHECK_EQ_INT(0, gan_ds_fit_map(&by_col, d, d, &out_c, &err));
        CHECK_EQ_INT(0, gan_ds_fit_map(&by_row, d, d, &out_r, &err));
        for (i = 0; i < d; i++) {
            if (fscanf(f, "%d", &want) != 1) want = -1;
            ok &= out_c.data && out_c.data[i] == want;
            ok &= out_r.data && out_r.data[(size_t)i * d] == want;
        }
        if (!CHECK(ok)) fprintf(stderr, "    %d -> %d\n", s, d);
        img_free(&by_col);
        img_free(&by_row);
        img_free(&out_c);
        img_free(&out_r);
        cases++;
    }
    fclose(f);
    CHECK_EQ_INT(18, cases);
}

/* A 6x5 grey image v = 10y + x + 1, stored as is (load size 6x5), batches of
 * 4x3: the offsets come as the documented draws (x below 3, y below 3, flip
 * below 2), and the window is read by hand from them. */
static void load_size_crops_and_flips(void)
{
    char dir[512], path[600];
    uint8_t px[6 * 5];
    gan_dataset ds;
    gan_dataset_opts o;
    g99_error err;
    float x[12];
    uint32_t zero = 0;
    nn_rng aug, mirror;
    int i, k, xx, y, seen_flip[2] = { 0, 0 }, seen_ox[3] = { 0, 0, 0 };
    fresh_dir("ds_crop", dir, sizeof dir);
    for (i = 0; i < 30; i++) px[i] = (uint8_t)(10 * (i / 6) + i % 6 + 1);
    snprintf(path, sizeof path, "%s/a.png", dir);
    CHECK_EQ_INT(0, save_image(path, 6, 5, 1, px));
    opts_init(&o, GAN_DATA_IMAGES, 4, 3, 1);
    o.load_width = 6;
    o.load_height = 5;
    o.flip = 1;
    if (!CHECK_EQ_INT(0, gan_dataset_load(dir, &o, &ds, &err))) return;
    CHECK_EQ_INT(6, ds.load_width);
    CHECK_EQ_INT(5, ds.load_height);
    CHECK_EQ_MEM(px, ds.pixels, 30);
    /* no generator: the centre (1, 1), not flipped */
    gan_dataset_batch_cond(&ds, &zero, 1, NULL, x, NULL);
    for (i = 0; i < 12; i++) CHECK_EQ_FBITS(unit(10 * (i / 4 + 1) + i % 4 + 2), x[i]);
    nn_rng_init(&aug, 7, NN_STREAM_AUGMENT);
    nn_rng_init(&mirror, 7, NN_STREAM_AUGMENT);
    for (k = 0; k < 40; k++) {
        int ox = (int)nn_rng_below(&mirror, 3), oy = (int)nn_rng_below(&mirror, 3);
        int flip = nn_rng_below(&mirror, 2) == 1, ok = 1;
        gan_dataset_batch_cond(&ds, &zero, 1, &aug, x, NULL);
        for (y = 0; y < 3; y++)
            for (xx = 0; xx < 4; xx++) {
                int sx = ox + (flip ? 3 - xx : xx);
                ok &= x[y * 4 + xx] == unit(10 * (oy + y) + sx + 1);
            }
        CHECK(ok);
        seen_flip[flip]++;
        seen_ox[ox]++;
    }
    CHECK(seen_flip[0] && seen_flip[1] && seen_ox[0] && seen_ox[1] && seen_ox[2]);
    gan_dataset_free(&ds);
    /* a load size smaller than the crop, or half given: refused */
    o.load_width = 3;
    CHECK_EQ_INT(G99_EINVAL, gan_dataset_load(dir, &o, &ds, &err));
    CHECK_CONTAINS("load size 3x5", err.msg);
    o.load_width = 6;
    o.load_height = 0;
    CHECK_EQ_INT(G99_EINVAL, gan_dataset_load(dir, &o, &ds, &err));
}

/* ---- pairs ------------------------------------------------------------------ */

/* An aligned 8x4 RGB image: the left half grey 10x + 40y + 1 (equal R, G, B
 * so img_grey keeps it), the right half (200, 100, 50). Size 4: A and B stay
 * as they are. */
static void aligned_pairs_split_a_b(void)
{
    char dir[512], path[600];
    uint8_t ab[8 * 4 * 3], odd[7 * 4 * 3];
    gan_dataset ds;
    gan_dataset_opts o;
    g99_error err;
    float x[3 * 16], a[16];
    uint32_t zero = 0;
    int i, xx, y;
    fresh_dir("ds_aligned", dir, sizeof dir);
    for (y = 0; y < 4; y++)
        for (xx = 0; xx < 8; xx++) {
            uint8_t *p = ab + (y * 8 + xx) * 3;
            if (xx < 4) p[0] = p[1] = p[2] = (uint8_t)(10 * xx + 40 * y + 1);
            else {
                p[0] = 200;
                p[1] = 100;
                p[2] = 50;
            }
        }
    snprintf(path, sizeof path, "%s/1.png", dir);
    CHECK_EQ_INT(0, save_image(path, 8, 4, 3, ab));
    opts_init(&o, GAN_DATA_PAIRS, 4, 4, 3);
    o.cond_channels = 1;
    if (!CHECK_EQ_INT(0, gan_dataset_load(dir, &o, &ds, &err))) {
        fprintf(stderr, "    %s\n", err.msg);
        return;
    }
    CHECK_EQ_INT(1, ds.n);
    CHECK_EQ_INT(GAN_DATA_PAIRS, ds.kind);
    CHECK_EQ_INT(1, ds.cond_channels);
    gan_dataset_batch_cond(&ds, &zero, 1, NULL, x, a);
    for (i = 0; i < 16; i++) {
        CHECK_EQ_FBITS(unit(10 * (i % 4) + 40 * (i / 4) + 1), a[i]);
        CHECK_EQ_FBITS(unit(200), x[i]);
        CHECK_EQ_FBITS(unit(100), x[16 + i]);
        CHECK_EQ_FBITS(unit(50), x[32 + i]);
    }
    gan_dataset_free(&ds);
    /* BtoA: the left half is the target now, the right half the input */
    o.b_to_a = 1;
    o.channels = 1;
    o.cond_channels = 3;
    if (CHECK_EQ_INT(0, gan_dataset_load(dir, &o, &ds, &err))) {
        gan_dataset_batch_cond(&ds, &zero, 1, NULL, a, x);
        for (i = 0; i < 16; i++) {
            CHECK_EQ_FBITS(unit(10 * (i % 4) + 40 * (i / 4) + 1), a[i]);
            CHECK_EQ_FBITS(unit(200), x[i]);
            CHECK_EQ_FBITS(unit(50), x[32 + i]);
        }
        gan_dataset_free(&ds);
    }
    /* flipped crops move both sides together: load 4x4, crop 3x3 */
    o.b_to_a = 0;
    o.channels = 3;
    o.cond_channels = 1;
    o.width = o.height = 3;
    o.load_width = o.load_height = 4;
    o.flip = 1;
    if (CHECK_EQ_INT(0, gan_dataset_load(dir, &o, &ds, &err))) {
        nn_rng aug, mirror;
        int k, ok = 1;
        nn_rng_init(&aug, 3, NN_STREAM_AUGMENT);
        nn_rng_init(&mirror, 3, NN_STREAM_AUGMENT);
        for (k = 0; k < 20; k++) {
            int ox = (int)nn_rng_below(&mirror, 2), oy = (int)nn_rng_below(&mirror, 2);
            int flip = nn_rng_below(&mirror, 2) == 1;
            gan_dataset_batch_cond(&ds, &zero, 1, &aug, x, a);
            for (i = 0; i < 9; i++) {
                int sx = ox + (flip ? 2 - i % 3 : i % 3), sy = oy + i / 3;
                ok &= a[i] == unit(10 * sx + 40 * sy + 1) && x[9 + i] == unit(100);
            }
        }
        CHECK(ok);
        gan_dataset_free(&ds);
    }
    /* a file that is no image is skipped and counted; an empty folder is an error */
    snprintf(path, sizeof path, "%s/0.txt", dir);
    write_text(path, "not an image");
    if (CHECK_EQ_INT(0, gan_dataset_load(dir, &o, &ds, &err))) {
        CHECK_EQ_INT(1, ds.n);
        CHECK_EQ_U64(1, ds.skipped);
        gan_dataset_free(&ds);
    }
    CHECK_EQ_INT(G99_EFORMAT, gan_dataset_load(fresh_dir("ds_aligned_empty", path, sizeof path), &o, &ds, &err));
    CHECK_CONTAINS("ds_aligned_empty: no files in the folder", err.msg);
    /* an odd width: an error naming the file */
    memset(odd, 7, sizeof odd);
    snprintf(path, sizeof path, "%s/2.png", dir);
    CHECK_EQ_INT(0, save_image(path, 7, 4, 3, odd));
    CHECK_EQ_INT(G99_EFORMAT, gan_dataset_load(dir, &o, &ds, &err));
    CHECK_CONTAINS("2.png: 7x4, an odd width", err.msg);
}

/* Two folders matched by name without extension (a PNG pairs with a PPM,
 * sub-folders count); a file without its match, two sizes, an empty
 * folder: errors naming the files. */
static void two_folder_pairs(void)
{
    char da[512], db[512], sub[560], path[700], spec[1100];
    uint8_t p1[4 * 4], p2[4 * 4 * 3];
    gan_dataset ds;
    gan_dataset_opts o;
    g99_error err;
    float x[16], a[16];
    uint32_t order[2] = { 0, 1 };
    int i;
    fresh_dir("ds_two_a", da, sizeof da);
    fresh_dir("ds_two_b", db, sizeof db);
    snprintf(sub, sizeof sub, "%s/s", da);
    g99_mkdir(sub, &err);
    snprintf(sub, sizeof sub, "%s/s", db);
    g99_mkdir(sub, &err);
    for (i = 0; i < 16; i++) p1[i] = (uint8_t)(i * 3);
    for (i = 0; i < 48; i++) p2[i] = (uint8_t)(100 + i % 3);   /* (100, 101, 102) */
    snprintf(path, sizeof path, "%s/x.png", da);
    CHECK_EQ_INT(0, save_image(path, 4, 4, 1, p1));
    snprintf(path, sizeof path, "%s/x.ppm", db);
    CHECK_EQ_INT(0, save_image(path, 4, 4, 3, p2));
    snprintf(path, sizeof path, "%s/s/y.png", da);
    CHECK_EQ_INT(0, save_image(path, 4, 4, 3, p2));
    snprintf(path, sizeof path, "%s/s/y.png", db);
    CHECK_EQ_INT(0, save_image(path, 4, 4, 1, p1));
    snprintf(spec, sizeof spec, "%s,%s", da, db);
    opts_init(&o, GAN_DATA_PAIRS, 4, 4, 1);
    if (!CHECK_EQ_INT(0, gan_dataset_load(spec, &o, &ds, &err))) {
        fprintf(stderr, "    %s\n", err.msg);
        return;
    }
    CHECK_EQ_INT(2, ds.n);
    /* keys "s/y" < "x": the sub-folder's pair comes first */
    gan_dataset_batch_cond(&ds, order, 1, NULL, x, a);
    for (i = 0; i < 16; i++) CHECK_EQ_FBITS(unit(3 * i), x[i]);
    CHECK_EQ_FBITS(unit(101), a[0]);   /* grey of (100, 101, 102): 0.299*100 + 0.587*101 + 0.114*102 = 100.815 */
    gan_dataset_batch_cond(&ds, order + 1, 1, NULL, x, a);
    for (i = 0; i < 16; i++) CHECK_EQ_FBITS(unit(3 * i), a[i]);
    gan_dataset_free(&ds);
    /* a size mismatch */
    snprintf(path, sizeof path, "%s/x.ppm", db);
    CHECK_EQ_INT(0, save_image(path, 2, 2, 3, p2));
    CHECK_EQ_INT(G99_EFORMAT, gan_dataset_load(spec, &o, &ds, &err));
    CHECK_CONTAINS("x.png is 4x4 but", err.msg);
    CHECK_CONTAINS("x.ppm is 2x2: a pair must have one size", err.msg);
    /* a file of A without its B */
    snprintf(path, sizeof path, "%s/z.png", da);
    CHECK_EQ_INT(0, save_image(path, 4, 4, 1, p1));
    CHECK_EQ_INT(G99_EFORMAT, gan_dataset_load(spec, &o, &ds, &err));
    CHECK_CONTAINS("z.png: no file of that name in", err.msg);
    /* two files of one name in a folder */
    snprintf(path, sizeof path, "%s/z.ppm", da);
    CHECK_EQ_INT(0, save_image(path, 4, 4, 1, p1));
    CHECK_EQ_INT(G99_EFORMAT, gan_dataset_load(spec, &o, &ds, &err));
    CHECK_CONTAINS("two files of one name", err.msg);
    /* an empty folder */
    fresh_dir("ds_two_empty", sub, sizeof sub);
    snprintf(spec, sizeof spec, "%s,%s", da, sub);
    CHECK_EQ_INT(G99_EFORMAT, gan_dataset_load(spec, &o, &ds, &err));
    CHECK_CONTAINS("ds_two_empty: no files in the folder", err.msg);
    /* neither a folder nor two */
    CHECK_EQ_INT(G99_EINVAL, gan_dataset_load("no/such,folders", &o, &ds, &err));
    CHECK_CONTAINS("DIR_A,DIR_B", err.msg);
}

/* synth:N with a filter: B the face, A the filter of B (img_grey and
 * img_canny, image/'s tested functions, give the expected planes). */
static void filter_pairs_from_synthetic_faces(void)
{
    gan_dataset ds;
    gan_dataset_opts o;
    g99_error err;
    gan_face f;
    img_image grey;
    float x[3 * 16 * 16], a[16 * 16];
    uint32_t one = 1;
    int i, ok = 1;
    opts_init(&o, GAN_DATA_PAIRS, 16, 16, 3);
    o.cond_channels = 1;
    o.pair_filter = "gray";
    if (!CHECK_EQ_INT(0, gan_dataset_load("synth:2:5", &o, &ds, &err))) {
        fprintf(stderr, "    %s\n", err.msg);
        return;
    }
    CHECK_EQ_INT(2, ds.n);
    gan_dataset_batch_cond(&ds, &one, 1, NULL, x, a);
    if (CHECK_EQ_INT(0, gan_synthface_render(5, 1, 16, &f, &err)) &&
        CHECK_EQ_INT(0, img_grey(&f.rgb, IMG_ORDER_RGB, &grey, &err))) {
        for (i = 0; i < 256; i++) {
            ok &= a[i] == unit(grey.data[i]);
            ok &= x[i] == unit(f.rgb.data[i * 3]) && x[512 + i] == unit(f.rgb.data[i * 3 + 2]);
        }
        CHECK(ok);
        img_free(&grey);
        gan_face_free(&f);
    }
    gan_dataset_free(&ds);
    o.pair_filter = "canny";
    if (CHECK_EQ_INT(0, gan_dataset_load("synth:1", &o, &ds, &err))) {
        for (i = 0; i < 256; i++) ok &= ds.cond[i] == 0 || ds.cond[i] == 255;
        CHECK(ok);
        gan_dataset_free(&ds);
    }
    o.pair_filter = "sharpen";
    CHECK_EQ_INT(G99_EINVAL, gan_dataset_load("synth:1", &o, &ds, &err));
    CHECK_CONTAINS("pair filter 'sharpen'", err.msg);
    o.pair_filter = NULL;
    CHECK_EQ_INT(G99_EINVAL, gan_dataset_load("synth:1", &o, &ds, &err));
    CHECK_CONTAINS("need a pair filter", err.msg);
}

/* ---- class maps --------------------------------------------------------------- */

/* synth:N gives the faces' part labels; the one-hot planes hold 1 exactly
 * where the label is that class. Non-square: drawn at 16, the centre 16x10. */
static void synthetic_labels_one_hot(void)
{
    gan_dataset ds;
    gan_dataset_opts o;
    g99_error err;
    gan_face f;
    float x[3 * 160], *hot = (float *)malloc(sizeof(float) * 7 * 160);
    uint32_t zero = 0;
    int i, c, ok = 1;
    opts_init(&o, GAN_DATA_LABELS, 16, 10, 3);
    if (!CHECK(hot != NULL) || !CHECK_EQ_INT(0, gan_dataset_load("synth:1:9", &o, &ds, &err))) {
        free(hot);
        return;
    }
    CHECK_EQ_INT(7, ds.n_classes);
    gan_dataset_batch_cond(&ds, &zero, 1, NULL, x, hot);
    if (CHECK_EQ_INT(0, gan_synthface_render(9, 0, 16, &f, &err))) {
        for (i = 0; i < 160; i++) {
            int label = f.labels[(i / 16 + 3) * 16 + i % 16];   /* rows 3..12 */
            for (c = 0; c < 7; c++) ok &= hot[c * 160 + i] == (c == label ? 1.0f : 0.0f);
            ok &= x[i] == unit(f.rgb.data[((i / 16 + 3) * 16 + i % 16) * 3]);
        }
        CHECK(ok);
        gan_face_free(&f);
    }
    gan_dataset_free(&ds);
    /* 3 classes cannot hold the eyes: the first pixel past class 2 is named */
    o.n_classes = 3;
    CHECK_EQ_INT(G99_EFORMAT, gan_dataset_load("synth:1:9", &o, &ds, &err));
    CHECK_CONTAINS("synthetic face 0: pixel (", err.msg);
    CHECK_CONTAINS("beyond the 3 classes (0..2)", err.msg);
    free(hot);
}

/* Class maps from folders: a palette PNG written by PIL (indices 0 1 2 3 /
 * 4 5 6 1, colours repeated, so only indices can be right), a grey map and
 * a colour map with a palette file. */
static void folder_maps_palette_grey_colour(void)
{
    static const uint8_t want[8] = { 0, 1, 2, 3, 4, 5, 6, 1 };
    char dm[512], di[512], path[700], spec[1100], pal_path[600];
    uint8_t photo[4 * 2 * 3], grey[8], colour[8 * 3], *png = NULL;
    size_t n_png = 0;
    gan_dataset ds;
    gan_dataset_opts o;
    g99_error err;
    float x[3 * 8], hot[7 * 8];
    uint32_t zero = 0;
    int i, c, ok = 1;
    static const uint8_t rgb_of[3][3] = { { 0, 0, 0 }, { 250, 10, 10 }, { 10, 250, 10 } };
    fresh_dir("ds_maps", dm, sizeof dm);
    fresh_dir("ds_photos", di, sizeof di);
    for (i = 0; i < 24; i++) photo[i] = (uint8_t)(i * 10);
    snprintf(path, sizeof path, "%s/a.png", di);
    CHECK_EQ_INT(0, save_image(path, 4, 2, 3, photo));
    if (!CHECK_EQ_INT(0, g99_read_file("golden/dataset/palette4x2.png", 1 << 20, &png, &n_png, &err))) return;
    snprintf(path, sizeof path, "%s/a.png", dm);
    CHECK_EQ_INT(0, g99_write_file_atomic(path, png, n_png, &err));
    free(png);
    snprintf(spec, sizeof spec, "%s,%s", dm, di);
    opts_init(&o, GAN_DATA_LABELS, 4, 2, 3);
    if (!CHECK_EQ_INT(0, gan_dataset_load(spec, &o, &ds, &err))) {
        fprintf(stderr, "    %s\n", err.msg);
        return;
    }
    CHECK_EQ_MEM(want, ds.cond, 8);
    gan_dataset_batch_cond(&ds, &zero, 1, NULL, x, hot);
    for (i = 0; i < 8; i++) {
        for (c = 0; c < 7; c++) ok &= hot[c * 8 + i] == (c == want[i] ? 1.0f : 0.0f);
        ok &= x[i] == unit(photo[i * 3]) && x[16 + i] == unit(photo[i * 3 + 2]);
    }
    CHECK(ok);
    gan_dataset_free(&ds);
    /* fewer classes than the map uses: the file and pixel (2, 1) named */
    o.n_classes = 6;
    CHECK_EQ_INT(G99_EFORMAT, gan_dataset_load(spec, &o, &ds, &err));
    CHECK_CONTAINS("a.png: pixel (2, 1) is class 6, beyond the 6 classes", err.msg);
    /* a grey map: the values are the classes */
    for (i = 0; i < 8; i++) grey[i] = (uint8_t)(7 - i);
    snprintf(path, sizeof path, "%s/a.png", dm);
    CHECK_EQ_INT(0, save_image(path, 4, 2, 1, grey));
    o.n_classes = 8;
    if (CHECK_EQ_INT(0, gan_dataset_load(spec, &o, &ds, &err))) {
        CHECK_EQ_MEM(grey, ds.cond, 8);
        gan_dataset_free(&ds);
    }
    /* a colour map: a palette file names the classes (default count: its lines) */
    for (i = 0; i < 8; i++) memcpy(colour + i * 3, rgb_of[i % 3], 3);
    CHECK_EQ_INT(0, save_image(path, 4, 2, 3, colour));
    o.n_classes = 0;
    CHECK_EQ_INT(G99_EFORMAT, gan_dataset_load(spec, &o, &ds, &err));
    CHECK_CONTAINS("a.png: a colour class map needs a palette file", err.msg);
    snprintf(pal_path, sizeof pal_path, "%s", test_tmp_path("ds_palette.txt"));
    write_text(pal_path, "# class colours\n0 0 0 background\n\n250 10 10   # red\r\n10 250 10 green\n");
    o.palette = pal_path;
    if (CHECK_EQ_INT(0, gan_dataset_load(spec, &o, &ds, &err))) {
        CHECK_EQ_INT(3, ds.n_classes);
        for (i = 0; i < 8; i++) CHECK_EQ_INT(i % 3, ds.cond[i]);
        gan_dataset_free(&ds);
    } else {
        fprintf(stderr, "    %s\n", err.msg);
    }
    /* a colour the palette lacks, at pixel (3, 1) */
    colour[7 * 3] = 1;
    CHECK_EQ_INT(0, save_image(path, 4, 2, 3, colour));
    CHECK_EQ_INT(G99_EFORMAT, gan_dataset_load(spec, &o, &ds, &err));
    CHECK_CONTAINS("a.png: pixel (3, 1) has colour (1, 10, 10), not in the palette", err.msg);
    /* bad palette files */
    write_text(pal_path, "0 0 0\n1 2\n");
    CHECK_EQ_INT(G99_EFORMAT, gan_dataset_load(spec, &o, &ds, &err));
    CHECK_CONTAINS("ds_palette.txt:2: want \"R G B [name]\"", err.msg);
    write_text(pal_path, "0 0 0\n5 5 5\n0 0 0\n");
    CHECK_EQ_INT(G99_EFORMAT, gan_dataset_load(spec, &o, &ds, &err));
    CHECK_CONTAINS("classes 0 and 2 have one colour (0, 0, 0)", err.msg);
    /* a map and its photo of two sizes */
    o.palette = NULL;
    o.n_classes = 8;
    CHECK_EQ_INT(0, save_image(path, 2, 4, 1, grey));
    CHECK_EQ_INT(G99_EFORMAT, gan_dataset_load(spec, &o, &ds, &err));
    CHECK_CONTAINS("is 2x4 but", err.msg);
    /* one folder is not enough */
    CHECK_EQ_INT(G99_EINVAL, gan_dataset_load(dm, &o, &ds, &err));
    CHECK_CONTAINS("DIR_MAPS,DIR_IMAGES", err.msg);
}

/* ---- options and stopping ---------------------------------------------------- */

static int calls;
static int stop_on_third(void *user)
{
    (void)user;
    return ++calls >= 3;
}

static void cancel_and_bad_options(void)
{
    gan_dataset ds;
    gan_dataset_opts o;
    g99_error err;
    opts_init(&o, GAN_DATA_IMAGES, 8, 8, 3);
    o.cancel = stop_on_third;
    calls = 0;
    CHECK_EQ_INT(G99_ESTOPPED, gan_dataset_load("synth:5", &o, &ds, &err));
    CHECK_EQ_INT(3, calls);
    CHECK(ds.pixels == NULL);
    o.kind = GAN_DATA_LABELS;
    calls = 0;
    CHECK_EQ_INT(G99_ESTOPPED, gan_dataset_load("synth:5", &o, &ds, &err));
    o.cancel = NULL;
    o.width = 8;
    o.height = 0;
    CHECK_EQ_INT(G99_EINVAL, gan_dataset_load("synth:5", &o, &ds, &err));
    CHECK_CONTAINS("size 8x0", err.msg);
    o.height = 8;
    o.kind = 3;
    CHECK_EQ_INT(G99_EINVAL, gan_dataset_load("synth:5", &o, &ds, &err));
    o.kind = GAN_DATA_LABELS;
    o.n_classes = 256;
    CHECK_EQ_INT(G99_EINVAL, gan_dataset_load("synth:5", &o, &ds, &err));
    o.n_classes = 0;
    o.palette = "p.txt";
    o.kind = GAN_DATA_IMAGES;
    CHECK_EQ_INT(G99_EINVAL, gan_dataset_load("synth:5", &o, &ds, &err));
    CHECK_CONTAINS("palette file is for class maps only", err.msg);
}

const test_case dataset_tests[] = {
    TEST(wxh_cover_and_centre_crop),
    TEST(map_nearest_matches_pil),
    TEST(load_size_crops_and_flips),
    TEST(aligned_pairs_split_a_b),
    TEST(two_folder_pairs),
    TEST(filter_pairs_from_synthetic_faces),
    TEST(synthetic_labels_one_hot),
    TEST(folder_maps_palette_grey_colour),
    TEST(cancel_and_bad_options),
    TEST_END,
};
