"""Activity records: save, change and delete an athlete's activities without duplicates.

``save_manual_activity`` and ``update_activity`` (and the import in ``imports``) refuse
duplicates — the same file (content hash) or the same activity (start within 60 s and
distance within 2 %) — even when two imports race: the athlete's row is locked
(``SELECT … FOR UPDATE`` on PostgreSQL; SQLite transactions here are ``IMMEDIATE``, so writers
are serialised anyway) before the duplicate check and the insert.

The other seams: ``uploads`` (store and queue uploaded files), ``imports`` (the task's work),
``exports`` (JSON, CSV, GPX, account export) and ``training_load`` (weeks, load, pain).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from .models import Activity, Source

DEDUPE_WINDOW = timedelta(seconds=60)
DEDUPE_DISTANCE_RATIO = 0.02
DEDUPE_DISTANCE_FLOOR_M = 50.0  # below this, two distances count as the same (0 km cross-trainer)


# --- Duplicates and saving ---------------------------------------------------------------
class DuplicateActivity(Exception):
    def __init__(self, existing: Activity, reason: str) -> None:
        super().__init__(reason)
        self.existing = existing
        self.reason = reason


def same_distance(a: float, b: float) -> bool:
    if max(a, b) < DEDUPE_DISTANCE_FLOOR_M:
        return True
    return abs(a - b) <= DEDUPE_DISTANCE_RATIO * max(a, b)


def find_duplicate(
    user: Any, start: datetime, distance_m: float, exclude_pk: int | None = None
) -> Activity | None:
    """An activity of ``user`` starting within 60 s with a distance within 2 %."""
    candidates = Activity.objects.filter(
        user=user, start__gte=start - DEDUPE_WINDOW, start__lte=start + DEDUPE_WINDOW
    )
    if exclude_pk is not None:
        candidates = candidates.exclude(pk=exclude_pk)
    for candidate in candidates.order_by("start"):
        if same_distance(candidate.distance_m, distance_m):
            return candidate
    return None


def lock_athlete(user: Any) -> None:
    """Serialise writers of one athlete's activities until the transaction ends."""
    User = get_user_model()
    list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))


def describe(activity: Activity) -> str:
    """The activity in a few words, for duplicate messages ("run of 5.00 km on 3 Jun 2025 …")."""
    local = activity.local_start
    return (
        f"{activity.get_sport_display().lower()} of {activity.distance_km:.2f} km "
        f"on {local:%-d %b %Y} at {local:%H:%M}"
    )


def check_duplicates(
    user: Any, start: datetime, distance_m: float, content_hash: str | None, exclude: int | None
) -> None:
    """Raise ``DuplicateActivity`` if this file or this activity is already stored."""
    if content_hash:
        same_file = Activity.objects.filter(user=user, content_hash=content_hash).first()
        if same_file is not None:
            raise DuplicateActivity(
                same_file, f"This file was already imported: your {describe(same_file)}."
            )
    existing = find_duplicate(user, start, distance_m, exclude_pk=exclude)
    if existing is not None:
        raise DuplicateActivity(
            existing,
            f"You already have this activity: a {describe(existing)} "
            "(same start time and distance).",
        )


def save_manual_activity(user: Any, fields: dict[str, Any]) -> Activity:
    """Create a hand-logged activity. Raises ``DuplicateActivity``."""
    with transaction.atomic():
        lock_athlete(user)
        check_duplicates(user, fields["start"], fields["distance_m"], None, None)
        return Activity.objects.create(user=user, source=Source.MANUAL, **fields)


def update_activity(activity: Activity, fields: dict[str, Any]) -> Activity:
    """Change an activity. Raises ``DuplicateActivity`` if it would now copy another."""
    with transaction.atomic():
        lock_athlete(activity.user)
        if "start" in fields or "distance_m" in fields:
            check_duplicates(
                activity.user,
                fields.get("start", activity.start),
                fields.get("distance_m", activity.distance_m),
                None,
                activity.pk,
            )
        for name, value in fields.items():
            setattr(activity, name, value)
        activity.save()
    return activity


def delete_activity(activity: Activity) -> None:
    """Delete an activity and (once committed) its original file."""
    with transaction.atomic():
        activity.delete()


# --- Route ends ----------------------------------------------------------------------------
#: Start and finish closer than this (SVG units, about a marker's width) read as one place.
LOOP_DISTANCE = 12.0


@dataclass(frozen=True)
class RouteEnds:
    """Where the route SVG's start and finish markers go, and whether they coincide (a loop)."""

    start_x: float
    start_y: float
    finish_x: float
    finish_y: float

    @property
    def loop(self) -> bool:
        gap = math.hypot(self.start_x - self.finish_x, self.start_y - self.finish_y)
        return gap < LOOP_DISTANCE

    @property
    def finish_square(self) -> tuple[float, float]:
        """Top-left corner of the finish square (7 units wide, centred on the finish)."""
        return self.finish_x - 3.5, self.finish_y - 3.5


def route_ends(points: str) -> RouteEnds | None:
    """First and last point of an SVG ``points`` string (for the start and finish markers)."""
    pairs = points.split()
    if len(pairs) < 2:
        return None
    try:
        (sx, sy), (fx, fy) = (tuple(float(v) for v in pairs[i].split(",")) for i in (0, -1))
    except ValueError:
        return None
    return RouteEnds(sx, sy, fx, fy)
