/* nn/math.c: gan99's own exp, log, tanh, sigmoid and pow (doc/determinism.md §3);
 * sin and cos are in nn/math_trig.c.
 *
 * Why our own: libm differs between platforms in the last bit, and one bit
 * in a weight init or a Box-Muller sample changes a whole training run. These
 * functions give the same bits everywhere (see nn/math_internal.h for the
 * argument) and stay within 1 ulp of the exact result.
 *
 * Design: each function takes its float argument to double, evaluates there
 * with an exactly reduced argument and a Taylor polynomial, and rounds to
 * float once at the end. A float needs 24 bits; the double evaluation keeps
 * a relative error below about 2^-40, so the result is the correctly rounded
 * float except when the exact value lies within 2^-40 of a halfway point
 * between two floats, and then it is the other neighbour: at most 0.5 ulp +
 * 2^-16 ulp in all. Doing it in float would need fmaf and extra-precise
 * tricks to reach 1 ulp; small boards without FMA hardware would then run a
 * slow software fmaf. Taylor coefficients (1/n!, 1/(2k+1)) rather than
 * minimax ones so that every constant can be checked by hand; they are the
 * correctly rounded doubles printed by golden/tools/math_constants.py.
 *
 * Special values follow C99 Annex F (F.9.3, F.9.4): NaN in gives NaN out
 * (the same NaN, quieted), overflow gives +inf, underflow the correctly
 * rounded subnormal or zero.
 *
 * Measured by tests/test_math.c against glibc's double functions (errors in
 * ulps of float at the reference value; a subnormal ulp is 2^-149), the same
 * with gcc, clang and tcc on x86-64 and under qemu for aarch64 and s390x:
 *
 *   function   points   max ulp   mean ulp  not correctly rounded  argument at max
 *   expf      2358529  0.499999   0.1534    0                      -11.3138962
 *   logf      2636305  0.500000   0.2000    0                      11.9418526
 *   tanhf     2882026  0.500000   0.0796    0                      -5.39707184
 *   sigmoidf  2227457  0.500002   0.1429    1                      -18.3851452
 *   sinf      2292993  0.500000   0.1981    0                      -0.860443115
 *   cosf      2292993  0.500000   0.1985    0                      -1756195.38
 *   powf      1310712  0.499999   0.2280    0                      x = 0.00686570024, y = -13.9490585
 *
 * (A max of 0.500000 is an exact halfway case of the reference, e.g. a pow
 * whose exact result needs 25 bits; the one sigmoid miss is 2e-6 ulp past
 * halfway.) A one-off wider run, every 7th float for each unary function and
 * 10^8 pow pairs drawn like the test's, found at most 0.5000044 ulp (tanh)
 * and 0 to 19 results per function that are not correctly rounded.
 */
#include "nn.h"
#include "math_internal.h"

/* ---- exp ----------------------------------------------------------------- */

static const double LN2 = 0x1.62e42fefa39efp-1;
static const double INV_LN2 = 0x1.71547652b82fep+0;
/* ln 2 split so that k * LN2_HI is exact for |k| < 2^21: 29 significant bits. */
static const double LN2_HI = 0x1.62e42ffp-1;
static const double LN2_LO = -0x1.718432a1b0e26p-35;

/* e^r - 1 for |r| <= ln(2)/2 by its Taylor series to r^10 / 10!: the first
 * term left out, r^11 / 11!, is below 2.3e-13 * r (2^-42 relative). */
static double expm1_poly(double r)
{
    double p = 0x1.27e4fb7789f5cp-22;          /* 1/10! */
    p = 0x1.71de3a556c734p-19 + r * p;         /* 1/9! */
    p = 0x1.a01a01a01a01ap-16 + r * p;         /* 1/8! */
    p = 0x1.a01a01a01a01ap-13 + r * p;         /* 1/7! */
    p = 0x1.6c16c16c16c17p-10 + r * p;         /* 1/6! */
    p = 0x1.1111111111111p-7 + r * p;          /* 1/5! */
    p = 0x1.5555555555555p-5 + r * p;          /* 1/4! */
    p = 0x1.5555555555555p-3 + r * p;          /* 1/3! */
    p = 0.5 + r * p;                           /* 1/2! */
    p = 1.0 + r * p;
    return r * p;
}

/* a = k ln2 + r with |r| <= ln(2)/2 (Cody and Waite). a is a float value (24
 * significant bits) with |a| < 1024: k * LN2_HI is exact, and so is
 * a - k * LN2_HI since the two are within a factor 2 of each other (Sterbenz);
 * only the tiny k * LN2_LO term rounds. */
static double exp_reduce(double a, int *k)
{
    *k = math_nearest(a * INV_LN2);
    return (a - *k * LN2_HI) - *k * LN2_LO;
}

/* e^a for a float value a in [-1000, 700]: 2^k * (1 + expm1(r)). */
static double exp_d(double a)
{
    int k;
    double r = exp_reduce(a, &k);
    return math_pow2i(k) * (1.0 + expm1_poly(r));
}

/* e^a - 1 without cancellation near 0, same range: when k = 0 the
 * polynomial is the answer itself; otherwise (2^k - 1) + 2^k expm1(r) where
 * 2^k - 1 is exact. */
static double expm1_d(double a)
{
    int k;
    double r = exp_reduce(a, &k);
    double q = expm1_poly(r);
    double s;
    if (k == 0) return q;
    s = math_pow2i(k);
    return (s - 1.0) + s * q;
}

float nn_expf(float x)
{
    uint32_t u = math_f32_bits(x);
    if ((u & 0x7FFFFFFFu) > MATH_INF_BITS) return math_quiet(x);
    /* e^89 > 2^128 overflows (including x = +inf); e^-104 < 2^-150 rounds to
     * 0 (including x = -inf). The thresholds proper are left to math_round. */
    if (x > 89.0f) return math_bits_f32(MATH_INF_BITS);
    if (x < -104.0f) return 0.0f;
    return math_round(exp_d(x));
}

/* ---- log ----------------------------------------------------------------- */

/* For a positive normal double d, returns ln(m) and sets *e so that
 * d = 2^e * m with sqrt(2)/2 <= m < sqrt(2). Every float, subnormals too, is a
 * normal double, so the exponent comes straight from the bits.
 *
 * ln(m) = 2 atanh(s) with s = (m - 1) / (m + 1), |s| <= 0.1716, and
 * atanh(s) = s + s^3/3 + s^5/5 + ... taken to s^17/17: the first term left
 * out is below 1e-15 * s. m - 1 is exact (Sterbenz), so ln(m) keeps its
 * relative accuracy when m is near 1 and no cancellation occurs. */
static double log_reduce(double d, int *e)
{
    uint64_t u = math_f64_bits(d);
    double m = math_bits_f64((u & 0x000FFFFFFFFFFFFFull) | 0x3FF0000000000000ull);
    double s, z, p;
    *e = (int)(u >> 52) - 1023;
    if (m > 0x1.6a09e667f3bcdp+0) {            /* sqrt(2) */
        m *= 0.5;
        *e += 1;
    }
    s = (m - 1.0) / (m + 1.0);
    z = s * s;
    p = 0x1.e1e1e1e1e1e1ep-5;                  /* 1/17 */
    p = 0x1.1111111111111p-4 + z * p;          /* 1/15 */
    p = 0x1.3b13b13b13b14p-4 + z * p;          /* 1/13 */
    p = 0x1.745d1745d1746p-4 + z * p;          /* 1/11 */
    p = 0x1.c71c71c71c71cp-4 + z * p;          /* 1/9 */
    p = 0x1.2492492492492p-3 + z * p;          /* 1/7 */
    p = 0x1.999999999999ap-3 + z * p;          /* 1/5 */
    p = 0x1.5555555555555p-2 + z * p;          /* 1/3 */
    p = 1.0 + z * p;
    return 2.0 * s * p;
}

float nn_logf(float x)
{
    uint32_t u = math_f32_bits(x);
    int e;
    double lm;
    if ((u & 0x7FFFFFFFu) > MATH_INF_BITS) return math_quiet(x);
    if ((u & 0x7FFFFFFFu) == 0) return math_bits_f32(MATH_INF_BITS | 0x80000000u);
    if (u >> 31) return math_nan();
    if (u == MATH_INF_BITS) return x;
    lm = log_reduce(x, &e);
    /* e ln2 + ln m: for e != 0 the two terms cannot cancel much (|ln m| <=
     * ln(2)/2 <= |e ln2| / 2), and for e = 0 the sum is ln m itself. */
    return math_round(e * LN2 + lm);
}

/* ---- tanh and sigmoid ---------------------------------------------------- */

float nn_tanhf(float x)
{
    uint32_t u = math_f32_bits(x);
    float a = math_bits_f32(u & 0x7FFFFFFFu);
    double m, t;
    if ((u & 0x7FFFFFFFu) > MATH_INF_BITS) return math_quiet(x);
    /* tanh(a) = 1 - 2 / (e^2a + 1) > 1 - 2^-25 for a > 9.02: it rounds to 1. */
    if (a > 10.0f) {
        t = 1.0;
    } else {
        /* tanh(a) = (e^2a - 1) / (e^2a + 1), with expm1 for the numerator so
         * tiny a keep their relative accuracy (tanh(a) ~ a). 2a is exact. */
        m = expm1_d(2.0 * (double)a);
        t = m / (m + 2.0);
    }
    /* tanh is odd; negating the result last keeps tanh(-0) = -0. */
    return math_round(math_negate_if(t, u >> 31));
}

float nn_sigmoidf(float x)
{
    uint32_t u = math_f32_bits(x);
    if ((u & 0x7FFFFFFFu) > MATH_INF_BITS) return math_quiet(x);
    /* 1 / (1 + e^-x) rounds to 1 once e^-x < 2^-25 (x > 17.33), and to 0 once
     * it is below 2^-150 (x < -103.98); beyond these the result is fixed, and
     * the exponential stays well inside double's range. */
    if (x > 40.0f) return 1.0f;
    if (x < -110.0f) return 0.0f;
    return math_round(1.0 / (1.0 + exp_d(-(double)x)));
}

/* ---- pow ----------------------------------------------------------------- */

/* What kind of number a finite float y is: not an integer, an odd integer or
 * an even one. Every float of magnitude 2^24 or more is an even integer. */
enum { NOT_INTEGER, ODD_INTEGER, EVEN_INTEGER };

static int integer_kind(uint32_t uy)
{
    int e = (int)((uy >> 23) & 0xFF) - 127;          /* |y| = 1.f * 2^e */
    uint32_t m = (uy & 0x007FFFFFu) | 0x00800000u;   /* 24-bit significand */
    uint32_t frac_mask;
    if ((uy & 0x7FFFFFFFu) == 0) return EVEN_INTEGER;
    if (e < 0) return NOT_INTEGER;
    if (e >= 24) return EVEN_INTEGER;
    /* |y| = m * 2^(e-23): the low 23-e bits of m are the fraction, the next
     * one up is the units bit. */
    frac_mask = (1u << (23 - e)) - 1u;
    if (m & frac_mask) return NOT_INTEGER;
    return (m >> (23 - e)) & 1u ? ODD_INTEGER : EVEN_INTEGER;
}

/* |x|^y = 2^t with t = y log2|x|. A float result needs t to about 2^-30
 * absolute (a relative error of ln2 * 2^-30 in 2^t), and only |t| < 152
 * matters (beyond, the result is 0 or inf). In double, log2|x| comes out
 * with a relative error near 2^-50 and t = y log2|x| with an absolute error
 * below 152 * 2^-49 ~ 2^-41, so no double-double is needed for a float pow,
 * even for results near 2^128 or in the subnormal range. */
static double pow_abs(double ax, double y)
{
    int e, k;
    double lm = log_reduce(ax, &e);
    /* log2|x| = e + ln(m)/ln2: e is kept exact, ln(m)/ln2 is at most 1/2. */
    double t = y * (e + lm * INV_LN2);
    double f;
    if (t > 129.0) return 0x1p129;                 /* math_round makes it inf */
    if (t < -152.0) return 0.0;
    /* 2^t = 2^k * e^(f ln2) with f = t - k exact (|f| <= 1/2). */
    k = math_nearest(t);
    f = t - k;
    return math_pow2i(k) * (1.0 + expm1_poly(f * LN2));
}

float nn_powf(float x, float y)
{
    uint32_t ux = math_f32_bits(x), uy = math_f32_bits(y);
    uint32_t ax = ux & 0x7FFFFFFFu, ay = uy & 0x7FFFFFFFu;
    int kind, negative_result;
    double r;

    /* F.9.4.4, in the order that resolves the overlaps: */
    if (ay == 0) return 1.0f;                      /* pow(x, +-0) = 1, even for NaN x */
    if (ux == 0x3F800000u) return 1.0f;            /* pow(+1, y) = 1, even for NaN y */
    if (ax > MATH_INF_BITS) return math_quiet(x);
    if (ay > MATH_INF_BITS) return math_quiet(y);
    if (ay == MATH_INF_BITS) {
        if (ax == 0x3F800000u) return 1.0f;        /* pow(-1, +-inf) = 1 */
        /* |x| < 1 with -inf, or |x| > 1 with +inf: +inf; the others +0. */
        if ((ax < 0x3F800000u) == (uy >> 31 != 0)) return math_bits_f32(MATH_INF_BITS);
        return 0.0f;
    }
    kind = integer_kind(uy);
    negative_result = (ux >> 31) && kind == ODD_INTEGER;
    if (ax == 0 || ax == MATH_INF_BITS) {
        /* 0^y is inf for y < 0 and 0 for y > 0; inf^y the other way round.
         * The sign is x's when y is an odd integer, + otherwise. */
        uint32_t big = (ax == 0) == (uy >> 31 != 0);
        uint32_t mag = big ? MATH_INF_BITS : 0u;
        return math_bits_f32(negative_result ? mag | 0x80000000u : mag);
    }
    if ((ux >> 31) && kind == NOT_INTEGER) return math_nan();
    r = pow_abs(math_bits_f32(ax), y);
    return math_round(math_negate_if(r, (uint32_t)negative_result));
}
