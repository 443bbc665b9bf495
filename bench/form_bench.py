"""Running-form check speed: a 10-second 1080p 60 fps clip, analysed end to end.

    .venv/bin/python bench/form_bench.py

Ours: ``backstride.pose.analyze_video`` (frames shrunk to 960 px before the model, decoded one
at a time in the estimator's process, then measured by ``core.form``). Baseline, in the same
run on the same file: the same MediaPipe model fed every frame at full 1080p size (what a
plain ``for frame in video: pose.process(frame)`` loop does). Reports wall time, frames per
second and the ratio; the issue's target is under 20 s for this clip on this 2-core machine.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from backstride import pose  # noqa: E402


def main() -> None:
    python = pose.default_python()
    if pose.estimator_status(python) != "ready":
        sys.exit("Install the estimator first: python3 scripts/pose_setup.py")
    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / "clip.mp4"
        maker = ROOT / "tests" / "pose" / "make_video.py"
        subprocess.run(
            [
                python,
                str(maker),
                "person",
                str(video),
                "--seconds",
                "10",
                "--fps",
                "60",
                "--width",
                "1920",
                "--height",
                "1080",
            ],
            check=True,
        )
        info = pose.probe(video, python=python)
        start = time.perf_counter()
        result = pose.analyze_video(video, python=python)
        ours = time.perf_counter() - start

        start = time.perf_counter()
        out = Path(tmp) / "baseline.json"
        subprocess.run(
            [
                python,
                str(pose.WORKER),
                "landmarks",
                str(video),
                "--step",
                "1",
                "--max-side",
                "100000",
                "--limit",
                "100000",
                "--out",
                str(out),
            ],
            check=True,
            capture_output=True,
        )
        baseline = time.perf_counter() - start
    frames = result.report.frames
    print(
        f"clip: {info.width}x{info.height} {info.fps:g} fps, {info.duration_s:.1f} s, "
        f"{info.frame_count} frames; pose found in {result.report.frames_with_pose}"
    )
    print(f"ours (analyze_video, end to end): {ours:.1f} s, {frames / ours:.0f} frames/s")
    print(
        f"baseline (full-size frames):      {baseline:.1f} s, "
        f"{info.frame_count / baseline:.0f} frames/s"
    )
    print(f"ratio: {baseline / ours:.2f}x faster than the baseline")


if __name__ == "__main__":
    main()
