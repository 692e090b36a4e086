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
 * exact result by contract, measured at most 0.500005 ulp: correctly rounded
 * but for a few arguments in 10^8 (the table is in nn/math.c and printed by
 * `make test`). sin and cos reduce their argument exactly up to 3.4e38.
 * Special values follow C99 Annex F (NaN in, NaN out; exp(-inf) = 0 ...);
 * a NaN argument comes back quieted with its payload, a NaN made by the
 * function (log(-1), sin(inf), pow(-8, 1/3)) is always 0x7FC00000. */
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
/* SECTION prng end */

/* ==== JSON: a small strict reader and writer helpers (nn/json.c) ========== */

/* SECTION json */
/* SECTION json end */

/* ==== safetensors: checkpoints and model files (nn/safetensors.c) ======== */

/* SECTION safetensors */
/* SECTION safetensors end */

#endif
