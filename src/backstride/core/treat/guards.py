"""Pace, distance and the volume guards of the running ladder.

- the pace band: a clinician's tailored band, else the median of the athlete's recent runs,
  else the ladder's default (``[running.pace]``);
- the longest-run guard: no run more than ``max_over_percent`` longer than the longest of the
  last ``window_days`` (``[running.longest_run]``);
- the weekly allowance: the starting allowance or last week plus the allowed increase, never
  above the ladder's ceiling (``[running.volume]``);
- :func:`fit`: a rung trimmed to what is left under those guards, or nothing.

Pure Python, no Django.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, timedelta
from statistics import median

from backstride.core.protocol import Protocol
from backstride.core.running_protocol.rules import Ladder, Rung
from backstride.core.treat.compiled import (
    DEFAULT_PACE_SOURCE,
    Compiled,
    LadderInfo,
    compile_protocol,
)
from backstride.core.treat.model import History, PaceBand, Profile

#: the shortest a continuous run may be trimmed to, as a share of its rung's time
MIN_CONTINUOUS_SHARE = 0.5


def pace_band(protocol: Protocol, profile: Profile, today: date) -> tuple[PaceBand, str]:
    """The athlete's pace band and where it came from (tailored, personal or default)."""
    c = compile_protocol(protocol)
    return athlete_pace(c, c.ladder(profile.audience), profile, today)


def athlete_pace(
    c: Compiled, info: LadderInfo, profile: Profile, today: date
) -> tuple[PaceBand, str]:
    """:func:`pace_band` for a compiled protocol and the athlete's ladder."""
    pace = c.running.pace
    if profile.pace is not None:
        return replace(profile.pace, cue=pace.talk_test), "tailored by your clinician"
    if len(profile.recent_runs) < pace.personal_min_runs:  # too few to personalise
        return info.default_pace, DEFAULT_PACE_SOURCE
    since = today - timedelta(days=pace.personal_window_days)
    speeds = [
        r.speed_kmh
        for r in profile.recent_runs
        if since <= r.on <= today and r.distance_km >= 1 and 3 <= r.speed_kmh <= 25
    ]
    if len(speeds) < pace.personal_min_runs:
        return info.default_pace, DEFAULT_PACE_SOURCE
    centre = min(max(median(speeds), pace.min_kmh), pace.max_kmh)
    half = pace.band_width_kmh / 2
    low = max(pace.min_kmh, centre - half)
    high = min(pace.max_kmh, centre + half)
    band = PaceBand(round(low, 1), round(high, 1), pace.talk_test)
    return band, f"from your own recent runs ({len(speeds)} runs)"


def rung_distance_km(rung: Rung, pace: PaceBand, walk_kmh: float, repeats: int = 0) -> float:
    """Estimated distance of a rung's main block (0 for the cross-trainer)."""
    if not rung.is_run:
        return 0.0
    reps = repeats or rung.repeats
    return reps * (rung.run_s * pace.mid_kmh + rung.walk_s * walk_kmh) / 3600


def longest_run_limit(
    protocol: Protocol, profile: Profile, history: History, today: date
) -> tuple[float, float]:
    """(limit, longest of the window) for a run on ``today``, in km.

    No run may be more than ``max_over_percent`` longer than the longest run of the last
    ``window_days``; with no run in that window the first walk-run rung is the allowance.
    """
    c = compile_protocol(protocol)
    running = c.running
    guard = running.longest_run
    since = today - timedelta(days=guard.window_days)
    longest = max(
        (s.distance_km for s in history.sessions if s.kind.is_run and since <= s.on < today),
        default=0.0,
    )
    info = c.ladder(profile.audience)
    pace, _ = athlete_pace(c, info, profile, today)
    entry = c.distances_for(info, pace)[info.first_run]
    return max(entry, longest * (1 + guard.max_over_percent / 100)), longest


def allowed_week_km(ladder: Ladder, increase_percent: float, previous_week_km: float) -> float:
    """The most running km a week may hold: the starting allowance or last week plus the
    allowed increase, whichever is larger, never above the ladder's ceiling."""
    grown = previous_week_km * (1 + increase_percent / 100)
    return min(ladder.weekly_ceiling_km, max(ladder.weekly_start_km_max, grown))


def fit(rung: Rung, full_km: float, pace: PaceBand, cap_km: float) -> tuple[int, int, float] | None:
    """(repeats, run_s, km) of ``rung`` (``full_km`` as written) trimmed to fit ``cap_km``, or
    None if it cannot be trimmed that far."""
    if full_km <= cap_km + 1e-9:
        return rung.repeats, rung.run_s, full_km
    if rung.kind == "walk_run":
        per = full_km / rung.repeats
        reps = math.floor(cap_km / per + 1e-9)
        return (reps, rung.run_s, reps * per) if reps >= 1 else None
    mid = pace.mid_kmh
    run_s = math.floor(cap_km / mid * 60 + 1e-9) * 60
    if run_s < rung.run_s * MIN_CONTINUOUS_SHARE:
        return None
    return 1, run_s, run_s * mid / 3600


__all__ = [
    "MIN_CONTINUOUS_SHARE",
    "allowed_week_km",
    "athlete_pace",
    "fit",
    "longest_run_limit",
    "pace_band",
    "rung_distance_km",
]
