/* Netpbm PGM and PPM: P2/P3 (plain, ASCII) and P5/P6 (raw) reading, P5/P6
 * writing. Follows netpbm's pgm(5)/ppm(5) pages; the rescaling of maxval
 * other than 255/65535 follows PIL 9.4's PpmImagePlugin (see image.h). */
#include "image.h"

#include <stdlib.h>

typedef struct ppm_reader {
    const uint8_t *d;
    size_t n, pos;
    g99_error *err;
} ppm_reader;

static int is_space(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

/* Skips whitespace and '#' comments (to the end of the line). */
static void skip_space(ppm_reader *r)
{
    while (r->pos < r->n) {
        if (r->d[r->pos] == '#') {
            while (r->pos < r->n && r->d[r->pos] != '\n' && r->d[r->pos] != '\r') r->pos++;
        } else if (is_space(r->d[r->pos])) {
            r->pos++;
        } else {
            break;
        }
    }
}

/* A decimal number after optional whitespace and comments. */
static int read_number(ppm_reader *r, const char *what, uint32_t max, uint32_t *value)
{
    uint32_t v = 0;
    size_t start;
    skip_space(r);
    start = r->pos;
    if (r->pos >= r->n) return g99_fail(r->err, G99_EFORMAT, "offset %lu: truncated before the %s", (unsigned long)start, what);
    while (r->pos < r->n && r->d[r->pos] >= '0' && r->d[r->pos] <= '9') {
        uint32_t digit = (uint32_t)(r->d[r->pos] - '0');
        if (v > (max - digit) / 10)  /* v * 10 + digit > max, asked without overflow */
            return g99_fail(r->err, G99_EFORMAT, "offset %lu: %s is over %lu", (unsigned long)start, what, (unsigned long)max);
        v = v * 10 + digit;
        r->pos++;
    }
    if (r->pos == start)
        return g99_fail(r->err, G99_EFORMAT, "offset %lu: %s expected, found byte 0x%02X", (unsigned long)start, what,
                        r->d[start]);
    if (r->pos < r->n && !is_space(r->d[r->pos]) && r->d[r->pos] != '#')
        return g99_fail(r->err, G99_EFORMAT, "offset %lu: bad character 0x%02X in the %s", (unsigned long)r->pos,
                        r->d[r->pos], what);
    *value = v;
    return G99_OK;
}

/* PIL's rescaling: round(v / maxval * outmax) in double precision with
 * Python's round-half-to-even. Only + - * / on doubles, so every IEEE
 * platform gives the same result. */
static unsigned rescale(uint32_t v, uint32_t maxval, uint32_t outmax)
{
    double x = (double)v / (double)maxval * (double)outmax, frac;
    unsigned t;
    if (maxval == outmax) return v;
    if (x >= (double)outmax) return outmax;  /* raw samples above maxval clamp, as PIL's min() */
    t = (unsigned)x;
    frac = x - (double)t;
    if (frac > 0.5 || (frac == 0.5 && (t & 1))) t++;
    return t;
}

int img_ppm_decode(const uint8_t *data, size_t len, const img_limits *limits, img_image *img, g99_error *err)
{
    ppm_reader r;
    uint32_t w, h, maxval, outmax;
    int kind, channels, depth, plain, rc;
    size_t count, i, sample_bytes;

    img->data = NULL;
    img->width = img->height = img->channels = img->depth = 0;
    r.d = data;
    r.n = len;
    r.pos = 2;
    r.err = err;
    if (len < 2 || data[0] != 'P' || data[1] < '2' || data[1] > '6' || data[1] == '4')
        return g99_fail(err, G99_EFORMAT, "offset 0: not a PGM/PPM file (magic P2, P3, P5 or P6 expected)");
    kind = data[1] - '0';
    channels = kind == 3 || kind == 6 ? 3 : 1;
    plain = kind <= 3;
    if (len > 2 && !is_space(data[2]) && data[2] != '#')
        return g99_fail(err, G99_EFORMAT, "offset 2: no whitespace after the magic number");
    if ((rc = read_number(&r, "width", 0x7FFFFFFF, &w)) != 0) return rc;
    if ((rc = read_number(&r, "height", 0x7FFFFFFF, &h)) != 0) return rc;
    if ((rc = read_number(&r, "maxval", 65535, &maxval)) != 0) return rc;
    if (maxval == 0) return g99_fail(err, G99_EFORMAT, "maxval 0 (must be 1..65535)");
    if ((rc = img_check_size(w, h, limits, err)) != 0) return g99_error_prefix(err, "header");
    /* Exactly one whitespace byte (or a comment ending in one) ends the header. */
    if (r.pos < r.n && r.d[r.pos] == '#') {
        while (r.pos < r.n && r.d[r.pos] != '\n' && r.d[r.pos] != '\r') r.pos++;
    }
    if (r.pos >= r.n) return g99_fail(err, G99_EFORMAT, "offset %lu: truncated after the header", (unsigned long)r.pos);
    r.pos++;

    depth = maxval > 255 ? 16 : 8;
    outmax = depth == 16 ? 65535 : 255;
    sample_bytes = maxval > 255 ? 2 : 1;
    count = (size_t)w * (size_t)h * (size_t)channels;  /* within the pixel budget, so no overflow */
    if (!plain && (len - r.pos) / sample_bytes < count)
        return g99_fail(err, G99_EFORMAT, "offset %lu: truncated raster (%lu of %lu bytes)", (unsigned long)r.pos,
                        (unsigned long)(len - r.pos), (unsigned long)(count * sample_bytes));
    if ((rc = img_new(img, (int)w, (int)h, channels, depth, err)) != 0) return rc;
    for (i = 0; i < count; i++) {
        uint32_t v;
        unsigned out;
        if (plain) {
            size_t at;
            skip_space(&r);
            at = r.pos;
            if (r.pos >= r.n) {
                rc = g99_fail(err, G99_EFORMAT, "offset %lu: truncated raster (%lu of %lu samples)", (unsigned long)at,
                              (unsigned long)i, (unsigned long)count);
                break;
            }
            if ((rc = read_number(&r, "sample", 0xFFFFFFF, &v)) != 0) break;
            if (v > maxval) {
                rc = g99_fail(err, G99_EFORMAT, "offset %lu: sample %lu is over maxval %lu", (unsigned long)at,
                              (unsigned long)v, (unsigned long)maxval);
                break;
            }
        } else if (sample_bytes == 1) {
            v = r.d[r.pos++];
        } else {
            v = (uint32_t)r.d[r.pos] << 8 | r.d[r.pos + 1];
            r.pos += 2;
        }
        out = rescale(v, maxval, outmax);
        if (depth == 8) img->data[i] = (uint8_t)out;
        else ((uint16_t *)(void *)img->data)[i] = (uint16_t)out;
    }
    if (rc) img_free(img);
    return rc;
}

int img_ppm_load(const char *path, const img_limits *limits, img_image *img, g99_error *err)
{
    uint8_t *data;
    size_t len;
    int rc = g99_read_file(path, (size_t)1 << 31, &data, &len, err);
    if (rc) {
        img->data = NULL;
        return rc;
    }
    rc = img_ppm_decode(data, len, limits, img, err);
    free(data);
    if (rc) g99_error_prefix(err, "%s", path);
    return rc;
}

int img_ppm_encode(const img_image *img, uint8_t **out, size_t *out_len, g99_error *err)
{
    char header[64];
    int colour, hlen;
    size_t pixels, bytes, i, k = 0;
    int out_ch, bps, c;
    uint8_t *buf;

    *out = NULL;
    *out_len = 0;
    if (!img || !img->data || img->width <= 0 || img->height <= 0 || img->channels < 1 || img->channels > 4 ||
        (img->depth != 8 && img->depth != 16))
        return g99_fail(err, G99_EINVAL, "PPM encode: not a valid image");
    colour = img->channels >= 3;
    out_ch = colour ? 3 : 1;
    bps = img->depth / 8;
    hlen = sprintf(header, "P%c\n%d %d\n%d\n", colour ? '6' : '5', img->width, img->height,
                   img->depth == 16 ? 65535 : 255);
    pixels = (size_t)img->width * (size_t)img->height;
    if (g99_size_mul(pixels, (size_t)(out_ch * bps), &bytes) || g99_size_add(bytes, (size_t)hlen, &bytes))
        return g99_fail(err, G99_ELIMIT, "PPM encode: image too large");
    buf = (uint8_t *)malloc(bytes);
    if (!buf) return g99_fail(err, G99_ENOMEM, "PPM encode: out of memory for %lu bytes", (unsigned long)bytes);
    memcpy(buf, header, (size_t)hlen);
    k = (size_t)hlen;
    for (i = 0; i < pixels; i++) {
        for (c = 0; c < out_ch; c++) {
            size_t s = i * (size_t)img->channels + (size_t)c;  /* alpha (channel 1 or 3) is dropped */
            if (bps == 1) {
                buf[k++] = img->data[s];
            } else {
                unsigned v = ((const uint16_t *)(const void *)img->data)[s];
                buf[k++] = (uint8_t)(v >> 8);  /* netpbm: big-endian samples */
                buf[k++] = (uint8_t)v;
            }
        }
    }
    *out = buf;
    *out_len = k;
    return G99_OK;
}

int img_ppm_save(const char *path, const img_image *img, g99_error *err)
{
    uint8_t *buf;
    size_t n;
    int rc = img_ppm_encode(img, &buf, &n, err);
    if (rc) return g99_error_prefix(err, "%s", path);
    rc = g99_write_file_atomic(path, buf, n, err);
    free(buf);
    return rc;
}
