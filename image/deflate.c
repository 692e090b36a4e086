/* Deflate: gan99's compressor (RFC 1951), and its zlib wrapping (RFC 1950).
 *
 * 1. LZ77 as zlib's level 6 (deflate_slow with good 8, lazy 16, nice 128,
 *    chain 128): a hash of the next 3 bytes heads a chain of earlier
 *    positions with the same hash in the 32 KiB window; a match found at
 *    position p is only taken if the match at p+1 is not longer ("lazy"
 *    matching), otherwise p goes out as a literal.
 * 2. Symbols are gathered in blocks of up to 16384 (zlib's buffer at memory
 *    level 8). For each block the exact bit cost of a dynamic Huffman block,
 *    a fixed Huffman block and stored blocks is computed and the smallest
 *    sent (ties: dynamic, then fixed).
 * 3. Dynamic codes are optimal length-limited prefix codes (15 bits for
 *    literal/length and distance, 7 for the code-length code) built by the
 *    package-merge algorithm (Larmore & Hirschberg 1990); ties between equal
 *    frequencies break by symbol number, so the output depends only on the
 *    input bytes. */
#include "image.h"
#include "zlib_internal.h"

#include <stdlib.h>

#define WINDOW 32768
#define WMASK (WINDOW - 1)
#define MAX_DIST (WINDOW - 1)  /* see insert(): slot of pos - 32768 is reused */
#define HASH_SIZE 32768
#define MIN_MATCH 3
#define MAX_MATCH 258
#define GOOD_LENGTH 8    /* prev match this long: search a quarter of the chain */
#define MAX_LAZY 16      /* prev match this long: do not look for a better one */
#define NICE_LENGTH 128  /* stop searching at a match this long */
#define MAX_CHAIN 128
#define TOO_FAR 4096     /* a 3-byte match farther than this costs more than 3 literals */
#define BLOCK_SYMBOLS 16384

/* img__length_base, img__length_extra, img__dist_base, img__dist_extra:
 * RFC 1951 §3.2.5, declared in zlib_internal.h (shared with inflate.c). */

/* One LZ77 output symbol: a literal (dist 0, value = byte) or a match
 * (value = length 3..258, dist 1..32767). */
typedef struct symbol {
    uint16_t value, dist;
} symbol;

typedef struct deflater {
    const uint8_t *in;
    size_t n;
    /* Chains as zlib keeps them, 16 bits an entry (the tables stay in the
     * nearest caches): an entry v is position base + v - 1, 0 = none. */
    uint16_t head[HASH_SIZE]; /* latest position with each hash */
    uint16_t prev[WINDOW];    /* previous position with the same hash */
    size_t base;
    symbol syms[BLOCK_SYMBOLS];
    size_t nsyms, block_start;
    uint8_t length_code[MAX_MATCH + 1];  /* length -> index into length_base */
    uint8_t dist_code_small[513];        /* distance 1..512 -> code; larger: via dist >> 7 */
    uint8_t dist_code_large[256];
    /* bit output */
    img__zbuf *out;
    uint64_t bits;
    unsigned nbits;
    int rc;
    g99_error *err;
} deflater;

/* ---- bit output ----------------------------------------------------------- */

static void put_bits(deflater *d, uint32_t value, unsigned n)
{
    d->bits |= (uint64_t)value << d->nbits;
    d->nbits += n;
    if (d->nbits >= 32) {
        if (d->rc == G99_OK && (d->rc = img__zbuf_reserve(d->out, 4, d->err)) == G99_OK) {
            uint8_t *p = d->out->buf + d->out->len;
            p[0] = (uint8_t)d->bits;
            p[1] = (uint8_t)(d->bits >> 8);
            p[2] = (uint8_t)(d->bits >> 16);
            p[3] = (uint8_t)(d->bits >> 24);
            d->out->len += 4;
        }
        d->bits >>= 32;
        d->nbits -= 32;
    }
}

/* Pads to a byte boundary and writes out what is left in the bit buffer. */
static void flush_bits(deflater *d)
{
    while (d->nbits > 0) {
        if (d->rc == G99_OK && (d->rc = img__zbuf_reserve(d->out, 1, d->err)) == G99_OK)
            d->out->buf[d->out->len++] = (uint8_t)d->bits;
        d->bits >>= 8;
        d->nbits = d->nbits > 8 ? d->nbits - 8 : 0;
    }
    d->bits = 0;
}

/* ---- Huffman codes -------------------------------------------------------- */

/* Package-merge: code lengths (at most max_len bits) minimizing
 * sum(freq * length) for n symbols. Each list holds "coins" sorted by weight;
 * a package is two coins of the list before merged. The lengths are how
 * often each symbol appears among the first 2m-2 items of the last list
 * (m = number of used symbols). Leaves with fewer than two used symbols get
 * two 1-bit codes, since a decoder needs a complete (or single) code. */
typedef struct pm_node {
    uint64_t weight;
    int symbol;       /* >= 0 for a leaf */
    int left, right;  /* the two merged items of a package */
} pm_node;

static void pm_count(const pm_node *nodes, int i, uint8_t *lengths)
{
    /* Depth is at most max_len (15): one level per list. */
    if (nodes[i].symbol >= 0) {
        lengths[nodes[i].symbol]++;
        return;
    }
    pm_count(nodes, nodes[i].left, lengths);
    pm_count(nodes, nodes[i].right, lengths);
}

static int build_lengths(deflater *d, const uint32_t *freq, int n, int max_len, uint8_t *lengths)
{
    int leaves[288], m = 0, i, j, level;
    pm_node *nodes;
    int *list, *next, list_len, next_len, nnodes = 0;
    memset(lengths, 0, (size_t)n);
    for (i = 0; i < n; i++)
        if (freq[i]) leaves[m++] = i;
    if (m < 2) {
        /* One used symbol (or none): give it and a neighbour 1-bit codes. */
        int a = m ? leaves[0] : 0, b = a == 0 ? 1 : 0;
        lengths[a] = lengths[b] = 1;
        return G99_OK;
    }
    /* Stable insertion sort by frequency (ties by symbol number). */
    for (i = 1; i < m; i++) {
        int s = leaves[i];
        for (j = i; j > 0 && freq[leaves[j - 1]] > freq[s]; j--) leaves[j] = leaves[j - 1];
        leaves[j] = s;
    }
    nodes = (pm_node *)malloc(sizeof *nodes * (size_t)(m * (max_len + 1) * 2));
    list = (int *)malloc(sizeof *list * (size_t)(2 * m));
    next = (int *)malloc(sizeof *next * (size_t)(2 * m));
    if (!nodes || !list || !next) {
        free(nodes);
        free(list);
        free(next);
        return g99_fail(d->err, G99_ENOMEM, "out of memory building Huffman codes");
    }
    for (i = 0; i < m; i++) {
        nodes[nnodes].weight = freq[leaves[i]];
        nodes[nnodes].symbol = leaves[i];
        nodes[nnodes].left = nodes[nnodes].right = -1;
        list[i] = nnodes++;
    }
    list_len = m;
    for (level = 1; level < max_len; level++) {
        /* Merge the leaves with the packages of the current list. */
        int li = 0, pi = 0, npk = list_len / 2;
        next_len = 0;
        while (li < m || pi < npk) {
            uint64_t pw = pi < npk ? nodes[list[2 * pi]].weight + nodes[list[2 * pi + 1]].weight : 0;
            /* A leaf goes first on equal weight: ties resolved the same way every time. */
            if (li < m && (pi >= npk || nodes[li].weight <= pw)) {
                next[next_len++] = li++;
            } else {
                nodes[nnodes].weight = pw;
                nodes[nnodes].symbol = -1;
                nodes[nnodes].left = list[2 * pi];
                nodes[nnodes].right = list[2 * pi + 1];
                next[next_len++] = nnodes++;
                pi++;
            }
        }
        {
            int *t = list;
            list = next;
            next = t;
        }
        list_len = next_len;
    }
    for (i = 0; i < 2 * m - 2; i++) pm_count(nodes, list[i], lengths);
    free(nodes);
    free(list);
    free(next);
    return G99_OK;
}

static uint32_t reverse_bits(uint32_t code, unsigned len)
{
    uint32_t r = 0;
    while (len--) {
        r = (r << 1) | (code & 1);
        code >>= 1;
    }
    return r;
}

/* Canonical codes (RFC 1951 §3.2.2), bit-reversed for LSB-first output. */
static void make_codes(const uint8_t *lengths, int n, uint16_t *codes)
{
    uint16_t count[16] = { 0 }, next[16];
    uint32_t code = 0;
    int i;
    for (i = 0; i < n; i++) count[lengths[i]]++;
    count[0] = 0;
    for (i = 1; i < 16; i++) {
        code = (code + count[i - 1]) << 1;
        next[i] = (uint16_t)code;
    }
    for (i = 0; i < n; i++)
        codes[i] = lengths[i] ? (uint16_t)reverse_bits(next[lengths[i]]++, lengths[i]) : 0;
}

/* ---- blocks --------------------------------------------------------------- */

static int dist_code(const deflater *d, unsigned dist)
{
    return dist <= 512 ? d->dist_code_small[dist] : d->dist_code_large[(dist - 1) >> 8];
}

/* The code-length sequence of a dynamic header, run-length coded with
 * 16 (repeat previous 3-6), 17 (zeros 3-10), 18 (zeros 11-138). */
typedef struct cl_item {
    uint8_t code, extra;
} cl_item;

static int rle_lengths(const uint8_t *lengths, int n, cl_item *items)
{
    int i = 0, k = 0;
    while (i < n) {
        int run = 1, v = lengths[i];
        while (i + run < n && lengths[i + run] == v) run++;
        i += run;
        if (v == 0) {
            while (run >= 11) {
                int r = run > 138 ? 138 : run;
                items[k].code = 18;
                items[k++].extra = (uint8_t)(r - 11);
                run -= r;
            }
            if (run >= 3) {
                items[k].code = 17;
                items[k++].extra = (uint8_t)(run - 3);
                run = 0;
            }
        } else {
            items[k].code = (uint8_t)v;
            items[k++].extra = 0;
            run--;
            while (run >= 3) {
                int r = run > 6 ? 6 : run;
                items[k].code = 16;
                items[k++].extra = (uint8_t)(r - 3);
                run -= r;
            }
        }
        while (run-- > 0) {
            items[k].code = (uint8_t)v;
            items[k++].extra = 0;
        }
    }
    return k;
}

static const uint8_t cl_order[19] = { 16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15 };
static const uint8_t cl_extra_bits[19] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 7 };

static void fixed_lengths(uint8_t *lit, uint8_t *dist)
{
    memset(lit, 8, 144);
    memset(lit + 144, 9, 112);
    memset(lit + 256, 7, 24);
    memset(lit + 280, 8, 8);
    memset(dist, 5, 30);
}

static void send_symbols(deflater *d, const uint8_t *lit_len, const uint16_t *lit_code, const uint8_t *dist_len,
                         const uint16_t *dcode)
{
    size_t i;
    for (i = 0; i < d->nsyms; i++) {
        symbol s = d->syms[i];
        if (s.dist == 0) {
            put_bits(d, lit_code[s.value], lit_len[s.value]);
        } else {
            int lc = d->length_code[s.value], dc = dist_code(d, s.dist);
            put_bits(d, lit_code[257 + lc], lit_len[257 + lc]);
            put_bits(d, (uint32_t)(s.value - img__length_base[lc]), img__length_extra[lc]);
            put_bits(d, dcode[dc], dist_len[dc]);
            put_bits(d, (uint32_t)(s.dist - img__dist_base[dc]), img__dist_extra[dc]);
        }
    }
    put_bits(d, lit_code[256], lit_len[256]);
}

static uint64_t data_cost(const uint32_t *lfreq, const uint8_t *llen, const uint32_t *dfreq, const uint8_t *dlen)
{
    uint64_t bits = 0;
    int i;
    for (i = 0; i < 286; i++) bits += (uint64_t)lfreq[i] * (llen[i] + (i >= 257 ? img__length_extra[i - 257] : 0));
    for (i = 0; i < 30; i++) bits += (uint64_t)dfreq[i] * (dlen[i] + img__dist_extra[i]);
    return bits;
}

/* Sends the gathered symbols (covering in[block_start .. end)) as one block
 * of the cheapest kind. */
static int flush_block(deflater *d, size_t end, int final)
{
    uint32_t lfreq[286] = { 0 }, dfreq[30] = { 0 }, cfreq[19] = { 0 };
    uint8_t llen[288], dlen[30], clen[19], fl[288], fd[30], all_len[286 + 30];
    uint16_t lcode[288], dcode[30], ccode[19];
    cl_item items[286 + 30];
    uint64_t dyn_bits, fixed_bits, stored_bits;
    int nitems, hlit, hdist, hclen, i, rc;
    size_t k, stored_len = end - d->block_start;

    for (k = 0; k < d->nsyms; k++) {
        if (d->syms[k].dist == 0) {
            lfreq[d->syms[k].value]++;
        } else {
            lfreq[257 + d->length_code[d->syms[k].value]]++;
            dfreq[dist_code(d, d->syms[k].dist)]++;
        }
    }
    lfreq[256] = 1;
    if ((rc = build_lengths(d, lfreq, 286, 15, llen)) != 0) return rc;
    if ((rc = build_lengths(d, dfreq, 30, 15, dlen)) != 0) return rc;
    for (hlit = 286; hlit > 257 && llen[hlit - 1] == 0; hlit--) {}
    for (hdist = 30; hdist > 1 && dlen[hdist - 1] == 0; hdist--) {}
    memcpy(all_len, llen, (size_t)hlit);
    memcpy(all_len + hlit, dlen, (size_t)hdist);
    nitems = rle_lengths(all_len, hlit + hdist, items);
    for (i = 0; i < nitems; i++) cfreq[items[i].code]++;
    if ((rc = build_lengths(d, cfreq, 19, 7, clen)) != 0) return rc;
    for (hclen = 19; hclen > 4 && clen[cl_order[hclen - 1]] == 0; hclen--) {}

    dyn_bits = 3 + 5 + 5 + 4 + 3 * (uint64_t)hclen + data_cost(lfreq, llen, dfreq, dlen);
    for (i = 0; i < nitems; i++) dyn_bits += clen[items[i].code] + cl_extra_bits[items[i].code];
    fixed_lengths(fl, fd);
    fixed_bits = 3 + data_cost(lfreq, fl, dfreq, fd);
    /* Stored: per 65535-byte piece a 3-bit header padded to a byte, LEN, NLEN. */
    stored_bits = (stored_len / 65535 + 1) * (3 + 7 + 32) + 8 * (uint64_t)stored_len;

    if (stored_bits < dyn_bits && stored_bits < fixed_bits) {
        size_t pos = d->block_start;
        do {
            size_t piece = end - pos > 65535 ? 65535 : end - pos;
            int last = final && pos + piece == end;
            put_bits(d, (uint32_t)last, 3);  /* BFINAL, BTYPE 00 */
            flush_bits(d);
            if (d->rc == G99_OK && (d->rc = img__zbuf_reserve(d->out, 4 + piece, d->err)) == G99_OK) {
                uint8_t *p = d->out->buf + d->out->len;
                p[0] = (uint8_t)piece;
                p[1] = (uint8_t)(piece >> 8);
                p[2] = (uint8_t)~piece;
                p[3] = (uint8_t)(~piece >> 8);
                if (piece) memcpy(p + 4, d->in + pos, piece);
                d->out->len += 4 + piece;
            }
            pos += piece;
        } while (pos < end);
    } else if (fixed_bits <= dyn_bits) {
        uint16_t fcode[288], fdcode[30];
        make_codes(fl, 288, fcode);
        make_codes(fd, 30, fdcode);
        put_bits(d, (uint32_t)(final | 1 << 1), 3);
        send_symbols(d, fl, fcode, fd, fdcode);
    } else {
        make_codes(llen, 286, lcode);
        make_codes(dlen, 30, dcode);
        make_codes(clen, 19, ccode);
        put_bits(d, (uint32_t)(final | 2 << 1), 3);
        put_bits(d, (uint32_t)(hlit - 257), 5);
        put_bits(d, (uint32_t)(hdist - 1), 5);
        put_bits(d, (uint32_t)(hclen - 4), 4);
        for (i = 0; i < hclen; i++) put_bits(d, clen[cl_order[i]], 3);
        for (i = 0; i < nitems; i++) {
            put_bits(d, ccode[items[i].code], clen[items[i].code]);
            put_bits(d, items[i].extra, cl_extra_bits[items[i].code]);
        }
        send_symbols(d, llen, lcode, dlen, dcode);
    }
    d->nsyms = 0;
    d->block_start = end;
    return d->rc;
}

/* ---- LZ77 ----------------------------------------------------------------- */

static inline unsigned hash3(const uint8_t *p) { return ((unsigned)p[0] << 10 ^ (unsigned)p[1] << 5 ^ p[2]) & (HASH_SIZE - 1); }

/* Every 32 KiB the entries move down by 32768: positions that fall below
 * the new base are more than MAX_DIST behind any position still to come,
 * where a chain walk stops anyway, so they become 0 (the end). */
static void slide(deflater *d)
{
    size_t i;
    for (i = 0; i < HASH_SIZE; i++) d->head[i] = (uint16_t)(d->head[i] > WINDOW ? d->head[i] - WINDOW : 0);
    for (i = 0; i < WINDOW; i++) d->prev[i] = (uint16_t)(d->prev[i] > WINDOW ? d->prev[i] - WINDOW : 0);
    d->base += WINDOW;
}

/* Enters pos in its hash chain; returns the previous head (position + 1, or 0). */
static inline size_t insert(deflater *d, size_t pos)
{
    unsigned h, old;
    if (pos + MIN_MATCH > d->n) return 0;
    if (pos + 1 - d->base > 65535) slide(d);
    h = hash3(d->in + pos);
    old = d->head[h];
    d->prev[pos & WMASK] = (uint16_t)old;
    d->head[h] = (uint16_t)(pos + 1 - d->base);
    return old ? d->base + old : 0;
}

/* The longest match for pos along the chain starting at candidate cand
 * (position + 1), longer than `best`; *match_pos receives its position. */
static unsigned longest_match(const deflater *d, size_t pos, size_t cand, unsigned best, unsigned chain,
                              size_t *match_pos)
{
    const uint8_t *scan = d->in + pos;
    size_t limit = pos > MAX_DIST ? pos - MAX_DIST : 0;
    unsigned max_len = d->n - pos < MAX_MATCH ? (unsigned)(d->n - pos) : MAX_MATCH;
    uint16_t end2, first2;
    if (best >= max_len) return best;
    /* Cheap rejection: a longer match must agree at `best - 1` and `best`
     * (best >= 2) and at the first two bytes, which the count starts after. */
    memcpy(&end2, scan + best - 1, 2);
    memcpy(&first2, scan, 2);
    while (cand != 0 && cand - 1 >= limit && chain-- > 0) {
        const uint8_t *m = d->in + cand - 1;
        uint16_t e, f;
        memcpy(&e, m + best - 1, 2);
        memcpy(&f, m, 2);
        if (e == end2 && f == first2) {
            unsigned len = 2;
            /* Compare 8 bytes at a time while they fit, then byte by byte;
             * memcpy keeps the loads alignment-safe on every target. */
            while (len + 8 <= max_len) {
                uint64_t x, y;
                memcpy(&x, m + len, 8);
                memcpy(&y, scan + len, 8);
                if (x != y) break;
                len += 8;
            }
            while (len < max_len && m[len] == scan[len]) len++;
            if (len > best) {
                best = len;
                *match_pos = cand - 1;
                if (len >= NICE_LENGTH || len >= max_len) break;
                memcpy(&end2, scan + best - 1, 2);
            }
        }
        {
            unsigned v = d->prev[(cand - 1) & WMASK];
            cand = v ? d->base + v : 0;
        }
    }
    return best;
}

static int emit(deflater *d, unsigned value, unsigned dist, size_t covered_end)
{
    d->syms[d->nsyms].value = (uint16_t)value;
    d->syms[d->nsyms].dist = (uint16_t)dist;
    if (++d->nsyms == BLOCK_SYMBOLS) return flush_block(d, covered_end, 0);
    return G99_OK;
}

static int compress(deflater *d)
{
    size_t pos = 0, match_pos = 0, prev_pos = 0;
    unsigned prev_len = MIN_MATCH - 1;
    int have_literal = 0, rc = G99_OK;
    while (pos < d->n && rc == G99_OK) {
        size_t cand = insert(d, pos);
        unsigned len = MIN_MATCH - 1;
        if (cand != 0 && prev_len < MAX_LAZY) {
            unsigned chain = prev_len >= GOOD_LENGTH ? MAX_CHAIN / 4 : MAX_CHAIN;
            len = longest_match(d, pos, cand, prev_len, chain, &match_pos);
            if (len == MIN_MATCH && pos - match_pos > TOO_FAR) len = MIN_MATCH - 1;
        }
        if (prev_len >= MIN_MATCH && len <= prev_len) {
            /* The match found at pos - 1 wins: send it, skip what it covers. */
            size_t start = pos - 1, end = start + prev_len, p;
            rc = emit(d, prev_len, (unsigned)(start - prev_pos), end);
            for (p = pos + 1; p < end; p++) insert(d, p);
            pos = end;
            have_literal = 0;
            prev_len = MIN_MATCH - 1;
            continue;
        }
        if (have_literal) rc = emit(d, d->in[pos - 1], 0, pos);
        have_literal = 1;
        prev_len = len;
        prev_pos = match_pos;
        pos++;
    }
    if (rc == G99_OK && have_literal) rc = emit(d, d->in[d->n - 1], 0, d->n);
    if (rc == G99_OK) rc = flush_block(d, d->n, 1);
    if (rc == G99_OK) flush_bits(d);
    return rc ? rc : d->rc;
}

static void init_tables(deflater *d)
{
    int c;
    unsigned v;
    for (c = 0; c < 29; c++)
        for (v = img__length_base[c]; v < img__length_base[c] + (1u << img__length_extra[c]) && v <= MAX_MATCH; v++)
            d->length_code[v] = (uint8_t)c;
    for (c = 0; c < 30; c++)
        for (v = img__dist_base[c]; v < img__dist_base[c] + (1u << img__dist_extra[c]); v++) {
            if (v <= 512) d->dist_code_small[v] = (uint8_t)c;
            else d->dist_code_large[(v - 1) >> 8] = (uint8_t)c;
        }
}

static int deflate_into(const uint8_t *in, size_t n, img__zbuf *out, g99_error *err)
{
    deflater *d = (deflater *)calloc(1, sizeof *d);
    int rc;
    if (!d) return g99_fail(err, G99_ENOMEM, "out of memory for the deflate state");
    d->in = in;
    d->n = n;
    d->out = out;
    d->err = err;
    init_tables(d);
    rc = compress(d);
    free(d);
    return rc;
}

int img_deflate(const uint8_t *in, size_t n, uint8_t **out, size_t *out_len, g99_error *err)
{
    img__zbuf z = { NULL, 0, 0, (size_t)-1, 0 };
    int rc;
    *out = NULL;
    *out_len = 0;
    /* Stored blocks bound the size: n + 5 bytes per 16 KiB is plenty. */
    if ((rc = img__zbuf_reserve(&z, n / 16384 * 5 + n + 64, err)) != 0) return rc;
    rc = deflate_into(in, n, &z, err);
    if (rc) {
        free(z.buf);
        return rc;
    }
    *out = z.buf;
    *out_len = z.len;
    return G99_OK;
}

int img_zlib_encode(const uint8_t *in, size_t n, uint8_t **out, size_t *out_len, g99_error *err)
{
    img__zbuf z = { NULL, 0, 0, (size_t)-1, 0 };
    uint32_t adler;
    int rc;
    *out = NULL;
    *out_len = 0;
    if ((rc = img__zbuf_reserve(&z, n / 16384 * 5 + n + 64, err)) != 0) return rc;
    /* CMF 0x78: deflate with a 32 KiB window; FLG 0x9C: "default" level, no
     * dictionary, and 0x789C is a multiple of 31 (RFC 1950 §2.2). */
    z.buf[0] = 0x78;
    z.buf[1] = 0x9C;
    z.len = 2;
    rc = deflate_into(in, n, &z, err);
    if (rc == G99_OK && (rc = img__zbuf_reserve(&z, 4, err)) == G99_OK) {
        adler = img_adler32(1, in, n);
        z.buf[z.len++] = (uint8_t)(adler >> 24);
        z.buf[z.len++] = (uint8_t)(adler >> 16);
        z.buf[z.len++] = (uint8_t)(adler >> 8);
        z.buf[z.len++] = (uint8_t)adler;
    }
    if (rc) {
        free(z.buf);
        return rc;
    }
    *out = z.buf;
    *out_len = z.len;
    return G99_OK;
}
