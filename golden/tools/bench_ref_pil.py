#!/usr/bin/python3
"""PIL's side of `gan99 bench image` (cli/cmd_bench.c): decode the bench's
JPEG files and its PNG, and encode that PNG again, timed the way gan99 times
its own codecs: best of 3 runs, each as many calls as fit in MIN_S seconds.
PNG encoding uses zlib level 6, PIL's default.

    /usr/bin/python3 golden/tools/bench_ref_pil.py [MIN_S [JPEG PROGRESSIVE_JPEG PNG]]

Defaults: 0.3 s and the repository's golden/bench photographs, with the PNG
that `gan99 bench image` writes to build/bench/photo_1mp.png. Output, one
figure a line (seconds per call):

    jpeg_decode SECONDS
    jpeg_prog_decode SECONDS
    png_decode SECONDS
    png_encode SECONDS BYTES
    version PIL_VERSION

or one line `skip REASON` when PIL is not importable.
"""
import io
import sys
import time

try:
    from PIL import Image
except ImportError as e:
    print("skip", e)
    sys.exit(0)

DEFAULT_FILES = ["golden/bench/photo_1mp_q90_420.jpg", "golden/bench/photo_1mp_q90_420_prog.jpg",
                 "build/bench/photo_1mp.png"]


def best(fn, min_s):
    """Seconds per call of fn (best of 3 runs of at least min_s) and its last result."""
    b = 1e30
    for _ in range(3):
        n, t0 = 0, time.perf_counter()
        while True:
            r = fn()
            n += 1
            t = time.perf_counter() - t0
            if t >= min_s:
                break
        b = min(b, t / n)
    return b, r


def decode(data):
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def encode(im):
    f = io.BytesIO()
    im.save(f, "PNG", compress_level=6)
    return len(f.getvalue())


def main(argv):
    min_s = float(argv[1]) if len(argv) > 1 else 0.3
    paths = argv[2:5] if len(argv) >= 5 else DEFAULT_FILES
    jpg, prog, png = (open(p, "rb").read() for p in paths)
    print("jpeg_decode %.9f" % best(lambda: decode(jpg), min_s)[0])
    print("jpeg_prog_decode %.9f" % best(lambda: decode(prog), min_s)[0])
    print("png_decode %.9f" % best(lambda: decode(png), min_s)[0])
    im = decode(png)
    t, size = best(lambda: encode(im), min_s)
    print("png_encode %.9f %d" % (t, size))
    print("version", Image.__version__, flush=True)


if __name__ == "__main__":
    main(sys.argv)
