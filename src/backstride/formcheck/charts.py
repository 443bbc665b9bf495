"""Server-side geometry for the form report's SVG: the hip-height chart with the foot
contacts marked, and the skeleton drawn over each contact picture (no JavaScript).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from backstride.core.form.display import skeleton

from .report import ContactRow, number

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 14, 36


@dataclass(frozen=True)
class Tick:
    pos: float
    label: str


@dataclass(frozen=True)
class Marker:
    x: float
    foot: str
    time_s: float


@dataclass(frozen=True)
class HipChart:
    """Everything the template needs to draw the chart; ``points`` is an SVG polyline."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    points: str
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    markers: tuple[Marker, ...]
    unit: str
    y_label: str

    @property
    def viewbox(self) -> str:
        return f"0 0 {self.width} {self.height}"


def _nice_step(span: float, target: int) -> float:
    """A round step (1, 2 or 5 × 10ⁿ) giving about ``target`` intervals over ``span``."""
    if span <= 0:
        return 1.0
    raw = span / target
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * power >= raw:
            return float(m * power)
    return float(10 * power)


def hip_chart(trace: Mapping[str, Any] | None, contacts: Sequence[ContactRow]) -> HipChart | None:
    """The hip height over time with a marker at each foot contact, or ``None`` without data."""
    if not trace or len(trace.get("times_s", [])) < 2:
        return None
    times = [float(t) for t in trace["times_s"]]
    heights = [float(h) for h in trace["heights"]]
    unit = str(trace.get("unit", "leg lengths"))
    t_end = max(float(trace.get("duration_s") or 0.0), times[-1])
    h_top = max(heights) or 1.0
    step_y = _nice_step(h_top, 4)
    y_max = math.ceil(h_top / step_y - 1e-9) * step_y
    inner_w = WIDTH - LEFT - RIGHT
    inner_h = HEIGHT - TOP - BOTTOM

    def x(t: float) -> float:
        return round(LEFT + t / t_end * inner_w, 1)

    def y(h: float) -> float:
        return round(TOP + (1 - h / y_max) * inner_h, 1)

    points = " ".join(f"{x(t)},{y(h)}" for t, h in zip(times, heights, strict=True))
    step_x = _nice_step(t_end, 6)
    x_ticks = []
    t = 0.0
    while t <= t_end + 1e-9:
        x_ticks.append(Tick(x(t), f"{t:g} s"))
        t += step_x
    digits = 0 if step_y >= 1 else (1 if step_y >= 0.1 else 2)
    y_ticks = []
    v = 0.0
    while v <= y_max + 1e-9:
        y_ticks.append(Tick(y(v), number(v, digits)))
        v += step_y
    markers = tuple(Marker(x(c.time_s), c.foot, c.time_s) for c in contacts if c.time_s <= t_end)
    y_label = "Hip height (cm)" if unit == "cm" else "Hip height (leg lengths)"
    return HipChart(
        WIDTH,
        HEIGHT,
        LEFT,
        WIDTH - RIGHT,
        TOP,
        HEIGHT - BOTTOM,
        points,
        tuple(x_ticks),
        tuple(y_ticks),
        markers,
        unit,
        y_label,
    )


@dataclass(frozen=True)
class FrameOverlay:
    """One contact picture's skeleton in the picture's own pixels (the SVG's viewBox)."""

    viewbox: str
    lines: tuple[tuple[float, float, float, float, str], ...]
    dots: tuple[tuple[float, float], ...]


def frame_overlay(
    points: Sequence[Sequence[float]] | None, width: int, height: int
) -> FrameOverlay:
    s = skeleton(points, width, height)
    return FrameOverlay(f"0 0 {width} {height}", s.lines, s.dots)
