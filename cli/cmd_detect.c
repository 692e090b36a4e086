/* gan99 detect: OpenCV's Haar cascade detection on one image (doc/cli.md,
 * align/align.h). Prints one line "x y w h" per detection, in OpenCV's
 * order; --draw also writes the image with the rectangles on it.
 *
 * The image is read by content (PNG, JPEG, PGM/PPM) and made grey as
 * OpenCV's cvtColor(RGB2GRAY) does, since gan99's decoders give RGB.
 *
 * Cascades are found without a path (cli/cascades.c), so `--cascade eye`
 * finds haarcascade_eye.xml. Every argument, --draw's name included, is
 * checked before the cascade or the image is read. */
#include "cli.h"
#include "../align/align.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: gan99 detect [options] IMAGE\n"
    "\n"
    "Finds objects (faces by default) with an OpenCV Haar cascade, exactly as\n"
    "OpenCV 4.6's CascadeClassifier.detectMultiScale on the grey image, and\n"
    "prints one line \"x y w h\" per detection.\n"
    "\n"
    "options:\n"
    "  --cascade F         cascade file, or a vendored name: frontalface_default\n"
    "                      (default), frontalface_alt2, eye\n"
    "  --scale-factor S    scale step between pyramid levels, above 1, up to 100\n"
    "                      (default 1.1); a factor that makes more than 4096\n"
    "                      levels for the image is refused with the smallest\n"
    "                      one that works\n"
    "  --min-neighbors N   candidates a detection needs, more than N (default 3;\n"
    "                      0 prints the raw candidates)\n"
    "  --min-size WxH      smallest detection (default 0x0: no limit)\n"
    "  --max-size WxH      largest detection (default: the image size)\n"
    "  --draw OUT          also write IMAGE with the detections drawn (PNG, or\n"
    "                      PGM/PPM when OUT ends in .pgm/.ppm)\n"
    "\n"
    "Cascades are looked up in $GAN99_CASCADES, next to the gan99 binary\n"
    "(cascades/, align/cascades/, ../share/gan99/cascades/) and in\n"
    "align/cascades/ under the working folder.\n";

/* ---- reading and writing images ---- */

static int draw(const char *out, img_image *img, const haar_box *boxes, int n, g99_error *err)
{
    static const uint8_t red[4] = { 255, 0, 0, 255 }, white[4] = { 255, 255, 255, 255 };
    int i, rc = 0;
    for (i = 0; i < n && !rc; i++)
        rc = img_draw_rectangle(img, boxes[i].x, boxes[i].y, boxes[i].w, boxes[i].h, 2, img->channels >= 3 ? red : white,
                                err);
    if (rc) return rc;
    return img_save(out, img, err);
}

/* ---- the command ---- */

/* WxH with both sizes in 0..1000000. */
static int parse_size(const cli_command *cmd, const char *opt, const char *s, int *w, int *h)
{
    char item[64];
    const char *rest = cli_list_next(s, 'x', item, sizeof item);
    if (!rest || strchr(rest, 'x')) return cli_usage_error(cmd, "%s wants WxH, not '%s'", opt, s);
    if (cli_parse_int(cmd, opt, item, 0, 1000000, w)) return CLI_BAD_INPUT;
    return cli_parse_int(cmd, opt, rest, 0, 1000000, h);
}

extern const cli_command cli_cmd_detect;

static int detect_run(int argc, char **argv)
{
    const cli_command *cmd = &cli_cmd_detect;
    const char *image = NULL, *cascade = "frontalface_default", *draw_out = NULL, *s;
    char path[1200];
    haar_params p;
    haar_cascade *c = NULL;
    haar_box *boxes = NULL;
    img_image img, grey;
    g99_error err;
    int i, r, n = 0, rc;
    haar_params_default(&p);
    for (i = 1; i < argc; i++) {
        if (argv[i][0] != '-' || argv[i][1] == '\0') {
            if (image) return cli_usage_error(cmd, "unexpected argument '%s'", argv[i]);
            image = argv[i];
        } else if ((r = cli_opt_str(cmd, argc, argv, &i, "--cascade", &s)) != 0) {
            if (r < 0) return CLI_BAD_INPUT;
            cascade = s;
        } else if ((r = cli_opt_str(cmd, argc, argv, &i, "--draw", &s)) != 0) {
            if (r < 0) return CLI_BAD_INPUT;
            draw_out = s;
        } else if ((r = cli_opt_double(cmd, argc, argv, &i, "--scale-factor", 1.0, 100.0, &p.scale_factor)) != 0) {
            if (r < 0) return CLI_BAD_INPUT;
            if (!(p.scale_factor > 1.0))
                return cli_usage_error(cmd, "--scale-factor: %g is out of range (above 1, up to 100)", p.scale_factor);
        } else if ((r = cli_opt_int(cmd, argc, argv, &i, "--min-neighbors", 0, 1000000, &p.min_neighbors)) != 0) {
            if (r < 0) return CLI_BAD_INPUT;
        } else if ((r = cli_opt_str(cmd, argc, argv, &i, "--min-size", &s)) != 0) {
            if (r < 0 || parse_size(cmd, "--min-size", s, &p.min_w, &p.min_h)) return CLI_BAD_INPUT;
        } else if ((r = cli_opt_str(cmd, argc, argv, &i, "--max-size", &s)) != 0) {
            if (r < 0 || parse_size(cmd, "--max-size", s, &p.max_w, &p.max_h)) return CLI_BAD_INPUT;
        } else {
            return cli_usage_error(cmd, "unknown option '%s'", argv[i]);
        }
    }
    if (!image) return cli_usage_error(cmd, "needs an IMAGE");
    if (draw_out && cli_check_output(cmd, "--draw", draw_out, CLI_OUT_IMAGE)) return CLI_BAD_INPUT;
    if (cli_check_input(cmd, image)) return CLI_BAD_INPUT;
    if (!cli_cascade_path(cascade, path, sizeof path)) {
        cli_error(cascade, "cascade not found (give a file, or set GAN99_CASCADES to the folder of the cascades)");
        return CLI_BAD_INPUT;
    }
    g99_error_clear(&err);
    if (haar_cascade_load(path, &c, &err)) return cli_fail(&err);
    if (cli_read_image(image, &img, &err)) {
        haar_cascade_free(c);
        return cli_fail(&err);
    }
    rc = img_grey(&img, IMG_ORDER_RGB, &grey, &err);
    if (rc) g99_error_prefix(&err, "%s", image);
    if (!rc) {
        rc = haar_detect_multiscale(c, &grey, &p, &boxes, &n, &err);
        if (rc) g99_error_prefix(&err, "%s", image);
        img_free(&grey);
    }
    haar_cascade_free(c);
    if (rc) {
        img_free(&img);
        return cli_fail(&err);
    }
    for (i = 0; i < n; i++) printf("%d %d %d %d\n", boxes[i].x, boxes[i].y, boxes[i].w, boxes[i].h);
    rc = draw_out ? draw(draw_out, &img, boxes, n, &err) : 0;
    img_free(&img);
    free(boxes);
    if (rc) return cli_fail(&err);
    return CLI_OK;
}

const cli_command cli_cmd_detect = {
    "detect",
    "find faces (or eyes ...) with an OpenCV Haar cascade, as OpenCV does",
    usage,
    detect_run,
};
