/* Pictures of gan/plot.c and gan/samples.c: the loss plot against a PNG the
 * previous plotter wrote, its legend, colours and font coverage; tensors to
 * images, grids, sample rows and class maps against hand-derived bytes.
 *
 * golden/pictures/loss.csv and loss.png are the loss.csv and loss.png of a
 * 20-step DCGAN training run made by gan99 before the plot took more than 4
 * series (loss.png sha256 7729c708bc9dd0612aac5ca15a01c6c797cb7d3fc2ca6d3
 * 99ae54125cc3125aa); the CSV's %.9g values give back the exact floats.
 *
 * Plot geometry used below (640x400, plot area x 64..624, y 16..356): a
 * legend entry k has its swatch on rows 26 + 12k and 27 + 12k from x =
 * lx - 22 to lx - 6 and its name's 5x7 cells at x = lx + 6i, y = 23 + 12k,
 * where lx = 586, moved left by (width of the longest name - 32) when that
 * is wider than 32 pixels (a name of c characters is 6c - 1 wide). */
#include "test.h"
#include "../gan/gan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the loss plot --------------------------------------------------------- */

static void plot_r20_same_bytes_as_before(void)
{
    uint8_t *csv = NULL, *want = NULL, *got = NULL;
    size_t csv_len, want_len, got_len;
    float d[64], g[64];
    const float *series[2];
    static const char *const names[2] = { "D", "G" };
    g99_error err;
    const char *path = test_tmp_path("r20_loss.png");
    char *s, *line;
    int n = 0;
    if (!CHECK_EQ_INT(0, g99_read_file("golden/pictures/loss.csv", 1 << 20, &csv, &csv_len, &err)) ||
        !CHECK_EQ_INT(0, g99_read_file("golden/pictures/loss.png", 1 << 20, &want, &want_len, &err)))
        goto done;
    /* to a C string; columns step,loss_d,loss_g,..., the header first */
    s = (char *)realloc(csv, csv_len + 1);
    if (!CHECK(s != NULL)) goto done;
    csv = (uint8_t *)s;
    s[csv_len] = '\0';
    line = strchr(s, '\n');
    while (line && line[1] && n < 64) {
        char *p = line + 1, *end;
        CHECK_EQ_INT(n + 1, strtol(p, &end, 10));
        d[n] = strtof(end + 1, &end);
        g[n] = strtof(end + 1, &end);
        n++;
        line = strchr(end, '\n');
    }
    CHECK_EQ_INT(20, n);
    series[0] = d;
    series[1] = g;
    if (CHECK_EQ_INT(0, gan_plot_losses(path, series, names, 2, (size_t)n, &err)) &&
        CHECK_EQ_INT(0, g99_read_file(path, 1 << 20, &got, &got_len, &err)) && CHECK_EQ_U64(want_len, got_len))
        CHECK_EQ_MEM(want, got, want_len);
done:
    free(csv);
    free(want);
    free(got);
}

static int is_black(const img_image *g, int x, int y)
{
    const uint8_t *p = g->data + ((size_t)y * g->width + x) * 3;
    return p[0] == 0 && p[1] == 0 && p[2] == 0;
}

static int has_colour(const img_image *g, int x, int y, const uint8_t *c)
{
    const uint8_t *p = g->data + ((size_t)y * g->width + x) * 3;
    return p[0] == c[0] && p[1] == c[1] && p[2] == c[2];
}

/* Any black pixel in the 5x7 cell at (x, y)? Only text is black there. */
static int cell_inked(const img_image *g, int x, int y)
{
    int i, j;
    for (j = 0; j < 7; j++)
        for (i = 0; i < 5; i++)
            if (is_black(g, x + i, y + j)) return 1;
    return 0;
}

/* Plots n_series series of 3 steps (series k at constant k) and loads the PNG. */
static int plot_and_load(const char *const *names, int n_series, img_image *g)
{
    static float v[GAN_PLOT_MAX_SERIES + 1][3];
    const float *series[GAN_PLOT_MAX_SERIES + 1];
    g99_error err;
    const char *path = test_tmp_path("plot.png");
    int k;
    for (k = 0; k < n_series; k++) {
        v[k][0] = v[k][1] = v[k][2] = (float)k;
        series[k] = v[k];
    }
    if (!CHECK_EQ_INT(0, gan_plot_losses(path, series, names, n_series, 3, &err))) {
        fprintf(stderr, "    %s\n", err.msg);
        return 0;
    }
    return CHECK_EQ_INT(0, img_png_load(path, NULL, g, &err)) && CHECK_EQ_INT(640, g->width) &&
           CHECK_EQ_INT(400, g->height) && CHECK_EQ_INT(3, g->channels);
}

static void plot_sixteen_series_colours(void)
{
    /* matplotlib's tab10 (#1f77b4 #ff7f0e #2ca02c #d62728 #9467bd #8c564b
     * #e377c2 #7f7f7f #bcbd22 #17becf), then the six dashed ones */
    static const uint8_t want[16][3] = {
        { 31, 119, 180 }, { 255, 127, 14 }, { 44, 160, 44 }, { 214, 39, 40 }, { 148, 103, 189 }, { 140, 86, 75 },
        { 227, 119, 194 }, { 127, 127, 127 }, { 188, 189, 34 }, { 23, 190, 207 }, { 0, 0, 128 }, { 128, 0, 0 },
        { 0, 100, 0 }, { 184, 134, 11 }, { 200, 0, 200 }, { 0, 128, 128 },
    };
    static const char *const names[16] = { "a", "b", "c", "d", "e", "f", "g", "h",
                                           "i", "j", "k", "l", "m", "n", "o", "p" };
    img_image g;
    int k;
    if (!plot_and_load(names, 16, &g)) return;
    for (k = 0; k < 16; k++) {
        int y = 26 + 12 * k;
        /* the swatch x = 564..580; dashed ones draw 4 steps of 7 */
        CHECK(has_colour(&g, 564, y, want[k]));
        CHECK(has_colour(&g, 567, y + 1, want[k]));
        CHECK(has_colour(&g, 580, y, want[k]));
        CHECK_EQ_INT(k < 10, has_colour(&g, 568, y, want[k]));
        CHECK_EQ_INT(k < 10, has_colour(&g, 570, y + 1, want[k]));
        CHECK(has_colour(&g, 571, y, want[k]));
        CHECK(cell_inked(&g, 586, 23 + 12 * k));
        CHECK(!cell_inked(&g, 592, 23 + 12 * k));
    }
    img_free(&g);
}

static void plot_font_covers_the_names(void)
{
    static const char *const names[3] = { "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefgh", "ijklmnopqrstuvwxyz0123456789_-.:/()",
                                          "A B#" };
    img_image g;
    int k, i, lx = 586 - ((6 * 35 - 1) - 32);
    if (!plot_and_load(names, 3, &g)) return;
    for (k = 0; k < 2; k++)
        for (i = 0; names[k][i]; i++)
            if (!CHECK(cell_inked(&g, lx + 6 * i, 23 + 12 * k))) fprintf(stderr, "    (character '%c')\n", names[k][i]);
    /* space and characters without a glyph are blanks */
    CHECK(cell_inked(&g, lx, 47));
    CHECK(!cell_inked(&g, lx + 6, 47));
    CHECK(cell_inked(&g, lx + 12, 47));
    CHECK(!cell_inked(&g, lx + 18, 47));
    /* a few glyphs by hand: '1' is .##.. on its second row, '_' its bottom row */
    CHECK(!is_black(&g, lx + 6 * 19, 12 + 23 + 1));
    CHECK(is_black(&g, lx + 6 * 19 + 1, 12 + 23 + 1));
    CHECK(is_black(&g, lx + 6 * 19 + 2, 12 + 23 + 1));
    for (i = 0; i < 5; i++) {
        CHECK(is_black(&g, lx + 6 * 28 + i, 12 + 23 + 6));
        CHECK(!is_black(&g, lx + 6 * 28 + i, 12 + 23 + 5));
    }
    img_free(&g);
}

static void plot_long_name_cut_and_moved_left(void)
{
    char name[46];
    const char *names[1];
    img_image g;
    int lx = 586 - ((6 * GAN_PLOT_NAME_MAX - 1) - 32), y = 23, i;
    static const uint8_t blue[3] = { 31, 119, 180 };
    memset(name, 'W', 45);
    name[45] = '\0';
    names[0] = name;
    if (!plot_and_load(names, 1, &g)) return;
    /* shown as 38 W and "..", ending 6 pixels short of the plot's edge (624) */
    CHECK_EQ_INT(379, lx);
    CHECK(is_black(&g, lx + 6 * 37, y));        /* W's top row is #...# */
    CHECK(is_black(&g, lx + 6 * 37 + 4, y));
    CHECK(!is_black(&g, lx + 6 * 37 + 2, y));
    for (i = 38; i < 40; i++) {                /* '.' is .##.. on rows 5 and 6 */
        CHECK(!cell_inked(&g, lx + 6 * i, y - 2));
        CHECK(is_black(&g, lx + 6 * i + 1, y + 5));
        CHECK(is_black(&g, lx + 6 * i + 2, y + 6));
        CHECK(!is_black(&g, lx + 6 * i, y + 5));
    }
    CHECK(!cell_inked(&g, lx + 6 * 40, y));
    CHECK(has_colour(&g, lx - 22, 26, blue));
    CHECK(has_colour(&g, lx - 6, 27, blue));
    img_free(&g);
}

static void plot_refuses_bad_arguments(void)
{
    static const float v[2] = { 1, 2 };
    const float *series[17];
    const char *names[17];
    g99_error err;
    const char *path = test_tmp_path("bad_plot.png");
    int k;
    for (k = 0; k < 17; k++) {
        series[k] = v;
        names[k] = "x";
    }
    CHECK_EQ_INT(G99_EINVAL, gan_plot_losses(path, series, names, 0, 2, &err));
    CHECK_EQ_INT(G99_EINVAL, gan_plot_losses(path, series, names, 17, 2, &err));
    CHECK_CONTAINS("17 series", err.msg);
    names[3] = NULL;
    CHECK_EQ_INT(G99_EINVAL, gan_plot_losses(path, series, names, 4, 2, &err));
    CHECK_CONTAINS("series 4 has no name", err.msg);
    names[3] = "x";
    series[1] = NULL;
    CHECK_EQ_INT(G99_EINVAL, gan_plot_losses(path, series, names, 4, 2, &err));
    CHECK_CONTAINS("series 2 has no values", err.msg);
}

/* ---- tensors to images -------------------------------------------------------- */

/* Float to byte by hand: round((v + 1) * 127.5), clamped:
 * -1 -> 0, -0.5 -> 63.75 -> 64, 0 -> 127.5 -> 128, 0.5 -> 191.25 -> 191,
 * 1 -> 255, 2 -> 382.5 -> 255. */

static void tensor_image_not_square(void)
{
    /* grey, width 3, height 2 */
    static const float x[6] = { -1, 0, 1, 0.5f, -0.5f, 2 };
    static const uint8_t want[6] = { 0, 128, 255, 191, 64, 255 };
    /* RGB, width 2, height 1, scale 2: r = (1, -1), g = (0, 0.5), b = (-0.5, -1) */
    static const float rgb[6] = { 1, -1, 0, 0.5f, -0.5f, -1 };
    static const uint8_t want_rgb[2][3] = { { 255, 128, 64 }, { 0, 191, 0 } };
    img_image g;
    g99_error err;
    int i, j;
    if (CHECK_EQ_INT(0, gan_tensor_image_wh(x, 1, 3, 2, 1, &g, &err))) {
        CHECK_EQ_INT(3, g.width);
        CHECK_EQ_INT(2, g.height);
        CHECK_EQ_INT(1, g.channels);
        CHECK_EQ_MEM(want, g.data, 6);
        img_free(&g);
    }
    if (CHECK_EQ_INT(0, gan_tensor_image_wh(rgb, 3, 2, 1, 2, &g, &err))) {
        CHECK_EQ_INT(4, g.width);
        CHECK_EQ_INT(2, g.height);
        CHECK_EQ_INT(3, g.channels);
        for (j = 0; j < 2; j++)
            for (i = 0; i < 4; i++) CHECK_EQ_MEM(want_rgb[i / 2], g.data + (j * 4 + i) * 3, 3);
        img_free(&g);
    }
    CHECK_EQ_INT(G99_EINVAL, gan_tensor_image_wh(x, 2, 3, 1, 1, &g, &err));   /* 2 channels: neither grey nor RGB */
    CHECK_EQ_INT(G99_EINVAL, gan_tensor_image_wh(x, 1, 3, 0, 1, &g, &err));
    CHECK_EQ_INT(G99_EINVAL, gan_tensor_image_wh(x, 1, 3, 2, 0, &g, &err));
}

static void grid_not_square(void)
{
    /* 3 grey images 2 wide, 1 high: 2 columns, 2 rows, margin 2:
     * (2*2 + 3*2) x (2*1 + 3*2) = 10 x 8, image i at (2 + 4 (i % 2), 2 + 3 (i / 2)) */
    static const float x[6] = { -1, 1, 0, 0.5f, -0.5f, -1 };
    enum { W = 255 };
    static const uint8_t want[80] = {
        W, W, W, W, W,   W,   W, W, W, W,
        W, W, W, W, W,   W,   W, W, W, W,
        W, W, 0, 255, W, W, 128, 191, W, W,
        W, W, W, W, W,   W,   W, W, W, W,
        W, W, W, W, W,   W,   W, W, W, W,
        W, W, 64, 0, W,  W,   W, W, W, W,
        W, W, W, W, W,   W,   W, W, W, W,
        W, W, W, W, W,   W,   W, W, W, W,
    };
    img_image g;
    g99_error err;
    if (CHECK_EQ_INT(0, gan_sample_grid_wh(x, 3, 1, 2, 1, 1, &g, &err))) {
        CHECK_EQ_INT(10, g.width);
        CHECK_EQ_INT(8, g.height);
        CHECK_EQ_INT(1, g.channels);
        CHECK_EQ_MEM(want, g.data, 80);
        img_free(&g);
    }
}

static void grid_square_rgb(void)
{
    /* 1 RGB image 1x1 at scale 2: a 6x6 sheet, the image on (2..3, 2..3) */
    static const float x[3] = { 1, 0, -1 };
    img_image g;
    g99_error err;
    int i, j;
    if (CHECK_EQ_INT(0, gan_sample_grid(x, 1, 3, 1, 2, &g, &err))) {
        CHECK_EQ_INT(6, g.width);
        CHECK_EQ_INT(6, g.height);
        CHECK_EQ_INT(3, g.channels);
        for (j = 0; j < 6; j++)
            for (i = 0; i < 6; i++) {
                const uint8_t *p = g.data + (j * 6 + i) * 3;
                int in = i >= 2 && i < 4 && j >= 2 && j < 4;
                CHECK_EQ_INT(255, p[0]);
                CHECK_EQ_INT(in ? 128 : 255, p[1]);
                CHECK_EQ_INT(in ? 0 : 255, p[2]);
            }
        img_free(&g);
    }
}

static void sample_rows_grey_and_rgb(void)
{
    /* 2 rows of (grey | RGB), images 2x1: (2*2 + 3*2) x (2*1 + 3*2) = 10 x 8,
     * column c of row r at (2 + 4c, 2 + 3r) */
    static const float grey[4] = { -1, 1, /* row 1 */ 0, 0.5f };
    static const float rgb[12] = { 1, -1, -1, 1, 0, 0, /* row 1 */ 0.5f, 0.5f, -0.5f, -0.5f, -1, 1 };
    static const uint8_t row0[8][3] = { { 0, 0, 0 }, { 255, 255, 255 }, { 255, 255, 255 }, { 255, 255, 255 },
                                        { 255, 0, 128 }, { 0, 255, 128 } };
    static const uint8_t row1[8][3] = { { 128, 128, 128 }, { 191, 191, 191 }, { 255, 255, 255 }, { 255, 255, 255 },
                                        { 191, 64, 0 }, { 191, 64, 255 } };
    const float *cols[2];
    static const int chans[2] = { 1, 3 };
    img_image g;
    g99_error err;
    int i, j;
    cols[0] = grey;
    cols[1] = rgb;
    if (CHECK_EQ_INT(0, gan_sample_rows(cols, chans, 2, 2, 2, 1, &g, &err))) {
        CHECK_EQ_INT(10, g.width);
        CHECK_EQ_INT(8, g.height);
        CHECK_EQ_INT(3, g.channels);
        for (j = 0; j < 8; j++)
            for (i = 0; i < 10; i++) {
                static const uint8_t white[3] = { 255, 255, 255 };
                const uint8_t *want = white;
                if ((j == 2 || j == 5) && i >= 2 && i < 8) want = (j == 2 ? row0 : row1)[i - 2];
                if (!CHECK_EQ_MEM(want, g.data + (j * 10 + i) * 3, 3)) fprintf(stderr, "    (pixel %d,%d)\n", i, j);
            }
        img_free(&g);
    }
    /* every column grey: a grey sheet, 3 columns of one row: 3*2 + 4*2 = 14 x 5 */
    {
        static const int ones[3] = { 1, 1, 1 };
        const float *three[3];
        three[0] = three[1] = three[2] = grey;
        if (CHECK_EQ_INT(0, gan_sample_rows(three, ones, 3, 1, 2, 1, &g, &err))) {
            CHECK_EQ_INT(14, g.width);
            CHECK_EQ_INT(5, g.height);
            CHECK_EQ_INT(1, g.channels);
            CHECK_EQ_INT(0, g.data[2 * 14 + 10]);
            CHECK_EQ_INT(255, g.data[2 * 14 + 11]);
            CHECK_EQ_INT(255, g.data[2 * 14 + 12]);
            img_free(&g);
        }
    }
    CHECK_EQ_INT(G99_EINVAL, gan_sample_rows(cols, chans, 0, 2, 2, 1, &g, &err));
    CHECK_EQ_INT(G99_EINVAL, gan_sample_rows(cols, chans, 2, 0, 2, 1, &g, &err));
    {
        static const int bad[2] = { 1, 2 };
        CHECK_EQ_INT(G99_EINVAL, gan_sample_rows(cols, bad, 2, 2, 2, 1, &g, &err));
    }
}

/* ---- class maps --------------------------------------------------------------- */

static void label_image_face_parts(void)
{
    /* 3 classes, 2x2: argmax 0; 2; a tie of 1 and 2 -> 1; class 0 NaN -> 2 */
    const float nan = (float)NAN;
    const float x[12] = { 0.9f, 0.1f, 0.2f, nan,   /* class 0 */
                          0.05f, 0.2f, 0.4f, 0.1f, /* class 1 */
                          0.05f, 0.7f, 0.4f, 0.3f };
    static const uint8_t want[12] = { 0, 0, 0, 140, 70, 20, 255, 200, 150, 140, 70, 20 };
    /* every part on its own */
    static const uint8_t parts[7][3] = { { 0, 0, 0 },     { 255, 200, 150 }, { 140, 70, 20 }, { 0, 100, 255 },
                                         { 200, 0, 200 }, { 0, 190, 0 },     { 230, 0, 0 } };
    float onehot[7 * 7];
    img_image g;
    g99_error err;
    int k;
    if (CHECK_EQ_INT(0, gan_label_image(x, 3, 2, 2, &g, &err))) {
        CHECK_EQ_INT(2, g.width);
        CHECK_EQ_INT(2, g.height);
        CHECK_EQ_INT(3, g.channels);
        CHECK_EQ_MEM(want, g.data, 12);
        img_free(&g);
    }
    for (k = 0; k < 49; k++) onehot[k] = k % 8 == 0 ? 1.0f : 0.0f;   /* pixel p is class p (7x1 image) */
    if (CHECK_EQ_INT(0, gan_label_image(onehot, GAN_PART_COUNT, 7, 1, &g, &err))) {
        CHECK_EQ_MEM(parts, g.data, 21);
        img_free(&g);
    }
    CHECK_EQ_INT(G99_EINVAL, gan_label_image(x, 0, 2, 2, &g, &err));
    CHECK_EQ_INT(G99_EINVAL, gan_label_image(x, GAN_LABEL_MAX_CLASSES + 1, 2, 2, &g, &err));
    CHECK_EQ_INT(G99_EINVAL, gan_label_image(x, 3, 0, 2, &g, &err));
}

static void label_image_voc_palette(void)
{
    /* 256 classes, 4x1, argmax 7, 8, 20, 255: the PASCAL VOC colour map's
     * (128,128,128), (64,0,0), (0,64,128) "tvmonitor" and (224,224,192) "void" */
    static const int cls[4] = { 7, 8, 20, 255 };
    static const uint8_t want[12] = { 128, 128, 128, 64, 0, 0, 0, 64, 128, 224, 224, 192 };
    float *x = (float *)calloc(256 * 4, sizeof *x);
    img_image g;
    g99_error err;
    int p;
    if (!CHECK(x != NULL)) return;
    for (p = 0; p < 4; p++) x[cls[p] * 4 + p] = 1.0f;
    if (CHECK_EQ_INT(0, gan_label_image(x, 256, 4, 1, &g, &err))) {
        CHECK_EQ_MEM(want, g.data, 12);
        img_free(&g);
    }
    free(x);
}

const test_case pictures_tests[] = {
    TEST(plot_r20_same_bytes_as_before),
    TEST(plot_sixteen_series_colours),
    TEST(plot_font_covers_the_names),
    TEST(plot_long_name_cut_and_moved_left),
    TEST(plot_refuses_bad_arguments),
    TEST(tensor_image_not_square),
    TEST(grid_not_square),
    TEST(grid_square_rgb),
    TEST(sample_rows_grey_and_rgb),
    TEST(label_image_face_parts),
    TEST(label_image_voc_palette),
    TEST_END
};
