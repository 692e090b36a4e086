/* gan99 filter NAME IN OUT: one training-pair filter (image/filters.c) on
 * one image. Images are read and written as binary PGM/PPM (P5/P6, maxval
 * 255) through the small private helper below until image/'s codecs
 * (img_ppm_*, img_png_*) are merged; then any readable format will do. */
#include "cli.h"
#include "../image/image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: gan99 filter NAME IN OUT [options]\n"
    "\n"
    "Applies one filter to the image IN and writes OUT (binary PGM/PPM for now).\n"
    "\n"
    "filters:\n"
    "  gray      grey as OpenCV's cvtColor(RGB2GRAY)\n"
    "  binary    per colour channel: 255 where the value is > T, else 0\n"
    "  contours  per colour channel: 255 on the iso-contours at the levels\n"
    "            (a pixel >= t with a 4-neighbour < t)\n"
    "  canny     OpenCV's Canny edges of the grey image (3x3 Sobel)\n"
    "  blur      OpenCV's GaussianBlur\n"
    "\n"
    "options:\n"
    "  --threshold T      binary threshold, 0..255 (default 128)\n"
    "  --levels a,b,c     contour levels, 1..255 (default 50,100,150,200)\n"
    "  --low L --high H   Canny thresholds (default 100, 200)\n"
    "  --l2               Canny with the L2 gradient magnitude\n"
    "  --ksize K          blur kernel size, odd (default 5)\n"
    "  --sigma S          blur sigma (default 0: from the kernel size)\n";

/* ---- a minimal binary PGM/PPM reader and writer (private, temporary) ---- */

static int pnm_int(const uint8_t *d, size_t n, size_t *i, long *v)
{
    for (;;) {
        while (*i < n && (d[*i] == ' ' || d[*i] == '\t' || d[*i] == '\r' || d[*i] == '\n')) (*i)++;
        if (*i < n && d[*i] == '#') {
            while (*i < n && d[*i] != '\n') (*i)++;
            continue;
        }
        break;
    }
    if (*i >= n || d[*i] < '0' || d[*i] > '9') return -1;
    *v = 0;
    while (*i < n && d[*i] >= '0' && d[*i] <= '9') {
        if (*v > 100000000) return -1;
        *v = *v * 10 + (d[(*i)++] - '0');
    }
    return 0;
}

static int pnm_read(const char *path, img_image *img, g99_error *err)
{
    uint8_t *d;
    size_t n, i = 2, need;
    long w, h, maxval;
    int rc = g99_read_file(path, (size_t)1 << 30, &d, &n, err), cn;
    img->data = NULL;
    if (rc) return rc;
    if (n < 2 || d[0] != 'P' || (d[1] != '5' && d[1] != '6')) {
        free(d);
        return g99_fail(err, G99_EUNSUPPORTED, "%s: not a binary PGM/PPM (P5/P6) file", path);
    }
    cn = d[1] == '5' ? 1 : 3;
    if (pnm_int(d, n, &i, &w) || pnm_int(d, n, &i, &h) || pnm_int(d, n, &i, &maxval) || i >= n) {
        free(d);
        return g99_fail(err, G99_EFORMAT, "%s: offset %lu: bad or truncated header", path, (unsigned long)i);
    }
    if (maxval != 255) {
        free(d);
        return g99_fail(err, G99_EUNSUPPORTED, "%s: maxval %ld (only 255 for now)", path, maxval);
    }
    i++;  /* the single whitespace after maxval */
    rc = img_check_size((uint64_t)w, (uint64_t)h, NULL, err);
    if (rc) {
        free(d);
        return g99_error_prefix(err, "%s", path);
    }
    need = (size_t)w * (size_t)h * (size_t)cn;
    if (n - i < need) {
        free(d);
        return g99_fail(err, G99_EFORMAT, "%s: offset %lu: %lu bytes of pixels, %lu expected", path,
                        (unsigned long)i, (unsigned long)(n - i), (unsigned long)need);
    }
    rc = img_new(img, (int)w, (int)h, cn, 8, err);
    if (!rc) memcpy(img->data, d + i, need);
    free(d);
    return rc;
}

static int pnm_write(const char *path, const img_image *img, g99_error *err)
{
    char head[64];
    int hn;
    size_t n = (size_t)img->width * img->height;
    const uint8_t *src = img->data;
    uint8_t *tmp = NULL;
    g99_afile f;
    int rc, cn = img->channels == 1 || img->channels == 2 ? 1 : 3;
    if (img->channels != cn) {
        /* PGM/PPM has no alpha: drop it. */
        size_t k;
        int c;
        tmp = (uint8_t *)malloc(n * cn);
        if (!tmp) return g99_fail(err, G99_ENOMEM, "%s: out of memory", path);
        for (k = 0; k < n; k++)
            for (c = 0; c < cn; c++) tmp[k * cn + c] = img->data[k * img->channels + c];
        src = tmp;
    }
    hn = sprintf(head, "P%c\n%d %d\n255\n", cn == 1 ? '5' : '6', img->width, img->height);
    rc = g99_afile_open(&f, path, err);
    if (!rc) rc = g99_afile_write(&f, head, (size_t)hn, err);
    if (!rc) rc = g99_afile_write(&f, src, n * cn, err);
    if (!rc) rc = g99_afile_commit(&f, err);
    free(tmp);
    return rc;
}

/* ---- the command ---- */

static int parse_double(const cli_command *cmd, const char *opt, const char *s, double *v)
{
    char *end;
    *v = strtod(s, &end);
    if (end == s || *end) return cli_usage_error(cmd, "%s wants a number, not '%s'", opt, s);
    return 0;
}

static int parse_levels(const cli_command *cmd, const char *s, img_filter_params *p)
{
    const char *q = s;
    p->n_levels = 0;
    while (*q) {
        char *end;
        long v = strtol(q, &end, 10);
        if (end == q || v < 1 || v > 255 || (*end && *end != ',') || p->n_levels == IMG_FILTER_MAX_LEVELS)
            return cli_usage_error(cmd, "--levels wants up to %d integers 1..255 separated by commas, not '%s'",
                                   IMG_FILTER_MAX_LEVELS, s);
        p->levels[p->n_levels++] = (int)v;
        q = *end ? end + 1 : end;
    }
    if (p->n_levels == 0) return cli_usage_error(cmd, "--levels is empty");
    return 0;
}

extern const cli_command cli_cmd_filter;

static int filter_run(int argc, char **argv)
{
    const cli_command *cmd = &cli_cmd_filter;
    const char *pos[3] = { NULL, NULL, NULL }, *s;
    img_filter_params p;
    img_image in, out;
    g99_error err;
    int i, npos = 0, r, rc;
    long v;
    img_filter_params_default(&p);
    for (i = 1; i < argc; i++) {
        if (argv[i][0] != '-' || argv[i][1] == '\0') {
            if (npos == 3) return cli_usage_error(cmd, "unexpected argument '%s'", argv[i]);
            pos[npos++] = argv[i];
        } else if ((r = cli_opt_long(cmd, argc, argv, &i, "--threshold", &v)) != 0) {
            if (r < 0) return CLI_BAD_INPUT;
            if (v < 0 || v > 255) return cli_usage_error(cmd, "--threshold %ld is outside 0..255", v);
            p.threshold = (int)v;
        } else if ((r = cli_opt_long(cmd, argc, argv, &i, "--ksize", &v)) != 0) {
            if (r < 0) return CLI_BAD_INPUT;
            p.ksize = v < 0 || v > 1000 ? -1 : (int)v;
        } else if ((r = cli_opt_str(cmd, argc, argv, &i, "--levels", &s)) != 0) {
            if (r < 0 || parse_levels(cmd, s, &p)) return CLI_BAD_INPUT;
        } else if ((r = cli_opt_str(cmd, argc, argv, &i, "--low", &s)) != 0) {
            if (r < 0 || parse_double(cmd, "--low", s, &p.low)) return CLI_BAD_INPUT;
        } else if ((r = cli_opt_str(cmd, argc, argv, &i, "--high", &s)) != 0) {
            if (r < 0 || parse_double(cmd, "--high", s, &p.high)) return CLI_BAD_INPUT;
        } else if ((r = cli_opt_str(cmd, argc, argv, &i, "--sigma", &s)) != 0) {
            if (r < 0 || parse_double(cmd, "--sigma", s, &p.sigma)) return CLI_BAD_INPUT;
        } else if (strcmp(argv[i], "--l2") == 0) {
            p.l2_gradient = 1;
        } else {
            return cli_usage_error(cmd, "unknown option '%s'", argv[i]);
        }
    }
    if (npos != 3) return cli_usage_error(cmd, "needs NAME IN OUT");
    g99_error_clear(&err);
    if (pnm_read(pos[1], &in, &err)) return cli_report(&err, err.code == G99_ENOMEM ? CLI_FAILED : CLI_BAD_INPUT);
    rc = img_filter(pos[0], &in, &p, &out, &err);
    img_free(&in);
    if (rc) {
        /* A bad option value names the filter; bad pixels name the file. */
        if (rc != G99_EINVAL) g99_error_prefix(&err, "%s", pos[1]);
        return cli_report(&err, rc == G99_ENOMEM ? CLI_FAILED : CLI_BAD_INPUT);
    }
    rc = pnm_write(pos[2], &out, &err);
    img_free(&out);
    if (rc) return cli_report(&err, CLI_FAILED);
    return CLI_OK;
}

const cli_command cli_cmd_filter = {
    "filter",
    "apply a training-pair filter (gray, binary, contours, canny, blur) to an image",
    usage,
    filter_run,
};
