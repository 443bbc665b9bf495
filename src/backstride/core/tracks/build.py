"""Turn raw parsed columns into a clean :class:`Activity` (shared by all formats)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np

from .model import Activity, Lap

#: At or above this share of timed points, the missing times are interpolated; below it, the
#: missing ones stay NaN (times come from the timed points only, see :func:`resolve_times`).
MIN_TIMED_FRACTION = 0.9
PLAUSIBLE_YEAR = 1985


def sport_from_text(text: str | None) -> str:
    """Map a free-text sport label (TCX ``Sport``, GPX ``<type>``) to one of our sports."""
    s = (text or "").strip().lower()
    if not s:
        return "other"
    if "treadmill" in s or "run" in s or "jog" in s:
        return "run"
    if "walk" in s or "hik" in s:
        return "walk"
    if "ellip" in s or ("cross" in s and "train" in s):
        return "cross_trainer"
    if "bik" in s or "cycl" in s or "ride" in s:
        return "cycle"
    if "swim" in s:
        return "swim"
    return "other"


def utc_datetime(ts: float) -> datetime:
    return datetime.fromtimestamp(float(ts), tz=UTC)


def fmt_clock(ts: float) -> str:
    """A POSIX time as ``HH:MM:SS`` UTC for warnings."""
    return utc_datetime(ts).strftime("%H:%M:%S UTC")


def _none_if_empty(col: np.ndarray | None) -> np.ndarray | None:
    if col is None or len(col) == 0:
        return None
    if np.isnan(col).all():
        return None
    return col


def resolve_times(
    tabs: np.ndarray | None, warnings: list[str], *, relative: bool = False
) -> tuple[datetime | None, np.ndarray | None]:
    """Absolute POSIX times (NaN = missing) -> (aware UTC start, seconds since start or None).

    Missing times are interpolated when only a few are missing (under 10 %); when more are
    missing, the untimed points keep NaN and the warning says how many lacked a time (the
    summary takes elapsed and moving time from the timed points). Only when no point has a
    time, or all times are equal, are times dropped (distance is still valid).
    """
    if tabs is None or len(tabs) == 0:
        return None, None
    n = len(tabs)
    valid = ~np.isnan(tabs)
    nvalid = int(np.count_nonzero(valid))
    if nvalid == 0:
        warnings.append("no point has a timestamp: distance is shown, times and pace are not")
        return None, None
    first = float(tabs[valid][0])
    start: datetime | None
    if relative:
        start = None
        warnings.append("the file has only device-relative times: the start date is unknown")
    else:
        start = utc_datetime(first)
        if start.year < PLAUSIBLE_YEAR:
            warnings.append(f"timestamps look wrong (they start in {start.year})")
    partial = nvalid < n and nvalid < MIN_TIMED_FRACTION * n
    if partial:
        # Times come from the timed points alone (NaN stays for the others): elapsed runs from
        # the first to the last timed point, and stretches without times count as pauses.
        if float(np.nanmax(tabs) - np.nanmin(tabs)) < 1.0:
            warnings.append(
                f"only {nvalid} of {n} points have a timestamp, all the same: times and pace "
                "are not shown"
            )
            return start, None
        warnings.append(
            f"{n - nvalid} of {n} points have no timestamp: times and pace come from "
            f"the {nvalid} timed points"
        )
    elif nvalid < n:
        idx = np.arange(n, dtype=np.float64)
        tabs = np.interp(idx, idx[valid], tabs[valid])
        warnings.append(f"{n - nvalid} of {n} points had no timestamp (interpolated)")
    if n > 1 and float(np.nanmax(tabs) - np.nanmin(tabs)) < 1.0:
        warnings.append("all points carry the same timestamp: times and pace are not shown")
        return start, None
    t = tabs - first
    if n > 1 and np.any(np.diff(t[~np.isnan(t)] if partial else t) < 0):
        warnings.append("timestamps go backwards in places")
    return start, t


def build_activity(
    *,
    source_format: str,
    sport: str,
    tabs: np.ndarray | None,
    lat: np.ndarray | None = None,
    lon: np.ndarray | None = None,
    ele: np.ndarray | None = None,
    hr: np.ndarray | None = None,
    cadence: np.ndarray | None = None,
    dist: np.ndarray | None = None,
    speed: np.ndarray | None = None,
    segment_starts: list[int] | None = None,
    laps: list[Lap] | None = None,
    warnings: list[str] | None = None,
    device_totals: dict[str, Any] | None = None,
    name: str = "",
    sub_sport: str = "",
    start: datetime | None = None,
    utc_offset_s: int | None = None,
    relative_times: bool = False,
) -> Activity:
    """Validate and tidy columns (ranges, empties, times) into an :class:`Activity`."""
    warns = list(warnings or [])
    t_start, t = resolve_times(tabs, warns, relative=relative_times)
    if lat is not None and lon is not None:
        lat = np.array(lat, dtype=np.float64)
        lon = np.array(lon, dtype=np.float64)
        bad = (np.abs(lat) > 90) | (np.abs(lon) > 180) | ((lat == 0) & (lon == 0))
        bad &= ~np.isnan(lat) & ~np.isnan(lon)
        if bad.any():
            warns.append(f"{int(bad.sum())} impossible positions ignored")
            lat[bad] = np.nan
            lon[bad] = np.nan
        lat[np.isnan(lon)] = np.nan
        lon[np.isnan(lat)] = np.nan
        if np.isnan(lat).all():
            lat = lon = None
    else:
        lat = lon = None
    if hr is not None:
        hr = np.where((hr > 0) & (hr < 300), hr, np.nan)
    if cadence is not None:
        cadence = np.where((cadence >= 0) & (cadence < 400), cadence, np.nan)
    if ele is not None:
        ele = np.where(np.abs(ele) < 12000, ele, np.nan)  # zero is a value (sea level)
    if dist is not None:
        dist = np.where(dist >= 0, dist, np.nan)
    n = next((len(c) for c in (tabs, lat, dist, ele, hr) if c is not None), 0)
    seg = None
    if segment_starts:
        s = np.unique(np.asarray(segment_starts, dtype=np.int64))
        s = s[(s > 0) & (s < n)]
        seg = s if len(s) else None
    return Activity(
        sport=sport,
        start=start or t_start,
        t=t,
        lat=lat,
        lon=lon,
        ele=_none_if_empty(ele),
        hr=_none_if_empty(hr),
        cadence=_none_if_empty(cadence),
        dist=_none_if_empty(dist),
        laps=list(laps or []),
        source_format=source_format,
        warnings=warns,
        device_totals=dict(device_totals or {}),
        speed=_none_if_empty(speed),
        segment_starts=seg,
        name=name,
        sub_sport=sub_sport,
        utc_offset_s=utc_offset_s,
    )


def steps_per_minute(cadence: np.ndarray | None, sport: str, *, per_leg: bool | None) -> Any:
    """Running/walking cadence as steps per minute.

    ``per_leg=True`` doubles (FIT ``cadence``, TCX ``RunCadence``); ``None`` guesses: a median
    below 120 for a run or walk is per-leg (people do not run at 90 steps/min).
    """
    if cadence is None or sport not in ("run", "walk"):
        return cadence
    if per_leg is None:
        moving = cadence[cadence > 0]
        per_leg = bool(len(moving)) and float(np.nanmedian(moving)) < 120
    return cadence * 2 if per_leg else cadence
