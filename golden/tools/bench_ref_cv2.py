#!/usr/bin/python3
"""OpenCV's side of `gan99 bench detect` (cli/cmd_bench.c): the time of one
detectMultiScale(grey, 1.1, 3) call, OpenCV's defaults otherwise, on the grey
image of PHOTO with the Haar cascade CASCADE, best of REPS calls, for each
thread count in THREADS (comma-separated, through cv2.setNumThreads).

    /usr/bin/python3 golden/tools/bench_ref_cv2.py [PHOTO [CASCADE [REPS [THREADS]]]]

Defaults: data/astronaut.jpg, the repository's frontalface_default cascade,
10 calls, threads 1,2. Output, one line per thread count, then the version:

    detect THREADS MILLISECONDS FACES
    version CV2_VERSION

or one line `skip REASON` when cv2 is not importable.
"""
import sys
import time

try:
    import cv2
except ImportError as e:
    print("skip", e)
    sys.exit(0)


def main(argv):
    photo = argv[1] if len(argv) > 1 else "data/astronaut.jpg"
    cascade = argv[2] if len(argv) > 2 else "align/cascades/haarcascade_frontalface_default.xml"
    reps = int(argv[3]) if len(argv) > 3 else 10
    threads = [int(t) for t in argv[4].split(",")] if len(argv) > 4 else [1, 2]
    bgr = cv2.imread(photo)
    if bgr is None:
        sys.exit("%s: cv2 cannot read it" % photo)
    grey = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    c = cv2.CascadeClassifier(cascade)
    if c.empty():
        sys.exit("%s: cv2 cannot load the cascade" % cascade)
    for t in threads:
        cv2.setNumThreads(t)
        best, n = 1e30, 0
        for _ in range(reps):
            t0 = time.perf_counter()
            n = len(c.detectMultiScale(grey, 1.1, 3))
            best = min(best, time.perf_counter() - t0)
        print("detect %d %.6f %d" % (t, best * 1e3, n))
    print("version", cv2.__version__, flush=True)


if __name__ == "__main__":
    main(sys.argv)
