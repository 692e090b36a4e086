/* gan: the loss plot of a training run (loss.png in the run folder), drawn by
 * gan99 itself: white canvas, axes with "nice" ticks (1, 2 or 5 times a
 * power of ten), light grid lines, tick labels and axis titles in a built-in
 * 5x7 bitmap font, one polyline per series and a legend stacked in the top
 * right corner. Non-finite values are left out (a gap in the line).
 *
 * Colours: the first ten are matplotlib's "tab10" cycle (so D and G are its
 * blue and orange); series 11 to 16 get six darker colours drawn dashed, so
 * no two series look alike even where colours are close. */
#include "gan.h"

#include <stdio.h>

#define W 640
#define H 400
#define LEFT 64
#define RIGHT 16
#define TOP 16
#define BOTTOM 44
#define DASHED 10  /* series from the 11th on are dashed */

/* 5x7 glyphs, one byte per row, bit 4 the leftmost column (hand-drawn in the
 * style of the HD44780's character ROM): digits, A-Z, a-z and _-.:/() .
 * Lowercase letters with descenders (g j p q y) sit one row higher to fit
 * in 7 rows. A character without a glyph, space included, is a blank. */
static const struct glyph {
    char c;
    uint8_t rows[7];
} font[] = {
    { '0', { 0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E } }, { '1', { 0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E } },
    { '2', { 0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F } }, { '3', { 0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E } },
    { '4', { 0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02 } }, { '5', { 0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E } },
    { '6', { 0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E } }, { '7', { 0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08 } },
    { '8', { 0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E } }, { '9', { 0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C } },
    { '.', { 0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C } }, { '-', { 0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00 } },
    { '_', { 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1F } }, { ':', { 0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00 } },
    { '/', { 0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00 } }, { '(', { 0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02 } },
    { ')', { 0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08 } }, { 'A', { 0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11 } },
    { 'B', { 0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E } }, { 'C', { 0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E } },
    { 'D', { 0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C } }, { 'E', { 0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F } },
    { 'F', { 0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10 } }, { 'G', { 0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F } },
    { 'H', { 0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11 } }, { 'I', { 0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E } },
    { 'J', { 0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C } }, { 'K', { 0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11 } },
    { 'L', { 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F } }, { 'M', { 0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11 } },
    { 'N', { 0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11 } }, { 'O', { 0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E } },
    { 'P', { 0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10 } }, { 'Q', { 0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D } },
    { 'R', { 0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11 } }, { 'S', { 0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E } },
    { 'T', { 0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04 } }, { 'U', { 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E } },
    { 'V', { 0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04 } }, { 'W', { 0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A } },
    { 'X', { 0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11 } }, { 'Y', { 0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04 } },
    { 'Z', { 0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F } }, { 'a', { 0x00, 0x00, 0x0E, 0x01, 0x0F, 0x11, 0x0F } },
    { 'b', { 0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x1E } }, { 'c', { 0x00, 0x00, 0x0E, 0x10, 0x10, 0x11, 0x0E } },
    { 'd', { 0x01, 0x01, 0x0D, 0x13, 0x11, 0x11, 0x0F } }, { 'e', { 0x00, 0x00, 0x0E, 0x11, 0x1F, 0x10, 0x0E } },
    { 'f', { 0x06, 0x09, 0x08, 0x1C, 0x08, 0x08, 0x08 } }, { 'g', { 0x00, 0x0F, 0x11, 0x11, 0x0F, 0x01, 0x0E } },
    { 'h', { 0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x11 } }, { 'i', { 0x04, 0x00, 0x0C, 0x04, 0x04, 0x04, 0x0E } },
    { 'j', { 0x02, 0x00, 0x06, 0x02, 0x02, 0x12, 0x0C } }, { 'k', { 0x10, 0x10, 0x12, 0x14, 0x18, 0x14, 0x12 } },
    { 'l', { 0x0C, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E } }, { 'm', { 0x00, 0x00, 0x1A, 0x15, 0x15, 0x11, 0x11 } },
    { 'n', { 0x00, 0x00, 0x16, 0x19, 0x11, 0x11, 0x11 } }, { 'o', { 0x00, 0x00, 0x0E, 0x11, 0x11, 0x11, 0x0E } },
    { 'p', { 0x00, 0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10 } }, { 'q', { 0x00, 0x0F, 0x11, 0x11, 0x0F, 0x01, 0x01 } },
    { 'r', { 0x00, 0x00, 0x16, 0x19, 0x10, 0x10, 0x10 } }, { 's', { 0x00, 0x00, 0x0E, 0x10, 0x0E, 0x01, 0x1E } },
    { 't', { 0x08, 0x08, 0x1C, 0x08, 0x08, 0x09, 0x06 } }, { 'u', { 0x00, 0x00, 0x11, 0x11, 0x11, 0x13, 0x0D } },
    { 'v', { 0x00, 0x00, 0x11, 0x11, 0x11, 0x0A, 0x04 } }, { 'w', { 0x00, 0x00, 0x11, 0x11, 0x15, 0x15, 0x0A } },
    { 'x', { 0x00, 0x00, 0x11, 0x0A, 0x04, 0x0A, 0x11 } }, { 'y', { 0x00, 0x11, 0x11, 0x11, 0x0F, 0x01, 0x0E } },
    { 'z', { 0x00, 0x00, 0x1F, 0x02, 0x04, 0x08, 0x1F } },
};

static void put(img_image *img, int x, int y, const uint8_t *c)
{
    uint8_t *p;
    if (x < 0 || y < 0 || x >= img->width || y >= img->height) return;
    p = img->data + ((size_t)y * img->width + x) * 3;
    p[0] = c[0];
    p[1] = c[1];
    p[2] = c[2];
}

/* Text with its top-left corner at (x, y), 6 pixels a character. */
static void text(img_image *img, int x, int y, const char *s, const uint8_t *c)
{
    for (; *s; s++, x += 6) {
        size_t g;
        int r, b;
        for (g = 0; g < sizeof font / sizeof font[0] && font[g].c != *s; g++) {}
        if (g == sizeof font / sizeof font[0]) continue;
        for (r = 0; r < 7; r++)
            for (b = 0; b < 5; b++)
                if (font[g].rows[r] & (0x10 >> b)) put(img, x + b, y + r, c);
    }
}

/* The same text with a white outline a pixel wide under it, so it stays
 * readable over the lines it is drawn on. */
static void text_on_top(img_image *img, int x, int y, const char *s, const uint8_t *c)
{
    static const uint8_t white[3] = { 255, 255, 255 };
    int dx, dy;
    for (dy = -1; dy <= 1; dy++)
        for (dx = -1; dx <= 1; dx++)
            if (dx || dy) text(img, x + dx, y + dy, s, white);
    text(img, x, y, s, c);
}

static int text_width(const char *s)
{
    return 6 * (int)strlen(s) - 1;
}

/* Bresenham's line, two pixels thick (the second one below). With dash
 * not NULL the line is dashed, 4 steps drawn and 3 skipped, *dash counting
 * the steps so a polyline's dashes run on across its segments. */
static void line(img_image *img, int x0, int y0, int x1, int y1, const uint8_t *c, int *dash)
{
    int dx = x1 > x0 ? x1 - x0 : x0 - x1, dy = y1 > y0 ? y0 - y1 : y1 - y0;
    int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, e = dx + dy;
    for (;;) {
        int e2 = 2 * e;
        if (!dash || (*dash)++ % 7 < 4) {
            put(img, x0, y0, c);
            put(img, x0, y0 + 1, c);
        }
        if (x0 == x1 && y0 == y1) break;
        if (e2 >= dy) {
            e += dy;
            x0 += sx;
        }
        if (e2 <= dx) {
            e += dx;
            y0 += sy;
        }
    }
}

/* A tick spacing of 1, 2 or 5 times a power of ten giving about `want` ticks over span. */
static double nice_step(double span, int want)
{
    double raw = span / want, p = 1.0;
    if (!(raw > 0)) return 1.0;
    while (p * 10.0 <= raw) p *= 10.0;
    while (p > raw) p /= 10.0;
    if (raw / p < 1.5) return p;
    if (raw / p < 3.5) return 2.0 * p;
    if (raw / p < 7.5) return 5.0 * p;
    return 10.0 * p;
}

static int is_finite(float v)
{
    return v == v && v - v == 0.0f;
}

static double floor_d(double v)
{
    double t = (double)(long long)v;
    return t > v ? t - 1.0 : t;
}

/* A legend name as shown: at most GAN_PLOT_NAME_MAX characters, a longer
 * one cut to fit with ".." at its end. */
static void legend_name(const char *name, char *buf)
{
    size_t len = strlen(name);
    if (len <= GAN_PLOT_NAME_MAX) {
        memcpy(buf, name, len + 1);
        return;
    }
    memcpy(buf, name, GAN_PLOT_NAME_MAX - 2);
    memcpy(buf + GAN_PLOT_NAME_MAX - 2, "..", 3);
}

int gan_plot_losses(const char *path, const float *const *series, const char *const *names, int n_series, size_t n,
                    g99_error *err)
{
    static const uint8_t black[3] = { 0, 0, 0 }, grey[3] = { 225, 225, 225 };
    static const uint8_t colours[GAN_PLOT_MAX_SERIES][3] = {
        { 31, 119, 180 }, { 255, 127, 14 }, { 44, 160, 44 }, { 214, 39, 40 },  { 148, 103, 189 },
        { 140, 86, 75 },  { 227, 119, 194 }, { 127, 127, 127 }, { 188, 189, 34 }, { 23, 190, 207 },
        { 0, 0, 128 },    { 128, 0, 0 },    { 0, 100, 0 },    { 184, 134, 11 }, { 200, 0, 200 },
        { 0, 128, 128 },
    };
    img_image img;
    double lo = 0, hi = 0, ys, xs, t;
    size_t i;
    int k, any = 0, pw = W - LEFT - RIGHT, ph = H - TOP - BOTTOM, rc, lx, name_w = 0;
    char buf[32], name[GAN_PLOT_NAME_MAX + 1];
    if (n_series < 1 || n_series > GAN_PLOT_MAX_SERIES)
        return g99_fail(err, G99_EINVAL, "plot: %d series (1..%d)", n_series, GAN_PLOT_MAX_SERIES);
    if (!series || !names) return g99_fail(err, G99_EINVAL, "plot: no series or no names");
    for (k = 0; k < n_series; k++) {
        if (!names[k] || (n > 0 && !series[k]))
            return g99_fail(err, G99_EINVAL, "plot: series %d has no %s", k + 1, names[k] ? "values" : "name");
        legend_name(names[k], name);
        if (text_width(name) > name_w) name_w = text_width(name);
    }
    /* The legend's names start 38 pixels left of the plot's right edge, or
     * further left when the longest would pass 6 pixels short of it. */
    lx = LEFT + pw - 38 - (name_w > 32 ? name_w - 32 : 0);
    rc = img_new(&img, W, H, 3, 8, err);
    if (rc) return rc;
    memset(img.data, 255, (size_t)W * H * 3);
    for (k = 0; k < n_series; k++)
        for (i = 0; i < n; i++)
            if (is_finite(series[k][i])) {
                if (!any || series[k][i] < lo) lo = series[k][i];
                if (!any || series[k][i] > hi) hi = series[k][i];
                any = 1;
            }
    if (!any || hi - lo < 1e-6) {
        lo -= 0.5;
        hi += 0.5;
    }
    ys = nice_step(hi - lo, 6);
    lo = floor_d(lo / ys) * ys;
    hi = -floor_d(-hi / ys) * ys;
    xs = nice_step(n > 1 ? (double)n : 1.0, 8);
    /* grid and tick labels */
    for (t = lo; t <= hi + ys * 0.5; t += ys) {
        int y = TOP + ph - (int)((t - lo) / (hi - lo) * ph + 0.5);
        line(&img, LEFT, y, LEFT + pw, y, grey, NULL);
        snprintf(buf, sizeof buf, ys >= 1 ? "%.0f" : ys >= 0.1 ? "%.1f" : "%.2f", t);
        text(&img, LEFT - 6 - text_width(buf), y - 3, buf, black);
    }
    for (t = 0; t <= (double)n + xs * 0.01; t += xs) {
        int x = LEFT + (int)(t / (n > 1 ? (double)n : 1.0) * pw + 0.5);
        line(&img, x, TOP, x, TOP + ph, grey, NULL);
        if (t >= 10000 && (long long)t % 1000 == 0) snprintf(buf, sizeof buf, "%lldk", (long long)t / 1000);
        else snprintf(buf, sizeof buf, "%lld", (long long)t);
        text(&img, x - text_width(buf) / 2, TOP + ph + 6, buf, black);
    }
    /* axes and titles */
    line(&img, LEFT, TOP, LEFT, TOP + ph, black, NULL);
    line(&img, LEFT, TOP + ph, LEFT + pw, TOP + ph, black, NULL);
    text(&img, LEFT + pw / 2 - text_width("STEP") / 2, H - 14, "STEP", black);
    text(&img, 4, TOP + ph / 2 - 3, "LOSS", black);
    /* the series: point i at step i + 1 */
    for (k = 0; k < n_series; k++) {
        int have = 0, px = 0, py = 0, phase = 0, *dash = k >= DASHED ? &phase : NULL;
        for (i = 0; i < n; i++) {
            int x, y;
            if (!is_finite(series[k][i])) {
                have = 0;
                continue;
            }
            x = LEFT + (int)((double)(i + 1) / (double)(n > 1 ? n : 1) * pw + 0.5);
            y = TOP + ph - (int)(((double)series[k][i] - lo) / (hi - lo) * ph + 0.5);
            if (have) line(&img, px, py, x, y, colours[k], dash);
            else put(&img, x, y, colours[k]);
            px = x;
            py = y;
            have = 1;
        }
    }
    /* the legend on top of the lines, one entry every 12 pixels down (16 fit
     * the plot's height) */
    for (k = 0; k < n_series; k++) {
        int phase = 0;
        line(&img, lx - 22, TOP + 10 + 12 * k, lx - 6, TOP + 10 + 12 * k, colours[k], k >= DASHED ? &phase : NULL);
        legend_name(names[k], name);
        text_on_top(&img, lx, TOP + 7 + 12 * k, name, black);
    }
    rc = img_png_save(path, &img, err);
    img_free(&img);
    return rc;
}
