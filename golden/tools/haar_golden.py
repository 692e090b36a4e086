#!/usr/bin/python3
"""Goldens for align/'s Haar cascade detector (tests/test_align.c): what
OpenCV 4.6's CascadeClassifier.detectMultiScale (Debian python3-opencv, one
thread) returns on real photographs, for the vendored cascades and two small
test cascades.

    /usr/bin/python3 golden/tools/haar_golden.py   (rewrites golden/haar/ and
                                                     tests/corpus/cascade/eye_tree_6stages.xml)

Inputs are photographs from Debian's python3-skimage and opencv-doc packages,
made grey by cv2.cvtColor (RGB2GRAY for skimage's RGB arrays, BGR2GRAY for
cv2.imread's BGR ones) and shrunk with INTER_AREA so the longer side is at
most 256 pixels (keeps the committed set small and the test fast). They are
stored as binary PGM, and the detector runs on exactly those grey bytes.

golden/haar/detections.txt holds one block per case:

    IMAGE CASCADE SCALE_FACTOR MIN_NEIGHBORS MIN_W MIN_H MAX_W MAX_H COUNT
    x y w h            (COUNT lines, in OpenCV's single-thread order)

MIN_NEIGHBORS 0 gives the raw candidates (clipped to the image, not grouped).
"""
import os
import re
import xml.etree.ElementTree as ET

import cv2
import numpy as np
import skimage.data

assert cv2.__version__.startswith("4.6"), cv2.__version__
cv2.setNumThreads(1)  # OpenCV's output order is deterministic with one thread only

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(ROOT, "golden", "haar")
CASCADES = os.path.join(ROOT, "align", "cascades")
CORPUS = os.path.join(ROOT, "tests", "corpus", "cascade")
DEBIAN = "/usr/share/opencv4/haarcascades"
DOC = "/usr/share/doc/opencv-doc/examples/data"
MAX_SIDE = 160


def grey_from_rgb(a):
    return a if a.ndim == 2 else cv2.cvtColor(np.ascontiguousarray(a[:, :, :3]), cv2.COLOR_RGB2GRAY)


def grey_from_file(path):
    a = cv2.imread(path, cv2.IMREAD_COLOR)
    assert a is not None, path
    return cv2.cvtColor(a, cv2.COLOR_BGR2GRAY)


def frame_of(path, index):
    cap = cv2.VideoCapture(path)
    cap.set(cv2.CAP_PROP_POS_FRAMES, index)
    ok, a = cap.read()
    assert ok, path
    return cv2.cvtColor(a, cv2.COLOR_BGR2GRAY)


def shrink(g):
    h, w = g.shape
    f = MAX_SIDE / max(h, w)
    if f >= 1:
        return g
    return cv2.resize(g, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA)


def lfw_montage(indices, cols, cell, gap):
    """Several real faces in one picture: Labeled Faces in the Wild crops
    (skimage.data.lfw_subset, 25x25 float) enlarged and tiled on grey."""
    faces = skimage.data.lfw_subset()
    rows = (len(indices) + cols - 1) // cols
    m = np.full((rows * (cell + gap) + gap, cols * (cell + gap) + gap), 128, np.uint8)
    for k, i in enumerate(indices):
        f = np.clip(faces[i] * 255 + 0.5, 0, 255).astype(np.uint8)
        f = cv2.resize(f, (cell, cell), interpolation=cv2.INTER_CUBIC)
        r, c = divmod(k, cols)
        m[gap + r * (cell + gap):gap + r * (cell + gap) + cell, gap + c * (cell + gap):gap + c * (cell + gap) + cell] = f
    return m


def images():
    d = skimage.data
    astro = grey_from_rgb(d.astronaut())
    yield "astronaut", astro
    yield "astronaut_face_crop", astro[30:150, 150:250]           # face filling the frame
    yield "astronaut_narrow", astro[60:200, 160:200]              # narrow, face cut by the border
    yield "camera", d.camera()
    yield "coffee", grey_from_rgb(d.coffee())                     # no face
    yield "chelsea", grey_from_rgb(d.chelsea())                   # a cat
    yield "rocket", grey_from_rgb(d.rocket())                     # no face
    yield "hubble", grey_from_rgb(d.hubble_deep_field())          # no face
    yield "page", d.page()                                        # text, no face
    yield "lfw_4x3", lfw_montage(list(range(0, 12)), 4, 60, 6)    # 12 faces
    yield "lfw_3x2", lfw_montage([20, 31, 42, 53, 64, 75], 3, 80, 10)
    yield "lfw_2x2_big", lfw_montage([100, 120, 140, 160], 2, 120, 8)
    yield "lfw_5x1", lfw_montage([7, 17, 27, 37, 47], 5, 48, 4)   # small faces
    yield "messi", grey_from_file(DOC + "/messi5.jpg")
    yield "baboon", grey_from_file(DOC + "/baboon.jpg")
    yield "basketball", grey_from_file(DOC + "/basketball1.png")
    yield "starry_night", grey_from_file(DOC + "/starry_night.jpg")
    yield "home", grey_from_file(DOC + "/home.jpg")
    yield "fruits", grey_from_file(DOC + "/fruits.jpg")
    yield "chessboard", grey_from_file(DOC + "/left01.jpg")
    yield "building", grey_from_file(DOC + "/building.jpg")
    yield "megamind", frame_of(DOC + "/Megamind.avi", 60)        # a cartoon face
    yield "vtest", frame_of(DOC + "/vtest.avi", 10)              # small pedestrians
    yield "plate", grey_from_file(DOC + "/licenseplate_motion.jpg")


def save_pgm(path, a):
    h, w = a.shape
    with open(path, "wb") as f:
        f.write(b"P5\n%d %d\n255\n" % (w, h) + np.ascontiguousarray(a, np.uint8).tobytes())


def trim_cascade(src, dst, keep):
    """The first `keep` stages of a new-format cascade, with only the features
    they use (renumbered in order of first use), licence comment kept."""
    text = open(src).read()
    head = text[:text.index("<opencv_storage>")]
    root = ET.fromstring(text[len(head):])
    casc = root[0]
    stages = casc.find("stages")
    for s in list(stages)[keep:]:
        stages.remove(s)
    casc.find("stageNum").text = str(keep)
    feats = list(casc.find("features"))
    used = {}
    for s in stages:
        for wc in s.find("weakClassifiers"):
            node = wc.find("internalNodes")
            v = node.text.split()
            for k in range(0, len(v), 4):
                old = int(v[k + 2])
                used.setdefault(old, len(used))
                v[k + 2] = str(used[old])
            node.text = " ".join(v)
    fnode = casc.find("features")
    for f in feats:
        fnode.remove(f)
    for old, new in sorted(used.items(), key=lambda t: t[1]):
        fnode.append(feats[old])
    with open(dst, "w") as f:
        f.write(head + ET.tostring(root, encoding="unicode") + "\n")


def main():
    os.makedirs(os.path.join(OUT, "img"), exist_ok=True)
    tree6 = os.path.join(CORPUS, "eye_tree_6stages.xml")
    trim_cascade(DEBIAN + "/haarcascade_eye_tree_eyeglasses.xml", tree6, 6)
    cascades = [
        ("frontalface_default", os.path.join(CASCADES, "haarcascade_frontalface_default.xml")),
        ("frontalface_alt2", os.path.join(CASCADES, "haarcascade_frontalface_alt2.xml")),
        ("eye", os.path.join(CASCADES, "haarcascade_eye.xml")),
    ]
    # Parameter sets: (scale factor, min size, max size, minNeighbors values);
    # minNeighbors 0 is the raw candidate list of that scan.
    sets = [(1.1, (0, 0), (0, 0), (0, 1, 3)), (1.2, (30, 30), (200, 200), (0, 2, 5))]
    # Extra cascades on a few images: tilted features in trees (trimmed
    # eye_tree_eyeglasses) and the one old-format stock cascade.
    extra = [
        ("eye_tree_6stages", tree6, ["astronaut_face_crop", "lfw_2x2_big", "messi"],
         [(1.1, (0, 0), (0, 0), (0, 3)), (1.3, (0, 0), (0, 0), (0, 2))]),
        ("licence_plate_rus", os.path.join(CORPUS, "haarcascade_licence_plate_rus_16stages.xml"),
         ["plate", "home", "vtest"], [(1.1, (0, 0), (0, 0), (0, 3)), (1.2, (0, 0), (0, 0), (0, 1))]),
    ]
    lines = []
    greys = {}
    total = 0
    for name, g in images():
        g = shrink(np.ascontiguousarray(g, np.uint8))
        greys[name] = g
        path = os.path.join(OUT, "img", name + ".pgm")
        save_pgm(path, g)
        total += os.path.getsize(path)

    def run(cname, cpath, name, sf, mn_size, mx_size, mns):
        clf = cv2.CascadeClassifier(cpath)
        assert not clf.empty(), cpath
        for mn in mns:
            r = clf.detectMultiScale(greys[name], scaleFactor=sf, minNeighbors=mn, flags=0,
                                     minSize=mn_size, maxSize=mx_size)
            r = [] if len(r) == 0 else r.tolist()
            lines.append("%s %s %r %d %d %d %d %d %d" % (name, cname, sf, mn, mn_size[0], mn_size[1],
                                                         mx_size[0], mx_size[1], len(r)))
            lines.extend("%d %d %d %d" % tuple(b) for b in r)

    for name in greys:
        for cname, cpath in cascades:
            for sf, mn_size, mx_size, mns in sets:
                run(cname, cpath, name, sf, mn_size, mx_size, mns)
    for cname, cpath, names, psets in extra:
        for name in names:
            for sf, mn_size, mx_size, mns in psets:
                run(cname, cpath, name, sf, mn_size, mx_size, mns)
    with open(os.path.join(OUT, "detections.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("%d images, %d bytes of PGM, %d cases" % (len(greys), total,
                                                   sum(1 for l in lines if re.match(r"[a-z]", l))))


if __name__ == "__main__":
    main()
