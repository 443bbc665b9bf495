"""The raw point columns a GPX or TCX parser read, before tidying (for streamed exports)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from .build import MIN_TIMED_FRACTION, utc_datetime
from .render import CHUNK_POINTS, PointChunk

#: Cadence below this median (steps per minute, moving points) is per leg (see
#: :func:`.build.steps_per_minute`).
PER_LEG_BELOW = 120


@dataclass
class RawPart:
    """One activity's raw point columns as a parser read them, before any tidying.

    Columns are equal-length float arrays (memory-mapped from the spill file): ``tabs`` holds
    absolute POSIX times (NaN = missing). ``per_leg`` is how to read ``cadence``: True (per leg),
    or None (guess from its median, as :func:`.build.steps_per_minute` does)."""

    source_format: str
    sport: str
    name: str
    tabs: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    ele: np.ndarray
    hr: np.ndarray
    cadence: np.ndarray
    per_leg: bool | None

    @property
    def points(self) -> int:
        return len(self.tabs)

    def _slices(self, column: np.ndarray) -> Iterator[np.ndarray]:
        for a in range(0, len(column), CHUNK_POINTS):
            yield np.asarray(column[a : a + CHUNK_POINTS])

    def all_nan(self, column: np.ndarray) -> bool:
        return all(bool(np.isnan(c).all()) for c in self._slices(column))

    def _cadence_per_leg(self) -> bool:
        """``median(cadence[cadence > 0]) < 120`` without holding the column in memory."""
        if self.per_leg is not None:
            return self.per_leg
        count = below = 0
        max_below, min_above = -np.inf, np.inf
        for c in self._slices(self.cadence):
            moving = c[c > 0]
            low = moving[moving < PER_LEG_BELOW]
            high = moving[moving >= PER_LEG_BELOW]
            count += len(moving)
            below += len(low)
            if len(low):
                max_below = max(max_below, float(low.max()))
            if len(high):
                min_above = min(min_above, float(high.min()))
        if not count:
            return False
        half = count // 2
        if count % 2:
            return below > half
        if below != half:
            return below > half
        return float(np.median(np.array([max_below, min_above]))) < PER_LEG_BELOW

    def start_and_times(self) -> tuple[datetime | None, str, float]:
        """As :func:`.build.resolve_times`: the start, how to get times (``"none"``, ``"plain"``
        or ``"interpolate"``) and the first valid time they count from."""
        n = len(self.tabs)
        nvalid = 0
        first = lo = hi = float("nan")
        for c in self._slices(self.tabs):
            valid = c[~np.isnan(c)]
            if not len(valid):
                continue
            if not nvalid:
                first = float(valid[0])
                lo, hi = first, first
            nvalid += len(valid)
            lo, hi = min(lo, float(valid.min())), max(hi, float(valid.max()))
        if n == 0 or nvalid == 0:
            return None, "none", first
        start = utc_datetime(first)
        if n > 1 and hi - lo < 1.0:
            return start, "none", first
        if nvalid < n and nvalid < MIN_TIMED_FRACTION * n:
            return start, "plain", first  # partly timed: the timed points keep their times
        return start, ("interpolate" if nvalid < n else "plain"), first

    def chunks(self, times: str, first: float) -> Iterator[PointChunk]:
        """Tidied points, a chunk at a time (see :func:`.build.build_activity`)."""
        per_leg = self.sport in ("run", "walk") and self._cadence_per_leg()
        n = len(self.tabs)
        prev: tuple[float, float] | None = None  # last valid (index, time) before the chunk
        for a in range(0, n, CHUNK_POINTS):
            b = min(a + CHUNK_POINTS, n)
            lat = np.array(self.lat[a:b], dtype=np.float64)
            lon = np.array(self.lon[a:b], dtype=np.float64)
            bad = (np.abs(lat) > 90) | (np.abs(lon) > 180) | ((lat == 0) & (lon == 0))
            bad &= ~np.isnan(lat) & ~np.isnan(lon)
            lat[bad] = np.nan
            lon[bad] = np.nan
            lat[np.isnan(lon)] = np.nan
            lon[np.isnan(lat)] = np.nan
            hr = np.asarray(self.hr[a:b])
            hr = np.where((hr > 0) & (hr < 300), hr, np.nan)
            cad = np.asarray(self.cadence[a:b])
            if per_leg:
                cad = cad * 2
            cad = np.where((cad >= 0) & (cad < 400), cad, np.nan)
            ele = np.asarray(self.ele[a:b])
            ele = np.where(np.abs(ele) < 12000, ele, np.nan)
            t = None
            if times != "none":
                tabs = np.asarray(self.tabs[a:b])
                if times == "interpolate":
                    tabs, prev = self._interpolated(tabs, a, prev)
                t = tabs - first
            yield PointChunk(lat=lat, lon=lon, t=t, ele=ele, hr=hr, cadence=cad)

    def _interpolated(
        self, tabs: np.ndarray, a: int, prev: tuple[float, float] | None
    ) -> tuple[np.ndarray, tuple[float, float] | None]:
        """``np.interp`` over the whole column, computed for one chunk from its neighbours."""
        valid = ~np.isnan(tabs)
        xp: list[float] = (np.flatnonzero(valid) + a).astype(np.float64).tolist()
        fp: list[float] = tabs[valid].tolist()
        if prev is not None:
            xp.insert(0, prev[0])
            fp.insert(0, prev[1])
        after = self._next_valid(a + len(tabs))
        if after is not None:
            xp.append(after[0])
            fp.append(after[1])
        idx = np.arange(a, a + len(tabs), dtype=np.float64)
        out = np.interp(idx, np.array(xp), np.array(fp))
        if valid.any():
            last = int(np.flatnonzero(valid)[-1])
            prev = (float(a + last), float(tabs[last]))
        return out, prev

    def _next_valid(self, start: int) -> tuple[float, float] | None:
        for a in range(start, len(self.tabs), CHUNK_POINTS):
            c = np.asarray(self.tabs[a : a + CHUNK_POINTS])
            hits = np.flatnonzero(~np.isnan(c))
            if len(hits):
                return float(a + hits[0]), float(c[hits[0]])
        return None
