/* image/: PGM/PPM reading and writing (image/ppm.c).
 *
 * References: golden/ppm/ (plain and raw files at maxvals 1..65535 with
 * comments in the header, and PIL's decoded pixels, from
 * golden/tools/png_golden.py) and tests/corpus/ppm/ (broken files with the
 * expected error, from golden/tools/png_corrupt.py). */
#include "test.h"
#include "../image/image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every P2/P3/P5/P6 golden decodes to PIL's pixels (16-bit PPM: PIL's
 * formula with outmax 65535, see png_golden.py). */
static void ppm_decode_matches_pil(void)
{
    FILE *fp = fopen("golden/ppm/manifest.txt", "r");
    char line[256], name[64], path[128];
    int w, h, ch, depth, n = 0;
    if (!CHECK(fp != NULL)) return;
    while (fgets(line, sizeof line, fp)) {
        img_image img;
        g99_error err;
        uint8_t *ref = NULL;
        size_t ref_len = 0, i, count;
        if (line[0] == '#' || sscanf(line, "%63s %d %d %d %d", name, &w, &h, &ch, &depth) != 5) continue;
        sprintf(path, "golden/ppm/%s", name);
        if (!CHECK_EQ_INT(0, img_ppm_load(path, NULL, &img, &err))) {
            fprintf(stderr, "    %s\n", err.msg);
            continue;
        }
        CHECK_EQ_INT(w, img.width);
        CHECK_EQ_INT(h, img.height);
        CHECK_EQ_INT(ch, img.channels);
        CHECK_EQ_INT(depth, img.depth);
        strcpy(strrchr(path, '.'), ".raw");
        count = (size_t)w * (size_t)h * (size_t)ch;
        if (CHECK_EQ_INT(0, g99_read_file(path, 1 << 20, &ref, &ref_len, &err)) &&
            CHECK_EQ_INT((long long)(count * (size_t)(depth / 8)), (long long)ref_len) && img.depth == depth) {
            for (i = 0; i < count; i++) {
                unsigned want = depth == 8 ? ref[i] : (unsigned)ref[2 * i] << 8 | ref[2 * i + 1];
                unsigned got = depth == 8 ? img.data[i] : ((uint16_t *)(void *)img.data)[i];
                if (want != got) {
                    fprintf(stderr, "    %s sample %lu: expected %u got %u\n", name, (unsigned long)i, want, got);
                    CHECK_EQ_INT(want, got);
                    break;
                }
            }
        }
        free(ref);
        img_free(&img);
        n++;
    }
    fclose(fp);
    CHECK_EQ_INT(36, n);
}

/* Rescaling by hand: maxval 2 -> 0, 127.5, 255 and PIL's round-half-even
 * sends 127.5 to 128; maxval 10: 5 -> 127.5 -> 128, 3 -> 76.5 -> 76. */
static void ppm_rescale_half_to_even(void)
{
    static const uint8_t file[] = "P2 5 1 10 0 5 3 10 7";
    img_image img;
    g99_error err;
    if (!CHECK_EQ_INT(0, img_ppm_decode(file, sizeof file - 1, NULL, &img, &err))) return;
    CHECK_EQ_INT(0, img.data[0]);
    CHECK_EQ_INT(128, img.data[1]);
    CHECK_EQ_INT(76, img.data[2]);
    CHECK_EQ_INT(255, img.data[3]);
    CHECK_EQ_INT(178, img.data[4]); /* 7 / 10 * 255 = 178.5 -> 178 */
    img_free(&img);
}

/* Raw samples above maxval clamp to the top, as PIL's min(). */
static void ppm_raw_sample_over_maxval_clamps(void)
{
    static const uint8_t file[] = { 'P', '5', ' ', '2', ' ', '1', ' ', '1', '0', '0', '\n', 100, 200 };
    img_image img;
    g99_error err;
    if (!CHECK_EQ_INT(0, img_ppm_decode(file, sizeof file, NULL, &img, &err))) return;
    CHECK_EQ_INT(255, img.data[0]);
    CHECK_EQ_INT(255, img.data[1]);
    img_free(&img);
}

/* The bytes of P5/P6 files written by hand from netpbm's format pages. */
static void ppm_encode_exact_bytes(void)
{
    static const uint8_t want8[] = "P6\n2 1\n255\n\x01\x02\x03\x04\x05\x06";
    static const uint8_t want16[] = "P5\n1 2\n65535\n\x12\x34\xAB\xCD";
    img_image img;
    g99_error err;
    uint8_t *out = NULL;
    size_t n = 0;
    int i;
    if (!CHECK_EQ_INT(0, img_new(&img, 2, 1, 4, 8, &err))) return;
    for (i = 0; i < 8; i++) img.data[i] = (uint8_t)(i < 3 ? i + 1 : i == 3 ? 99 : i);  /* RGBA: alpha 99, 7 dropped */
    if (CHECK_EQ_INT(0, img_ppm_encode(&img, &out, &n, &err)) && CHECK_EQ_INT(sizeof want8 - 1, (long long)n))
        CHECK_EQ_MEM(want8, out, n);
    free(out);
    img_free(&img);
    if (!CHECK_EQ_INT(0, img_new(&img, 1, 2, 1, 16, &err))) return;
    ((uint16_t *)(void *)img.data)[0] = 0x1234;
    ((uint16_t *)(void *)img.data)[1] = 0xABCD;
    if (CHECK_EQ_INT(0, img_ppm_encode(&img, &out, &n, &err)) && CHECK_EQ_INT(sizeof want16 - 1, (long long)n))
        CHECK_EQ_MEM(want16, out, n);
    free(out);
    img_free(&img);
}

/* Write then read back, 8 and 16 bits, grey and RGB, through a file. */
static void ppm_save_load_roundtrip(void)
{
    int ch, depth;
    for (depth = 8; depth <= 16; depth += 8) {
        for (ch = 1; ch <= 3; ch += 2) {
            img_image a, b;
            g99_error err;
            size_t i, n;
            const char *path = test_tmp_path(ch == 1 ? "rt.pgm" : "rt.ppm");
            if (!CHECK_EQ_INT(0, img_new(&a, 13, 7, ch, depth, &err))) return;
            n = img_row_bytes(&a) * 7;
            for (i = 0; i < n; i++) a.data[i] = (uint8_t)(i * 37 + 11);
            CHECK_EQ_INT(0, img_ppm_save(path, &a, &err));
            if (CHECK_EQ_INT(0, img_ppm_load(path, NULL, &b, &err))) {
                CHECK_EQ_INT(depth, b.depth);
                CHECK_EQ_INT(ch, b.channels);
                if (b.depth == depth && b.channels == ch) CHECK_EQ_MEM(a.data, b.data, n);
                img_free(&b);
            }
            img_free(&a);
        }
    }
}

static void ppm_corrupt_corpus(void)
{
    FILE *fp = fopen("tests/corpus/ppm/expected.txt", "r");
    char line[512];
    int n = 0;
    if (!CHECK(fp != NULL)) return;
    while (fgets(line, sizeof line, fp)) {
        char *file = strtok(line, "|"), *code = strtok(NULL, "|"), *text = strtok(NULL, "\n"), path[300];
        img_image img;
        g99_error err;
        int rc, want;
        if (!file || !code || !text) continue;
        want = strcmp(code, "limit") == 0 ? G99_ELIMIT : G99_EFORMAT;
        sprintf(path, "tests/corpus/ppm/%.200s", file);
        rc = img_ppm_load(path, NULL, &img, &err);
        if (!CHECK_EQ_INT(want, rc)) fprintf(stderr, "    %s: %s\n", file, rc ? err.msg : "accepted");
        else CHECK_CONTAINS(text, err.msg);
        CHECK(img.data == NULL);
        n++;
    }
    fclose(fp);
    CHECK(n >= 16);
}

const test_case image_tests[] = {
    TEST(ppm_decode_matches_pil),
    TEST(ppm_rescale_half_to_even),
    TEST(ppm_raw_sample_over_maxval_clamps),
    TEST(ppm_encode_exact_bytes),
    TEST(ppm_save_load_roundtrip),
    TEST(ppm_corrupt_corpus),
    TEST_END
};
