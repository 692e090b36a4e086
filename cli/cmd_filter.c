/* gan99 filter NAME IN OUT: one training-pair filter (image/filters.c) on
 * one image. IN is read by content (img_load: PNG, JPEG, PGM/PPM), OUT is
 * written in the format its extension names (img_save). */
#include "cli.h"
#include "../image/image.h"

#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: gan99 filter NAME IN OUT [options]\n"
    "\n"
    "Applies one filter to the image IN (PNG, JPEG, PGM or PPM, recognized by its\n"
    "content) and writes OUT in the format its extension names (.png, .ppm/.pgm/.pnm,\n"
    ".gif), atomically. The filters work on 8-bit images.\n"
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
    int i, npos = 0, r, rc, out_format;
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
    /* Refuse an unwritable OUT before the work, not after it. */
    out_format = img_format_from_path(pos[2]);
    if (out_format == IMG_FORMAT_UNKNOWN || out_format == IMG_FORMAT_JPEG)
        return cli_usage_error(cmd, "cannot write '%s': use .png, .ppm, .pgm, .pnm or .gif", pos[2]);
    g99_error_clear(&err);
    if (img_load(pos[1], NULL, &in, &err)) return cli_report(&err, err.code == G99_ENOMEM ? CLI_FAILED : CLI_BAD_INPUT);
    rc = img_filter(pos[0], &in, &p, &out, &err);
    img_free(&in);
    if (rc) {
        /* A bad option value names the filter; bad pixels name the file. */
        if (rc != G99_EINVAL) g99_error_prefix(&err, "%s", pos[1]);
        return cli_report(&err, rc == G99_ENOMEM ? CLI_FAILED : CLI_BAD_INPUT);
    }
    rc = img_save(pos[2], &out, &err);
    img_free(&out);
    if (rc) return cli_report(&err, rc == G99_EUNSUPPORTED ? CLI_BAD_INPUT : CLI_FAILED);
    return CLI_OK;
}

const cli_command cli_cmd_filter = {
    "filter",
    "apply a training-pair filter (gray, binary, contours, canny, blur) to an image",
    usage,
    filter_run,
};
