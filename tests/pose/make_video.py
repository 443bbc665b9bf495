"""Make test videos; run with the estimator's Python (it needs OpenCV and matplotlib).

    python make_video.py person OUT --seconds S --fps F [--width W --height H]
    python make_video.py two OUT --seconds S --fps F          (two people taking turns)
    python make_video.py empty OUT --seconds S --fps F        (an empty, lit room)
    python make_video.py dark OUT --seconds S --fps F         (a dark, empty room)
    python make_video.py long OUT --seconds S --fps F         (tiny frames, for length limits)
    python make_video.py figure OUT --landmarks FILE          (a drawn runner, see below)

``person`` slides matplotlib's sample photograph (Grace Hopper, public domain, shipped with
matplotlib) across a grey background, bobbing up and down: a real person the model finds in
every frame, though not a runner, so no foot contacts are measured.

``figure`` draws a mannequin (head, trunk, limbs of some thickness, shoes, a floor) on the
landmarks of a landmark-JSON file (the synthetic runner of ``tests/core/form/runner.py``):
MediaPipe finds a pose in most frames, so the whole pipeline measures a known cadence.
"""

from __future__ import annotations

import argparse
import math

import cv2
import numpy as np
from matplotlib import cbook


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["person", "two", "empty", "dark", "long", "figure"])
    ap.add_argument("--landmarks")
    ap.add_argument("out")
    ap.add_argument("--seconds", type=float, default=6)
    ap.add_argument("--fps", type=float, default=30)
    ap.add_argument("--width", type=int, default=640)
    ap.add_argument("--height", type=int, default=480)
    a = ap.parse_args()
    if a.kind == "figure":
        figure(a.out, a.landmarks)
        return
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
        elif a.kind == "two":
            # Two people, left and right; every half second one steps out and the other in.
            frame = np.full((h, w, 3), 128, np.uint8)
            x = 0 if int(i / (a.fps / 2)) % 2 == 0 else w - photo.shape[1]
            y = int((h - ph) / 2)
            frame[y : y + ph, x : x + photo.shape[1]] = photo
        elif a.kind == "empty":
            frame = np.full((h, w, 3), 150, np.uint8)
            cv2.rectangle(frame, (0, int(h * 0.8)), (w, h), (90, 110, 90), -1)
        else:
            frame = np.full((h, w, 3), 12, np.uint8)
        writer.write(frame)
    writer.release()


def figure(out: str, landmarks: str) -> None:
    import json

    with open(landmarks) as f:
        data = json.load(f)
    w, h = data["width"], data["height"]
    at = {name: i for i, name in enumerate(data["landmark_names"])}
    writer = cv2.VideoWriter(out, cv2.VideoWriter_fourcc(*"mp4v"), data["fps"], (w, h))
    skin, shirt, shoe = (150, 180, 220), (180, 90, 40), (30, 30, 30)
    for frame in data["frames"]:

        def p(name: str, f: list = frame) -> tuple[int, int]:
            x, y, _ = f[at[name]]
            return int(x * w), int(y * h)

        img = np.full((h, w, 3), (200, 205, 210), np.uint8)
        cv2.rectangle(img, (0, int(h * 0.93)), (w, h), (90, 110, 90), -1)
        for side, trousers in (("left", (40, 40, 110)), ("right", (50, 50, 140))):
            cv2.line(img, p(f"{side}_hip"), p(f"{side}_knee"), trousers, 16)
            cv2.line(img, p(f"{side}_knee"), p(f"{side}_ankle"), trousers, 13)
            cv2.line(img, p(f"{side}_heel"), p(f"{side}_foot_index"), shoe, 10)
        trunk = [p("left_shoulder"), p("right_shoulder"), p("right_hip"), p("left_hip")]
        cv2.fillPoly(img, [np.array(trunk)], shirt)
        cv2.line(img, p("left_shoulder"), p("left_hip"), shirt, 26)
        for side in ("left", "right"):
            cv2.line(img, p(f"{side}_shoulder"), p(f"{side}_elbow"), skin, 10)
            cv2.line(img, p(f"{side}_elbow"), p(f"{side}_wrist"), skin, 9)
        nose, ear = p("nose"), p("left_ear")
        cv2.circle(img, ((nose[0] + ear[0]) // 2, (nose[1] + ear[1]) // 2), 17, skin, -1)
        cv2.circle(img, nose, 3, (50, 50, 50), -1)
        writer.write(img)
    writer.release()


if __name__ == "__main__":
    main()
