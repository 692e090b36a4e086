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
    "  --low L --high H   Canny thresholds, 0..1000000 (default 100, 200)\n"
    "  --l2               Canny with the L2 gradient magnitude\n"
    "  --ksize K          blur kernel size, odd (default 5)\n"
    "  --sigma S          blur sigma (default 0: from the kernel size)\n";

/* ---- the command ---- */

static int parse_levels(const cli_command *cmd, const char *s, img_filter_params *p)
{
    char item[64];
    const char *q = s;
    p->n_levels = 0;
    while (q) {
        if (p->n_levels == IMG_FILTER_MAX_LEVELS)
            return cli_usage_error(cmd, "--levels: more than %d levels in '%s'", IMG_FILTER_MAX_LEVELS, s);
        q = cli_list_next(q, ',', item, sizeof item);
        if (cli_parse_int(cmd, "--levels", item, 1, 255, &p->levels[p->n_levels++])) return CLI_BAD_INPUT;
    }
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
    img_filter_params_default(&p);
    for (i = 1; i < argc; i++) {
        if (argv[i][0] != '-' || argv[i][1] == '\0') {
            if (npos == 3) return cli_usage_error(cmd, "unexpected argument '%s'", argv[i]);
            pos[npos++] = argv[i];
        } else if ((r = cli_opt_int(cmd, argc, argv, &i, "--threshold", 0, 255, &p.threshold)) != 0 ||
                   (r = cli_opt_int(cmd, argc, argv, &i, "--ksize", 0, 31, &p.ksize)) != 0 ||
                   (r = cli_opt_double(cmd, argc, argv, &i, "--low", 0, 1e6, &p.low)) != 0 ||
                   (r = cli_opt_double(cmd, argc, argv, &i, "--high", 0, 1e6, &p.high)) != 0 ||
                   (r = cli_opt_double(cmd, argc, argv, &i, "--sigma", 0, 99, &p.sigma)) != 0) {
            if (r < 0) return CLI_BAD_INPUT;
        } else if ((r = cli_opt_str(cmd, argc, argv, &i, "--levels", &s)) != 0) {
            if (r < 0 || parse_levels(cmd, s, &p)) return CLI_BAD_INPUT;
        } else if (strcmp(argv[i], "--l2") == 0) {
            p.l2_gradient = 1;
        } else {
            return cli_usage_error(cmd, "unknown option '%s'", argv[i]);
        }
    }
    if (npos != 3) return cli_usage_error(cmd, "needs NAME IN OUT");
    if (strcmp(pos[0], "gray") && strcmp(pos[0], "grey") && strcmp(pos[0], "binary") && strcmp(pos[0], "contours") &&
        strcmp(pos[0], "canny") && strcmp(pos[0], "blur"))
        return cli_usage_error(cmd, "no filter '%s' (gray, binary, contours, canny, blur)", pos[0]);
    if (p.ksize % 2 == 0 && p.ksize != 0) return cli_usage_error(cmd, "--ksize: %d is even; the kernel size is odd", p.ksize);
    if (p.ksize == 0 && !(p.sigma > 0))
        return cli_usage_error(cmd, "--ksize 0 takes the kernel size from --sigma, which is 0: give one of them");
    /* Refuse an unwritable OUT before the work, not after it. */
    if (cli_check_output(cmd, NULL, pos[2], CLI_OUT_IMAGE) || cli_check_input(cmd, pos[1])) return CLI_BAD_INPUT;
    g99_error_clear(&err);
    if (img_load(pos[1], NULL, &in, &err)) return cli_fail(&err);
    rc = img_filter(pos[0], &in, &p, &out, &err);
    img_free(&in);
    if (rc) {
        /* A bad option value names the filter; bad pixels name the file. */
        if (rc != G99_EINVAL) g99_error_prefix(&err, "%s", pos[1]);
        return cli_fail(&err);
    }
    rc = img_save(pos[2], &out, &err);
    img_free(&out);
    if (rc) return cli_fail(&err);
    return CLI_OK;
}

const cli_command cli_cmd_filter = {
    "filter",
    "apply a training-pair filter (gray, binary, contours, canny, blur) to an image",
    usage,
    filter_run,
};
