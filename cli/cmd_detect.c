/* gan99 detect: OpenCV's Haar cascade detection on one image (SPEC.md §6,
 * align/align.h). Prints one line "x y w h" per detection, in OpenCV's
 * order; --draw also writes the image with the rectangles on it.
 *
 * The image is read by content (PNG, JPEG, PGM/PPM) and made grey as
 * OpenCV's cvtColor(RGB2GRAY) does, since gan99's decoders give RGB.
 *
 * Cascades are found without a path (cli_cascade_path below): a name with
 * no '/' is looked up as NAME, NAME.xml and haarcascade_NAME.xml in
 *   $GAN99_CASCADES, then <folder of the gan99 binary>/cascades,
 *   <binary folder>/align/cascades (a build tree), <binary
 *   folder>/../share/gan99/cascades (an installed prefix, where `make
 *   install` copies them), then align/cascades under the working folder.
 * So `--cascade eye` finds haarcascade_eye.xml. */
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
    "  --scale-factor S    scale step between pyramid levels, > 1 (default 1.1)\n"
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

/* ---- finding a cascade ---- */

static int readable(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    fclose(f);
    return 1;
}

/* The folder of the running binary (without the trailing '/'), from argv[0]
 * or, when argv[0] has no '/', the first $PATH entry that holds it. */
static int binary_folder(char *out, size_t size)
{
    const char *prog = cli_program_path, *slash, *path;
    if (!prog) return 0;
    slash = strrchr(prog, '/');
    if (slash) {
        size_t n = (size_t)(slash - prog);
        if (n + 1 > size) return 0;
        memcpy(out, prog, n);
        out[n] = '\0';
        return 1;
    }
    path = getenv("PATH");
    while (path && *path) {
        const char *end = strchr(path, ':');
        size_t n = end ? (size_t)(end - path) : strlen(path);
        if (n > 0 && n + strlen(prog) + 2 <= size) {
            memcpy(out, path, n);
            sprintf(out + n, "/%s", prog);
            if (readable(out)) {
                out[n] = '\0';
                return 1;
            }
        }
        path = end ? end + 1 : NULL;
    }
    return 0;
}

int cli_cascade_path(const char *name, char *out, size_t size)
{
    static const char *const forms[] = { "%s/%s", "%s/%s.xml", "%s/haarcascade_%s.xml" };
    const char *dirs[5];
    char bin[1024], d1[1100], d2[1100], d3[1100];
    int nd = 0, i, k;
    if (strchr(name, '/') || readable(name)) {
        if (strlen(name) + 1 > size) return 0;
        strcpy(out, name);
        return 1;
    }
    if (getenv("GAN99_CASCADES")) dirs[nd++] = getenv("GAN99_CASCADES");
    if (binary_folder(bin, sizeof bin)) {
        sprintf(d1, "%s/cascades", bin);
        sprintf(d2, "%s/align/cascades", bin);
        sprintf(d3, "%s/../share/gan99/cascades", bin);
        dirs[nd++] = d1;
        dirs[nd++] = d2;
        dirs[nd++] = d3;
    }
    dirs[nd++] = "align/cascades";
    for (i = 0; i < nd; i++)
        for (k = 0; k < 3; k++) {
            if (strlen(dirs[i]) + strlen(name) + 24 > size) continue;
            sprintf(out, forms[k], dirs[i], name);
            if (readable(out)) return 1;
        }
    return 0;
}

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

static int parse_size(const cli_command *cmd, const char *opt, const char *s, int *w, int *h)
{
    char *end;
    long a = strtol(s, &end, 10), b;
    if (end == s || (*end != 'x' && *end != 'X')) return cli_usage_error(cmd, "%s wants WxH, not '%s'", opt, s);
    s = end + 1;
    b = strtol(s, &end, 10);
    if (end == s || *end || a < 0 || b < 0 || a > 1000000 || b > 1000000)
        return cli_usage_error(cmd, "%s wants WxH with sizes 0..1000000, not '%s'", opt, s);
    *w = (int)a;
    *h = (int)b;
    return 0;
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
    long v;
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
        } else if ((r = cli_opt_str(cmd, argc, argv, &i, "--scale-factor", &s)) != 0) {
            char *end;
            if (r < 0) return CLI_BAD_INPUT;
            p.scale_factor = strtod(s, &end);
            if (end == s || *end || !(p.scale_factor > 1.0) || !(p.scale_factor <= 100.0))
                return cli_usage_error(cmd, "--scale-factor wants a number above 1 (and up to 100), not '%s'", s);
        } else if ((r = cli_opt_long(cmd, argc, argv, &i, "--min-neighbors", &v)) != 0) {
            if (r < 0) return CLI_BAD_INPUT;
            if (v < 0 || v > 1000000) return cli_usage_error(cmd, "--min-neighbors %ld is outside 0..1000000", v);
            p.min_neighbors = (int)v;
        } else if ((r = cli_opt_str(cmd, argc, argv, &i, "--min-size", &s)) != 0) {
            if (r < 0 || parse_size(cmd, "--min-size", s, &p.min_w, &p.min_h)) return CLI_BAD_INPUT;
        } else if ((r = cli_opt_str(cmd, argc, argv, &i, "--max-size", &s)) != 0) {
            if (r < 0 || parse_size(cmd, "--max-size", s, &p.max_w, &p.max_h)) return CLI_BAD_INPUT;
        } else {
            return cli_usage_error(cmd, "unknown option '%s'", argv[i]);
        }
    }
    if (!image) return cli_usage_error(cmd, "needs an IMAGE");
    if (!cli_cascade_path(cascade, path, sizeof path)) {
        cli_error(cascade, "cascade not found (give a file, or set GAN99_CASCADES to the folder of the cascades)");
        return CLI_BAD_INPUT;
    }
    g99_error_clear(&err);
    if (haar_cascade_load(path, &c, &err)) return cli_report(&err, err.code == G99_ENOMEM ? CLI_FAILED : CLI_BAD_INPUT);
    if (cli_read_image(image, &img, &err)) {
        haar_cascade_free(c);
        return cli_report(&err, err.code == G99_ENOMEM ? CLI_FAILED : CLI_BAD_INPUT);
    }
    rc = img_grey(&img, IMG_ORDER_RGB, &grey, &err);
    if (rc) g99_error_prefix(&err, "%s", image);
    if (!rc) {
        rc = haar_detect_multiscale(c, &grey, &p, &boxes, &n, &err);
        img_free(&grey);
    }
    haar_cascade_free(c);
    if (rc) {
        img_free(&img);
        return cli_report(&err, rc == G99_ENOMEM ? CLI_FAILED : CLI_BAD_INPUT);
    }
    for (i = 0; i < n; i++) printf("%d %d %d %d\n", boxes[i].x, boxes[i].y, boxes[i].w, boxes[i].h);
    rc = draw_out ? draw(draw_out, &img, boxes, n, &err) : 0;
    img_free(&img);
    free(boxes);
    if (rc) return cli_report(&err, CLI_FAILED);
    return CLI_OK;
}

const cli_command cli_cmd_detect = {
    "detect",
    "find faces (or eyes ...) with an OpenCV Haar cascade, as OpenCV does",
    usage,
    detect_run,
};
