#!/usr/bin/env python3
"""Reference outputs for gan99's PRNG (nn/prng.c), from an independent Python
implementation of Philox4x32-10 checked against Random123's known answers.

Writes golden/prng/prng_golden.txt, one record per line:
  u32     SEED STREAM N  v0 v1 ...   (hex words of the stream from draw 0)
  uniform SEED STREAM N  f0 f1 ...   (float32 bit patterns, hex)
  below   SEED STREAM BOUND N v0 ... (decimal)
  shuffle SEED STREAM N  p0 p1 ...   (the permutation of 0..N-1)
  normal  SEED STREAM N  z0 z1 ...   (Box-Muller in double precision, %.9e)
Run: /usr/bin/python3 golden/tools/prng_golden.py
"""
import math
import os
import struct

M0, M1 = 0xD2511F53, 0xCD9E8D57
W0, W1 = 0x9E3779B9, 0xBB67AE85
MASK = 0xFFFFFFFF


def philox4x32_10(ctr, key):
    c0, c1, c2, c3 = ctr
    k0, k1 = key
    for rnd in range(10):
        if rnd:
            k0 = (k0 + W0) & MASK
            k1 = (k1 + W1) & MASK
        p0 = M0 * c0
        p1 = M1 * c2
        c0, c1, c2, c3 = ((p1 >> 32) ^ c1 ^ k0), p1 & MASK, ((p0 >> 32) ^ c3 ^ k1), p0 & MASK
    return [c0, c1, c2, c3]


# Random123 kat_vectors, "philox4x32 10" lines: counter, key -> output.
KAT = [
    ([0, 0, 0, 0], [0, 0], [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]),
    ([MASK] * 4, [MASK] * 2, [0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD]),
    ([0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344], [0xA4093822, 0x299F31D0],
     [0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1]),
]
for ctr, key, out in KAT:
    assert philox4x32_10(ctr, key) == out, "Philox implementation disagrees with Random123"


class Stream:
    """Draw i of (seed, stream) is word i % 4 of block i // 4."""

    def __init__(self, seed, stream):
        self.key = [seed & MASK, seed >> 32]
        self.stream = stream
        self.pos = 0

    def u32(self):
        block = self.pos >> 2
        ctr = [block & MASK, block >> 32, self.stream & MASK, self.stream >> 32]
        v = philox4x32_10(ctr, self.key)[self.pos & 3]
        self.pos += 1
        return v

    def below(self, n):
        m = self.u32() * n
        if (m & MASK) < n:
            threshold = (2**32 - n) % n
            while (m & MASK) < threshold:
                m = self.u32() * n
        return m >> 32


def f32(x):
    return struct.unpack('<f', struct.pack('<f', x))[0]


def f32_bits(x):
    return struct.unpack('<I', struct.pack('<f', x))[0]


TWO_PI_F32 = f32(2 * math.pi)


def normals(s, n):
    out = []
    while len(out) < n:
        a, b = s.u32(), s.u32()
        u1 = ((a >> 8) + 1) / 2**24
        u2 = (b >> 8) / 2**24
        r = math.sqrt(-2.0 * math.log(u1))
        theta = f32(TWO_PI_F32 * u2)  # gan99 forms the angle in float
        out.append(r * math.cos(theta))
        if len(out) < n:
            out.append(r * math.sin(theta))
    return out


SEEDS = [(0, 0), (42, 1), (0xDEADBEEFCAFEF00D, 7), (2**64 - 1, 2**64 - 1)]
lines = []
for seed, stream in SEEDS:
    s = Stream(seed, stream)
    v = [s.u32() for _ in range(40)]
    lines.append('u32 %d %d %d %s' % (seed, stream, len(v), ' '.join('%08x' % x for x in v)))
    s = Stream(seed, stream)
    v = [f32_bits((s.u32() >> 8) / 2**24) for _ in range(20)]
    lines.append('uniform %d %d %d %s' % (seed, stream, len(v), ' '.join('%08x' % x for x in v)))
    for bound in (1, 2, 3, 10, 1000003, 2**31 + 1, 2**32 - 1):
        s = Stream(seed, stream)
        v = [s.below(bound) for _ in range(16)]
        lines.append('below %d %d %d %d %s' % (seed, stream, bound, len(v), ' '.join('%d' % x for x in v)))
    s = Stream(seed, stream)
    perm = list(range(25))
    for i in range(len(perm), 1, -1):
        j = s.below(i)
        perm[i - 1], perm[j] = perm[j], perm[i - 1]
    lines.append('shuffle %d %d %d %s' % (seed, stream, len(perm), ' '.join('%d' % x for x in perm)))
    s = Stream(seed, stream)
    v = normals(s, 33)
    lines.append('normal %d %d %d %s' % (seed, stream, len(v), ' '.join('%.9e' % x for x in v)))

out = os.path.join(os.path.dirname(__file__), '..', 'prng', 'prng_golden.txt')
with open(out, 'w') as f:
    f.write('\n'.join(lines) + '\n')
print('wrote', os.path.normpath(out), len(lines), 'records')
