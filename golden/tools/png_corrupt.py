#!/usr/bin/python3
"""The corrupt corpus for gan99's PNG and PPM/PGM decoders.

    /usr/bin/python3 golden/tools/png_corrupt.py

Writes tests/corpus/png/*.png and tests/corpus/ppm/*.p?m, each broken in one
way, and in each folder expected.txt: "file|code|text" where code is the
G99_E* status name (format or limit or unsupported) and text a part of the
error message that names the chunk/offset and the reason. The messages are
gan99's wording, written here by hand from what each file breaks (the
PNG rules themselves are those of the PNG specification and RFC 1950/1951).
"""
import os
import struct
import zlib

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PNG_OUT = os.path.join(ROOT, "tests", "corpus", "png")
PPM_OUT = os.path.join(ROOT, "tests", "corpus", "ppm")
SIG = b"\x89PNG\r\n\x1a\n"


def chunk(typ, body, crc=None):
    if crc is None:
        crc = zlib.crc32(typ + body)
    return struct.pack(">I", len(body)) + typ + body + struct.pack(">I", crc & 0xFFFFFFFF)


def ihdr(w, h, depth=8, ctype=2, comp=0, filt=0, interlace=0):
    return chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, comp, filt, interlace))


W, H = 8, 6


def pixels(w=W, h=H, ch=3, filt=0):
    rows = b""
    for y in range(h):
        rows += bytes([filt]) + bytes((x * 31 + y * 17 + c * 70) & 255 for x in range(w) for c in range(ch))
    return rows


def png(*chunks):
    return SIG + b"".join(chunks)


class Bits:
    """LSB-first bit writer, for hand-made deflate streams."""

    def __init__(self):
        self.out, self.acc, self.n = bytearray(), 0, 0

    def put(self, value, nbits):
        self.acc |= value << self.n
        self.n += nbits
        while self.n >= 8:
            self.out.append(self.acc & 255)
            self.acc >>= 8
            self.n -= 8

    def huff(self, code, nbits):
        """A Huffman code, sent most significant bit first (RFC 1951 3.1.1)."""
        for i in reversed(range(nbits)):
            self.put((code >> i) & 1, 1)

    def bytes(self):
        return bytes(self.out) + (bytes([self.acc]) if self.n else b"")


def zwrap(deflate_bytes, adler=1):
    return b"\x78\x9c" + deflate_bytes + struct.pack(">I", adler)


def main():
    os.makedirs(PNG_OUT, exist_ok=True)
    os.makedirs(PPM_OUT, exist_ok=True)
    for d in (PNG_OUT, PPM_OUT):
        for f in os.listdir(d):
            os.remove(os.path.join(d, f))
    good_idat = chunk(b"IDAT", zlib.compress(pixels()))
    good = png(ihdr(W, H), good_idat, chunk(b"IEND", b""))
    iend = chunk(b"IEND", b"")
    cases = []

    def add(name, data, code, text):
        open(os.path.join(PNG_OUT, name + ".png"), "wb").write(data)
        cases.append("%s.png|%s|%s" % (name, code, text))

    idat_off = 8 + 25
    add("truncated_signature", good[:5], "format", "offset 0: not a PNG file")
    add("truncated_in_ihdr", good[:20], "format", "offset 8: IHDR chunk length 13 runs past the end of the file")
    add("truncated_in_idat", good[:idat_off + 20], "format",
        "offset 33: IDAT chunk length %d runs past the end of the file" % (len(good_idat) - 12))
    add("truncated_before_iend", good[:idat_off + len(good_idat)], "format", "truncated (no IEND chunk)")
    add("bad_crc_ihdr", png(chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 2, 0, 0, 0), crc=1), good_idat, iend),
        "format", "offset 8: IHDR chunk CRC mismatch")
    bad = bytearray(good)
    bad[idat_off + 12] ^= 0x40  # a byte of the zlib stream; the chunk CRC no longer fits
    add("bad_crc_idat", bytes(bad), "format", "offset 33: IDAT chunk CRC mismatch")
    z = bytearray(zlib.compress(pixels()))
    z[-1] ^= 1
    add("bad_adler", png(ihdr(W, H), chunk(b"IDAT", bytes(z)), iend), "format",
        "IDAT: zlib stream offset %d: Adler-32 mismatch" % (len(z) - 4))
    add("ihdr_zero_width", png(ihdr(0, H), good_idat, iend), "format", "IHDR: bad image size 0x6")
    add("ihdr_width_2_31", png(ihdr(0x80000000, H), good_idat, iend), "format", "IHDR: bad image size 2147483648x6")
    add("ihdr_100000x100000", png(ihdr(100000, 100000), good_idat, iend), "limit",
        "IHDR: image size 100000x100000 exceeds the budget")
    add("ihdr_rgb_depth4", png(ihdr(W, H, depth=4, ctype=2), good_idat, iend), "format",
        "IHDR: bit depth 4 is not allowed with colour type 2")
    add("ihdr_palette_depth16", png(ihdr(W, H, depth=16, ctype=3), good_idat, iend), "format",
        "IHDR: bit depth 16 is not allowed with colour type 3")
    add("ihdr_grey_depth3", png(ihdr(W, H, depth=3, ctype=0), good_idat, iend), "format",
        "IHDR: bit depth 3 is not allowed with colour type 0")
    add("ihdr_colour_type5", png(ihdr(W, H, ctype=5), good_idat, iend), "format", "IHDR: bad colour type 5")
    add("ihdr_interlace2", png(ihdr(W, H, interlace=2), good_idat, iend), "format", "IHDR: interlace method 2")
    add("ihdr_compression1", png(ihdr(W, H, comp=1), good_idat, iend), "format", "IHDR: compression method 1")
    add("ihdr_filter1", png(ihdr(W, H, filt=1), good_idat, iend), "format", "IHDR: filter method 1")
    add("ihdr_length12", png(chunk(b"IHDR", struct.pack(">IIBBBB", W, H, 8, 2, 0, 0)), good_idat, iend),
        "format", "offset 8: IHDR length 12, not 13")
    add("missing_ihdr", png(good_idat, iend), "format", "offset 8: IDAT chunk before IHDR")
    add("second_ihdr", png(ihdr(W, H), ihdr(W, H), good_idat, iend), "format", "offset 33: second IHDR chunk")
    add("missing_idat", png(ihdr(W, H), iend), "format", "no IDAT chunk")
    pal_idat = chunk(b"IDAT", zlib.compress(b"".join(b"\0" + bytes(W) for _ in range(H))))
    add("missing_plte", png(ihdr(W, H, ctype=3), pal_idat, iend), "format", "offset 33: IDAT before PLTE")
    add("plte_after_idat", png(ihdr(W, H, ctype=2), good_idat, chunk(b"PLTE", bytes(12)), iend), "format",
        "PLTE after IDAT")
    add("plte_in_grey", png(ihdr(W, H, ctype=0), chunk(b"PLTE", bytes(12)), good_idat, iend), "format",
        "PLTE: not allowed in a greyscale image")
    add("plte_length_10", png(ihdr(W, H, ctype=3), chunk(b"PLTE", bytes(10)), pal_idat, iend), "format",
        "PLTE: length 10 is not 3 x 1..256 entries")
    add("palette_index_past_plte",
        png(ihdr(W, H, ctype=3), chunk(b"PLTE", bytes(6)),
            chunk(b"IDAT", zlib.compress(b"".join(b"\0" + bytes([x % 3 for x in range(W)]) for _ in range(H)))), iend),
        "format", "IDAT: palette index 2 at pixel (2,0) is past the 2 PLTE entries")
    add("trns_length_4_grey", png(ihdr(W, H, ctype=0), chunk(b"tRNS", bytes(4)), good_idat, iend), "format",
        "tRNS: length 4, not 2")
    add("trns_too_long", png(ihdr(W, H, ctype=3), chunk(b"PLTE", bytes(6)), chunk(b"tRNS", bytes(3)), pal_idat, iend),
        "format", "tRNS: 3 entries for a palette of 2")
    add("idat_not_consecutive",
        png(ihdr(W, H), chunk(b"IDAT", b""), chunk(b"tEXt", b"a\0b"), good_idat, iend), "format",
        "IDAT chunks are not consecutive")
    add("oversized_chunk_length", png(ihdr(W, H), struct.pack(">I", 0x7FFFFFF0) + good_idat[4:], iend), "format",
        "offset 33: IDAT chunk length 2147483632 runs past the end of the file")
    add("chunk_length_over_2_31", png(ihdr(W, H), struct.pack(">I", 0x80000001) + good_idat[4:], iend), "format",
        "offset 33: IDAT chunk length 2147483649 is over 2^31-1")
    add("unknown_critical_chunk", png(ihdr(W, H), chunk(b"ABCD", b"xyz"), good_idat, iend), "unsupported",
        "offset 33: unknown critical chunk ABCD")
    add("iend_length_1", png(ihdr(W, H), good_idat, chunk(b"IEND", b"x")), "format", "IEND chunk length 1, not 0")
    short = pixels()[:-5]
    add("too_little_data", png(ihdr(W, H), chunk(b"IDAT", zlib.compress(short)), iend), "format",
        "IDAT: too little image data (%d of %d bytes)" % (len(short), len(pixels())))
    add("too_much_data", png(ihdr(W, H), chunk(b"IDAT", zlib.compress(pixels() + b"\0" * 7)), iend), "format",
        "IDAT: too much image data (more than the %d bytes IHDR implies)" % len(pixels()))
    rows = bytearray(pixels())
    rows[(3 * W + 1) * 2] = 5
    add("filter_type_5", png(ihdr(W, H), chunk(b"IDAT", zlib.compress(bytes(rows))), iend), "format",
        "IDAT: filter type 5 (not 0..4) at image data offset %d" % ((3 * W + 1) * 2))

    # Hand-made deflate streams inside a valid PNG frame.
    def bad_stream(name, deflate, text, code="format", adler=1):
        add(name, png(ihdr(W, H), chunk(b"IDAT", zwrap(deflate, adler)), iend), code, text)

    b = Bits()  # dynamic block whose code-length code has 19 codes of length 1
    b.put(1, 1); b.put(2, 2); b.put(0, 5); b.put(0, 5); b.put(15, 4)
    for _ in range(19):
        b.put(1, 3)
    bad_stream("huffman_oversubscribed", b.bytes(),
               "IDAT: deflate stream offset 10: invalid code-length code: over-subscribed (too many codes of length 1)")
    b = Bits()  # code-length code with a single 2-bit code: incomplete
    b.put(1, 1); b.put(2, 2); b.put(0, 5); b.put(0, 5); b.put(0, 4)
    b.put(0, 3); b.put(0, 3); b.put(0, 3); b.put(2, 3)
    bad_stream("huffman_incomplete", b.bytes(), "invalid code-length code: incomplete set of code lengths")
    b = Bits()  # code-length code {16: 1 bit, 0: 1 bit}; the first length is a repeat
    b.put(1, 1); b.put(2, 2); b.put(0, 5); b.put(0, 5); b.put(0, 4)
    b.put(1, 3); b.put(0, 3); b.put(0, 3); b.put(1, 3)
    b.huff(1, 1)  # canonical: symbol 0 -> code 0, symbol 16 -> code 1
    bad_stream("huffman_repeat_first", b.bytes(), "invalid bit length repeat (nothing to repeat)")
    b = Bits()  # fixed block starting with <length 3, distance 1>: nothing to copy yet
    b.put(1, 1); b.put(1, 2)
    b.huff(0b0000001, 7)  # symbol 257
    b.huff(0, 5)          # distance code 0 = distance 1
    b.huff(0, 7)          # end of block
    bad_stream("distance_too_far", b.bytes(), "IDAT: deflate stream offset 2: invalid distance too far back")
    b = Bits()
    b.put(1, 1); b.put(3, 2)
    bad_stream("block_type_3", b.bytes(), "invalid block type 3")
    bad_stream("stored_nlen_wrong", bytes([1, 5, 0, 0, 0]) + b"hello", "stored block length does not match its complement")
    b = Bits()  # fixed block using the invalid distance code 30
    b.put(1, 1); b.put(1, 2); b.huff(ord("a") + 0x30, 8); b.huff(0b0000001, 7); b.huff(30, 5); b.huff(0, 7)
    bad_stream("fixed_distance_code_30", b.bytes(), "invalid distance code")
    b = Bits()  # fixed block using the invalid literal/length code 286
    b.put(1, 1); b.put(1, 2); b.huff(0b11000110, 8); b.huff(0, 7)
    bad_stream("fixed_length_code_286", b.bytes(), "invalid literal/length code")
    stream = zlib.compress(pixels())
    add("zlib_bad_fcheck", png(ihdr(W, H), chunk(b"IDAT", b"\x78\x9d" + stream[2:]), iend), "format",
        "IDAT: zlib stream offset 1: header check bits wrong (FCHECK)")
    add("zlib_fdict", png(ihdr(W, H), chunk(b"IDAT", b"\x78\xbb" + stream[2:]), iend), "unsupported",
        "preset dictionary (FDICT) not supported")
    add("zlib_method_7", png(ihdr(W, H), chunk(b"IDAT", b"\x77\x9c" + stream[2:]), iend), "format",
        "zlib stream offset 0: compression method 7")
    add("zlib_truncated_stream", png(ihdr(W, H), chunk(b"IDAT", stream[:len(stream) // 2]), iend), "format",
        "IDAT: deflate stream offset 5: truncated stored block")  # zlib stores these 150 random-ish bytes
    add("zlib_no_adler", png(ihdr(W, H), chunk(b"IDAT", stream[:-4]), iend), "format", "truncated Adler-32")

    open(os.path.join(PNG_OUT, "expected.txt"), "w").write("\n".join(cases) + "\n")

    # ---- PPM / PGM
    pcases = []

    def padd(name, data, code, text):
        open(os.path.join(PPM_OUT, name), "wb").write(data)
        pcases.append("%s|%s|%s" % (name, code, text))

    padd("bad_magic.ppm", b"P7\n2 2\n255\n" + bytes(12), "format", "offset 0: not a PGM/PPM file")
    padd("empty.pgm", b"", "format", "offset 0: not a PGM/PPM file")
    padd("no_space_after_magic.pgm", b"P52 2\n255\n" + bytes(4), "format", "offset 2: no whitespace after the magic")
    padd("truncated_header.ppm", b"P6\n4 ", "format", "offset 5: truncated before the height")
    padd("truncated_after_maxval.ppm", b"P6\n4 4\n255", "format", "offset 10: truncated after the header")
    padd("truncated_raster_p5.pgm", b"P5\n4 4\n255\n" + bytes(15), "format",
         "offset 11: truncated raster (15 of 16 bytes)")
    padd("truncated_raster_p6_16bit.ppm", b"P6\n2 2\n65535\n" + bytes(23), "format",
         "offset 13: truncated raster (23 of 24 bytes)")
    padd("truncated_raster_p3.ppm", b"P3\n2 1\n255\n1 2 3 4 5\n", "format", "truncated raster (5 of 6 samples)")
    padd("maxval_0.pgm", b"P5\n2 2\n0\n" + bytes(4), "format", "maxval 0")
    padd("maxval_65536.pgm", b"P5\n2 2\n65536\n" + bytes(8), "format", "offset 7: maxval is over 65535")
    padd("width_0.pgm", b"P5\n0 2\n255\n", "format", "header: image size 0x2: zero width or height")
    padd("huge.pgm", b"P5\n100000 100000\n255\n" + bytes(16), "limit",
         "header: image size 100000x100000 exceeds the budget")
    padd("width_over_2_31.pgm", b"P5\n99999999999 1\n255\n", "format", "offset 3: width is over 2147483647")
    padd("sample_over_maxval.pgm", b"P2\n2 1\n10\n3 11\n", "format", "offset 12: sample 11 is over maxval 10")
    padd("garbage_sample.ppm", b"P3\n1 1\n255\n1 x 3\n", "format", "offset 13: sample expected, found byte 0x78")
    padd("bad_char_in_width.pgm", b"P5\n2x 2\n255\n" + bytes(4), "format", "offset 4: bad character 0x78 in the width")
    open(os.path.join(PPM_OUT, "expected.txt"), "w").write("\n".join(pcases) + "\n")


if __name__ == "__main__":
    main()
