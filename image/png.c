/* PNG decoding, following the PNG specification (2nd edition, ISO/IEC
 * 15948): §5 datastream and chunk layout, §11.2 IHDR/PLTE/IDAT/IEND,
 * §11.3.2 tRNS, §8 Adam7 interlace, §9 filters. The output layout is
 * described in image.h (SECTION png).
 *
 * Plan: walk the chunks (checking CRC, order and sizes), gather the IDAT
 * payloads, inflate them into a buffer of exactly the size the header
 * promises, undo the filters pass by pass, then expand each pass's samples
 * into the output image. */
#include "image.h"
#include "zlib_internal.h"

#include <stdlib.h>

static const uint8_t signature[8] = { 137, 80, 78, 71, 13, 10, 26, 10 };

/* Adam7 (§8.2): the seven passes' first column/row and steps. */
static const int adam7_x0[7] = { 0, 4, 0, 2, 0, 1, 0 }, adam7_dx[7] = { 8, 8, 4, 4, 2, 2, 1 };
static const int adam7_y0[7] = { 0, 0, 4, 0, 2, 0, 1 }, adam7_dy[7] = { 8, 8, 8, 4, 4, 2, 2 };

typedef struct png_info {
    uint32_t width, height;
    int depth, color_type, interlace;
    int channels;  /* samples per pixel as stored */
    uint8_t palette[256][4];
    int palette_size;
    int has_trns;
    uint16_t trns_key[3];  /* grey or RGB key, in the stored bit depth */
} png_info;

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- chunks --------------------------------------------------------------- */

static int check_ihdr(png_info *info, const uint8_t *d, uint32_t len, size_t off, const img_limits *limits,
                      g99_error *err)
{
    int ok_depth;
    if (len != 13) return g99_fail(err, G99_EFORMAT, "offset %lu: IHDR length %lu, not 13", (unsigned long)off, (unsigned long)len);
    info->width = be32(d);
    info->height = be32(d + 4);
    info->depth = d[8];
    info->color_type = d[9];
    info->interlace = d[12];
    if (info->width == 0 || info->height == 0 || info->width > 0x7FFFFFFFu || info->height > 0x7FFFFFFFu)
        return g99_fail(err, G99_EFORMAT, "IHDR: bad image size %lux%lu", (unsigned long)info->width,
                        (unsigned long)info->height);
    switch (info->color_type) {
    case 0: ok_depth = info->depth == 1 || info->depth == 2 || info->depth == 4 || info->depth == 8 || info->depth == 16; info->channels = 1; break;
    case 2: ok_depth = info->depth == 8 || info->depth == 16; info->channels = 3; break;
    case 3: ok_depth = info->depth == 1 || info->depth == 2 || info->depth == 4 || info->depth == 8; info->channels = 1; break;
    case 4: ok_depth = info->depth == 8 || info->depth == 16; info->channels = 2; break;
    case 6: ok_depth = info->depth == 8 || info->depth == 16; info->channels = 4; break;
    default: return g99_fail(err, G99_EFORMAT, "IHDR: bad colour type %d", info->color_type);
    }
    if (!ok_depth)
        return g99_fail(err, G99_EFORMAT, "IHDR: bit depth %d is not allowed with colour type %d", info->depth,
                        info->color_type);
    if (d[10] != 0) return g99_fail(err, G99_EFORMAT, "IHDR: compression method %d, not 0", d[10]);
    if (d[11] != 0) return g99_fail(err, G99_EFORMAT, "IHDR: filter method %d, not 0", d[11]);
    if (info->interlace > 1) return g99_fail(err, G99_EFORMAT, "IHDR: interlace method %d, not 0 or 1", info->interlace);
    if (img_check_size(info->width, info->height, limits, err)) return g99_error_prefix(err, "IHDR");
    return G99_OK;
}

static int read_plte(png_info *info, const uint8_t *d, uint32_t len, g99_error *err)
{
    uint32_t i;
    if (info->color_type == 0 || info->color_type == 4)
        return g99_fail(err, G99_EFORMAT, "PLTE: not allowed in a greyscale image");
    if (len % 3 != 0 || len == 0 || len > 768)
        return g99_fail(err, G99_EFORMAT, "PLTE: length %lu is not 3 x 1..256 entries", (unsigned long)len);
    if (info->color_type == 3 && len / 3 > (1u << info->depth))
        return g99_fail(err, G99_EFORMAT, "PLTE: %lu entries, more than a %d-bit index can reach",
                        (unsigned long)(len / 3), info->depth);
    info->palette_size = (int)(len / 3);
    for (i = 0; i < len / 3; i++) {
        info->palette[i][0] = d[3 * i];
        info->palette[i][1] = d[3 * i + 1];
        info->palette[i][2] = d[3 * i + 2];
        info->palette[i][3] = 255;
    }
    return G99_OK;
}

static int read_trns(png_info *info, const uint8_t *d, uint32_t len, g99_error *err)
{
    uint32_t i;
    uint16_t max = (uint16_t)((1u << info->depth) - 1);
    if (info->color_type == 4 || info->color_type == 6) return G99_OK;  /* has alpha already: ignored */
    if (info->color_type == 3) {
        if (info->palette_size == 0) return g99_fail(err, G99_EFORMAT, "tRNS: before PLTE");
        if (len > (uint32_t)info->palette_size)
            return g99_fail(err, G99_EFORMAT, "tRNS: %lu entries for a palette of %d", (unsigned long)len, info->palette_size);
        for (i = 0; i < len; i++) info->palette[i][3] = d[i];
    } else {
        uint32_t want = info->color_type == 0 ? 2 : 6;
        if (len != want) return g99_fail(err, G99_EFORMAT, "tRNS: length %lu, not %lu", (unsigned long)len, (unsigned long)want);
        for (i = 0; i < want / 2; i++) {
            /* A key wider than the bit depth matches no pixel; keep it so. */
            uint32_t v = (uint32_t)d[2 * i] << 8 | d[2 * i + 1];
            info->trns_key[i] = v > max ? max : (uint16_t)v;
            if (v > max) info->has_trns = -1;
        }
    }
    if (info->has_trns == 0) info->has_trns = 1;
    return G99_OK;
}

/* ---- filters (§9) ------------------------------------------------------- */

/* The Paeth predictor (§9.4): of a (left), b (up), c (up-left), the one
 * nearest to a + b - c, ties in the order a, b, c. Written as two selects
 * (the nearer of a and b, then that or c) so that compilers make
 * conditional moves: on photographs the choice is a coin toss, and a
 * mispredicted branch per byte costs more than the rest of the loop. */
static int paeth(int a, int b, int c)
{
    int pa = b - c, pb = a - c, pc = pa + pb, pm, vm;
    pa = pa < 0 ? -pa : pa;
    pb = pb < 0 ? -pb : pb;
    pc = pc < 0 ? -pc : pc;
    pm = pa <= pb ? pa : pb;
    vm = pa <= pb ? a : b;
    return pm <= pc ? vm : c;
}

/* Paeth rows are the hot loop of photo decoding: each channel's left and
 * up-left values stay in registers (named variables for 3- and 4-byte
 * pixels), so the chain from one pixel to the next never waits on a store. */
static void unpaeth_pixels(uint8_t *row, const uint8_t *in, const uint8_t *prev, size_t n, size_t bpp)
{
    int a[8] = { 0, 0, 0, 0, 0, 0, 0, 0 }, c[8] = { 0, 0, 0, 0, 0, 0, 0, 0 };  /* bpp <= 8 */
    size_t i, k;
    for (i = 0; i + bpp <= n; i += bpp) {
        for (k = 0; k < bpp; k++) {
            int b = prev[i + k];
            a[k] = (in[i + k] + paeth(a[k], b, c[k])) & 255;
            c[k] = b;
            row[i + k] = (uint8_t)a[k];
        }
    }
}

#define UNPAETH_CHANNEL(k)                                      \
    do {                                                        \
        int b_ = prev[i + k];                                   \
        a##k = (in[i + k] + paeth(a##k, b_, c##k)) & 255;       \
        c##k = b_;                                              \
        row[i + k] = (uint8_t)a##k;                             \
    } while (0)

static void unpaeth3(uint8_t *row, const uint8_t *in, const uint8_t *prev, size_t n)
{
    int a0 = 0, a1 = 0, a2 = 0, c0 = 0, c1 = 0, c2 = 0;
    size_t i;
    for (i = 0; i + 3 <= n; i += 3) {
        UNPAETH_CHANNEL(0);
        UNPAETH_CHANNEL(1);
        UNPAETH_CHANNEL(2);
    }
}

static void unpaeth4(uint8_t *row, const uint8_t *in, const uint8_t *prev, size_t n)
{
    int a0 = 0, a1 = 0, a2 = 0, a3 = 0, c0 = 0, c1 = 0, c2 = 0, c3 = 0;
    size_t i;
    for (i = 0; i + 4 <= n; i += 4) {
        UNPAETH_CHANNEL(0);
        UNPAETH_CHANNEL(1);
        UNPAETH_CHANNEL(2);
        UNPAETH_CHANNEL(3);
    }
}
#undef UNPAETH_CHANNEL

/* Undoes the filter of one row: in (n bytes after the filter byte) to row,
 * which may be in itself or start before it (each byte of in is read
 * before row's byte at the same index is written). bpp: bytes per complete pixel (at least 1); prev:
 * the previous row, already unfiltered (zeros for the first row of a
 * pass). */
static int unfilter_row(int type, uint8_t *row, const uint8_t *in, const uint8_t *prev, size_t n, size_t bpp)
{
    size_t i;
    switch (type) {
    case 0:
        if (row != in) memmove(row, in, n);   /* in place, the input may overlap the output */
        break;
    case 1:
        for (i = 0; i < bpp && i < n; i++) row[i] = in[i];
        for (; i < n; i++) row[i] = (uint8_t)(in[i] + row[i - bpp]);
        break;
    case 2: for (i = 0; i < n; i++) row[i] = (uint8_t)(in[i] + prev[i]); break;
    case 3:
        for (i = 0; i < bpp && i < n; i++) row[i] = (uint8_t)(in[i] + (prev[i] >> 1));
        for (; i < n; i++) row[i] = (uint8_t)(in[i] + ((row[i - bpp] + prev[i]) >> 1));
        break;
    case 4:
        if (bpp == 3) unpaeth3(row, in, prev, n);
        else if (bpp == 4) unpaeth4(row, in, prev, n);
        else unpaeth_pixels(row, in, prev, n, bpp);
        break;
    default: return -1;
    }
    return 0;
}

/* ---- sample expansion --------------------------------------------------- */

typedef struct out_format {
    int channels, depth;  /* of the output image */
    int trns_alpha;       /* grey/RGB: add alpha from the tRNS key */
    int to_8bit;
} out_format;

/* Reads sample `i` of a row at the stored bit depth. */
static unsigned get_sample(const uint8_t *row, size_t i, int depth)
{
    switch (depth) {
    case 1: return (row[i >> 3] >> (7 - (i & 7))) & 1;
    case 2: return (row[i >> 2] >> (6 - 2 * (i & 3))) & 3;
    case 4: return (row[i >> 1] >> (4 - 4 * (i & 1))) & 15;
    case 8: return row[i];
    default: return (unsigned)row[2 * i] << 8 | row[2 * i + 1];
    }
}

static void put_out(img_image *img, size_t index, unsigned v)
{
    if (img->depth == 8) img->data[index] = (uint8_t)v;
    else ((uint16_t *)(void *)img->data)[index] = (uint16_t)v;
}

/* Writes the pixels of one unfiltered row of a pass into the image: pixel x
 * of the row goes to column x0 + x*dx of image row y. */
static int expand_row(const png_info *info, const out_format *f, const uint8_t *row, size_t pass_width,
                      img_image *img, size_t y, size_t x0, size_t dx, g99_error *err)
{
    size_t x, c;
    int ch = info->channels;
    /* 1/2/4-bit grey scales to 8 bits by replicating its bits, the same as
     * multiplying by 255, 85 or 17. */
    unsigned scale = info->depth == 1 ? 255 : info->depth == 2 ? 85 : info->depth == 4 ? 17 : 1;
    if (info->color_type != 3 && !f->trns_alpha && dx == 1) {
        /* Fast paths for whole rows stored as they come out. */
        size_t n = pass_width * (size_t)ch, o = y * (size_t)img->width * (size_t)ch;
        if (info->depth == 8) {
            memcpy(img->data + o, row, n);
            return G99_OK;
        }
        if (info->depth == 16) {
            if (f->to_8bit) {
                for (x = 0; x < n; x++) img->data[o + x] = row[2 * x];
            } else {
                uint16_t *dst = (uint16_t *)(void *)img->data + o;
                for (x = 0; x < n; x++) dst[x] = (uint16_t)((unsigned)row[2 * x] << 8 | row[2 * x + 1]);
            }
            return G99_OK;
        }
    }
    for (x = 0; x < pass_width; x++) {
        size_t o = (y * (size_t)img->width + x0 + x * dx) * (size_t)f->channels;
        if (info->color_type == 3) {
            unsigned index = get_sample(row, x, info->depth);
            if ((int)index >= info->palette_size)
                return g99_fail(err, G99_EFORMAT, "IDAT: palette index %u at pixel (%lu,%lu) is past the %d PLTE entries",
                                index, (unsigned long)(x0 + x * dx), (unsigned long)y, info->palette_size);
            for (c = 0; c < (size_t)f->channels; c++) img->data[o + c] = info->palette[index][c];
            continue;
        }
        {
            unsigned v[4];
            int is_key = info->has_trns == 1;
            for (c = 0; c < (size_t)ch; c++) {
                v[c] = get_sample(row, x * (size_t)ch + c, info->depth);
                if (is_key && c < 3 && v[c] != info->trns_key[c]) is_key = 0;
            }
            for (c = 0; c < (size_t)ch; c++) {
                unsigned s = v[c] * scale;
                put_out(img, o + c, f->to_8bit && info->depth == 16 ? s >> 8 : s);
            }
            if (f->trns_alpha) {
                unsigned a = is_key ? 0 : (f->depth == 16 ? 65535u : 255u);
                put_out(img, o + (size_t)ch, a);
            }
        }
    }
    return G99_OK;
}

/* ---- the whole image ---------------------------------------------------- */

/* Bytes of one filtered row of a pass `w` pixels wide, without the filter byte. */
static size_t row_bytes(const png_info *info, size_t w)
{
    return (w * (size_t)info->channels * (size_t)info->depth + 7) / 8;
}

static int decode_pixels(const png_info *info, const out_format *f, const uint8_t *raw, img_image *img,
                         g99_error *err)
{
    size_t bpp = ((size_t)info->channels * (size_t)info->depth + 7) / 8, pos = 0;
    size_t max_row = row_bytes(info, info->width);
    uint8_t *prev = (uint8_t *)calloc(max_row + 1, 1), *cur = (uint8_t *)malloc(max_row + 1);
    int pass, rc = G99_OK;
    if (!prev || !cur) {
        free(prev);
        free(cur);
        return g99_fail(err, G99_ENOMEM, "out of memory for rows of %lu bytes", (unsigned long)max_row);
    }
    for (pass = 0; pass < 7 && rc == G99_OK; pass++) {
        size_t x0 = 0, y0 = 0, dx = 1, dy = 1, w, h, y, n;
        if (info->interlace) {
            x0 = (size_t)adam7_x0[pass];
            y0 = (size_t)adam7_y0[pass];
            dx = (size_t)adam7_dx[pass];
            dy = (size_t)adam7_dy[pass];
        } else if (pass > 0) {
            break;
        }
        if (info->width <= x0 || info->height <= y0) continue;  /* an empty pass has no rows at all */
        w = (info->width - x0 + dx - 1) / dx;
        h = (info->height - y0 + dy - 1) / dy;
        n = row_bytes(info, w);
        memset(prev, 0, n + 1);  /* the row sits at prev + 1, after its filter byte */
        for (y = 0; y < h && rc == G99_OK; y++) {
            uint8_t *t;
            memcpy(cur, raw + pos, n + 1);
            if (unfilter_row(cur[0], cur + 1, cur + 1, prev + 1, n, bpp)) {
                rc = g99_fail(err, G99_EFORMAT, "IDAT: filter type %d (not 0..4) at image data offset %lu", cur[0],
                              (unsigned long)pos);
                break;
            }
            pos += n + 1;
            rc = expand_row(info, f, cur + 1, w, img, y0 + y * dy, x0, dx, err);
            t = prev;
            prev = cur;
            cur = t;
        }
    }
    free(prev);
    free(cur);
    return rc;
}

/* The size of the inflated image data: every pass's rows, each with its
 * filter byte. Overflow cannot happen within the pixel budget, but is
 * checked anyway since the budget is configurable. */
static int image_data_size(const png_info *info, size_t *size, g99_error *err)
{
    size_t total = 0;
    int pass;
    for (pass = 0; pass < (info->interlace ? 7 : 1); pass++) {
        size_t x0 = info->interlace ? (size_t)adam7_x0[pass] : 0, y0 = info->interlace ? (size_t)adam7_y0[pass] : 0;
        size_t dx = info->interlace ? (size_t)adam7_dx[pass] : 1, dy = info->interlace ? (size_t)adam7_dy[pass] : 1;
        size_t w, h, bytes;
        if (info->width <= x0 || info->height <= y0) continue;
        w = (info->width - x0 + dx - 1) / dx;
        h = (info->height - y0 + dy - 1) / dy;
        if (g99_size_mul(row_bytes(info, w) + 1, h, &bytes) || g99_size_add(total, bytes, &total))
            return g99_fail(err, G99_ELIMIT, "IHDR: image data size overflows");
    }
    *size = total;
    return G99_OK;
}

static int finish(const png_info *info, const img_png_options *opt, const uint8_t *idat, size_t idat_len,
                  img_image *img, g99_error *err)
{
    out_format f;
    img__zbuf z = { NULL, 0, 0, 0, 1 };
    size_t want = 0;
    int rc;

    f.trns_alpha = opt && opt->trns_alpha && info->has_trns != 0 && (info->color_type == 0 || info->color_type == 2);
    f.to_8bit = opt && opt->to_8bit;
    f.depth = info->depth == 16 && !f.to_8bit ? 16 : 8;
    if (info->color_type == 3) f.channels = info->has_trns ? 4 : 3;
    else f.channels = info->channels + (f.trns_alpha ? 1 : 0);

    if ((rc = image_data_size(info, &want, err)) != 0) return rc;
    z.buf = (uint8_t *)malloc(want);
    if (!z.buf) return g99_fail(err, G99_ENOMEM, "out of memory for %lu bytes of image data", (unsigned long)want);
    z.cap = z.max = want;
    rc = img__zlib_decode_into(idat, idat_len, &z, err);
    if (rc == G99_ELIMIT) {
        rc = g99_fail(err, G99_EFORMAT, "IDAT: too much image data (more than the %lu bytes IHDR implies)",
                      (unsigned long)want);
    } else if (rc) {
        g99_error_prefix(err, "IDAT");
    } else if (z.len < want) {
        rc = g99_fail(err, G99_EFORMAT, "IDAT: too little image data (%lu of %lu bytes)", (unsigned long)z.len,
                      (unsigned long)want);
    }
    if (rc == G99_OK && !info->interlace && info->depth == 8 && info->color_type != 3 && !f.trns_alpha) {
        /* Rows stored as they come out: unfiltered in place, each moved
         * down over the filter bytes before it (row y's output starts y + 1
         * bytes before its input and never reaches the next row's), so the
         * inflated data becomes the image without a second allocation. */
        size_t bpp = (size_t)info->channels, n = row_bytes(info, info->width), y, h = info->height;
        uint8_t *zero = (uint8_t *)calloc(n + 1, 1), *shrunk;
        if (!zero) rc = g99_fail(err, G99_ENOMEM, "out of memory for rows of %lu bytes", (unsigned long)n);
        for (y = 0; rc == G99_OK && y < h; y++) {
            uint8_t *row = z.buf + y * n;
            int type = z.buf[y * (n + 1)];
            if (unfilter_row(type, row, z.buf + y * (n + 1) + 1, y ? row - n : zero, n, bpp))
                rc = g99_fail(err, G99_EFORMAT, "IDAT: filter type %d (not 0..4) at image data offset %lu", type,
                              (unsigned long)(y * (n + 1)));
        }
        free(zero);
        if (rc == G99_OK) {
            shrunk = (uint8_t *)realloc(z.buf, n * h);
            img->data = shrunk ? shrunk : z.buf;   /* a smaller block refused: keep the larger one */
            img->width = (int)info->width;
            img->height = (int)info->height;
            img->channels = f.channels;
            img->depth = 8;
            return G99_OK;
        }
        free(z.buf);
        return rc;
    }
    if (rc == G99_OK) rc = img_new(img, (int)info->width, (int)info->height, f.channels, f.depth, err);
    if (rc == G99_OK) {
        rc = decode_pixels(info, &f, z.buf, img, err);
        if (rc) img_free(img);
    }
    free(z.buf);
    return rc;
}

int img_png_decode(const uint8_t *data, size_t len, const img_png_options *options, img_image *img, g99_error *err)
{
    png_info info;
    size_t pos = 8, idat_len = 0, idat_cap = 0;
    uint8_t *idat = NULL;
    int seen_ihdr = 0, seen_iend = 0, idat_state = 0; /* 0 none yet, 1 in the run, 2 run ended */
    int rc = G99_OK;

    img->data = NULL;
    img->width = img->height = img->channels = img->depth = 0;
    memset(&info, 0, sizeof info);
    if (len < 8 || memcmp(data, signature, 8) != 0)
        return g99_fail(err, G99_EFORMAT, "offset 0: not a PNG file (bad signature)");
    while (!seen_iend) {
        uint32_t clen, crc;
        const uint8_t *type, *body;
        char name[5];
        size_t off = pos;
        if (len - pos < 12) {
            rc = g99_fail(err, G99_EFORMAT, "offset %lu: truncated (no IEND chunk)", (unsigned long)pos);
            break;
        }
        clen = be32(data + pos);
        type = data + pos + 4;
        body = data + pos + 8;
        memcpy(name, type, 4);
        name[4] = '\0';
        {
            int k;
            for (k = 0; k < 4; k++)
                if (!((name[k] >= 'A' && name[k] <= 'Z') || (name[k] >= 'a' && name[k] <= 'z'))) name[k] = '?';
        }
        if (clen > 0x7FFFFFFFu) {
            rc = g99_fail(err, G99_EFORMAT, "offset %lu: %s chunk length %lu is over 2^31-1", (unsigned long)off, name,
                          (unsigned long)clen);
            break;
        }
        if (len - pos - 12 < clen) {
            rc = g99_fail(err, G99_EFORMAT, "offset %lu: %s chunk length %lu runs past the end of the file (%lu bytes left)",
                          (unsigned long)off, name, (unsigned long)clen, (unsigned long)(len - pos - 12));
            break;
        }
        crc = be32(body + clen);
        if (g99_crc32(0, type, (size_t)clen + 4) != crc) {
            rc = g99_fail(err, G99_EFORMAT, "offset %lu: %s chunk CRC mismatch", (unsigned long)off, name);
            break;
        }
        pos += (size_t)clen + 12;
        if (!seen_ihdr && memcmp(type, "IHDR", 4) != 0) {
            rc = g99_fail(err, G99_EFORMAT, "offset %lu: %s chunk before IHDR (IHDR must come first)", (unsigned long)off, name);
            break;
        }
        if (idat_state == 1 && memcmp(type, "IDAT", 4) != 0) idat_state = 2;
        if (memcmp(type, "IHDR", 4) == 0) {
            if (seen_ihdr) {
                rc = g99_fail(err, G99_EFORMAT, "offset %lu: second IHDR chunk", (unsigned long)off);
                break;
            }
            seen_ihdr = 1;
            rc = check_ihdr(&info, body, clen, off, options ? &options->limits : NULL, err);
        } else if (memcmp(type, "PLTE", 4) == 0) {
            if (idat_state) rc = g99_fail(err, G99_EFORMAT, "offset %lu: PLTE after IDAT", (unsigned long)off);
            else if (info.palette_size) rc = g99_fail(err, G99_EFORMAT, "offset %lu: second PLTE chunk", (unsigned long)off);
            else if (info.has_trns) rc = g99_fail(err, G99_EFORMAT, "offset %lu: PLTE after tRNS", (unsigned long)off);
            else rc = read_plte(&info, body, clen, err);
        } else if (memcmp(type, "tRNS", 4) == 0) {
            if (idat_state) rc = g99_fail(err, G99_EFORMAT, "offset %lu: tRNS after IDAT", (unsigned long)off);
            else if (info.has_trns) rc = g99_fail(err, G99_EFORMAT, "offset %lu: second tRNS chunk", (unsigned long)off);
            else rc = read_trns(&info, body, clen, err);
        } else if (memcmp(type, "IDAT", 4) == 0) {
            if (info.color_type == 3 && info.palette_size == 0) {
                rc = g99_fail(err, G99_EFORMAT, "offset %lu: IDAT before PLTE in a palette image", (unsigned long)off);
            } else if (idat_state == 2) {
                rc = g99_fail(err, G99_EFORMAT, "offset %lu: IDAT chunks are not consecutive", (unsigned long)off);
            } else {
                idat_state = 1;
                if (idat_len + clen > idat_cap) {
                    /* Doubling keeps the copying linear over many small IDATs;
                     * the total cannot pass the file size. */
                    size_t cap = idat_cap ? idat_cap : 65536;
                    uint8_t *grown;
                    while (cap < idat_len + clen) cap *= 2;
                    if (cap > len) cap = len;
                    grown = (uint8_t *)realloc(idat, cap);
                    if (!grown) {
                        rc = g99_fail(err, G99_ENOMEM, "out of memory gathering IDAT data");
                        break;
                    }
                    idat = grown;
                    idat_cap = cap;
                }
                if (clen) memcpy(idat + idat_len, body, clen);
                idat_len += clen;
            }
        } else if (memcmp(type, "IEND", 4) == 0) {
            if (clen != 0) rc = g99_fail(err, G99_EFORMAT, "offset %lu: IEND chunk length %lu, not 0", (unsigned long)off, (unsigned long)clen);
            seen_iend = 1;
        } else if (!(type[0] & 0x20)) {
            /* Bit 5 of the first byte clear: critical (§5.4). */
            rc = g99_fail(err, G99_EUNSUPPORTED, "offset %lu: unknown critical chunk %s", (unsigned long)off, name);
        }
        if (rc) break;
    }
    if (rc == G99_OK && idat_state == 0) rc = g99_fail(err, G99_EFORMAT, "no IDAT chunk");
    if (rc == G99_OK && info.color_type == 3 && info.palette_size == 0)
        rc = g99_fail(err, G99_EFORMAT, "no PLTE chunk in a palette image");
    if (rc == G99_OK) rc = finish(&info, options, idat, idat_len, img, err);
    free(idat);
    return rc;
}

int img_png_load(const char *path, const img_png_options *options, img_image *img, g99_error *err)
{
    uint8_t *data;
    size_t len;
    int rc = g99_read_file(path, (size_t)1 << 31, &data, &len, err);
    if (rc) {
        img->data = NULL;
        return rc;
    }
    rc = img_png_decode(data, len, options, img, err);
    free(data);
    if (rc) g99_error_prefix(err, "%s", path);
    return rc;
}
