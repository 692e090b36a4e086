/* PNG encoding (PNG specification 2nd edition, §5 chunks, §9 filtering,
 * §11.2 IHDR/IDAT/IEND): grey, grey+alpha, RGB or RGBA at 8 or 16 bits, not
 * interlaced, one adaptive filter per row, image data through gan99's own
 * deflate (image/deflate.c). */
#include "image.h"

#include <stdlib.h>

static const uint8_t signature[8] = { 137, 80, 78, 71, 13, 10, 26, 10 };
#define IDAT_PIECE ((size_t)1 << 20)

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Appends one chunk: length, type, data, CRC-32 of type and data. */
static size_t put_chunk(uint8_t *out, const char *type, const uint8_t *data, size_t n)
{
    put_be32(out, (uint32_t)n);
    memcpy(out + 4, type, 4);
    if (n) memcpy(out + 8, data, n);
    put_be32(out + 8 + n, g99_crc32(0, out + 4, n + 4));
    return n + 12;
}

/* The Paeth predictor as two selects (image/png.c says why). */
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

/* Filters row (n bytes, bpp bytes per pixel) with `type` into out; returns
 * the sum of |byte| reading each output byte as signed, libpng's estimate
 * of how well a row will compress. One plain loop per type, and the first
 * pixel (no left neighbour) apart, so that compilers can vectorize them. */
static unsigned long filter_row(int type, const uint8_t *row, const uint8_t *prev, size_t n, size_t bpp, uint8_t *out)
{
    unsigned long sum = 0;
    size_t i, first = bpp < n ? bpp : n;
    switch (type) {
    case 1:
        for (i = 0; i < first; i++) out[i] = row[i];
        for (; i < n; i++) out[i] = (uint8_t)(row[i] - row[i - bpp]);
        break;
    case 2:
        for (i = 0; i < n; i++) out[i] = (uint8_t)(row[i] - prev[i]);
        break;
    case 3:
        for (i = 0; i < first; i++) out[i] = (uint8_t)(row[i] - (prev[i] >> 1));
        for (; i < n; i++) out[i] = (uint8_t)(row[i] - ((row[i - bpp] + prev[i]) >> 1));
        break;
    case 4:
        /* with a = c = 0 the predictor is b */
        for (i = 0; i < first; i++) out[i] = (uint8_t)(row[i] - prev[i]);
        for (; i < n; i++) out[i] = (uint8_t)(row[i] - paeth(row[i - bpp], prev[i], prev[i - bpp]));
        break;
    default:
        for (i = 0; i < n; i++) out[i] = row[i];
        break;
    }
    for (i = 0; i < n; i++) {
        unsigned v = out[i];
        sum += v < 128 ? v : 256u - v;
    }
    return sum;
}

int img_png_encode(const img_image *img, uint8_t **out, size_t *out_len, g99_error *err)
{
    static const int colour_type[5] = { 0, 0, 4, 2, 6 };
    size_t row_bytes, bpp, filtered_len, y, zlen = 0, total, pos, idat_chunks;
    uint8_t *filtered = NULL, *rowbuf = NULL, *zdata = NULL, *prev_zero = NULL, *png, *bytes = NULL;
    uint8_t ihdr[13];
    int rc = G99_OK;

    *out = NULL;
    *out_len = 0;
    if (!img || !img->data || img->width <= 0 || img->height <= 0 || img->channels < 1 || img->channels > 4 ||
        (img->depth != 8 && img->depth != 16))
        return g99_fail(err, G99_EINVAL, "PNG encode: not a valid image");
    row_bytes = img_row_bytes(img);
    bpp = (size_t)img->channels * (size_t)(img->depth / 8);
    if (g99_size_mul(row_bytes + 1, (size_t)img->height, &filtered_len))
        return g99_fail(err, G99_ELIMIT, "PNG encode: image too large");
    filtered = (uint8_t *)malloc(filtered_len);
    rowbuf = (uint8_t *)malloc(4 * row_bytes);
    prev_zero = (uint8_t *)calloc(row_bytes, 1);
    if (img->depth == 16) bytes = (uint8_t *)malloc(2 * row_bytes);
    if (!filtered || !rowbuf || !prev_zero || (img->depth == 16 && !bytes)) {
        rc = g99_fail(err, G99_ENOMEM, "PNG encode: out of memory");
        goto done;
    }
    for (y = 0; y < (size_t)img->height; y++) {
        const uint8_t *row, *prev;
        uint8_t *dst = filtered + y * (row_bytes + 1), *cand[4];
        unsigned long best_sum, sum;
        int type, best = 0;
        if (img->depth == 8) {
            row = img->data + y * row_bytes;
            prev = y ? row - row_bytes : prev_zero;
        } else {
            /* 16-bit samples are stored big-endian (§7.1); keep this row and
             * the previous one converted, in the two halves of `bytes`. */
            const uint16_t *src = (const uint16_t *)(const void *)img->data + y * (row_bytes / 2);
            uint8_t *cur = bytes + (y & 1) * row_bytes;
            size_t i;
            for (i = 0; i < row_bytes / 2; i++) {
                cur[2 * i] = (uint8_t)(src[i] >> 8);
                cur[2 * i + 1] = (uint8_t)src[i];
            }
            row = cur;
            prev = y ? bytes + ((y + 1) & 1) * row_bytes : prev_zero;
        }
        /* Try every filter; the smallest sum wins, ties to the lower type. */
        memcpy(dst + 1, row, row_bytes);
        best_sum = filter_row(0, row, prev, row_bytes, bpp, dst + 1);
        for (type = 1; type <= 4; type++) {
            cand[type - 1] = rowbuf + (size_t)(type - 1) * row_bytes;
            sum = filter_row(type, row, prev, row_bytes, bpp, cand[type - 1]);
            if (sum < best_sum) {
                best_sum = sum;
                best = type;
            }
        }
        dst[0] = (uint8_t)best;
        if (best) memcpy(dst + 1, cand[best - 1], row_bytes);
    }
    if ((rc = img_zlib_encode(filtered, filtered_len, &zdata, &zlen, err)) != 0) goto done;

    idat_chunks = zlen / IDAT_PIECE + 1;
    total = 8 + (12 + 13) + idat_chunks * 12 + zlen + 12;
    png = (uint8_t *)malloc(total);
    if (!png) {
        rc = g99_fail(err, G99_ENOMEM, "PNG encode: out of memory");
        goto done;
    }
    memcpy(png, signature, 8);
    put_be32(ihdr, (uint32_t)img->width);
    put_be32(ihdr + 4, (uint32_t)img->height);
    ihdr[8] = (uint8_t)img->depth;
    ihdr[9] = (uint8_t)colour_type[img->channels];
    ihdr[10] = ihdr[11] = ihdr[12] = 0;  /* deflate, adaptive filtering, no interlace */
    pos = 8 + put_chunk(png + 8, "IHDR", ihdr, 13);
    {
        size_t k = 0;
        do {
            size_t piece = zlen - k > IDAT_PIECE ? IDAT_PIECE : zlen - k;
            pos += put_chunk(png + pos, "IDAT", zdata + k, piece);
            k += piece;
        } while (k < zlen);
    }
    pos += put_chunk(png + pos, "IEND", NULL, 0);
    *out = png;
    *out_len = pos;
done:
    free(filtered);
    free(rowbuf);
    free(prev_zero);
    free(bytes);
    free(zdata);
    return rc;
}

int img_png_save(const char *path, const img_image *img, g99_error *err)
{
    uint8_t *buf;
    size_t n;
    int rc = img_png_encode(img, &buf, &n, err);
    if (rc) return g99_error_prefix(err, "%s", path);
    rc = g99_write_file_atomic(path, buf, n, err);
    free(buf);
    return rc;
}
