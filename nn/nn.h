/* gan99 nn: deterministic math, the counter-based PRNG, JSON and safetensors
 * checkpoints; the tensor/autograd core builds on these.
 *
 * Everything here gives the same bits on every platform and compiler
 * (SPEC.md §3): no libm transcendental is called on a path that affects a
 * result, and files are little-endian whatever the host. */
#ifndef GAN99_NN_H
#define GAN99_NN_H

#include <stddef.h>
#include <stdint.h>

#include "../base/base.h"

/* ==== math: gan99's own transcendental functions (nn/math.c) ============== */

/* SECTION math */
/* Float in, float out, the same bits on every platform; within 2 ulp of the
 * correctly rounded result (the measured table is printed by `make test`).
 * Special values follow C99 Annex F (NaN in, NaN out; exp(-inf) = 0 ...). */
float nn_expf(float x);
float nn_logf(float x);
float nn_tanhf(float x);
float nn_sigmoidf(float x);   /* 1 / (1 + e^-x) */
float nn_sinf(float x);
float nn_cosf(float x);
float nn_powf(float x, float y);
/* SECTION math end */

/* ==== PRNG: Philox4x32-10 keyed by seed, one stream per consumer (nn/prng.c) */

/* SECTION prng */
/* Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2,
 * 3", SC 2011): a counter-based generator, so draw i of a stream is a pure
 * function of (seed, stream, i). Every consumer draws from its own stream,
 * so adding one never shifts another, and a checkpoint stores three numbers.
 * Counter words: {block lo, block hi, stream lo, stream hi}; key: the seed. */
typedef struct nn_rng {
    uint64_t seed;
    uint64_t stream;
    uint64_t pos;         /* index of the next 32-bit draw in the stream */
    uint64_t cached_block; /* cache of the Philox block holding draw pos ... */
    uint32_t cache[4];     /* ... valid when cache_valid; derivable, never saved */
    int cache_valid;
} nn_rng;

/* The stream of each consumer (SPEC.md §3). */
enum {
    NN_STREAM_INIT = 1,     /* parameter initialization */
    NN_STREAM_NOISE = 2,    /* latent noise z, noise inputs */
    NN_STREAM_DATA = 3,     /* dataset order */
    NN_STREAM_DROPOUT = 4,  /* dropout masks */
    NN_STREAM_AUGMENT = 5   /* flips, crops */
};

/* One Philox4x32 block with 10 rounds. */
void nn_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

void nn_rng_init(nn_rng *r, uint64_t seed, uint64_t stream);
/* Moves to draw `pos` of the stream (what a checkpoint restores). */
void nn_rng_seek(nn_rng *r, uint64_t pos);
uint32_t nn_rng_u32(nn_rng *r);
/* (u32 >> 8) * 2^-24: one of the 2^24 evenly spaced floats in [0, 1). */
float nn_rng_uniform(nn_rng *r);
/* An unbiased integer in [0, n), n >= 1 (Lemire's multiply-and-reject). */
uint32_t nn_rng_below(nn_rng *r, uint32_t n);
/* dst[i] = lo + (hi - lo) * uniform. */
void nn_rng_fill_uniform(nn_rng *r, float *dst, size_t n, float lo, float hi);
/* dst[i] = mean + std * z, z ~ N(0, 1) by Box-Muller on pairs of draws:
 * draws (a, b) give r cos(2 pi u2) and r sin(2 pi u2), r = sqrt(-2 ln u1),
 * u1 = ((a >> 8) + 1) 2^-24 in (0, 1], u2 = (b >> 8) 2^-24. An odd n uses
 * the cosine alone for the last value. A fill is one unit: two fills of 1
 * differ from one fill of 2, as in PyTorch. */
void nn_rng_fill_normal(nn_rng *r, float *dst, size_t n, float mean, float std);
float nn_rng_normal(nn_rng *r);
/* Fisher-Yates shuffle of idx[0..n) (from the last element down). */
void nn_rng_shuffle(nn_rng *r, uint32_t *idx, size_t n);
/* SECTION prng end */

/* ==== JSON: a small strict reader and writer helpers (nn/json.c) ========== */

/* SECTION json */
/* SECTION json end */

/* ==== safetensors: checkpoints and model files (nn/safetensors.c) ======== */

/* SECTION safetensors */
/* SECTION safetensors end */

#endif
