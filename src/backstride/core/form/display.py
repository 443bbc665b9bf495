"""What a form report shows besides its figures: the hip-height trace, which foot contacts
to picture, and the bones of the skeleton drawn over each picture. numpy only; no Django.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np

from backstride.core.form.metrics import leg_length_px
from backstride.core.form.model import INDEX, Clip, Contact

#: Landmark pairs joined by a line when the pose is drawn (face left out: it adds nothing).
BONES: Final[tuple[tuple[str, str], ...]] = (
    ("left_shoulder", "right_shoulder"),
    ("left_hip", "right_hip"),
    ("left_shoulder", "left_hip"),
    ("right_shoulder", "right_hip"),
    ("left_shoulder", "left_elbow"),
    ("left_elbow", "left_wrist"),
    ("right_shoulder", "right_elbow"),
    ("right_elbow", "right_wrist"),
    ("left_hip", "left_knee"),
    ("left_knee", "left_ankle"),
    ("left_ankle", "left_heel"),
    ("left_heel", "left_foot_index"),
    ("left_ankle", "left_foot_index"),
    ("right_hip", "right_knee"),
    ("right_knee", "right_ankle"),
    ("right_ankle", "right_heel"),
    ("right_heel", "right_foot_index"),
    ("right_ankle", "right_foot_index"),
)
#: Joints marked with a dot: the nose and every end of a bone, in MediaPipe's order.
JOINTS: Final[tuple[str, ...]] = (
    "nose",
    *sorted({end for bone in BONES for end in bone}, key=INDEX.__getitem__),
)
MIN_VISIBILITY: Final = 0.5


@dataclass(frozen=True)
class HipTrace:
    """Hip height above its lowest point over real time, at most ``max_points`` samples.

    ``unit`` is ``"cm"`` when the runner's height turned leg lengths into centimetres,
    otherwise ``"leg lengths"``. Times and heights are ``None``-free: frames without a
    confident hip are left out.
    """

    times_s: tuple[float, ...]
    heights: tuple[float, ...]
    unit: str
    duration_s: float


def hip_trace(
    clip: Clip,
    runner_height_cm: float | None = None,
    leg_fraction_of_height: float = 0.491,
    max_points: int = 400,
) -> HipTrace:
    """The mean of both hips' heights, frame by frame, binned down to ``max_points``."""
    duration = clip.duration_s
    xy, vis = clip.arrays()
    if len(clip.frames) == 0:
        return HipTrace((), (), "leg lengths", duration)
    hips = []
    for name in ("left_hip", "right_hip"):
        y = xy[:, INDEX[name], 1].copy()
        y[vis[:, INDEX[name]] < MIN_VISIBILITY] = np.nan
        hips.append(y)
    stack = np.stack(hips)
    seen = np.isfinite(stack)
    count = seen.sum(axis=0)
    total = np.where(seen, stack, 0.0).sum(axis=0)
    y_mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    ok = np.isfinite(y_mean)
    leg = leg_length_px(xy, vis)
    if not ok.any() or leg is None or leg <= 0:
        return HipTrace((), (), "leg lengths", duration)
    height = (float(np.nanmax(y_mean)) - y_mean) / leg  # up positive, 0 at the lowest
    unit = "leg lengths"
    if runner_height_cm and runner_height_cm > 0:
        height = height * leg_fraction_of_height * runner_height_cm
        unit = "cm"
    times = np.arange(len(clip.frames)) / clip.real_fps
    t_ok, h_ok = times[ok], height[ok]
    if len(t_ok) > max_points:
        edges = np.linspace(0, len(t_ok), max_points + 1).astype(int)
        t_ok = np.array([t_ok[a:b].mean() for a, b in itertools.pairwise(edges)])
        h_ok = np.array([h_ok[a:b].mean() for a, b in itertools.pairwise(edges)])
    return HipTrace(
        tuple(round(float(t), 4) for t in t_ok),
        tuple(round(float(h), 4) for h in h_ok),
        unit,
        duration,
    )


def pick_contacts(contacts: Sequence[Contact], limit: int = 8) -> tuple[Contact, ...]:
    """At most ``limit`` contacts spread evenly over the clip, as many left as right feet.

    The strip shows a sample, not every step: the first contact of each foot, the last, and
    evenly spaced ones between, in time order.
    """
    if limit <= 0:
        return ()
    by_foot = {foot: [c for c in contacts if c.foot == foot] for foot in ("left", "right")}
    present = [f for f in ("left", "right") if by_foot[f]]
    if not present:
        return ()
    share = {f: limit // len(present) for f in present}
    # an odd limit or a foot with few contacts: hand the spare places to the other foot
    spare = limit - sum(share.values())
    for f in present:
        extra = max(0, share[f] - len(by_foot[f]))
        share[f] -= extra
        spare += extra
    for f in present:
        room = len(by_foot[f]) - share[f]
        give = min(room, spare)
        share[f] += give
        spare -= give
    chosen: list[Contact] = []
    for f in present:
        chosen += _spread(by_foot[f], share[f])
    return tuple(sorted(chosen, key=lambda c: (c.time_s, c.foot)))


def _spread(items: Sequence[Contact], n: int) -> list[Contact]:
    if n <= 0:
        return []
    if n >= len(items):
        return list(items)
    if n == 1:
        return [items[len(items) // 2]]
    step = (len(items) - 1) / (n - 1)
    return [items[round(i * step)] for i in range(n)]


@dataclass(frozen=True)
class Skeleton:
    """Lines and dots in the picture's pixels, only where both ends were seen confidently.

    Each line is ``(x1, y1, x2, y2, side)`` with ``side`` ``left``, ``right`` or ``mid``
    (across the body), so a drawing can tell the legs apart.
    """

    lines: tuple[tuple[float, float, float, float, str], ...]
    dots: tuple[tuple[float, float], ...]


def skeleton(points: Sequence[Sequence[float]] | None, width: int, height: int) -> Skeleton:
    """The pose of one frame (33 ``[x, y, visibility]``, normalised) drawn at ``width×height``."""
    if not points or len(points) != len(INDEX):
        return Skeleton((), ())

    def at(name: str) -> tuple[float, float] | None:
        x, y, v = (float(c) for c in points[INDEX[name]])
        if v < MIN_VISIBILITY or not (math.isfinite(x) and math.isfinite(y)):
            return None
        return (round(x * width, 1), round(y * height, 1))

    lines = []
    for a, b in BONES:
        pa, pb = at(a), at(b)
        if pa is not None and pb is not None:
            side = next(
                (p for p in ("left", "right") if a.startswith(p) and b.startswith(p)), "mid"
            )
            lines.append((pa[0], pa[1], pb[0], pb[1], side))
    dots = [p for p in (at(n) for n in JOINTS) if p is not None]
    return Skeleton(tuple(lines), tuple(dots))
