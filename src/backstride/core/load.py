"""Training-load maths (pure): daily series, weekly totals in the athlete's zone, acute:chronic.

* ``acute7``  — the load of the last 7 days (a rolling sum, today included).
* ``chronic28`` — the average *weekly* load over the last 28 days (rolling 28-day sum / 4), so it
  is on the same scale as ``acute7`` and a ratio of 1.0 means "this week is like the last four".
* ``ratio`` — ``acute7 / chronic28``; ``None`` while the chronic load is 0 (no history yet).

Load can be anything additive per day: distance in km, minutes, or minutes × effort.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

ACUTE_DAYS = 7
CHRONIC_DAYS = 28


@dataclass(frozen=True)
class WeekTotal:
    """Totals for one Monday-to-Sunday week in the athlete's time zone."""

    week_start: date
    distance_km: float
    duration_min: float
    runs: int


def daily_series(activities: Iterable[tuple[date, float]], start: date, end: date) -> list[float]:
    """One value per day from ``start`` to ``end`` (inclusive): the sum of the loads on that day.
    Days without activity are 0; activities outside the range are ignored."""
    if end < start:
        return []
    n = (end - start).days + 1
    out = [0.0] * n
    for day, load in activities:
        i = (day - start).days
        if 0 <= i < n:
            out[i] += float(load)
    return out


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def weekly_totals(
    items: Iterable[tuple[datetime, float, float]], tz: ZoneInfo, weeks: int, today: date
) -> list[WeekTotal]:
    """Distance (km), duration (min) and count of activities for the ``weeks`` Monday-start weeks
    ending with the week holding ``today``, oldest first. Each item is ``(aware start, distance
    in m, duration in s)``; its week is decided in ``tz`` (the athlete's zone), so a run at 00:30
    local time on a Monday counts for that Monday's week even if it was Sunday in UTC."""
    if weeks <= 0:
        return []
    first = week_start(today) - timedelta(weeks=weeks - 1)
    dist = [0.0] * weeks
    dur = [0.0] * weeks
    runs = [0] * weeks
    for when, distance_m, duration_s in items:
        if when.tzinfo is None or when.utcoffset() is None:
            raise ValueError("weekly_totals needs timezone-aware datetimes")
        local_day = when.astimezone(tz).date()
        i = (week_start(local_day) - first).days // 7
        if 0 <= i < weeks:
            dist[i] += float(distance_m or 0.0) / 1000.0
            dur[i] += float(duration_s or 0.0) / 60.0
            runs[i] += 1
    return [WeekTotal(first + timedelta(weeks=k), dist[k], dur[k], runs[k]) for k in range(weeks)]


def acute_chronic(daily_load: Iterable[float]) -> list[tuple[float, float, float | None]]:
    """Per day: ``(acute7, chronic28, ratio)`` — see the module docstring. Days before the start
    of the series count as 0 (pass a longer series for a warmed-up chronic load)."""
    load = np.asarray(list(daily_load), dtype=np.float64)
    if load.size == 0:
        return []
    c = np.concatenate(([0.0], np.cumsum(load)))
    idx = np.arange(1, len(load) + 1)
    acute = c[idx] - c[np.maximum(idx - ACUTE_DAYS, 0)]
    chronic = (c[idx] - c[np.maximum(idx - CHRONIC_DAYS, 0)]) / (CHRONIC_DAYS / 7)
    out: list[tuple[float, float, float | None]] = []
    for a, ch in zip(acute.tolist(), chronic.tolist(), strict=True):
        a = round(a, 9)
        ch = round(ch, 9)
        out.append((a, ch, a / ch if ch > 0 else None))
    return out
