"""Real video files for the form-check tests, made by the estimator's Python (OpenCV).

``runner`` is a drawn mannequin moving like the synthetic runner of the core tests, which the
model reads as a person, so figures are measured. ``plain`` is a real person (matplotlib's
sample photograph) gliding across the frame: the model finds a pose in every frame, though
nobody runs, so the report refuses the figures and says why. ``no_person`` is an empty, lit room.
"""

from __future__ import annotations

import os
import random
import subprocess
import wave
from pathlib import Path

from backstride import pose
from tests.deps import missing_dependency

MAKER = Path(__file__).parent.parent / "pose" / "make_video.py"


class Videos:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _make(self, name: str, kind: str, seconds: float, fps: float) -> Path:
        path = self.folder / name
        if not path.exists():
            python = pose.default_python()
            if pose.estimator_status(python) != "ready":
                missing_dependency(
                    "the form-check estimator is not installed: run `python3 scripts/pose_setup.py`"
                )
            subprocess.run(
                [python, str(MAKER), kind, str(path), "--seconds", str(seconds), "--fps", str(fps)],
                check=True,
                capture_output=True,
            )
        return path

    def runner(self, seconds: float = 8.0, fps: float = 60.0) -> Path:
        """A drawn mannequin running at 170 steps a minute, side-on, left to right."""
        from tests.core.form.runner import Runner
        from tests.pose.conftest import runner_video

        self._make("probe-estimator.mp4", "person", 0.2, 10)  # fails/skips if not installed
        truth = Runner(width=640, height=480, leg_px=170, fps=fps, duration_s=seconds)
        return runner_video(self.folder, truth)

    def no_person(self, seconds: float = 8.0) -> Path:
        return self._make(f"empty-room-{seconds}.mp4", "empty", seconds, 30)

    def long(self, seconds: float) -> Path:
        """Tiny frames at 1 fps: a long file made in a moment."""
        return self._make(f"long-{seconds}.mp4", "long", seconds, 1)

    def plain(self, seconds: float, fps: float = 30.0) -> Path:
        return self._make(f"plain-{seconds}-{fps}.mp4", "person", seconds, fps)

    def audio_only(self) -> Path:
        path = self.folder / "voice.m4a"
        with wave.open(str(path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(8000)
            w.writeframes(os.urandom(16000))
        return path

    def random_bytes(self, size: int = 200_000) -> Path:
        """Noise named .mp4, the same bytes every run: about 1 in 75 fresh random files is a
        stream FFmpeg half-opens ("does not say how many frames a second"), not "not a video"."""
        path = self.folder / "random.mp4"
        path.write_bytes(random.Random(0).randbytes(size))
        return path
