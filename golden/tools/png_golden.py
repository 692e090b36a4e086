#!/usr/bin/python3
"""Goldens for gan99's PNG, PPM/PGM and zlib code (image/png.c, ppm.c, inflate.c).

Run from the repository root with Debian's python3 (python3-pil, python3-numpy,
python3-skimage, imagemagick):

    /usr/bin/python3 golden/tools/png_golden.py

Writes:
  golden/png/*.png      real photographs (skimage's sample images, downscaled)
                        in every colour type x bit depth x interlace; PIL wrote
                        what it can, ImageMagick's `convert` the rest (2/4-bit
                        grey, 16-bit RGB/GA/RGBA, and all Adam7 files)
  golden/png/*.raw      the reference pixels in gan99's output layout (see
                        image.h, SECTION png); 16-bit samples big-endian
  golden/png/manifest.txt   name width height channels depth flags
  golden/png/zlib/      data files, and their zlib/gzip streams from Python's
                        zlib at levels 0/1/6/9 and every strategy
  golden/ppm/           PGM/PPM files (plain and raw, many maxvals, comments)
                        with PIL's decoded pixels as .raw, and manifest.txt

Every reference comes from PIL's decoder. Where PIL cannot hold the data
(16-bit RGB, grey+alpha and RGBA: PIL keeps only the high byte; 16-bit PPM:
PIL reduces to 8 bits), the reference is the source array that was encoded,
and the script asserts that PIL's decode equals its high byte (PNG) or the
same rescaling formula (PPM), so PIL still vouches for every file.
"""
import gzip
import io
import os
import struct
import subprocess
import zlib

import numpy as np
from PIL import Image
from skimage import data as skdata

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PNG_DIR = os.path.join(ROOT, "golden", "png")
ZLIB_DIR = os.path.join(PNG_DIR, "zlib")
PPM_DIR = os.path.join(ROOT, "golden", "ppm")


def downscale(img, w, h):
    """A photo resized by PIL's box filter, as float (keeps 16-bit detail)."""
    if img.ndim == 2:
        return np.asarray(Image.fromarray(img).convert("F").resize((w, h), Image.BOX), dtype=np.float64)
    chans = [np.asarray(Image.fromarray(img[:, :, c]).convert("F").resize((w, h), Image.BOX), dtype=np.float64)
             for c in range(img.shape[2])]
    return np.stack(chans, axis=2)


def to_depth(f, depth):
    """Float 0..255 samples -> integers of `depth` bits (rounded)."""
    top = (1 << depth) - 1
    return np.clip(np.round(f / 255.0 * top), 0, top).astype(np.uint16 if depth == 16 else np.uint8)


def chunks(path):
    d = open(path, "rb").read()
    out, i = [], 8
    while i < len(d):
        n = struct.unpack(">I", d[i:i + 4])[0]
        out.append(d[i + 4:i + 8].decode("latin-1"))
        i += 12 + n
    return d, out


def ihdr(path):
    d = open(path, "rb").read()
    w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", d[16:29])
    return w, h, depth, ctype, interlace


def write_netpbm_source(path, arr, depth):
    """The source for ImageMagick: PGM/PPM, or PAM for grey+alpha and RGBA."""
    h, w = arr.shape[:2]
    ch = 1 if arr.ndim == 2 else arr.shape[2]
    maxval = 65535 if depth == 16 else 255
    body = arr.astype(">u2" if depth == 16 else np.uint8).tobytes()
    if ch in (1, 3):
        head = b"P%d\n%d %d\n%d\n" % (5 if ch == 1 else 6, w, h, maxval)
    else:
        tupl = b"GRAYSCALE_ALPHA" if ch == 2 else b"RGB_ALPHA"
        head = b"P7\nWIDTH %d\nHEIGHT %d\nDEPTH %d\nMAXVAL %d\nTUPLTYPE %s\nENDHDR\n" % (w, h, ch, maxval, tupl)
    open(path, "wb").write(head + body)


def imagemagick(src_arr, src_depth, out, depth, ctype, interlace, extra=()):
    tmp = out + (".pam" if (src_arr.ndim == 3 and src_arr.shape[2] in (2, 4)) else ".pnm")
    write_netpbm_source(tmp, src_arr, src_depth)
    cmd = ["convert", tmp, "-define", "png:bit-depth=%d" % depth, "-define", "png:color-type=%d" % ctype,
           "-define", "png:exclude-chunks=date,time", "+set", "date:create", "+set", "date:modify"]
    cmd += list(extra)
    cmd += ["-interlace", "PNG" if interlace else "none", out]
    subprocess.run(cmd, check=True)
    os.remove(tmp)


def python_png(path, idx, depth, palette, interlace):
    """A palette PNG written here, for Adam7 palette files (ImageMagick
    rewrites palettes and PIL cannot interlace). Rows take filter types
    0..4 in turn so that every filter appears. PIL decodes it for the
    reference, so this writer is only a producer, never the judge."""
    h, w = idx.shape

    def filt(t, row, prev, bpp=1):
        out = bytearray(len(row))
        for i in range(len(row)):
            a = row[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if t == 0: pred = 0
            elif t == 1: pred = a
            elif t == 2: pred = b
            elif t == 3: pred = (a + b) // 2
            else:
                pp = a + b - c
                pa, pb, pc = abs(pp - a), abs(pp - b), abs(pp - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            out[i] = (row[i] - pred) & 255
        return bytes(out)

    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
    if not interlace:
        passes = [(0, 0, 1, 1)]
    raw, t = bytearray(), 0
    for (x0, y0, dx, dy) in passes:
        sub = idx[y0::dy, x0::dx]
        if sub.size == 0:
            continue
        prev = bytes((sub.shape[1] * depth + 7) // 8)
        for r in sub:
            bits = "".join(format(int(v), "0%db" % depth) for v in r)
            bits += "0" * (-len(bits) % 8)
            row = bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8))
            raw += bytes([t]) + filt(t, row, prev)
            prev, t = row, (t + 1) % 5

    def chunk(typ, body):
        return struct.pack(">I", len(body)) + typ + body + struct.pack(">I", zlib.crc32(typ + body))
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, 3, 0, 0, interlace))
    png += chunk(b"PLTE", bytes(palette)) + chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b"")
    open(path, "wb").write(png)


def save_raw(path, arr, depth):
    open(path, "wb").write(np.ascontiguousarray(arr).astype(">u2" if depth == 16 else np.uint8).tobytes())


def main():
    os.makedirs(PNG_DIR, exist_ok=True)
    os.makedirs(ZLIB_DIR, exist_ok=True)
    os.makedirs(PPM_DIR, exist_ok=True)
    for d in (PNG_DIR, ZLIB_DIR, PPM_DIR):
        for f in os.listdir(d):
            if os.path.isfile(os.path.join(d, f)):
                os.remove(os.path.join(d, f))

    astronaut, chelsea, coffee, camera = skdata.astronaut(), skdata.chelsea(), skdata.coffee(), skdata.camera()
    manifest = []

    def record(name, arr, depth, flags="-"):
        h, w = arr.shape[:2]
        ch = 1 if arr.ndim == 2 else arr.shape[2]
        save_raw(os.path.join(PNG_DIR, name + ".raw"), arr, depth)
        manifest.append("%s %d %d %d %d %s" % (name, w, h, ch, depth, flags))

    def check(name, depth, ctype, interlace):
        got = ihdr(os.path.join(PNG_DIR, name + ".png"))
        assert got[2:] == (depth, ctype, interlace), (name, got)

    # Sizes: 57x41 is odd in both directions, so Adam7 passes have ragged
    # edges and sub-byte rows end in padding bits.
    W, H = 57, 41
    for interlace in (0, 1):
        il = "i" if interlace else "n"
        # ---- grey: 1, 2, 4, 8, 16 bits (camera)
        grey_f = downscale(camera, W, H)
        for depth in (1, 2, 4, 8, 16):
            name = "grey%d_%s" % (depth, il)
            path = os.path.join(PNG_DIR, name + ".png")
            src = to_depth(grey_f, depth)
            if depth == 1 and not interlace:
                Image.fromarray((src * 255).astype(np.uint8)).convert("1", dither=Image.NONE).save(path)
            elif depth == 8 and not interlace:
                Image.fromarray(src).save(path)
            elif depth == 16 and not interlace:
                Image.fromarray(src.astype(np.int32), "I").save(path)  # PIL writes mode I as 16-bit grey
            else:
                src8 = src if depth == 16 else (src.astype(np.uint32) * 255 // ((1 << depth) - 1)).astype(np.uint8)
                imagemagick(src8, 16 if depth == 16 else 8, path, depth, 0, interlace)
            check(name, depth, 0, interlace)
            im = Image.open(path)
            if depth == 16:
                ref = np.asarray(im, dtype=np.int64)
                assert im.mode == "I" and (ref == src).all(), name
                record(name, ref.astype(np.uint16), 16)
            else:
                ref = np.asarray(im.convert("L"))
                assert (ref.astype(np.uint32) == src.astype(np.uint32) * 255 // ((1 << depth) - 1)).all(), name
                record(name, ref, 8)

        # ---- RGB 8 and 16 (astronaut)
        rgb_f = downscale(astronaut, W, H)
        for depth in (8, 16):
            name = "rgb%d_%s" % (depth, il)
            path = os.path.join(PNG_DIR, name + ".png")
            src = to_depth(rgb_f, depth)
            if depth == 8 and not interlace:
                Image.fromarray(src).save(path)
            else:
                imagemagick(src, depth, path, depth, 2, interlace)
            check(name, depth, 2, interlace)
            pil = np.asarray(Image.open(path).convert("RGB"))
            assert (pil == (src >> 8 if depth == 16 else src)).all(), name
            record(name, src if depth == 16 else pil, depth)

        # ---- palette 1, 2, 4, 8 bits (chelsea, quantized by PIL)
        for depth in (1, 2, 4, 8):
            name = "pal%d_%s" % (depth, il)
            path = os.path.join(PNG_DIR, name + ".png")
            q = Image.fromarray(to_depth(downscale(chelsea, W, H), 8)).quantize(colors=1 << depth, dither=Image.NONE)
            if not interlace:
                q.save(path, bits=depth)
            else:
                python_png(path, np.asarray(q), depth, q.getpalette()[:3 * (1 << depth)], interlace)
            check(name, depth, 3, interlace)
            record(name, np.asarray(Image.open(path).convert("RGB")), 8)

        # ---- grey+alpha and RGBA, 8 and 16 bits (coffee; alpha from a photo channel)
        coffee_f = downscale(coffee, W, H)
        alpha_f = downscale(chelsea[:, :, 1], W, H)
        for depth in (8, 16):
            la = np.stack([to_depth(coffee_f[:, :, 0], depth), to_depth(alpha_f, depth)], axis=2)
            rgba = np.concatenate([to_depth(coffee_f, depth), to_depth(alpha_f, depth)[:, :, None]], axis=2)
            for kind, src, ctype in (("ga", la, 4), ("rgba", rgba, 6)):
                name = "%s%d_%s" % (kind, depth, il)
                path = os.path.join(PNG_DIR, name + ".png")
                if depth == 8 and not interlace:
                    Image.fromarray(src, "LA" if kind == "ga" else "RGBA").save(path)
                else:
                    imagemagick(src, depth, path, depth, ctype, interlace)
                check(name, depth, ctype, interlace)
                pil = np.asarray(Image.open(path))
                if kind == "ga" and depth == 16:
                    pil = pil[:, :, [0, 3]]  # PIL reads 16-bit LA as RGBA (L, L, L, A)
                assert (pil == (src >> 8 if depth == 16 else src)).all(), name
                record(name, src if depth == 16 else pil, depth)

    # ---- tRNS (PIL writes it for L, RGB and P). Reference: PIL's RGBA
    # conversion, which applies the key (flag trns: decode with trns_alpha).
    grey = to_depth(downscale(camera, W, H), 8)
    key = int(grey[10, 10])
    Image.fromarray(grey).save(os.path.join(PNG_DIR, "grey8_trns.png"), transparency=key)
    im = Image.open(os.path.join(PNG_DIR, "grey8_trns.png"))
    assert "tRNS" in chunks(os.path.join(PNG_DIR, "grey8_trns.png"))[1]
    record("grey8_trns", np.asarray(im.convert("RGBA"))[:, :, [0, 3]], 8, "trns")
    record("grey8_trns_plain", np.asarray(im.convert("L")), 8, "file=grey8_trns")
    rgb = to_depth(downscale(astronaut, W, H), 8)
    rkey = tuple(int(v) for v in rgb[20, 30])
    Image.fromarray(rgb).save(os.path.join(PNG_DIR, "rgb8_trns.png"), transparency=rkey)
    im = Image.open(os.path.join(PNG_DIR, "rgb8_trns.png"))
    record("rgb8_trns", np.asarray(im.convert("RGBA")), 8, "trns")
    q = Image.fromarray(to_depth(downscale(chelsea, W, H), 8)).quantize(colors=16, dither=Image.NONE)
    alphas = bytes((i * 37) % 256 for i in range(10))  # 10 of 16 entries: the rest stay opaque
    q.save(os.path.join(PNG_DIR, "pal4_trns.png"), bits=4, transparency=alphas)
    im = Image.open(os.path.join(PNG_DIR, "pal4_trns.png"))
    assert im.mode == "P" and "transparency" in im.info
    record("pal4_trns", np.asarray(im.convert("RGBA")), 8)

    # ---- tiny interlaced images: empty Adam7 passes, 1-pixel rows.
    for (w, h) in ((1, 1), (2, 3), (5, 1), (1, 9), (9, 9)):
        name = "tiny_rgb_%dx%d_i" % (w, h)
        path = os.path.join(PNG_DIR, name + ".png")
        src = to_depth(downscale(astronaut, w, h), 8)
        imagemagick(src, 8, path, 8, 2, 1)
        check(name, 8, 2, 1)
        record(name, np.asarray(Image.open(path).convert("RGB")), 8)
        name = "tiny_grey1_%dx%d_i" % (w, h)
        path = os.path.join(PNG_DIR, name + ".png")
        src = (to_depth(downscale(camera, w, h), 1) * 255).astype(np.uint8)
        imagemagick(src, 8, path, 1, 0, 1)
        check(name, 1, 0, 1)
        record(name, np.asarray(Image.open(path).convert("L")), 8)

    # ---- a larger photo as PIL writes it (adaptive filters, zlib -6)
    photo = to_depth(downscale(coffee, 240, 160), 8)
    Image.fromarray(photo).save(os.path.join(PNG_DIR, "photo_coffee.png"))
    record("photo_coffee", np.asarray(Image.open(os.path.join(PNG_DIR, "photo_coffee.png"))), 8)

    open(os.path.join(PNG_DIR, "manifest.txt"), "w").write(
        "# name width height channels depth flags (generated by golden/tools/png_golden.py)\n"
        + "\n".join(manifest) + "\n")

    make_zlib_corpus(photo)
    make_ppm_corpus(camera, astronaut)


def make_zlib_corpus(photo):
    rng = np.random.RandomState(99)
    text = open("/usr/share/common-licenses/GPL-3", "rb").read()[:24000]
    sources = {
        "text": text,
        "photo": photo[:64].tobytes(),
        "random": rng.randint(0, 256, 9000).astype(np.uint8).tobytes(),
        "runs": b"a" * 5000 + b"ab" * 3000 + bytes(range(256)) * 8 + b"\0" * 40000,
        "empty": b"",
        "one": b"x",
    }
    lines = []
    for name, data in sources.items():
        open(os.path.join(ZLIB_DIR, name + ".bin"), "wb").write(data)
        variants = [("l0", 0, zlib.Z_DEFAULT_STRATEGY, 15), ("l1", 1, zlib.Z_DEFAULT_STRATEGY, 15),
                    ("l6", 6, zlib.Z_DEFAULT_STRATEGY, 15), ("l9", 9, zlib.Z_DEFAULT_STRATEGY, 15),
                    ("fixed", 6, zlib.Z_FIXED, 15), ("huffman", 6, zlib.Z_HUFFMAN_ONLY, 15),
                    ("rle", 6, zlib.Z_RLE, 15), ("filtered", 6, zlib.Z_FILTERED, 15), ("w9", 9, zlib.Z_DEFAULT_STRATEGY, 9)]
        for tag, level, strategy, wbits in variants:
            c = zlib.compressobj(level, zlib.DEFLATED, wbits, 9 if tag == "l9" else 8, strategy)
            z = c.compress(data) + c.flush()
            fn = "%s.%s.zlib" % (name, tag)
            open(os.path.join(ZLIB_DIR, fn), "wb").write(z)
            lines.append("zlib %s %s.bin" % (fn, name))
        # gzip: python's writer (FNAME), and a hand-made header with every flag.
        buf = io.BytesIO()
        with gzip.GzipFile(filename=name + ".bin", mode="wb", fileobj=buf, mtime=0) as g:
            g.write(data)
        open(os.path.join(ZLIB_DIR, name + ".gz"), "wb").write(buf.getvalue())
        lines.append("gzip %s.gz %s.bin" % (name, name))
    data = sources["text"]
    raw = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = raw.compress(data) + raw.flush()
    head = bytes([0x1F, 0x8B, 8, 2 | 4 | 8 | 16, 0, 0, 0, 0, 0, 255])
    head += struct.pack("<H", 5) + b"EXTRA" + b"name.txt\0" + b"a comment\0"
    head += struct.pack("<H", zlib.crc32(head) & 0xFFFF)
    member = head + body + struct.pack("<II", zlib.crc32(data), len(data))
    two = member + gzip.compress(b"second member", mtime=0)
    assert gzip.decompress(two) == data + b"second member"
    open(os.path.join(ZLIB_DIR, "allflags_2members.gz"), "wb").write(two)
    open(os.path.join(ZLIB_DIR, "allflags_2members.bin"), "wb").write(data + b"second member")
    lines.append("gzip allflags_2members.gz allflags_2members.bin")
    for ln in lines:
        kind, fn, orig = ln.split()
        z = open(os.path.join(ZLIB_DIR, fn), "rb").read()
        assert (zlib.decompress(z) if kind == "zlib" else gzip.decompress(z)) == open(os.path.join(ZLIB_DIR, orig), "rb").read()
    open(os.path.join(ZLIB_DIR, "manifest.txt"), "w").write(
        "# kind compressed original (generated by golden/tools/png_golden.py)\n" + "\n".join(lines) + "\n")


def pil_rescale(v, maxval, outmax):
    """PIL 9.4's PpmDecoder formula, evaluated by numpy in float64."""
    return np.minimum(outmax, np.round(v.astype(np.float64) / maxval * outmax)).astype(np.int64)


def make_ppm_corpus(camera, astronaut):
    W, H = 23, 17
    grey = to_depth(downscale(camera, W, H), 8).astype(np.int64)
    rgb = to_depth(downscale(astronaut, W, H), 8).astype(np.int64)
    lines = []
    for maxval in (1, 3, 15, 100, 255, 256, 1000, 4095, 65535):
        g = grey * maxval // 255
        c = rgb * maxval // 255
        for kind in ("P2", "P5", "P3", "P6"):
            arr = g if kind in ("P2", "P5") else c
            name = "%s_max%d" % (kind, maxval)
            # Comments in every gap of the header, as pgm(5) allows.
            head = b"%s\n# made by png_golden.py\n%d # width\n%d\n#maxval next\n%d\n" % (
                kind.encode(), W, H, maxval)
            if kind in ("P2", "P3"):
                vals = arr.reshape(-1)
                rows = [" ".join(str(int(v)) for v in vals[i:i + 12]) for i in range(0, len(vals), 12)]
                body = ("\n".join(rows) + "\n").encode()
            else:
                body = arr.astype(">u2" if maxval > 255 else np.uint8).tobytes()
            path = os.path.join(PPM_DIR, name + (".pgm" if kind in ("P2", "P5") else ".ppm"))
            open(path, "wb").write(head + body)
            im = Image.open(path)
            pil = np.asarray(im, dtype=np.int64)
            depth = 16 if maxval > 255 else 8
            outmax = 65535 if depth == 16 else 255
            ref = pil_rescale(arr, maxval, outmax)
            if depth == 8 or kind in ("P2", "P5"):
                assert (pil == ref).all(), name  # PIL's own output is the reference
            else:
                # PIL keeps 8 bits of 16-bit RGB: check it used the same formula.
                assert (pil == pil_rescale(arr, maxval, 255)).all(), name
            save_raw(os.path.join(PPM_DIR, name + ".raw"), ref, depth)
            lines.append("%s %d %d %d %d" % (os.path.basename(path), W, H, 1 if kind in ("P2", "P5") else 3, depth))
    open(os.path.join(PPM_DIR, "manifest.txt"), "w").write(
        "# file width height channels depth: reference pixels in <stem>.raw (generated by golden/tools/png_golden.py)\n"
        + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
