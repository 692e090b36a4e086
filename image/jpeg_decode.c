/* JPEG decoding: the marker layer, the frame set-up and the public API.
 *
 * Follows ITU-T T.81 Annex B (syntax: SOI, tables, SOF, SOS + entropy-coded
 * data, ..., EOI), JFIF 1.02 (APP0) and Adobe's APP14 for the colour space,
 * and EXIF (APP1) for the orientation. Supported: baseline and extended
 * sequential Huffman (SOF0, SOF1) and progressive Huffman (SOF2), 8-bit
 * samples, 1 (grey) or 3 (YCbCr or RGB) components, any integer sampling
 * ratios. Everything else is refused with a message naming the offset.
 *
 * Progressive files and sequential files coded in several scans are decoded
 * into whole-image coefficient arrays, then each component is transformed
 * by the IDCT into a sample plane, and rows are upsampled and
 * colour-converted into the output. A sequential file whose first scan
 * holds every component is streamed instead (see jpeg_internal.h): no
 * coefficient arrays, output rows made right behind the decoded MCU rows. */
#include "jpeg_internal.h"

#include <stdlib.h>
#include <string.h>

/* libjpeg's JPEG_MAX_DIMENSION: larger frames are refused as it does. */
#define JPEG_MAX_DIMENSION 65500
/* libjpeg's D_MAX_BLOCKS_IN_MCU: the most blocks in an interleaved MCU. */
#define MAX_BLOCKS_IN_MCU 10

static unsigned be16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static int fail_at(g99_error *err, int code, size_t off, const char *what)
{
    return g99_fail(err, code, "offset %lu: %s", (unsigned long)off, what);
}

/* ---- table segments --------------------------------------------------------- */

/* DQT (T.81 B.2.4.1): one or more tables of 64 values in zigzag order,
 * 8-bit (Pq = 0) or 16-bit big-endian (Pq = 1). */
static int parse_dqt(jpeg__decoder *d, size_t p, size_t n, g99_error *err)
{
    while (n > 0) {
        int pq = d->data[p] >> 4, tq = d->data[p] & 15, k;
        size_t need = 1 + (size_t)64 * (size_t)(pq + 1);
        if (pq > 1) return g99_fail(err, G99_EFORMAT, "offset %lu: DQT: bad precision Pq=%d", (unsigned long)p, pq);
        if (tq > 3) return g99_fail(err, G99_EFORMAT, "offset %lu: DQT: bad table id %d", (unsigned long)p, tq);
        if (n < need)
            return g99_fail(err, G99_EFORMAT, "offset %lu: DQT: table %d needs %lu bytes, segment has %lu",
                            (unsigned long)p, tq, (unsigned long)need, (unsigned long)n);
        for (k = 0; k < 64; k++)
            d->qt[tq][jpeg__zigzag[k]] =
                (uint16_t)(pq ? be16(d->data + p + 1 + 2 * k) : d->data[p + 1 + (size_t)k]);
        d->qt_defined[tq] = 1;
        p += need;
        n -= need;
    }
    return G99_OK;
}

/* DHT (T.81 B.2.4.2): class/id, 16 counts, then the symbols. */
static int parse_dht(jpeg__decoder *d, size_t p, size_t n, g99_error *err)
{
    while (n > 0) {
        int tc = d->data[p] >> 4, th = d->data[p] & 15, total = 0, i, rc;
        if (tc > 1 || th > 3)
            return g99_fail(err, G99_EFORMAT, "offset %lu: DHT: bad table class %d / id %d", (unsigned long)p, tc, th);
        if (n < 17) return fail_at(err, G99_EFORMAT, p, "DHT: segment too short for the 16 code counts");
        for (i = 0; i < 16; i++) total += d->data[p + 1 + (size_t)i];
        if (total > 256)
            return g99_fail(err, G99_EFORMAT, "offset %lu: DHT: %d symbols (more than 256)", (unsigned long)p, total);
        if (n < 17 + (size_t)total)
            return g99_fail(err, G99_EFORMAT, "offset %lu: DHT: table needs %d symbols, segment has %lu bytes",
                            (unsigned long)p, total, (unsigned long)(n - 17));
        /* A DC symbol is a bit count of a difference: at most 15 (libjpeg's check). */
        if (tc == 0)
            for (i = 0; i < total; i++)
                if (d->data[p + 17 + (size_t)i] > 15)
                    return g99_fail(err, G99_EFORMAT, "offset %lu: DHT: DC symbol %d > 15",
                                    (unsigned long)(p + 17 + (size_t)i), d->data[p + 17 + (size_t)i]);
        rc = jpeg__huff_build(tc ? &d->ac[th] : &d->dc[th], d->data + p + 1, d->data + p + 17, total, p, err);
        if (rc) return rc;
        p += 17 + (size_t)total;
        n -= 17 + (size_t)total;
    }
    return G99_OK;
}

/* ---- the frame ---------------------------------------------------------------- */

/* SOF (T.81 B.2.2): precision, height, width, components (id, H/V, Tq). */
static int parse_sof(jpeg__decoder *d, size_t p, size_t n, const img_limits *limits, g99_error *err)
{
    int i, j, rc;
    if (d->ncomp) return fail_at(err, G99_EFORMAT, p - 4, "second SOF marker");
    if (n < 6) return fail_at(err, G99_EFORMAT, p, "SOF: segment too short");
    if (d->data[p] != 8) {
        if (d->data[p] == 12)
            return fail_at(err, G99_EUNSUPPORTED, p, "SOF: 12-bit precision is unsupported (8-bit only)");
        return g99_fail(err, G99_EFORMAT, "offset %lu: SOF: invalid precision %d", (unsigned long)p, d->data[p]);
    }
    d->height = (int)be16(d->data + p + 1);
    d->width = (int)be16(d->data + p + 3);
    d->ncomp = d->data[p + 5];
    if (d->height == 0)
        return fail_at(err, G99_EUNSUPPORTED, p + 1, "SOF: zero height (height from a DNL marker is unsupported)");
    if (d->width == 0) return fail_at(err, G99_EFORMAT, p + 3, "SOF: zero width");
    if (d->ncomp == 4)
        return fail_at(err, G99_EUNSUPPORTED, p + 5, "SOF: 4 components (CMYK/YCCK) are unsupported");
    if (d->ncomp != 1 && d->ncomp != 3)
        return g99_fail(err, d->ncomp == 0 ? G99_EFORMAT : G99_EUNSUPPORTED,
                        "offset %lu: SOF: %d components (1 or 3 supported)", (unsigned long)(p + 5), d->ncomp);
    if (n != 6 + 3 * (size_t)d->ncomp)
        return g99_fail(err, G99_EFORMAT, "offset %lu: SOF: length %lu does not match %d components",
                        (unsigned long)p, (unsigned long)(n + 2), d->ncomp);
    if (d->width > JPEG_MAX_DIMENSION || d->height > JPEG_MAX_DIMENSION)
        return g99_fail(err, G99_ELIMIT, "offset %lu: SOF: %dx%d exceeds libjpeg's maximum of %d",
                        (unsigned long)p, d->width, d->height, JPEG_MAX_DIMENSION);
    d->h_max = d->v_max = 1;
    for (i = 0; i < d->ncomp; i++) {
        jpeg__component *c = &d->comp[i];
        const uint8_t *q = d->data + p + 6 + 3 * i;
        c->id = q[0];
        c->h = q[1] >> 4;
        c->v = q[1] & 15;
        c->tq = q[2];
        if (c->h < 1 || c->h > 4 || c->v < 1 || c->v > 4)
            return g99_fail(err, G99_EFORMAT, "offset %lu: SOF: component %d: bad sampling factors %dx%d",
                            (unsigned long)(p + 7 + 3 * (size_t)i), c->id, c->h, c->v);
        if (c->tq > 3)
            return g99_fail(err, G99_EFORMAT, "offset %lu: SOF: component %d: bad quantization table id %d",
                            (unsigned long)(p + 8 + 3 * (size_t)i), c->id, c->tq);
        for (j = 0; j < i; j++)
            if (d->comp[j].id == c->id)
                return g99_fail(err, G99_EFORMAT, "offset %lu: SOF: duplicate component id %d",
                                (unsigned long)(p + 6 + 3 * (size_t)i), c->id);
        if (c->h > d->h_max) d->h_max = c->h;
        if (c->v > d->v_max) d->v_max = c->v;
    }
    for (i = 0; i < d->ncomp; i++)
        if (d->h_max % d->comp[i].h || d->v_max % d->comp[i].v)
            return g99_fail(err, G99_EUNSUPPORTED, "offset %lu: SOF: fractional sampling ratio (component %d: %dx%d, max %dx%d)",
                            (unsigned long)p, d->comp[i].id, d->comp[i].h, d->comp[i].v, d->h_max, d->v_max);
    /* The budget is checked before anything is allocated. */
    rc = img_check_size((uint64_t)d->width, (uint64_t)d->height, limits, err);
    if (rc) {
        if (err) g99_error_prefix(err, "offset %lu: SOF", (unsigned long)p);
        return rc;
    }

    d->mcus_x = (d->width + 8 * d->h_max - 1) / (8 * d->h_max);
    d->mcus_y = (d->height + 8 * d->v_max - 1) / (8 * d->v_max);
    for (i = 0; i < d->ncomp; i++) {
        jpeg__component *c = &d->comp[i];
        size_t nblocks, ncoef;
        /* Component size: ceil(X * H / Hmax) by ceil(Y * V / Vmax) (T.81 A.1.1). */
        c->width = (int)(((long)d->width * c->h + d->h_max - 1) / d->h_max);
        c->height = (int)(((long)d->height * c->v + d->v_max - 1) / d->v_max);
        c->blocks_w = (c->width + 7) / 8;
        c->blocks_h = (c->height + 7) / 8;
        c->alloc_w = d->mcus_x * c->h;
        c->alloc_h = d->mcus_y * c->v;
        if (g99_size_mul((size_t)c->alloc_w, (size_t)c->alloc_h, &nblocks) || g99_size_mul(nblocks, 64, &ncoef) ||
            g99_size_mul(ncoef, sizeof(int16_t), &ncoef))
            return fail_at(err, G99_ELIMIT, p, "SOF: coefficient storage size overflows");
    }
    return G99_OK;
}

/* The whole-image coefficient arrays, made at the first scan that needs
 * them (their size was checked by parse_sof).
 *
 * They live in the buffer that becomes the output image: the coefficients
 * take at least as many bytes as the pixels made from them in the usual
 * samplings (4:2:0: 2 bytes x 1.5 samples = 3 bytes a pixel), and
 * reconstruct() consumes them one MCU row at a time, in the order the
 * output rows are written. Laid out MCU row by MCU row, after `base` bytes
 * chosen so that the output rows written after MCU row m never reach the
 * coefficients of row m + 1, they can share the memory. This halves the
 * peak memory of progressive decoding, and keeps a decode's large blocks to
 * one, which the C library can hand out again on the next decode without
 * fresh pages (two blocks of 3 MB made glibc return its heap to the system
 * at every free and page-fault it back: 1,500 faults a decode). */
static int alloc_coefficients(jpeg__decoder *d, size_t p, g99_error *err)
{
    size_t row = 0, out_row, out_total, base = 0, coef_bytes, total, m;
    int i;
    if (d->shared) return G99_OK;
    for (i = 0; i < d->ncomp; i++) row += (size_t)d->comp[i].alloc_w * (size_t)d->comp[i].v * 64;
    out_total = (size_t)d->width * (size_t)d->height * (size_t)d->ncomp;
    out_row = (size_t)8 * (size_t)d->v_max * (size_t)d->width * (size_t)d->ncomp;
    if (g99_size_mul(row, (size_t)d->mcus_y * sizeof(int16_t), &coef_bytes))
        return fail_at(err, G99_ELIMIT, p, "SOS: coefficient storage size overflows");
    /* Output bytes written after MCU row m - 1: at most m * out_row. */
    for (m = 1; m <= (size_t)d->mcus_y; m++) {
        size_t written = out_total / out_row < m ? out_total : m * out_row, consumed = m * row * sizeof(int16_t);
        if (written > consumed && written - consumed > base) base = written - consumed;
    }
    base = (base + 127) / 128 * 128;
    if (g99_size_add(base, coef_bytes, &total))
        return fail_at(err, G99_ELIMIT, p, "SOS: coefficient storage size overflows");
    if (total < out_total) total = out_total;
    d->shared = (uint8_t *)malloc(total);
    if (!d->shared) return fail_at(err, G99_ENOMEM, p, "SOS: out of memory for the coefficients");
    d->shared_size = total;
    memset(d->shared + base, 0, coef_bytes);
    d->coef_row = row;
    row = 0;
    for (i = 0; i < d->ncomp; i++) {
        jpeg__component *c = &d->comp[i];
        c->coef = (int16_t *)(void *)(d->shared + base) + row;
        row += (size_t)c->alloc_w * (size_t)c->v * 64;
    }
    return G99_OK;
}

static int alloc_planes(jpeg__decoder *d, g99_error *err)
{
    int i;
    for (i = 0; i < d->ncomp; i++) {
        jpeg__component *c = &d->comp[i];
        c->ring_rows = 16 * c->v;
        c->plane = (uint8_t *)malloc((size_t)c->alloc_w * 8 * (size_t)c->ring_rows);
        if (!c->plane) return g99_fail(err, G99_ENOMEM, "out of memory for %d rows of %d samples", c->ring_rows, c->alloc_w * 8);
    }
    return G99_OK;
}

static int output_init(jpeg__decoder *d, g99_error *err);

/* SOS (T.81 B.2.3): the scan's components and tables, Ss, Se, Ah, Al;
 * then the entropy-coded data. */
static int parse_sos(jpeg__decoder *d, size_t p, size_t n, size_t *end, g99_error *err)
{
    int i, j, blocks = 0;
    const uint8_t *q = d->data + p;
    if (!d->ncomp) return fail_at(err, G99_EFORMAT, p - 4, "SOS before any SOF");
    if (n < 1) return fail_at(err, G99_EFORMAT, p, "SOS: segment too short");
    d->scan_ncomp = q[0];
    if (d->scan_ncomp < 1 || d->scan_ncomp > d->ncomp)
        return g99_fail(err, G99_EFORMAT, "offset %lu: SOS: bad component count %d", (unsigned long)p, d->scan_ncomp);
    if (n != 4 + 2 * (size_t)d->scan_ncomp)
        return g99_fail(err, G99_EFORMAT, "offset %lu: SOS: length %lu does not match %d components",
                        (unsigned long)p, (unsigned long)(n + 2), d->scan_ncomp);
    for (i = 0; i < d->scan_ncomp; i++) {
        int cs = q[1 + 2 * i], ci = -1;
        for (j = 0; j < d->ncomp; j++)
            if (d->comp[j].id == cs) ci = j;
        if (ci < 0)
            return g99_fail(err, G99_EFORMAT, "offset %lu: SOS: component id %d is not in the frame",
                            (unsigned long)(p + 1 + 2 * (size_t)i), cs);
        for (j = 0; j < i; j++)
            if (d->scan_comp[j] == ci)
                return g99_fail(err, G99_EFORMAT, "offset %lu: SOS: component id %d listed twice",
                                (unsigned long)(p + 1 + 2 * (size_t)i), cs);
        d->scan_comp[i] = ci;
        d->scan_td[i] = q[2 + 2 * i] >> 4;
        d->scan_ta[i] = q[2 + 2 * i] & 15;
        if (d->scan_td[i] > 3 || d->scan_ta[i] > 3)
            return g99_fail(err, G99_EFORMAT, "offset %lu: SOS: bad Huffman table ids %d/%d",
                            (unsigned long)(p + 2 + 2 * (size_t)i), d->scan_td[i], d->scan_ta[i]);
        blocks += d->comp[ci].h * d->comp[ci].v;
    }
    q += 1 + 2 * d->scan_ncomp;
    d->ss = q[0];
    d->se = q[1];
    d->ah = q[2] >> 4;
    d->al = q[2] & 15;
    if (d->scan_ncomp > 1 && blocks > MAX_BLOCKS_IN_MCU)
        return g99_fail(err, G99_EFORMAT, "offset %lu: SOS: %d blocks per MCU (sampling factors too large)",
                        (unsigned long)p, blocks);
    if (!d->progressive) {
        /* libjpeg ignores Ss, Se, Ah and Al of a sequential scan (it only warns). */
        d->ss = 0;
        d->se = 63;
        d->ah = d->al = 0;
    } else {
        /* The progression limits libjpeg's jdphuff.c enforces (T.81 G.1.1.1.1). */
        int bad = d->ss == 0 ? d->se != 0 : (d->se < d->ss || d->se > 63 || d->scan_ncomp != 1);
        if (d->ah != 0 && d->al != d->ah - 1) bad = 1;
        if (d->al > 13) bad = 1;
        if (bad)
            return g99_fail(err, G99_EFORMAT, "offset %lu: SOS: invalid progressive parameters Ss=%d Se=%d Ah=%d Al=%d",
                            (unsigned long)(p + 1 + 2 * (size_t)d->scan_ncomp), d->ss, d->se, d->ah, d->al);
    }
    for (i = 0; i < d->scan_ncomp; i++) {
        jpeg__component *c = &d->comp[d->scan_comp[i]];
        int need_dc = !d->progressive || (d->ss == 0 && d->ah == 0), need_ac = !d->progressive || d->ss > 0;
        if (need_dc && !d->dc[d->scan_td[i]].defined)
            return g99_fail(err, G99_EFORMAT, "offset %lu: SOS: DC Huffman table %d is missing", (unsigned long)p,
                            d->scan_td[i]);
        if (need_ac && !d->ac[d->scan_ta[i]].defined)
            return g99_fail(err, G99_EFORMAT, "offset %lu: SOS: AC Huffman table %d is missing", (unsigned long)p,
                            d->scan_ta[i]);
        /* Like libjpeg, a component keeps the quantization table it had at
         * its first scan, even if a later DQT redefines that table. */
        if (!c->quant_latched) {
            if (!d->qt_defined[c->tq])
                return g99_fail(err, G99_EFORMAT, "offset %lu: SOS: quantization table %d (component %d) is missing",
                                (unsigned long)p, c->tq, c->id);
            memcpy(c->quant, d->qt[c->tq], sizeof c->quant);
            c->quant_latched = 1;
        }
    }
    if (d->streaming)
        /* libjpeg reads a single-scan sequential frame in one pass and
         * fails the same way ("expected EOI") on any later scan. */
        return fail_at(err, G99_EFORMAT, p - 4, "SOS after the complete single scan of a sequential frame");
    if (!d->scans && !d->progressive && d->scan_ncomp == d->ncomp) {
        int rc;
        d->streaming = 1;
        d->mcu_blocks = (int16_t *)calloc((size_t)MAX_BLOCKS_IN_MCU * 64, sizeof(int16_t));
        if (!d->mcu_blocks) return fail_at(err, G99_ENOMEM, p, "SOS: out of memory");
        rc = alloc_planes(d, err);
        if (!rc) rc = output_init(d, err);
        if (rc) return rc;
    } else {
        int rc = alloc_coefficients(d, p, err);
        if (rc) return rc;
    }
    d->scans++;
    return jpeg__scan_decode(d, p + n, end, err);
}

/* ---- application segments --------------------------------------------------- */

static void parse_app(jpeg__decoder *d, int m, size_t p, size_t n)
{
    const uint8_t *q = d->data + p;
    /* libjpeg recognises JFIF in an APP0 of at least 14 bytes and Adobe in an
     * APP14 of at least 12 (its APP0_DATA_LEN / APP14_DATA_LEN). */
    if (m == 0xE0 && n >= 14 && memcmp(q, "JFIF\0", 5) == 0) d->saw_jfif = 1;
    if (m == 0xEE && n >= 12 && memcmp(q, "Adobe", 5) == 0) {
        d->saw_adobe = 1;
        d->adobe_transform = q[11];
    }
    /* PIL reads the first APP1 that starts "Exif\0\0". */
    if (m == 0xE1 && n >= 6 && memcmp(q, "Exif\0\0", 6) == 0 && d->exif_len == 0) {
        d->exif_off = p + 6;
        d->exif_len = n - 6;
    }
}

/* ---- the marker loop -------------------------------------------------------- */

static int read_markers(jpeg__decoder *d, const img_limits *limits, g99_error *err)
{
    size_t pos = 2;
    int after_scan = 0;

    if (d->len < 2 || d->data[0] != 0xFF || d->data[1] != 0xD8)
        return fail_at(err, G99_EFORMAT, 0, "not a JPEG file (no SOI marker)");
    for (;;) {
        size_t seg, n;
        int m, rc = G99_OK;
        if (after_scan) {
            /* Bytes between a scan's data and the next marker are skipped,
             * as libjpeg does (with a warning). */
            while (pos < d->len && !(d->data[pos] == 0xFF && pos + 1 < d->len && d->data[pos + 1] != 0x00))
                pos++;
        }
        if (pos >= d->len) return fail_at(err, G99_EFORMAT, pos, "data ends before the EOI marker (truncated file)");
        if (d->data[pos] != 0xFF)
            return g99_fail(err, G99_EFORMAT, "offset %lu: expected a marker, found byte 0x%02X", (unsigned long)pos,
                            d->data[pos]);
        while (pos < d->len && d->data[pos] == 0xFF) pos++; /* fill bytes */
        if (pos >= d->len) return fail_at(err, G99_EFORMAT, pos, "data ends before the EOI marker (truncated file)");
        m = d->data[pos++];
        after_scan = 0;
        if (m == 0xD9) break;                        /* EOI */
        if ((m >= 0xD0 && m <= 0xD7) || m == 0x01) continue; /* RSTn, TEM: no segment */
        if (m == 0xD8) return fail_at(err, G99_EFORMAT, pos - 2, "second SOI marker");
        if (m == 0x00) return fail_at(err, G99_EFORMAT, pos - 2, "invalid marker 0xFF00");
        if (pos + 2 > d->len)
            return g99_fail(err, G99_EFORMAT, "offset %lu: marker 0xFF%02X: data ends before its length",
                            (unsigned long)pos, m);
        seg = be16(d->data + pos);
        if (seg < 2 || seg > d->len - pos)
            return g99_fail(err, G99_EFORMAT, "offset %lu: marker 0xFF%02X: segment length %lu exceeds the %lu bytes left",
                            (unsigned long)pos, m, (unsigned long)seg, (unsigned long)(d->len - pos));
        n = seg - 2;
        pos += 2;
        switch (m) {
        case 0xC0: case 0xC1: case 0xC2:
            d->progressive = m == 0xC2;
            rc = parse_sof(d, pos, n, limits, err);
            break;
        case 0xC3:
            return fail_at(err, G99_EUNSUPPORTED, pos - 4, "SOF3: lossless JPEG is unsupported");
        case 0xC5: case 0xC6: case 0xC7:
            return g99_fail(err, G99_EUNSUPPORTED, "offset %lu: SOF%d: hierarchical JPEG is unsupported",
                            (unsigned long)(pos - 4), m - 0xC0);
        case 0xC9: case 0xCA: case 0xCB: case 0xCD: case 0xCE: case 0xCF:
            return g99_fail(err, G99_EUNSUPPORTED, "offset %lu: SOF%d: arithmetic coding is unsupported",
                            (unsigned long)(pos - 4), m - 0xC0);
        case 0xC4: rc = parse_dht(d, pos, n, err); break;
        case 0xDB: rc = parse_dqt(d, pos, n, err); break;
        case 0xDD:
            if (n != 2) return fail_at(err, G99_EFORMAT, pos, "DRI: length is not 4");
            d->restart_interval = (int)be16(d->data + pos);
            break;
        case 0xDA:
            rc = parse_sos(d, pos, n, &pos, err);
            if (rc) return rc;
            after_scan = 1;
            continue;
        case 0xCC: case 0xFE: break; /* DAC (arithmetic conditioning, unused), COM */
        case 0xDC: return fail_at(err, G99_EUNSUPPORTED, pos - 4, "DNL marker is unsupported");
        default:
            if (m >= 0xE0 && m <= 0xEF) {
                parse_app(d, m, pos, n);
                break;
            }
            return g99_fail(err, G99_EUNSUPPORTED, "offset %lu: unsupported marker 0xFF%02X", (unsigned long)(pos - 4), m);
        }
        if (rc) return rc;
        pos += n;
    }
    if (!d->ncomp) return fail_at(err, G99_EFORMAT, d->len, "no SOF marker before EOI");
    if (!d->scans) return fail_at(err, G99_EFORMAT, d->len, "no scan (SOS) before EOI");
    return G99_OK;
}

/* ---- reconstruction ------------------------------------------------------- */

/* libjpeg's choice of colour space for 3 components (jdapimin.c): JFIF means
 * YCbCr; otherwise Adobe's transform flag (0 = RGB); otherwise component ids
 * 'R','G','B' mean RGB; anything else is taken as YCbCr. */
static int is_rgb(const jpeg__decoder *d)
{
    if (d->saw_jfif) return 0;
    if (d->saw_adobe) return d->adobe_transform == 0;
    return d->comp[0].id == 'R' && d->comp[1].id == 'G' && d->comp[2].id == 'B';
}

/* The output image and the row buffers. Called at the first scan when
 * streaming, as libjpeg fixes the colour space from the markers before it. */
static int output_init(jpeg__decoder *d, g99_error *err)
{
    img_image *out = d->out;
    /* row_cap covers the widest upsampled row (2 x a component's width). */
    size_t row_cap = (size_t)d->mcus_x * (size_t)d->h_max * 8;
    if (d->shared) {
        out->data = d->shared; /* the coefficients' buffer, see alloc_coefficients */
        d->shared = NULL;
    } else {
        out->data = (uint8_t *)malloc((size_t)d->width * (size_t)d->height * (size_t)d->ncomp);
    }
    if (!out->data) return g99_fail(err, G99_ENOMEM, "out of memory for a %dx%d image", d->width, d->height);
    out->width = d->width;
    out->height = d->height;
    out->channels = d->ncomp;
    out->depth = 8;
    d->rgb = d->ncomp == 3 && is_rgb(d);
    if (d->ncomp == 3) {
        d->row_tmp = (uint8_t *)malloc(3 * row_cap);
        if (!d->row_tmp) return g99_fail(err, G99_ENOMEM, "out of memory for row buffers");
    }
    return G99_OK;
}

void jpeg__emit_after_mcu_row(jpeg__decoder *d, int my, int single)
{
    int i, ready = d->height;
    for (i = 0; i < d->ncomp; i++) {
        const jpeg__component *c = &d->comp[i];
        int v = single ? 1 : c->v, vexp = d->v_max / c->v;
        long avail = (long)(my + 1) * 8 * v, r;
        if (avail >= c->height) continue;
        /* Output row y reads plane rows up to y / vexp + 1. */
        r = (avail - 1) * vexp;
        if (r < ready) ready = (int)r;
    }
    jpeg__emit_rows(d, ready);
}

/* The whole-image path: the IDCT of every block that holds image samples
 * (T.81 A.3.3), one MCU row at a time into the ring, each followed by the
 * output rows it completes. */
static int reconstruct(jpeg__decoder *d, g99_error *err)
{
    int i, bx, by, my, rc = alloc_planes(d, err);
    if (!rc) rc = output_init(d, err);
    if (rc) return rc;
    for (my = 0; my < d->mcus_y; my++) {
        for (i = 0; i < d->ncomp; i++) {
            jpeg__component *c = &d->comp[i];
            size_t stride = (size_t)c->alloc_w * 8;
            for (by = my * c->v; by < (my + 1) * c->v && by < c->blocks_h; by++) {
                /* This block row's coefficients (see alloc_coefficients) and plane rows. */
                const int16_t *src = jpeg__coef_block(d, c, 0, by);
                uint8_t *dst = jpeg__plane_row(c, by * 8);
                for (bx = 0; bx < c->blocks_w; bx++)
                    d->idct(src + (size_t)bx * 64, c->quant, dst + (size_t)bx * 8, stride, d->limit);
            }
        }
        jpeg__emit_after_mcu_row(d, my, 0);
    }
    return G99_OK;
}

void jpeg__emit_rows(jpeg__decoder *d, int y_end)
{
    size_t w = (size_t)d->width, row_cap = (size_t)d->mcus_x * (size_t)d->h_max * 8;
    int y, i;
    for (y = d->rows_done; y < y_end; y++) {
        const uint8_t *row[3];
        uint8_t *dst = d->out->data + (size_t)y * w * (size_t)d->ncomp;
        if (d->ncomp == 1) {
            memcpy(dst, jpeg__plane_row(&d->comp[0], y), w);
            continue;
        }
        for (i = 0; i < 3; i++) row[i] = jpeg__upsample_row(d, &d->comp[i], y, d->row_tmp + (size_t)i * row_cap);
        if (d->rgb) {
            size_t x;
            for (x = 0; x < w; x++) {
                dst[3 * x] = row[0][x];
                dst[3 * x + 1] = row[1][x];
                dst[3 * x + 2] = row[2][x];
            }
        } else {
            d->ycc_to_rgb(row[0], row[1], row[2], dst, d->width, &d->ycc, d->limit);
        }
    }
    if (y_end > d->rows_done) d->rows_done = y_end;
}

int img_jpeg_decode(const uint8_t *data, size_t len, const img_limits *limits, img_image *out, g99_error *err)
{
    jpeg__decoder *d;
    int rc, i;

    if (!out || (!data && len)) return g99_fail(err, G99_EINVAL, "img_jpeg_decode: NULL argument");
    out->data = NULL;
    out->width = out->height = out->channels = out->depth = 0;
    /* The decoder holds 8 Huffman tables (~10 KB): on the heap, not the stack. */
    d = (jpeg__decoder *)calloc(1, sizeof *d);
    if (!d) return g99_fail(err, G99_ENOMEM, "out of memory for the JPEG decoder");
    d->data = data;
    d->len = len;
    jpeg__range_limit_init(d->limit);
    jpeg__ycc_tables_init(&d->ycc);
    d->idct = jpeg__idct_select();
    d->fancy_h2v2 = jpeg__h2v2_select();
    d->ycc_to_rgb = jpeg__ycc_select();
    d->out = out;
    rc = read_markers(d, limits, err);
    if (!rc && !d->streaming) {
        size_t out_total = (size_t)d->width * (size_t)d->height * (size_t)d->ncomp;
        rc = reconstruct(d, err);
        if (!rc && d->shared_size > out_total) {
            /* Give back the coefficients' extra room (a shrink in place). */
            uint8_t *p = (uint8_t *)realloc(out->data, out_total);
            if (p) out->data = p;
        }
    }
    if (!rc && d->exif_len) rc = jpeg__apply_orientation(out, jpeg__exif_orientation(data + d->exif_off, d->exif_len), err);
    for (i = 0; i < JPEG__MAX_COMPONENTS; i++) free(d->comp[i].plane);
    free(d->shared);
    free(d->mcu_blocks);
    free(d->row_tmp);
    free(d);
    if (rc) img_free(out);
    return rc;
}

int img_jpeg_load(const char *path, const img_limits *limits, img_image *out, g99_error *err)
{
    uint8_t *data;
    size_t len;
    int rc = g99_read_file(path, IMG_JPEG_MAX_FILE_BYTES, &data, &len, err);
    if (rc) {
        if (out) out->data = NULL;
        return rc;
    }
    rc = img_jpeg_decode(data, len, limits, out, err);
    free(data);
    if (rc) g99_error_prefix(err, "%s", path);
    return rc;
}
