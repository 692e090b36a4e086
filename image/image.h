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
/* SECTION jpeg end */

/* SECTION gif */
/* SECTION gif end */

/* SECTION ops */
/* SECTION ops end */

#endif
