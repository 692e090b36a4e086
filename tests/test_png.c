/* PNG decode/encode and the zlib streams under it (image/png.c,
 * png_encode.c, inflate.c, deflate.c).
 *
 * References: golden/png/ (photos encoded by PIL and ImageMagick in every
 * colour type x bit depth x interlace, with PIL's decoded pixels) and
 * golden/png/zlib/ (Python zlib streams with the original bytes), both from
 * golden/tools/png_golden.py; tests/corpus/png/ (broken files with the
 * expected error, from golden/tools/png_corrupt.py). */
#include "test.h"
#include "../image/image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t *read_all(const char *path, size_t *n)
{
    uint8_t *d = NULL;
    g99_error err;
    if (!CHECK_EQ_INT(0, g99_read_file(path, (size_t)1 << 26, &d, n, &err))) {
        fprintf(stderr, "    %s\n", err.msg);
        return NULL;
    }
    return d;
}

/* Compares a decoded image with a reference .raw file (16-bit samples
 * big-endian there, host order in the image). Returns 1 when equal. */
static int same_pixels(const img_image *img, const uint8_t *ref, size_t ref_len, const char *name)
{
    size_t n = (size_t)img->width * (size_t)img->height * (size_t)img->channels, i;
    if (!CHECK_EQ_INT((long long)(n * (size_t)(img->depth / 8)), (long long)ref_len)) return 0;
    for (i = 0; i < n; i++) {
        unsigned want = img->depth == 8 ? ref[i] : (unsigned)ref[2 * i] << 8 | ref[2 * i + 1];
        unsigned got = img->depth == 8 ? img->data[i] : ((const uint16_t *)(const void *)img->data)[i];
        if (want != got) {
            fprintf(stderr, "    %s: sample %lu: expected %u, got %u\n", name, (unsigned long)i, want, got);
            return CHECK(want == got);
        }
    }
    return 1;
}

typedef struct golden_entry {
    char name[64], file[64], flags[64];
    int width, height, channels, depth;
} golden_entry;

/* Reads golden/png/manifest.txt: "name width height channels depth flags";
 * flags "trns" (decode with trns_alpha) or "file=X" (the PNG is X.png). */
static int read_manifest(golden_entry *e, int max)
{
    FILE *fp = fopen("golden/png/manifest.txt", "r");
    char line[256];
    int n = 0;
    if (!CHECK(fp != NULL)) return 0;
    while (n < max && fgets(line, sizeof line, fp)) {
        if (line[0] == '#') continue;
        if (sscanf(line, "%63s %d %d %d %d %63s", e[n].name, &e[n].width, &e[n].height, &e[n].channels, &e[n].depth,
                   e[n].flags) != 6)
            continue;
        if (strncmp(e[n].flags, "file=", 5) == 0) sprintf(e[n].file, "golden/png/%.40s.png", e[n].flags + 5);
        else sprintf(e[n].file, "golden/png/%.40s.png", e[n].name);
        n++;
    }
    fclose(fp);
    return n;
}

/* Every colour type x bit depth x interlace (and tRNS, tiny Adam7 sizes, a
 * PIL-written photo): identical to PIL's decode. */
static void png_decode_matches_pil(void)
{
    golden_entry e[80];
    int n = read_manifest(e, 80), i, seen_interlaced = 0;
    CHECK(n >= 40);
    for (i = 0; i < n; i++) {
        img_png_options opt;
        img_image img;
        g99_error err;
        char raw_path[128];
        size_t ref_len;
        uint8_t *ref;
        memset(&opt, 0, sizeof opt);
        opt.trns_alpha = strcmp(e[i].flags, "trns") == 0;
        if (!CHECK_EQ_INT(0, img_png_load(e[i].file, &opt, &img, &err))) {
            fprintf(stderr, "    %s\n", err.msg);
            continue;
        }
        CHECK_EQ_INT(e[i].width, img.width);
        CHECK_EQ_INT(e[i].height, img.height);
        CHECK_EQ_INT(e[i].channels, img.channels);
        CHECK_EQ_INT(e[i].depth, img.depth);
        sprintf(raw_path, "golden/png/%.60s.raw", e[i].name);
        ref = read_all(raw_path, &ref_len);
        if (ref && img.channels == e[i].channels && img.depth == e[i].depth) same_pixels(&img, ref, ref_len, e[i].name);
        if (strstr(e[i].name, "_i")) seen_interlaced++;
        free(ref);
        img_free(&img);
    }
    CHECK(seen_interlaced >= 20);
}

/* to_8bit keeps the high byte of 16-bit samples, as PIL's RGB/RGBA modes. */
static void png_decode_16bit_to_8bit(void)
{
    golden_entry e[80];
    int n = read_manifest(e, 80), i, tested = 0;
    for (i = 0; i < n; i++) {
        img_png_options opt;
        img_image img;
        g99_error err;
        char raw_path[128];
        size_t ref_len, k;
        uint8_t *ref;
        if (e[i].depth != 16) continue;
        memset(&opt, 0, sizeof opt);
        opt.to_8bit = 1;
        if (!CHECK_EQ_INT(0, img_png_load(e[i].file, &opt, &img, &err))) continue;
        CHECK_EQ_INT(8, img.depth);
        sprintf(raw_path, "golden/png/%.60s.raw", e[i].name);
        ref = read_all(raw_path, &ref_len);
        if (ref && CHECK_EQ_INT((long long)ref_len, (long long)(2 * img_row_bytes(&img) * (size_t)img.height))) {
            for (k = 0; k < ref_len / 2 && img.data[k] == ref[2 * k]; k++) {}
            CHECK_EQ_INT((long long)(ref_len / 2), (long long)k);
        }
        free(ref);
        img_free(&img);
        tested++;
    }
    CHECK(tested >= 8);
}

/* Without trns_alpha, a grey/RGB tRNS key is ignored (PIL's mode L/RGB). */
static void png_trns_key_ignored_by_default(void)
{
    img_image img;
    g99_error err;
    size_t ref_len;
    uint8_t *ref = read_all("golden/png/grey8_trns_plain.raw", &ref_len);
    if (!ref) return;
    if (CHECK_EQ_INT(0, img_png_load("golden/png/grey8_trns.png", NULL, &img, &err))) {
        CHECK_EQ_INT(1, img.channels);
        same_pixels(&img, ref, ref_len, "grey8_trns");
        img_free(&img);
    }
    free(ref);
}

static void png_pixel_budget_checked_before_decoding(void)
{
    img_png_options opt;
    img_image img;
    g99_error err;
    memset(&opt, 0, sizeof opt);
    opt.limits.max_pixels = 57 * 41 - 1;
    CHECK_EQ_INT(G99_ELIMIT, img_png_load("golden/png/rgb8_n.png", &opt, &img, &err));
    CHECK_CONTAINS("golden/png/rgb8_n.png: IHDR: image size 57x41 exceeds the budget of 2336 pixels", err.msg);
    CHECK(img.data == NULL);
    opt.limits.max_pixels = 57 * 41;
    if (CHECK_EQ_INT(0, img_png_load("golden/png/rgb8_n.png", &opt, &img, &err))) img_free(&img);
}

/* Each broken file: the status and a message naming the chunk/offset and reason. */
static void png_corrupt_corpus(void)
{
    FILE *fp = fopen("tests/corpus/png/expected.txt", "r");
    char line[512];
    int n = 0;
    if (!CHECK(fp != NULL)) return;
    while (fgets(line, sizeof line, fp)) {
        char *file = strtok(line, "|"), *code = strtok(NULL, "|"), *text = strtok(NULL, "\n"), path[300];
        img_image img;
        g99_error err;
        int rc, want;
        if (!file || !code || !text) continue;
        want = strcmp(code, "limit") == 0 ? G99_ELIMIT : strcmp(code, "unsupported") == 0 ? G99_EUNSUPPORTED : G99_EFORMAT;
        sprintf(path, "tests/corpus/png/%.200s", file);
        rc = img_png_load(path, NULL, &img, &err);
        if (!CHECK_EQ_INT(want, rc)) fprintf(stderr, "    %s: %s\n", file, rc ? err.msg : "accepted");
        else CHECK_CONTAINS(text, err.msg);
        CHECK(img.data == NULL);
        n++;
    }
    fclose(fp);
    CHECK(n >= 45);
}

/* The stream corpus (levels 0/1/6/9, fixed, Huffman-only, RLE, filtered,
 * 512-byte window, gzip with every header flag and two members). */
static void zlib_corpus_matches_original(void)
{
    FILE *fp = fopen("golden/png/zlib/manifest.txt", "r");
    char line[256], kind[16], zname[64], oname[64], path[128];
    int n = 0;
    if (!CHECK(fp != NULL)) return;
    while (fgets(line, sizeof line, fp)) {
        uint8_t *z, *orig, *out = NULL;
        size_t zn = 0, on = 0, outn = 0;
        g99_error err;
        int rc;
        if (line[0] == '#' || sscanf(line, "%15s %63s %63s", kind, zname, oname) != 3) continue;
        sprintf(path, "golden/png/zlib/%s", zname);
        z = read_all(path, &zn);
        sprintf(path, "golden/png/zlib/%s", oname);
        orig = read_all(path, &on);
        if (z && orig) {
            if (strcmp(kind, "zlib") == 0) rc = img_zlib_decode(z, zn, on, &out, &outn, &err);
            else rc = img_gzip_decode(z, zn, on, &out, &outn, &err);
            if (!CHECK_EQ_INT(0, rc)) fprintf(stderr, "    %s: %s\n", zname, err.msg);
            else if (CHECK_EQ_INT((long long)on, (long long)outn)) CHECK_EQ_MEM(orig, out, on);
        }
        free(z);
        free(orig);
        free(out);
        n++;
    }
    fclose(fp);
    CHECK(n >= 60);
}

/* max_out stops a stream the moment its output would pass the limit. */
static void inflate_output_limit(void)
{
    uint8_t *z, *out = NULL;
    size_t zn, outn;
    g99_error err;
    z = read_all("golden/png/zlib/runs.l9.zlib", &zn);  /* 53048 bytes, mostly long runs */
    if (!z) return;
    CHECK_EQ_INT(G99_ELIMIT, img_zlib_decode(z, zn, 53047, &out, &outn, &err));
    CHECK_CONTAINS("output larger than the limit of 53047 bytes", err.msg);
    CHECK(out == NULL);
    CHECK_EQ_INT(0, img_zlib_decode(z, zn, 53048, &out, &outn, &err));
    CHECK_EQ_INT(53048, (long long)outn);
    free(out);
    free(z);
}

static void gzip_errors(void)
{
    uint8_t *gz, *out = NULL;
    size_t n, outn;
    g99_error err;
    gz = read_all("golden/png/zlib/text.gz", &n);
    if (!gz) return;
    gz[n - 8] ^= 1;  /* CRC-32 */
    CHECK_EQ_INT(G99_EFORMAT, img_gzip_decode(gz, n, 1 << 20, &out, &outn, &err));
    CHECK_CONTAINS("CRC-32 mismatch", err.msg);
    gz[n - 8] ^= 1;
    gz[n - 4] ^= 1;  /* ISIZE */
    CHECK_EQ_INT(G99_EFORMAT, img_gzip_decode(gz, n, 1 << 20, &out, &outn, &err));
    CHECK_CONTAINS("ISIZE 24001 does not match the 24000 bytes decoded", err.msg);
    gz[n - 4] ^= 1;
    gz[3] |= 0x80;  /* a reserved flag */
    CHECK_EQ_INT(G99_EFORMAT, img_gzip_decode(gz, n, 1 << 20, &out, &outn, &err));
    CHECK_CONTAINS("gzip offset 3: reserved flag bits set", err.msg);
    gz[3] &= 0x7F;
    CHECK_EQ_INT(G99_EFORMAT, img_gzip_decode(gz, n - 3, 1 << 20, &out, &outn, &err));
    CHECK_CONTAINS("truncated CRC-32/ISIZE trailer", err.msg);
    free(gz);
    gz = read_all("golden/png/zlib/allflags_2members.gz", &n);
    if (!gz) return;
    gz[30] ^= 1;  /* inside the header: the FHCRC no longer fits */
    CHECK_EQ_INT(G99_EFORMAT, img_gzip_decode(gz, n, 1 << 20, &out, &outn, &err));
    CHECK_CONTAINS("header CRC (FHCRC) mismatch", err.msg);
    free(gz);
}

/* Adler-32 of RFC 1950's reference definition: "Wikipedia" = 0x11E60398. */
static void adler32_known_values(void)
{
    CHECK_EQ_U32(0x11E60398u, img_adler32(1, (const uint8_t *)"Wikipedia", 9));
    CHECK_EQ_U32(1u, img_adler32(1, NULL, 0));
}

/* A deterministic byte generator for test data (an LCG: no gan99 code). */
static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 24;
}

static void roundtrip(const uint8_t *data, size_t n, const char *what, size_t max_z)
{
    uint8_t *z = NULL, *back = NULL;
    size_t zn = 0, bn = 0;
    g99_error err;
    if (!CHECK_EQ_INT(0, img_zlib_encode(data, n, &z, &zn, &err))) return;
    if (!CHECK(zn <= max_z)) fprintf(stderr, "    %s: %lu bytes compressed, more than %lu\n", what, (unsigned long)zn, (unsigned long)max_z);
    if (CHECK_EQ_INT(0, img_zlib_decode(z, zn, n, &back, &bn, &err)) && CHECK_EQ_INT((long long)n, (long long)bn))
        CHECK_EQ_MEM(data, back, n);
    free(z);
    free(back);
}

/* deflate -> inflate on random bytes, runs, text, a photo, and edge sizes;
 * random data may grow by the stored-block framing only. */
static void deflate_roundtrip_varied(void)
{
    size_t n = 300000, i, tn, pn;
    uint8_t *buf = (uint8_t *)malloc(n), *text, *photo;
    uint32_t s = 7;
    if (!CHECK(buf != NULL)) return;
    for (i = 0; i < n; i++) buf[i] = (uint8_t)lcg(&s);
    roundtrip(buf, n, "random", n + n / 16384 * 5 + 5 * (n / 65535 + 1) + 16);
    roundtrip(buf, 0, "empty", 8);
    roundtrip(buf, 1, "one byte", 16);
    for (i = 0; i < n; i++) buf[i] = (uint8_t)(i < 100000 ? 97u : i < 200000 ? 97u + (unsigned)(i & 1) : (unsigned)(i / 1000) & 0xFFu);
    roundtrip(buf, n, "runs", 4000);
    /* Mixed: short repeats at every distance up to the full window. */
    for (i = 0; i < n; i++) buf[i] = i >= 32768 && lcg(&s) < 200 ? buf[i - 32768 + (lcg(&s) & 7)] : (uint8_t)(lcg(&s) & 15);
    roundtrip(buf, n, "window", n);
    text = read_all("golden/png/zlib/text.bin", &tn);
    photo = read_all("golden/png/photo_coffee.raw", &pn);
    if (text) roundtrip(text, tn, "text", tn);
    if (photo) roundtrip(photo, pn, "photo", pn);
    free(text);
    free(photo);
    free(buf);
}

/* Size against Python's zlib level 6 on the same bytes (its stream is in
 * the corpus): within 10% on text and on photo rows. */
static void deflate_size_near_zlib6(void)
{
    static const char *const names[] = { "text", "photo", "runs" };
    int k;
    for (k = 0; k < 3; k++) {
        char path[128];
        uint8_t *orig, *z6, *ours = NULL;
        size_t on, z6n, oursn = 0;
        g99_error err;
        sprintf(path, "golden/png/zlib/%s.bin", names[k]);
        orig = read_all(path, &on);
        sprintf(path, "golden/png/zlib/%s.l6.zlib", names[k]);
        z6 = read_all(path, &z6n);
        if (orig && z6 && CHECK_EQ_INT(0, img_zlib_encode(orig, on, &ours, &oursn, &err))) {
            if (!CHECK(oursn * 10 <= z6n * 11))
                fprintf(stderr, "    %s: %lu bytes, zlib -6 %lu\n", names[k], (unsigned long)oursn, (unsigned long)z6n);
        }
        free(orig);
        free(z6);
        free(ours);
    }
}

/* PNG encode -> decode gives the same pixels for every non-palette golden
 * (8 and 16 bits, 1..4 channels), and saving is atomic and readable. */
static void png_encode_roundtrip(void)
{
    golden_entry e[80];
    int n = read_manifest(e, 80), i, tested = 0;
    for (i = 0; i < n; i++) {
        img_image a, b;
        g99_error err;
        uint8_t *png = NULL;
        size_t pn = 0;
        if (strncmp(e[i].name, "pal", 3) == 0 || strcmp(e[i].flags, "-") != 0) continue;
        if (!CHECK_EQ_INT(0, img_png_load(e[i].file, NULL, &a, &err))) continue;
        if (CHECK_EQ_INT(0, img_png_encode(&a, &png, &pn, &err)) &&
            CHECK_EQ_INT(0, img_png_decode(png, pn, NULL, &b, &err))) {
            CHECK_EQ_INT(a.channels, b.channels);
            CHECK_EQ_INT(a.depth, b.depth);
            if (a.channels == b.channels && a.depth == b.depth) CHECK_EQ_MEM(a.data, b.data, img_row_bytes(&a) * (size_t)a.height);
            img_free(&b);
            tested++;
        }
        free(png);
        img_free(&a);
    }
    CHECK(tested >= 30);
}

static void png_save_and_load(void)
{
    img_image a, b;
    g99_error err;
    const char *path = test_tmp_path("saved.png");
    if (!CHECK_EQ_INT(0, img_png_load("golden/png/photo_coffee.png", NULL, &a, &err))) return;
    CHECK_EQ_INT(0, img_png_save(path, &a, &err));
    if (CHECK_EQ_INT(0, img_png_load(path, NULL, &b, &err))) {
        CHECK_EQ_MEM(a.data, b.data, img_row_bytes(&a) * (size_t)a.height);
        img_free(&b);
    }
    CHECK_EQ_INT(G99_EIO, img_png_save("no-such-dir/x.png", &a, &err));
    img_free(&a);
}

const test_case png_tests[] = {
    TEST(png_decode_matches_pil),
    TEST(png_decode_16bit_to_8bit),
    TEST(png_trns_key_ignored_by_default),
    TEST(png_pixel_budget_checked_before_decoding),
    TEST(png_corrupt_corpus),
    TEST(zlib_corpus_matches_original),
    TEST(inflate_output_limit),
    TEST(gzip_errors),
    TEST(adler32_known_values),
    TEST(deflate_roundtrip_varied),
    TEST(deflate_size_near_zlib6),
    TEST(png_encode_roundtrip),
    TEST(png_save_and_load),
    TEST_END
};
