#!/usr/bin/python3
"""Goldens for the dataset tests (tests/test_dataset.c), made with PIL 9.4:

  nearest.txt   for square class maps of side S resized to side D with
                Image.NEAREST (what SPADE uses for label maps), the source
                column each output column reads: "S D c0 c1 ... c(D-1)".
  palette4x2.png  a palette ("P") PNG written by PIL whose palette repeats
                colours (entries 1 and 5 are both red) and has a tRNS chunk,
                so only the indices, never the colours, give the classes;
                its indices are listed in the test.

    /usr/bin/python3 golden/tools/dataset_golden.py   (rewrites golden/dataset/)"""
import os

import numpy as np
from PIL import Image

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "dataset")
CASES = [(5, 3), (3, 5), (3, 2), (6, 4), (4, 2), (7, 4), (10, 4), (4, 10), (13, 6), (6, 13),
         (100, 255), (255, 100), (200, 3), (3, 200), (99, 33), (33, 99), (250, 249), (249, 250)]

os.makedirs(OUT, exist_ok=True)
with open(os.path.join(OUT, "nearest.txt"), "w") as f:
    for s, d in CASES:
        src = np.tile(np.arange(s, dtype=np.uint8), (s, 1))
        out = np.asarray(Image.fromarray(src, "L").resize((d, d), Image.NEAREST))
        rows = np.asarray(Image.fromarray(src.T.copy(), "L").resize((d, d), Image.NEAREST))
        assert (rows[:, 0] == out[0, :]).all()   # rows follow the same rule as columns
        f.write("%d %d %s\n" % (s, d, " ".join(str(int(v)) for v in out[0])))

idx = np.array([[0, 1, 2, 3], [4, 5, 6, 1]], dtype=np.uint8)
p = Image.fromarray(idx, "P")
pal = [0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9, 255, 0, 0, 50, 60, 70]
p.putpalette(pal)
p.info["transparency"] = bytes([255, 128])
p.save(os.path.join(OUT, "palette4x2.png"), transparency=bytes([255, 128]))
check = Image.open(os.path.join(OUT, "palette4x2.png"))
assert check.mode == "P" and (np.asarray(check) == idx).all()
