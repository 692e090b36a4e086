/* nn/math_trig.c: gan99's own sin and cos (doc/determinism.md §3), accurate for every
 * float argument up to +-3.4e38. The design is the one of nn/math.c: exact
 * argument reduction, a Taylor polynomial in double, one rounding to float.
 *
 * Argument reduction (Payne and Hanek, "Radian reduction for trigonometric
 * functions", SIGNUM Newsletter 18(1), 1983), in integers:
 * write |x| = m * 2^E with m < 2^24 an integer. We want x * (2/pi) modulo 4:
 * its integer part modulo 4 is the quadrant n, its fraction f gives the
 * reduced argument r = f * pi/2, and x = (4j + n) pi/2 + r.
 *   - Bits of 2/pi of weight 2^-j with j <= E - 2 contribute m * 2^(E-j), a
 *     multiple of 4: they can be dropped, however large x is.
 *   - The next 128 bits (j = E-1 .. E+126) form a 128-bit integer W, and
 *     m * W * 2^-126 is x * (2/pi) modulo 4 up to the remaining bits, whose
 *     contribution is below m * 2^E * 2^-(E+126) < 2^-102.
 * So 24 x 128-bit integer multiplication gives n exactly and f to 2^-102.
 * The closest any float comes to a multiple of pi/2 leaves |f| above 2^-30
 * (an exhaustive search over all floats found 0x6F79BE45 = 7.7e28 with
 * 2^-29.9; it is among golden/math/edge_cases.txt), so f keeps more than 70
 * correct bits and r full double precision.
 * The same path serves every |x| >= pi/4: for small x the window simply
 * starts before the binary point, where 2/pi's bits are zero.
 *
 * The 2/pi bits: golden/tools/math_constants.py computes pi with Machin's
 * formula in exact integer arithmetic (and cross-checks with mpmath), writes
 * golden/math/two_over_pi.txt, and tests/test_math.c checks this table
 * against that file word by word. 256 bits are enough: the largest float
 * has E = 104 and needs bits up to j = 230.
 *
 * Measured errors are in the table at the top of nn/math.c. */
#include "nn.h"
#include "math_internal.h"

/* A zero word, then 2/pi = 0.A2F9836E 4E441529 ... (hex): bit j of 2/pi is
 * bit j + 31 of this array, counting from the top bit of word 0. */
const uint32_t nn__math_two_over_pi[NN__TWO_OVER_PI_WORDS] = {
    0x00000000u,
    0xA2F9836Eu, 0x4E441529u, 0xFC2757D1u, 0xF534DDC0u,
    0xDB629599u, 0x3C439041u, 0xFE5163ABu, 0xDEBBC561u,
};

static const double PIO2 = 0x1.921fb54442d18p+0;

/* Bits j .. j+31 of 2/pi as one word, for -31 <= j <= 224, from the two
 * table words that hold them (a 64-bit shift, so no branch for the case of
 * a window that starts on a word boundary). */
static uint32_t two_over_pi_bits(int j)
{
    int at = j + 31;
    int word = at / 32, shift = at % 32;
    uint64_t two = (uint64_t)nn__math_two_over_pi[word] << 32 | nn__math_two_over_pi[word + 1];
    return (uint32_t)(two >> (32 - shift));
}

/* For |x| >= pi/4 given by its bits ax, returns the quadrant n (0..3) and sets
 * *r in [-pi/4, pi/4] with |x| = (4j + n) pi/2 + *r for some integer j. */
static int reduce(uint32_t ax, double *r)
{
    int e = (int)(ax >> 23) - 150;                  /* |x| = m * 2^e */
    uint32_t m = (ax & 0x007FFFFFu) | 0x00800000u;  /* |x| >= pi/4 is normal */
    int j = e - 1;                                  /* first bit of W */
    uint32_t w0 = two_over_pi_bits(j), w1 = two_over_pi_bits(j + 32);
    uint32_t w2 = two_over_pi_bits(j + 64), w3 = two_over_pi_bits(j + 96);
    uint64_t t, hi, lo;
    uint32_t p0, p1, p2, p3;
    int n;
    uint32_t negative = 0;
    double f;

    /* m * (w0 w1 w2 w3), keeping the low 128 bits p3 p2 p1 p0 (what lies
     * above is a multiple of 4). Each partial product is below 2^56. */
    t = (uint64_t)m * w3;
    p0 = (uint32_t)t;
    t = (uint64_t)m * w2 + (t >> 32);
    p1 = (uint32_t)t;
    t = (uint64_t)m * w1 + (t >> 32);
    p2 = (uint32_t)t;
    t = (uint64_t)m * w0 + (t >> 32);
    p3 = (uint32_t)t;

    /* Times 2^-126: the top two bits are the quadrant, the other 126 the
     * fraction f, held as hi (62 bits) : lo (64 bits). */
    n = (int)(p3 >> 30);
    hi = (uint64_t)(p3 & 0x3FFFFFFFu) << 32 | p2;
    lo = (uint64_t)p1 << 32 | p0;
    if (hi >> 61) {
        /* f >= 1/2: take the next quadrant and the negative remainder
         * f - 1, whose magnitude 2^126 - f is formed exactly in integers
         * (in double, f - 1 would lose the low bits of a tiny result). */
        n = (n + 1) & 3;
        negative = 1;
        lo = ~lo + 1u;
        hi = (~hi + (lo == 0)) & 0x3FFFFFFFFFFFFFFFull;
    }
    /* The 126-bit fraction to double from its 32-bit pieces (each converts
     * exactly), smallest first; all are positive, so the relative error
     * stays near 2^-52 however small f is. */
    f = (double)(uint32_t)lo * 0x1p-126 + (double)(uint32_t)(lo >> 32) * 0x1p-94;
    f += (double)(uint32_t)hi * 0x1p-62;
    f += (double)(uint32_t)(hi >> 32) * 0x1p-30;
    *r = math_negate_if(f * PIO2, negative);
    return n;
}

/* sin r and cos r for |r| <= pi/4 by their Taylor series, sin to r^13/13!
 * and cos to r^14/14!: the first terms left out are below 2.7e-14 * |r| and
 * 1e-15. cos r >= 0.7 here, so 1 - r^2/2 + ... does not cancel. */
static double sin_poly(double r)
{
    double z = r * r;
    double p = 0x1.6124613a86d09p-33;          /* 1/13! */
    p = -0x1.ae64567f544e4p-26 + z * p;        /* -1/11! */
    p = 0x1.71de3a556c734p-19 + z * p;         /* 1/9! */
    p = -0x1.a01a01a01a01ap-13 + z * p;        /* -1/7! */
    p = 0x1.1111111111111p-7 + z * p;          /* 1/5! */
    p = -0x1.5555555555555p-3 + z * p;         /* -1/3! */
    return r + r * z * p;
}

static double cos_poly(double r)
{
    double z = r * r;
    double p = -0x1.93974a8c07c9dp-37;         /* -1/14! */
    p = 0x1.1eed8eff8d898p-29 + z * p;         /* 1/12! */
    p = -0x1.27e4fb7789f5cp-22 + z * p;        /* -1/10! */
    p = 0x1.a01a01a01a01ap-16 + z * p;         /* 1/8! */
    p = -0x1.6c16c16c16c17p-10 + z * p;        /* -1/6! */
    p = 0x1.5555555555555p-5 + z * p;          /* 1/4! */
    p = -0.5 + z * p;                          /* -1/2! */
    return 1.0 + z * p;
}

/* The largest float below pi/4: up to it the argument needs no reduction. */
#define PIO4_BELOW_BITS 0x3F490FDAu

/* sin |x| or cos |x| (want_cos) for a finite float given by ax = |x|'s bits.
 * With |x| = (4j + n) pi/2 + r, sin |x| is sin r, cos r, -sin r, -cos r for
 * n = 0..3, and cos |x| is sin |x| a quadrant further on. Both polynomials
 * are evaluated and one is picked: for arguments of random size n is random,
 * and a branch on it would be mispredicted most of the time. */
static double sin_cos_abs(uint32_t ax, int want_cos)
{
    double r, sc[2];
    int n = 0;
    if (ax <= PIO4_BELOW_BITS) r = math_bits_f32(ax);
    else n = reduce(ax, &r);
    n = (n + want_cos) & 3;
    sc[0] = sin_poly(r);
    sc[1] = cos_poly(r);
    return math_negate_if(sc[n & 1], (uint32_t)n >> 1);
}

float nn_sinf(float x)
{
    uint32_t u = math_f32_bits(x), ax = u & 0x7FFFFFFFu;
    double s;
    if (ax > MATH_INF_BITS) return math_quiet(x);
    if (ax == MATH_INF_BITS) return math_nan();
    /* sin is odd: negating last keeps sin(-0) = -0. */
    s = sin_cos_abs(ax, 0);
    return math_round(math_negate_if(s, u >> 31));
}

float nn_cosf(float x)
{
    uint32_t u = math_f32_bits(x), ax = u & 0x7FFFFFFFu;
    if (ax > MATH_INF_BITS) return math_quiet(x);
    if (ax == MATH_INF_BITS) return math_nan();
    return math_round(sin_cos_abs(ax, 1));
}
