/* image/ operations and filters against OpenCV 4.6 goldens (golden/imgops/,
 * made by golden/tools/imgops_golden.py from crops of skimage's photographs):
 * grey, resize (LINEAR_EXACT, LINEAR, AREA), warpAffine with each border,
 * Canny and GaussianBlur must give identical bytes. Contours, rectangles,
 * the grid and the two-point similarity are checked on hand-derived cases.
 *
 * The goldens are binary PGM/PPM/PAM; the tiny reader below is private to
 * this test (image/'s own PPM codec is another change). */
#include "test.h"
#include "../image/image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a minimal reader for the golden files: P5, P6, P7 (RGB_ALPHA), maxval 255 ---- */

static int pnm_token(FILE *fp, char *buf, size_t cap)
{
    int ch;
    size_t n = 0;
    do {
        ch = fgetc(fp);
        if (ch == '#')
            while (ch != '\n' && ch != EOF) ch = fgetc(fp);
    } while (ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t');
    while (ch != EOF && ch != ' ' && ch != '\n' && ch != '\r' && ch != '\t' && n + 1 < cap) {
        buf[n++] = (char)ch;
        ch = fgetc(fp);
    }
    buf[n] = '\0';
    return n > 0;
}

static int golden_load(const char *name, img_image *img)
{
    char path[256], tok[32];
    FILE *fp;
    int w = 0, h = 0, c = 0, maxval = 0, ok = 1;
    snprintf(path, sizeof path, "golden/imgops/%s", name);
    img->data = NULL;
    fp = fopen(path, "rb");
    if (!fp) return 0;
    if (!pnm_token(fp, tok, sizeof tok)) ok = 0;
    else if (strcmp(tok, "P5") == 0 || strcmp(tok, "P6") == 0) {
        c = tok[1] == '5' ? 1 : 3;
        ok = pnm_token(fp, tok, sizeof tok) && (w = atoi(tok)) > 0 && pnm_token(fp, tok, sizeof tok) &&
             (h = atoi(tok)) > 0 && pnm_token(fp, tok, sizeof tok) && (maxval = atoi(tok)) == 255;
    } else if (strcmp(tok, "P7") == 0) {
        while (ok && pnm_token(fp, tok, sizeof tok) && strcmp(tok, "ENDHDR") != 0) {
            if (strcmp(tok, "WIDTH") == 0) ok = pnm_token(fp, tok, sizeof tok) && (w = atoi(tok)) > 0;
            else if (strcmp(tok, "HEIGHT") == 0) ok = pnm_token(fp, tok, sizeof tok) && (h = atoi(tok)) > 0;
            else if (strcmp(tok, "DEPTH") == 0) ok = pnm_token(fp, tok, sizeof tok) && (c = atoi(tok)) == 4;
            else if (strcmp(tok, "MAXVAL") == 0) ok = pnm_token(fp, tok, sizeof tok) && atoi(tok) == 255;
            else if (strcmp(tok, "TUPLTYPE") == 0) ok = pnm_token(fp, tok, sizeof tok);
        }
        ok = ok && c == 4 && w > 0 && h > 0;
    } else {
        ok = 0;
    }
    ok = ok && img_new(img, w, h, c, 8, NULL) == 0;
    ok = ok && fread(img->data, 1, (size_t)w * h * c, fp) == (size_t)w * h * c;
    fclose(fp);
    if (!ok) img_free(img);
    return ok;
}

/* Checks that got equals the golden image byte for byte; on a difference
 * reports the first differing sample and how many differ. */
static void check_golden(const char *name, const img_image *got)
{
    img_image want;
    size_t i, n, bad = 0, first = 0;
    if (!CHECK(golden_load(name, &want))) {
        fprintf(stderr, "    cannot read golden/imgops/%s\n", name);
        return;
    }
    if (CHECK_EQ_INT(want.width, got->width) && CHECK_EQ_INT(want.height, got->height) &&
        CHECK_EQ_INT(want.channels, got->channels)) {
        n = (size_t)want.width * want.height * want.channels;
        for (i = 0; i < n; i++)
            if (want.data[i] != got->data[i] && bad++ == 0) first = i;
        if (bad) {
            fprintf(stderr, "    %s: %lu of %lu samples differ, first at %lu (x=%lu y=%lu c=%lu): want %d got %d\n",
                    name, (unsigned long)bad, (unsigned long)n, (unsigned long)first,
                    (unsigned long)(first / want.channels % want.width),
                    (unsigned long)(first / want.channels / want.width), (unsigned long)(first % want.channels),
                    want.data[first], got->data[first]);
            CHECK_EQ_INT(0, (long long)bad);
        }
    }
    img_free(&want);
}

static int load_input(const char *name, img_image *img)
{
    char file[64];
    const char *ext = strcmp(name, "camera") == 0 ? "pgm" : strcmp(name, "astro_rgba") == 0 ? "pam" : "ppm";
    snprintf(file, sizeof file, "in_%s.%s", name, ext);
    return CHECK(golden_load(file, img));
}

/* ---- grey ---- */

static void grey_matches_opencv(void)
{
    static const struct { const char *in; int order; const char *want; } cases[] = {
        { "astro", IMG_ORDER_RGB, "grey_rgb_astro.pgm" },
        { "astro", IMG_ORDER_BGR, "grey_bgr_astro.pgm" },
        { "coffee", IMG_ORDER_RGB, "grey_rgb_coffee.pgm" },
        { "astro_rgba", IMG_ORDER_RGB, "grey_rgba_astro_rgba.pgm" },
    };
    size_t k;
    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        img_image src, out;
        if (!load_input(cases[k].in, &src)) continue;
        if (CHECK_EQ_INT(0, img_grey(&src, cases[k].order, &out, NULL))) {
            check_golden(cases[k].want, &out);
            img_free(&out);
        }
        img_free(&src);
    }
}

/* The fixed-point formula on hand-computed pixels: (9798 R + 19235 G + 3735 B + 16384) >> 15. */
static void grey_hand_values(void)
{
    img_image src, out;
    static const uint8_t px[] = { 255, 255, 255, 0, 0, 255, 0, 250, 0, 1, 2, 3 };
    if (!CHECK_EQ_INT(0, img_new(&src, 4, 1, 3, 8, NULL))) return;
    memcpy(src.data, px, sizeof px);
    if (CHECK_EQ_INT(0, img_grey(&src, IMG_ORDER_RGB, &out, NULL))) {
        CHECK_EQ_INT(255, out.data[0]);
        CHECK_EQ_INT(29, out.data[1]);   /* (3735*255 + 16384) >> 15 = 29.56 -> 29 */
        CHECK_EQ_INT(147, out.data[2]);  /* (19235*250 + 16384) >> 15 = 147.25 */
        CHECK_EQ_INT(2, out.data[3]);    /* (9798 + 38470 + 11205 + 16384) >> 15 = 2.3 */
        img_free(&out);
    }
    img_free(&src);
}

/* ---- resize ---- */

static const struct { const char *in; int w, h; } resize_cases[] = {
    { "camera", 77, 51 }, { "camera", 211, 163 }, { "camera", 60, 48 }, { "camera", 40, 32 },
    { "camera", 30, 24 }, { "camera", 150, 70 }, { "camera", 7, 5 }, { "camera", 119, 97 },
    { "camera", 13, 1 }, { "camera", 1, 1 },
    { "chelsea", 64, 45 }, { "chelsea", 173, 131 }, { "chelsea", 50, 38 },
    { "astro", 70, 60 }, { "astro", 35, 30 }, { "astro", 46, 40 },
    { "astro_rgba", 53, 47 }, { "astro_rgba", 70, 60 }, { "astro_rgba", 101, 93 },
};

static void resize_cases_run(int method, const char *mname)
{
    size_t k;
    for (k = 0; k < sizeof resize_cases / sizeof resize_cases[0]; k++) {
        img_image src, out;
        char want[96];
        if (!load_input(resize_cases[k].in, &src)) continue;
        snprintf(want, sizeof want, "resize_%s_%s_%dx%d.%s", mname, resize_cases[k].in, resize_cases[k].w,
                 resize_cases[k].h, src.channels == 1 ? "pgm" : src.channels == 3 ? "ppm" : "pam");
        if (CHECK_EQ_INT(0, img_resize(&src, resize_cases[k].w, resize_cases[k].h, method, &out, NULL))) {
            check_golden(want, &out);
            img_free(&out);
        }
        img_free(&src);
    }
}

static void resize_linear_exact_matches_opencv(void) { resize_cases_run(IMG_INTER_LINEAR_EXACT, "exact"); }
static void resize_linear_matches_opencv(void) { resize_cases_run(IMG_INTER_LINEAR, "linear"); }
static void resize_area_matches_opencv(void) { resize_cases_run(IMG_INTER_AREA, "area"); }

/* ---- warp ---- */

static void warp_matches_opencv(void)
{
    static const struct { const char *in; int border, inverse, w, h; const char *want; } cases[] = {
        { "astro", IMG_BORDER_CONSTANT, 0, 128, 112, "warp_constant_astro.ppm" },
        { "astro", IMG_BORDER_REPLICATE, 0, 128, 112, "warp_replicate_astro.ppm" },
        { "astro", IMG_BORDER_REFLECT_101, 0, 128, 112, "warp_reflect101_astro.ppm" },
        { "camera", IMG_BORDER_CONSTANT, 1, 100, 90, "warp_inverse_camera.pgm" },
        { "astro_rgba", IMG_BORDER_REFLECT_101, 0, 128, 112, "warp_reflect101_astro_rgba.pam" },
    };
    static const double m1[6] = { 0.86, 0.27, -12.5, -0.27, 0.86, 20.25 };
    static const double m2[6] = { 1.25, -0.125, 3.75, 0.2, 1.1, -8.5 };
    size_t k;
    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        img_image src, out;
        img_warp_params p;
        if (!load_input(cases[k].in, &src)) continue;
        memset(&p, 0, sizeof p);
        memcpy(p.m, cases[k].inverse ? m2 : m1, sizeof p.m);
        p.width = cases[k].w;
        p.height = cases[k].h;
        p.inverse_map = cases[k].inverse;
        p.border = cases[k].border;
        if (!cases[k].inverse) {
            p.border_value[0] = 10;
            p.border_value[1] = 200;
            p.border_value[2] = 30;
        }
        if (CHECK_EQ_INT(0, img_warp_affine(&src, &p, &out, NULL))) {
            check_golden(cases[k].want, &out);
            img_free(&out);
        }
        img_free(&src);
    }
}

/* Eyes at (30, 40) and (70, 40) to (20, 24) and (44, 24): scale 24/40 =
 * 0.6, no rotation, t = (20 - 0.6*30, 24 - 0.6*40) = (2, 0). A 90-degree
 * case: (0,0),(0,2) to (5,5),(3,5): a = (-2 + 0i)/(0 + 2i) = i, so the matrix
 * is [0 -1 5; 1 0 5]. */
static void similarity_hand_cases(void)
{
    double m[6];
    static const double s1[4] = { 30, 40, 70, 40 }, d1[4] = { 20, 24, 44, 24 };
    static const double s2[4] = { 0, 0, 0, 2 }, d2[4] = { 5, 5, 3, 5 };
    static const double same[4] = { 1, 1, 1, 1 };
    if (CHECK_EQ_INT(0, img_similarity_from_points(s1, d1, m, NULL))) {
        CHECK_NEAR(0.6, m[0], 1e-15, 0);
        CHECK_NEAR(0.0, m[1], 1e-15, 0);
        CHECK_NEAR(2.0, m[2], 1e-13, 0);
        CHECK_NEAR(0.0, m[3], 1e-15, 0);
        CHECK_NEAR(0.6, m[4], 1e-15, 0);
        CHECK_NEAR(0.0, m[5], 1e-13, 0);
    }
    if (CHECK_EQ_INT(0, img_similarity_from_points(s2, d2, m, NULL))) {
        CHECK_NEAR(0.0, m[0], 1e-15, 0);
        CHECK_NEAR(-1.0, m[1], 1e-15, 0);
        CHECK_NEAR(5.0, m[2], 1e-15, 0);
        CHECK_NEAR(1.0, m[3], 1e-15, 0);
        CHECK_NEAR(0.0, m[4], 1e-15, 0);
        CHECK_NEAR(5.0, m[5], 1e-15, 0);
    }
    CHECK_EQ_INT(G99_EINVAL, img_similarity_from_points(same, d1, m, NULL));
}

/* ---- Canny, blur ---- */

static void canny_matches_opencv(void)
{
    static const char *const names[2] = { "camera", "astro" };
    static const int th[2][2] = { { 50, 150 }, { 100, 200 } };
    int i, t, l2;
    for (i = 0; i < 2; i++) {
        img_image src, grey, out;
        if (!load_input(names[i], &src)) continue;
        if (!CHECK_EQ_INT(0, img_grey(&src, IMG_ORDER_RGB, &grey, NULL))) {
            img_free(&src);
            continue;
        }
        for (t = 0; t < 2; t++)
            for (l2 = 0; l2 < 2; l2++) {
                char want[64];
                snprintf(want, sizeof want, "canny_%s_%d_%d_%s.pgm", names[i], th[t][0], th[t][1], l2 ? "l2" : "l1");
                if (CHECK_EQ_INT(0, img_canny(&grey, th[t][0], th[t][1], l2, &out, NULL))) {
                    check_golden(want, &out);
                    img_free(&out);
                }
            }
        img_free(&grey);
        img_free(&src);
    }
}

static void blur_matches_opencv(void)
{
    static const struct { const char *in; int k; double sigma; const char *want; } cases[] = {
        { "chelsea", 3, 0.0, "blur_chelsea_k3_s0.ppm" }, { "chelsea", 5, 0.0, "blur_chelsea_k5_s0.ppm" },
        { "chelsea", 7, 0.0, "blur_chelsea_k7_s0.ppm" }, { "chelsea", 5, 1.2, "blur_chelsea_k5_s1p2.ppm" },
        { "chelsea", 7, 2.0, "blur_chelsea_k7_s2.ppm" }, { "camera", 3, 0.8, "blur_camera_k3_s0p8.pgm" },
        { "camera", 5, 1.5, "blur_camera_k5_s1p5.pgm" }, { "camera", 7, 0.7, "blur_camera_k7_s0p7.pgm" },
        { "camera", 9, 0.0, "blur_camera_k9_s0.pgm" },   { "camera", 11, 3.0, "blur_camera_k11_s3.pgm" },
        { "astro_rgba", 5, 1.0, "blur_astro_rgba_k5_s1.pam" },
    };
    size_t k;
    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        img_image src, out;
        if (!load_input(cases[k].in, &src)) continue;
        if (CHECK_EQ_INT(0, img_gaussian_blur(&src, cases[k].k, cases[k].sigma, &out, NULL))) {
            check_golden(cases[k].want, &out);
            img_free(&out);
        }
        img_free(&src);
    }
}


/* ---- filters and drawing, hand-derived ---- */

/* A 5x5 RGB image: red is an 80 plateau in a ring of 0, green a single 160
 * at the centre, blue 255 everywhere. Levels 50,100,150,200: red is on the
 * contour on the 8 plateau pixels that touch a 0 (80 >= 50 > 0), not at the
 * centre (all its neighbours are 80); green only at the centre; blue nowhere,
 * because pixels beyond the border do not count as neighbours. */
static void contours_hand_case(void)
{
    static const int levels[4] = { 50, 100, 150, 200 };
    img_image src, out;
    int x, y;
    if (!CHECK_EQ_INT(0, img_new(&src, 5, 5, 3, 8, NULL))) return;
    for (y = 0; y < 5; y++)
        for (x = 0; x < 5; x++) {
            uint8_t *p = src.data + (y * 5 + x) * 3;
            p[0] = (uint8_t)(x >= 1 && x <= 3 && y >= 1 && y <= 3 ? 80 : 0);
            p[1] = (uint8_t)(x == 2 && y == 2 ? 160 : 0);
            p[2] = 255;
        }
    if (CHECK_EQ_INT(0, img_contours(&src, levels, 4, &out, NULL))) {
        for (y = 0; y < 5; y++)
            for (x = 0; x < 5; x++) {
                const uint8_t *p = out.data + (y * 5 + x) * 3;
                int ring = x >= 1 && x <= 3 && y >= 1 && y <= 3 && !(x == 2 && y == 2);
                CHECK_EQ_INT(ring ? 255 : 0, p[0]);
                CHECK_EQ_INT(x == 2 && y == 2 ? 255 : 0, p[1]);
                CHECK_EQ_INT(0, p[2]);
            }
        img_free(&out);
    }
    img_free(&src);
}

/* THRESH_BINARY: 128 -> 0, 129 -> 255 at threshold 128; alpha copied. */
static void binary_and_filter_dispatch(void)
{
    img_image src, out;
    img_filter_params p;
    g99_error err;
    static const uint8_t px[8] = { 128, 129, 0, 77, 255, 127, 200, 201 };
    if (!CHECK_EQ_INT(0, img_new(&src, 2, 1, 4, 8, NULL))) return;
    memcpy(src.data, px, 8);
    img_filter_params_default(&p);
    if (CHECK_EQ_INT(0, img_filter("binary", &src, &p, &out, NULL))) {
        static const uint8_t want[8] = { 0, 255, 0, 77, 255, 0, 255, 201 };
        CHECK_EQ_MEM(want, out.data, 8);
        img_free(&out);
    }
    if (CHECK_EQ_INT(0, img_filter("gray", &src, &p, &out, NULL))) {
        CHECK_EQ_INT(1, out.channels);
        img_free(&out);
    }
    CHECK_EQ_INT(G99_EINVAL, img_filter("sepia", &src, &p, &out, &err));
    CHECK_CONTAINS("unknown filter 'sepia'", err.msg);
    p.threshold = 300;
    CHECK_EQ_INT(G99_EINVAL, img_filter("binary", &src, &p, &out, &err));
    img_free(&src);
}

/* cv2.rectangle(img, (1, 1), (5, 4), 9, 1) on an 8x6 image draws rows 1 and
 * 4 for x = 1..5 and columns 1 and 5 for y = 1..4 (checked with cv2). At
 * thickness 2 the band is two pixels wide inside the box; clipped boxes are
 * drawn partly. */
static void rectangle_hand_case(void)
{
    img_image img;
    static const uint8_t nine[4] = { 9, 9, 9, 9 };
    int x, y;
    if (!CHECK_EQ_INT(0, img_new(&img, 8, 6, 1, 8, NULL))) return;
    if (CHECK_EQ_INT(0, img_draw_rectangle(&img, 1, 1, 5, 4, 1, nine, NULL)))
        for (y = 0; y < 6; y++)
            for (x = 0; x < 8; x++) {
                int on = x >= 1 && x <= 5 && y >= 1 && y <= 4 && (x == 1 || x == 5 || y == 1 || y == 4);
                CHECK_EQ_INT(on ? 9 : 0, img.data[y * 8 + x]);
            }
    memset(img.data, 0, 48);
    if (CHECK_EQ_INT(0, img_draw_rectangle(&img, 0, 0, 8, 6, 2, nine, NULL)))
        for (y = 0; y < 6; y++)
            for (x = 0; x < 8; x++) CHECK_EQ_INT(x < 2 || x > 5 || y < 2 || y > 3 ? 9 : 0, img.data[y * 8 + x]);
    memset(img.data, 0, 48);
    CHECK_EQ_INT(0, img_draw_rectangle(&img, -3, 4, 5, 10, 1, nine, NULL));
    CHECK_EQ_INT(9, img.data[4 * 8 + 1]);  /* the right edge x = 1 */
    CHECK_EQ_INT(9, img.data[4 * 8 + 0]);  /* the top edge y = 4 */
    CHECK_EQ_INT(0, img.data[5 * 8 + 0]);  /* inside */
    CHECK_EQ_INT(G99_EINVAL, img_draw_rectangle(&img, 0, 0, 3, 3, 0, nine, NULL));
    img_free(&img);
}

/* Three 2x1 grey images, 2 columns, margin 1, background 9: a 7x5 sheet. */
static void grid_crop_flip_paste(void)
{
    img_image im[3], sheet, crop;
    img_grid_params gp;
    int i;
    static const uint8_t want[35] = { 9, 9, 9, 9, 9, 9, 9, 9, 1, 2, 9, 3, 4, 9, 9, 9, 9, 9,
                                      9, 9, 9, 9, 5, 6, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9 };
    for (i = 0; i < 3; i++) {
        if (!CHECK_EQ_INT(0, img_new(&im[i], 2, 1, 1, 8, NULL))) return;
        im[i].data[0] = (uint8_t)(2 * i + 1);
        im[i].data[1] = (uint8_t)(2 * i + 2);
    }
    memset(&gp, 0, sizeof gp);
    gp.cols = 2;
    gp.margin = 1;
    gp.background[0] = 9;
    if (CHECK_EQ_INT(0, img_grid(im, 3, &gp, &sheet, NULL))) {
        CHECK_EQ_INT(7, sheet.width);
        CHECK_EQ_INT(5, sheet.height);
        CHECK_EQ_MEM(want, sheet.data, 35);
        if (CHECK_EQ_INT(0, img_crop(&sheet, 1, 1, 5, 1, &crop, NULL))) {
            static const uint8_t row[5] = { 1, 2, 9, 3, 4 }, flipped[5] = { 4, 3, 9, 2, 1 };
            CHECK_EQ_MEM(row, crop.data, 5);
            img_flip_horizontal(&crop);
            CHECK_EQ_MEM(flipped, crop.data, 5);
            /* Pasted at x = 4, only its first 3 pixels land inside. */
            CHECK_EQ_INT(0, img_paste(&sheet, &crop, 4, 3, NULL));
            CHECK_EQ_INT(4, sheet.data[3 * 7 + 4]);
            CHECK_EQ_INT(3, sheet.data[3 * 7 + 5]);
            CHECK_EQ_INT(9, sheet.data[3 * 7 + 6]);
            CHECK_EQ_INT(0, img_paste(&sheet, &crop, -100, 100, NULL));
            img_free(&crop);
        }
        CHECK_EQ_INT(G99_EINVAL, img_crop(&sheet, 3, 0, 5, 1, &crop, NULL));
        img_free(&sheet);
    }
    for (i = 0; i < 3; i++) img_free(&im[i]);
}

/* 16-bit images are refused by the arithmetic operations, with a message. */
static void sixteen_bit_is_refused(void)
{
    img_image src, out;
    img_warp_params wp;
    g99_error err;
    if (!CHECK_EQ_INT(0, img_new(&src, 4, 4, 1, 16, NULL))) return;
    memset(&wp, 0, sizeof wp);
    wp.m[0] = wp.m[4] = 1;
    wp.width = wp.height = 4;
    CHECK_EQ_INT(G99_EUNSUPPORTED, img_resize(&src, 2, 2, IMG_INTER_AREA, &out, &err));
    CHECK_CONTAINS("16-bit", err.msg);
    CHECK_EQ_INT(G99_EUNSUPPORTED, img_grey(&src, IMG_ORDER_RGB, &out, &err));
    CHECK_EQ_INT(G99_EUNSUPPORTED, img_warp_affine(&src, &wp, &out, &err));
    CHECK_EQ_INT(G99_EUNSUPPORTED, img_canny(&src, 1, 2, 0, &out, &err));
    CHECK_EQ_INT(G99_EUNSUPPORTED, img_gaussian_blur(&src, 3, 0, &out, &err));
    CHECK_EQ_INT(0, img_crop(&src, 1, 1, 2, 2, &out, NULL));
    CHECK_EQ_INT(16, out.depth);
    img_free(&out);
    img_free(&src);
}

const test_case imgops_tests[] = {
    TEST(grey_matches_opencv),
    TEST(grey_hand_values),
    TEST(resize_linear_exact_matches_opencv),
    TEST(resize_linear_matches_opencv),
    TEST(resize_area_matches_opencv),
    TEST(warp_matches_opencv),
    TEST(similarity_hand_cases),
    TEST(canny_matches_opencv),
    TEST(blur_matches_opencv),
    TEST(contours_hand_case),
    TEST(binary_and_filter_dispatch),
    TEST(rectangle_hand_case),
    TEST(grid_crop_flip_paste),
    TEST(sixteen_bit_is_refused),
    TEST_END
};
