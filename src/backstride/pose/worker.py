"""The estimator process: runs inside the estimator's own virtualenv, never inside the app.

It imports only the standard library, numpy, OpenCV and MediaPipe (0.10.21, whose wheel
ships the pose model, so nothing is downloaded). The app runs it by file path:

    python worker.py probe VIDEO                      -> one JSON object on stdout
    python worker.py landmarks VIDEO --step K --max-side S --limit N --out FILE
                                                      -> progress lines on stdout, JSON in FILE
    python worker.py frames VIDEO --step K --indices 3,9 --width W --outdir DIR
    python worker.py image IMAGE                      -> landmarks of one still picture

Frames are decoded one at a time (memory does not grow with the video's length), large ones
are shrunk before the model, and only every K-th frame is looked at. Errors are one JSON
object ``{"error": {"code": ..., "message": ...}}`` on stdout and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any

os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import cv2


def fail(code: str, message: str) -> None:
    print(json.dumps({"error": {"code": code, "message": message}}), flush=True)
    sys.exit(2)


def open_video(path: str) -> Any:
    cap = cv2.VideoCapture(path)
    if not cap.isOpened():
        fail("not_video", "This file is not a video we can read.")
    return cap


def probe(path: str) -> dict[str, Any]:
    cap = open_video(path)
    fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
    count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
    width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH) or 0)
    height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT) or 0)
    fourcc = int(cap.get(cv2.CAP_PROP_FOURCC) or 0)
    ok, _frame = cap.read()
    cap.release()
    if not ok or width <= 0 or height <= 0:
        fail("no_video", "This file has no picture we can read (is it a sound recording?).")
    if fps <= 0 or fps > 1000 or count <= 0:
        fail("no_video", "This video does not say how many frames a second it has.")
    codec = "".join(chr((fourcc >> (8 * i)) & 0xFF) for i in range(4)).strip("\0 ")
    return {
        "width": width,
        "height": height,
        "fps": fps,
        "frame_count": count,
        "duration_s": count / fps,
        "codec": codec,
        # OpenCV does not read a phone's capture-rate tag; the runner is asked instead.
        "slowmo_factor_hint": None,
    }


def shrink(frame: Any, max_side: int) -> Any:
    h, w = frame.shape[:2]
    scale = max_side / max(h, w)
    if scale >= 1:
        return frame
    return cv2.resize(frame, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)


def make_pose(static: bool) -> Any:
    import mediapipe as mp

    return mp.solutions.pose.Pose(
        static_image_mode=static,
        model_complexity=1,
        smooth_landmarks=True,
        min_detection_confidence=0.5,
        min_tracking_confidence=0.5,
    )


def points(result: Any) -> list[list[float]] | None:
    if not result.pose_landmarks:
        return None
    return [
        [round(lm.x, 5), round(lm.y, 5), round(lm.visibility, 4)]
        for lm in result.pose_landmarks.landmark
    ]


def decoded(cap: Any, keep: Callable[[int], bool]) -> Iterator[tuple[int, Any]]:
    """``(index, frame)`` for each frame ``keep`` picks, in order, until the video ends. Only
    those are decoded; the others are grabbed (read past) without decoding."""
    index = 0
    while True:
        if keep(index):
            ok, frame = cap.read()
            if not ok:
                return
            yield index, frame
        elif not cap.grab():
            return
        index += 1


def landmarks(path: str, step: int, max_side: int, limit: int, out: str) -> None:
    cap = open_video(path)
    total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
    wanted = max(1, min(limit, (total + step - 1) // step))
    pose = make_pose(static=False)
    frames: list[list[list[float]] | None] = []
    brightness: list[float] = []
    for _, frame in decoded(cap, lambda index: index % step == 0):
        small = shrink(frame, max_side)
        brightness.append(float(small.mean()))
        rgb = cv2.cvtColor(small, cv2.COLOR_BGR2RGB)
        frames.append(points(pose.process(rgb)))
        if len(frames) % 15 == 0:
            print(json.dumps({"progress": len(frames) / wanted}), flush=True)
        if len(frames) == wanted:
            break
    cap.release()
    pose.close()
    if not frames:
        fail("no_video", "No picture could be read from this video.")
    with open(out, "w") as f:
        json.dump({"frames": frames, "mean_brightness": sum(brightness) / len(brightness)}, f)
    print(json.dumps({"progress": 1.0}), flush=True)


def frames(path: str, step: int, indices: list[int], width: int, outdir: str) -> None:
    cap = open_video(path)
    wanted = {i * step: n for n, i in enumerate(indices)}
    if not wanted:  # nothing asked for: read nothing
        cap.release()
        return
    last = max(wanted)
    for index, frame in decoded(cap, wanted.__contains__):
        h, w = frame.shape[:2]
        if w > width:
            frame = cv2.resize(frame, (width, round(h * width / w)), interpolation=cv2.INTER_AREA)
        cv2.imwrite(
            os.path.join(outdir, f"{wanted[index]}.jpg"), frame, [cv2.IMWRITE_JPEG_QUALITY, 80]
        )
        if index == last:
            break
    cap.release()


def image(path: str) -> None:
    picture = cv2.imread(path)
    if picture is None:
        fail("not_image", "This file is not a picture we can read.")
    pose = make_pose(static=True)
    found = points(pose.process(cv2.cvtColor(shrink(picture, 1280), cv2.COLOR_BGR2RGB)))
    pose.close()
    print(json.dumps({"frames": [found]}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("probe")
    p.add_argument("video")
    lm = sub.add_parser("landmarks")
    lm.add_argument("video")
    lm.add_argument("--step", type=int, default=1)
    lm.add_argument("--max-side", type=int, default=960)
    lm.add_argument("--limit", type=int, default=1800)
    lm.add_argument("--out", required=True)
    fr = sub.add_parser("frames")
    fr.add_argument("video")
    fr.add_argument("--step", type=int, default=1)
    fr.add_argument("--indices", default="")
    fr.add_argument("--width", type=int, default=480)
    fr.add_argument("--outdir", required=True)
    im = sub.add_parser("image")
    im.add_argument("picture")
    args = parser.parse_args()
    if args.command == "probe":
        print(json.dumps(probe(args.video)), flush=True)
    elif args.command == "landmarks":
        landmarks(args.video, max(1, args.step), args.max_side, args.limit, args.out)
    elif args.command == "frames":
        indices = [int(i) for i in args.indices.split(",") if i.strip()]
        frames(args.video, max(1, args.step), indices, args.width, args.outdir)
    else:
        image(args.picture)


if __name__ == "__main__":
    main()
