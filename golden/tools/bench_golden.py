#!/usr/bin/python3
"""Input files for `make bench` (cli/cmd_bench.c, bench_image): a real
photograph of about one megapixel as JPEG, baseline and progressive.

Run from the repository root with Debian's python3-pil and opencv-doc:

    /usr/bin/python3 golden/tools/bench_golden.py

The photograph is opencv-doc's aloeL.jpg (a Middlebury stereo view, 1282x1110:
a plant before a patterned cloth, much fine texture) cropped to 1280x800
(1.02 MP) and saved by PIL (libjpeg-turbo) at quality 90 with 4:2:0 chroma
subsampling, the settings of a typical phone or camera photo. The bench makes
its PNG test file from the decoded JPEG at run time (into build/), so no PNG is
committed. These are speed inputs only: no test compares their pixels.
"""
import os

from PIL import Image

SRC = "/usr/share/doc/opencv-doc/examples/data/aloeL.jpg"
OUT = "golden/bench"

os.makedirs(OUT, exist_ok=True)
im = Image.open(SRC).convert("RGB").crop((1, 155, 1281, 955))
assert im.size == (1280, 800)
im.save(os.path.join(OUT, "photo_1mp_q90_420.jpg"), quality=90, subsampling="4:2:0")
im.save(os.path.join(OUT, "photo_1mp_q90_420_prog.jpg"), quality=90, subsampling="4:2:0", progressive=True)
for name in sorted(os.listdir(OUT)):
    print(name, os.path.getsize(os.path.join(OUT, name)))
