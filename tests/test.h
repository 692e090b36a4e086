/* gan99's test runner: a test is a function, a suite is a table of them.
 *
 *   static void crc32_check_value(void) { CHECK_EQ_U32(0xCBF43926u, g99_crc32(0, "123456789", 9)); }
 *   const test_case base_tests[] = { TEST(crc32_check_value), TEST_END };
 *
 * A failed check prints file:line, the expected and the actual value, marks
 * the test failed and goes on with the next check. Tests run from the
 * repository root, so golden files are found as "golden/...". */
#ifndef GAN99_TEST_H
#define GAN99_TEST_H

#include <stddef.h>
#include <stdint.h>

typedef struct test_case {
    const char *name;
    void (*fn)(void);
} test_case;

#define TEST(fn) { #fn, fn }
#define TEST_END { NULL, NULL }

/* Each returns 1 when the check held, so a test can stop early:
 *   if (!CHECK_EQ_INT(0, rc)) return; */
int test_check(int ok, const char *file, int line, const char *expr);
int test_check_int(long long expected, long long actual, const char *file, int line, const char *expr);
int test_check_u32(uint32_t expected, uint32_t actual, const char *file, int line, const char *expr);
int test_check_u64(uint64_t expected, uint64_t actual, const char *file, int line, const char *expr);
int test_check_float_bits(float expected, float actual, const char *file, int line, const char *expr);
int test_check_near(double expected, double actual, double abs_tol, double rel_tol,
                    const char *file, int line, const char *expr);
int test_check_str(const char *expected, const char *actual, const char *file, int line, const char *expr);
int test_check_contains(const char *needle, const char *haystack, const char *file, int line, const char *expr);
int test_check_mem(const void *expected, const void *actual, size_t n, const char *file, int line, const char *expr);

#define CHECK(cond) test_check(!!(cond), __FILE__, __LINE__, #cond)
#define CHECK_EQ_INT(e, a) test_check_int((e), (a), __FILE__, __LINE__, #a)
#define CHECK_EQ_U32(e, a) test_check_u32((e), (a), __FILE__, __LINE__, #a)
#define CHECK_EQ_U64(e, a) test_check_u64((e), (a), __FILE__, __LINE__, #a)
/* Same bits (so NaN equals a NaN with the same payload, and -0 != +0). */
#define CHECK_EQ_FBITS(e, a) test_check_float_bits((e), (a), __FILE__, __LINE__, #a)
/* |a - e| <= abs_tol + rel_tol * |e| (doc/design.md §7.2 uses 1e-5 + 1e-4 * |e|). */
#define CHECK_NEAR(e, a, abs_tol, rel_tol) test_check_near((e), (a), (abs_tol), (rel_tol), __FILE__, __LINE__, #a)
#define CHECK_EQ_STR(e, a) test_check_str((e), (a), __FILE__, __LINE__, #a)
#define CHECK_CONTAINS(needle, s) test_check_contains((needle), (s), __FILE__, __LINE__, #s)
#define CHECK_EQ_MEM(e, a, n) test_check_mem((e), (a), (n), __FILE__, __LINE__, #a)

/* A scratch folder for this run (created by the runner, under build/). */
const char *test_tmp_dir(void);
/* The gan99 binary the cli suite runs (--gan99 PATH; default ./gan99),
 * and whether --gan99 was given (else a missing ./gan99 skips the suite). */
const char *test_gan99_path(void);
int test_gan99_given(void);
/* "<tmp dir>/<name>" in a static buffer that the next call overwrites. */
const char *test_tmp_path(const char *name);
/* Removes a training run folder made by the tests (its files, samples/
 * step_0000001..20.png, samples/, then the folder), so a run starts fresh. */
void test_clear_run(const char *dir);
/* The id of a process that runs and is not this one (a lock "held by
 * another gan99"): 1 on POSIX, where init always runs; Windows has no such
 * fixed id, so there it is the first live one found. */
unsigned long test_other_live_pid(void);

/* Prints the determinism digest: one line "name crc32" per entry of
 * tests/digest.c. `make cross-test` compares a qemu run with a native one,
 * so every platform must print the same bytes. */
void test_digest_print(void);

#endif
