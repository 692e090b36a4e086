/* JPEG decoder internals shared by image/jpeg_*.c (not part of the public API).
 *
 * The decoder follows ITU-T T.81 (ISO/IEC 10918-1) for the format and
 * libjpeg-turbo 2.1 (the library Debian's PIL links) for every choice the
 * standard leaves open: the integer IDCT, the range limit, the "fancy"
 * chroma upsampling and the YCbCr->RGB tables, so the pixels equal PIL's.
 *
 * Data flow: markers (jpeg_decode.c) -> entropy-coded scans decoded into one
 * coefficient array per component (jpeg_scan.c, using jpeg_huffman.c) ->
 * IDCT into one sample plane per component (jpeg_idct.c) -> upsampling and
 * colour conversion row by row (jpeg_upsample.c, jpeg_color.c) -> EXIF
 * orientation (jpeg_exif.c).
 *
 * A sequential frame whose first scan holds every component (the usual
 * baseline file) skips the coefficient arrays: each MCU is transformed as
 * soon as it is decoded, and the output rows are made once the plane rows
 * they need exist, while those rows are still in the cache ("streaming"). */
#ifndef GAN99_JPEG_INTERNAL_H
#define GAN99_JPEG_INTERNAL_H

#include "image.h"

/* An IDCT of one block (jpeg__idct_islow and its twins, below). */
typedef void (*jpeg__idct_fn)(const int16_t coef[64], const uint16_t quant[64], uint8_t *out, size_t stride,
                              const uint8_t *limit);

#define JPEG__MAX_COMPONENTS 3
#define JPEG__LIMIT_SIZE 1024 /* entries of the range-limit table */
#define JPEG__FAST_BITS 9 /* a 512-entry lookahead table decodes most codes in one step */
#define JPEG__FAST_AC_BITS 11 /* the combined code + value table (fast_ac) looks further */

/* ---- Huffman tables (T.81 Annex C, F.2.2.3) ------------------------------ */

typedef struct jpeg__huff {
    int defined;
    uint8_t fast_len[1 << JPEG__FAST_BITS]; /* code length for these leading bits, 0 = longer code */
    uint8_t fast_sym[1 << JPEG__FAST_BITS];
    /* AC tables: the run/size symbol and its value bits decoded together
     * when both fit in the lookahead (as stb_image's fast_ac): value * 65536
     * + run * 256 + total bits (the low 6 bits, so `buf << (e & 63)` is one
     * shift on x86); value 0 = end of block (just the code length);
     * 0 = no shortcut. */
    int32_t fast_ac[1 << JPEG__FAST_AC_BITS];
    int32_t maxcode[18];  /* largest code of each length, left-aligned to 16 bits; -1 if none */
    int32_t valoff[17];   /* symbol index minus first code, per length */
    uint8_t vals[256];
} jpeg__huff;

/* Builds a table from the DHT counts (bits[1..16]) and symbols; fails with a
 * message naming `offset` when the counts describe an impossible code. */
int jpeg__huff_build(jpeg__huff *h, const uint8_t counts[16], const uint8_t *vals, int nvals,
                     size_t offset, g99_error *err);

/* ---- the entropy-coded bit stream (T.81 F.1.2.3, B.1.1.5) ---------------- */

/* Reads bits MSB first, drops the 0x00 after each stuffed 0xFF, and stops
 * in front of any marker. Past a marker or the end of the data it feeds zero
 * bits (as libjpeg does) but counts them, so a decoder that consumed any of
 * them knows the stream was truncated. */
typedef struct jpeg__bits {
    const uint8_t *data;
    size_t len;
    size_t pos;        /* next byte to load */
    uint64_t buf;      /* the next `cnt` bits, left-aligned */
    int cnt;
    int at_marker;     /* pos is at a marker or at the end of the data */
    unsigned pad_bits; /* zero bits loaded past the marker/end */
} jpeg__bits;

void jpeg__bits_init(jpeg__bits *b, const uint8_t *data, size_t len, size_t pos);
void jpeg__bits_fill(jpeg__bits *b);
/* The same refill, 8 bytes at a time where none of them is 0xFF (no
 * stuffing, no marker): whole bytes up to 57..64 bits, as jpeg__bits_fill
 * would load them one by one. */
static inline void jpeg__bits_refill(jpeg__bits *b)
{
    if (!b->at_marker && b->pos <= b->len && b->len - b->pos >= 8) {
        const uint8_t *p = b->data + b->pos;
        uint64_t w = (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 | (uint64_t)p[2] << 40 | (uint64_t)p[3] << 32 |
                     (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 | (uint64_t)p[6] << 8 | (uint64_t)p[7];
        uint64_t nw = ~w;
        /* a zero byte in ~w is a 0xFF byte in w */
        if (!((nw - 0x0101010101010101u) & ~nw & 0x8080808080808080u)) {
            int k = (64 - b->cnt) >> 3; /* 1..8 whole bytes fit */
            w &= ~(uint64_t)0 << (64 - 8 * k);
            b->buf |= w >> b->cnt;
            b->cnt += 8 * k;
            b->pos += (size_t)k;
            return;
        }
    }
    jpeg__bits_fill(b);
}
/* True when the decoder has used a bit that was not in the file. */
static inline int jpeg__bits_overrun(const jpeg__bits *b)
{
    return b->pad_bits > 0 && (unsigned)b->cnt < b->pad_bits;
}
/* The next n bits (0 <= n <= 16) as an unsigned number. No branch on n
 * (a DC difference's size is 0 about as often as not): the double shift
 * gives 0 for n = 0 without shifting by 64. */
static inline int jpeg__bits_get(jpeg__bits *b, int n)
{
    int v;
    if (b->cnt < n) jpeg__bits_refill(b);
    v = (int)((b->buf >> 1) >> (63 - n));
    b->buf <<= n;
    b->cnt -= n;
    return v;
}
/* Decodes one Huffman symbol; returns it, or -1 for a code no table entry
 * matches (a corrupt stream). Inline: it runs once per coefficient. */
static inline int jpeg__huff_decode(jpeg__bits *b, const jpeg__huff *h)
{
    unsigned peek, p16;
    int len, sym;
    if (b->cnt < 16) jpeg__bits_refill(b);
    peek = (unsigned)(b->buf >> (64 - JPEG__FAST_BITS));
    len = h->fast_len[peek];
    if (len) {
        sym = h->fast_sym[peek];
    } else {
        /* A code longer than the lookahead: canonical codes of each length
         * are consecutive, so the first length whose end exceeds the next
         * 16 bits is the code's length (T.81 F.2.2.3, Figure F.16). */
        p16 = (unsigned)(b->buf >> 48);
        for (len = JPEG__FAST_BITS + 1; len <= 16; len++)
            if ((int32_t)p16 < h->maxcode[len]) break;
        if (len > 16) return -1;
        sym = h->vals[(int32_t)(p16 >> (16 - len)) + h->valoff[len]];
    }
    b->buf <<= len;
    b->cnt -= len;
    return sym;
}
/* T.81 F.2.2.1 EXTEND: n bits holding v code a value in
 * -(2^n - 1) .. -(2^(n-1)) or 2^(n-1) .. 2^n - 1. */
static inline int jpeg__extend(int v, int n)
{
    /* Without branches (the sign is a coin toss for the predictor): for
     * n = 0, v is 0 and the threshold 0, so nothing is added. */
    return v + (-(v < ((1 << n) >> 1)) & (1 - (1 << n)));
}

/* ---- the frame ------------------------------------------------------------ */

typedef struct jpeg__component {
    int id;          /* component identifier C_i from the SOF */
    int h, v;        /* sampling factors 1..4 */
    int tq;          /* quantization table selector 0..3 */
    int width, height;          /* samples: ceil(image size * h / h_max) */
    int blocks_w, blocks_h;     /* 8x8 blocks holding those samples */
    int alloc_w, alloc_h;       /* blocks stored: whole MCUs of the frame */
    /* Coefficients (NULL when streaming): blocks of 64 in natural order,
     * this component's first MCU row of alloc_w * v blocks; the next MCU
     * row starts d->coef_row coefficients further (jpeg__coef_block). */
    int16_t *coef;
    uint16_t quant[64];         /* table latched at the component's first scan */
    int quant_latched;
    /* Samples after the IDCT: a ring of the last two MCU rows (ring_rows =
     * 16 * v rows of alloc_w * 8), enough for the output rows made after
     * each MCU row and the vertical filters' row above (jpeg__plane_row). */
    uint8_t *plane;
    int ring_rows;
    int dc_pred;                /* DC predictor of the current scan */
} jpeg__component;

/* libjpeg's colour tables (jdcolor.c), indexed by the chroma sample:
 * R and B offsets already shifted, G's two terms still scaled by 2^16. */
typedef struct jpeg__ycc_tables {
    int cr_r[256], cb_b[256];
    int32_t cr_g[256], cb_g[256];
} jpeg__ycc_tables;

typedef struct jpeg__decoder {
    const uint8_t *data;
    size_t len;
    int width, height;
    int ncomp;
    int progressive;
    int h_max, v_max;
    int mcus_x, mcus_y;      /* MCUs of an interleaved scan */
    jpeg__component comp[JPEG__MAX_COMPONENTS];
    uint16_t qt[4][64];      /* DQT tables, natural order */
    int qt_defined[4];
    jpeg__huff dc[4], ac[4];
    int restart_interval;    /* MCUs per restart interval, 0 = none */
    int saw_jfif, saw_adobe, adobe_transform;
    size_t exif_off, exif_len;  /* the first APP1 "Exif" payload, after "Exif\0\0" */
    int scans;
    /* the current scan */
    int scan_ncomp;
    int scan_comp[4];        /* indexes into comp[] */
    int scan_td[4], scan_ta[4];
    int ss, se, ah, al;
    int eobrun;
    /* streaming (see the top of this file) and the output rows */
    int streaming;
    jpeg__idct_fn idct;      /* jpeg__idct_select */
    void (*fancy_h2v2)(const uint8_t *near, const uint8_t *far, int n, uint8_t *out); /* jpeg__h2v2_select */
    void (*ycc_to_rgb)(const uint8_t *y, const uint8_t *cb, const uint8_t *cr, uint8_t *rgb, int n,
                       const struct jpeg__ycc_tables *t, const uint8_t *limit); /* jpeg__ycc_select */
    int16_t *mcu_blocks;     /* the blocks of one MCU while streaming, zero between uses */
    /* The whole-image path keeps its coefficients inside the output
     * image's buffer (see alloc_coefficients in jpeg_decode.c): */
    uint8_t *shared;         /* that buffer until output_init hands it to the image */
    size_t shared_size;
    size_t coef_row;         /* coefficients of one MCU row, all components */
    img_image *out;
    uint8_t *row_tmp;        /* 3 upsampled rows */
    int rgb;                 /* 3 components stored as RGB, not YCbCr */
    int rows_done;           /* output rows written */
    uint8_t limit[JPEG__LIMIT_SIZE]; /* jpeg__range_limit_init */
    jpeg__ycc_tables ycc;            /* jpeg__ycc_tables_init */
} jpeg__decoder;

/* Block (bx, by) of component c's coefficients. */
static inline int16_t *jpeg__coef_block(const jpeg__decoder *d, const jpeg__component *c, int bx, int by)
{
    return c->coef + (size_t)(by / c->v) * d->coef_row + ((size_t)(by % c->v) * (size_t)c->alloc_w + (size_t)bx) * 64;
}

/* Natural (row-major) index of the k-th coefficient in zigzag order (T.81 Figure 5). */
extern const uint8_t jpeg__zigzag[64];

/* Decodes the entropy-coded data of the scan described in d, which starts
 * at byte `pos`; on success *end is the offset of the marker after it. */
int jpeg__scan_decode(jpeg__decoder *d, size_t pos, size_t *end, g99_error *err);

/* ---- reconstruction ------------------------------------------------------- */

/* Row y of component c's samples (y within the two MCU rows held). */
static inline uint8_t *jpeg__plane_row(const jpeg__component *c, int y)
{
    return c->plane + (size_t)(y % c->ring_rows) * (size_t)c->alloc_w * 8;
}

/* Writes the output rows from d->rows_done up to (not including) y_end;
 * every plane row they read must be held (jpeg_decode.c). */
void jpeg__emit_rows(jpeg__decoder *d, int y_end);
/* After MCU row my has gone through the IDCT: writes the output rows whose
 * plane rows (and the row below, for the vertical filters) exist. single:
 * the rows are of a one-component scan (one block row each). */
void jpeg__emit_after_mcu_row(jpeg__decoder *d, int my, int single);

/* libjpeg's sample range limit as a table: limit[t] = t - 384 clamped to
 * 0..255. The IDCT looks up (x + 512) & 1023 for its output x before the
 * +128 level shift (libjpeg's RANGE_MASK wrap); colour conversion looks up
 * v + 384 for a sum v in -384..639. */
void jpeg__range_limit_init(uint8_t limit[JPEG__LIMIT_SIZE]);

/* libjpeg's jpeg_idct_islow: dequantizes one block and writes 8x8 samples
 * at out (row stride `stride`); limit from jpeg__range_limit_init. */
void jpeg__idct_islow(const int16_t coef[64], const uint16_t quant[64], uint8_t *out, size_t stride,
                      const uint8_t *limit);
/* Twins giving the same bits (image/jpeg_idct_<set>.c, built only with
 * that kernel set); jpeg__idct_select picks the one of the active set
 * (nn/kernels' choice, GAN99_SIMD), the scalar one by default. */
void jpeg__idct_islow_avx2(const int16_t coef[64], const uint16_t quant[64], uint8_t *out, size_t stride,
                           const uint8_t *limit);
jpeg__idct_fn jpeg__idct_select(void);

/* One output row (y) of component c upsampled to the image width, as
 * libjpeg-turbo's default ("fancy") upsampler; returns a pointer to the row,
 * which is either `tmp` (width bytes) or a row of the plane itself. */
const uint8_t *jpeg__upsample_row(const jpeg__decoder *d, const jpeg__component *c, int y, uint8_t *tmp);
/* The h2v2 filter of one output row from the nearer and further chroma
 * rows (n samples, n > 2; 2n outputs) and its twin, the same bits;
 * jpeg__h2v2_select picks the one of the active kernel set. */
void jpeg__fancy_h2v2(const uint8_t *near, const uint8_t *far, int n, uint8_t *out);
void jpeg__fancy_h2v2_avx2(const uint8_t *near, const uint8_t *far, int n, uint8_t *out);
void (*jpeg__h2v2_select(void))(const uint8_t *near, const uint8_t *far, int n, uint8_t *out);

/* libjpeg's YCbCr->RGB (jdcolor.c): n pixels to interleaved RGB, with the
 * tables from jpeg__ycc_tables_init; limit (jpeg__range_limit_init)
 * clamps the sums. */
void jpeg__ycc_tables_init(jpeg__ycc_tables *t);
void jpeg__ycc_to_rgb(const uint8_t *y, const uint8_t *cb, const uint8_t *cr, uint8_t *rgb, int n,
                      const jpeg__ycc_tables *t, const uint8_t *limit);
/* Its twins (image/jpeg_color_<set>.c), the same bits; jpeg__ycc_select
 * picks the one of the active kernel set, as jpeg__idct_select. */
typedef void (*jpeg__ycc_fn)(const uint8_t *y, const uint8_t *cb, const uint8_t *cr, uint8_t *rgb, int n,
                             const jpeg__ycc_tables *t, const uint8_t *limit);
void jpeg__ycc_to_rgb_avx2(const uint8_t *y, const uint8_t *cb, const uint8_t *cr, uint8_t *rgb, int n,
                           const jpeg__ycc_tables *t, const uint8_t *limit);
jpeg__ycc_fn jpeg__ycc_select(void);

/* ---- EXIF ----------------------------------------------------------------- */

/* The orientation (1..8) in an EXIF APP1 payload (the TIFF header onward),
 * or 1 when the payload has none or is unreadable, as PIL then ignores it. */
int jpeg__exif_orientation(const uint8_t *tiff, size_t len);
/* Replaces *img by its copy turned upright for an EXIF orientation, as PIL's
 * ImageOps.exif_transpose does. */
int jpeg__apply_orientation(img_image *img, int orientation, g99_error *err);

#endif
