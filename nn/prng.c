/* Philox4x32-10 and the distributions gan99 draws from it.
 *
 * Philox (Salmon, Moraes, Dror, Shaw, SC 2011, and the Random123 library)
 * is a counter-based generator: a 10-round keyed bijection of a 128-bit
 * counter. Only 32x32->64 multiplies, xors and adds, so it gives the same
 * bits on every platform; known-answer vectors from Random123's kat_vectors
 * are in tests/test_prng.c. */
#include "nn.h"

#include <math.h>

/* Round multipliers and Weyl key increments of Philox4x32 (Random123). */
#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u  /* golden ratio */
#define PHILOX_W1 0xBB67AE85u  /* sqrt(3) - 1 */

static void mulhilo(uint32_t a, uint32_t b, uint32_t *hi, uint32_t *lo)
{
    uint64_t p = (uint64_t)a * b;
    *hi = (uint32_t)(p >> 32);
    *lo = (uint32_t)p;
}

void nn_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
    uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
    uint32_t k0 = key[0], k1 = key[1];
    int round;
    for (round = 0; round < 10; round++) {
        uint32_t hi0, lo0, hi1, lo1;
        if (round > 0) {  /* the key is bumped before every round but the first */
            k0 += PHILOX_W0;
            k1 += PHILOX_W1;
        }
        mulhilo(PHILOX_M0, c0, &hi0, &lo0);
        mulhilo(PHILOX_M1, c2, &hi1, &lo1);
        c0 = hi1 ^ c1 ^ k0;
        c1 = lo1;
        c2 = hi0 ^ c3 ^ k1;
        c3 = lo0;
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
}

static void philox_block(const nn_rng *r, uint64_t block, uint32_t out[4])
{
    uint32_t ctr[4], key[2];
    ctr[0] = (uint32_t)block;
    ctr[1] = (uint32_t)(block >> 32);
    ctr[2] = (uint32_t)r->stream;
    ctr[3] = (uint32_t)(r->stream >> 32);
    key[0] = (uint32_t)r->seed;
    key[1] = (uint32_t)(r->seed >> 32);
    nn_philox4x32_10(ctr, key, out);
}

void nn_rng_init(nn_rng *r, uint64_t seed, uint64_t stream)
{
    r->seed = seed;
    r->stream = stream;
    r->pos = 0;
    r->cached_block = 0;
    r->cache_valid = 0;
}

void nn_rng_seek(nn_rng *r, uint64_t pos) { r->pos = pos; }

uint32_t nn_rng_u32(nn_rng *r)
{
    uint64_t block = r->pos >> 2;
    if (!r->cache_valid || r->cached_block != block) {
        philox_block(r, block, r->cache);
        r->cached_block = block;
        r->cache_valid = 1;
    }
    return r->cache[r->pos++ & 3];
}

/* 24 bits is what a float mantissa holds: every value is exact and the
 * spacing is even, so the mean is exactly (1 - 2^-24) / 2. */
float nn_rng_uniform(nn_rng *r) { return (float)(nn_rng_u32(r) >> 8) * (1.0f / 16777216.0f); }

uint32_t nn_rng_below(nn_rng *r, uint32_t n)
{
    /* Lemire (2019): the high word of x * n is uniform on [0, n) once the
     * low words below 2^32 mod n are rejected. */
    uint64_t m = (uint64_t)nn_rng_u32(r) * n;
    uint32_t low = (uint32_t)m;
    if (low < n) {
        uint32_t threshold = (uint32_t)(0u - n) % n;
        while (low < threshold) {
            m = (uint64_t)nn_rng_u32(r) * n;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

void nn_rng_fill_uniform(nn_rng *r, float *dst, size_t n, float lo, float hi)
{
    size_t i;
    float span = hi - lo;
    for (i = 0; i < n; i++) dst[i] = lo + span * nn_rng_uniform(r);
}

static void box_muller(uint32_t a, uint32_t b, float *z0, float *z1)
{
    /* u1 in (0, 1], so the log is finite; r <= sqrt(48 ln 2) ~ 5.77. */
    float u1 = (float)((a >> 8) + 1) * (1.0f / 16777216.0f);
    float u2 = (float)(b >> 8) * (1.0f / 16777216.0f);
    float radius = sqrtf(-2.0f * nn_logf(u1));
    float theta = 6.28318548f * u2;  /* float(2 pi) */
    *z0 = radius * nn_cosf(theta);
    *z1 = radius * nn_sinf(theta);
}

void nn_rng_fill_normal(nn_rng *r, float *dst, size_t n, float mean, float std)
{
    size_t i;
    for (i = 0; i + 1 < n; i += 2) {
        uint32_t a = nn_rng_u32(r), b = nn_rng_u32(r);
        float z0, z1;
        box_muller(a, b, &z0, &z1);
        dst[i] = mean + std * z0;
        dst[i + 1] = mean + std * z1;
    }
    if (i < n) {
        uint32_t a = nn_rng_u32(r), b = nn_rng_u32(r);
        float z0, z1;
        box_muller(a, b, &z0, &z1);
        dst[i] = mean + std * z0;
    }
}

float nn_rng_normal(nn_rng *r)
{
    float z;
    nn_rng_fill_normal(r, &z, 1, 0.0f, 1.0f);
    return z;
}

void nn_rng_shuffle(nn_rng *r, uint32_t *idx, size_t n)
{
    size_t i;
    for (i = n; i > 1; i--) {
        uint32_t j = nn_rng_below(r, (uint32_t)i);
        uint32_t t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
}
