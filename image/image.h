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
/* Netpbm greymaps and pixmaps (netpbm's pgm(5) and ppm(5) pages).
 *
 * Reads P2/P5 (grey, 1 channel) and P3/P6 (RGB, 3 channels) with maxval
 * 1..65535; comments ('#' to the end of the line) may stand anywhere in the
 * header. maxval <= 255 gives an 8-bit image, maxval > 255 a 16-bit one (raw
 * files then hold big-endian 16-bit samples). Samples are rescaled to the
 * full 0..255 or 0..65535 range exactly as PIL 9.4 does:
 *     out = round_half_even((double)v / maxval * outmax)
 * (PIL's Python `round`, in double precision), so maxval 255 and 65535 are
 * copied unchanged. Raw samples above maxval are clamped to outmax (as PIL);
 * plain (ASCII) samples above maxval are an error (as PIL). PIL itself keeps
 * only 8 bits of a 16-bit P3/P6; gan99 keeps all 16.
 *
 * Writes P5 (1 or 2 channels: grey; alpha is dropped) or P6 (3 or 4
 * channels: RGB; alpha is dropped, as PIL does) with maxval 255 for 8-bit
 * and 65535 (big-endian samples) for 16-bit images. */
int img_ppm_decode(const uint8_t *data, size_t len, const img_limits *limits, img_image *img, g99_error *err);
/* Reads a file; error messages start with the path. */
int img_ppm_load(const char *path, const img_limits *limits, img_image *img, g99_error *err);
/* The file bytes in a malloc'd buffer (*out, free() it). */
int img_ppm_encode(const img_image *img, uint8_t **out, size_t *out_len, g99_error *err);
/* Written atomically (g99_afile). */
int img_ppm_save(const char *path, const img_image *img, g99_error *err);
/* SECTION ppm end */

/* SECTION png */
/* ---- zlib, deflate and gzip streams (RFC 1950, 1951, 1952) -------------
 * gan99's own inflate and deflate, used by PNG and exposed for .gz files.
 * Decoders stop with G99_ELIMIT as soon as the output would exceed max_out
 * bytes, so a small "zip bomb" cannot exhaust memory. *out is malloc'd. */

/* A zlib stream: header checked, Adler-32 verified; bytes after the
 * Adler-32 are ignored. */
int img_zlib_decode(const uint8_t *in, size_t n, size_t max_out, uint8_t **out, size_t *out_len, g99_error *err);
/* A gzip file: one or more members (decoded back to back, as gunzip does),
 * each with its header flags parsed, header CRC (FHCRC), CRC-32 and ISIZE
 * checked. */
int img_gzip_decode(const uint8_t *in, size_t n, size_t max_out, uint8_t **out, size_t *out_len, g99_error *err);
/* A raw deflate stream (no header); *used is how many input bytes it took. */
int img_inflate(const uint8_t *in, size_t n, size_t max_out, uint8_t **out, size_t *out_len, size_t *used,
                g99_error *err);
/* Compression as zlib's level 6 does it: LZ77 over a 32 KiB window with
 * hash chains and lazy matching, then each block of up to 16384 symbols
 * sent as dynamic Huffman, fixed Huffman or stored, whichever is smallest.
 * Output depends only on the input bytes. */
int img_deflate(const uint8_t *in, size_t n, uint8_t **out, size_t *out_len, g99_error *err);
/* img_deflate wrapped as a zlib stream (header 0x78 0x9C, Adler-32). */
int img_zlib_encode(const uint8_t *in, size_t n, uint8_t **out, size_t *out_len, g99_error *err);
uint32_t img_adler32(uint32_t adler, const uint8_t *data, size_t n);  /* start with 1 */

/* ---- PNG (ISO/IEC 15948, the PNG specification 2nd edition) ------------
 * Decoding accepts every colour type (0 grey, 2 RGB, 3 palette, 4 grey+alpha,
 * 6 RGBA), bit depths 1/2/4/8/16, Adam7 interlace, tRNS. What the caller
 * gets, by colour type (PIL's mode in brackets, for the comparison):
 *   grey 1/2/4-bit  -> 1 channel, 8-bit, scaled to 0..255 (x255, x85, x17)
 *                      as PIL's "1"/"L;2"/"L;4" raw modes do       ["L"]
 *   grey 8/16-bit   -> 1 channel, 8/16-bit                   ["L"/"I"]
 *   RGB 8/16        -> 3 channels, 8/16-bit                ["RGB"]
 *   palette         -> 3 channels RGB, or 4 RGBA when tRNS is present
 *                      (entries past tRNS are opaque)  [P.convert("RGB"/"RGBA")]
 *   grey+alpha      -> 2 channels; RGBA -> 4 channels          ["LA"/"RGBA"]
 * 16-bit samples stay 16-bit unless options->to_8bit (then the high byte, as
 * PIL's 16-bit RGB/LA/RGBA modes give). A tRNS colour key on grey/RGB adds an
 * alpha channel only with options->trns_alpha (alpha 0 where the pixel equals
 * the key, otherwise the maximum). A palette index past the PLTE entries is
 * an error.
 *
 * Checked: the signature, every chunk's CRC-32, IHDR first and valid,
 * chunk order (PLTE before IDAT, IDAT chunks consecutive, tRNS before
 * IDAT), an unknown critical chunk is an error, ancillary chunks are skipped
 * (their CRC is still checked), the zlib stream (Adler-32), exactly enough
 * image data (too little or too much is an error), filter types 0..4.
 * Bytes after IEND, and IDAT bytes after the zlib stream's Adler-32, are
 * ignored (as libpng and PIL do). */
typedef struct img_png_options {
    img_limits limits;
    int trns_alpha;  /* grey/RGB with a tRNS key -> grey+alpha/RGBA */
    int to_8bit;     /* 16-bit samples -> their high byte */
} img_png_options;

/* options may be NULL (defaults above). */
int img_png_decode(const uint8_t *data, size_t len, const img_png_options *options, img_image *img,
                   g99_error *err);
int img_png_load(const char *path, const img_png_options *options, img_image *img, g99_error *err);

/* Encoding: 8 or 16-bit grey, grey+alpha, RGB, RGBA, not interlaced. Each
 * row takes the filter (0..4) whose output has the smallest sum of absolute
 * values as signed bytes (libpng's heuristic); the data goes through
 * img_zlib_encode in one IDAT chunk per MiB. Same pixels, same bytes. */
int img_png_encode(const img_image *img, uint8_t **out, size_t *out_len, g99_error *err);
int img_png_save(const char *path, const img_image *img, g99_error *err);  /* atomic */
/* SECTION png end */

/* SECTION jpeg */
/* SECTION jpeg end */

/* SECTION gif */
/* SECTION gif end */

/* SECTION ops */
/* SECTION ops end */

#endif
