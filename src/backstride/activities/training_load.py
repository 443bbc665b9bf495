"""Weeks, load and pain: this week's running (dashboard card, activity list) and the load
page's figures — weekly running volume, acute and chronic load, pain — per week.

The maths is the pure core's (``backstride.core.load``); this module picks the athlete's
activities and check-ins and lines them up on the same weeks, counted in the athlete's own
time zone (Monday to Sunday). Load here is *running distance* (runs and walk–runs, in km):
the same measure as the protocol's weekly ceiling, so the chart reads in one unit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone

from backstride.accounts import freshness
from backstride.core.load import acute_chronic, daily_series, week_start, weekly_totals
from backstride.rehab.scoring import pain_series
from backstride.running.services import weekly_ceiling_km

from .models import Activity, Sport

CHRONIC_WARMUP_DAYS = 28

#: Sports whose distance counts as running volume against the weekly ceiling.
RUNNING_SPORTS = (Sport.RUN, Sport.WALK_RUN)


def local_midnight(day: date, zone: Any) -> datetime:
    """The start of ``day`` in ``zone`` (an aware datetime)."""
    return datetime.combine(day, datetime.min.time(), tzinfo=zone)


def this_week(user: Any, now: datetime | None = None) -> dict[str, Any]:
    """The athlete's current week (Monday to Sunday in their own time zone); from the cache
    while the athlete's records are unchanged (accounts/freshness.py)."""
    if now is not None:
        return _week(user, now)
    today = timezone.now().astimezone(user.tzinfo).date()
    return freshness.cached(user, "this-week", today, lambda: _week(user, None))


def _week(user: Any, now: datetime | None) -> dict[str, Any]:
    zone = user.tzinfo
    today = (now or timezone.now()).astimezone(zone).date()
    monday = week_start(today)
    week = Activity.objects.filter(
        user=user,
        start__gte=local_midnight(monday, zone),
        start__lt=local_midnight(monday + timedelta(days=7), zone),
    ).aggregate(
        running_m=Sum("distance_m", filter=Q(sport__in=RUNNING_SPORTS), default=0.0),
        sessions=Count("pk"),
        total_s=Sum("moving_s", default=0.0),
    )
    running_m = week["running_m"]
    ceiling = weekly_ceiling_km(user)
    last = Activity.objects.filter(user=user).summaries().first()
    return {
        "start": monday,
        "zone": zone.key,
        "running_km": running_m / 1000.0,
        "ceiling_km": ceiling,
        "meter_km": min(running_m / 1000.0, ceiling) if ceiling else running_m / 1000.0,
        "over_ceiling": ceiling is not None and running_m / 1000.0 > ceiling,
        "sessions": week["sessions"],
        "total_s": week["total_s"],
        "last": last,
    }


@dataclass
class WeekRow:
    start: date
    end: date
    running_km: float
    all_km: float
    moving_min: float
    sessions: int
    acute_km: float
    chronic_km: float
    ratio: float | None
    pain_avg: float | None
    pain_max: float | None
    current: bool

    @property
    def label(self) -> str:
        return f"{self.start:%-d %b}"

    @property
    def moving_s(self) -> float:
        return self.moving_min * 60.0


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def load_context(user: Any, weeks: int = 12, now: datetime | None = None) -> dict[str, Any]:
    """The load page: ``weeks`` rows up to this week, the chart series and the ceiling; from
    the cache while the athlete's records are unchanged (accounts/freshness.py)."""
    if now is not None:
        return _load(user, weeks, now)
    today = timezone.now().astimezone(user.tzinfo).date()
    return freshness.cached(user, f"load-{weeks}", today, lambda: _load(user, weeks, None))


def _load(user: Any, weeks: int, now: datetime | None) -> dict[str, Any]:
    zone = user.tzinfo
    today = (now or timezone.now()).astimezone(zone).date()
    first = week_start(today) - timedelta(weeks=weeks - 1)
    history_start = first - timedelta(days=CHRONIC_WARMUP_DAYS)
    activities = list(
        Activity.objects.filter(
            user=user,
            start__gte=local_midnight(history_start, zone),
            start__lt=local_midnight(today + timedelta(days=1), zone),
        ).only("start", "distance_m", "moving_s", "sport")
    )
    running = [a for a in activities if a.sport in RUNNING_SPORTS]
    run_weeks = weekly_totals(
        ((a.start, a.distance_m, a.moving_s) for a in running), zone, weeks, today
    )
    all_weeks = weekly_totals(
        ((a.start, a.distance_m, a.moving_s) for a in activities), zone, weeks, today
    )
    daily = daily_series(
        ((a.start.astimezone(zone).date(), a.distance_m / 1000.0) for a in running),
        history_start,
        today,
    )
    loads = acute_chronic(daily)
    pain = pain_series(user, first, today)
    ceiling = weekly_ceiling_km(user)

    rows: list[WeekRow] = []
    for run_week, all_week in zip(run_weeks, all_weeks, strict=True):
        end = min(run_week.week_start + timedelta(days=6), today)
        acute, chronic, ratio = loads[(end - history_start).days]
        week_pain = [p for d, p in pain if run_week.week_start <= d <= end]
        rows.append(
            WeekRow(
                start=run_week.week_start,
                end=end,
                running_km=run_week.distance_km,
                all_km=all_week.distance_km,
                moving_min=all_week.duration_min,
                sessions=all_week.runs,
                acute_km=acute,
                chronic_km=chronic,
                ratio=ratio,
                pain_avg=_mean(week_pain),
                pain_max=max(week_pain) if week_pain else None,
                current=end == today and run_week.week_start <= today,
            )
        )
    latest = rows[-1] if rows else None
    chart = {
        "labels": [r.label for r in rows],
        "running_km": [round(r.running_km, 2) for r in rows],
        "chronic_km": [round(r.chronic_km, 2) for r in rows],
        "ceiling_km": [ceiling for _ in rows],
        "pain": [round(r.pain_avg, 1) if r.pain_avg is not None else None for r in rows],
        "has_pain": any(r.pain_avg is not None for r in rows),
    }
    return {
        "rows": rows,
        "weeks": weeks,
        "week_choices": [8, 12, 26, 52],
        "zone": zone.key,
        "ceiling_km": ceiling,
        "latest": latest,
        "chart": chart,
        "has_pain": chart["has_pain"],
        "ratio_band": _ratio_band(latest.ratio if latest else None),
    }


def _ratio_band(ratio: float | None) -> dict[str, str] | None:
    """Plain words for the acute:chronic ratio — context, not a rule."""
    if ratio is None or not math.isfinite(ratio):
        return None
    if ratio < 0.8:
        return {"word": "Lighter than usual", "badge": ""}
    if ratio <= 1.3:
        return {"word": "About your usual", "badge": "badge-green"}
    if ratio <= 1.5:
        return {"word": "More than usual", "badge": "badge-amber"}
    return {"word": "A big jump", "badge": "badge-red"}
