"""Exports: the athlete's activities as JSON or CSV, one activity as GPX, and the activities
part of the account-wide export (``accounts.data``)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC
from typing import Any

from django.core.files.storage import default_storage
from django.utils import timezone

from backstride.core import tracks

from .files import Rejected, believable_start, parse_activity_bytes
from .models import Activity, ActivityFile, Sport

EXPORT_FIELDS = [
    "id",
    "sport",
    "title",
    "start",
    "timezone",
    "local_start",
    "distance_m",
    "elapsed_s",
    "moving_s",
    "moving_pace_s_per_km",
    "elevation_gain_m",
    "elevation_loss_m",
    "avg_hr",
    "max_hr",
    "avg_cadence",
    "perceived_effort",
    "notes",
    "source",
    "has_gps",
    "points",
    "summary_version",
    "original_format",
]


def export_row(activity: Activity) -> dict[str, Any]:
    """One activity's fields (``EXPORT_FIELDS``) as JSON-ready values: one CSV row."""
    original = getattr(activity, "original", None) if activity.is_file else None
    pace = activity.moving_pace_s_per_km
    return {
        "id": activity.pk,
        "sport": activity.sport,
        "title": activity.title,
        "start": activity.start.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "timezone": activity.timezone,
        "local_start": activity.local_start.isoformat(),
        "distance_m": round(activity.distance_m, 1),
        "elapsed_s": round(activity.elapsed_s, 1),
        "moving_s": round(activity.moving_s, 1),
        "moving_pace_s_per_km": round(pace, 1) if pace else None,
        "elevation_gain_m": activity.elevation_gain_m,
        "elevation_loss_m": activity.elevation_loss_m,
        "avg_hr": activity.avg_hr,
        "max_hr": activity.max_hr,
        "avg_cadence": activity.avg_cadence,
        "perceived_effort": activity.perceived_effort,
        "notes": activity.notes,
        "source": activity.source,
        "has_gps": activity.has_gps,
        "points": activity.points,
        "summary_version": activity.summary_version,
        "original_format": original.format if original else None,
    }


def export_queryset(user: Any) -> Any:
    """The athlete's activities, oldest first, with their originals."""
    return Activity.objects.filter(user=user).select_related("original").order_by("start", "pk")


def full_row(activity: Activity) -> dict[str, Any]:
    """The export row with the per-km splits and the import warnings (JSON exports)."""
    row = export_row(activity)
    row["splits"] = activity.splits
    row["warnings"] = activity.warnings
    return row


def export_data(user: Any) -> list[dict[str, Any]]:
    """Everything this athlete logged, for the account-wide export (``accounts.data``)."""
    return [full_row(a) for a in export_queryset(user).iterator(chunk_size=500)]


def export_json(user: Any) -> Iterator[str]:
    """All the athlete's activities (with splits and warnings) as one JSON document."""
    yield '{"format": "backstride-activities", "version": 1, '
    yield f'"exported_at": {json.dumps(timezone.now().isoformat())}, "activities": ['
    for n, activity in enumerate(export_queryset(user).iterator(chunk_size=500)):
        yield ("," if n else "") + json.dumps(full_row(activity), ensure_ascii=False)
    yield "]}\n"


class _Echo:
    def write(self, value: str) -> str:
        return value


def export_csv(user: Any) -> Iterator[str]:
    """All the athlete's activities as CSV (``EXPORT_FIELDS``), a row at a time."""
    writer = csv.DictWriter(_Echo(), fieldnames=EXPORT_FIELDS)
    yield writer.writeheader()
    for activity in export_queryset(user).iterator(chunk_size=500):
        row = export_row(activity)
        # Keep spreadsheet apps from running text as a formula.
        for key in ("title", "notes"):
            if str(row[key]).startswith(("=", "+", "-", "@", "\t", "\r")):
                row[key] = "'" + row[key]
        yield writer.writerow(row)


def activity_gpx(activity: Activity) -> Iterator[bytes]:
    """The activity as GPX 1.1, a chunk at a time (memory stays flat however long the run):
    its recorded track when it came from a file; for one logged by hand (or a treadmill file)
    a GPX with its name, type and time but no points.

    A GPX or TCX original is read back from storage as a stream (:class:`tracks.FileExport`);
    other formats are parsed in memory first."""
    try:
        original = activity.original
    except ActivityFile.DoesNotExist:
        original = None
    if original is not None:
        name = original.original_name or "file"
        with (
            default_storage.open(str(original.file.name), "rb") as fh,
            tracks.FileExport(fh, name) as export,
        ):
            if export.tracks and believable_start(export.start):
                yield from export.iter_gpx([activity.title] * len(export.tracks))
                return
            if not export.tracks:
                fh.seek(0)
                parts = _parsed_parts(fh.read(), name)
                if parts:
                    for part in parts:
                        part.name = part.name or activity.title
                    yield from tracks.iter_gpx(parts[0] if len(parts) == 1 else parts)
                    return
    yield from tracks.iter_gpx(
        {
            "start": activity.start,
            "sport": GPX_SPORT.get(activity.sport, "other"),
            "name": activity.display_title,
        }
    )


def _parsed_parts(data: bytes, name: str) -> list[tracks.Activity]:
    try:
        parts, _summary = parse_activity_bytes(data, name)
    except Rejected:
        return []
    return parts


GPX_SPORT: dict[str, str] = {Sport.RUN: "run", Sport.WALK_RUN: "run", Sport.WALK: "walk"}
