"""Reading one activity file: safe names, the size messages, parsing into ``Activity`` fields.

Uploads (``uploads``), the import task (``imports``) and the GPX export (``exports``) all read
files through here, so a file is judged the same way wherever it comes from.
"""

from __future__ import annotations

import math
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils import timezone

from backstride.core import tracks
from backstride.core.tracks.model import size_text

from .models import Sport

MB = 1024 * 1024

#: Files claiming to start before this are not believed (e.g. a GPS clock reset to 1901).
EARLIEST_START = datetime(1990, 1, 1, tzinfo=UTC)

ROUTE_WIDTH, ROUTE_HEIGHT = 320, 240

CORE_SPORTS = {
    "run": Sport.RUN,
    "walk": Sport.WALK,
    "cross_trainer": Sport.CROSS_TRAINER,
}


def too_big(size: int, limit: int) -> str:
    """The message for an upload over a size limit."""
    return f"The file is too large ({size / MB:.0f} MB; the limit is {limit / MB:.0f} MB)."


def too_large_unpacked(name: str, limit: int) -> str:
    """The message for a file (an archive member or a .gz) over the per-file cap once unpacked."""
    size = size_text(limit)
    return (
        f"{display_name(name)} is larger than {size} once unpacked; the limit per file is "
        f"{size}, so it was not imported."
    )


# --- Names -------------------------------------------------------------------------------
def display_name(raw: str | None, fallback: str = "file") -> str:
    """A file name safe to *show*: last path part, no control characters, bounded length.

    It is never used to build a path: stored files get generated names.
    """
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        " " if ch.isspace() else ch for ch in name if unicodedata.category(ch)[0] != "C"
    ).strip()
    if name in {"", ".", ".."}:
        return fallback
    return name[:120]


def new_storage_name(folder: str) -> str:
    return f"activities/{folder}/{uuid.uuid4().hex}"


@dataclass
class Parsed:
    """What an activity file yields, ready to store."""

    fields: dict[str, Any]
    fmt: str
    warnings: list[str] = field(default_factory=list)


def map_sport(core_sport: str, fmt: str) -> str:
    if core_sport in CORE_SPORTS:
        return CORE_SPORTS[core_sport]
    if core_sport == "other" and fmt == "gpx":
        # GPX rarely says what the activity was; in a return-to-running app it is most
        # likely a run, and the athlete can change the type.
        return Sport.RUN
    return Sport.OTHER


def summary_fields(parts: list[tracks.Activity], summary: tracks.Summary) -> dict[str, Any]:
    """The measured numbers of an activity, as ``Activity`` field values."""
    route = None
    with_gps = [p for p in parts if p.has_gps]
    if with_gps:
        main = max(with_gps, key=lambda p: p.points)
        route = tracks.route_polyline(main, ROUTE_WIDTH, ROUTE_HEIGHT)
    return {
        "distance_m": float(summary.distance_m or 0.0),
        "elapsed_s": float(summary.elapsed_s or 0.0),
        "moving_s": float(summary.moving_s or 0.0),
        "elevation_gain_m": _finite(summary.elevation_gain_m),
        "elevation_loss_m": _finite(summary.elevation_loss_m),
        "avg_hr": _finite(summary.avg_hr),
        "max_hr": _finite(summary.max_hr),
        "avg_cadence": _finite(summary.avg_cadence),
        "has_gps": bool(summary.has_gps),
        "points": int(summary.points),
        "route_svg": route or "",
        "splits": [s.to_dict() for s in summary.splits],
        "warnings": [sentence(w) for w in summary.warnings],
        "summary_version": tracks.ALGORITHM_VERSION,
    }


def _finite(value: float | None) -> float | None:
    if value is None:
        return None
    v = float(value)
    return v if math.isfinite(v) else None


def sentence(message: str) -> str:
    """The core's messages are clauses ("file is empty"); show them as sentences."""
    message = message.strip()
    if not message:
        return message
    message = message[0].upper() + message[1:]
    return message if message[-1] in ".!?)" else message + "."


class Rejected(Exception):
    """A file that cannot be imported; ``str()`` is the per-file message."""


def parse_activity_bytes(data: bytes, name: str) -> tuple[list[tracks.Activity], tracks.Summary]:
    """Parse one activity file; a multi-part (multi-sport) file gives one combined summary."""
    if not data:
        raise Rejected("The file is empty.")
    try:
        parts = tracks.parse_bytes(data, name)
    except tracks.ParseError as exc:
        raise Rejected(sentence(str(exc))) from None
    if not parts:
        raise Rejected("The file holds no activity (no track points, laps or sessions).")
    summary = tracks.combine([tracks.summarise(p) for p in parts])
    if summary.start is None:
        detail = " ".join(sentence(w) for w in summary.warnings if "time" in w)
        raise Rejected(
            "The file has no usable timestamps, so we can't tell when the activity happened. "
            + (detail + " " if detail else "")
            + "Log it by hand instead."
        )
    if summary.start < EARLIEST_START or summary.start > timezone.now() + timedelta(days=1):
        raise Rejected(
            f"The file's timestamps look wrong (it says the activity started on "
            f"{summary.start:%-d %B %Y}), so we can't place it. Log it by hand instead."
        )
    if summary.points == 0 and not summary.distance_m and not summary.elapsed_s:
        raise Rejected("The file holds no activity data (no points, distance or time).")
    return parts, summary


def _looks_like_timestamp(text: str) -> bool:
    """TCX and FIT "names" are often just the start time; that's no title."""
    try:
        datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def parsed_from_bytes(data: bytes, name: str, tz_name: str) -> Parsed:
    parts, summary = parse_activity_bytes(data, name)
    fmt = parts[0].source_format
    assert summary.start is not None
    fields = summary_fields(parts, summary)
    title = next((p.name for p in parts if p.name and not _looks_like_timestamp(p.name)), "")
    fields.update(
        sport=map_sport(summary.sport, fmt),
        title=title.strip()[:120],
        start=summary.start.astimezone(UTC),
        timezone=tz_name,
    )
    return Parsed(fields=fields, fmt=fmt, warnings=list(fields["warnings"]))


def believable_start(start: datetime | None) -> bool:
    """The checks :func:`parse_activity_bytes` makes on a file's start time."""
    return start is not None and EARLIEST_START <= start <= timezone.now() + timedelta(days=1)
