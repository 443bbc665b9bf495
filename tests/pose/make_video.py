"""Make test videos; run with the estimator's Python (it needs OpenCV and matplotlib).

    python make_video.py person OUT --seconds S --fps F [--width W --height H]
    python make_video.py empty OUT --seconds S --fps F        (a dark, empty room)
    python make_video.py long OUT --seconds S --fps F         (tiny frames, for length limits)

``person`` slides matplotlib's sample photograph (Grace Hopper, public domain, shipped with
matplotlib) across a grey background, bobbing up and down: a real person the model finds in
every frame, though not a runner, so no foot contacts are measured.
"""

from __future__ import annotations

import argparse
import math

import cv2
import numpy as np
from matplotlib import cbook


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["person", "empty", "long"])
    ap.add_argument("out")
    ap.add_argument("--seconds", type=float, default=6)
    ap.add_argument("--fps", type=float, default=30)
    ap.add_argument("--width", type=int, default=640)
    ap.add_argument("--height", type=int, default=480)
    a = ap.parse_args()
    w, h = (32, 32) if a.kind == "long" else (a.width, a.height)
    writer = cv2.VideoWriter(a.out, cv2.VideoWriter_fourcc(*"mp4v"), a.fps, (w, h))
    photo = cv2.imread(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))
    ph = int(h * 0.8)
    photo = cv2.resize(photo, (round(photo.shape[1] * ph / photo.shape[0]), ph))
    n = round(a.seconds * a.fps)
    for i in range(n):
        if a.kind == "person":
            frame = np.full((h, w, 3), 128, np.uint8)
            x = int((w - photo.shape[1]) * (i / max(1, n - 1)))
            y = int((h - ph) / 2 + 0.03 * h * math.sin(2 * math.pi * i / max(1.0, a.fps / 3)))
            frame[y : y + ph, x : x + photo.shape[1]] = photo
        else:
            frame = np.full((h, w, 3), 12, np.uint8)
        writer.write(frame)
    writer.release()


if __name__ == "__main__":
    main()
