/* nn/math_internal.h: helpers shared by nn/math.c and nn/math_trig.c (not
 * part of the public API), and the 2/pi table that tests/test_math.c checks
 * against golden/math/two_over_pi.txt.
 *
 * The determinism argument (doc/determinism.md §3) rests on these facts:
 *  - the functions compute in IEEE binary64 with + - * / only, each correctly
 *    rounded, in an order fixed by the source (-ffp-contract=off, no
 *    -ffast-math), so every conforming platform gets the same double bits;
 *  - the one conversion double -> float at the end is also correctly rounded;
 *  - constants are written as hex literals that are exact doubles, so no
 *    compiler's decimal parsing or constant folding can change them;
 *  - integer <-> double conversions are only of values below 2^32 (exact).
 * An x87 FPU evaluating double expressions in 80-bit registers would break the
 * first point, so such a build is refused here (use -msse2 -mfpmath=sse). */
#ifndef GAN99_NN_MATH_INTERNAL_H
#define GAN99_NN_MATH_INTERNAL_H

#include <float.h>
#include <stdint.h>
#include <string.h>

#if DBL_MANT_DIG != 53 || FLT_MANT_DIG != 24
#error "gan99 math needs IEEE binary32 float and binary64 double"
#endif
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 2
#error "gan99 math needs double arithmetic in double registers (x87: build with -msse2 -mfpmath=sse)"
#endif

static inline uint32_t math_f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static inline float math_bits_f32(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static inline uint64_t math_f64_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    return u;
}

static inline double math_bits_f64(uint64_t u)
{
    double d;
    memcpy(&d, &u, 8);
    return d;
}

/* 2^k as a double, for -1022 <= k <= 1023 (built from its exponent field). */
static inline double math_pow2i(int k)
{
    return math_bits_f64((uint64_t)(k + 1023) << 52);
}

/* v with its sign flipped when negate (0 or 1) is 1: a bit operation, so
 * the random signs of typical arguments cost no mispredicted branch. */
static inline double math_negate_if(double v, uint32_t negate)
{
    return math_bits_f64(math_f64_bits(v) ^ (uint64_t)negate << 63);
}

/* A NaN made by a function (log(-1), sin(inf), ...) always has these bits:
 * 0/0 would give 0xFFC00000 on x86 and 0x7FC00000 on ARM. */
#define MATH_NAN_BITS 0x7FC00000u
#define MATH_INF_BITS 0x7F800000u

static inline float math_nan(void) { return math_bits_f32(MATH_NAN_BITS); }

/* A NaN argument comes back with its payload and the quiet bit set, the same
 * on every platform (arithmetic on it could pick another payload). */
static inline float math_quiet(float x) { return math_bits_f32(math_f32_bits(x) | 0x00400000u); }

/* The one rounding of every function: double to the nearest float. Values at
 * or above FLT_MAX + ulp/2 = 2^128 - 2^103 round to infinity (the tie goes to
 * the even 2^128); they are mapped here because C leaves an out-of-range
 * conversion undefined even though IEEE 754 defines it. Subnormal results
 * are rounded correctly by the conversion itself. */
static inline float math_round(double d)
{
    if (d >= 0x1.ffffffp127) return math_bits_f32(MATH_INF_BITS);
    if (d <= -0x1.ffffffp127) return math_bits_f32(MATH_INF_BITS | 0x80000000u);
    return (float)d;
}

/* The nearest integer to v (ties to even), for |v| < 2^31. Adding and
 * subtracting 1.5 * 2^52 rounds v to an integer in the default rounding mode
 * (the only one gan99 runs in), without a branch that the processor would
 * mispredict half the time for arguments of random sign. */
static inline int math_nearest(double v)
{
    double k = (v + 0x1.8p52) - 0x1.8p52;
    return (int)k;
}

/* Bits 1..256 of 2/pi as 32-bit words after one zero word:
 * nn__math_two_over_pi[1] = 0xA2F9836E holds bits 1..32 (nn/math_trig.c). */
#define NN__TWO_OVER_PI_WORDS 9
extern const uint32_t nn__math_two_over_pi[NN__TWO_OVER_PI_WORDS];

#endif
