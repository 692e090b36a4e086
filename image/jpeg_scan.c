/* JPEG entropy-coded scans: Huffman-coded coefficients into the per-component
 * coefficient arrays.
 *
 * Sequential (baseline/extended) scans: T.81 F.2.2 (DC difference, AC
 * run/size symbols). Progressive scans: T.81 G.1.2 -- DC first and refinement
 * scans (G.1.2.1), AC first scans with end-of-band runs (G.1.2.2) and AC
 * refinement scans (G.1.2.3, the correction-bit procedure of Figure G.7).
 * Restart intervals: T.81 E.2.4 (RSTn resets predictors and EOB runs).
 *
 * libjpeg pads a stream that ends early with zero bits and only warns; gan99
 * is strict and fails naming the offset, so a damaged file is never decoded
 * into a silently grey bottom. */
#include "jpeg_internal.h"

#include <string.h>

const uint8_t jpeg__zigzag[64] = {
     0,  1,  8, 16,  9,  2,  3, 10, 17, 24, 32, 25, 18, 11,  4,  5,
    12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13,  6,  7, 14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
    58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
};

enum { BAD_CODE = -1, BAD_INDEX = -2, BAD_REFINE = -3 };

/* Coefficients are 16-bit (libjpeg's JCOEF). Values from corrupt data can
 * exceed that; wrapping them as libjpeg's (short) cast does keeps results
 * defined (and equal to libjpeg's) instead of relying on overflow. */
static int16_t wrap16(int v)
{
    return (int16_t)((int)(((unsigned)v & 0xFFFFu) ^ 0x8000u) - 0x8000);
}

typedef int (*block_fn)(jpeg__decoder *d, jpeg__bits *b, jpeg__component *c, int si, int16_t *blk);

/* A sequential block: DC difference then run/size coded AC coefficients.
 * The AC loop keeps the bit buffer in locals (written back around the
 * refill and the long-code path), so the compiler need not store and
 * reload it through *b for every coefficient. */
static int block_sequential(jpeg__decoder *d, jpeg__bits *b, jpeg__component *c, int si, int16_t *blk)
{
    const jpeg__huff *ac = &d->ac[d->scan_ta[si]];
    const int32_t *fast_ac = ac->fast_ac;
    int t = jpeg__huff_decode(b, &d->dc[d->scan_td[si]]), k, rc = 0;
    uint64_t buf;
    int cnt;
    if (t < 0) return BAD_CODE;
    c->dc_pred = wrap16(c->dc_pred + jpeg__extend(jpeg__bits_get(b, t), t));
    blk[0] = (int16_t)c->dc_pred;
    buf = b->buf;
    cnt = b->cnt;
    for (k = 1; k < 64;) {
        int rs, r, s, fast;
        if (cnt < 16) {
            b->buf = buf;
            b->cnt = cnt;
            jpeg__bits_refill(b);
            buf = b->buf;
            cnt = b->cnt;
        }
        fast = fast_ac[buf >> (64 - JPEG__FAST_AC_BITS)];
        if (fast) {
            /* Code and value bits in one lookup (see jpeg__huff_build).
             * A run past the block's end fails before its bits are taken,
             * as the long-code path fails before the value bits. */
            if ((unsigned)fast < 256u) { /* value 0: end of block */
                buf <<= fast;
                cnt -= fast;
                break;
            }
            k += (fast >> 8) & 15;
            if (k <= 63) {
                buf <<= fast & 63;
                cnt -= fast & 63;
                blk[jpeg__zigzag[k++]] = (int16_t)(fast >> 16); /* arithmetic shift, as jpeg_idct.c assumes */
                continue;
            }
            rc = BAD_INDEX;
            break;
        }
        b->buf = buf;
        b->cnt = cnt;
        rs = jpeg__huff_decode(b, ac);
        if (rs < 0) return BAD_CODE;
        r = rs >> 4;
        s = rs & 15;
        if (s) {
            k += r;
            if (k > 63) return BAD_INDEX;
            blk[jpeg__zigzag[k]] = (int16_t)jpeg__extend(jpeg__bits_get(b, s), s);
            k++;
        } else {
            if (r != 15) return 0; /* EOB: the rest of the block is zero */
            k += 16;               /* ZRL: sixteen zeros */
        }
        buf = b->buf;
        cnt = b->cnt;
    }
    b->buf = buf;
    b->cnt = cnt;
    return rc;
}

/* Progressive DC, first scan: the difference, scaled up by Al. */
static int block_dc_first(jpeg__decoder *d, jpeg__bits *b, jpeg__component *c, int si, int16_t *blk)
{
    int t = jpeg__huff_decode(b, &d->dc[d->scan_td[si]]);
    if (t < 0) return BAD_CODE;
    c->dc_pred = wrap16(c->dc_pred + jpeg__extend(jpeg__bits_get(b, t), t));
    blk[0] = wrap16(c->dc_pred * (1 << d->al));
    return 0;
}

/* Progressive DC, refinement: one raw bit per block. */
static int block_dc_refine(jpeg__decoder *d, jpeg__bits *b, jpeg__component *c, int si, int16_t *blk)
{
    (void)c;
    (void)si;
    if (jpeg__bits_get(b, 1)) blk[0] = wrap16((int)((unsigned)(uint16_t)blk[0] | (1u << d->al)));
    return 0;
}

/* The bit buffer of *b in the locals buf and cnt (see block_sequential):
 * LOCAL_NEED(n) makes n bits available (n <= 16), LOCAL_GET(v, n) takes them. */
#define LOCAL_NEED(n)                 \
    do {                              \
        if (cnt < (n)) {              \
            b->buf = buf;             \
            b->cnt = cnt;             \
            jpeg__bits_refill(b);     \
            buf = b->buf;             \
            cnt = b->cnt;             \
        }                             \
    } while (0)
#define LOCAL_GET(v, n)                                \
    do {                                               \
        LOCAL_NEED(n);                                 \
        (v) = (int)((buf >> 1) >> (63 - (n)));         \
        buf <<= (n);                                   \
        cnt -= (n);                                    \
    } while (0)
/* The correction bit of the non-zero coefficient *coef (refine_nonzero),
 * without a branch on the bit: correction bits are close to random, and a
 * mispredicted branch per non-zero coefficient cost more than this
 * arithmetic. (p1 ^ neg) - neg is p1 or -p1 by the sign. */
#define LOCAL_REFINE(coef)                                                                   \
    do {                                                                                     \
        int x_ = *(coef), neg_ = -(x_ < 0), bit_;                                            \
        LOCAL_GET(bit_, 1);                                                                  \
        bit_ &= ((unsigned)(uint16_t)x_ & (unsigned)p1) == 0;                                \
        *(coef) = wrap16(x_ + (((p1 ^ neg_) - neg_) & -bit_));                               \
    } while (0)

/* Progressive AC, first scan of band Ss..Se: like a sequential block, plus
 * EOBn symbols that end this block and the next eobrun blocks. A
 * coefficient whose code and value bits fit the combined lookahead
 * (fast_ac) takes one step; anything else (EOBn, ZRL, long codes, and a
 * run past the band, which then fails as before) the general path. */
static int block_ac_first(jpeg__decoder *d, jpeg__bits *b, jpeg__component *c, int si, int16_t *blk)
{
    const jpeg__huff *ac = &d->ac[d->scan_ta[si]];
    const int32_t *fast_ac = ac->fast_ac;
    const int se = d->se, al = d->al;
    int k, rc = 0;
    uint64_t buf;
    int cnt;
    (void)c;
    if (d->eobrun > 0) {
        d->eobrun--;
        return 0;
    }
    buf = b->buf;
    cnt = b->cnt;
    for (k = d->ss; k <= se;) {
        int rs, r, s, fast, v;
        LOCAL_NEED(16);
        fast = fast_ac[buf >> (64 - JPEG__FAST_AC_BITS)];
        if ((unsigned)fast >= 256u && k + ((fast >> 8) & 15) <= se) {
            k += (fast >> 8) & 15;
            buf <<= fast & 63;
            cnt -= fast & 63;
            blk[jpeg__zigzag[k++]] = wrap16((fast >> 16) * (1 << al)); /* arithmetic shift, as jpeg_idct.c assumes */
            continue;
        }
        b->buf = buf;
        b->cnt = cnt;
        rs = jpeg__huff_decode(b, ac);
        buf = b->buf;
        cnt = b->cnt;
        if (rs < 0) {
            rc = BAD_CODE;
            break;
        }
        r = rs >> 4;
        s = rs & 15;
        if (s) {
            k += r;
            if (k > se) {
                rc = BAD_INDEX;
                break;
            }
            LOCAL_GET(v, s);
            blk[jpeg__zigzag[k]] = wrap16(jpeg__extend(v, s) * (1 << al));
            k++;
        } else if (r < 15) {
            /* EOBr: this block and (2^r - 1 + r more bits) following ones end here. */
            LOCAL_GET(v, r);
            d->eobrun = (1 << r) - 1 + v;
            break;
        } else {
            k += 16;
        }
    }
    b->buf = buf;
    b->cnt = cnt;
    return rc;
}

/* One correction bit for an already non-zero coefficient: it moves away from
 * zero by 2^Al when the bit is set and that bit is not set yet. */
/* Progressive AC, refinement scan (T.81 G.1.2.3): new coefficients of value
 * +-2^Al placed after `r` zero-history coefficients, with a correction bit
 * for every non-zero coefficient passed on the way. The bit buffer and the
 * scan's parameters are in locals: the refills are calls, after which the
 * compiler would reload anything it reaches through a pointer. */
static int block_ac_refine(jpeg__decoder *d, jpeg__bits *b, jpeg__component *c, int si, int16_t *blk)
{
    const jpeg__huff *ac = &d->ac[d->scan_ta[si]];
    const int p1 = 1 << d->al, se = d->se;
    int k = d->ss, eobrun = d->eobrun, rc = 0;
    uint64_t buf = b->buf;
    int cnt = b->cnt;
    (void)c;
    if (eobrun == 0) {
        for (; k <= se; k++) {
            int rs, r, s, value = 0, len;
            /* jpeg__huff_decode on the locals; codes longer than the
             * lookahead through *b. */
            LOCAL_NEED(16);
            len = ac->fast_len[buf >> (64 - JPEG__FAST_BITS)];
            if (len) {
                rs = ac->fast_sym[buf >> (64 - JPEG__FAST_BITS)];
                buf <<= len;
                cnt -= len;
            } else {
                b->buf = buf;
                b->cnt = cnt;
                rs = jpeg__huff_decode(b, ac);
                buf = b->buf;
                cnt = b->cnt;
                if (rs < 0) {
                    rc = BAD_CODE;
                    break;
                }
            }
            r = rs >> 4;
            s = rs & 15;
            if (s) {
                if (s != 1) {
                    rc = BAD_REFINE;
                    break;
                }
                LOCAL_GET(value, 1);
                value = value ? p1 : -p1;
            } else if (r != 15) {
                LOCAL_GET(eobrun, r);
                eobrun += 1 << r;
                break; /* the rest of this block is handled as part of the run */
            }
            /* Skip r zero-history coefficients (refining non-zero ones on the
             * way); a ZRL (r = 15, s = 0) skips sixteen. */
            for (; k <= se; k++) {
                int16_t *coef = &blk[jpeg__zigzag[k]];
                if (*coef != 0) {
                    LOCAL_REFINE(coef);
                } else {
                    if (r == 0) break;
                    r--;
                }
            }
            if (value) {
                if (k > se) {
                    rc = BAD_INDEX;
                    break;
                }
                blk[jpeg__zigzag[k]] = (int16_t)value;
            }
        }
    }
    if (rc == 0 && eobrun > 0) {
        /* Inside an end-of-band run: only correction bits for non-zero coefficients. */
        for (; k <= se; k++)
            if (blk[jpeg__zigzag[k]] != 0) LOCAL_REFINE(&blk[jpeg__zigzag[k]]);
        eobrun--;
    }
    b->buf = buf;
    b->cnt = cnt;
    d->eobrun = eobrun;
    return rc;
}
#undef LOCAL_REFINE
#undef LOCAL_GET
#undef LOCAL_NEED


/* memset(blk, 0, 128) as eight 16-byte stores: GCC turns the call into a
 * `rep stos`, whose start-up costs more than the stores. */
static void zero_block(int16_t *blk)
{
    static const uint64_t zero[2] = {0, 0};
    int i;
    for (i = 0; i < 64; i += 8) memcpy(blk + i, zero, sizeof zero);
}

/* Streaming: the IDCT of the MCU just decoded into d->mcu_blocks (the
 * blocks in the order they were coded), straight into the planes; blocks
 * outside the component's samples are skipped as in the whole-image path.
 * The buffer is left zero for the next MCU. */
static void idct_mcu(jpeg__decoder *d, int mx, int my)
{
    int16_t *blk = d->mcu_blocks;
    int i, bx, by;
    for (i = 0; i < d->scan_ncomp; i++) {
        jpeg__component *c = &d->comp[d->scan_comp[i]];
        size_t stride = (size_t)c->alloc_w * 8;
        int h = d->scan_ncomp == 1 ? 1 : c->h, v = d->scan_ncomp == 1 ? 1 : c->v;
        /* The MCU's 8 * v plane rows are consecutive in the ring (its
         * size is a multiple of them): one ring lookup per component. */
        uint8_t *rows = jpeg__plane_row(c, my * v * 8);
        for (by = 0; by < v; by++)
            for (bx = 0; bx < h; bx++, blk += 64) {
                int gx = mx * h + bx, gy = my * v + by;
                if (gx < c->blocks_w && gy < c->blocks_h)
                    d->idct(blk, c->quant, rows + (size_t)by * 8 * stride + (size_t)gx * 8, stride, d->limit);
                zero_block(blk);
            }
    }
}

/* At the end of a restart interval the stream must continue with RSTn
 * (n = 0..7 cyclically), possibly after 0xFF fill bytes. */
static int expect_restart(jpeg__decoder *d, jpeg__bits *b, int n, g99_error *err)
{
    size_t p = b->pos;
    while (p + 1 < d->len && d->data[p] == 0xFF && d->data[p + 1] == 0xFF) p++;
    if (p + 1 >= d->len)
        return g99_fail(err, G99_EFORMAT, "offset %lu: scan %d: data ends where RST%d was expected",
                        (unsigned long)p, d->scans, n);
    if (d->data[p] != 0xFF || d->data[p + 1] != 0xD0 + n)
        return g99_fail(err, G99_EFORMAT, "offset %lu: scan %d: expected RST%d marker, found 0x%02X%02X",
                        (unsigned long)p, d->scans, n, d->data[p], d->data[p + 1]);
    jpeg__bits_init(b, d->data, d->len, p + 2);
    return G99_OK;
}

int jpeg__scan_decode(jpeg__decoder *d, size_t pos, size_t *end, g99_error *err)
{
    jpeg__bits b;
    block_fn fn;
    int i, mcus_x, mcus_y, mx, my, next_rst = 0, rst_left = d->restart_interval;
    int16_t *row_blocks = NULL;
    long m, total;

    if (!d->progressive) fn = block_sequential;
    else if (d->ss == 0) fn = d->ah ? block_dc_refine : block_dc_first;
    else fn = d->ah ? block_ac_refine : block_ac_first;

    /* A scan of one component codes its blocks one by one over the
     * component's own block grid (T.81 A.2.2); an interleaved scan codes
     * MCUs of h x v blocks per component over the frame's MCU grid (A.2.3). */
    if (d->scan_ncomp == 1) {
        mcus_x = d->comp[d->scan_comp[0]].blocks_w;
        mcus_y = d->comp[d->scan_comp[0]].blocks_h;
    } else {
        mcus_x = d->mcus_x;
        mcus_y = d->mcus_y;
    }
    total = (long)mcus_x * mcus_y;
    for (i = 0; i < d->scan_ncomp; i++) d->comp[d->scan_comp[i]].dc_pred = 0;
    d->eobrun = 0;
    jpeg__bits_init(&b, d->data, d->len, pos);

    for (m = 0, mx = 0, my = 0; m < total; m++) {
        int rc = 0;
        if (d->restart_interval) {
            if (rst_left == 0) {
                int rc_rst = expect_restart(d, &b, next_rst, err);
                if (rc_rst) return rc_rst;
                next_rst = (next_rst + 1) & 7;
                rst_left = d->restart_interval;
                for (i = 0; i < d->scan_ncomp; i++) d->comp[d->scan_comp[i]].dc_pred = 0;
                d->eobrun = 0;
            }
            rst_left--;
        }
        if (d->streaming) {
            /* block_sequential only writes the non-zero coefficients into
             * the zeroed MCU buffer. */
            int16_t *blk = d->mcu_blocks;
            for (i = 0; i < d->scan_ncomp && rc == 0; i++) {
                jpeg__component *c = &d->comp[d->scan_comp[i]];
                int nb = d->scan_ncomp == 1 ? 1 : c->h * c->v, k;
                for (k = 0; k < nb && rc == 0; k++, blk += 64) rc = block_sequential(d, &b, c, i, blk);
            }
        } else if (d->scan_ncomp == 1) {
            jpeg__component *c = &d->comp[d->scan_comp[0]];
            /* The row's first block once per block row (a division). */
            if (mx == 0) row_blocks = jpeg__coef_block(d, c, 0, my);
            rc = fn(d, &b, c, 0, row_blocks + (size_t)mx * 64);
        } else {
            for (i = 0; i < d->scan_ncomp && rc == 0; i++) {
                jpeg__component *c = &d->comp[d->scan_comp[i]];
                int bx, by;
                for (by = 0; by < c->v && rc == 0; by++)
                    for (bx = 0; bx < c->h && rc == 0; bx++)
                        rc = fn(d, &b, c, i,
                                c->coef + (size_t)my * d->coef_row +
                                    ((size_t)by * (size_t)c->alloc_w + (size_t)(mx * c->h + bx)) * 64);
            }
        }
        if (jpeg__bits_overrun(&b))
            return g99_fail(err, G99_EFORMAT,
                            "offset %lu: scan %d: entropy-coded data truncated (ends in MCU %ld of %ld)",
                            (unsigned long)b.pos, d->scans, m, total);
        if (rc == BAD_CODE)
            return g99_fail(err, G99_EFORMAT, "offset %lu: scan %d: corrupt Huffman code in MCU %ld",
                            (unsigned long)b.pos, d->scans, m);
        if (rc == BAD_INDEX)
            return g99_fail(err, G99_EFORMAT,
                            "offset %lu: scan %d: corrupt data: coefficient run past the band end in MCU %ld",
                            (unsigned long)b.pos, d->scans, m);
        if (rc == BAD_REFINE)
            return g99_fail(err, G99_EFORMAT,
                            "offset %lu: scan %d: corrupt data: refinement coefficient of size > 1 in MCU %ld",
                            (unsigned long)b.pos, d->scans, m);
        if (d->streaming) {
            idct_mcu(d, mx, my);
            if (mx == mcus_x - 1) jpeg__emit_after_mcu_row(d, my, d->scan_ncomp == 1);
        }
        if (++mx == mcus_x) {
            mx = 0;
            my++;
        }
    }
    *end = b.pos;
    return G99_OK;
}
