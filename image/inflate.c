/* Inflate: decompression of deflate streams (RFC 1951), wrapped as zlib
 * (RFC 1950) or gzip (RFC 1952).
 *
 * Bits are read LSB-first from a 64-bit buffer kept at least 57 bits full,
 * so one refill covers a whole length/distance pair (15 + 5 + 15 + 13 bits).
 * Huffman codes are decoded through a 2^10-entry table indexed by the next
 * 10 input bits (almost every symbol of real data); longer codes fall back to
 * a canonical search by length (RFC 1951 §3.2.2). Runs of literals are
 * decoded without refilling while at least 15 bits remain.
 *
 * Code-length sets are validated as zlib's inflate_table does: an
 * over-subscribed set is an error; an incomplete set is an error except for
 * a literal/length or distance code made of a single 1-bit code (zlib
 * accepts that: the other 1-bit pattern is simply invalid if it occurs). */
#include "image.h"
#include "zlib_internal.h"

#include <stdlib.h>

#define FAST_BITS 10
#define FAST_MASK ((1u << FAST_BITS) - 1)
#define MAX_COPY 258   /* the longest match */

/* One Huffman code ready for decoding. fast[] entries are (length << 9 |
 * symbol), 0 when the next FAST_BITS bits start a longer code (or none). */
typedef struct huffman {
    uint16_t fast[1 << FAST_BITS];
    uint16_t first_code[16];  /* canonical code of the first symbol of each length */
    uint16_t count[16];       /* number of symbols of each length */
    uint16_t offset[16];      /* index in sorted[] of the first symbol of each length */
    uint16_t sorted[288];     /* symbols ordered by (length, symbol) */
} huffman;

typedef struct inflater {
    const uint8_t *in;
    size_t n, pos;      /* pos: next input byte to load into bits */
    size_t zeros;       /* zero bytes loaded past the end of the input */
    uint64_t bits;
    unsigned nbits;
    img__zbuf *out;
    g99_error *err;
    huffman lit, dist;
} inflater;

/* RFC 1951 §3.2.5: base values and extra bits of length codes 257..285 and
 * distance codes 0..29. */
const uint16_t img__length_base[29] = { 3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                          31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258 };
const uint8_t img__length_extra[29] = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                          2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0 };
const uint16_t img__dist_base[30] = { 1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
                                        193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577 };
const uint8_t img__dist_extra[30] = { 0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                        6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13 };

/* ---- output buffer -------------------------------------------------------- */

/* Makes room for `more` bytes: doubles a growable buffer up to max, and
 * reports G99_ELIMIT past it. */
int img__zbuf_reserve(img__zbuf *z, size_t more, g99_error *err)
{
    size_t need, cap;
    uint8_t *grown;
    if (g99_size_add(z->len, more, &need) || need > z->max)
        return g99_fail(err, G99_ELIMIT, "output larger than the limit of %lu bytes", (unsigned long)z->max);
    if (need <= z->cap) return G99_OK;
    if (z->fixed) return g99_fail(err, G99_ELIMIT, "output larger than %lu bytes", (unsigned long)z->cap);
    cap = z->cap ? z->cap : 4096;
    while (cap < need) cap = cap > (size_t)-1 / 2 ? need : cap * 2;
    if (cap > z->max) cap = z->max;
    grown = (uint8_t *)realloc(z->buf, cap);
    if (!grown) return g99_fail(err, G99_ENOMEM, "out of memory for %lu output bytes", (unsigned long)cap);
    z->buf = grown;
    z->cap = cap;
    return G99_OK;
}

/* ---- bit input ------------------------------------------------------------ */

/* Tops the buffer up to more than 56 bits; past the end of the input it
 * loads zero bytes and counts them, and truncated() tells when any of those
 * were consumed. */
static inline void refill(inflater *z)
{
    if (z->n - z->pos >= 8) {
        /* Eight bytes at once: the whole bytes that fit are taken; the bits
         * of the rest land above nbits and are the same input bits the
         * next refill ORs in again (bits leave only by shifting down). */
        z->bits |= g99_load_le64(z->in + z->pos) << z->nbits;
        z->pos += (63 - z->nbits) >> 3;
        z->nbits |= 56;
        return;
    }
    while (z->nbits <= 56) {
        if (z->pos < z->n) z->bits |= (uint64_t)z->in[z->pos++] << z->nbits;
        else z->zeros++;
        z->nbits += 8;
    }
}

static int truncated(const inflater *z) { return z->zeros * 8 > z->nbits; }

/* Input bytes consumed so far (for messages). */
static size_t consumed(const inflater *z) { return z->pos + z->zeros - z->nbits / 8; }

static int fail_at(inflater *z, int code, const char *what)
{
    return g99_fail(z->err, code, "deflate stream offset %lu: %s", (unsigned long)consumed(z), what);
}

static unsigned get_bits(inflater *z, unsigned n)
{
    unsigned v;
    if (z->nbits < n) refill(z);
    v = (unsigned)(z->bits & ((1u << n) - 1));
    z->bits >>= n;
    z->nbits -= n;
    return v;
}

/* Drops the bits up to the next byte boundary and hands the whole bytes
 * still in the bit buffer back to the input; returns -1 if the stream
 * already ran past the end of the input. */
static int align_to_byte(inflater *z)
{
    size_t buffered;
    if (truncated(z)) return -1;
    z->nbits -= z->nbits % 8;
    buffered = z->nbits / 8;
    z->pos -= buffered - z->zeros;
    z->zeros = 0;
    z->bits = 0;
    z->nbits = 0;
    return 0;
}

/* ---- Huffman tables ------------------------------------------------------- */

static unsigned reverse_bits(unsigned code, unsigned len)
{
    unsigned r = 0;
    while (len--) {
        r = (r << 1) | (code & 1);
        code >>= 1;
    }
    return r;
}

enum { CODE_LENGTHS, LITLEN, DISTANCES };
static const char *const code_names[] = { "code-length code", "literal/length code", "distance code" };

/* Builds a decoding table from the code lengths of n symbols (RFC 1951
 * §3.2.2), checking the set as zlib does (see the file comment). */
static int build_huffman(inflater *z, huffman *h, const uint8_t *lengths, unsigned n, int kind)
{
    uint16_t next_code[16];
    unsigned len, sym, max_len = 0, code = 0;
    int left = 1;
    memset(h, 0, sizeof *h);
    for (sym = 0; sym < n; sym++) h->count[lengths[sym]]++;
    h->count[0] = 0;
    for (len = 1; len < 16; len++) {
        left = left * 2 - h->count[len];
        if (left < 0) {
            char msg[96];
            sprintf(msg, "invalid %s: over-subscribed (too many codes of length %u)", code_names[kind], len);
            return fail_at(z, G99_EFORMAT, msg);
        }
        if (h->count[len]) max_len = len;
    }
    if (left > 0 && max_len != 0 && (kind == CODE_LENGTHS || max_len != 1)) {
        char msg[96];
        sprintf(msg, "invalid %s: incomplete set of code lengths", code_names[kind]);
        return fail_at(z, G99_EFORMAT, msg);
    }
    for (len = 1; len < 16; len++) {
        code = (code + h->count[len - 1]) << 1;  /* count[0] is 0 */
        h->first_code[len] = (uint16_t)code;
        next_code[len] = (uint16_t)code;
        h->offset[len] = (uint16_t)(len > 1 ? h->offset[len - 1] + h->count[len - 1] : 0);
    }
    {
        uint16_t fill[16];
        memcpy(fill, h->offset, sizeof fill);
        for (sym = 0; sym < n; sym++)
            if (lengths[sym]) h->sorted[fill[lengths[sym]]++] = (uint16_t)sym;
    }
    for (sym = 0; sym < n; sym++) {
        unsigned l = lengths[sym], r;
        if (l == 0) continue;
        r = reverse_bits(next_code[l]++, l);
        if (l <= FAST_BITS)
            for (; r < (1u << FAST_BITS); r += 1u << l) h->fast[r] = (uint16_t)(l << 9 | sym);
    }
    return G99_OK;
}

/* Codes longer than FAST_BITS (or an invalid bit pattern): try each length
 * in turn on the next bits read MSB-first, as canonical codes are ordered. */
static int decode_slow(inflater *z, const huffman *h)
{
    unsigned msb_first = reverse_bits((unsigned)(z->bits & 0xFFFF), 16), len;
    for (len = 1; len < 16; len++) {
        unsigned code = msb_first >> (16 - len);
        unsigned index = code - h->first_code[len];
        if (code >= h->first_code[len] && index < h->count[len]) {
            z->bits >>= len;
            z->nbits -= len;
            return h->sorted[h->offset[len] + index];
        }
    }
    return -1;
}

/* The caller guarantees at least 15 bits in the buffer. */
static inline int decode_symbol(inflater *z, const huffman *h)
{
    unsigned e = h->fast[z->bits & FAST_MASK];
    if (e) {
        z->bits >>= e >> 9;
        z->nbits -= e >> 9;
        return (int)(e & 511);
    }
    return decode_slow(z, h);
}

/* ---- blocks --------------------------------------------------------------- */

static int stored_block(inflater *z)
{
    unsigned len, nlen;
    int rc;
    if (align_to_byte(z) || z->n - z->pos < 4) return fail_at(z, G99_EFORMAT, "truncated stored block header");
    len = (unsigned)z->in[z->pos] | (unsigned)z->in[z->pos + 1] << 8;
    nlen = (unsigned)z->in[z->pos + 2] | (unsigned)z->in[z->pos + 3] << 8;
    if (len != (~nlen & 0xFFFF)) return fail_at(z, G99_EFORMAT, "stored block length does not match its complement");
    z->pos += 4;
    if (z->n - z->pos < len) return fail_at(z, G99_EFORMAT, "truncated stored block");
    if (len == 0) return G99_OK;  /* an empty stored block: often a flush marker */
    if ((rc = img__zbuf_reserve(z->out, len, z->err)) != 0) return rc;
    memcpy(z->out->buf + z->out->len, z->in + z->pos, len);
    z->out->len += len;
    z->pos += len;
    return G99_OK;
}

/* RFC 1951 §3.2.6: the fixed codes. Distance codes 30 and 31 take part in
 * the code (making it complete) but are invalid if they occur. */
static int fixed_tables(inflater *z)
{
    uint8_t lengths[288];
    int rc;
    memset(lengths, 8, 144);
    memset(lengths + 144, 9, 112);
    memset(lengths + 256, 7, 24);
    memset(lengths + 280, 8, 8);
    if ((rc = build_huffman(z, &z->lit, lengths, 288, LITLEN)) != 0) return rc;
    memset(lengths, 5, 32);
    return build_huffman(z, &z->dist, lengths, 32, DISTANCES);
}

/* RFC 1951 §3.2.7: the code lengths of a dynamic block, themselves
 * Huffman-coded with run-length codes 16, 17 and 18. */
static int dynamic_tables(inflater *z)
{
    static const uint8_t order[19] = { 16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15 };
    uint8_t lengths[286 + 30], cl_lengths[19];
    unsigned hlit, hdist, hclen, i, n = 0;
    int rc;
    hlit = get_bits(z, 5) + 257;
    hdist = get_bits(z, 5) + 1;
    hclen = get_bits(z, 4) + 4;
    if (hlit > 286 || hdist > 30) return fail_at(z, G99_EFORMAT, "too many length or distance symbols");
    memset(cl_lengths, 0, sizeof cl_lengths);
    for (i = 0; i < hclen; i++) cl_lengths[order[i]] = (uint8_t)get_bits(z, 3);
    if ((rc = build_huffman(z, &z->lit, cl_lengths, 19, CODE_LENGTHS)) != 0) return rc;
    while (n < hlit + hdist) {
        int sym;
        unsigned repeat, value = 0;
        refill(z);
        if (truncated(z)) return fail_at(z, G99_EFORMAT, "truncated code lengths");
        sym = decode_symbol(z, &z->lit);
        if (sym < 0) return fail_at(z, G99_EFORMAT, "invalid code-length code");
        if (sym < 16) {
            lengths[n++] = (uint8_t)sym;
            continue;
        }
        if (sym == 16) {
            if (n == 0) return fail_at(z, G99_EFORMAT, "invalid bit length repeat (nothing to repeat)");
            value = lengths[n - 1];
            repeat = 3 + get_bits(z, 2);
        } else if (sym == 17) {
            repeat = 3 + get_bits(z, 3);
        } else {
            repeat = 11 + get_bits(z, 7);
        }
        if (n + repeat > hlit + hdist) return fail_at(z, G99_EFORMAT, "invalid bit length repeat (past the end)");
        memset(lengths + n, (int)value, repeat);
        n += repeat;
    }
    if (lengths[256] == 0) return fail_at(z, G99_EFORMAT, "invalid code: missing end-of-block");
    if ((rc = build_huffman(z, &z->lit, lengths, hlit, LITLEN)) != 0) return rc;
    return build_huffman(z, &z->dist, lengths + hlit, hdist, DISTANCES);
}

/* The common case of a Huffman block with the bit buffer and the output
 * length in local variables (a store through the byte pointer of the
 * output could alias the inflater's fields, so a compiler keeps those in
 * memory), while at least 8 input bytes and a whole match of room remain.
 * It returns at anything else (a code longer than FAST_BITS, an invalid
 * literal/length code, the end of the input or of the room) with the state
 * saved, for huffman_block's general step: the decoding is the same. *done
 * is set at the end-of-block code. */
static int huffman_fast(inflater *z, int *done)
{
    img__zbuf *out = z->out;
    const uint8_t *in = z->in;
    const uint16_t *lit = z->lit.fast, *dfast = z->dist.fast;
    uint64_t bits = z->bits;
    unsigned nbits = z->nbits;
    size_t pos = z->pos, n = z->n, olen = out->len, ocap = out->cap;
    uint8_t *obuf = out->buf;
    int rc = G99_OK;
    *done = 0;
    while (n - pos >= 8 && ocap - olen >= MAX_COPY + 8) {
        unsigned e, sym, len, dist;
        bits |= g99_load_le64(in + pos) << nbits;   /* as refill() */
        pos += (63 - nbits) >> 3;
        nbits |= 56;
        e = lit[bits & FAST_MASK];
        if (!e || (e & 511) > 285) break;
        bits >>= e >> 9;
        nbits -= e >> 9;
        sym = e & 511;
        if (sym < 256) {
            obuf[olen++] = (uint8_t)sym;
            /* a second literal without a refill while a whole code fits */
            e = lit[bits & FAST_MASK];
            if (nbits >= 15 && e && (e & 511) < 256) {
                bits >>= e >> 9;
                nbits -= e >> 9;
                obuf[olen++] = (uint8_t)(e & 511);
            }
            continue;
        }
        if (sym == 256) {
            *done = 1;
            break;
        }
        /* 56 bits in hand cover length code, extra bits, distance code
         * and its extra bits: at most 15 + 5 + 15 + 13. */
        len = img__length_base[sym - 257] + (unsigned)(bits & ((1u << img__length_extra[sym - 257]) - 1));
        bits >>= img__length_extra[sym - 257];
        nbits -= img__length_extra[sym - 257];
        e = dfast[bits & FAST_MASK];
        if (e) {
            bits >>= e >> 9;
            nbits -= e >> 9;
            sym = e & 511;
        } else {
            int s;
            z->bits = bits;
            z->nbits = nbits;
            s = decode_slow(z, &z->dist);
            bits = z->bits;
            nbits = z->nbits;
            sym = s < 0 ? 30 : (unsigned)s;
        }
        if (sym > 29) {
            z->bits = bits;
            z->nbits = nbits;
            z->pos = pos;
            out->len = olen;
            return fail_at(z, G99_EFORMAT, "invalid distance code");
        }
        dist = img__dist_base[sym] + (unsigned)(bits & ((1u << img__dist_extra[sym]) - 1));
        bits >>= img__dist_extra[sym];
        nbits -= img__dist_extra[sym];
        if (dist > olen) {
            rc = -1;
            break;
        }
        {
            uint8_t *dst = obuf + olen;
            const uint8_t *src = dst - dist;
            unsigned i;
            if (dist >= 8) {
                for (i = 0; i < len; i += 8) memcpy(dst + i, src + i, 8);
            } else if (dist == 1) {
                memset(dst, src[0], len);
            } else {
                for (i = 0; i < len; i++) dst[i] = src[i];
            }
            olen += len;
        }
    }
    z->bits = bits;
    z->nbits = nbits;
    z->pos = pos;
    out->len = olen;
    if (rc) return fail_at(z, G99_EFORMAT, "invalid distance too far back");
    return G99_OK;
}

/* The body of a Huffman-coded block, up to its end-of-block code. */
static int huffman_block(inflater *z)
{
    img__zbuf *out = z->out;
    int rc;
    for (;;) {
        int sym, done;
        unsigned len, dist;
        if ((rc = huffman_fast(z, &done)) != 0) return rc;
        if (done) return G99_OK;
        refill(z);
        if (truncated(z)) return fail_at(z, G99_EFORMAT, "truncated (stream ends inside a block)");
        sym = decode_symbol(z, &z->lit);
        /* Fast path: a run of literals, while the buffer holds a whole code. */
        while (sym >= 0 && sym < 256) {
            if (out->len == out->cap && (rc = img__zbuf_reserve(out, 1, z->err)) != 0) return rc;
            out->buf[out->len++] = (uint8_t)sym;
            if (z->nbits < 15) break;
            sym = decode_symbol(z, &z->lit);
        }
        if (sym >= 0 && sym < 256) continue;
        if (sym == 256) return G99_OK;
        if (sym < 0 || sym > 285) return fail_at(z, G99_EFORMAT, "invalid literal/length code");
        refill(z);
        len = img__length_base[sym - 257] + get_bits(z, img__length_extra[sym - 257]);
        sym = decode_symbol(z, &z->dist);
        if (sym < 0 || sym > 29) return fail_at(z, G99_EFORMAT, "invalid distance code");
        dist = img__dist_base[sym] + get_bits(z, img__dist_extra[sym]);
        if (dist > out->len) return fail_at(z, G99_EFORMAT, "invalid distance too far back");
        if (out->cap - out->len < len && (rc = img__zbuf_reserve(out, len, z->err)) != 0) return rc;
        {
            uint8_t *dst = out->buf + out->len;
            const uint8_t *src = dst - dist;
            if (dist >= 8 && out->cap - out->len >= (size_t)len + 8) {
                /* 8 bytes at a time, up to 7 past the end (room checked,
                 * rewritten later): a chunk never reads what it writes */
                unsigned i;
                for (i = 0; i < len; i += 8) memcpy(dst + i, src + i, 8);
            } else if (dist >= len) {
                memcpy(dst, src, len);
            } else if (dist == 1) {
                memset(dst, src[0], len);   /* a run of one byte: the common overlap */
            } else {
                unsigned i;  /* overlapping: a run that repeats its own output */
                for (i = 0; i < len; i++) dst[i] = src[i];
            }
            out->len += len;
        }
    }
}

int img__inflate_into(const uint8_t *in, size_t n, img__zbuf *out, size_t *used, g99_error *err)
{
    inflater *z = (inflater *)malloc(sizeof *z);
    int rc = G99_OK, final = 0;
    if (!z) return g99_fail(err, G99_ENOMEM, "out of memory for the inflate state");
    z->in = in;
    z->n = n;
    z->pos = z->zeros = 0;
    z->bits = 0;
    z->nbits = 0;
    z->out = out;
    z->err = err;
    while (!final && rc == G99_OK) {
        unsigned type;
        refill(z);
        if (truncated(z)) {
            rc = fail_at(z, G99_EFORMAT, "truncated (no final block)");
            break;
        }
        final = (int)get_bits(z, 1);
        type = get_bits(z, 2);
        if (type == 0) rc = stored_block(z);
        else if (type == 1) rc = fixed_tables(z);
        else if (type == 2) rc = dynamic_tables(z);
        else rc = fail_at(z, G99_EFORMAT, "invalid block type 3");
        if (rc == G99_OK && type != 0) rc = huffman_block(z);
    }
    if (rc == G99_OK && align_to_byte(z)) rc = fail_at(z, G99_EFORMAT, "truncated (stream ends inside a block)");
    if (rc == G99_OK && used) *used = z->pos;
    free(z);
    return rc;
}

int img_inflate(const uint8_t *in, size_t n, size_t max_out, uint8_t **out, size_t *out_len, size_t *used,
                g99_error *err)
{
    img__zbuf z = { NULL, 0, 0, 0, 0 };
    int rc;
    z.max = max_out;
    *out = NULL;
    *out_len = 0;
    rc = img__inflate_into(in, n, &z, used, err);
    if (rc) {
        free(z.buf);
        return rc;
    }
    *out = z.buf;
    *out_len = z.len;
    return G99_OK;
}

/* ---- zlib (RFC 1950) ------------------------------------------------------ */

uint32_t img_adler32(uint32_t adler, const uint8_t *data, size_t n)
{
    uint32_t a = adler & 0xFFFF, b = adler >> 16;
    while (n) {
        /* 5552 bytes is the most that keeps b below 2^32 before the modulo. */
        size_t k = n < 5552 ? n : 5552, i;
        for (i = 0; i < k; i++) {
            a += data[i];
            b += a;
        }
        a %= 65521;
        b %= 65521;
        data += k;
        n -= k;
    }
    return b << 16 | a;
}

static int zlib_header_check(const uint8_t *in, size_t n, g99_error *err)
{
    if (n < 2) return g99_fail(err, G99_EFORMAT, "zlib stream offset 0: truncated header");
    if ((in[0] & 15) != 8)
        return g99_fail(err, G99_EFORMAT, "zlib stream offset 0: compression method %d, not deflate (8)", in[0] & 15);
    if ((in[0] >> 4) > 7)
        return g99_fail(err, G99_EFORMAT, "zlib stream offset 0: window size 2^%d is over 32 KiB", (in[0] >> 4) + 8);
    if (((unsigned)in[0] << 8 | in[1]) % 31 != 0)
        return g99_fail(err, G99_EFORMAT, "zlib stream offset 1: header check bits wrong (FCHECK)");
    if (in[1] & 0x20)
        return g99_fail(err, G99_EUNSUPPORTED, "zlib stream offset 1: preset dictionary (FDICT) not supported");
    return G99_OK;
}

int img__zlib_decode_into(const uint8_t *in, size_t n, img__zbuf *out, g99_error *err)
{
    size_t used = 0, start = out->len;
    uint32_t want, got;
    int rc = zlib_header_check(in, n, err);
    if (rc) return rc;
    rc = img__inflate_into(in + 2, n - 2, out, &used, err);
    if (rc) return rc;
    used += 2;
    if (n - used < 4) return g99_fail(err, G99_EFORMAT, "zlib stream offset %lu: truncated Adler-32", (unsigned long)used);
    want = (uint32_t)in[used] << 24 | (uint32_t)in[used + 1] << 16 | (uint32_t)in[used + 2] << 8 | in[used + 3];
    got = out->len > start ? img_adler32(1, out->buf + start, out->len - start) : 1;
    if (want != got)
        return g99_fail(err, G99_EFORMAT, "zlib stream offset %lu: Adler-32 mismatch (stored %08lX, computed %08lX)",
                        (unsigned long)used, (unsigned long)want, (unsigned long)got);
    return G99_OK;
}

int img_zlib_decode(const uint8_t *in, size_t n, size_t max_out, uint8_t **out, size_t *out_len, g99_error *err)
{
    img__zbuf z = { NULL, 0, 0, 0, 0 };
    int rc;
    z.max = max_out;
    *out = NULL;
    *out_len = 0;
    rc = img__zlib_decode_into(in, n, &z, err);
    if (rc) {
        free(z.buf);
        return rc;
    }
    *out = z.buf;
    *out_len = z.len;
    return G99_OK;
}

/* ---- gzip (RFC 1952) ------------------------------------------------------ */

static uint32_t load_le16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }

/* One member starting at in[*pos]; on success *pos is past its trailer. */
static int gzip_member(const uint8_t *in, size_t n, size_t *pos, img__zbuf *out, g99_error *err)
{
    size_t p = *pos, start = *pos, used = 0, first = out->len;
    unsigned flags;
    uint32_t crc, size;
    int rc;
    if (n - p < 10) return g99_fail(err, G99_EFORMAT, "gzip offset %lu: truncated header", (unsigned long)p);
    if (in[p] != 0x1F || in[p + 1] != 0x8B)
        return g99_fail(err, G99_EFORMAT, "gzip offset %lu: bad magic bytes", (unsigned long)p);
    if (in[p + 2] != 8)
        return g99_fail(err, G99_EFORMAT, "gzip offset %lu: compression method %d, not deflate (8)",
                        (unsigned long)(p + 2), in[p + 2]);
    flags = in[p + 3];
    if (flags & 0xE0) return g99_fail(err, G99_EFORMAT, "gzip offset %lu: reserved flag bits set", (unsigned long)(p + 3));
    p += 10;  /* ID1 ID2 CM FLG MTIME(4) XFL OS */
    if (flags & 4) { /* FEXTRA: XLEN then XLEN bytes */
        size_t xlen;
        if (n - p < 2) return g99_fail(err, G99_EFORMAT, "gzip offset %lu: truncated FEXTRA", (unsigned long)p);
        xlen = load_le16(in + p);
        p += 2;
        if (n - p < xlen) return g99_fail(err, G99_EFORMAT, "gzip offset %lu: truncated FEXTRA", (unsigned long)p);
        p += xlen;
    }
    if (flags & 8) { /* FNAME, zero-terminated */
        while (p < n && in[p]) p++;
        if (p++ >= n) return g99_fail(err, G99_EFORMAT, "gzip: unterminated file name (FNAME)");
    }
    if (flags & 16) { /* FCOMMENT, zero-terminated */
        while (p < n && in[p]) p++;
        if (p++ >= n) return g99_fail(err, G99_EFORMAT, "gzip: unterminated comment (FCOMMENT)");
    }
    if (flags & 2) { /* FHCRC: the low 16 bits of the CRC-32 of the header so far */
        if (n - p < 2) return g99_fail(err, G99_EFORMAT, "gzip offset %lu: truncated FHCRC", (unsigned long)p);
        if (load_le16(in + p) != (g99_crc32(0, in + start, p - start) & 0xFFFF))
            return g99_fail(err, G99_EFORMAT, "gzip offset %lu: header CRC (FHCRC) mismatch", (unsigned long)p);
        p += 2;
    }
    rc = img__inflate_into(in + p, n - p, out, &used, err);
    if (rc) return g99_error_prefix(err, "gzip member at offset %lu", (unsigned long)start);
    p += used;
    if (n - p < 8) return g99_fail(err, G99_EFORMAT, "gzip offset %lu: truncated CRC-32/ISIZE trailer", (unsigned long)p);
    crc = out->len > first ? g99_crc32(0, out->buf + first, out->len - first) : 0;
    if (g99_load_le32(in + p) != crc)
        return g99_fail(err, G99_EFORMAT, "gzip offset %lu: CRC-32 mismatch (stored %08lX, computed %08lX)",
                        (unsigned long)p, (unsigned long)g99_load_le32(in + p), (unsigned long)crc);
    size = (uint32_t)(out->len - first);  /* ISIZE is the length modulo 2^32 */
    if (g99_load_le32(in + p + 4) != size)
        return g99_fail(err, G99_EFORMAT, "gzip offset %lu: ISIZE %lu does not match the %lu bytes decoded",
                        (unsigned long)(p + 4), (unsigned long)g99_load_le32(in + p + 4), (unsigned long)size);
    *pos = p + 8;
    return G99_OK;
}

int img_gzip_decode(const uint8_t *in, size_t n, size_t max_out, uint8_t **out, size_t *out_len, g99_error *err)
{
    img__zbuf z = { NULL, 0, 0, 0, 0 };
    size_t pos = 0;
    int rc = G99_OK;
    z.max = max_out;
    *out = NULL;
    *out_len = 0;
    do {
        rc = gzip_member(in, n, &pos, &z, err);
    } while (rc == G99_OK && pos < n);
    if (rc) {
        free(z.buf);
        return rc;
    }
    *out = z.buf;
    *out_len = z.len;
    return G99_OK;
}
