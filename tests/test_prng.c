/* nn/prng.c: Philox4x32-10 against Random123's known answers, and every
 * distribution against golden/prng/prng_golden.txt, written by an
 * independent Python implementation (golden/tools/prng_golden.py). */
#include "test.h"
#include "../nn/nn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void philox_known_answers(void)
{
    /* Random123 kat_vectors: counter, key -> output. */
    static const uint32_t kat[3][10] = {
        { 0, 0, 0, 0, 0, 0, 0x6627E8D5u, 0xE169C58Du, 0xBC57AC4Cu, 0x9B00DBD8u },
        { 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu,
          0x408F276Du, 0x41C83B0Eu, 0xA20BC7C6u, 0x6D5451FDu },
        { 0x243F6A88u, 0x85A308D3u, 0x13198A2Eu, 0x03707344u, 0xA4093822u, 0x299F31D0u,
          0xD16CFE09u, 0x94FDCCEBu, 0x5001E420u, 0x24126EA1u },
    };
    int i, j;
    for (i = 0; i < 3; i++) {
        uint32_t out[4];
        nn_philox4x32_10(kat[i], kat[i] + 4, out);
        for (j = 0; j < 4; j++) CHECK_EQ_U32(kat[i][6 + j], out[j]);
    }
}

/* Walks the golden file's records of one kind; fn checks one record. */
typedef void (*record_fn)(uint64_t seed, uint64_t stream, char *rest);

static int for_each_record(const char *kind, record_fn fn)
{
    static char line[8192];
    FILE *fp = fopen("golden/prng/prng_golden.txt", "r");
    int count = 0;
    size_t klen = strlen(kind);
    if (!CHECK(fp != NULL)) return 0;
    while (fgets(line, sizeof line, fp)) {
        char *p = line, *end;
        uint64_t seed, stream;
        if (strncmp(line, kind, klen) != 0 || line[klen] != ' ') continue;
        p += klen;
        seed = strtoull(p, &end, 10);
        stream = strtoull(end, &end, 10);
        fn(seed, stream, end);
        count++;
    }
    fclose(fp);
    return count;
}

static void check_u32(uint64_t seed, uint64_t stream, char *rest)
{
    nn_rng r;
    unsigned long n = strtoul(rest, &rest, 10), i;
    nn_rng_init(&r, seed, stream);
    for (i = 0; i < n; i++) CHECK_EQ_U32((uint32_t)strtoul(rest, &rest, 16), nn_rng_u32(&r));
}

static void check_uniform(uint64_t seed, uint64_t stream, char *rest)
{
    nn_rng r;
    unsigned long n = strtoul(rest, &rest, 10), i;
    nn_rng_init(&r, seed, stream);
    for (i = 0; i < n; i++) CHECK_EQ_FBITS(g99_bits_f32((uint32_t)strtoul(rest, &rest, 16)), nn_rng_uniform(&r));
}

static void check_below(uint64_t seed, uint64_t stream, char *rest)
{
    nn_rng r;
    uint32_t bound = (uint32_t)strtoul(rest, &rest, 10);
    unsigned long n = strtoul(rest, &rest, 10), i;
    nn_rng_init(&r, seed, stream);
    for (i = 0; i < n; i++) CHECK_EQ_INT((long long)strtoul(rest, &rest, 10), nn_rng_below(&r, bound));
}

static void check_shuffle(uint64_t seed, uint64_t stream, char *rest)
{
    nn_rng r;
    uint32_t idx[64];
    unsigned long n = strtoul(rest, &rest, 10), i;
    if (!CHECK(n <= 64)) return;
    for (i = 0; i < n; i++) idx[i] = (uint32_t)i;
    nn_rng_init(&r, seed, stream);
    nn_rng_shuffle(&r, idx, n);
    for (i = 0; i < n; i++) CHECK_EQ_INT((long long)strtoul(rest, &rest, 10), idx[i]);
}

static void check_normal(uint64_t seed, uint64_t stream, char *rest)
{
    nn_rng r;
    float z[64];
    unsigned long n = strtoul(rest, &rest, 10), i;
    if (!CHECK(n <= 64)) return;
    nn_rng_init(&r, seed, stream);
    nn_rng_fill_normal(&r, z, n, 0.0f, 1.0f);
    /* The reference is double precision; gan99's float path adds at most a
     * few ulp from log, sqrt, cos/sin and the products (|z| < 5.8). */
    for (i = 0; i < n; i++) CHECK_NEAR(strtod(rest, &rest), z[i], 1e-6, 1e-6);
}

static void stream_draws_match_golden(void) { CHECK_EQ_INT(4, for_each_record("u32", check_u32)); }
static void uniform_matches_golden(void) { CHECK_EQ_INT(4, for_each_record("uniform", check_uniform)); }
static void below_matches_golden(void) { CHECK_EQ_INT(28, for_each_record("below", check_below)); }
static void shuffle_matches_golden(void) { CHECK_EQ_INT(4, for_each_record("shuffle", check_shuffle)); }
static void normal_matches_golden(void) { CHECK_EQ_INT(4, for_each_record("normal", check_normal)); }

static void seek_and_copy_resume_the_stream(void)
{
    nn_rng a, b;
    uint32_t expect[8];
    int i;
    nn_rng_init(&a, 42, 1);
    for (i = 0; i < 8; i++) expect[i] = nn_rng_u32(&a);
    /* Seeking into the middle of a block, forwards and back. */
    nn_rng_init(&b, 42, 1);
    nn_rng_seek(&b, 5);
    CHECK_EQ_U32(expect[5], nn_rng_u32(&b));
    CHECK_EQ_U32(expect[6], nn_rng_u32(&b));
    nn_rng_seek(&b, 1);
    CHECK_EQ_U32(expect[1], nn_rng_u32(&b));
    /* A checkpoint stores seed, stream and pos; a fresh generator restored
     * from them continues exactly. */
    nn_rng_init(&a, 42, 1);
    nn_rng_seek(&a, b.pos);
    CHECK_EQ_U32(expect[2], nn_rng_u32(&a));
}

static void fill_normal_scales_and_shifts(void)
{
    nn_rng r;
    float z[5], w[5];
    int i;
    nn_rng_init(&r, 7, NN_STREAM_INIT);
    nn_rng_fill_normal(&r, z, 5, 0.0f, 1.0f);
    CHECK_EQ_INT(6, (long long)r.pos); /* 3 pairs of draws for 5 values */
    nn_rng_init(&r, 7, NN_STREAM_INIT);
    nn_rng_fill_normal(&r, w, 5, 1.0f, 0.02f);
    for (i = 0; i < 5; i++) CHECK_EQ_FBITS(1.0f + 0.02f * z[i], w[i]);
}

/* Moments of many draws, within 6 standard errors of the exact values. */
static void moments_are_right(void)
{
    enum { N = 200000 };
    static float z[N];
    nn_rng r;
    double mean = 0, var = 0, umean = 0;
    int i;
    nn_rng_init(&r, 1234, NN_STREAM_NOISE);
    nn_rng_fill_normal(&r, z, N, 0.0f, 1.0f);
    for (i = 0; i < N; i++) mean += z[i];
    mean /= N;
    for (i = 0; i < N; i++) var += (z[i] - mean) * (z[i] - mean);
    var /= N - 1;
    CHECK_NEAR(0.0, mean, 6.0 / sqrt((double)N), 0);
    CHECK_NEAR(1.0, var, 6.0 * sqrt(2.0 / N), 0);
    nn_rng_fill_uniform(&r, z, N, 0.0f, 1.0f);
    for (i = 0; i < N; i++) umean += z[i];
    CHECK_NEAR(0.5, umean / N, 6.0 * sqrt(1.0 / 12.0 / N), 0);
}

const test_case prng_tests[] = {
    TEST(philox_known_answers),
    TEST(stream_draws_match_golden),
    TEST(uniform_matches_golden),
    TEST(below_matches_golden),
    TEST(shuffle_matches_golden),
    TEST(normal_matches_golden),
    TEST(seek_and_copy_resume_the_stream),
    TEST(fill_normal_scales_and_shifts),
    TEST(moments_are_right),
    TEST_END
};
