"""Pose landmarks from a video, through an estimator that runs in its own virtualenv.

MediaPipe Pose 0.10.21 needs numpy < 2 while the app locks numpy 2, so the estimator lives
in a separate virtualenv (``scripts/pose_setup.py`` makes it from ``requirements/pose.lock``)
and runs as a subprocess (:mod:`backstride.pose.worker`, by file path). This module is the
small interface the app uses; swapping the estimator means another worker script that
answers the same commands. No Django here.

- :func:`probe` — frame size, rate, count and duration, or a :class:`VideoError`;
- :func:`landmarks` — the landmark JSON that :meth:`backstride.core.form.model.Clip.from_json`
  reads (every ``step``-th frame, so high-speed clips stay bounded);
- :func:`frames_at` — JPEG pictures of chosen clip frames;
- :func:`analyze_video` — all of it, measured and judged by :func:`backstride.core.form.analyze`.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final, Literal

from backstride.core.form import analyze
from backstride.core.form.model import (
    JSON_FORMAT,
    JSON_VERSION,
    LANDMARK_NAMES,
    Clip,
    FormReport,
)
from backstride.pose.container import slowmo_hint

__all__ = [
    "VideoAnalysis",
    "VideoError",
    "VideoInfo",
    "analyze_video",
    "estimator_status",
    "frames_at",
    "image_landmarks",
    "landmarks",
    "probe",
]

WORKER: Final = Path(__file__).with_name("worker.py")
PROJECT_DIR: Final = Path(__file__).resolve().parents[3]
#: The setup script writes this file into the estimator's virtualenv once it imports.
READY_STAMP: Final = ".backstride-ready"
INSTALLING_MARK: Final = ".backstride-installing"

#: Longest video read at all (seconds as stored, so 30 s of 8× slow motion fits).
MAX_STORED_SECONDS: Final = 300.0
#: Frames the model looks at per stored second of video, and at most in one clip.
MAX_STORED_FPS: Final = 120.0
MAX_FRAMES: Final = 1800
#: Larger frames than this (a little over 4K) are refused before decoding: one such frame
#: alone takes hundreds of megabytes.
MAX_PIXELS: Final = 4096 * 2304
#: Frames are shrunk so their longer side is at most this before the model sees them.
MAX_SIDE: Final = 960
#: Below this mean brightness (0–255) a clip with few poses is called too dark.
DARK: Final = 45.0
#: The first bytes of sound-only files (WAV, MP3, FLAC, Ogg); M4A is checked by its brand.
SOUND_MAGIC: Final = (b"RIFF", b"ID3", b"fLaC", b"OggS", b"\xff\xfb", b"\xff\xf3")
#: A pose that moves this far (share of the frame width) from one looked-at frame to the next
#: has jumped to someone else; the model follows one person and says nothing when it swaps.
JUMP: Final = 0.25
TWO_PEOPLE: Final = (
    "The pose jumped from one place to another, so there may be more than one person in the "
    "video. Film the runner alone; figures from a mixed-up video are not reliable."
)
TOO_SLOW: Final = "Reading this video took too long. Try a shorter clip."


class VideoError(Exception):
    """A video we cannot use; ``code`` is a short slug and ``str()`` a sentence for the runner."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    fps: float
    frame_count: int
    duration_s: float
    codec: str
    slowmo_factor_hint: float | None = None


@dataclass(frozen=True)
class VideoAnalysis:
    info: VideoInfo
    clip_json: dict[str, Any]
    report: FormReport


def default_python() -> str:
    return os.environ.get("POSE_PYTHON") or str(PROJECT_DIR / ".venv-pose" / "bin" / "python")


def _venv(python: str) -> Path:
    return Path(python).parent.parent


def estimator_status(python: str | None = None) -> Literal["ready", "installing", "missing"]:
    """Whether the estimator's virtualenv is installed and checked, or being installed now."""
    venv = _venv(python or default_python())
    if (venv / READY_STAMP).exists() and Path(python or default_python()).exists():
        return "ready"
    if _installer_alive(venv / INSTALLING_MARK):
        return "installing"
    return "missing"


def _installer_alive(mark: Path) -> bool:
    """The setup script writes its process id into ``mark``; a mark left by a killed
    installer (or a reboot) does not count, so the app never says "installing" forever."""
    try:
        pid = int(mark.read_text().strip())
    except (OSError, ValueError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, under another user
        return True
    return True


def _run(python: str | None, args: list[str], timeout: float) -> str:
    exe = python or default_python()
    if estimator_status(exe) != "ready":
        raise VideoError(
            "estimator_missing",
            "The form check is still being installed on this server. Try again in a few minutes.",
        )
    try:
        done = subprocess.run(
            [exe, str(WORKER), *args], capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise VideoError(
            "timeout", "Reading this video took too long. Try a shorter clip."
        ) from exc
    if done.returncode != 0:
        last = done.stdout.strip().splitlines()[-1:] or [""]
        try:
            error = json.loads(last[0])["error"]
        except (ValueError, KeyError, TypeError):
            raise VideoError(
                "estimator_failed", "The video could not be read. Try recording it again."
            ) from None
        raise VideoError(str(error["code"]), str(error["message"]))
    return done.stdout


def _check_file(path: str | Path) -> str:
    p = Path(path)
    if not p.is_file():
        raise VideoError("missing", "The video file is not there.")
    if p.stat().st_size == 0:
        raise VideoError("empty", "This file is empty.")
    with p.open("rb") as f:
        head = f.read(16)
    if any(head.startswith(magic) for magic in SOUND_MAGIC) or head[4:11] == b"ftypM4A":
        raise VideoError("no_video", "This file has sound but no picture: upload a video.")
    return str(p)


def probe(path: str | Path, *, python: str | None = None) -> VideoInfo:
    """What the container says: size, frame rate, frame count, duration."""
    out = _run(python, ["probe", _check_file(path)], timeout=30)
    raw = json.loads(out.strip().splitlines()[-1])
    info = VideoInfo(**raw)
    if info.slowmo_factor_hint is None:
        info = replace(info, slowmo_factor_hint=slowmo_hint(path, info.fps))
    if info.width * info.height > MAX_PIXELS:
        raise VideoError(
            "too_large",
            f"This video is {info.width}×{info.height} pixels, larger than 4K. "
            "Film at 1080p or 4K.",
        )
    if info.duration_s > MAX_STORED_SECONDS:
        minutes = math.ceil(info.duration_s / 60)
        raise VideoError(
            "too_long",
            f"This video is about {minutes} minutes long. Film 5 to 30 seconds of running.",
        )
    return info


def frame_step(info: VideoInfo) -> int:
    """Look at every n-th frame: at most ``MAX_STORED_FPS`` a stored second (a 240 fps file
    is read at 120; slow motion exported at 30 fps is read whole) and ``MAX_FRAMES`` in all.
    It depends on the file alone, so :func:`frames_at` numbers frames as :func:`landmarks` did."""
    step = max(1, math.floor(info.fps / MAX_STORED_FPS))
    return max(step, math.ceil(info.frame_count / MAX_FRAMES))


def landmarks(
    path: str | Path,
    *,
    slowmo_factor: float | None = None,
    view: str = "side",
    on_progress: Callable[[float], None] | None = None,
    python: str | None = None,
    info: VideoInfo | None = None,
) -> dict[str, Any]:
    """The landmark JSON of the clip (every ``frame_step``-th frame), or a :class:`VideoError`."""
    info = info or probe(path, python=python)
    factor = slowmo_factor or info.slowmo_factor_hint or 1.0
    step = frame_step(info)
    with tempfile.TemporaryDirectory(prefix="backstride-pose-") as tmp:
        out = Path(tmp) / "landmarks.json"
        args = ["landmarks", _check_file(path), "--step", str(step), "--max-side", str(MAX_SIDE)]
        args += ["--limit", str(MAX_FRAMES), "--out", str(out)]
        raw = _stream(python, args, on_progress, timeout=60 + 0.25 * MAX_FRAMES)
        if raw:
            raise VideoError(*raw)
        data = json.loads(out.read_text())
    return {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "fps": info.fps / step,
        "slowmo_factor": factor,
        "width": info.width,
        "height": info.height,
        "view": view,
        "camera_side": None,
        "landmark_names": list(LANDMARK_NAMES),
        "frames": data["frames"],
        "frame_step": step,
        "mean_brightness": data["mean_brightness"],
    }


def _stream(
    python: str | None,
    args: list[str],
    on_progress: Callable[[float], None] | None,
    timeout: float,
) -> tuple[str, str] | None:
    """Run the worker, passing its progress lines on; ``(code, message)`` when it failed."""
    exe = python or default_python()
    if estimator_status(exe) != "ready":
        return (
            "estimator_missing",
            "The form check is still being installed on this server. Try again in a few minutes.",
        )
    proc = subprocess.Popen(
        [exe, str(WORKER), *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    error: tuple[str, str] | None = None
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if "progress" in msg and on_progress is not None:
                on_progress(float(msg["progress"]))
            elif "error" in msg:
                error = (str(msg["error"]["code"]), str(msg["error"]["message"]))
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return ("timeout", TOO_SLOW)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if proc.returncode != 0:
        return error or ("estimator_failed", "The video could not be read. Try recording it again.")
    return None


def frames_at(
    path: str | Path,
    indices: Sequence[int],
    *,
    max_width: int = 480,
    python: str | None = None,
) -> list[bytes]:
    """JPEG pictures of the clip frames ``indices`` (the indices :func:`landmarks` numbered)."""
    if not indices:
        return []
    info = probe(path, python=python)
    step = frame_step(info)
    tmp = tempfile.mkdtemp(prefix="backstride-frames-")
    try:
        joined = ",".join(str(int(i)) for i in indices)
        _run(
            python,
            [
                "frames",
                _check_file(path),
                "--step",
                str(step),
                "--indices",
                joined,
                "--width",
                str(max_width),
                "--outdir",
                tmp,
            ],
            timeout=120,
        )
        pictures = []
        for n in range(len(indices)):
            picture = Path(tmp) / f"{n}.jpg"
            if not picture.exists():
                raise VideoError("frame_missing", "A picture could not be taken from the video.")
            pictures.append(picture.read_bytes())
        return pictures
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def image_landmarks(path: str | Path, *, python: str | None = None) -> list[list[float]] | None:
    """The 33 landmarks found in one still picture, or ``None`` (proves the model loads)."""
    out = _run(python, ["image", str(path)], timeout=60)
    frames = json.loads(out.strip().splitlines()[-1])["frames"]
    return frames[0]


def pose_jumps(frames: Sequence[Sequence[Sequence[float]] | None]) -> int:
    """How often the hips' midpoint leaps more than :data:`JUMP` of the frame between two
    consecutive frames with a pose (a runner moves a few per cent a frame)."""
    jumps, last = 0, None
    for points in frames:
        if points is None:
            continue
        x = (points[23][0] + points[24][0]) / 2  # the two hips
        if last is not None and abs(x - last) > JUMP:
            jumps += 1
        last = x
    return jumps


def analyze_video(
    path: str | Path,
    *,
    slowmo_factor: float | None = None,
    view: str = "side",
    runner_height_cm: float | None = None,
    on_progress: Callable[[float], None] | None = None,
    python: str | None = None,
) -> VideoAnalysis:
    """Probe, find the pose in every looked-at frame, then measure and judge the running form."""
    info = probe(path, python=python)
    data = landmarks(
        path,
        slowmo_factor=slowmo_factor,
        view=view,
        on_progress=on_progress,
        python=python,
        info=info,
    )
    clip = Clip.from_json(data)
    if clip.frames_with_pose == 0:
        if data["mean_brightness"] < DARK:
            raise VideoError(
                "too_dark", "The video is too dark to see a runner. Film in good light."
            )
        raise VideoError(
            "no_person", "No person was found in the video. Film the whole runner, side-on."
        )
    report = analyze(clip, runner_height_cm)
    if pose_jumps(data["frames"]) >= 2:
        report = replace(report, warnings=(*report.warnings, TWO_PEOPLE))
    if data["mean_brightness"] < DARK and clip.frames_with_pose < 0.8 * len(clip.frames):
        report = replace(
            report,
            warnings=(*report.warnings, "The video is dark, so some frames had no pose."),
        )
    return VideoAnalysis(info=info, clip_json=data, report=report)
