/* base/: the error record, CRC-32, byte order, whole-file reads and atomic
 * file output, including every failure path leaving nothing behind. */
#include "test.h"
#include "../base/base.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

static int file_exists(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (fp) fclose(fp);
    return fp != NULL;
}

/* Check values from the CRC catalogue (CRC-32/ISO-HDLC) and RFC 1952. */
static void crc32_known_answers(void)
{
    static const uint8_t zeros[32] = { 0 };
    CHECK_EQ_U32(0xCBF43926u, g99_crc32(0, "123456789", 9));
    CHECK_EQ_U32(0x00000000u, g99_crc32(0, "", 0));
    CHECK_EQ_U32(0x190A55ADu, g99_crc32(0, zeros, 32));
    CHECK_EQ_U32(0x414FA339u, g99_crc32(0, "The quick brown fox jumps over the lazy dog", 43));
    /* Feeding in pieces gives the one-shot value. */
    CHECK_EQ_U32(0xCBF43926u, g99_crc32(g99_crc32(0, "1234", 4), "56789", 5));
}

/* The definition, one bit at a time (shift right, xor the reflected
 * polynomial when a 1 falls out): an independent check of the table code. */
static uint32_t crc32_bitwise(uint32_t crc, const uint8_t *p, size_t n)
{
    size_t i;
    int k;
    crc = ~crc;
    for (i = 0; i < n; i++) {
        crc ^= p[i];
        for (k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

/* A long odd-length buffer, at every start alignment and cut into pieces of
 * every length 0..17 (so the 8-byte steps and the byte tail both take part),
 * against the bitwise CRC. */
static void crc32_long_buffer_matches_bitwise(void)
{
    enum { LEN = 100003 };
    uint8_t *buf = (uint8_t *)malloc(LEN + 8);
    uint32_t x = 12345, want, got;
    size_t i, off, piece;
    if (!CHECK(buf != NULL)) return;
    for (i = 0; i < LEN + 8; i++) {
        x = x * 1103515245u + 12345u;  /* any bytes will do: a simple LCG */
        buf[i] = (uint8_t)(x >> 24);
    }
    for (off = 0; off < 8; off++) {
        want = crc32_bitwise(0, buf + off, LEN);
        CHECK_EQ_U32(want, g99_crc32(0, buf + off, LEN));
    }
    want = crc32_bitwise(0, buf, LEN);
    for (piece = 1; piece <= 17; piece++) {
        got = 0;
        for (i = 0; i < LEN; i += piece) got = g99_crc32(got, buf + i, LEN - i < piece ? LEN - i : piece);
        CHECK_EQ_U32(want, got);
    }
    /* Continuing from a nonzero CRC. */
    CHECK_EQ_U32(crc32_bitwise(0xDEADBEEFu, buf, 1001), g99_crc32(0xDEADBEEFu, buf, 1001));
    free(buf);
}

static void error_record_fill_and_prefix(void)
{
    g99_error err;
    g99_error_clear(&err);
    CHECK_EQ_INT(G99_OK, err.code);
    CHECK_EQ_STR("", err.msg);
    CHECK_EQ_INT(G99_EFORMAT, g99_fail(&err, G99_EFORMAT, "offset %d: bad byte 0x%02X", 12, 0xAB));
    CHECK_EQ_INT(G99_EFORMAT, err.code);
    CHECK_EQ_STR("offset 12: bad byte 0xAB", err.msg);
    CHECK_EQ_INT(G99_EFORMAT, g99_error_prefix(&err, "%s", "model.safetensors"));
    CHECK_EQ_STR("model.safetensors: offset 12: bad byte 0xAB", err.msg);
    /* A NULL record is allowed: the code still comes back. */
    CHECK_EQ_INT(G99_ENOMEM, g99_fail(NULL, G99_ENOMEM, "x"));
    CHECK_EQ_STR("malformed input", g99_status_name(G99_EFORMAT));
}

static void error_message_is_truncated_not_overflowed(void)
{
    g99_error err;
    char big[2000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    g99_fail(&err, G99_EINVAL, "%s", big);
    CHECK_EQ_INT(G99_ERROR_MSG_MAX - 1, (long long)strlen(err.msg));
    g99_error_prefix(&err, "%s", big);
    CHECK_EQ_INT(G99_ERROR_MSG_MAX - 1, (long long)strlen(err.msg));
}

static void byte_order_helpers(void)
{
    uint8_t b[8];
    g99_store_le64(b, 0x0102030405060708ull);
    CHECK_EQ_INT(0x08, b[0]);
    CHECK_EQ_INT(0x01, b[7]);
    CHECK_EQ_U64(0x0102030405060708ull, g99_load_le64(b));
    CHECK_EQ_U32(0x05060708u, g99_load_le32(b));
    CHECK_EQ_U32(0x3F800000u, g99_f32_bits(1.0f));
    CHECK_EQ_FBITS(-2.0f, g99_bits_f32(0xC0000000u));
}

static void size_helpers_detect_overflow(void)
{
    size_t r = 7;
    CHECK_EQ_INT(0, g99_size_mul(3, 5, &r));
    CHECK_EQ_INT(15, (long long)r);
    CHECK_EQ_INT(-1, g99_size_mul((size_t)-1 / 2 + 1, 2, &r));
    CHECK_EQ_INT(15, (long long)r);
    CHECK_EQ_INT(0, g99_size_mul(0, (size_t)-1, &r));
    CHECK_EQ_INT(-1, g99_size_add((size_t)-1, 1, &r));
    CHECK_EQ_INT(0, g99_size_add(2, 3, &r));
    CHECK_EQ_INT(5, (long long)r);
}

static void atomic_write_then_read_back(void)
{
    g99_error err;
    const char *path = test_tmp_path("atomic.bin");
    uint8_t *data = NULL;
    size_t len = 0;
    remove(path);
    if (!CHECK_EQ_INT(0, g99_write_file_atomic(path, "hello", 5, &err))) return;
    if (!CHECK_EQ_INT(0, g99_read_file(path, 1 << 20, &data, &len, &err))) return;
    CHECK_EQ_INT(5, (long long)len);
    CHECK_EQ_MEM("hello", data, 5);
    free(data);
    /* A second write replaces the first. */
    CHECK_EQ_INT(0, g99_write_file_atomic(path, "bye", 3, &err));
    CHECK_EQ_INT(0, g99_read_file(path, 1 << 20, &data, &len, &err));
    CHECK_EQ_INT(3, (long long)len);
    CHECK_EQ_MEM("bye", data, 3);
    free(data);
    remove(path);
}

static void atomic_abort_keeps_old_file_and_removes_temp(void)
{
    g99_error err;
    g99_afile f;
    char tmp[1024];
    const char *path = test_tmp_path("keep.bin");
    uint8_t *data = NULL;
    size_t len = 0;
    char p[1024];
    snprintf(p, sizeof p, "%s", path);
    CHECK_EQ_INT(0, g99_write_file_atomic(p, "old", 3, &err));
    if (!CHECK_EQ_INT(0, g99_afile_open(&f, p, &err))) return;
    snprintf(tmp, sizeof tmp, "%s", f.tmp_path);
    CHECK(file_exists(tmp));
    CHECK_EQ_INT(0, g99_afile_write(&f, "new data", 8, &err));
    g99_afile_abort(&f);
    CHECK(!file_exists(tmp));
    CHECK_EQ_INT(0, g99_read_file(p, 100, &data, &len, &err));
    CHECK_EQ_INT(3, (long long)len);
    CHECK_EQ_MEM("old", data, 3);
    free(data);
    g99_afile_abort(&f); /* twice is harmless */
    remove(p);
}

static void atomic_open_in_missing_folder_fails_cleanly(void)
{
    g99_error err;
    g99_afile f;
    g99_error_clear(&err);
    CHECK_EQ_INT(G99_EIO, g99_afile_open(&f, "build/no-such-folder/x/out.bin", &err));
    CHECK_EQ_INT(G99_EIO, err.code);
    CHECK_CONTAINS("build/no-such-folder/x/out.bin", err.msg);
    CHECK(f.fp == NULL && f.tmp_path == NULL);
    CHECK_EQ_INT(G99_EINVAL, g99_afile_write(&f, "x", 1, &err));
    CHECK_EQ_INT(G99_EINVAL, g99_afile_commit(&f, &err));
    CHECK_EQ_INT(G99_EINVAL, g99_afile_open(&f, "", &err));
}

static void read_file_refuses_missing_and_oversized(void)
{
    g99_error err;
    uint8_t *data = (uint8_t *)&err;
    size_t len = 99;
    const char *path;
    CHECK_EQ_INT(G99_EIO, g99_read_file("build/no-such-file.bin", 100, &data, &len, &err));
    CHECK(data == NULL && len == 0);
    CHECK_CONTAINS("no-such-file.bin", err.msg);
    path = test_tmp_path("ten.bin");
    CHECK_EQ_INT(0, g99_write_file_atomic(path, "0123456789", 10, &err));
    CHECK_EQ_INT(G99_ELIMIT, g99_read_file(path, 9, &data, &len, &err));
    CHECK(data == NULL);
    CHECK_EQ_INT(0, g99_read_file(path, 10, &data, &len, &err));
    CHECK_EQ_INT(10, (long long)len);
    free(data);
    remove(path);
}

/* A second Ctrl-C must be caught like the first (signal() under POSIX
 * resets the handler after one delivery, and the default handler kills
 * the process, losing the stop checkpoint); SIGTERM alike. */
static void stop_requests_are_caught_every_time(void)
{
    if (!CHECK_EQ_INT(0, g99_stop_catch())) return;
    CHECK_EQ_INT(0, g99_stop_requested());
    raise(SIGINT);
    CHECK_EQ_INT(SIGINT, g99_stop_requested());
    g99_stop_clear();
    raise(SIGINT);   /* still ours: the process lives on */
    CHECK_EQ_INT(SIGINT, g99_stop_requested());
    raise(SIGTERM);
    CHECK_EQ_INT(SIGTERM, g99_stop_requested());
    g99_stop_release();
    g99_stop_clear();
}

static void lock_file_is_exclusive(void)
{
    g99_lock a, b;
    unsigned long stale = 7;
    g99_error err;
    FILE *f;
    char want[96];
    const char *path = test_tmp_path("base_lock");
    remove(path);
    if (!CHECK_EQ_INT(0, g99_lock_acquire(&a, path, &stale, &err))) return;
    CHECK_EQ_U64(0, stale);
    g99_lock_release(&a);
    CHECK(fopen(path, "rb") == NULL);
    /* held by a running process: refused */
    if ((f = fopen(path, "wb")) != NULL) {
        fprintf(f, "%lu\n", test_other_live_pid());
        fclose(f);
    }
    CHECK_EQ_INT(G99_EINVAL, g99_lock_acquire(&b, path, &stale, &err));
    snprintf(want, sizeof want, "in use by another gan99 (process %lu)", test_other_live_pid());
    CHECK_CONTAINS(want, err.msg);
    /* left by a process that is gone (above every pid_max): taken over */
    if ((f = fopen(path, "wb")) != NULL) {
        fputs("99999999\n", f);
        fclose(f);
    }
    CHECK_EQ_INT(0, g99_lock_acquire(&b, path, &stale, &err));
    CHECK_EQ_U64(99999999, stale);
    g99_lock_release(&b);
}

static void mkdir_over_a_file_says_so(void)
{
    g99_error err;
    const char *path = test_tmp_path("base_plain_file");
    CHECK_EQ_INT(0, g99_write_file_atomic(path, "x", 1, &err));
    CHECK_EQ_INT(G99_EINVAL, g99_mkdir(path, &err));
    CHECK_CONTAINS("is a file, not a folder", err.msg);
}

const test_case base_tests[] = {
    TEST(crc32_known_answers),
    TEST(crc32_long_buffer_matches_bitwise),
    TEST(error_record_fill_and_prefix),
    TEST(error_message_is_truncated_not_overflowed),
    TEST(byte_order_helpers),
    TEST(size_helpers_detect_overflow),
    TEST(atomic_write_then_read_back),
    TEST(atomic_abort_keeps_old_file_and_removes_temp),
    TEST(atomic_open_in_missing_folder_fails_cleanly),
    TEST(read_file_refuses_missing_and_oversized),
    TEST(stop_requests_are_caught_every_time),
    TEST(lock_file_is_exclusive),
    TEST(mkdir_over_a_file_says_so),
    TEST_END
};
