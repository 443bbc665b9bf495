"""Real videos for the estimator tests, made by the estimator's own Python (OpenCV)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from backstride import pose
from tests.deps import missing_dependency

MAKER = Path(__file__).with_name("make_video.py")


def estimator_python() -> str:
    """The estimator's interpreter; fails in CI (skips elsewhere) when it isn't installed."""
    python = pose.default_python()
    if pose.estimator_status(python) != "ready":
        missing_dependency(
            f"the form-check estimator is not installed at {python}: "
            "run `python3 scripts/pose_setup.py` (make test does this first)"
        )
    return python


@pytest.fixture(scope="session")
def make_video(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """``make_video(kind, seconds=, fps=, width=, height=)`` → path of a real MP4 file."""
    folder = tmp_path_factory.mktemp("videos")
    made: dict[tuple, Path] = {}

    def make(kind: str = "person", **opts: float) -> Path:
        key = (kind, *sorted(opts.items()))
        if key not in made:
            out = folder / f"{kind}-{len(made)}.mp4"
            args = [estimator_python(), str(MAKER), kind, str(out)]
            for name, value in opts.items():
                args += [f"--{name}", str(value)]
            subprocess.run(args, check=True, capture_output=True)
            made[key] = out
        return made[key]

    return make


def runner_video(folder: Path, runner: Any) -> Path:
    """A real MP4 of a drawn mannequin moving like ``runner`` (a ``tests.core.form.runner``)."""
    clip = runner.clip()
    name = f"figure-{runner.cadence:g}-{runner.fps:g}-{runner.duration_s:g}-{runner.direction}"
    out = folder / f"{name}.mp4"
    if not out.exists():
        marks = folder / f"{name}.json"
        marks.write_text(json.dumps(clip.to_json()))
        subprocess.run(
            [estimator_python(), str(MAKER), "figure", str(out), "--landmarks", str(marks)],
            check=True,
            capture_output=True,
        )
    return out
