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
/* Animated GIF89a output (image/gif.c): LZW with variable code widths and
 * clear codes at the 4096-entry limit, a median-cut palette for the whole
 * animation or one per frame (exact colours when a frame has no more than
 * max_colors of them), optional 8x8 ordered dithering, per-frame delays and
 * the NETSCAPE2.0 loop extension. Frames are 8-bit grey, RGB or RGBA (alpha
 * is ignored) and all the size of the first. */
enum { IMG_GIF_PALETTE_GLOBAL = 0, IMG_GIF_PALETTE_PER_FRAME = 1 };
enum { IMG_GIF_DITHER_NONE = 0, IMG_GIF_DITHER_ORDERED = 1 };

typedef struct img_gif_params {
    int delay_cs;            /* delay after each frame, centiseconds (0..65535) */
    const int *frame_delays; /* optional: one delay per frame, overrides delay_cs */
    int loop_count;          /* NETSCAPE2.0 loop count: 0 forever, -1 no extension */
    int palette;             /* IMG_GIF_PALETTE_GLOBAL or IMG_GIF_PALETTE_PER_FRAME */
    int dither;              /* IMG_GIF_DITHER_NONE or IMG_GIF_DITHER_ORDERED */
    int max_colors;          /* 2..256; 0 means 256 */
} img_gif_params;

/* delay 10 cs, loop forever, one global palette, no dithering, 256 colours. */
void img_gif_params_default(img_gif_params *p);
/* Encodes count frames into a malloc'd buffer (*data, free() it). */
int img_gif_encode(const img_image *frames, int count, const img_gif_params *p,
                   uint8_t **data, size_t *len, g99_error *err);
/* img_gif_encode written atomically to path (g99_afile). */
int img_gif_write(const char *path, const img_image *frames, int count, const img_gif_params *p,
                  g99_error *err);

/* Streaming: frames go to the file as they come, so an animation of any
 * length needs one frame of memory. The bytes equal img_gif_write's for the
 * same frames and parameters. The file is atomic (g99_afile): nothing
 * appears at path until img_gif_writer_close succeeds, and any failure or
 * img_gif_writer_abort removes the temporary file.
 *
 *   img_gif_writer *w;
 *   img_gif_writer_open(&w, "m.gif", 64, 64, &params, err);
 *   for each frame: img_gif_writer_scan(w, frame, err);   (global palette only)
 *   for each frame: img_gif_writer_add(w, frame, err);
 *   img_gif_writer_close(w, err);                           (frees w)
 *
 * A global palette is the palette of the whole animation, so with
 * IMG_GIF_PALETTE_GLOBAL every frame is shown to scan, in order, before the
 * first add (the caller makes each frame twice, or keeps them); per-frame
 * palettes need no scan. p is copied; frame_delays, when set, must stay
 * valid until close. After a failed call only img_gif_writer_abort is left
 * to do. */
typedef struct img_gif_writer img_gif_writer;
int img_gif_writer_open(img_gif_writer **w, const char *path, int width, int height, const img_gif_params *p,
                        g99_error *err);
int img_gif_writer_scan(img_gif_writer *w, const img_image *frame, g99_error *err);
int img_gif_writer_add(img_gif_writer *w, const img_image *frame, g99_error *err);
/* The trailer, then the file is renamed into place; frees w either way. */
int img_gif_writer_close(img_gif_writer *w, g99_error *err);
/* Removes the temporary file and frees w (NULL is fine). */
void img_gif_writer_abort(img_gif_writer *w);
/* SECTION gif end */

/* SECTION ops */
/* Operations and filters (image/color.c, resize.c, warp.c, draw.c,
 * filters.c, canny.c, blur.c). Each reproduces the named OpenCV 4.6 function
 * on 8-bit images bit for bit; 16-bit images are refused (G99_EUNSUPPORTED)
 * except by crop, flip and paste, which only move samples. Functions that
 * make an image write it to *out, which the caller frees with img_free; out
 * never aliases the input and is left empty on failure. */

/* Channel order of a colour image: OpenCV's COLOR_RGB2GRAY or COLOR_BGR2GRAY. */
enum { IMG_ORDER_RGB = 0, IMG_ORDER_BGR = 1 };

/* Grey as cv2.cvtColor(RGB2GRAY / BGR2GRAY / RGBA2GRAY): 3- and 4-channel
 * input (alpha ignored); grey and grey+alpha input give the grey channel. */
int img_grey(const img_image *src, int order, img_image *out, g99_error *err);

/* Resampling as cv2.resize(src, (width, height), interpolation=...). */
enum { IMG_INTER_LINEAR_EXACT = 0, IMG_INTER_LINEAR = 1, IMG_INTER_AREA = 2 };
int img_resize(const img_image *src, int width, int height, int method, img_image *out, g99_error *err);
/* INTER_LINEAR enlargement (dst_w >= src_w, dst_h >= src_h) of many 1-channel
 * 8-bit images of one size, a row at a time, with the tables made once:
 * row y, columns x0 .. x0 + n of img_resize(src, dst_w, dst_h,
 * IMG_INTER_LINEAR), the same bits. For data sets kept at their source size
 * and resized as they are read (gan/dataset.c). */
typedef struct img_linear_plan {
    int src_w, src_h, dst_w, dst_h;
    int *tab;   /* per column: source index, two weights; per row: two source rows, two weights */
} img_linear_plan;
int img_linear_plan_init(img_linear_plan *p, int src_w, int src_h, int dst_w, int dst_h, g99_error *err);
void img_linear_plan_row(const img_linear_plan *p, const uint8_t *src, int y, int x0, int n, uint8_t *out);
void img_linear_plan_free(img_linear_plan *p);

/* Affine warp with bilinear sampling as cv2.warpAffine(src, m, (width,
 * height), flags=INTER_LINEAR [| WARP_INVERSE_MAP], borderMode, borderValue).
 * m maps source to destination (x' = m0 x + m1 y + m2, y' = m3 x + m4 y + m5)
 * unless inverse_map is set, when it maps destination to source. */
enum { IMG_BORDER_CONSTANT = 0, IMG_BORDER_REPLICATE = 1, IMG_BORDER_REFLECT_101 = 2 };
typedef struct img_warp_params {
    double m[6];
    int width, height;        /* destination size */
    int inverse_map;
    int border;               /* IMG_BORDER_* */
    uint8_t border_value[4];  /* per channel, for IMG_BORDER_CONSTANT */
} img_warp_params;
int img_warp_affine(const img_image *src, const img_warp_params *p, img_image *out, g99_error *err);

/* The similarity transform (rotation, uniform scale, translation) taking the
 * source points (src[0],src[1]) and (src[2],src[3]) to the target points
 * dst[0..3] exactly, as a 2x3 matrix for img_warp_affine; what
 * cv2.estimateAffinePartial2D returns for two point pairs. G99_EINVAL when
 * the two source points coincide. */
int img_similarity_from_points(const double src[4], const double dst[4], double m[6], g99_error *err);

/* Geometry (image/draw.c). Crop takes the rectangle (x, y, w, h), which must
 * lie inside src. Flip mirrors left-right in place. Paste copies src into dst
 * with its top-left corner at (x, y), clipped to dst; channel counts and
 * depths must match. */
int img_crop(const img_image *src, int x, int y, int w, int h, img_image *out, g99_error *err);
void img_flip_horizontal(img_image *img);
int img_paste(img_image *dst, const img_image *src, int x, int y, g99_error *err);

/* A contact sheet: count images of one size and channel count in rows of
 * cols, each surrounded by margin pixels of background colour, so the sheet
 * is cols*w + (cols+1)*margin wide. */
typedef struct img_grid_params {
    int cols;            /* images per row (>= 1) */
    int margin;          /* pixels between images and around the sheet (>= 0) */
    uint8_t background[4];
} img_grid_params;
int img_grid(const img_image *images, int count, const img_grid_params *p, img_image *out, g99_error *err);

/* Outline of the rectangle with corners (x, y) and (x+w-1, y+h-1) drawn in
 * colour (one value per channel), clipped to the image. Thickness 1 is
 * cv2.rectangle(img, (x, y), (x+w-1, y+h-1), colour, 1); a thicker outline
 * grows inward with square corners (OpenCV's thick lines have round caps). */
int img_draw_rectangle(img_image *img, int x, int y, int w, int h, int thickness, const uint8_t color[4],
                       g99_error *err);

/* Binary layers (image/filters.c): per colour channel, 255 where the value
 * is > threshold, else 0, as cv2.threshold(THRESH_BINARY, maxval 255); alpha
 * is copied. */
int img_threshold_binary(const img_image *src, int threshold, img_image *out, g99_error *err);

/* Iso-contours per colour channel: a pixel of channel c is 255 when, for
 * some level t, its value is >= t and at least one of its 4-neighbours inside
 * the image is < t; otherwise 0 (pixels beyond the border do not count).
 * Alpha is copied. levels: n_levels values in 1..255. */
int img_contours(const img_image *src, const int *levels, int n_levels, img_image *out, g99_error *err);

/* Edges as cv2.Canny(grey, low, high, L2gradient=l2_gradient), aperture 3.
 * A colour image is made grey first (img_grey, RGB order). Output: 1 channel,
 * 255 on edges. */
int img_canny(const img_image *src, double low, double high, int l2_gradient, img_image *out, g99_error *err);

/* cv2.GaussianBlur(src, (ksize, ksize), sigma) with the default border
 * (BORDER_REFLECT_101): ksize odd 1..31 (sigma <= 0 takes it from ksize);
 * ksize 0 derives it from sigma as OpenCV does. All channels are blurred. */
int img_gaussian_blur(const img_image *src, int ksize, double sigma, img_image *out, g99_error *err);

/* The training-pair filters by name: "gray" (or "grey"), "binary",
 * "contours", "canny", "blur". */
#define IMG_FILTER_MAX_LEVELS 16
typedef struct img_filter_params {
    int threshold;                       /* binary: default 128 */
    int levels[IMG_FILTER_MAX_LEVELS];   /* contours: default 50,100,150,200 */
    int n_levels;
    double low, high;                    /* canny: default 100, 200 */
    int l2_gradient;                     /* canny: default 0 (L1) */
    int ksize;                           /* blur: default 5 */
    double sigma;                        /* blur: default 0 (from ksize) */
} img_filter_params;
void img_filter_params_default(img_filter_params *p);
int img_filter(const char *name, const img_image *src, const img_filter_params *p, img_image *out,
               g99_error *err);
/* SECTION ops end */

/* SECTION load */
/* Any format in, any format out (image/load.c). */
enum { IMG_FORMAT_UNKNOWN = 0, IMG_FORMAT_PNG = 1, IMG_FORMAT_JPEG = 2, IMG_FORMAT_PNM = 3, IMG_FORMAT_GIF = 4 };

/* The format by content: PNG signature, JPEG SOI (FF D8 FF), netpbm
 * P2/P3/P5/P6, GIF87a/GIF89a; IMG_FORMAT_UNKNOWN otherwise. */
int img_format_detect(const uint8_t *data, size_t len);
/* The format by the extension of a file name, case-insensitive: .png,
 * .ppm/.pgm/.pnm, .gif, .jpg/.jpeg; IMG_FORMAT_UNKNOWN otherwise. */
int img_format_from_path(const char *path);
/* "PNG", "JPEG", "PGM/PPM", "GIF" or "unknown". */
const char *img_format_name(int format);

/* Decodes PNG, JPEG or PGM/PPM chosen by img_format_detect, with each
 * decoder's defaults (PNG: 16-bit kept, tRNS keys ignored; JPEG: EXIF
 * orientation applied). GIF and anything else: G99_EUNSUPPORTED. */
int img_decode(const uint8_t *data, size_t len, const img_limits *limits, img_image *out, g99_error *err);
/* Reads a file and decodes it by content, never by its name; every error
 * message starts with the path. limits may be NULL. */
int img_load(const char *path, const img_limits *limits, img_image *out, g99_error *err);
/* Writes img atomically in the format the extension of path names: .png
 * (img_png_save), .ppm/.pgm/.pnm (img_ppm_save: P5 for grey, P6 for colour
 * whatever the letter, alpha dropped), .gif (one frame, img_gif_encode's
 * defaults without the loop extension; 8-bit only). .jpg and unknown
 * extensions: G99_EUNSUPPORTED naming the path. */
int img_save(const char *path, const img_image *img, g99_error *err);
/* SECTION load end */

#endif
