/* The test runner: runs every suite (or those whose test names contain one of
 * the arguments, matched against "suite.test") and ends with
 * "tests: N passed, N failed".
 *
 *   build/tests/run [--list] [--tmp DIR] [--gan99 PATH] [NAME-SUBSTRING ...]
 *   (--gan99: the binary the cli suite runs; default ./gan99)
 *   build/tests/run --digest    the determinism digest (tests/digest.c)        */
#include "test.h"
#include "../base/base.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One table per test file; add a new file's table here. */
extern const test_case base_tests[];
extern const test_case math_tests[];
extern const test_case prng_tests[];
extern const test_case json_tests[];
extern const test_case safetensors_tests[];
extern const test_case image_tests[];
extern const test_case jpeg_tests[];
extern const test_case imgops_tests[];
extern const test_case gif_tests[];
extern const test_case png_tests[];
extern const test_case nn_tests[];
extern const test_case nn_ops_tests[];
extern const test_case nn_ops3_tests[];
extern const test_case dcgan_tests[];
extern const test_case autoencoder_tests[];
extern const test_case layers_tests[];
extern const test_case train_tests[];
extern const test_case family_tests[];
extern const test_case pix2pix_tests[];
extern const test_case spade_tests[];
extern const test_case cli_spade_tests[];
extern const test_case parser_tests[];
extern const test_case align_tests[];
extern const test_case kernels_tests[];
extern const test_case dataset_tests[];
extern const test_case pictures_tests[];
extern const test_case nn_harden_tests[];
extern const test_case cli_tests[];
extern const test_case cli_pix_tests[];
extern const test_case synthtoon_tests[];
extern const test_case blend_tests[];
extern const test_case toonify_tests[];
extern const test_case stylegan_tests[];
extern const test_case cli_style_tests[];
extern const test_case val_tests[];
extern const test_case export_c_tests[];
extern const test_case cascades_tests[];

static const struct suite {
    const char *name;
    const test_case *cases;
} suites[] = {
    { "base", base_tests },
    { "math", math_tests },
    { "prng", prng_tests },
    { "json", json_tests },
    { "safetensors", safetensors_tests },
    { "image", image_tests },
    { "png", png_tests },
    { "jpeg", jpeg_tests },
    { "imgops", imgops_tests },
    { "gif", gif_tests },
    { "nn", nn_tests },
    { "nn_ops", nn_ops_tests },
    { "nn_ops3", nn_ops3_tests },
    { "dcgan", dcgan_tests },
    { "autoencoder", autoencoder_tests },
    { "layers", layers_tests },
    { "train", train_tests },
    { "family", family_tests },
    { "pix2pix", pix2pix_tests },
    { "spade", spade_tests },
    { "cli_spade", cli_spade_tests },
    { "parser", parser_tests },
    { "align", align_tests },
    { "kernels", kernels_tests },
    { "dataset", dataset_tests },
    { "pictures", pictures_tests },
    { "nn_harden", nn_harden_tests },
    { "cli", cli_tests },
    { "cli_pix", cli_pix_tests },
    { "synthtoon", synthtoon_tests },
    { "blend", blend_tests },
    { "toonify", toonify_tests },
    { "stylegan", stylegan_tests },
    { "cli_style", cli_style_tests },
    { "val", val_tests },
    { "export_c", export_c_tests },
    { "cascades", cascades_tests },
};

static int current_failed;
static const char *current_name;
static const char *tmp_dir = "build/test-tmp";
static const char *gan99_path = "./gan99";
static int gan99_given;

static void report(const char *file, int line, const char *expr, const char *fmt_expected, const char *actual)
{
    if (!current_failed) fprintf(stderr, "FAIL %s\n", current_name);
    current_failed = 1;
    fprintf(stderr, "  %s:%d: %s\n    expected %s\n    actual   %s\n", file, line, expr, fmt_expected, actual);
}

int test_check(int ok, const char *file, int line, const char *expr)
{
    if (!ok) report(file, line, expr, "true", "false");
    return ok;
}

int test_check_int(long long expected, long long actual, const char *file, int line, const char *expr)
{
    char e[32], a[32];
    if (expected == actual) return 1;
    sprintf(e, "%lld", expected);
    sprintf(a, "%lld", actual);
    report(file, line, expr, e, a);
    return 0;
}

int test_check_u32(uint32_t expected, uint32_t actual, const char *file, int line, const char *expr)
{
    char e[32], a[32];
    if (expected == actual) return 1;
    sprintf(e, "0x%08lX", (unsigned long)expected);
    sprintf(a, "0x%08lX", (unsigned long)actual);
    report(file, line, expr, e, a);
    return 0;
}

int test_check_u64(uint64_t expected, uint64_t actual, const char *file, int line, const char *expr)
{
    char e[40], a[40];
    if (expected == actual) return 1;
    sprintf(e, "0x%08lX%08lX", (unsigned long)(expected >> 32), (unsigned long)(expected & 0xFFFFFFFFu));
    sprintf(a, "0x%08lX%08lX", (unsigned long)(actual >> 32), (unsigned long)(actual & 0xFFFFFFFFu));
    report(file, line, expr, e, a);
    return 0;
}

int test_check_float_bits(float expected, float actual, const char *file, int line, const char *expr)
{
    uint32_t eb, ab;
    char e[64], a[64];
    memcpy(&eb, &expected, 4);
    memcpy(&ab, &actual, 4);
    if (eb == ab) return 1;
    sprintf(e, "%.9g (0x%08lX)", (double)expected, (unsigned long)eb);
    sprintf(a, "%.9g (0x%08lX)", (double)actual, (unsigned long)ab);
    report(file, line, expr, e, a);
    return 0;
}

int test_check_near(double expected, double actual, double abs_tol, double rel_tol,
                    const char *file, int line, const char *expr)
{
    char e[96], a[64];
    double diff = fabs(actual - expected);
    /* The negated form also fails on NaN. */
    if (diff <= abs_tol + rel_tol * fabs(expected)) return 1;
    sprintf(e, "%.9g (tolerance %.3g + %.3g * |expected|)", expected, abs_tol, rel_tol);
    sprintf(a, "%.9g (off by %.3g)", actual, diff);
    report(file, line, expr, e, a);
    return 0;
}

int test_check_str(const char *expected, const char *actual, const char *file, int line, const char *expr)
{
    char e[300], a[300];
    if (expected && actual && strcmp(expected, actual) == 0) return 1;
    snprintf(e, sizeof e, "\"%s\"", expected ? expected : "(null)");
    snprintf(a, sizeof a, "\"%s\"", actual ? actual : "(null)");
    report(file, line, expr, e, a);
    return 0;
}

int test_check_contains(const char *needle, const char *haystack, const char *file, int line, const char *expr)
{
    char e[300], a[600];
    if (needle && haystack && strstr(haystack, needle)) return 1;
    snprintf(e, sizeof e, "text containing \"%s\"", needle ? needle : "(null)");
    snprintf(a, sizeof a, "\"%s\"", haystack ? haystack : "(null)");
    report(file, line, expr, e, a);
    return 0;
}

int test_check_mem(const void *expected, const void *actual, size_t n, const char *file, int line, const char *expr)
{
    const unsigned char *pe = (const unsigned char *)expected, *pa = (const unsigned char *)actual;
    char e[64], a[64];
    size_t i;
    for (i = 0; i < n && pe[i] == pa[i]; i++) {}
    if (i == n) return 1;
    sprintf(e, "byte %lu = 0x%02X", (unsigned long)i, pe[i]);
    sprintf(a, "byte %lu = 0x%02X", (unsigned long)i, pa[i]);
    report(file, line, expr, e, a);
    return 0;
}

const char *test_tmp_dir(void) { return tmp_dir; }

const char *test_gan99_path(void) { return gan99_path; }
int test_gan99_given(void) { return gan99_given; }

const char *test_tmp_path(const char *name)
{
    static char buf[1024];
    snprintf(buf, sizeof buf, "%s/%s", tmp_dir, name);
    return buf;
}

void test_clear_run(const char *dir)
{
    static const char *const names[] = { "checkpoint.safetensors", "model.safetensors", "loss.csv", "loss.png",
                                         "progress.gif", "lock", "val.csv", "iou.csv" };
    char p[600];
    size_t k;
    for (k = 0; k < sizeof names / sizeof *names; k++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[k]);
        remove(p);
    }
    for (k = 1; k <= 20; k++) {
        snprintf(p, sizeof p, "%s/samples/step_%07lu.png", dir, (unsigned long)k);
        remove(p);
    }
    snprintf(p, sizeof p, "%s/samples", dir);
    remove(p);
    remove(dir);
}

unsigned long test_other_live_pid(void)
{
#ifdef _WIN32
    unsigned long p;
    for (p = 4; p < 1ul << 20; p += 4)   /* Windows' ids are multiples of 4 */
        if (p != g99_process_id() && g99_process_alive(p)) return p;
    return 0;
#else
    return 1;
#endif
}

static int selected(const char *name, int argc, char **argv, int first)
{
    int i, any = 0;
    for (i = first; i < argc; i++) {
        any = 1;
        if (strstr(name, argv[i])) return 1;
    }
    return !any;
}

int main(int argc, char **argv)
{
    int passed = 0, failed = 0, list = 0, first = 1;
    size_t s;
    const test_case *t;

    g99_main_init(&argc, &argv);   /* Windows: "\n" stays "\n" on stdout, as the digest needs */
    while (first < argc && argv[first][0] == '-') {
        if (strcmp(argv[first], "--list") == 0) {
            list = 1;
            first++;
        } else if (strcmp(argv[first], "--digest") == 0) {
            test_digest_print();
            return 0;
        } else if (strcmp(argv[first], "--tmp") == 0 && first + 1 < argc) {
            tmp_dir = argv[first + 1];
            first += 2;
        } else if (strcmp(argv[first], "--gan99") == 0 && first + 1 < argc) {
            gan99_path = argv[first + 1];
            gan99_given = 1;
            first += 2;
        } else {
            fprintf(stderr, "usage: %s [--list | --digest] [--tmp DIR] [--gan99 PATH] [NAME-SUBSTRING ...]\n",
                    argv[0]);
            return 2;
        }
    }
    for (s = 0; s < sizeof suites / sizeof suites[0]; s++) {
        for (t = suites[s].cases; t->name; t++) {
            char full[256];
            snprintf(full, sizeof full, "%s.%s", suites[s].name, t->name);
            if (!selected(full, argc, argv, first)) continue;
            if (list) {
                printf("%s\n", full);
                continue;
            }
            current_name = full;
            current_failed = 0;
            t->fn();
            if (current_failed) failed++;
            else passed++;
        }
    }
    if (list) return 0;
    printf("tests: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
