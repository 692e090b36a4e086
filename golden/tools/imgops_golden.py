#!/usr/bin/python3
"""Goldens for image/'s operations, filters and GIF tests (tests/test_imgops.c,
tests/test_gif.c): OpenCV 4.6 (Debian python3-opencv) outputs on small crops of
real photographs from Debian's python3-skimage, and an animated GIF written by
PIL (python3-pil) with the frames PIL decodes from it.

    /usr/bin/python3 golden/tools/imgops_golden.py     (rewrites golden/imgops/)

Files are binary PGM (P5, grey), PPM (P6, RGB) or PAM (P7, RGBA) with maxval
255, so the test needs only a tiny reader. The test file lists every case with
the same parameters as below; change both together."""
import os

import cv2
import numpy as np
import skimage.data
from PIL import Image

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "imgops")

assert cv2.__version__.startswith("4.6"), cv2.__version__


def save(name, a):
    a = np.ascontiguousarray(a, dtype=np.uint8)
    h, w = a.shape[:2]
    c = 1 if a.ndim == 2 else a.shape[2]
    if c == 1:
        head = b"P5\n%d %d\n255\n" % (w, h)
    elif c == 3:
        head = b"P6\n%d %d\n255\n" % (w, h)
    else:
        head = b"P7\nWIDTH %d\nHEIGHT %d\nDEPTH 4\nMAXVAL 255\nTUPLTYPE RGB_ALPHA\nENDHDR\n" % (w, h)
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(head + a.tobytes())


def ext(a):
    return "pgm" if a.ndim == 2 else ("ppm" if a.shape[2] == 3 else "pam")


# ---- inputs: crops of real photographs (RGB order, as skimage gives them) ----
astro = skimage.data.astronaut()[40:160, 170:310]    # 140x120 RGB, the face
chelsea = skimage.data.chelsea()[100:177, 150:251]   # 101x77 RGB, odd sizes
coffee = skimage.data.coffee()[150:250, 250:380]     # 130x100 RGB
camera = skimage.data.camera()[100:196, 200:320]     # 120x96 grey
yy, xx = np.mgrid[0:astro.shape[0], 0:astro.shape[1]]
astro_rgba = np.dstack([astro, ((xx * 2 + yy * 3) & 255).astype(np.uint8)])

inputs = {"astro": astro, "chelsea": chelsea, "coffee": coffee, "camera": camera, "astro_rgba": astro_rgba}
os.makedirs(OUT, exist_ok=True)
for f in os.listdir(OUT):
    os.remove(os.path.join(OUT, f))
for name, a in inputs.items():
    save("in_%s.%s" % (name, ext(a)), a)

# ---- grey: cvtColor RGB2GRAY, BGR2GRAY (same bytes read as BGR), RGBA2GRAY ----
save("grey_rgb_astro.pgm", cv2.cvtColor(astro, cv2.COLOR_RGB2GRAY))
save("grey_bgr_astro.pgm", cv2.cvtColor(astro, cv2.COLOR_BGR2GRAY))
save("grey_rgb_coffee.pgm", cv2.cvtColor(coffee, cv2.COLOR_RGB2GRAY))
save("grey_rgba_astro_rgba.pgm", cv2.cvtColor(astro_rgba, cv2.COLOR_RGBA2GRAY))

# ---- resize: (input, width, height) x {LINEAR_EXACT, LINEAR, AREA} ----
methods = {"exact": cv2.INTER_LINEAR_EXACT, "linear": cv2.INTER_LINEAR, "area": cv2.INTER_AREA}
sizes = [
    ("camera", 77, 51), ("camera", 211, 163), ("camera", 60, 48), ("camera", 40, 32),
    ("camera", 30, 24), ("camera", 150, 70), ("camera", 7, 5), ("camera", 119, 97),
    ("camera", 13, 1), ("camera", 1, 1),
    ("chelsea", 64, 45), ("chelsea", 173, 131), ("chelsea", 50, 38),
    ("astro", 70, 60), ("astro", 35, 30), ("astro", 46, 40),
    ("astro_rgba", 53, 47), ("astro_rgba", 70, 60), ("astro_rgba", 101, 93),
]
for mname, m in methods.items():
    for src, w, h in sizes:
        r = cv2.resize(inputs[src], (w, h), interpolation=m)
        save("resize_%s_%s_%dx%d.%s" % (mname, src, w, h, ext(r)), r)

# ---- warpAffine, bilinear, each border mode. Exact decimal matrices, so C
# parses the same doubles. ----
M1 = np.array([[0.86, 0.27, -12.5], [-0.27, 0.86, 20.25]])
borders = {"constant": cv2.BORDER_CONSTANT, "replicate": cv2.BORDER_REPLICATE, "reflect101": cv2.BORDER_REFLECT_101}
for bname, b in borders.items():
    r = cv2.warpAffine(astro, M1, (128, 112), flags=cv2.INTER_LINEAR, borderMode=b, borderValue=(10, 200, 30))
    save("warp_%s_astro.ppm" % bname, r)
M2 = np.array([[1.25, -0.125, 3.75], [0.2, 1.1, -8.5]])
r = cv2.warpAffine(camera, M2, (100, 90), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                   borderMode=cv2.BORDER_CONSTANT, borderValue=0)
save("warp_inverse_camera.pgm", r)
r = cv2.warpAffine(astro_rgba, M1, (128, 112), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
save("warp_reflect101_astro_rgba.pam", r)

# ---- Canny on grey images: (low, high) x {L1, L2} ----
astro_grey = cv2.cvtColor(astro, cv2.COLOR_RGB2GRAY)
for gname, g in (("camera", camera), ("astro", astro_grey)):
    for lo, hi in ((50, 150), (100, 200)):
        for l2 in (False, True):
            e = cv2.Canny(g, lo, hi, L2gradient=l2)
            save("canny_%s_%d_%d_%s.pgm" % (gname, lo, hi, "l2" if l2 else "l1"), e)

# ---- GaussianBlur (default border REFLECT_101): (input, ksize, sigma) ----
blurs = [("chelsea", 3, 0.0), ("chelsea", 5, 0.0), ("chelsea", 7, 0.0), ("chelsea", 5, 1.2),
         ("chelsea", 7, 2.0), ("camera", 3, 0.8), ("camera", 5, 1.5), ("camera", 7, 0.7),
         ("camera", 9, 0.0), ("camera", 11, 3.0), ("astro_rgba", 5, 1.0)]
for src, k, s in blurs:
    r = cv2.GaussianBlur(inputs[src], (k, k), s)
    save("blur_%s_k%d_s%s.%s" % (src, k, ("%g" % s).replace(".", "p"), ext(r)), r)

# ---- an animated GIF written by PIL, and the RGB frames PIL reads back ----
small = cv2.resize(astro, (32, 24), interpolation=cv2.INTER_AREA)
f1 = Image.fromarray(small).quantize(colors=64, dither=Image.Dither.NONE)
f2 = Image.fromarray(np.ascontiguousarray(small[:, ::-1])).quantize(colors=64, dither=Image.Dither.NONE)
gif_path = os.path.join(OUT, "pil_anim.gif")
f1.save(gif_path, save_all=True, append_images=[f2], duration=[70, 200], loop=0, optimize=False)
im = Image.open(gif_path)
for i in range(im.n_frames):
    im.seek(i)
    save("pil_anim_frame%d.ppm" % i, np.asarray(im.convert("RGB")))

total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
print("wrote %d files, %d bytes, to %s" % (len(os.listdir(OUT)), total, os.path.normpath(OUT)))
