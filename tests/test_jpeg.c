/* image/jpeg_*.c: every golden JPEG decodes to PIL's pixels (golden/jpeg,
 * made by golden/tools/jpeg_golden.py), every broken file of
 * tests/corpus/jpeg gives its expected error, and hand-derived checks of the
 * IDCT range limit, the colour conversion and the EXIF reader. */
#include "test.h"
#include "../image/image.h"
#include "../image/jpeg_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads a binary PGM/PPM as PIL writes it ("P5|P6\n<w> <h>\n255\n" + samples). */
static int read_pnm(const char *path, img_image *img)
{
    uint8_t *buf;
    size_t len, pos = 2;
    int field[3], i, ch;
    g99_error err;

    img->data = NULL;
    if (g99_read_file(path, (size_t)1 << 26, &buf, &len, &err)) return -1;
    if (len < 2 || buf[0] != 'P' || (buf[1] != '5' && buf[1] != '6')) goto bad;
    ch = buf[1] == '5' ? 1 : 3;
    for (i = 0; i < 3; i++) {
        field[i] = 0;
        while (pos < len && (buf[pos] == ' ' || buf[pos] == '\n')) pos++;
        while (pos < len && buf[pos] >= '0' && buf[pos] <= '9') field[i] = field[i] * 10 + (buf[pos++] - '0');
    }
    pos++;
    if (field[2] != 255 || pos + (size_t)field[0] * (size_t)field[1] * (size_t)ch != len) goto bad;
    img->width = field[0];
    img->height = field[1];
    img->channels = ch;
    img->depth = 8;
    img->data = (uint8_t *)malloc(len - pos);
    if (!img->data) goto bad;
    memcpy(img->data, buf + pos, len - pos);
    free(buf);
    return 0;
bad:
    free(buf);
    return -1;
}

static void golden_path(char *out, size_t n, const char *name)
{
    snprintf(out, n, "golden/jpeg/%s", name);
}

/* Every file of golden/jpeg/MANIFEST decodes to exactly PIL's pixels. */
static void jpeg_goldens_equal_pil(void)
{
    FILE *fp = fopen("golden/jpeg/MANIFEST", "r");
    char line[256], jpg[128], ref[128], path[300];
    int files = 0;

    if (!CHECK(fp != NULL)) return;
    while (fgets(line, sizeof line, fp)) {
        img_image got, want;
        g99_error err;
        size_t i, n, differ = 0;
        int maxdiff = 0, rc;
        if (line[0] == '#' || sscanf(line, "%127s %127s", jpg, ref) != 2) continue;
        golden_path(path, sizeof path, jpg);
        rc = img_jpeg_load(path, NULL, &got, &err);
        if (!CHECK_EQ_INT(0, rc)) {
            fprintf(stderr, "    %s: %s\n", jpg, err.msg);
            continue;
        }
        golden_path(path, sizeof path, ref);
        if (!CHECK_EQ_INT(0, read_pnm(path, &want))) {
            img_free(&got);
            continue;
        }
        files++;
        if (CHECK_EQ_INT(want.width, got.width) && CHECK_EQ_INT(want.height, got.height) &&
            CHECK_EQ_INT(want.channels, got.channels)) {
            n = (size_t)want.width * (size_t)want.height * (size_t)want.channels;
            for (i = 0; i < n; i++) {
                int dv = abs((int)got.data[i] - (int)want.data[i]);
                if (dv) differ++;
                if (dv > maxdiff) maxdiff = dv;
            }
            /* Bit-identical to libjpeg-turbo as PIL gives it: no bound needed. */
            if (!CHECK_EQ_INT(0, (long long)differ))
                fprintf(stderr, "    %s: %lu of %lu samples differ, max |diff| %d\n", jpg, (unsigned long)differ,
                        (unsigned long)n, maxdiff);
        }
        img_free(&got);
        img_free(&want);
    }
    fclose(fp);
    CHECK_EQ_INT(52, files);
}

/* Each broken file: the status and a piece of the message naming the fault. */
static void jpeg_corrupt_corpus_errors(void)
{
    static const struct {
        const char *name;
        int code;
        const char *substring;
    } cases[] = {
        { "not_jpeg", G99_EFORMAT, "offset 0: not a JPEG file (no SOI marker)" },
        { "trunc_in_sof", G99_EFORMAT, "segment length 17 exceeds the" },
        { "trunc_in_dht", G99_EFORMAT, "exceeds the" },
        { "trunc_scan_10pct", G99_EFORMAT, "entropy-coded data truncated" },
        { "trunc_scan_50pct", G99_EFORMAT, "entropy-coded data truncated" },
        { "trunc_scan_90pct", G99_EFORMAT, "entropy-coded data truncated" },
        { "trunc_scan_50pct_eoi", G99_EFORMAT, "entropy-coded data truncated" },
        { "trunc_no_eoi", G99_EFORMAT, "data ends before the EOI marker" },
        { "trunc_prog_first_scan", G99_EFORMAT, "scan 1: entropy-coded data truncated" },
        { "trunc_prog_late_scan", G99_EFORMAT, "truncated" },
        { "sof_12bit", G99_EUNSUPPORTED, "12-bit precision is unsupported" },
        { "sof_precision_9", G99_EFORMAT, "SOF: invalid precision 9" },
        { "sof_arithmetic", G99_EUNSUPPORTED, "SOF9: arithmetic coding is unsupported" },
        { "sof_lossless", G99_EUNSUPPORTED, "SOF3: lossless JPEG is unsupported" },
        { "sof_hierarchical", G99_EUNSUPPORTED, "SOF5: hierarchical JPEG is unsupported" },
        { "sof_zero_width", G99_EFORMAT, "SOF: zero width" },
        { "sof_zero_height", G99_EUNSUPPORTED, "SOF: zero height" },
        { "sof_65535x65535", G99_ELIMIT, "65535x65535 exceeds libjpeg's maximum of 65500" },
        { "sof_over_budget", G99_ELIMIT, "image size 65500x65500 exceeds the budget of 268435456 pixels" },
        { "sof_sampling_0", G99_EFORMAT, "bad sampling factors 0x0" },
        { "sof_sampling_5", G99_EFORMAT, "bad sampling factors 5x2" },
        { "sof_sampling_fractional", G99_EUNSUPPORTED, "fractional sampling ratio" },
        { "sof_4_components", G99_EUNSUPPORTED, "4 components (CMYK/YCCK) are unsupported" },
        { "sof_2_components", G99_EUNSUPPORTED, "2 components" },
        { "sof_duplicate_id", G99_EFORMAT, "duplicate component id" },
        { "sof_bad_tq", G99_EFORMAT, "bad quantization table id 7" },
        { "sof_missing_dqt", G99_EFORMAT, "quantization table 3 (component 1) is missing" },
        { "sof_twice", G99_EFORMAT, "second SOF marker" },
        { "dqt_bad_precision", G99_EFORMAT, "DQT: bad precision Pq=2" },
        { "dqt_bad_id", G99_EFORMAT, "DQT: bad table id 5" },
        { "dqt_short", G99_EFORMAT, "DQT: table 0 needs 65 bytes, segment has 38" },
        { "dht_bad_class", G99_EFORMAT, "DHT: bad table class 2" },
        { "dht_over_256", G99_EFORMAT, "symbols (more than 256)" },
        { "dht_overfull", G99_EFORMAT, "bad Huffman table: 3 codes of length 1 do not fit" },
        { "dht_dc_symbol_16", G99_EFORMAT, "DHT: DC symbol 16 > 15" },
        { "dht_length_exceeds_file", G99_EFORMAT, "segment length 65520 exceeds the" },
        { "sos_unknown_component", G99_EFORMAT, "SOS: component id 9 is not in the frame" },
        { "sos_missing_huffman", G99_EFORMAT, "SOS: DC Huffman table 3 is missing" },
        { "sos_zero_components", G99_EFORMAT, "SOS: bad component count 0" },
        { "prog_bad_spectral", G99_EFORMAT, "invalid progressive parameters Ss=0 Se=5" },
        { "prog_bad_al", G99_EFORMAT, "invalid progressive parameters" },
        { "corrupt_huffman", G99_EFORMAT, "corrupt Huffman code" },
        { "bad_marker", G99_EUNSUPPORTED, "unsupported marker 0xFFF5" },
        { "junk_before_marker", G99_EFORMAT, "expected a marker, found byte 0x00" },
        { "second_soi", G99_EFORMAT, "second SOI marker" },
        { "sos_before_sof", G99_EFORMAT, "SOS before any SOF" },
        { "restart_wrong_number", G99_EFORMAT, "expected RST0 marker, found 0xFFD3" },
        { "restart_missing", G99_EFORMAT, "expected RST0 marker" },
        { "dnl_marker", G99_EUNSUPPORTED, "DNL marker is unsupported" },
        { "cj_arithmetic", G99_EUNSUPPORTED, "SOF9: arithmetic coding is unsupported" },
        { "cj_arithmetic_prog", G99_EUNSUPPORTED, "SOF10: arithmetic coding is unsupported" },
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[200];
        img_image img;
        g99_error err;
        int rc;
        snprintf(path, sizeof path, "tests/corpus/jpeg/%s.jpg", cases[i].name);
        g99_error_clear(&err);
        rc = img_jpeg_load(path, NULL, &img, &err);
        if (!CHECK_EQ_INT(cases[i].code, rc)) fprintf(stderr, "    %s: %s\n", cases[i].name, err.msg);
        CHECK_CONTAINS(cases[i].substring, err.msg);
        /* The message starts with the file's path. */
        CHECK(strncmp(err.msg, path, strlen(path)) == 0);
        CHECK(img.data == NULL);
    }
}

/* The pixel budget refuses one pixel too many and admits the exact size. */
static void jpeg_pixel_budget(void)
{
    img_limits lim;
    img_image img;
    g99_error err;
    lim.max_pixels = 160 * 160 - 1;
    CHECK_EQ_INT(G99_ELIMIT, img_jpeg_load("golden/jpeg/astro_q75_420.jpg", &lim, &img, &err));
    CHECK_CONTAINS("exceeds the budget of 25599 pixels", err.msg);
    lim.max_pixels = 160 * 160;
    CHECK_EQ_INT(0, img_jpeg_load("golden/jpeg/astro_q75_420.jpg", &lim, &img, &err));
    CHECK_EQ_INT(160, img.width);
    img_free(&img);
}

static void jpeg_load_missing_file(void)
{
    img_image img;
    g99_error err;
    CHECK_EQ_INT(G99_EIO, img_jpeg_load("tests/corpus/jpeg/no-such-file.jpg", NULL, &img, &err));
    CHECK_CONTAINS("no-such-file.jpg", err.msg);
    CHECK_EQ_INT(G99_EFORMAT, img_jpeg_decode((const uint8_t *)"", 0, NULL, &img, &err));
}

/* Hand-derived from libjpeg's jidctint.c: a DC-only block gives
 * DESCALE(DESCALE... ) = (4 * dc + 16) >> 5 plus 128, and the range limit
 * takes that value modulo 1024 into -512..511 before clamping. */
static void jpeg_idct_dc_and_range_limit(void)
{
    int16_t coef[64];
    uint16_t q[64];
    uint8_t out[64], limit[JPEG__LIMIT_SIZE];
    int i;
    jpeg__range_limit_init(limit);
    for (i = 0; i < 64; i++) q[i] = 1;
    memset(coef, 0, sizeof coef);
    coef[0] = 8; /* (32 + 16) >> 5 = 1 */
    jpeg__idct_islow(coef, q, out, 8, limit);
    CHECK_EQ_INT(129, out[0]);
    CHECK_EQ_INT(129, out[63]);
    coef[0] = -1100; /* (-4400 + 16) >> 5 = -137 -> clamped to 0 */
    jpeg__idct_islow(coef, q, out, 8, limit);
    CHECK_EQ_INT(0, out[9]);
    coef[0] = 4096; /* (16384 + 16) >> 5 = 512 wraps to -512 -> 0, not 255 */
    jpeg__idct_islow(coef, q, out, 8, limit);
    CHECK_EQ_INT(0, out[0]);
    coef[0] = 4000; /* 500 -> 255 */
    jpeg__idct_islow(coef, q, out, 8, limit);
    CHECK_EQ_INT(255, out[0]);
    /* One AC term, F(0,1) = 100: the column pass gives 400 in column 1 of
     * every row; the row pass's odd part then gives tmp3 = 400 * (12299 -
     * 7373 - 3196 + 9633) = 4545200, so sample 0 is 128 + ((4545200 +
     * 2^17) >> 18) = 145 and sample 7 is 128 + ((-4545200 + 2^17) >> 18) =
     * 111 (the exact IDCT: 128 +- 100 / (4 sqrt 2) * cos(pi/16) = 128 +- 17.3). */
    memset(coef, 0, sizeof coef);
    coef[1] = 100;
    jpeg__idct_islow(coef, q, out, 8, limit);
    CHECK_EQ_INT(145, out[0]);
    CHECK_EQ_INT(111, out[7]);
    /* Corrupt-data sizes take the 64-bit path: DC 32767 * quant 64605 =
     * 2116916535, (4 * that + 16) >> 5 = 264614004, which is 116 modulo
     * 1024, so the sample is 116 + 128 = 244 (libjpeg's wrap, no overflow). */
    memset(coef, 0, sizeof coef);
    coef[0] = 32767;
    q[0] = 64605;
    jpeg__idct_islow(coef, q, out, 8, limit);
    CHECK_EQ_INT(244, out[0]);
    CHECK_EQ_INT(244, out[63]);
}

/* Hand-derived from jdcolor.c's fixed-point formulas. */
static void jpeg_ycc_to_rgb_fixed_point(void)
{
    const uint8_t y[3] = { 128, 100, 0 }, cb[3] = { 128, 150, 0 }, cr[3] = { 128, 90, 255 };
    uint8_t rgb[9], limit[JPEG__LIMIT_SIZE];
    jpeg__ycc_tables tables;
    jpeg__range_limit_init(limit);
    jpeg__ycc_tables_init(&tables);
    jpeg__ycc_to_rgb(y, cb, cr, rgb, 3, &tables, limit);
    CHECK_EQ_INT(128, rgb[0]);
    CHECK_EQ_INT(128, rgb[1]);
    CHECK_EQ_INT(128, rgb[2]);
    /* R = 100 + ((91881 * -38 + 32768) >> 16) = 100 - 53 */
    CHECK_EQ_INT(47, rgb[3]);
    /* G = 100 + ((-22554 * 22 - 46802 * -38 + 32768) >> 16) = 100 + 20 */
    CHECK_EQ_INT(120, rgb[4]);
    /* B = 100 + ((116130 * 22 + 32768) >> 16) = 100 + 39 */
    CHECK_EQ_INT(139, rgb[5]);
    /* R = (91881 * 127 + 32768) >> 16 = 178; G and B clamp at 0 */
    CHECK_EQ_INT(178, rgb[6]);
    CHECK_EQ_INT(0, rgb[7]);
    CHECK_EQ_INT(0, rgb[8]);
}

static void jpeg_exif_orientation_reader(void)
{
    /* II, IFD0 at 8, one entry: Orientation SHORT 1 = 6. */
    static const uint8_t le[] = { 'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0 };
    static const uint8_t be[] = { 'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 8, 0, 0, 0, 0, 0, 0 };
    /* LONG instead of SHORT: 3 */
    static const uint8_t lng[] = { 'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 4, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 0 };
    uint8_t bad[sizeof le];
    CHECK_EQ_INT(6, jpeg__exif_orientation(le, sizeof le));
    CHECK_EQ_INT(8, jpeg__exif_orientation(be, sizeof be));
    CHECK_EQ_INT(3, jpeg__exif_orientation(lng, sizeof lng));
    /* Truncated entry, IFD offset out of range, bad magic, value 9, count 2: all mean 1. */
    CHECK_EQ_INT(1, jpeg__exif_orientation(le, 20));
    memcpy(bad, le, sizeof le);
    bad[4] = 200;
    CHECK_EQ_INT(1, jpeg__exif_orientation(bad, sizeof bad));
    memcpy(bad, le, sizeof le);
    bad[2] = 43;
    CHECK_EQ_INT(1, jpeg__exif_orientation(bad, sizeof bad));
    memcpy(bad, le, sizeof le);
    bad[18] = 9;
    CHECK_EQ_INT(1, jpeg__exif_orientation(bad, sizeof bad));
    memcpy(bad, le, sizeof le);
    bad[14] = 2;
    CHECK_EQ_INT(1, jpeg__exif_orientation(bad, sizeof bad));
}

/* A deterministic mini-fuzz: every single-byte change (to 0x00, 0xFF or the
 * byte + 0x35) of a small progressive file either decodes or fails with a
 * status and a message; nothing crashes (run under SANITIZE=1 too). */
static void jpeg_mutations_never_crash(void)
{
    static const uint8_t repl[3] = { 0x00, 0xFF, 0x35 };
    uint8_t *data, *mut;
    size_t len, i;
    int k, ok = 0, failed = 0, bad_status = 0;
    g99_error err;
    if (!CHECK_EQ_INT(0, g99_read_file("golden/jpeg/odd_17x31_420_prog.jpg", 1 << 20, &data, &len, &err))) return;
    mut = (uint8_t *)malloc(len);
    if (!CHECK(mut != NULL)) {
        free(data);
        return;
    }
    for (i = 0; i < len; i++) {
        for (k = 0; k < 3; k++) {
            img_image img;
            int rc;
            memcpy(mut, data, len);
            mut[i] = k == 2 ? (uint8_t)(data[i] + repl[k]) : repl[k];
            rc = img_jpeg_decode(mut, len, NULL, &img, &err);
            if (rc == 0) {
                ok++;
                img_free(&img);
            } else {
                failed++;
                if (rc != G99_EFORMAT && rc != G99_EUNSUPPORTED && rc != G99_ELIMIT) bad_status++;
                if (err.msg[0] == '\0') bad_status++;
            }
        }
    }
    CHECK_EQ_INT(0, bad_status);
    CHECK(ok > 0);
    CHECK(failed > 0);
    free(mut);
    free(data);
}

const test_case jpeg_tests[] = {
    TEST(jpeg_goldens_equal_pil),
    TEST(jpeg_corrupt_corpus_errors),
    TEST(jpeg_pixel_budget),
    TEST(jpeg_load_missing_file),
    TEST(jpeg_idct_dc_and_range_limit),
    TEST(jpeg_ycc_to_rgb_fixed_point),
    TEST(jpeg_exif_orientation_reader),
    TEST(jpeg_mutations_never_crash),
    TEST_END
};
