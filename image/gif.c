/* Animated GIF89a output (the GIF89a specification, W3C/CompuServe 1990:
 * §17-18 header and screen, §20 image descriptor, §21 colour tables, §22
 * LZW data, §23 graphic control; the NETSCAPE2.0 application extension for
 * looping).
 *
 * Palette: when the frames (the whole animation for a global palette, each
 * frame for per-frame palettes) hold at most max_colors distinct colours,
 * those colours are the palette, sorted, and the image is stored losslessly.
 * Otherwise median cut (Heckbert 1982), made deterministic: colours are
 * binned to 5 bits per channel; the box with the widest channel range (ties:
 * more pixels, then the earlier box) is split at the pixel-count median along
 * that channel, until max_colors boxes; each palette entry is the rounded mean
 * of the pixels in its box. Pixels map to the nearest entry of their bin's
 * centre (squared RGB distance, ties to the lower index), optionally after
 * adding an 8x8 Bayer offset (ordered dithering).
 *
 * LZW (§22 and Appendix F): codes start at min_code_size + 1 bits and widen
 * when the next free code needs another bit; at 4096 codes a clear code
 * restarts the table. Codes are packed least significant bit first into
 * sub-blocks of at most 255 bytes.
 *
 * One writer makes both outputs: img_gif_encode collects the bytes in
 * memory, img_gif_writer_* hands each frame's bytes to an atomic file as
 * soon as they are made, so an animation of any length needs one frame. */
#include "ops_private.h"

#include <stdlib.h>
#include <string.h>

/* ---- a growing byte buffer ---------------------------------------------- */

typedef struct gif_buf {
    uint8_t *data;
    size_t len, cap;
    int failed;
} gif_buf;

static void buf_put(gif_buf *b, const void *p, size_t n)
{
    if (b->failed) return;
    if (n > b->cap - b->len) {
        size_t cap = b->cap ? b->cap : 4096;
        uint8_t *d;
        while (n > cap - b->len) {
            if (cap > (size_t)-1 / 2) {
                b->failed = 1;
                return;
            }
            cap *= 2;
        }
        d = (uint8_t *)realloc(b->data, cap);
        if (!d) {
            b->failed = 1;
            return;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void buf_byte(gif_buf *b, int v)
{
    uint8_t c = (uint8_t)v;
    buf_put(b, &c, 1);
}

static void buf_le16(gif_buf *b, int v)
{
    buf_byte(b, v & 0xFF);
    buf_byte(b, (v >> 8) & 0xFF);
}

/* ---- LZW ---------------------------------------------------------------- */

enum { LZW_MAX_CODES = 4096, LZW_HASH = 8192 };

typedef struct lzw_state {
    gif_buf *out;
    uint8_t block[255];
    int block_len;
    uint32_t bits;  /* pending bits, least significant first */
    int nbits;
    int32_t key[LZW_HASH];  /* (prefix << 8 | byte), -1 when empty */
    int16_t code[LZW_HASH];
} lzw_state;

static void lzw_flush_block(lzw_state *s)
{
    if (s->block_len == 0) return;
    buf_byte(s->out, s->block_len);
    buf_put(s->out, s->block, (size_t)s->block_len);
    s->block_len = 0;
}

static void lzw_emit(lzw_state *s, int code, int width)
{
    s->bits |= (uint32_t)code << s->nbits;
    s->nbits += width;
    while (s->nbits >= 8) {
        s->block[s->block_len++] = (uint8_t)(s->bits & 0xFF);
        if (s->block_len == 255) lzw_flush_block(s);
        s->bits >>= 8;
        s->nbits -= 8;
    }
}

static void lzw_reset(lzw_state *s) { memset(s->key, 0xFF, sizeof s->key); }

static int lzw_find(const lzw_state *s, int32_t key, int *slot)
{
    int h = (int)(((uint32_t)key * 2654435761u) >> 19) & (LZW_HASH - 1);
    while (s->key[h] != -1 && s->key[h] != key) h = (h + 1) & (LZW_HASH - 1);
    *slot = h;
    return s->key[h] == key ? s->code[h] : -1;
}

/* Bits needed for the largest code so far (next - 1), never below min + 1. */
static int lzw_width(int next, int min_width)
{
    int w = min_width;
    while ((1 << w) < next) w++;
    return w;
}

/* Writes the minimum code size and the data sub-blocks of n indices. */
static void lzw_encode(gif_buf *out, const uint8_t *idx, size_t n, int min_code_size, lzw_state *s)
{
    int clear = 1 << min_code_size, eoi = clear + 1, next = clear + 2, width = min_code_size + 1, prefix;
    size_t i;
    s->out = out;
    s->block_len = 0;
    s->bits = 0;
    s->nbits = 0;
    lzw_reset(s);
    buf_byte(out, min_code_size);
    lzw_emit(s, clear, width);
    prefix = idx[0];
    for (i = 1; i < n; i++) {
        int32_t key = (int32_t)prefix << 8 | idx[i];
        int slot, found = lzw_find(s, key, &slot);
        if (found >= 0) {
            prefix = found;
            continue;
        }
        lzw_emit(s, prefix, width);
        s->key[slot] = key;
        s->code[slot] = (int16_t)next++;
        if (next == LZW_MAX_CODES) {
            /* Table full: the decoder reads this clear code at 12 bits. */
            lzw_emit(s, clear, lzw_width(next, min_code_size + 1));
            lzw_reset(s);
            next = clear + 2;
        }
        width = lzw_width(next, min_code_size + 1);
        prefix = idx[i];
    }
    lzw_emit(s, prefix, width);
    /* The decoder adds an entry after that code too, so EOI may need a bit more. */
    lzw_emit(s, eoi, next < LZW_MAX_CODES ? lzw_width(next + 1, min_code_size + 1) : width);
    if (s->nbits > 0) lzw_emit(s, 0, 8 - s->nbits);
    lzw_flush_block(s);
    buf_byte(out, 0);  /* block terminator */
}

/* ---- palettes ----------------------------------------------------------- */

typedef struct gif_palette {
    int n;
    uint8_t rgb[256][3];
    int exact;                       /* the palette holds every colour exactly */
    int32_t exact_key[1024];         /* exact mode: colour -> index hash, -1 empty */
    int16_t exact_index[1024];
    int16_t *bin_index;              /* median cut: 5-bit bin -> index, -1 unknown */
} gif_palette;

static void pixel_rgb(const img_image *f, size_t i, uint8_t rgb[3])
{
    const uint8_t *p = f->data + i * (size_t)f->channels;
    if (f->channels >= 3) {
        rgb[0] = p[0];
        rgb[1] = p[1];
        rgb[2] = p[2];
    } else {
        rgb[0] = rgb[1] = rgb[2] = p[0];
    }
}

static int exact_slot(const gif_palette *pal, int32_t key)
{
    int h = (int)(((uint32_t)key * 2654435761u) >> 22) & 1023;
    while (pal->exact_key[h] != -1 && pal->exact_key[h] != key) h = (h + 1) & 1023;
    return h;
}

static int cmp_key(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return x < y ? -1 : x > y;
}

typedef struct mc_bin {
    int32_t key;      /* r5 << 10 | g5 << 5 | b5 */
    int32_t order;    /* sort key: the split channel's value, then key */
    uint64_t count;   /* 64 bits: a long streamed animation passes 2^32 pixels */
    uint64_t sum[3];
} mc_bin;

/* Keys are distinct, so the order is total and qsort's result unique. */
static int cmp_bin(const void *a, const void *b)
{
    int32_t x = ((const mc_bin *)a)->order, y = ((const mc_bin *)b)->order;
    return x < y ? -1 : x > y;
}

static int bin_of(int r, int g, int b) { return (r >> 3) << 10 | (g >> 3) << 5 | (b >> 3); }

/* The colours seen so far, frame by frame, for both kinds of palette: the
 * distinct colours while there are at most max_colors of them (the exact
 * palette), and the 5-bit bins for median cut. Adding frames one at a time
 * gives the palette of all of them, so a streamed animation gets the same
 * global palette as one encoded from memory. */
typedef struct palette_acc {
    int n, overflow;               /* distinct colours; overflow: more than max_colors */
    int32_t keys[256];
    int32_t set[1024];             /* hash set of keys, -1 empty */
    mc_bin *bins;                  /* 32768 bins */
} palette_acc;

static int acc_slot(const int32_t *set, int32_t key)
{
    int h = (int)(((uint32_t)key * 2654435761u) >> 22) & 1023;
    while (set[h] != -1 && set[h] != key) h = (h + 1) & 1023;
    return h;
}

static void acc_clear(palette_acc *a)
{
    a->n = 0;
    a->overflow = 0;
    memset(a->set, 0xFF, sizeof a->set);
    memset(a->bins, 0, 32768 * sizeof(mc_bin));
}

static void acc_add(palette_acc *a, const img_image *f, int max_colors)
{
    size_t p, np = (size_t)f->width * f->height;
    int c;
    for (p = 0; p < np; p++) {
        uint8_t col[3];
        mc_bin *e;
        pixel_rgb(f, p, col);
        if (!a->overflow) {
            int32_t key = (int32_t)col[0] << 16 | (int32_t)col[1] << 8 | col[2];
            int h = acc_slot(a->set, key);
            if (a->set[h] != key) {
                if (a->n == max_colors) {
                    a->overflow = 1;
                } else {
                    a->set[h] = key;
                    a->keys[a->n++] = key;
                }
            }
        }
        e = &a->bins[bin_of(col[0], col[1], col[2])];
        e->count++;
        for (c = 0; c < 3; c++) e->sum[c] += col[c];
    }
}

/* The exact palette: the distinct colours, sorted. */
static void palette_exact(const palette_acc *a, gif_palette *pal)
{
    int i;
    int32_t keys[256];
    memcpy(keys, a->keys, sizeof(int32_t) * (size_t)a->n);
    qsort(keys, (size_t)a->n, sizeof keys[0], cmp_key);
    memcpy(pal->exact_key, a->set, sizeof pal->exact_key);
    pal->n = a->n;
    pal->exact = 1;
    for (i = 0; i < a->n; i++) {
        pal->rgb[i][0] = (uint8_t)(keys[i] >> 16);
        pal->rgb[i][1] = (uint8_t)(keys[i] >> 8);
        pal->rgb[i][2] = (uint8_t)keys[i];
        pal->exact_index[exact_slot(pal, keys[i])] = (int16_t)i;
    }
}

/* Median cut over the bins (reordered in place: the accumulator is spent). */
static int palette_median_cut(palette_acc *a, int max_colors, gif_palette *pal, g99_error *err)
{
    mc_bin *bins = a->bins;
    int start[256], end[256], nbox = 1, nb = 0, i, b, c;
    for (i = 0; i < 32768; i++)
        if (bins[i].count) {
            bins[nb] = bins[i];
            bins[nb++].key = i;
        }
    start[0] = 0;
    end[0] = nb;
    while (nbox < max_colors) {
        int best = -1, best_range = 0, best_axis = 0, k, mid;
        uint64_t best_count = 0, total, run;
        for (b = 0; b < nbox; b++) {
            int lo[3] = { 31, 31, 31 }, hi[3] = { 0, 0, 0 }, axis = 0, range;
            uint64_t cnt = 0;
            if (end[b] - start[b] < 2) continue;
            for (k = start[b]; k < end[b]; k++) {
                for (c = 0; c < 3; c++) {
                    int v = (bins[k].key >> (10 - 5 * c)) & 31;
                    if (v < lo[c]) lo[c] = v;
                    if (v > hi[c]) hi[c] = v;
                }
                cnt += bins[k].count;
            }
            for (c = 1; c < 3; c++)
                if (hi[c] - lo[c] > hi[axis] - lo[axis]) axis = c;
            range = hi[axis] - lo[axis];
            if (best < 0 || range > best_range || (range == best_range && cnt > best_count)) {
                best = b;
                best_range = range;
                best_axis = axis;
                best_count = cnt;
            }
        }
        if (best < 0) break;
        for (k = start[best]; k < end[best]; k++)
            bins[k].order = ((bins[k].key >> (10 - 5 * best_axis)) & 31) << 15 | bins[k].key;
        qsort(bins + start[best], (size_t)(end[best] - start[best]), sizeof(mc_bin), cmp_bin);
        total = best_count;
        run = 0;
        for (mid = start[best]; mid < end[best] - 1; mid++) {
            run += bins[mid].count;
            if (2 * run >= total) break;
        }
        /* New box [mid+1, end); the old one keeps [start, mid+1). */
        start[nbox] = mid + 1;
        end[nbox] = end[best];
        end[best] = mid + 1;
        nbox++;
    }
    pal->n = nbox;
    pal->exact = 0;
    for (b = 0; b < nbox; b++) {
        uint64_t cnt = 0, sum[3] = { 0, 0, 0 };
        int k;
        for (k = start[b]; k < end[b]; k++) {
            cnt += bins[k].count;
            for (c = 0; c < 3; c++) sum[c] += bins[k].sum[c];
        }
        for (c = 0; c < 3; c++) pal->rgb[b][c] = (uint8_t)(cnt ? (sum[c] + cnt / 2) / cnt : 0);
    }
    pal->bin_index = (int16_t *)malloc(32768 * sizeof(int16_t));
    if (!pal->bin_index) return g99_fail(err, G99_ENOMEM, "gif: out of memory for the colour map");
    memset(pal->bin_index, 0xFF, 32768 * sizeof(int16_t));
    return G99_OK;
}

static int nearest(const gif_palette *pal, int r, int g, int b)
{
    int i, best = 0;
    long bestd = -1;
    for (i = 0; i < pal->n; i++) {
        long dr = r - pal->rgb[i][0], dg = g - pal->rgb[i][1], db = b - pal->rgb[i][2];
        long d = dr * dr + dg * dg + db * db;
        if (bestd < 0 || d < bestd) {
            bestd = d;
            best = i;
        }
    }
    return best;
}

/* The classic 8x8 Bayer matrix (values 0..63). */
static const uint8_t bayer8[8][8] = {
    { 0, 32, 8, 40, 2, 34, 10, 42 },  { 48, 16, 56, 24, 50, 18, 58, 26 },
    { 12, 44, 4, 36, 14, 46, 6, 38 }, { 60, 28, 52, 20, 62, 30, 54, 22 },
    { 3, 35, 11, 43, 1, 33, 9, 41 },  { 51, 19, 59, 27, 49, 17, 57, 25 },
    { 15, 47, 7, 39, 13, 45, 5, 37 }, { 63, 31, 55, 23, 61, 29, 53, 21 },
};

/* Palette indices of one frame. Dithering adds an offset in -8..7 (the
 * width of the 5-bit bins colours are looked up by) before mapping; an exact
 * palette needs none. */
static void map_frame(const img_image *f, gif_palette *pal, int dither, uint8_t *idx)
{
    int x, y, c;
    for (y = 0; y < f->height; y++)
        for (x = 0; x < f->width; x++) {
            size_t i = (size_t)y * f->width + x;
            uint8_t col[3];
            int v[3], bin;
            pixel_rgb(f, i, col);
            if (pal->exact) {
                int32_t key = (int32_t)col[0] << 16 | (int32_t)col[1] << 8 | col[2];
                idx[i] = (uint8_t)pal->exact_index[exact_slot(pal, key)];
                continue;
            }
            for (c = 0; c < 3; c++) {
                v[c] = col[c];
                if (dither) v[c] += (bayer8[y & 7][x & 7] - 32) / 4;
                v[c] = v[c] < 0 ? 0 : v[c] > 255 ? 255 : v[c];
            }
            bin = bin_of(v[0], v[1], v[2]);
            if (pal->bin_index[bin] < 0)
                pal->bin_index[bin] =
                    (int16_t)nearest(pal, (v[0] & ~7) + 4, (v[1] & ~7) + 4, (v[2] & ~7) + 4);
            idx[i] = (uint8_t)pal->bin_index[bin];
        }
}

static int build_palette(palette_acc *a, int max_colors, gif_palette *pal, g99_error *err)
{
    free(pal->bin_index);
    pal->bin_index = NULL;
    if (!a->overflow) {
        palette_exact(a, pal);
        return G99_OK;
    }
    return palette_median_cut(a, max_colors, pal, err);
}

/* log2 of the colour table size (2..256 entries) that holds n colours. */
static int table_bits(int n)
{
    int k = 1;
    while ((1 << k) < n) k++;
    return k;
}

static void put_table(gif_buf *b, const gif_palette *pal)
{
    int k = table_bits(pal->n), i;
    for (i = 0; i < (1 << k); i++) {
        static const uint8_t black[3] = { 0, 0, 0 };
        buf_put(b, i < pal->n ? pal->rgb[i] : black, 3);
    }
}

/* ---- the file ------------------------------------------------------------ */

void img_gif_params_default(img_gif_params *p)
{
    memset(p, 0, sizeof *p);
    p->delay_cs = 10;
    p->loop_count = 0;
    p->palette = IMG_GIF_PALETTE_GLOBAL;
    p->dither = IMG_GIF_DITHER_NONE;
    p->max_colors = 256;
}

/* ---- the writer ------------------------------------------------------------
 * One encoder for both outputs: bytes collect in a buffer that img_gif_encode
 * keeps whole and the file writer hands to its g99_afile after each frame,
 * so a file never holds more than one frame's bytes in memory. */

struct img_gif_writer {
    img_gif_params p;
    int w, h, max_colors, global;
    int scanned, added;     /* frames through scan and add so far */
    int failed;             /* after a failure only abort is allowed */
    int to_file;            /* 0: img_gif_encode's buffer */
    g99_afile file;
    gif_buf b;
    palette_acc acc;
    gif_palette *pal;
    lzw_state *lzw;
    uint8_t *idx;
};

static void writer_free(img_gif_writer *w)
{
    if (!w) return;
    g99_afile_abort(&w->file);  /* a no-op once committed, or in memory */
    if (w->pal) free(w->pal->bin_index);
    free(w->pal);
    free(w->lzw);
    free(w->idx);
    free(w->acc.bins);
    free(w->b.data);
    free(w);
}

/* The parameters and the size, checked as img_gif_encode always has. */
static int check_params(const img_gif_params *p, int w, int h, g99_error *err)
{
    int max_colors = p->max_colors ? p->max_colors : 256;
    if (w < 1 || h < 1) return g99_fail(err, G99_EINVAL, "gif: %dx%d frames", w, h);
    if (w > 65535 || h > 65535) return g99_fail(err, G99_ELIMIT, "gif: %dx%d exceeds GIF's 65535x65535", w, h);
    if (max_colors < 2 || max_colors > 256)
        return g99_fail(err, G99_EINVAL, "gif: max_colors %d is outside 2..256", max_colors);
    if (p->delay_cs < 0 || p->delay_cs > 65535 || p->loop_count < -1 || p->loop_count > 65535)
        return g99_fail(err, G99_EINVAL, "gif: delay %d cs or loop count %d out of range", p->delay_cs,
                        p->loop_count);
    if (p->palette != IMG_GIF_PALETTE_GLOBAL && p->palette != IMG_GIF_PALETTE_PER_FRAME)
        return g99_fail(err, G99_EINVAL, "gif: unknown palette mode %d", p->palette);
    return G99_OK;
}

static int writer_new(img_gif_writer **out, int width, int height, const img_gif_params *p, g99_error *err)
{
    img_gif_writer *w;
    img_gif_params def;
    int rc;
    *out = NULL;
    if (!p) {
        img_gif_params_default(&def);
        p = &def;
    }
    if ((rc = check_params(p, width, height, err)) != 0) return rc;
    w = (img_gif_writer *)calloc(1, sizeof *w);
    if (!w) return g99_fail(err, G99_ENOMEM, "gif: out of memory");
    w->p = *p;
    w->w = width;
    w->h = height;
    w->max_colors = p->max_colors ? p->max_colors : 256;
    w->global = p->palette == IMG_GIF_PALETTE_GLOBAL;
    w->pal = (gif_palette *)calloc(1, sizeof *w->pal);
    w->lzw = (lzw_state *)malloc(sizeof *w->lzw);
    w->idx = (uint8_t *)malloc((size_t)width * height);
    w->acc.bins = (mc_bin *)malloc(32768 * sizeof(mc_bin));
    if (!w->pal || !w->lzw || !w->idx || !w->acc.bins) {
        writer_free(w);
        return g99_fail(err, G99_ENOMEM, "gif: out of memory for a %dx%d frame", width, height);
    }
    acc_clear(&w->acc);
    *out = w;
    return G99_OK;
}

/* A frame of the right kind: 8-bit, the writer's size, a delay in range. */
static int check_frame(const img_gif_writer *w, const img_image *f, int index, g99_error *err)
{
    int rc = img__need_u8(f, "gif", err);
    if (rc) return g99_error_prefix(err, "frame %d", index);
    if (f->width != w->w || f->height != w->h)
        return g99_fail(err, G99_EINVAL, "gif: frame %d is %dx%d, frame 0 is %dx%d", index, f->width, f->height,
                        w->w, w->h);
    if (w->p.frame_delays && (w->p.frame_delays[index] < 0 || w->p.frame_delays[index] > 65535))
        return g99_fail(err, G99_EINVAL, "gif: frame %d delay %d cs is outside 0..65535", index,
                        w->p.frame_delays[index]);
    return G99_OK;
}

/* Bytes so far to the file (nothing to do for img_gif_encode's buffer). */
static int writer_flush(img_gif_writer *w, g99_error *err)
{
    int rc;
    if (w->b.failed) return g99_fail(err, G99_ENOMEM, "gif: out of memory for the output");
    if (!w->to_file || w->b.len == 0) return G99_OK;
    rc = g99_afile_write(&w->file, w->b.data, w->b.len, err);
    w->b.len = 0;
    return rc;
}

/* Header and logical screen descriptor (§17, §18): colour resolution 8
 * bits; the global table flag and size when there is one. Then the loop. */
static void put_header(img_gif_writer *w)
{
    gif_buf *b = &w->b;
    buf_put(b, "GIF89a", 6);
    buf_le16(b, w->w);
    buf_le16(b, w->h);
    buf_byte(b, w->global ? 0x80 | 0x70 | (table_bits(w->pal->n) - 1) : 0x70);
    buf_byte(b, 0);  /* background colour index */
    buf_byte(b, 0);  /* pixel aspect ratio: not given */
    if (w->global) put_table(b, w->pal);
    if (w->p.loop_count >= 0) {
        /* Application extension NETSCAPE2.0: sub-block 1 holds the loop count. */
        buf_byte(b, 0x21);
        buf_byte(b, 0xFF);
        buf_byte(b, 11);
        buf_put(b, "NETSCAPE2.0", 11);
        buf_byte(b, 3);
        buf_byte(b, 1);
        buf_le16(b, w->p.loop_count);
        buf_byte(b, 0);
    }
}

static int writer_scan(img_gif_writer *w, const img_image *f, g99_error *err)
{
    int rc;
    if (w->failed) return g99_fail(err, G99_EINVAL, "gif: the writer failed before");
    if (!w->global || w->added) {
        w->failed = 1;
        return g99_fail(err, G99_EINVAL, "gif: frames are scanned before the first is added, for a global palette");
    }
    if ((rc = check_frame(w, f, w->scanned, err)) != 0) {
        w->failed = 1;
        return rc;
    }
    acc_add(&w->acc, f, w->max_colors);
    w->scanned++;
    return G99_OK;
}

static int writer_add(img_gif_writer *w, const img_image *f, g99_error *err)
{
    int rc, delay;
    gif_buf *b = &w->b;
    if (w->failed) return g99_fail(err, G99_EINVAL, "gif: the writer failed before");
    rc = check_frame(w, f, w->added, err);
    if (!rc && w->global && w->added >= w->scanned)
        rc = g99_fail(err, G99_EINVAL, "gif: frame %d was not scanned (a global palette needs every frame first)",
                      w->added);
    if (!rc && w->added == 0) {
        if (w->global) rc = build_palette(&w->acc, w->max_colors, w->pal, err);
        if (!rc) put_header(w);
    }
    if (!rc && !w->global) {
        acc_clear(&w->acc);
        acc_add(&w->acc, f, w->max_colors);
        rc = build_palette(&w->acc, w->max_colors, w->pal, err);
    }
    if (rc) {
        w->failed = 1;
        return rc;
    }
    delay = w->p.frame_delays ? w->p.frame_delays[w->added] : w->p.delay_cs;
    map_frame(f, w->pal, w->p.dither == IMG_GIF_DITHER_ORDERED, w->idx);
    /* Graphic control extension (§23): disposal 1 (leave the frame in
     * place), no transparency, the delay. */
    buf_byte(b, 0x21);
    buf_byte(b, 0xF9);
    buf_byte(b, 4);
    buf_byte(b, 1 << 2);
    buf_le16(b, delay);
    buf_byte(b, 0);
    buf_byte(b, 0);
    /* Image descriptor (§20): the whole screen, a local table if any. */
    buf_byte(b, 0x2C);
    buf_le16(b, 0);
    buf_le16(b, 0);
    buf_le16(b, w->w);
    buf_le16(b, w->h);
    buf_byte(b, w->global ? 0 : 0x80 | (table_bits(w->pal->n) - 1));
    if (!w->global) put_table(b, w->pal);
    lzw_encode(b, w->idx, (size_t)w->w * w->h, table_bits(w->pal->n) < 2 ? 2 : table_bits(w->pal->n), w->lzw);
    w->added++;
    if ((rc = writer_flush(w, err)) != 0) w->failed = 1;
    return rc;
}

/* The trailer; G99_EINVAL when no frame was added. */
static int writer_finish(img_gif_writer *w, g99_error *err)
{
    if (w->failed) return g99_fail(err, G99_EINVAL, "gif: the writer failed before");
    if (w->added == 0) return g99_fail(err, G99_EINVAL, "gif: no frames");
    buf_byte(&w->b, 0x3B);
    return writer_flush(w, err);
}

int img_gif_encode(const img_image *frames, int count, const img_gif_params *p, uint8_t **data, size_t *len,
                   g99_error *err)
{
    img_gif_writer *w, probe;
    img_gif_params def;
    int f, rc;
    *data = NULL;
    *len = 0;
    if (!p) {
        img_gif_params_default(&def);
        p = &def;
    }
    if (!frames || count < 1) return g99_fail(err, G99_EINVAL, "gif: no frames");
    /* Every frame's faults before the parameters', as always. */
    if ((rc = img__need_u8(&frames[0], "gif", err)) != 0) return g99_error_prefix(err, "frame 0");
    memset(&probe, 0, sizeof probe);
    probe.p = *p;
    probe.w = frames[0].width;
    probe.h = frames[0].height;
    for (f = 0; f < count; f++)
        if ((rc = check_frame(&probe, &frames[f], f, err)) != 0) return rc;
    if ((rc = writer_new(&w, frames[0].width, frames[0].height, p, err)) != 0) return rc;
    for (f = 0; f < count && !rc && w->global; f++) rc = writer_scan(w, &frames[f], err);
    for (f = 0; f < count && !rc; f++) rc = writer_add(w, &frames[f], err);
    if (!rc) rc = writer_finish(w, err);
    if (!rc) {
        *data = w->b.data;
        *len = w->b.len;
        w->b.data = NULL;
    }
    writer_free(w);
    return rc;
}

int img_gif_write(const char *path, const img_image *frames, int count, const img_gif_params *p, g99_error *err)
{
    uint8_t *data;
    size_t len;
    int rc = img_gif_encode(frames, count, p, &data, &len, err);
    if (rc) return g99_error_prefix(err, "%s", path);
    rc = g99_write_file_atomic(path, data, len, err);
    free(data);
    return rc;
}

int img_gif_writer_open(img_gif_writer **out, const char *path, int width, int height, const img_gif_params *p,
                        g99_error *err)
{
    img_gif_writer *w;
    int rc = writer_new(&w, width, height, p, err);
    *out = NULL;
    if (rc) return g99_error_prefix(err, "%s", path);
    if ((rc = g99_afile_open(&w->file, path, err)) != 0) {
        writer_free(w);
        return rc;
    }
    w->to_file = 1;
    *out = w;
    return G99_OK;
}

int img_gif_writer_scan(img_gif_writer *w, const img_image *frame, g99_error *err)
{
    int rc = writer_scan(w, frame, err);
    if (rc) {
        if (w->file.path) g99_error_prefix(err, "%s", w->file.path);
        g99_afile_abort(&w->file);
    }
    return rc;
}

int img_gif_writer_add(img_gif_writer *w, const img_image *frame, g99_error *err)
{
    int rc = writer_add(w, frame, err);
    if (rc) {
        /* g99_afile_write names the file itself. */
        if (w->file.path && rc != G99_EIO) g99_error_prefix(err, "%s", w->file.path);
        g99_afile_abort(&w->file);
    }
    return rc;
}

int img_gif_writer_close(img_gif_writer *w, g99_error *err)
{
    int rc;
    if (!w) return g99_fail(err, G99_EINVAL, "gif: no writer");
    rc = writer_finish(w, err);
    if (rc && w->file.path && rc != G99_EIO) g99_error_prefix(err, "%s", w->file.path);
    if (!rc) rc = g99_afile_commit(&w->file, err);
    writer_free(w);  /* removes the temporary file unless committed */
    return rc;
}

void img_gif_writer_abort(img_gif_writer *w) { writer_free(w); }
