"""The shapes of the running-form check: pose landmarks per frame, a clip, and the report.

Landmarks follow MediaPipe Pose's 33 points, in its order, with ``x`` and ``y`` normalised to the
image (0–1, ``y`` grows downwards) and a ``visibility`` between 0 and 1. A frame where the
estimator found no person has no landmarks (``None``). The estimator itself lives elsewhere; this
module only defines what it hands over (see :meth:`Clip.from_json`). Pure Python: no Django.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt

#: MediaPipe Pose landmark names, index = position in this tuple.
LANDMARK_NAMES: Final[tuple[str, ...]] = (
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
)
INDEX: Final[Mapping[str, int]] = {name: i for i, name in enumerate(LANDMARK_NAMES)}
N_LANDMARKS: Final = len(LANDMARK_NAMES)

JSON_FORMAT: Final = "backstride-landmarks"
JSON_VERSION: Final = 1

View = Literal["side", "rear"]
Side = Literal["left", "right"]
Verdict = Literal["within", "outside", "unknown"]
VIEWS: Final[tuple[str, ...]] = ("side", "rear")
SIDES: Final[tuple[str, ...]] = ("left", "right")


def mirror_name(name: str) -> str:
    """The landmark on the other side of the body: ``left_knee`` ↔ ``right_knee``."""
    if name.startswith("left_"):
        return "right_" + name[5:]
    if name.startswith("right_"):
        return "left_" + name[6:]
    if name == "mouth_left":
        return "mouth_right"
    if name == "mouth_right":
        return "mouth_left"
    return name


class LandmarkError(ValueError):
    """Landmark data could not be read; ``str(error)`` says what is wrong and where."""


@dataclass(frozen=True)
class Landmark:
    """One named point: normalised image coordinates and the estimator's visibility (0–1)."""

    x: float
    y: float
    visibility: float


@dataclass(frozen=True)
class Frame:
    """The pose in one video frame, or ``landmarks=None`` when no person was found."""

    landmarks: tuple[Landmark, ...] | None

    def __post_init__(self) -> None:
        if self.landmarks is not None and len(self.landmarks) != N_LANDMARKS:
            raise LandmarkError(f"a frame needs {N_LANDMARKS} landmarks, got {len(self.landmarks)}")

    def point(self, name: str) -> Landmark | None:
        """The landmark called ``name`` (e.g. ``"left_heel"``), or ``None`` without a pose."""
        return None if self.landmarks is None else self.landmarks[INDEX[name]]


@dataclass(frozen=True)
class Clip:
    """A filmed run as landmarks, one frame per decoded video frame, evenly spaced in time.

    ``fps`` is the container's frame rate; ``slowmo_factor`` says how much slower than real time
    the clip plays (a 240 fps capture played at 30 fps has ``slowmo_factor=8``), so frames are
    ``1 / (fps * slowmo_factor)`` seconds apart in real time. ``camera_side`` is the side of the
    runner's body facing the camera in a side view (``None`` when unknown or for a rear view).
    """

    fps: float
    width: int
    height: int
    frames: tuple[Frame, ...]
    view: View = "side"
    camera_side: Side | None = None
    slowmo_factor: float = 1.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.fps) and self.fps > 0):
            raise LandmarkError(f"fps must be a positive number, got {self.fps!r}")
        if not (math.isfinite(self.slowmo_factor) and self.slowmo_factor >= 1):
            raise LandmarkError(f"slowmo_factor must be 1 or more, got {self.slowmo_factor!r}")
        if self.width <= 0 or self.height <= 0:
            raise LandmarkError(
                f"width and height must be positive, got {self.width}×{self.height}"
            )
        if self.view not in VIEWS:
            raise LandmarkError(f"view must be one of {', '.join(VIEWS)}, got {self.view!r}")
        if self.camera_side is not None and self.camera_side not in SIDES:
            raise LandmarkError(
                f"camera_side must be left, right or null, got {self.camera_side!r}"
            )

    @property
    def real_fps(self) -> float:
        """Frames per second of real time (container rate × slow-motion factor)."""
        return self.fps * self.slowmo_factor

    @property
    def duration_s(self) -> float:
        """Real-time length of the clip in seconds."""
        return len(self.frames) / self.real_fps

    @property
    def frames_with_pose(self) -> int:
        return sum(1 for f in self.frames if f.landmarks is not None)

    def arrays(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """``(xy, visibility)``: pixel coordinates ``(frames, 33, 2)`` and ``(frames, 33)``.

        Frames without a pose are ``NaN`` in ``xy`` and 0 in ``visibility``.
        """
        n = len(self.frames)
        xy = np.full((n, N_LANDMARKS, 2), np.nan)
        vis = np.zeros((n, N_LANDMARKS))
        for i, frame in enumerate(self.frames):
            if frame.landmarks is None:
                continue
            raw = np.array([(p.x, p.y, p.visibility) for p in frame.landmarks], dtype=float)
            xy[i, :, 0] = raw[:, 0] * self.width
            xy[i, :, 1] = raw[:, 1] * self.height
            vis[i] = np.nan_to_num(raw[:, 2], nan=0.0)
        return xy, vis

    # --- JSON exchange with the estimator ---------------------------------------------------
    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Clip:
        """Read the estimator's landmark JSON (see ``docs`` in the package ``__init__``)."""
        if not isinstance(data, Mapping):
            raise LandmarkError("landmark data must be a JSON object")
        if data.get("format") != JSON_FORMAT:
            raise LandmarkError(f"'format' must be {JSON_FORMAT!r}")
        if data.get("version") != JSON_VERSION:
            raise LandmarkError(f"'version' must be {JSON_VERSION}, got {data.get('version')!r}")
        names = data.get("landmark_names", list(LANDMARK_NAMES))
        if list(names) != list(LANDMARK_NAMES):
            raise LandmarkError("'landmark_names' must be MediaPipe Pose's 33 names in order")
        raw_frames = data.get("frames")
        if not isinstance(raw_frames, list):
            raise LandmarkError("'frames' must be a list")
        frames = tuple(_frame_from_json(f, i) for i, f in enumerate(raw_frames))
        try:
            return cls(
                fps=float(data["fps"]),
                width=int(data["width"]),
                height=int(data["height"]),
                frames=frames,
                view=data.get("view", "side"),
                camera_side=data.get("camera_side"),
                slowmo_factor=float(data.get("slowmo_factor", 1.0)),
            )
        except KeyError as exc:
            raise LandmarkError(f"missing key {exc.args[0]!r}") from exc
        except (TypeError, ValueError) as exc:
            if isinstance(exc, LandmarkError):
                raise
            raise LandmarkError(f"bad clip header: {exc}") from exc

    def to_json(self) -> dict[str, Any]:
        """The same JSON :meth:`from_json` reads."""
        return {
            "format": JSON_FORMAT,
            "version": JSON_VERSION,
            "fps": self.fps,
            "width": self.width,
            "height": self.height,
            "view": self.view,
            "camera_side": self.camera_side,
            "slowmo_factor": self.slowmo_factor,
            "landmark_names": list(LANDMARK_NAMES),
            "frames": [
                None if f.landmarks is None else [[p.x, p.y, p.visibility] for p in f.landmarks]
                for f in self.frames
            ],
        }


def _frame_from_json(raw: Any, i: int) -> Frame:
    if raw is None:
        return Frame(None)
    if not isinstance(raw, Sequence) or len(raw) != N_LANDMARKS:
        raise LandmarkError(
            f"frame {i}: must be null or a list of {N_LANDMARKS} [x, y, visibility]"
        )
    points = []
    for j, p in enumerate(raw):
        if not isinstance(p, Sequence) or len(p) != 3:
            raise LandmarkError(f"frame {i}, {LANDMARK_NAMES[j]}: must be [x, y, visibility]")
        try:
            x, y, v = (float(c) for c in p)
        except (TypeError, ValueError) as exc:
            raise LandmarkError(f"frame {i}, {LANDMARK_NAMES[j]}: not numbers") from exc
        if not all(math.isfinite(c) for c in (x, y, v)):
            raise LandmarkError(f"frame {i}, {LANDMARK_NAMES[j]}: not finite")
        points.append(Landmark(x, y, v))
    return Frame(tuple(points))


# --- The report -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Range:
    """A reference range for one metric, as data from ``form.toml``, with its sources."""

    id: str
    metric: str
    unit: str
    low: float | None
    high: float | None
    source: tuple[str, ...]
    measured: str
    evidence_note: str = ""
    analogy: bool = False

    def verdict(self, value: float | None) -> Verdict:
        if value is None or not math.isfinite(value):
            return "unknown"
        if self.low is not None and value < self.low:
            return "outside"
        if self.high is not None and value > self.high:
            return "outside"
        return "within"


@dataclass(frozen=True)
class Contact:
    """One initial foot contact: which foot, the video frame, and its real time in seconds."""

    foot: Side
    frame: int
    time_s: float


@dataclass(frozen=True)
class Measurement:
    """One metric as measured, or refused with a reason (``value is None``, ``refusal`` set).

    ``quality`` (0–1) says how far to trust it and ``quality_notes`` why it is below 1;
    ``n`` is how many contacts (or steps) it rests on.
    """

    metric: str
    unit: str
    value: float | None
    quality: float
    quality_notes: tuple[str, ...] = ()
    n: int = 0
    refusal: str = ""

    @property
    def measured(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class MetricResult:
    """A measurement judged against its range: ``verdict`` is within, outside or unknown."""

    measurement: Measurement
    range: Range | None
    verdict: Verdict


@dataclass(frozen=True)
class Suggestion:
    """One T.R.E.A.T. change to try, from a metric outside its range, with its rule and source."""

    rule_id: str
    metric: str
    text: str
    why: str
    source: tuple[str, ...]
    evidence_note: str = ""


@dataclass(frozen=True)
class FormReport:
    """Everything the form check found in one clip."""

    metrics: tuple[MetricResult, ...]
    contacts: tuple[Contact, ...]
    frames: int
    frames_with_pose: int
    warnings: tuple[str, ...]
    suggestions: tuple[Suggestion, ...] = ()
    ranges_version: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def metric(self, name: str) -> MetricResult:
        for m in self.metrics:
            if m.measurement.metric == name:
                return m
        raise KeyError(name)

    def value(self, name: str) -> float | None:
        return self.metric(name).measurement.value
