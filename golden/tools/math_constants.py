#!/usr/bin/python3
"""Constants of gan99's deterministic math (nn/math.c, nn/math_trig.c).

Everything is derived here from exact integer arithmetic with the standard
library only, so an auditor can check each digit without trusting a float
library:

  pi    Machin's formula  pi = 16 atan(1/5) - 4 atan(1/239)
  ln 2  ln 2 = 2 atanh(1/3) = 2 * sum 1 / ((2k+1) 3^(2k+1))
  sqrt2 math.isqrt

each as an integer scaled by 2^PREC (PREC = 400 bits, 64 of them guard bits
that absorb the truncation of the series). When Debian's python3-mpmath is
installed the values are cross-checked against it as a second, independent
computation.

Writes
  golden/math/two_over_pi.txt  the first 256 bits of 2/pi as 32-bit words,
                               read by tests/test_math.c to check the table
                               in nn/math_trig.c;
  golden/math/edge_cases.txt   float results at thresholds and hard points
                               (overflow/underflow edges, subnormals, huge
                               sin/cos arguments), correctly rounded from
                               mpmath at 300 bits (exact rationals where the
                               result is rational, as for 2^-150);
and prints the double constants as C99 hex literals (correctly rounded:
Python's int / int division rounds once) for pasting into the C files.

Run from the repository root:  /usr/bin/python3 golden/tools/math_constants.py
"""
from fractions import Fraction
import math
import os

PREC = 400


def atan_inv(n):
    """atan(1/n) * 2^PREC, by the alternating Taylor series, truncated."""
    one = 1 << PREC
    total, k, power = 0, 0, one // n
    while power:
        term = power // (2 * k + 1)
        total += -term if k % 2 else term
        k += 1
        power //= n * n
    return total


def atanh_inv(n):
    """atanh(1/n) * 2^PREC (all terms positive)."""
    one = 1 << PREC
    total, k, power = 0, 0, one // n
    while power:
        total += power // (2 * k + 1)
        k += 1
        power //= n * n
    return total


PI = Fraction(16 * atan_inv(5) - 4 * atan_inv(239), 1 << PREC)
LN2 = Fraction(2 * atanh_inv(3), 1 << PREC)
SQRT2 = Fraction(math.isqrt(2 << (2 * PREC)), 1 << PREC)

try:
    import mpmath
    mpmath.mp.prec = PREC
    for name, ours, ref in (("pi", PI, mpmath.pi), ("ln2", LN2, mpmath.log(2)),
                            ("sqrt2", SQRT2, mpmath.sqrt(2))):
        diff = abs(mpmath.mpf(ours.numerator) / ours.denominator - ref)
        assert diff < mpmath.mpf(2) ** -(PREC - 16), name
    CROSS = "cross-checked with mpmath %s" % mpmath.__version__
except ImportError:
    CROSS = "mpmath not installed: no cross-check"


# The floats x >= pi/4 for which x * 2/pi comes nearest to an integer, the
# hardest cases of argument reduction: found by a one-off exhaustive C loop
# over all 2^31 such floats. The nearest, 0x6F79BE45 (7.7e28), misses by
# 2^-29.9; 0x437CE5F1 (252.898) is the nearest below 2^24.
WORST_TRIG = [0x6F79BE45, 0x50A3E87F, 0x6FF9BE45, 0x437CE5F1, 0x6A1976F1, 0x53B146A6]


def hexd(q):
    """The double nearest to the rational q, as a C99 hex literal."""
    return float(q).hex()


def split_hi(q, bits):
    """q rounded to a double with only `bits` significant bits (the rest zero)."""
    e = math.floor(math.log2(q))
    scale = Fraction(2) ** (bits - 1 - e)
    return Fraction(round(q * scale)) / scale


def f32_value(bits):
    """The float with these bits, as an exact Fraction (finite only)."""
    sign = -1 if bits >> 31 else 1
    e = (bits >> 23) & 0xFF
    m = bits & 0x7FFFFF
    assert e != 0xFF
    if e == 0:
        return sign * Fraction(m, 1 << 149)
    return sign * Fraction(m | 0x800000) * Fraction(2) ** (e - 150)


def f32_bits(q):
    """The float nearest to the rational q (ties to even) as bits; +-inf at
    and beyond 2^128 - 2^103, subnormals rounded at 2^-149."""
    sign = 0x80000000 if q < 0 else 0
    a = abs(Fraction(q))
    if a >= Fraction(2) ** 128 - Fraction(2) ** 103:
        return sign | 0x7F800000
    if a == 0:
        return sign
    e = a.numerator.bit_length() - a.denominator.bit_length()
    if Fraction(2) ** e > a:
        e -= 1
    e = max(e, -126)
    scaled = a / Fraction(2) ** (e - 23)        # in [2^23, 2^24), or less for subnormals
    n = math.floor(scaled)
    rest = scaled - n
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and n % 2 == 1):
        n += 1
    if n < (1 << 23):                           # subnormal (e == -126)
        return sign | n
    if n == (1 << 24):
        n, e = 1 << 23, e + 1
    return sign | ((e + 127) << 23) | (n - (1 << 23))


def mp_to_fraction(v):
    """An mpmath number as an exact Fraction; magnitudes far outside float's
    range are clamped (to 2^200 or 2^-200), which rounds the same way."""
    import mpmath
    if v == 0:
        return Fraction(0)
    if abs(v) > mpmath.mpf(2) ** 200:
        return Fraction(2) ** 200 * (1 if v > 0 else -1)
    if abs(v) < mpmath.mpf(2) ** -200:
        return Fraction(1, 2 ** 200) * (1 if v > 0 else -1)
    man, exp = v.man_exp                       # man is |mantissa|
    return Fraction(man) * Fraction(2) ** exp * (1 if v > 0 else -1)


def edge_cases():
    """(function, argument bits..., expected bits) at thresholds and hard points."""
    import mpmath
    mpmath.mp.prec = 300
    mpf = lambda bits: mpmath.mpf(f32_value(bits).numerator) / f32_value(bits).denominator
    near = lambda q: f32_bits(q)
    # Floats around the thresholds: ln(2^128), ln(2^-150), ln(2^-126).
    ln = lambda k: mp_to_fraction(k * mpmath.log(2))
    exp_args = [0x3F800000, 0xBF800000, 0x3F000000, 0x41200000, 0xC1200000,
                0x7F7FFFFF, 0xFF7FFFFF, 0xC2C80000]
    for center in (ln(128), ln(-150), ln(-149), ln(-126)):
        b = near(center)
        exp_args += [b - 1, b, b + 1]
    log_args = [0x40000000, 0x3F000000, 0x41200000, 0x00000001, 0x007FFFFF, 0x00800000,
                0x7F7FFFFF, 0x3F800001, 0x3F7FFFFF, 0x0DA24260, 0x3F3504F3, 0x3FB504F3]
    tanh_args = [0x3F000000, 0xBF000000, 0x38D1B717, 0x00000001, 0x80000001, 0x41100000,
                 0x4111999A, 0x41200000, 0x3C000000, 0xBE800000]
    sigmoid_args = [0x3F800000, 0xBF800000, 0x41880000, 0x418C0000, 0xC1A00000, 0xC2AE0000,
                    0xC2CFCCCD, 0xC2D00000, 0x00000001, 0x42200000]
    trig_args = [0x3FC90FDB, 0x40490FDB, 0x40C90FDB, 0x7F7FFFFF, 0xFF7FFFFF, 0x501502F9,
                 0x60AD78EC, 0x3F490FDA, 0x3F490FDB, 0x00000001, 0x3F800000, 0x42C80000,
                 0x4B800000, 0x5F000000, 0x7E800000]
    trig_args += WORST_TRIG
    pow_args = [(0x40000000, 0x42FFFFFF), (0x40000000, 0x43000000), (0x40000000, 0xC3150000),
                (0x40000000, 0xC3160000), (0x40000000, 0xC3158000), (0xC0000000, 0xC3150000),
                (0xC0000000, 0x42FE0000), (0x41200000, 0x42180000), (0x41200000, 0xC2340000),
                (0x40400000, 0x40000000), (0x3F000000, 0x43150000), (0x7F7FFFFF, 0x3F800000),
                (0x7F7FFFFF, 0x3F800001), (0x7F7FFFFF, 0x3F000000), (0x00000001, 0x3F000000),
                (0x00000001, 0xBF800000), (0x3F800001, 0x4E6E6B28), (0xBF800000, 0x40400000),
                (0xC1000000, 0x40400000), (0x3F7FFFFF, 0x4F000000), (0x40490FDB, 0xC1A00000),
                (0x3FB504F3, 0x43800000), (0x42F00000, 0x41900000), (0x00800000, 0x3F800001)]
    out = []
    for a in exp_args:
        out.append(("expf", [a], f32_bits(mp_to_fraction(mpmath.exp(mpf(a))))))
    for a in log_args:
        out.append(("logf", [a], f32_bits(mp_to_fraction(mpmath.log(mpf(a))))))
    for a in tanh_args:
        out.append(("tanhf", [a], f32_bits(mp_to_fraction(mpmath.tanh(mpf(a))))))
    for a in sigmoid_args:
        out.append(("sigmoidf", [a], f32_bits(mp_to_fraction(1 / (1 + mpmath.exp(-mpf(a)))))))
    for a in trig_args:
        out.append(("sinf", [a], f32_bits(mp_to_fraction(mpmath.sin(mpf(a))))))
        out.append(("cosf", [a], f32_bits(mp_to_fraction(mpmath.cos(mpf(a))))))
    for a, b in pow_args:
        x, y = f32_value(a), f32_value(b)
        if y.denominator == 1 and abs(y) <= 1000:
            exact = x ** int(y)                 # rational: exact, ties included
        else:
            assert x > 0
            exact = mp_to_fraction(mpmath.power(mpf(a), mpf(b)))
        out.append(("powf", [a, b], f32_bits(exact)))
    return out


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    two_over_pi = 2 / PI
    words = []
    for i in range(8):
        words.append(math.floor(two_over_pi * 2 ** (32 * (i + 1))) % (1 << 32))
    path = os.path.join(root, "golden", "math", "two_over_pi.txt")
    with open(path, "w") as f:
        f.write("# 2/pi = 0.W0 W1 W2 ... in hex: bits 1..256 as 32-bit words, W0 first.\n")
        f.write("# Written by golden/tools/math_constants.py (Machin's formula, exact integers; %s).\n" % CROSS)
        for w in words:
            f.write("%08X\n" % w)
    print("wrote", os.path.relpath(path, root), "(%s)" % CROSS)

    path = os.path.join(root, "golden", "math", "edge_cases.txt")
    with open(path, "w") as f:
        f.write("# function  argument bits...  expected result bits (hex), correctly rounded.\n")
        f.write("# Written by golden/tools/math_constants.py (mpmath at 300 bits, exact rationals where possible).\n")
        for name, args, res in edge_cases():
            f.write("%-9s %s %08X\n" % (name, " ".join("%08X" % a for a in args), res))
    print("wrote", os.path.relpath(path, root))

    ln2_hi = split_hi(LN2, 32)
    print("PIO2      %s" % hexd(PI / 2))
    print("LN2       %s" % hexd(LN2))
    print("INV_LN2   %s" % hexd(1 / LN2))
    print("LN2_HI    %s  (32 significant bits)" % hexd(ln2_hi))
    print("LN2_LO    %s" % hexd(LN2 - ln2_hi))
    print("SQRT2     %s" % hexd(SQRT2))
    for n in range(2, 15):
        print("1/%d!%s %s" % (n, " " * (5 - len(str(n))), hexd(Fraction(1, math.factorial(n)))))
    for k in range(1, 10):
        print("1/%d%s %s" % (2 * k + 1, " " * (7 - len(str(2 * k + 1))), hexd(Fraction(1, 2 * k + 1))))


if __name__ == "__main__":
    main()
