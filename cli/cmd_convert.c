/* gan99 convert: read an image in any format gan99 reads (by its content,
 * img_load), write it in the format the output name's extension asks for
 * (img_save). */
#include "cli.h"
#include "../image/image.h"

static int convert_run(int argc, char **argv)
{
    const cli_command *cmd = &cli_cmd_convert;
    const char *pos[2] = { NULL, NULL };
    img_image img;
    g99_error err;
    int rc, i, npos = 0;
    for (i = 1; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1] != '\0') return cli_usage_error(cmd, "unknown option %s", argv[i]);
        if (npos == 2) return cli_usage_error(cmd, "expects IN and OUT, not also '%s'", argv[i]);
        pos[npos++] = argv[i];
    }
    if (npos != 2) return cli_usage_error(cmd, "expects IN and OUT");
    /* Refuse an unwritable OUT before decoding IN. */
    if (cli_check_output(cmd, NULL, pos[1], CLI_OUT_IMAGE) || cli_check_input(cmd, pos[0])) return CLI_BAD_INPUT;
    g99_error_clear(&err);
    if (img_load(pos[0], NULL, &img, &err) != 0) return cli_fail(&err);
    /* A GIF of a 16-bit image is a request gan99 cannot serve: bad input
     * (G99_EUNSUPPORTED), which cli_fail maps to 2. */
    rc = img_save(pos[1], &img, &err);
    img_free(&img);
    if (rc) return cli_fail(&err);
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
