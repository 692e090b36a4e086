#!/usr/bin/python3
"""Where the eyes are in a frontalface_default box: the numbers behind
align/align_face.c's fallback (eyes predicted from the face box) and its
eye-pair rule (distance between the eyes).

    /usr/bin/python3 golden/tools/align_box_fractions.py

Runs OpenCV 4.6 (Debian python3-opencv) on the first 100 faces of Labeled
Faces in the Wild (skimage.data.lfw_subset, 25x25 crops enlarged to 100x100
on a grey canvas so the detectors fire), finds the largest face, the eye
cascade's detections in its top 60%, and for faces with exactly one eye on
each side of the box centre prints the eye centres as fractions of the box.
Prints; writes nothing (the results are quoted in align/align_face.c).
Measured: 49 faces, median centres (0.303, 0.386) and (0.670, 0.372), spread
(std) 0.02 to 0.03; the eye distance is 0.37 (median) of the box width. The
astronaut of data/ has (0.26, 0.36) and (0.74, 0.40): distance 0.49.
"""
import cv2
import numpy as np
import os
import skimage.data

cv2.setNumThreads(1)
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
CASCADES = os.path.join(ROOT, "align", "cascades")
face = cv2.CascadeClassifier(os.path.join(CASCADES, "haarcascade_frontalface_default.xml"))
eye = cv2.CascadeClassifier(os.path.join(CASCADES, "haarcascade_eye.xml"))


def fractions(g):
    faces = face.detectMultiScale(g, 1.1, 3)
    if len(faces) == 0:
        return None
    x, y, w, h = max(faces, key=lambda b: b[2] * b[3])
    eyes = eye.detectMultiScale(g[y:y + int(0.6 * h), x:x + w], 1.1, 3)
    centres = [(ex + ew / 2, ey + eh / 2) for ex, ey, ew, eh in eyes if ey + eh / 2 < 0.5 * h]
    left = [c for c in centres if c[0] < w / 2]
    right = [c for c in centres if c[0] > w / 2]
    if len(left) != 1 or len(right) != 1:
        return None
    (lx, ly), (rx, ry) = left[0], right[0]
    return lx / w, ly / h, rx / w, ry / h, np.hypot(rx - lx, ry - ly) / w


rows = []
for f in skimage.data.lfw_subset()[:100]:
    f = cv2.resize(np.clip(f * 255 + 0.5, 0, 255).astype(np.uint8), (100, 100), interpolation=cv2.INTER_CUBIC)
    canvas = np.full((160, 160), 128, np.uint8)
    canvas[30:130, 30:130] = f
    r = fractions(canvas)
    if r is not None:
        rows.append(r)
rows = np.array(rows)
print("faces with one eye each side:", len(rows))
print("median  left x, y, right x, y, distance:", np.round(np.median(rows, 0), 3))
print("std:                                    ", np.round(rows.std(0), 3))
astro = cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2GRAY)
print("astronaut:", np.round(fractions(astro), 3))
