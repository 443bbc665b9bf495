"""The one internal stream model every activity format parses into, and the summary shapes.

Columns are numpy ``float64`` arrays of equal length (one value per recorded point), ``NaN`` where
a point lacks that value, or ``None`` when the whole file lacks it (a treadmill run has no
``lat``/``lon``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

#: Bump whenever a change can alter the numbers computed for an already imported file, so stored
#: summaries can be recomputed (``recompute``) and each stored number says which algorithm made it.
ALGORITHM_VERSION = "2"  # 2: recorded device totals win; partly timed files keep their times

SPORTS = ("run", "walk", "cycle", "cross_trainer", "swim", "other")
FORMATS = ("gpx", "tcx", "fit")


class ParseError(Exception):
    """A file could not be read as an activity; ``str(error)`` is a reason a person can act on."""


class TooLarge(ParseError):
    """A file is larger than ``limit`` bytes once decompressed (counted while decompressing)."""

    def __init__(self, message: str, limit: int) -> None:
        super().__init__(message)
        self.limit = limit


def size_text(n: int) -> str:
    """A byte count for people: ``64 MB``, ``1.5 MB``, ``48 KB``."""
    mb = 1024 * 1024
    if n >= mb:
        return f"{n / mb:.0f} MB" if n % mb == 0 or n >= 10 * mb else f"{n / mb:.1f} MB"
    return f"{max(1, round(n / 1024))} KB"


@dataclass
class Lap:
    """A lap as the device recorded it (FIT lap message / TCX ``<Lap>``); totals may be ``None``."""

    start: datetime | None = None
    elapsed_s: float | None = None
    timer_s: float | None = None
    distance_m: float | None = None


@dataclass
class Activity:
    """One activity as a set of per-point columns (see module docstring)."""

    sport: str = "other"
    start: datetime | None = None
    t: np.ndarray | None = None
    lat: np.ndarray | None = None
    lon: np.ndarray | None = None
    ele: np.ndarray | None = None
    hr: np.ndarray | None = None
    cadence: np.ndarray | None = None
    dist: np.ndarray | None = None
    laps: list[Lap] = field(default_factory=list)
    source_format: str = ""
    warnings: list[str] = field(default_factory=list)
    device_totals: dict[str, Any] = field(default_factory=dict)
    # Additions beyond the agreed API (all optional):
    speed: np.ndarray | None = None  #: device speed in m/s (FIT/TCX) where recorded
    segment_starts: np.ndarray | None = None  #: indices (>0) where a new GPS segment begins
    name: str = ""
    sub_sport: str = ""
    utc_offset_s: int | None = None  #: device local time minus UTC (FIT ``activity`` message)

    @property
    def points(self) -> int:
        """Number of recorded points (length of the columns)."""
        for col in (self.t, self.lat, self.dist, self.ele, self.hr, self.cadence, self.speed):
            if col is not None:
                return len(col)
        return 0

    @property
    def has_gps(self) -> bool:
        """True when at least two points carry a position."""
        if self.lat is None or self.lon is None:
            return False
        return int(np.count_nonzero(~np.isnan(self.lat) & ~np.isnan(self.lon))) >= 2


@dataclass
class Split:
    """One kilometre (the last one may be partial). Pace is *moving* pace."""

    index: int
    distance_m: float
    elapsed_s: float
    moving_s: float
    pace_s_per_km: float
    ele_gain_m: float
    avg_hr: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "distance_m": _r(self.distance_m, 1),
            "elapsed_s": _r(self.elapsed_s, 1),
            "moving_s": _r(self.moving_s, 1),
            "pace_s_per_km": _r(self.pace_s_per_km, 1),
            "ele_gain_m": _r(self.ele_gain_m, 1),
            "avg_hr": _r(self.avg_hr, 1),
        }


@dataclass
class Summary:
    """The numbers shown for a run. ``avg_pace_s_per_km`` is moving pace (never elapsed pace)."""

    sport: str
    start: datetime | None
    distance_m: float
    elapsed_s: float
    moving_s: float
    elevation_gain_m: float | None
    elevation_loss_m: float | None
    points: int
    avg_pace_s_per_km: float | None
    avg_hr: float | None
    max_hr: float | None
    avg_cadence: float | None
    max_cadence: float | None
    has_gps: bool
    splits: list[Split] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Additions beyond the agreed API:
    distance_source: str = "none"  #: "device" (watch's own distance), "gps" (geodesic) or "none"
    gps_distance_m: float | None = None  #: geodesic length of the GPS track, when there is one
    sports: list[str] = field(default_factory=list)  #: one per part (several for multi-sport)
    algorithm_version: str = ALGORITHM_VERSION

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict (ISO 8601 start, ``None`` instead of NaN, rounded floats)."""
        return {
            "sport": self.sport,
            "sports": list(self.sports),
            "start": self.start.isoformat() if self.start else None,
            "distance_m": _r(self.distance_m, 1),
            "elapsed_s": _r(self.elapsed_s, 1),
            "moving_s": _r(self.moving_s, 1),
            "elevation_gain_m": _r(self.elevation_gain_m, 1),
            "elevation_loss_m": _r(self.elevation_loss_m, 1),
            "points": int(self.points),
            "avg_pace_s_per_km": _r(self.avg_pace_s_per_km, 1),
            "avg_hr": _r(self.avg_hr, 1),
            "max_hr": _r(self.max_hr, 1),
            "avg_cadence": _r(self.avg_cadence, 1),
            "max_cadence": _r(self.max_cadence, 1),
            "has_gps": bool(self.has_gps),
            "distance_source": self.distance_source,
            "gps_distance_m": _r(self.gps_distance_m, 1),
            "splits": [s.to_dict() for s in self.splits],
            "warnings": list(self.warnings),
            "algorithm_version": self.algorithm_version,
        }


def _r(value: float | None, digits: int) -> float | None:
    """Round for JSON; NaN/inf/None become None."""
    if value is None:
        return None
    v = float(value)
    if not math.isfinite(v):
        return None
    return round(v, digits)
