/* gan99 image: read and write images (PPM/PGM, PNG, JPEG, animated GIF),
 * resample and warp them, and make the filters behind image-to-image
 * training pairs. Stands alone: needs only libc, libm and base/.
 *
 * Pixels are interleaved, row-major, top row first. 8-bit images hold
 * uint8_t samples; 16-bit images (from 16-bit PNG/PGM) hold uint16_t samples
 * in host byte order, so `data` is then read through a uint16_t pointer. */
#ifndef GAN99_IMAGE_H
#define GAN99_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "../base/base.h"

/* ==== the image ============================================================ */

typedef struct img_image {
    int width, height;
    int channels;   /* 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA */
    int depth;      /* bits per sample: 8 or 16 */
    uint8_t *data;  /* width * height * channels samples of depth bits */
} img_image;

/* Decoders refuse images with more pixels than this before allocating. */
#define IMG_DEFAULT_MAX_PIXELS ((uint64_t)1 << 28)

typedef struct img_limits {
    uint64_t max_pixels;  /* 0 means IMG_DEFAULT_MAX_PIXELS */
} img_limits;

/* Allocates a zeroed image (G99_ELIMIT beyond the pixel budget, G99_EINVAL
 * for zero sizes, channels outside 1..4 or depth not 8/16). */
int img_new(img_image *img, int width, int height, int channels, int depth, g99_error *err);
void img_free(img_image *img);
/* Bytes per row: width * channels * depth/8. */
size_t img_row_bytes(const img_image *img);
/* Checks a size against a budget before a decoder allocates anything. */
int img_check_size(uint64_t width, uint64_t height, const img_limits *limits, g99_error *err);

/* SECTION ppm */
/* SECTION ppm end */

/* SECTION png */
/* SECTION png end */

/* SECTION jpeg */
/* JPEG decode (image/jpeg_*.c): baseline, extended sequential and
 * progressive Huffman JPEG, 8-bit, grey (1 channel) or YCbCr/RGB (3
 * channels), any integer chroma subsampling, restart markers. Pixels equal
 * libjpeg-turbo's default decode as PIL returns it (ISLOW IDCT, fancy
 * upsampling), with the EXIF orientation applied as PIL's
 * ImageOps.exif_transpose. The output is always 8-bit.
 *
 * Refused with a message naming the offset: truncated or corrupt data
 * (G99_EFORMAT), 12-bit, arithmetic-coded, lossless, hierarchical and CMYK
 * files (G99_EUNSUPPORTED), sizes over the pixel budget or over 65500
 * (G99_ELIMIT, before anything is allocated). */
int img_jpeg_decode(const uint8_t *data, size_t len, const img_limits *limits, img_image *out, g99_error *err);
/* Files larger than this are refused before reading. */
#define IMG_JPEG_MAX_FILE_BYTES ((size_t)1 << 30)
/* Reads and decodes a file; messages start with the path. */
int img_jpeg_load(const char *path, const img_limits *limits, img_image *out, g99_error *err);
/* SECTION jpeg end */

/* SECTION gif */
/* SECTION gif end */

/* SECTION ops */
/* SECTION ops end */

#endif
