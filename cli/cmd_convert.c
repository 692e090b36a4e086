/* gan99 convert: read an image in any format gan99 reads, write it in the
 * format the output name's extension asks for. */
#include "cli.h"
#include "../image/image.h"

#include <stdlib.h>
#include <string.h>

/* The extension of path, lower-cased into buf ("" when there is none). */
static const char *extension(const char *path, char *buf, size_t size)
{
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    size_t i;
    if (!dot || (slash && dot < slash)) return "";
    for (i = 0; dot[1 + i] && i + 1 < size; i++)
        buf[i] = (char)(dot[1 + i] >= 'A' && dot[1 + i] <= 'Z' ? dot[1 + i] - 'A' + 'a' : dot[1 + i]);
    buf[i] = '\0';
    return buf;
}

/* Reads by content, not by name: the PNG signature or a netpbm magic. */
static int read_image(const char *path, img_image *img, g99_error *err)
{
    uint8_t *data;
    size_t n;
    int rc = g99_read_file(path, (size_t)1 << 31, &data, &n, err);
    if (rc) return rc;
    if (n >= 8 && memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0) rc = img_png_decode(data, n, NULL, img, err);
    else if (n >= 2 && data[0] == 'P' && strchr("2356", data[1])) rc = img_ppm_decode(data, n, NULL, img, err);
    else rc = g99_fail(err, G99_EUNSUPPORTED, "not a PNG, PGM or PPM file");
    free(data);
    if (rc) g99_error_prefix(err, "%s", path);
    return rc;
}

static int convert_run(int argc, char **argv)
{
    img_image img;
    g99_error err;
    char ext[16];
    const char *in, *out, *kind;
    int rc;
    if (argc != 3) return cli_usage_error(&cli_cmd_convert, "expected IN and OUT");
    in = argv[1];
    out = argv[2];
    kind = extension(out, ext, sizeof ext);
    if (strcmp(kind, "png") != 0 && strcmp(kind, "ppm") != 0 && strcmp(kind, "pgm") != 0 && strcmp(kind, "pnm") != 0) {
        cli_error(out, "cannot tell the output format from the extension '%s' (png, ppm, pgm, pnm)", kind);
        return CLI_BAD_INPUT;
    }
    if ((rc = read_image(in, &img, &err)) != 0)
        return cli_report(&err, rc == G99_ENOMEM ? CLI_FAILED : CLI_BAD_INPUT);
    if (strcmp(kind, "png") == 0) rc = img_png_save(out, &img, &err);
    else rc = img_ppm_save(out, &img, &err);
    img_free(&img);
    if (rc) return cli_report(&err, CLI_FAILED);
    return CLI_OK;
}

const cli_command cli_cmd_convert = {
    "convert",
    "convert an image between PNG and PGM/PPM",
    "usage: gan99 convert IN OUT\n"
    "\n"
    "Reads IN (PNG, PGM or PPM, recognized by its content) and writes OUT in the\n"
    "format its extension names: .png, or .ppm/.pgm/.pnm (P6 for colour, P5 for\n"
    "grey; an alpha channel is dropped). 16-bit images stay 16-bit; palette PNGs\n"
    "become RGB or RGBA. OUT is written atomically.\n"
    "Exit status: 0 done, 1 could not write OUT, 2 bad usage or unreadable IN.\n",
    convert_run,
};
