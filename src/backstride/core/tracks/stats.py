"""Track statistics: distance, elapsed and moving time, elevation, splits, HR and cadence.

All maths is vectorised with numpy except the elevation hysteresis (a short loop over points).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np

from .model import Activity, Split, Summary

EARTH_RADIUS_M = 6_371_000.0  # mean radius (gpxpy uses the equatorial 6378.137 km: 0.11 % apart)
#: Below this speed (m/s, averaged over ~10 s) a point counts as stopped. Low enough that the
#: walk segments of a walk-run (and slow walking after back pain) still count as moving.
STOP_SPEED_M_S = {
    "run": 0.5,
    "walk": 0.3,
    "cycle": 1.0,
    "swim": 0.1,
    "cross_trainer": 0.3,
    "other": 0.3,
}
SPEED_WINDOW_S = 5.0  # half-width of the window the moving speed is averaged over
#: Elevation is first averaged over this many seconds (5 points without timestamps) ...
ELEVATION_WINDOW_S = 10.0
#: ... then changes smaller than this (m) are treated as noise (hysteresis band). Calibrated on the
#: shared FIT files against the watches' own total ascent (within ~10 % on barometric devices).
ELEVATION_BAND_M = 1.0
MIN_PARTIAL_SPLIT_M = 10.0


def haversine(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle distance in metres between arrays of points given in degrees."""
    p1 = np.radians(lat1)
    p2 = np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(lon2 - lon1)
    a = np.sin(dphi * 0.5) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb * 0.5) ** 2
    return 2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def gps_steps(activity: Activity) -> np.ndarray | None:
    """Per-point distance (m) from the previous positioned point; 0 across segment gaps."""
    lat, lon = activity.lat, activity.lon
    if lat is None or lon is None:
        return None
    n = len(lat)
    idx = np.flatnonzero(~np.isnan(lat) & ~np.isnan(lon))
    if len(idx) < 2:
        return None
    d = haversine(lat[idx[:-1]], lon[idx[:-1]], lat[idx[1:]], lon[idx[1:]])
    if activity.segment_starts is not None and len(activity.segment_starts):
        seg = np.searchsorted(activity.segment_starts, idx, side="right")
        d[seg[1:] != seg[:-1]] = 0.0
    steps = np.zeros(n)
    steps[idx[1:]] = d
    return steps


def device_steps(dist: np.ndarray | None) -> np.ndarray | None:
    """Per-point distance from a device's cumulative distance (resets and gaps tolerated)."""
    if dist is None:
        return None
    idx = np.flatnonzero(~np.isnan(dist))
    if len(idx) == 0:
        return None
    steps = np.zeros(len(dist))
    vals = dist[idx]
    steps[idx[0]] = max(float(vals[0]), 0.0)
    steps[idx[1:]] = np.maximum(np.diff(vals), 0.0)
    return steps


def speed_steps(activity: Activity) -> np.ndarray | None:
    """Per-point distance integrated from device speed (last resort without GPS or distance)."""
    if activity.speed is None or activity.t is None:
        return None
    sp = np.nan_to_num(activity.speed, nan=0.0)
    dt = np.diff(activity.t, prepend=activity.t[0])
    return np.maximum(dt, 0.0) * np.maximum(sp, 0.0)


def distance_steps(activity: Activity, warnings: list[str]) -> tuple[np.ndarray, str, float | None]:
    """Choose the distance source: the device's own distance when recorded (what the watch
    showed), otherwise the geodesic GPS distance, otherwise integrated speed."""
    n = activity.points
    gps = gps_steps(activity)
    gps_total = float(gps.sum()) if gps is not None else None
    dev = device_steps(activity.dist)
    dev_total = float(dev.sum()) if dev is not None else 0.0
    if dev is not None and dev_total > 0:
        if gps_total and dev_total < 0.5 * gps_total:
            warnings.append(
                f"the device distance ({dev_total:.0f} m) is far below the GPS distance "
                f"({gps_total:.0f} m); the GPS distance is used"
            )
        else:
            return dev, "device", gps_total
    if gps is not None:
        return gps, "gps", gps_total
    sp = speed_steps(activity)
    if sp is not None and sp.sum() > 0:
        warnings.append("distance estimated from recorded speed")
        return sp, "speed", None
    return np.zeros(n), "none", gps_total


def recorded_distance(activity: Activity) -> float | None:
    """The total distance the device recorded for this activity, as the watch shows it: the
    session total (FIT) or the sum of the lap totals (TCX; FIT without a session total), or
    ``None`` when it recorded none. The final record distance is used by :func:`distance_steps`.
    """
    total = activity.device_totals.get("total_distance")
    if total is not None and float(total) > 0:
        return float(total)
    laps = [lap.distance_m for lap in activity.laps if lap.distance_m is not None]
    if laps and sum(laps) > 0:
        return float(sum(laps))
    return None


def apply_recorded_total(
    activity: Activity,
    steps: np.ndarray,
    source: str,
    gps_total: float | None,
    warnings: list[str],
) -> tuple[np.ndarray, float, str]:
    """The activity's distance: the device's recorded total when there is a plausible one (the
    per-point steps are scaled to it, so the splits add up to it), else the sum of ``steps``.
    Returns (steps, distance, source)."""
    measured = float(steps.sum())
    total = recorded_distance(activity)
    if total is None:
        return steps, measured, source
    use_gps = source == "gps" and bool(gps_total)
    reference = float(gps_total or 0.0) if use_gps else measured
    what = "GPS distance" if use_gps else "distance of the recorded track"
    if reference and not 0.5 * reference <= total <= 2.0 * reference:
        already = source == "gps" and activity.dist is not None  # distance_steps said so
        if not already:
            warnings.append(
                f"the device's total distance ({total:.0f} m) does not fit the {what} "
                f"({reference:.0f} m); the {what} is used"
            )
        return steps, measured, source
    if measured > 0:
        steps = steps * (total / measured)
    return steps, total, "device"


def moving_mask(
    t: np.ndarray,
    cum: np.ndarray,
    threshold: float,
    has_distance: bool,
    cadence: np.ndarray | None,
    positions: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Boolean per step (index i = step from point i-1 to i; index 0 is False): moving or not.

    Speed is measured over a window of about ``2 * SPEED_WINDOW_S`` around each step: with GPS as
    the straight-line displacement across the window (GPS jitter while standing still adds path
    length but no displacement), otherwise from the cumulative (device) distance."""
    n = len(t)
    moving = np.zeros(n, dtype=bool)
    if n < 2:
        return moving
    tm = np.maximum.accumulate(t)
    dt = np.diff(tm)
    if has_distance:
        lo = np.searchsorted(tm, tm[:-1] - SPEED_WINDOW_S, side="left")
        hi = np.searchsorted(tm, tm[1:] + SPEED_WINDOW_S, side="right") - 1
        span = tm[hi] - tm[lo]
        if positions is not None:
            lat, lon = positions
            dist = haversine(lat[lo], lon[lo], lat[hi], lon[hi])
            dist = np.where(np.isnan(dist), cum[hi] - cum[lo], dist)
        else:
            dist = cum[hi] - cum[lo]
        with np.errstate(divide="ignore", invalid="ignore"):
            speed = np.where(span > 0, dist / span, 0.0)
        moving[1:] = speed >= threshold
    else:
        positive = dt[dt > 0]
        gap = max(10.0, 5.0 * float(np.median(positive))) if len(positive) else 10.0
        moving[1:] = dt <= gap
        if cadence is not None and not np.isnan(cadence).all():
            moving[1:] &= ~(np.nan_to_num(cadence[1:], nan=1.0) <= 0)
    moving[1:] &= dt > 0
    return moving


def _filled_positions(activity: Activity, source: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Positions with gaps carried forward (for displacement), when distance comes from GPS."""
    if source != "gps" or activity.lat is None or activity.lon is None:
        return None
    lat, lon = activity.lat, activity.lon
    ok = ~np.isnan(lat)
    if not ok.any():
        return None
    pos = np.where(ok, np.arange(len(lat)), 0)
    np.maximum.accumulate(pos, out=pos)
    first = int(np.argmax(ok))
    pos[:first] = first
    return lat[pos], lon[pos]


def elevation_profile(
    ele: np.ndarray | None,
    t: np.ndarray | None = None,
    band: float = ELEVATION_BAND_M,
    window_s: float = ELEVATION_WINDOW_S,
) -> np.ndarray | None:
    """Smoothed, hysteresis-filtered elevation per point (NaN-free), or ``None`` (< 2 values).

    A moving average over ``window_s`` seconds removes sample noise, then a backlash of width
    ``band`` ignores wobbles smaller than the band while a steady climb registers in full. Zero
    is a value (sea level). Missing values carry the last filtered value.
    """
    if ele is None:
        return None
    idx = np.flatnonzero(~np.isnan(ele))
    if len(idx) < 2:
        return None
    e = ele[idx]
    c = np.concatenate(([0.0], np.cumsum(e)))
    if t is not None and window_s > 0:
        tt = np.maximum.accumulate(t[idx])
        lo = np.searchsorted(tt, tt - window_s / 2, side="left")
        hi = np.searchsorted(tt, tt + window_s / 2, side="right")
    else:
        k = np.arange(len(e))
        lo = np.maximum(k - 2, 0)
        hi = np.minimum(k + 3, len(e))
    smooth = (c[hi] - c[lo]) / (hi - lo)
    vals = smooth.tolist()
    h = band / 2.0
    f = vals[0]
    out: list[float] = []
    append = out.append
    for x in vals:
        if x > f + h:
            f = x - h
        elif x < f - h:
            f = x + h
        append(f)
    filtered = np.full(len(ele), np.nan)
    filtered[idx] = out
    # Carry values forward (and backward for leading gaps) so every point has one.
    pos = np.where(~np.isnan(filtered), np.arange(len(ele)), 0)
    np.maximum.accumulate(pos, out=pos)
    filtered = filtered[pos]
    filtered[: idx[0]] = out[0]
    return filtered


def summarise(activity: Activity, *, moving_threshold_m_s: float | None = None) -> Summary:
    """Compute the :class:`Summary` of one activity."""
    warnings = list(activity.warnings)
    n = activity.points
    if n == 0:
        return _from_device_totals(activity, warnings)
    steps, step_source, gps_total = distance_steps(activity, warnings)
    steps, distance, source = apply_recorded_total(
        activity, steps, step_source, gps_total, warnings
    )
    cum = np.cumsum(steps)
    t, timed = _timeline(activity.t)
    threshold = (
        moving_threshold_m_s
        if moving_threshold_m_s is not None
        else STOP_SPEED_M_S.get(activity.sport, STOP_SPEED_M_S["other"])
    )
    profile = elevation_profile(activity.ele, t if timed is None else None)
    gain = loss = None
    cum_gain = None
    if profile is not None:
        d = np.diff(profile)
        gain = float(d[d > 0].sum())
        loss = float(-d[d < 0].sum())
        cum_gain = np.concatenate(([0.0], np.cumsum(np.maximum(d, 0.0))))
    elapsed = moving = 0.0
    paced_distance = distance
    splits: list[Split] = []
    if t is not None and n >= 2:
        elapsed = float(t[-1] - t[0])
        if elapsed < 0:
            elapsed = float(np.max(t) - np.min(t))
        positions = _filled_positions(activity, step_source)
        has_distance = step_source != "none"
        if timed is None:
            mask = moving_mask(t, cum, threshold, has_distance, activity.cadence, positions)
        else:
            # Partly timed: only steps between two neighbouring timed points can be moving;
            # a stretch of points without times is a pause (as gpxpy counts it).
            idx = np.flatnonzero(timed)
            cad = activity.cadence
            sub = moving_mask(
                t[idx],
                cum[idx],
                threshold,
                has_distance,
                cad[idx] if cad is not None else None,
                (positions[0][idx], positions[1][idx]) if positions is not None else None,
            )
            sub[1:] &= np.diff(idx) == 1
            mask = np.zeros(n, dtype=bool)
            mask[idx] = sub
            both = timed[1:] & timed[:-1]
            paced_distance = float(steps[1:][both].sum())
        if step_source == "gps" and activity.segment_starts is not None:
            mask[activity.segment_starts] = False  # the jump between GPS segments is a pause
        dt = np.diff(np.maximum.accumulate(t), prepend=t[0])
        cum_moving = np.cumsum(np.where(mask, dt, 0.0))
        moving = float(cum_moving[-1])
        if step_source != "none" and timed is None:
            splits = _splits(cum, t, cum_moving, cum_gain, activity.hr)
    hr = activity.hr
    cad = activity.cadence
    avg_hr = max_hr = avg_cad = max_cad = None
    if hr is not None and not np.isnan(hr).all():
        avg_hr = float(np.nanmean(hr))
        max_hr = float(np.nanmax(hr))
    if cad is not None:
        active = cad[cad > 0]
        if len(active):
            avg_cad = float(np.mean(active))
            max_cad = float(np.max(active))
    if source == "none" and n:
        warnings.append("no distance could be computed (no positions, device distance or speed)")
    return Summary(
        sport=activity.sport,
        start=activity.start,
        distance_m=distance,
        elapsed_s=elapsed,
        moving_s=moving,
        elevation_gain_m=gain,
        elevation_loss_m=loss,
        points=n,
        avg_pace_s_per_km=_pace(moving, paced_distance),
        avg_hr=avg_hr,
        max_hr=max_hr,
        avg_cadence=avg_cad,
        max_cadence=max_cad,
        has_gps=activity.has_gps,
        splits=splits,
        warnings=warnings,
        distance_source=source,
        gps_distance_m=gps_total,
        sports=[activity.sport],
    )


def _timeline(t: np.ndarray | None) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(times without gaps, which points were timed) for a time column that may hold NaN for
    points without a timestamp (a partly timed file): an untimed point takes the time of the
    timed point before it (the first timed one when it comes before any), so it adds no time.
    ``which`` is ``None`` when every point is timed; times are ``None`` with under 2 timed."""
    if t is None:
        return None, None
    ok = ~np.isnan(t)
    if ok.all():
        return t, None
    if np.count_nonzero(ok) < 2:
        return None, None
    pos = np.where(ok, np.arange(len(t)), 0)
    np.maximum.accumulate(pos, out=pos)
    filled = t[pos]
    first = int(np.argmax(ok))
    filled[:first] = t[first]
    return filled, ok


def _pace(moving_s: float, distance_m: float) -> float | None:
    if moving_s <= 0 or distance_m < 10:
        return None
    return moving_s / (distance_m / 1000.0)


def _at(cum: np.ndarray, marks: np.ndarray, *series: np.ndarray) -> list[np.ndarray]:
    """Values of ``series`` where the cumulative distance first reaches each mark (interpolated)."""
    i = np.searchsorted(cum, marks, side="left")
    i = np.clip(i, 1, len(cum) - 1)
    c0, c1 = cum[i - 1], cum[i]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(c1 > c0, (marks - c0) / (c1 - c0), 1.0)
    frac = np.clip(frac, 0.0, 1.0)
    return [s[i - 1] + (s[i] - s[i - 1]) * frac for s in series]


def _splits(
    cum: np.ndarray,
    t: np.ndarray,
    cum_moving: np.ndarray,
    cum_gain: np.ndarray | None,
    hr: np.ndarray | None,
) -> list[Split]:
    total = float(cum[-1])
    if total <= 0:
        return []
    full = int(total // 1000.0)
    marks = [1000.0 * k for k in range(1, full + 1)]
    if total - 1000.0 * full >= MIN_PARTIAL_SPLIT_M:
        marks.append(total)
    if not marks:
        return []
    m = np.asarray(marks)
    tm = np.maximum.accumulate(t)
    gain = cum_gain if cum_gain is not None else np.zeros(len(cum))
    at_t, at_mov, at_gain = _at(cum, m, tm, cum_moving, gain)
    at_t = np.concatenate(([tm[0]], at_t))
    at_mov = np.concatenate(([0.0], at_mov))
    at_gain = np.concatenate(([0.0], at_gain))
    dist = np.diff(np.concatenate(([0.0], m)))
    bounds = np.searchsorted(cum, m, side="left")
    starts = np.concatenate(([0], bounds[:-1]))
    out: list[Split] = []
    for k in range(len(m)):
        avg_hr = None
        if hr is not None:
            seg = hr[starts[k] : max(bounds[k], starts[k] + 1)]
            seg = seg[~np.isnan(seg)]
            if len(seg):
                avg_hr = float(seg.mean())
        moving = float(at_mov[k + 1] - at_mov[k])
        pace = _pace(moving, float(dist[k]))
        out.append(
            Split(
                index=k + 1,
                distance_m=float(dist[k]),
                elapsed_s=float(at_t[k + 1] - at_t[k]),
                moving_s=moving,
                pace_s_per_km=pace if pace is not None else float("nan"),
                ele_gain_m=float(at_gain[k + 1] - at_gain[k]) if cum_gain is not None else 0.0,
                avg_hr=avg_hr,
            )
        )
    return out


def _from_device_totals(activity: Activity, warnings: list[str]) -> Summary:
    dt = activity.device_totals
    distance = float(dt.get("total_distance") or 0.0)
    elapsed = float(dt.get("total_elapsed_time") or dt.get("total_timer_time") or 0.0)
    moving = float(dt.get("total_timer_time") or elapsed)
    if dt:
        warnings.append("no recorded points: totals come from the device's summary")
    else:
        warnings.append("no recorded points")
    return Summary(
        sport=activity.sport,
        start=activity.start,
        distance_m=distance,
        elapsed_s=elapsed,
        moving_s=moving,
        elevation_gain_m=dt.get("total_ascent"),
        elevation_loss_m=dt.get("total_descent"),
        points=0,
        avg_pace_s_per_km=_pace(moving, distance),
        avg_hr=dt.get("avg_heart_rate"),
        max_hr=dt.get("max_heart_rate"),
        avg_cadence=None,
        max_cadence=None,
        has_gps=False,
        splits=[],
        warnings=warnings,
        distance_source="device" if distance else "none",
        gps_distance_m=None,
        sports=[activity.sport],
    )


def combine(summaries: Sequence[Summary]) -> Summary:
    """One summary for a file with several parts (multi-sport): distances, moving time and
    climbs are summed; elapsed time runs from the first start to the last finish."""
    if not summaries:
        raise ValueError("combine() needs at least one summary")
    if len(summaries) == 1:
        return replace(
            summaries[0], splits=list(summaries[0].splits), warnings=list(summaries[0].warnings)
        )
    parts = list(summaries)
    main = max(parts, key=lambda s: (s.moving_s, s.distance_m))
    distance = sum(s.distance_m for s in parts)
    moving = sum(s.moving_s for s in parts)
    starts = [s.start for s in parts]
    start: datetime | None
    if all(st is not None for st in starts):
        begin = min(st for st in starts if st is not None)
        finish = max(
            st + timedelta(seconds=s.elapsed_s) for st, s in zip(starts, parts, strict=True) if st
        )
        elapsed = (finish - begin).total_seconds()
        start = begin
    else:
        elapsed = sum(s.elapsed_s for s in parts)
        start = next((st for st in starts if st is not None), None)

    def total(attr: str) -> float | None:
        vals = [getattr(s, attr) for s in parts if getattr(s, attr) is not None]
        return float(sum(vals)) if vals else None

    def weighted(attr: str) -> float | None:
        pairs = [(getattr(s, attr), s.moving_s or s.elapsed_s) for s in parts]
        pairs = [(v, w) for v, w in pairs if v is not None and w > 0]
        wsum = sum(w for _, w in pairs)
        return sum(v * w for v, w in pairs) / wsum if wsum else None

    def maximum(attr: str) -> float | None:
        vals = [getattr(s, attr) for s in parts if getattr(s, attr) is not None]
        return max(vals) if vals else None

    sports = [sp for s in parts for sp in (s.sports or [s.sport])]
    warnings: list[str] = [
        f"multi-sport file ({', '.join(sports)}): totals are the sum of the parts"
    ]
    for s in parts:
        warnings.extend(w for w in s.warnings if w not in warnings)
    sources = {s.distance_source for s in parts if s.distance_source != "none"}
    return Summary(
        sport=main.sport,
        start=start,
        distance_m=distance,
        elapsed_s=elapsed,
        moving_s=moving,
        elevation_gain_m=total("elevation_gain_m"),
        elevation_loss_m=total("elevation_loss_m"),
        points=sum(s.points for s in parts),
        avg_pace_s_per_km=_pace(moving, distance),
        avg_hr=weighted("avg_hr"),
        max_hr=maximum("max_hr"),
        avg_cadence=weighted("avg_cadence"),
        max_cadence=maximum("max_cadence"),
        has_gps=any(s.has_gps for s in parts),
        splits=[],
        warnings=warnings,
        distance_source=sources.pop() if len(sources) == 1 else ("mixed" if sources else "none"),
        gps_distance_m=total("gps_distance_m"),
        sports=sports,
    )
