/* EXIF orientation: read tag 0x0112 from a JPEG's APP1 "Exif" segment and
 * turn the decoded image upright, as PIL's ImageOps.exif_transpose.
 *
 * The APP1 payload after "Exif\0\0" is a TIFF file (TIFF 6.0 section 2; EXIF
 * 2.32 section 4.5.2): "II" (little-endian) or "MM" (big-endian), the number
 * 42, the offset of IFD0, then IFD0's 12-byte entries (tag, type, count,
 * value). Orientation is a SHORT; values 1..8 (EXIF 2.32 Table 4) say where
 * the stored rows and columns belong. A missing or unreadable tag means 1,
 * as it does for PIL. */
#include "jpeg_internal.h"

#include <stdlib.h>


static unsigned rd16(const uint8_t *p, int big)
{
    return big ? (unsigned)p[0] << 8 | p[1] : (unsigned)p[1] << 8 | p[0];
}

static uint32_t rd32(const uint8_t *p, int big)
{
    return big ? (uint32_t)rd16(p, 1) << 16 | rd16(p + 2, 1) : (uint32_t)rd16(p + 2, 0) << 16 | rd16(p, 0);
}

int jpeg__exif_orientation(const uint8_t *tiff, size_t len)
{
    int big;
    uint32_t ifd;
    unsigned n, i;

    if (len < 8) return 1;
    if (tiff[0] == 'I' && tiff[1] == 'I') big = 0;
    else if (tiff[0] == 'M' && tiff[1] == 'M') big = 1;
    else return 1;
    if (rd16(tiff + 2, big) != 42) return 1;
    ifd = rd32(tiff + 4, big);
    if (ifd > len || len - ifd < 2) return 1;
    n = rd16(tiff + ifd, big);
    for (i = 0; i < n; i++) {
        size_t e = (size_t)ifd + 2 + (size_t)i * 12;
        unsigned type, v;
        if (e + 12 > len) return 1;
        if (rd16(tiff + e, big) != 0x0112) continue;
        type = rd16(tiff + e + 2, big);
        if (rd32(tiff + e + 4, big) != 1) return 1;
        /* SHORT as the standard says; LONG too, which PIL also reads. */
        if (type == 3) v = rd16(tiff + e + 8, big);
        else if (type == 4) v = (unsigned)rd32(tiff + e + 8, big);
        else return 1;
        return v >= 1 && v <= 8 ? (int)v : 1;
    }
    return 1;
}

/* Where output pixel (x, y) of the upright image comes from, for each
 * orientation; w, h are the stored image's size. PIL's methods:
 * 2 FLIP_LEFT_RIGHT, 3 ROTATE_180, 4 FLIP_TOP_BOTTOM, 5 TRANSPOSE,
 * 6 ROTATE_270 (a quarter turn clockwise), 7 TRANSVERSE, 8 ROTATE_90. */
static void source_of(int orientation, int x, int y, int w, int h, int *sx, int *sy)
{
    switch (orientation) {
    case 2: *sx = w - 1 - x; *sy = y; break;
    case 3: *sx = w - 1 - x; *sy = h - 1 - y; break;
    case 4: *sx = x; *sy = h - 1 - y; break;
    case 5: *sx = y; *sy = x; break;
    case 6: *sx = y; *sy = h - 1 - x; break;
    case 7: *sx = w - 1 - y; *sy = h - 1 - x; break;
    case 8: *sx = w - 1 - y; *sy = x; break;
    default: *sx = x; *sy = y; break;
    }
}

int jpeg__apply_orientation(img_image *img, int orientation, g99_error *err)
{
    img_image out;
    int ow, oh, x, y, ch = img->channels;

    if (orientation < 2 || orientation > 8) return G99_OK;
    /* Orientations 5..8 swap width and height. */
    ow = orientation >= 5 ? img->height : img->width;
    oh = orientation >= 5 ? img->width : img->height;
    /* The same pixel count as the decoded image, which already passed the
     * caller's budget (img_new would apply the default one instead). */
    out = *img;
    out.width = ow;
    out.height = oh;
    out.data = (uint8_t *)malloc((size_t)ow * (size_t)oh * (size_t)ch);
    if (!out.data) return g99_fail(err, G99_ENOMEM, "out of memory turning a %dx%d image upright", ow, oh);
    for (y = 0; y < oh; y++) {
        uint8_t *dst = out.data + (size_t)y * (size_t)ow * (size_t)ch;
        for (x = 0; x < ow; x++) {
            int sx, sy, k;
            const uint8_t *src;
            source_of(orientation, x, y, img->width, img->height, &sx, &sy);
            src = img->data + ((size_t)sy * (size_t)img->width + (size_t)sx) * (size_t)ch;
            for (k = 0; k < ch; k++) dst[(size_t)x * (size_t)ch + (size_t)k] = src[k];
        }
    }
    img_free(img);
    *img = out;
    return G99_OK;
}
