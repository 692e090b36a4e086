/* One entry point for reading and one for writing images, whatever the
 * format: img_load looks at the first bytes of the file (its magic number,
 * never its name, so a PNG called photo.jpg still reads), img_save goes by
 * the extension of the name it writes, as a user who types out.png expects.
 *
 * Magic numbers: PNG's 8-byte signature (PNG spec §5.2), JPEG's SOI marker
 * FF D8 followed by the FF of the next marker (ITU-T T.81 §B.1.1.3, §B.2.1),
 * netpbm's "P2"/"P3"/"P5"/"P6" (pgm(5), ppm(5)), GIF's "GIF87a"/"GIF89a"
 * (GIF89a spec §17), which gan99 writes but does not read. */
#include "image.h"

#include <stdlib.h>
#include <string.h>

/* Read at most this many bytes of a file: the largest input any of the
 * decoders accepts (JPEG stops at IMG_JPEG_MAX_FILE_BYTES itself). */
#define IMG_LOAD_MAX_FILE_BYTES ((size_t)1 << 31)

const char *img_format_name(int format)
{
    switch (format) {
    case IMG_FORMAT_PNG: return "PNG";
    case IMG_FORMAT_JPEG: return "JPEG";
    case IMG_FORMAT_PNM: return "PGM/PPM";
    case IMG_FORMAT_GIF: return "GIF";
    default: return "unknown";
    }
}

int img_format_detect(const uint8_t *data, size_t len)
{
    if (len >= 8 && memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0) return IMG_FORMAT_PNG;
    if (len >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return IMG_FORMAT_JPEG;
    if (len >= 2 && data[0] == 'P' && (data[1] == '2' || data[1] == '3' || data[1] == '5' || data[1] == '6'))
        return IMG_FORMAT_PNM;
    if (len >= 6 && (memcmp(data, "GIF87a", 6) == 0 || memcmp(data, "GIF89a", 6) == 0)) return IMG_FORMAT_GIF;
    return IMG_FORMAT_UNKNOWN;
}

int img_format_from_path(const char *path)
{
    static const struct {
        const char *ext;
        int format;
    } known[] = {
        { "png", IMG_FORMAT_PNG }, { "ppm", IMG_FORMAT_PNM }, { "pgm", IMG_FORMAT_PNM }, { "pnm", IMG_FORMAT_PNM },
        { "gif", IMG_FORMAT_GIF }, { "jpg", IMG_FORMAT_JPEG }, { "jpeg", IMG_FORMAT_JPEG },
    };
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    char ext[8];
    size_t i, k;
    if (!dot || (slash && dot < slash)) return IMG_FORMAT_UNKNOWN;
    /* Lower-case the extension by hand: tolower() depends on the locale. */
    for (i = 0; dot[1 + i] && i + 1 < sizeof ext; i++)
        ext[i] = (char)(dot[1 + i] >= 'A' && dot[1 + i] <= 'Z' ? dot[1 + i] - 'A' + 'a' : dot[1 + i]);
    if (dot[1 + i]) return IMG_FORMAT_UNKNOWN;  /* longer than any known one */
    ext[i] = '\0';
    for (k = 0; k < sizeof known / sizeof known[0]; k++)
        if (strcmp(ext, known[k].ext) == 0) return known[k].format;
    return IMG_FORMAT_UNKNOWN;
}

int img_decode(const uint8_t *data, size_t len, const img_limits *limits, img_image *out, g99_error *err)
{
    img_png_options png;
    out->data = NULL;
    if (len == 0) return g99_fail(err, G99_EUNSUPPORTED, "empty (0 bytes), not an image");
    switch (img_format_detect(data, len)) {
    case IMG_FORMAT_PNG:
        memset(&png, 0, sizeof png);
        if (limits) png.limits = *limits;
        return img_png_decode(data, len, &png, out, err);
    case IMG_FORMAT_JPEG:
        return img_jpeg_decode(data, len, limits, out, err);
    case IMG_FORMAT_PNM:
        return img_ppm_decode(data, len, limits, out, err);
    case IMG_FORMAT_GIF:
        return g99_fail(err, G99_EUNSUPPORTED, "offset 0: a GIF file; gan99 writes GIF but does not read it");
    default:
        return g99_fail(err, G99_EUNSUPPORTED, "offset 0: not a PNG, JPEG, PGM or PPM file (unknown magic bytes)");
    }
}

int img_load(const char *path, const img_limits *limits, img_image *out, g99_error *err)
{
    uint8_t *data;
    size_t len;
    int rc;
    out->data = NULL;
    rc = g99_read_file(path, IMG_LOAD_MAX_FILE_BYTES, &data, &len, err);
    if (rc) return rc;  /* g99_read_file names the path */
    rc = img_decode(data, len, limits, out, err);
    free(data);
    if (rc) g99_error_prefix(err, "%s", path);
    return rc;
}

int img_save(const char *path, const img_image *img, g99_error *err)
{
    img_gif_params gif;
    switch (img_format_from_path(path)) {
    case IMG_FORMAT_PNG:
        return img_png_save(path, img, err);
    case IMG_FORMAT_PNM:
        return img_ppm_save(path, img, err);
    case IMG_FORMAT_GIF:
        /* A still picture: no delay and no NETSCAPE2.0 loop extension. */
        img_gif_params_default(&gif);
        gif.delay_cs = 0;
        gif.loop_count = -1;
        return img_gif_write(path, img, 1, &gif, err);
    case IMG_FORMAT_JPEG:
        return g99_fail(err, G99_EUNSUPPORTED, "%s: gan99 reads JPEG but does not write it (use .png)", path);
    default:
        return g99_fail(err, G99_EUNSUPPORTED,
                        "%s: cannot tell the output format from the name (use .png, .ppm, .pgm, .pnm or .gif)",
                        path);
    }
}
