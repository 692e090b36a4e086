/* JPEG Huffman tables and the entropy-coded bit reader.
 *
 * Tables: T.81 Annex C (code sizes and canonical codes from the DHT counts)
 * and F.2.2.3 (decoding with MAXCODE/VALPTR). A 9-bit lookahead table
 * decodes the common short codes in one step; longer codes fall back to the
 * MAXCODE search, kept left-aligned to 16 bits so one comparison per length
 * decides.
 *
 * Bit reader: T.81 F.1.2.3 (a 0xFF data byte is followed by a stuffed 0x00)
 * and B.1.1.2 (markers, possibly preceded by 0xFF fill bytes, end the data). */
#include "jpeg_internal.h"

#include <string.h>

int jpeg__huff_build(jpeg__huff *h, const uint8_t counts[16], const uint8_t *vals, int nvals,
                     size_t offset, g99_error *err)
{
    int len, i, k = 0;
    int32_t code = 0;

    memset(h, 0, sizeof *h);
    memcpy(h->vals, vals, (size_t)nvals);
    for (len = 1; len <= 16; len++) {
        int n = counts[len - 1];
        /* Codes that need more than len bits mean the counts are impossible
         * (libjpeg: "Bogus Huffman table definition"). */
        if (code + n > (1 << len))
            return g99_fail(err, G99_EFORMAT,
                            "offset %lu: DHT: bad Huffman table: %d codes of length %d do not fit",
                            (unsigned long)offset, n, len);
        h->valoff[len] = k - code;
        for (i = 0; i < n; i++, k++, code++) {
            /* Codes of this length fill the lookahead slots that start with them. */
            if (len <= JPEG__FAST_BITS) {
                int shift = JPEG__FAST_BITS - len, j;
                for (j = 0; j < (1 << shift); j++) {
                    h->fast_len[(code << shift) + j] = (uint8_t)len;
                    h->fast_sym[(code << shift) + j] = vals[k];
                }
            }
        }
        h->maxcode[len] = code << (16 - len);
        code <<= 1;
    }
    h->maxcode[17] = 0x7FFFFFFF;
    /* The combined AC lookahead: a run/size symbol whose code and s value
     * bits all lie within the 11-bit lookahead gives the coefficient at
     * once. An end of block (s = 0, r < 15: EOBr in a progressive scan,
     * which reads it through the normal path) is an entry of value 0 and
     * run 0 holding just the code length; ZRL takes the normal path. Built
     * for every table; DC tables never read it. */
    for (i = 0; i < (1 << JPEG__FAST_AC_BITS); i++) {
        int top = i >> (JPEG__FAST_AC_BITS - JPEG__FAST_BITS);
        int l = h->fast_len[top], rs = h->fast_sym[top], s = rs & 15;
        if (l && s && l + s <= JPEG__FAST_AC_BITS) {
            int bits = (i >> (JPEG__FAST_AC_BITS - l - s)) & ((1 << s) - 1);
            int v = jpeg__extend(bits, s);
            h->fast_ac[i] = v * 65536 + (rs >> 4) * 256 + l + s;
        } else if (l && !s && (rs >> 4) != 15) {
            h->fast_ac[i] = l; /* end of block: value 0, run 0 */
        }
    }
    h->defined = 1;
    return G99_OK;
}

void jpeg__bits_init(jpeg__bits *b, const uint8_t *data, size_t len, size_t pos)
{
    b->data = data;
    b->len = len;
    b->pos = pos;
    b->buf = 0;
    b->cnt = 0;
    b->at_marker = pos >= len;
    b->pad_bits = 0;
}

void jpeg__bits_fill(jpeg__bits *b)
{
    while (b->cnt <= 56) {
        unsigned c = 0;
        if (!b->at_marker) {
            if (b->pos >= b->len) {
                b->at_marker = 1;
            } else {
                c = b->data[b->pos];
                if (c == 0xFF) {
                    /* FF 00 is a data byte 0xFF; FF anything else is a marker
                     * (or fill before one): stop in front of it. */
                    if (b->pos + 1 < b->len && b->data[b->pos + 1] == 0x00) {
                        b->pos += 2;
                    } else {
                        b->at_marker = 1;
                        c = 0;
                    }
                } else {
                    b->pos++;
                }
            }
        }
        if (b->at_marker) b->pad_bits += 8;
        b->buf |= (uint64_t)c << (56 - b->cnt);
        b->cnt += 8;
    }
}
