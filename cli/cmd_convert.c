/* gan99 convert: read an image in any format gan99 reads (by its content,
 * img_load), write it in the format the output name's extension asks for
 * (img_save). */
#include "cli.h"
#include "../image/image.h"

static int convert_run(int argc, char **argv)
{
    img_image img;
    g99_error err;
    const char *in, *out;
    int rc, out_format;
    if (argc != 3) return cli_usage_error(&cli_cmd_convert, "expected IN and OUT");
    in = argv[1];
    out = argv[2];
    /* Refuse an unwritable OUT before decoding IN. */
    out_format = img_format_from_path(out);
    if (out_format == IMG_FORMAT_UNKNOWN || out_format == IMG_FORMAT_JPEG) {
        cli_error(out, "cannot write this format: use .png, .ppm, .pgm, .pnm or .gif");
        return CLI_BAD_INPUT;
    }
    if ((rc = img_load(in, NULL, &img, &err)) != 0)
        return cli_report(&err, rc == G99_ENOMEM ? CLI_FAILED : CLI_BAD_INPUT);
    rc = img_save(out, &img, &err);
    img_free(&img);
    /* A GIF of a 16-bit image is a request gan99 cannot serve: bad input. */
    if (rc) return cli_report(&err, rc == G99_EINVAL || rc == G99_EUNSUPPORTED ? CLI_BAD_INPUT : CLI_FAILED);
    return CLI_OK;
}

const cli_command cli_cmd_convert = {
    "convert",
    "convert an image (PNG, JPEG, PGM/PPM in; PNG, PGM/PPM, GIF out)",
    "usage: gan99 convert IN OUT\n"
    "\n"
    "Reads IN (PNG, JPEG, PGM or PPM, recognized by its content, not its name) and\n"
    "writes OUT in the format its extension names: .png, .ppm/.pgm/.pnm (P6 for\n"
    "colour, P5 for grey; an alpha channel is dropped) or .gif (one frame, at most\n"
    "256 colours, 8-bit images only). 16-bit images stay 16-bit in PNG and PGM/PPM;\n"
    "palette PNGs become RGB or RGBA; JPEGs are turned upright by their EXIF\n"
    "orientation. OUT is written atomically.\n"
    "Exit status: 0 done, 1 could not write OUT, 2 bad usage or unreadable IN.\n",
    convert_run,
};
