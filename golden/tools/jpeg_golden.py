#!/usr/bin/python3
"""Goldens for gan99's JPEG decoder (image/jpeg_*.c) and its corrupt-input corpus.

Run from the repository root with Debian's python3 (python3-pil, python3-numpy,
python3-skimage) and libjpeg-turbo-progs (cjpeg):

    /usr/bin/python3 golden/tools/jpeg_golden.py

golden/jpeg/  JPEG files made from real photographs (skimage's sample images,
              downscaled) by PIL and by libjpeg-turbo's cjpeg, each with the
              reference pixels next to it: PIL's decode (libjpeg-turbo, ISLOW
              IDCT, fancy upsampling), turned upright by
              ImageOps.exif_transpose, saved as binary PPM (RGB) or PGM (grey).
              MANIFEST lists "name.jpg name.ppm|pgm" per line.
tests/corpus/jpeg/  broken files derived from the goldens (truncations, bad
              fields, unsupported coding processes); tests/test_jpeg.c lists
              the error each must give.
"""
import io
import os
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np
import PIL
from PIL import Image, ImageOps
from skimage import data as skdata

GOLDEN = "golden/jpeg"
CORPUS = "tests/corpus/jpeg"


def photo(name, size, box=None):
    """A skimage sample photograph, optionally cropped to box, resized to size."""
    a = getattr(skdata, name)()
    im = Image.fromarray(a)
    if box:
        im = im.crop(box)
    return im.resize(size, Image.LANCZOS)


def reference(jpg_path, ref_path):
    im = Image.open(jpg_path)
    im.load()
    im = ImageOps.exif_transpose(im)
    assert im.mode in ("L", "RGB"), (jpg_path, im.mode)
    im.save(ref_path)


def cjpeg(im, out_path, args):
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "in.ppm" if im.mode == "RGB" else "in.pgm")
        im.save(src)
        subprocess.run(["cjpeg"] + args + ["-outfile", out_path, src], check=True)


def exif_le(orientation):
    """A little-endian ("II") EXIF block: IFD0 with Make (stored after the
    IFD, so the reader must follow offsets) and Orientation."""
    make = b"gan99\x00"
    tiff = b"II\x2a\x00" + struct.pack("<I", 8) + struct.pack("<H", 2)
    tiff += struct.pack("<HHII", 0x010F, 2, len(make), 8 + 2 + 2 * 12 + 4)
    tiff += struct.pack("<HHIHH", 0x0112, 3, 1, orientation, 0) + struct.pack("<I", 0) + make
    return b"Exif\x00\x00" + tiff


def exif_pil(orientation):
    """PIL's own EXIF writer (big-endian "MM" in PIL 9.4)."""
    ex = Image.Exif()
    ex[0x0112] = orientation
    b = ex.tobytes()
    assert b[6:8] == b"MM", b[:8]
    return b


def make_goldens():
    os.makedirs(GOLDEN, exist_ok=True)
    astro = photo("astronaut", (160, 160), (100, 0, 356, 256))
    chelsea = photo("chelsea", (151, 100))
    coffee = photo("coffee", (120, 81))
    camera = photo("camera", (128, 128))
    rocket = photo("rocket", (96, 64))
    small = photo("astronaut", (64, 64), (150, 40, 300, 190))

    pil = [
        # name, image, PIL save options
        ("astro_q75_420", astro, dict(quality=75, subsampling=2)),
        ("astro_q50_444", astro, dict(quality=50, subsampling=0)),
        ("astro_q95_422", astro, dict(quality=95, subsampling=1)),
        ("astro_q75_420_prog", astro, dict(quality=75, subsampling=2, progressive=True)),
        ("astro_q75_444_prog_opt", astro, dict(quality=75, subsampling=0, progressive=True, optimize=True)),
        ("astro_q95_422_prog", astro, dict(quality=95, subsampling=1, progressive=True)),
        ("chelsea_q75_422_prog", chelsea, dict(quality=75, subsampling=1, progressive=True)),
        ("chelsea_q50_420_opt", chelsea, dict(quality=50, subsampling=2, optimize=True)),
        ("chelsea_q95_444", chelsea, dict(quality=95, subsampling=0)),
        ("coffee_q75_420", coffee, dict(quality=75, subsampling=2)),
        ("coffee_q90_422_prog", coffee, dict(quality=90, subsampling=1, progressive=True)),
        ("coffee_q50_420_prog_opt", coffee, dict(quality=50, subsampling=2, progressive=True, optimize=True)),
        ("rocket_q10_420", rocket, dict(quality=10, subsampling=2)),
        ("camera_q75", camera, dict(quality=75)),
        ("camera_q50_prog", camera, dict(quality=50, progressive=True)),
        ("camera_q95_opt", camera, dict(quality=95, optimize=True)),
        # Odd and tiny sizes: partial MCUs, and chroma 1-2 samples wide
        # (libjpeg then replicates instead of filtering).
        ("odd_33x17_420", small.resize((33, 17)), dict(quality=85, subsampling=2)),
        ("odd_17x31_420_prog", small.resize((17, 31)), dict(quality=85, subsampling=2, progressive=True)),
        ("odd_17x31_422", small.resize((17, 31)), dict(quality=85, subsampling=1)),
        ("odd_1x1_420", small.resize((1, 1)), dict(quality=85, subsampling=2)),
        ("odd_1x1_444", small.resize((1, 1)), dict(quality=85, subsampling=0)),
        ("odd_1x1_grey", small.convert("L").resize((1, 1)), dict(quality=85)),
        ("odd_8x8_420", small.resize((8, 8)), dict(quality=85, subsampling=2)),
        ("odd_2x2_420", small.resize((2, 2)), dict(quality=85, subsampling=2)),
        ("odd_3x5_420", small.resize((3, 5)), dict(quality=85, subsampling=2)),
        ("odd_5x3_422_prog", small.resize((5, 3)), dict(quality=85, subsampling=1, progressive=True)),
        ("odd_6x9_420", small.resize((6, 9)), dict(quality=85, subsampling=2)),
        ("odd_16x16_420_prog", small.resize((16, 16)), dict(quality=85, subsampling=2, progressive=True)),
        ("odd_23x7_grey_prog", small.convert("L").resize((23, 7)), dict(quality=85, progressive=True)),
    ]
    orient = coffee.resize((37, 23))
    for o in range(1, 9):
        pil.append(("exif_be_%d" % o, orient, dict(quality=90, subsampling=2, exif=exif_pil(o))))
    for o in (3, 5, 6, 8):
        pil.append(("exif_le_%d" % o, orient, dict(quality=90, subsampling=1, exif=exif_le(o))))

    scans = os.path.join(GOLDEN, "..", "..", "build", "jpeg_sequential.scans")
    os.makedirs(os.path.dirname(scans), exist_ok=True)
    with open(scans, "w") as f:
        f.write("0;\n1;\n2;\n")  # three non-interleaved sequential scans
    cj = [
        # name, image, cjpeg arguments
        ("cj_restart_rows_420", chelsea, ["-quality", "80", "-restart", "1"]),
        ("cj_restart_3blocks_444", astro, ["-quality", "80", "-sample", "1x1", "-restart", "3B"]),
        ("cj_restart_prog_420", coffee, ["-quality", "80", "-progressive", "-restart", "5B"]),
        ("cj_restart_grey", camera, ["-quality", "70", "-restart", "2"]),
        ("cj_440", astro, ["-quality", "85", "-sample", "1x2"]),
        ("cj_440_odd", orient, ["-quality", "85", "-sample", "1x2"]),
        ("cj_411", chelsea, ["-quality", "85", "-sample", "4x1"]),
        ("cj_rgb_adobe", coffee, ["-quality", "85", "-rgb"]),
        ("cj_q3_16bit_dqt", astro, ["-quality", "3"]),
        ("cj_sequential_3scans_420", chelsea, ["-quality", "80", "-scans", scans]),
        ("cj_prog_opt_422", rocket, ["-quality", "70", "-progressive", "-optimize", "-sample", "2x1"]),
    ]

    manifest = []
    for name, im, opts in pil:
        jpg = os.path.join(GOLDEN, name + ".jpg")
        im.save(jpg, "JPEG", **opts)
        manifest.append(name)
    for name, im, args in cj:
        cjpeg(im, os.path.join(GOLDEN, name + ".jpg"), args)
        manifest.append(name)
    os.remove(scans)
    lines = []
    for name in manifest:
        jpg = os.path.join(GOLDEN, name + ".jpg")
        ext = ".pgm" if Image.open(jpg).mode == "L" else ".ppm"
        reference(jpg, os.path.join(GOLDEN, name + ext))
        lines.append("%s.jpg %s%s\n" % (name, name, ext))
    with open(os.path.join(GOLDEN, "MANIFEST"), "w") as f:
        f.write("# JPEG goldens: file, PIL %s decode (exif_transpose applied). By golden/tools/jpeg_golden.py\n"
                % PIL.__version__)
        f.writelines(lines)
    return manifest


# ---- the corrupt corpus -------------------------------------------------------

def segments(b):
    """(marker, offset of the 0xFF, payload offset, payload length) up to and including SOS."""
    out, pos = [], 2
    while pos < len(b):
        assert b[pos] == 0xFF
        m = b[pos + 1]
        n = struct.unpack(">H", b[pos + 2:pos + 4])[0]
        out.append((m, pos, pos + 4, n - 2))
        if m == 0xDA:
            break
        pos += 2 + n
    return out


def find(b, marker, nth=0):
    return [s for s in segments(b) if s[0] == marker][nth]


def patch(b, off, new):
    return b[:off] + bytes(new) + b[off + len(new):]


def make_corpus():
    os.makedirs(CORPUS, exist_ok=True)
    base = open(os.path.join(GOLDEN, "odd_33x17_420.jpg"), "rb").read()
    prog = open(os.path.join(GOLDEN, "astro_q75_420_prog.jpg"), "rb").read()
    rst = open(os.path.join(GOLDEN, "cj_restart_rows_420.jpg"), "rb").read()
    sof = find(base, 0xC0)
    dqt = find(base, 0xDB)
    dht = find(base, 0xC4)
    sos = find(base, 0xDA)
    data0 = sos[2] + sos[3]  # first byte of entropy-coded data
    datalen = len(base) - 2 - data0
    c = {}
    c["not_jpeg"] = b"GIF89a" + base[6:]
    c["trunc_in_sof"] = base[:sof[2] + 3]
    c["trunc_in_dht"] = base[:dht[2] + 10]
    c["trunc_scan_10pct"] = base[:data0 + datalen // 10]
    c["trunc_scan_50pct"] = base[:data0 + datalen // 2]
    c["trunc_scan_90pct"] = base[:data0 + datalen * 9 // 10]
    c["trunc_scan_50pct_eoi"] = base[:data0 + datalen // 2] + b"\xff\xd9"
    c["trunc_no_eoi"] = base[:-2]
    psos = find(prog, 0xDA)
    c["trunc_prog_first_scan"] = prog[:psos[2] + psos[3] + 40]
    c["trunc_prog_late_scan"] = prog[:len(prog) * 3 // 4]
    c["sof_12bit"] = patch(base, sof[2], [12])
    c["sof_precision_9"] = patch(base, sof[2], [9])
    c["sof_arithmetic"] = patch(base, sof[1] + 1, [0xC9])
    c["sof_lossless"] = patch(base, sof[1] + 1, [0xC3])
    c["sof_hierarchical"] = patch(base, sof[1] + 1, [0xC5])
    c["sof_zero_width"] = patch(base, sof[2] + 3, [0, 0])
    c["sof_zero_height"] = patch(base, sof[2] + 1, [0, 0])
    c["sof_65535x65535"] = patch(base, sof[2] + 1, [0xFF, 0xFF, 0xFF, 0xFF])
    c["sof_over_budget"] = patch(base, sof[2] + 1, [0xFF, 0xDC, 0xFF, 0xDC])  # 65500 x 65500
    c["sof_sampling_0"] = patch(base, sof[2] + 7, [0x00])
    c["sof_sampling_5"] = patch(base, sof[2] + 7, [0x52])
    c["sof_sampling_fractional"] = patch(base, sof[2] + 7, [0x32])  # Y 3x2 with chroma 1x1: fine; make chroma 2x1
    c["sof_sampling_fractional"] = patch(c["sof_sampling_fractional"], sof[2] + 10, [0x21])
    c["sof_4_components"] = patch(base, sof[2] + 5, [4])
    c["sof_2_components"] = patch(base, sof[2] + 5, [2])
    c["sof_duplicate_id"] = patch(base, sof[2] + 9, [base[sof[2] + 6]])
    c["sof_bad_tq"] = patch(base, sof[2] + 8, [7])
    c["sof_missing_dqt"] = patch(base, sof[2] + 8, [3])
    c["sof_twice"] = base[:sof[1]] + base[sof[1]:sof[2] + sof[3]] + base[sof[1]:]
    c["dqt_bad_precision"] = patch(base, dqt[2], [0x20 | (base[dqt[2]] & 15)])
    c["dqt_bad_id"] = patch(base, dqt[2], [0x05])
    c["dqt_short"] = patch(base, dqt[1] + 2, struct.pack(">H", 40))
    c["dht_bad_class"] = patch(base, dht[2], [0x20])
    c["dht_over_256"] = patch(base, dht[2] + 1, [0] * 14 + [255, 255])
    # Three codes of length 1 (the total kept, so only the code space is wrong).
    counts = list(base[dht[2] + 1:dht[2] + 17])
    j = next(j for j in range(1, 16) if counts[j] >= 3 - counts[0])
    counts[j] -= 3 - counts[0]
    counts[0] = 3
    c["dht_overfull"] = patch(base, dht[2] + 1, counts)
    dc_tab = [s for s in segments(base) if s[0] == 0xC4 and base[s[2]] >> 4 == 0][0]
    c["dht_dc_symbol_16"] = patch(base, dc_tab[2] + 17, [16])
    c["dht_length_exceeds_file"] = patch(base, dht[1] + 2, [0xFF, 0xF0])
    c["sos_unknown_component"] = patch(base, sos[2] + 1, [9])
    c["sos_missing_huffman"] = patch(base, sos[2] + 2, [0x33])
    c["sos_zero_components"] = patch(base, sos[2], [0])
    c["prog_bad_spectral"] = patch(prog, psos[2] + 1 + 2 * prog[psos[2]], [0, 5])
    c["prog_bad_al"] = patch(prog, psos[2] + 3 + 2 * prog[psos[2]], [0x0E])
    c["corrupt_huffman"] = base[:data0 + 10] + b"\xff\x00" * 40 + base[data0 + 90:]
    c["bad_marker"] = base[:sof[1]] + b"\xff\xf5\x00\x04ab" + base[sof[1]:]
    c["junk_before_marker"] = base[:sof[1]] + b"\x00" + base[sof[1]:]
    c["second_soi"] = base[:sof[1]] + b"\xff\xd8" + base[sof[1]:]
    c["sos_before_sof"] = base[:sof[1]] + base[sos[1]:]
    r0 = rst.index(b"\xff\xd0")
    c["restart_wrong_number"] = patch(rst, r0 + 1, [0xD3])
    c["restart_missing"] = rst[:r0] + rst[r0 + 2:]
    c["dnl_marker"] = base[:sos[1]] + b"\xff\xdc\x00\x04\x00\x11" + base[sos[1]:]
    for name, blob in sorted(c.items()):
        with open(os.path.join(CORPUS, name + ".jpg"), "wb") as f:
            f.write(blob)
    # A real arithmetic-coded file from libjpeg-turbo.
    cjpeg(photo("astronaut", (32, 32)), os.path.join(CORPUS, "cj_arithmetic.jpg"), ["-arithmetic"])
    cjpeg(photo("astronaut", (32, 32)), os.path.join(CORPUS, "cj_arithmetic_prog.jpg"), ["-arithmetic", "-progressive"])


def main():
    if not shutil.which("cjpeg"):
        sys.exit("cjpeg not found: apt-get install libjpeg-turbo-progs")
    names = make_goldens()
    make_corpus()
    total = sum(os.path.getsize(os.path.join(GOLDEN, f)) for f in os.listdir(GOLDEN))
    print("%d goldens, %d bytes in %s; %d corrupt files in %s" % (len(names), total, GOLDEN,
                                                                   len(os.listdir(CORPUS)), CORPUS))


if __name__ == "__main__":
    main()
