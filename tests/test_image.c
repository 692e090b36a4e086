/* image/: PGM/PPM reading and writing (image/ppm.c), and reading and
 * writing any format by content and by name (image/load.c).
 *
 * References: golden/ppm/ (plain and raw files at maxvals 1..65535 with
 * comments in the header, and PIL's decoded pixels, from
 * golden/tools/png_golden.py), tests/corpus/ppm/ (broken files with the
 * expected error, from golden/tools/png_corrupt.py), PIL's pixels of PNG and
 * JPEG goldens (golden/png/ raw dumps, golden/jpeg/ PPMs) and OpenCV's Canny
 * (golden/imgops/, from golden/tools/imgops_golden.py). */
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

/* ---- img_load / img_save (image/load.c) ---------------------------------- */

/* Magic bytes from the format specs, and names by extension. */
static void load_format_detect(void)
{
    static const uint8_t png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n' };
    static const uint8_t jpeg[] = { 0xFF, 0xD8, 0xFF, 0xE0 };
    CHECK_EQ_INT(IMG_FORMAT_PNG, img_format_detect(png, sizeof png));
    CHECK_EQ_INT(IMG_FORMAT_UNKNOWN, img_format_detect(png, 7));  /* signature cut short */
    CHECK_EQ_INT(IMG_FORMAT_JPEG, img_format_detect(jpeg, sizeof jpeg));
    CHECK_EQ_INT(IMG_FORMAT_UNKNOWN, img_format_detect(jpeg, 2));
    CHECK_EQ_INT(IMG_FORMAT_PNM, img_format_detect((const uint8_t *)"P5\n", 3));
    CHECK_EQ_INT(IMG_FORMAT_PNM, img_format_detect((const uint8_t *)"P2", 2));
    CHECK_EQ_INT(IMG_FORMAT_UNKNOWN, img_format_detect((const uint8_t *)"P4\n", 3));  /* PBM: not read */
    CHECK_EQ_INT(IMG_FORMAT_UNKNOWN, img_format_detect((const uint8_t *)"P7\n", 3));  /* PAM: not read */
    CHECK_EQ_INT(IMG_FORMAT_GIF, img_format_detect((const uint8_t *)"GIF89a", 6));
    CHECK_EQ_INT(IMG_FORMAT_GIF, img_format_detect((const uint8_t *)"GIF87a", 6));
    CHECK_EQ_INT(IMG_FORMAT_UNKNOWN, img_format_detect((const uint8_t *)"", 0));
    CHECK_EQ_INT(IMG_FORMAT_UNKNOWN, img_format_detect((const uint8_t *)"BM", 2));
    CHECK_EQ_INT(IMG_FORMAT_PNG, img_format_from_path("out.png"));
    CHECK_EQ_INT(IMG_FORMAT_PNG, img_format_from_path("dir.d/OUT.PNG"));
    CHECK_EQ_INT(IMG_FORMAT_PNM, img_format_from_path("a.ppm"));
    CHECK_EQ_INT(IMG_FORMAT_PNM, img_format_from_path("a.Pgm"));
    CHECK_EQ_INT(IMG_FORMAT_PNM, img_format_from_path("a.pnm"));
    CHECK_EQ_INT(IMG_FORMAT_GIF, img_format_from_path("a.gif"));
    CHECK_EQ_INT(IMG_FORMAT_JPEG, img_format_from_path("a.JPEG"));
    CHECK_EQ_INT(IMG_FORMAT_UNKNOWN, img_format_from_path("png"));
    CHECK_EQ_INT(IMG_FORMAT_UNKNOWN, img_format_from_path("dir.png/out"));
    CHECK_EQ_INT(IMG_FORMAT_UNKNOWN, img_format_from_path("a.pngx"));
    CHECK_EQ_INT(IMG_FORMAT_UNKNOWN, img_format_from_path("a.tiff"));
    CHECK_EQ_STR("JPEG", img_format_name(IMG_FORMAT_JPEG));
}

/* PIL's pixels as an 8-bit image: from a netpbm reference (golden/jpeg) or a
 * raw dump of known size (golden/png). */
static int reference_equal(const img_image *got, const char *ref_path, int w, int h, int ch)
{
    img_image ref;
    g99_error err;
    uint8_t *raw = NULL;
    size_t n = (size_t)w * (size_t)h * (size_t)ch, len = 0;
    int ok;
    if (!CHECK_EQ_INT(w, got->width) || !CHECK_EQ_INT(h, got->height) || !CHECK_EQ_INT(ch, got->channels) ||
        !CHECK_EQ_INT(8, got->depth))
        return 0;
    if (strstr(ref_path, ".raw")) {
        if (!CHECK_EQ_INT(0, g99_read_file(ref_path, 1 << 24, &raw, &len, &err))) return 0;
        ok = CHECK_EQ_INT((long long)n, (long long)len) && CHECK_EQ_MEM(raw, got->data, n);
        free(raw);
        return ok;
    }
    if (!CHECK_EQ_INT(0, img_ppm_load(ref_path, NULL, &ref, &err))) return 0;
    ok = CHECK_EQ_INT(ch, ref.channels) && CHECK_EQ_MEM(ref.data, got->data, n);
    img_free(&ref);
    return ok;
}

/* img_load picks the decoder from the bytes: PNG, JPEG (EXIF-rotated) and
 * PPM goldens give PIL's pixels, and a PNG named .jpg still reads as PNG. */
static void load_by_content_matches_pil(void)
{
    img_image img;
    g99_error err;
    uint8_t *data = NULL;
    size_t len = 0;
    const char *misnamed = test_tmp_path("really_a_png.jpg");
    if (CHECK_EQ_INT(0, img_load("golden/png/photo_coffee.png", NULL, &img, &err))) {
        reference_equal(&img, "golden/png/photo_coffee.raw", 240, 160, 3);
        img_free(&img);
    }
    if (CHECK_EQ_INT(0, img_load("golden/jpeg/chelsea_q75_422_prog.jpg", NULL, &img, &err))) {
        img_image ref;
        /* Sizes from the reference itself (a different decoder: ppm.c). */
        if (CHECK_EQ_INT(0, img_ppm_load("golden/jpeg/chelsea_q75_422_prog.ppm", NULL, &ref, &err))) {
            reference_equal(&img, "golden/jpeg/chelsea_q75_422_prog.ppm", ref.width, ref.height, 3);
            img_free(&ref);
        }
        img_free(&img);
    }
    if (CHECK_EQ_INT(0, img_load("golden/jpeg/exif_le_6.jpg", NULL, &img, &err))) {
        img_image ref;
        if (CHECK_EQ_INT(0, img_ppm_load("golden/jpeg/exif_le_6.ppm", NULL, &ref, &err))) {
            reference_equal(&img, "golden/jpeg/exif_le_6.ppm", ref.width, ref.height, 3);
            img_free(&ref);
        }
        img_free(&img);
    }
    if (CHECK_EQ_INT(0, img_load("golden/jpeg/camera_q75.jpg", NULL, &img, &err))) {
        CHECK_EQ_INT(1, img.channels);
        img_free(&img);
    }
    if (CHECK_EQ_INT(0, img_load("golden/ppm/P6_max255.ppm", NULL, &img, &err))) {
        CHECK_EQ_INT(3, img.channels);
        img_free(&img);
    }
    if (!CHECK_EQ_INT(0, g99_read_file("golden/png/photo_coffee.png", 1 << 24, &data, &len, &err))) return;
    CHECK_EQ_INT(IMG_FORMAT_PNG, img_format_detect(data, len));
    CHECK_EQ_INT(0, g99_write_file_atomic(misnamed, data, len, &err));
    free(data);
    if (CHECK_EQ_INT(0, img_load(misnamed, NULL, &img, &err))) {
        reference_equal(&img, "golden/png/photo_coffee.raw", 240, 160, 3);
        img_free(&img);
    }
}

/* Unknown or unreadable content: an error naming the file, no image. */
static void load_unknown_format_names_file(void)
{
    img_image img;
    g99_error err;
    const char *path = test_tmp_path("not_an_image.png");
    img_limits small;
    CHECK_EQ_INT(0, g99_write_file_atomic(path, "BM\x00\x01 a bitmap, not a PNG", 24, &err));
    CHECK_EQ_INT(G99_EUNSUPPORTED, img_load(path, NULL, &img, &err));
    CHECK_CONTAINS(path, err.msg);
    CHECK_CONTAINS("not a PNG, JPEG, PGM or PPM", err.msg);
    CHECK(img.data == NULL);
    CHECK_EQ_INT(G99_EUNSUPPORTED, img_load("golden/imgops/pil_anim.gif", NULL, &img, &err));
    CHECK_CONTAINS("golden/imgops/pil_anim.gif", err.msg);
    CHECK_CONTAINS("GIF", err.msg);
    CHECK(img.data == NULL);
    path = test_tmp_path("empty.ppm");
    CHECK_EQ_INT(0, g99_write_file_atomic(path, "", 0, &err));
    CHECK_EQ_INT(G99_EUNSUPPORTED, img_load(path, NULL, &img, &err));
    CHECK_CONTAINS(path, err.msg);
    CHECK_EQ_INT(G99_EIO, img_load(test_tmp_path("no_such_file.png"), NULL, &img, &err));
    CHECK_CONTAINS("no_such_file.png", err.msg);
    CHECK(img.data == NULL);
    /* A decoder's own error keeps its reason behind the path. */
    CHECK_EQ_INT(G99_EFORMAT, img_load("tests/corpus/jpeg/trunc_in_sof.jpg", NULL, &img, &err));
    CHECK_CONTAINS("tests/corpus/jpeg/trunc_in_sof.jpg: ", err.msg);
    CHECK(img.data == NULL);
    /* The limits reach the decoder: 240x160 is over a budget of 1000 pixels. */
    small.max_pixels = 1000;
    CHECK_EQ_INT(G99_ELIMIT, img_load("golden/png/photo_coffee.png", &small, &img, &err));
    CHECK(img.data == NULL);
}

/* img_save by extension: the written bytes start as each format's spec says
 * and read back to the same pixels; a GIF still has no loop extension. */
static void save_by_extension(void)
{
    static const uint8_t ppm_head[] = "P6\n5 3\n255\n";
    static const uint8_t pgm_head[] = "P5\n5 3\n255\n";
    img_image a, grey, b;
    g99_error err;
    uint8_t *data = NULL;
    size_t len = 0, i;
    const char *path;
    if (!CHECK_EQ_INT(0, img_new(&a, 5, 3, 3, 8, &err))) return;
    for (i = 0; i < 45; i++) a.data[i] = (uint8_t)(i * 53 + 7);
    if (!CHECK_EQ_INT(0, img_new(&grey, 5, 3, 1, 8, &err))) return;
    for (i = 0; i < 15; i++) grey.data[i] = (uint8_t)(i * 17);

    path = test_tmp_path("save.PNG");
    if (CHECK_EQ_INT(0, img_save(path, &a, &err)) && CHECK_EQ_INT(0, img_load(path, NULL, &b, &err))) {
        if (CHECK_EQ_INT(3, b.channels)) CHECK_EQ_MEM(a.data, b.data, 45);
        img_free(&b);
    }
    path = test_tmp_path("save.pnm");
    if (CHECK_EQ_INT(0, img_save(path, &a, &err)) &&
        CHECK_EQ_INT(0, g99_read_file(path, 1 << 20, &data, &len, &err))) {
        if (CHECK_EQ_INT(11 + 45, (long long)len)) {
            CHECK_EQ_MEM(ppm_head, data, 11);
            CHECK_EQ_MEM(a.data, data + 11, 45);
        }
        free(data);
    }
    path = test_tmp_path("save.pgm");
    if (CHECK_EQ_INT(0, img_save(path, &grey, &err)) &&
        CHECK_EQ_INT(0, g99_read_file(path, 1 << 20, &data, &len, &err))) {
        if (CHECK_EQ_INT(11 + 15, (long long)len)) CHECK_EQ_MEM(pgm_head, data, 11);
        free(data);
    }
    /* GIF89a §17-§18: signature, then the logical screen width and height as
     * little-endian 16-bit numbers; the trailer 0x3B ends the file. */
    path = test_tmp_path("save.gif");
    if (CHECK_EQ_INT(0, img_save(path, &a, &err)) &&
        CHECK_EQ_INT(0, g99_read_file(path, 1 << 20, &data, &len, &err))) {
        if (CHECK(len > 13)) {
            CHECK_EQ_MEM("GIF89a\x05\x00\x03\x00", data, 10);
            CHECK_EQ_INT(0x3B, data[len - 1]);
            for (i = 0; i + 11 <= len; i++)
                if (memcmp(data + i, "NETSCAPE2.0", 11) == 0) break;
            CHECK(i + 11 > len);
        }
        free(data);
    }
    path = test_tmp_path("save.jpg");
    CHECK_EQ_INT(G99_EUNSUPPORTED, img_save(path, &a, &err));
    CHECK_CONTAINS(path, err.msg);
    path = test_tmp_path("save.bmp");
    CHECK_EQ_INT(G99_EUNSUPPORTED, img_save(path, &a, &err));
    CHECK_CONTAINS(path, err.msg);
    CHECK_EQ_INT(G99_EIO, img_load(path, NULL, &b, &err));  /* nothing was written */
    img_free(&grey);
    img_free(&a);
}

/* What `gan99 filter canny IN OUT.png` and `gan99 convert IN.jpg OUT.png` do,
 * through the library calls they make: the results read back equal to
 * OpenCV's Canny and to PIL's JPEG decode. */
static void cli_filter_and_convert_pipeline(void)
{
    img_image in, out, back;
    img_filter_params p;
    g99_error err;
    const char *path = test_tmp_path("canny_astro.png");
    img_filter_params_default(&p);
    if (!CHECK_EQ_INT(0, img_load("golden/imgops/in_astro.ppm", NULL, &in, &err))) return;
    if (CHECK_EQ_INT(0, img_filter("canny", &in, &p, &out, &err))) {
        CHECK_EQ_INT(0, img_save(path, &out, &err));
        if (CHECK_EQ_INT(0, img_load(path, NULL, &back, &err))) {
            img_image ref;
            if (CHECK_EQ_INT(0, img_load("golden/imgops/canny_astro_100_200_l1.pgm", NULL, &ref, &err))) {
                reference_equal(&back, "golden/imgops/canny_astro_100_200_l1.pgm", ref.width, ref.height, 1);
                img_free(&ref);
            }
            img_free(&back);
        }
        img_free(&out);
    }
    img_free(&in);
    path = test_tmp_path("astro_q95_422.png");
    if (!CHECK_EQ_INT(0, img_load("golden/jpeg/astro_q95_422.jpg", NULL, &in, &err))) return;
    CHECK_EQ_INT(0, img_save(path, &in, &err));
    if (CHECK_EQ_INT(0, img_load(path, NULL, &back, &err))) {
        reference_equal(&back, "golden/jpeg/astro_q95_422.ppm", in.width, in.height, 3);
        img_free(&back);
    }
    img_free(&in);
}

const test_case image_tests[] = {
    TEST(ppm_decode_matches_pil),
    TEST(ppm_rescale_half_to_even),
    TEST(ppm_raw_sample_over_maxval_clamps),
    TEST(ppm_encode_exact_bytes),
    TEST(ppm_save_load_roundtrip),
    TEST(ppm_corrupt_corpus),
    TEST(load_format_detect),
    TEST(load_by_content_matches_pil),
    TEST(load_unknown_format_names_file),
    TEST(save_by_extension),
    TEST(cli_filter_and_convert_pipeline),
    TEST_END
};
