"""Activity services: the one place the web views, the CLI, the tasks and the API call.

* ``save_activity`` stores one activity in its own transaction and refuses duplicates —
  the same file (content hash) or the same activity (start within 60 s and distance within
  2 %) — even when two imports race: the athlete's row is locked (``SELECT … FOR UPDATE`` on
  PostgreSQL; SQLite transactions here are ``IMMEDIATE``, so writers are serialised anyway)
  before the duplicate check and the insert.
* Uploads are stored under generated names and queued; ``import_item`` (run by the task)
  parses one uploaded file or streams one archive entry by entry.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import math
import time
import unicodedata
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import IO, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from backstride.core import tracks
from backstride.core.load import week_start
from backstride.core.tracks.archive import ArchiveLimits, iter_archive
from backstride.core.tracks.model import size_text
from backstride.running import services as running

from .models import Activity, ActivityFile, ImportBatch, ImportItem, Source, Sport

log = logging.getLogger("backstride.activities")

# --- Limits (overridable in settings) ----------------------------------------------------
MB = 1024 * 1024


def max_file_bytes() -> int:
    """Largest single activity file (after gunzip). A 100k-point GPX is about 16 MB."""
    return int(getattr(settings, "ACTIVITIES_MAX_FILE_BYTES", 64 * MB))


def max_upload_bytes() -> int:
    """Largest upload in one request (files and archives together), so largest archive."""
    return int(getattr(settings, "ACTIVITIES_MAX_UPLOAD_BYTES", 512 * MB))


def max_upload_files() -> int:
    """Most files in one upload (an archive counts as one)."""
    return int(getattr(settings, "ACTIVITIES_MAX_UPLOAD_FILES", 50))


DEDUPE_WINDOW = timedelta(seconds=60)
DEDUPE_DISTANCE_RATIO = 0.02
DEDUPE_DISTANCE_FLOOR_M = 50.0  # below this, two distances count as the same (0 km cross-trainer)
STALE_CLAIM = timedelta(minutes=5)
HEARTBEAT_S = 5.0
#: Files claiming to start before this are not believed (e.g. a GPS clock reset to 1901).
EARLIEST_START = datetime(1990, 1, 1, tzinfo=UTC)

ROUTE_WIDTH, ROUTE_HEIGHT = 320, 240

#: Sports whose distance counts as running volume against the weekly ceiling.
RUNNING_SPORTS = (Sport.RUN, Sport.WALK_RUN)

CORE_SPORTS = {
    "run": Sport.RUN,
    "walk": Sport.WALK,
    "cross_trainer": Sport.CROSS_TRAINER,
}


def archive_limits() -> ArchiveLimits:
    """The archive reader's limits; the per-file cap applies to every member once unpacked."""
    limits = ArchiveLimits(**getattr(settings, "ACTIVITIES_ARCHIVE_LIMITS", {}))
    limits.max_entry_bytes = min(limits.max_entry_bytes, max_file_bytes())
    return limits


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


def _new_storage_name(folder: str) -> str:
    return f"activities/{folder}/{uuid.uuid4().hex}"


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


def _describe(activity: Activity) -> str:
    local = activity.local_start
    return (
        f"{activity.get_sport_display().lower()} of {activity.distance_km:.2f} km "
        f"on {local:%-d %b %Y} at {local:%H:%M}"
    )


def _check_duplicates(
    user: Any, start: datetime, distance_m: float, content_hash: str | None, exclude: int | None
) -> None:
    if content_hash:
        same_file = Activity.objects.filter(user=user, content_hash=content_hash).first()
        if same_file is not None:
            raise DuplicateActivity(
                same_file, f"This file was already imported: your {_describe(same_file)}."
            )
    existing = find_duplicate(user, start, distance_m, exclude_pk=exclude)
    if existing is not None:
        raise DuplicateActivity(
            existing,
            f"You already have this activity: a {_describe(existing)} "
            "(same start time and distance).",
        )


def save_manual_activity(user: Any, fields: dict[str, Any]) -> Activity:
    """Create a hand-logged activity. Raises ``DuplicateActivity``."""
    with transaction.atomic():
        lock_athlete(user)
        _check_duplicates(user, fields["start"], fields["distance_m"], None, None)
        return Activity.objects.create(user=user, source=Source.MANUAL, **fields)


def update_activity(activity: Activity, fields: dict[str, Any]) -> Activity:
    """Change an activity. Raises ``DuplicateActivity`` if it would now copy another."""
    with transaction.atomic():
        lock_athlete(activity.user)
        if "start" in fields or "distance_m" in fields:
            _check_duplicates(
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


# --- From a parsed file ------------------------------------------------------------------
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


@dataclass
class Outcome:
    status: str  # ImportItem.Status value
    reason: str = ""
    warnings: list[str] = field(default_factory=list)
    activity: Activity | None = None


def import_bytes(
    user: Any,
    data: bytes,
    name: str,
    *,
    item: ImportItem | None = None,
    tz_name: str = "",
    extra_warnings: Iterable[str] = (),
) -> Outcome:
    """Parse and store one activity file; record the outcome on ``item`` in the same transaction.

    Nothing partial is stored: the activity, its original file record and the item's result
    commit together, and a stored original is removed again if the transaction fails.
    """
    tz_name = tz_name or getattr(user, "timezone", "") or "UTC"
    digest = hashlib.sha256(data).hexdigest()
    known = Activity.objects.filter(user=user, content_hash=digest).first()
    if known is not None:
        outcome = Outcome(
            ImportItem.Status.DUPLICATE,
            f"This file was already imported: your {_describe(known)}.",
            activity=known,
        )
        _record(item, outcome)
        return outcome
    try:
        parsed = parsed_from_bytes(data, name, tz_name)
        parsed.warnings[:0] = extra_warnings
        parsed.fields["warnings"] = list(parsed.warnings)
    except Rejected as exc:
        outcome = Outcome(ImportItem.Status.REJECTED, str(exc))
        _record(item, outcome)
        return outcome
    except Exception:  # a parser bug must not stop the batch
        log.exception("unexpected error parsing %s", name)
        outcome = Outcome(
            ImportItem.Status.REJECTED,
            "This file could not be read (an unexpected error; it has been logged).",
        )
        _record(item, outcome)
        return outcome

    stored = default_storage.save(_new_storage_name("originals"), ContentFile(data))
    try:
        with transaction.atomic():
            lock_athlete(user)
            _check_duplicates(
                user, parsed.fields["start"], parsed.fields["distance_m"], digest, None
            )
            activity = Activity.objects.create(
                user=user, source=Source.FILE, content_hash=digest, **parsed.fields
            )
            ActivityFile.objects.create(
                activity=activity,
                file=stored,
                format=parsed.fmt,
                original_name=display_name(name),
                size=len(data),
                sha256=digest,
            )
            outcome = Outcome(ImportItem.Status.IMPORTED, "", parsed.warnings, activity)
            _record(item, outcome)
    except DuplicateActivity as dup:
        default_storage.delete(stored)
        outcome = Outcome(ImportItem.Status.DUPLICATE, dup.reason, activity=dup.existing)
        _record(item, outcome)
    except IntegrityError:
        # The unique (user, content_hash) constraint: another import won the race.
        default_storage.delete(stored)
        known = Activity.objects.filter(user=user, content_hash=digest).first()
        outcome = Outcome(
            ImportItem.Status.DUPLICATE, "This file was already imported.", activity=known
        )
        _record(item, outcome)
    except BaseException:
        default_storage.delete(stored)
        raise
    return outcome


def _record(item: ImportItem | None, outcome: Outcome) -> None:
    if item is None:
        return
    item.status = outcome.status
    item.reason = outcome.reason[:2000]
    item.warnings = list(outcome.warnings)[:50]
    item.activity = outcome.activity
    item.finished_at = timezone.now()
    item.save()


# --- Uploads -----------------------------------------------------------------------------
GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")


@dataclass
class Classified:
    kind: str = ImportItem.Kind.FILE
    fmt: str = ""
    problem: str = ""


def classify(head: bytes, size: int, name: str = "") -> Classified:
    """Decide from the first bytes what an upload is, or why it's refused.

    The content decides; the name only breaks a tie for XML whose root element is not in
    the first bytes.
    """
    if size == 0 or not head:
        return Classified(problem="The file is empty.")
    try:
        fmt = tracks.sniff_format(head, name)
    except tracks.ParseError as exc:
        return Classified(
            problem=sentence(str(exc)) + " Upload GPX, TCX or FIT files, or a .zip of them."
        )
    if fmt == "zip":
        if size > max_upload_bytes():
            return Classified(problem=_too_big(size, max_upload_bytes()))
        return Classified(kind=ImportItem.Kind.ARCHIVE, fmt="zip")
    if size > max_file_bytes():
        return Classified(problem=_too_big(size, max_file_bytes()))
    return Classified(fmt=fmt)


def _too_big(size: int, limit: int) -> str:
    return f"The file is too large ({size / MB:.0f} MB; the limit is {limit / MB:.0f} MB)."


def _head(upload: UploadedFile, n: int = 4096) -> bytes:
    upload.seek(0)
    head = upload.read(n)
    upload.seek(0)
    return head


def create_batch(
    user: Any,
    uploads: Iterable[UploadedFile | tuple[str, IO[bytes], int]],
    via: str = "web",
    enqueue: bool = True,
) -> ImportBatch:
    """Store each upload under a generated name, record it, and queue its import.

    Nothing is parsed here. Files refused on sight (empty, too big, not an activity file)
    are recorded as rejected straight away so the results page lists them too.
    """
    from .tasks import import_item

    batch = ImportBatch(user=user, via=via)
    items: list[ImportItem] = []
    stored: list[str] = []
    try:
        for index, upload in enumerate(uploads):
            if isinstance(upload, tuple):
                raw_name, fh, size = upload
                fh.seek(0)
                head = fh.read(4096)
                fh.seek(0)
                content: File[Any] = File(fh)
            else:
                raw_name, size, head, content = (
                    upload.name or "",
                    upload.size or 0,
                    _head(upload),
                    upload,
                )
            name = display_name(raw_name)
            info = classify(head, size, raw_name)
            item = ImportItem(batch=batch, index=index, name=name, size=size, kind=info.kind)
            if info.problem:
                item.status = ImportItem.Status.REJECTED
                item.reason = info.problem
                item.finished_at = timezone.now()
            else:
                item.format = info.fmt
                item.upload.name = default_storage.save(_new_storage_name("uploads"), content)
                stored.append(item.upload.name)
            items.append(item)
        with transaction.atomic():
            batch.save()
            for item in items:
                item.batch = batch
                item.save()
                if enqueue and item.status == ImportItem.Status.PENDING:
                    from backstride.lib.queue import enqueue_after_commit

                    enqueue_after_commit(import_item, item.pk)
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise
    return batch


# --- The import task's work --------------------------------------------------------------
def claim_item(item_id: int) -> ImportItem | None:
    """Claim a waiting item (or one whose worker went silent); None if someone else has it."""
    now = timezone.now()
    claimed = ImportItem.objects.filter(
        Q(status=ImportItem.Status.PENDING)
        | Q(status=ImportItem.Status.PROCESSING, claimed_at__lt=now - STALE_CLAIM),
        pk=item_id,
        parent__isnull=True,
    ).update(status=ImportItem.Status.PROCESSING, claimed_at=now)
    if not claimed:
        return None
    return ImportItem.objects.select_related("batch__user").get(pk=item_id)


def run_import_item(item_id: int) -> str:
    """Import one uploaded file or archive. Idempotent: a finished item is left alone, and
    a re-run archive skips entries already recorded."""
    item = claim_item(item_id)
    if item is None:
        return "skipped"
    user = item.batch.user
    if item.kind == ImportItem.Kind.ARCHIVE:
        _import_archive(item, user)
    else:
        _import_single(item, user)
    if item.upload and item.is_finished:
        # The result is committed (each activity in its own transaction): the upload can go.
        ImportItem.objects.filter(pk=item.pk).update(upload="")
        default_storage.delete(str(item.upload.name))
    return item.status


def _import_single(item: ImportItem, user: Any) -> None:
    warnings: list[str] = []
    try:
        with default_storage.open(str(item.upload.name), "rb") as fh:
            data = fh.read(max_file_bytes() + 1)
        if len(data) > max_file_bytes():
            raise Rejected(_too_big(len(data), max_file_bytes()))
        if data[:2] == GZIP_MAGIC:
            try:
                data, warnings = tracks.gunzip(data, max_bytes=max_file_bytes())
            except tracks.TooLarge as exc:
                raise Rejected(too_large_unpacked(item.name, exc.limit)) from None
            except tracks.ParseError as exc:
                raise Rejected(sentence(str(exc))) from None
    except Rejected as exc:
        _record(item, Outcome(ImportItem.Status.REJECTED, str(exc)))
        return
    except FileNotFoundError:
        _record(item, Outcome(ImportItem.Status.REJECTED, "The uploaded file was lost."))
        return
    name = item.name[:-3] if item.name.lower().endswith(".gz") else item.name
    import_bytes(user, data, name, item=item, extra_warnings=[sentence(w) for w in warnings])


def _import_archive(item: ImportItem, user: Any) -> None:
    """Stream the archive entry by entry; each activity is stored in its own transaction."""
    done = set(item.entries.values_list("index", flat=True))
    last_beat = time.monotonic()
    skipped: list[str] = []

    def skip(name: str, reason: str) -> None:
        skipped.append(name)

    try:
        with default_storage.open(str(item.upload.name), "rb") as fh:
            for entry in iter_archive(fh, archive_limits(), on_skip=skip):
                if item.entries_total is None and entry.total is not None:
                    item.entries_total = entry.total
                    ImportItem.objects.filter(pk=item.pk).update(entries_total=entry.total)
                if entry.index in done:
                    continue
                child = ImportItem(
                    batch=item.batch,
                    parent=item,
                    index=entry.index,
                    name=display_name(entry.name, f"entry {entry.index + 1}")[:255],
                    size=len(entry.data or b""),
                    format=entry.format,
                )
                if entry.too_large is not None:
                    reason = too_large_unpacked(entry.name, entry.too_large)
                    _record(child, Outcome(ImportItem.Status.REJECTED, reason))
                elif entry.error or entry.data is None:
                    reason = sentence(entry.error or "the file could not be read")
                    _record(child, Outcome(ImportItem.Status.REJECTED, reason))
                else:
                    inner = entry.name[:-3] if entry.name.lower().endswith(".gz") else entry.name
                    import_bytes(
                        user,
                        entry.data,
                        inner,
                        item=child,
                        extra_warnings=[sentence(w) for w in entry.warnings],
                    )
                if time.monotonic() - last_beat > HEARTBEAT_S:  # still alive: keep the claim
                    ImportItem.objects.filter(pk=item.pk).update(claimed_at=timezone.now())
                    last_beat = time.monotonic()
    except tracks.ParseError as exc:
        _record(item, Outcome(ImportItem.Status.REJECTED, sentence(str(exc))))
        return
    except FileNotFoundError:
        _record(item, Outcome(ImportItem.Status.REJECTED, "The uploaded archive was lost."))
        return
    counts = item.entries.aggregate(
        imported=Count("pk", filter=Q(status=ImportItem.Status.IMPORTED)),
        total=Count("pk"),
    )
    if counts["total"] == 0:
        _record(
            item,
            Outcome(
                ImportItem.Status.REJECTED,
                "The archive holds no GPX, TCX or FIT files (.gpx, .tcx, .fit, or gzipped).",
            ),
        )
        return
    _record(
        item,
        Outcome(
            ImportItem.Status.DONE,
            f"{counts['imported']} of {counts['total']} activities in the archive imported."
            + (
                f" {len(skipped)} other file{'s' if len(skipped) != 1 else ''} "
                "(not GPX, TCX or FIT) left aside."
                if skipped
                else ""
            ),
        ),
    )


# --- Progress ------------------------------------------------------------------------------
@dataclass
class Progress:
    total: int
    processed: int
    imported: int
    duplicates: int
    rejected: int
    finished: bool

    @property
    def percent(self) -> int:
        return 100 if self.finished or not self.total else int(100 * self.processed / self.total)


def batch_progress(batch: ImportBatch) -> Progress:
    items = list(batch.items.filter(parent__isnull=True))
    leaves = batch.items.exclude(kind=ImportItem.Kind.ARCHIVE)
    counts = leaves.aggregate(
        imported=Count("pk", filter=Q(status=ImportItem.Status.IMPORTED)),
        duplicates=Count("pk", filter=Q(status=ImportItem.Status.DUPLICATE)),
        rejected=Count("pk", filter=Q(status=ImportItem.Status.REJECTED)),
    )
    archive_rejected = sum(
        1 for i in items if i.kind == ImportItem.Kind.ARCHIVE and i.status == i.Status.REJECTED
    )
    processed = counts["imported"] + counts["duplicates"] + counts["rejected"] + archive_rejected
    total = 0
    for i in items:
        if i.kind != ImportItem.Kind.ARCHIVE or i.status == ImportItem.Status.REJECTED:
            total += 1
        else:
            total += i.entries_total if i.entries_total is not None else max(1, i.entries.count())
    finished = all(i.is_finished for i in items)
    if finished:
        total = processed
    return Progress(
        total=total,
        processed=processed,
        imported=counts["imported"],
        duplicates=counts["duplicates"],
        rejected=counts["rejected"] + archive_rejected,
        finished=finished,
    )


# --- Recompute ---------------------------------------------------------------------------
def recompute(activity: Activity) -> bool:
    """Re-run the summary from the stored original; True if it changed anything."""
    try:
        original = activity.original
    except ActivityFile.DoesNotExist:
        return False
    with default_storage.open(str(original.file.name), "rb") as fh:
        data = fh.read()
    parts, summary = parse_activity_bytes(data, original.original_name or "file")
    fields = summary_fields(parts, summary)
    changed = any(getattr(activity, k) != v for k, v in fields.items())
    if changed:
        for k, v in fields.items():
            setattr(activity, k, v)
        activity.save(update_fields=[*fields.keys(), "updated_at"])
    return changed


def stale_activities() -> Any:
    return Activity.objects.filter(source=Source.FILE).exclude(
        summary_version=tracks.ALGORITHM_VERSION
    )


# --- Weeks, load and pain ------------------------------------------------------------------
def local_day(activity: Activity, zone: Any) -> date:
    return activity.start.astimezone(zone).date()


def pain_series(user: Any, start: date, end: date) -> list[tuple[date, float]]:
    """Pain check-ins (0–10) between two local dates, from the rehab app.

    The hook: if ``backstride.rehab.services`` exposes ``pain_series(user, start, end)``
    returning ``[(date, pain 0–10), …]`` it is used; otherwise there are no pain points.
    """
    try:
        from backstride.rehab import services as rehab_services  # type: ignore[attr-defined]
    except ImportError:
        return []
    provider = getattr(rehab_services, "pain_series", None)
    if provider is None:
        return []
    try:
        return [(d, float(p)) for d, p in provider(user, start, end)]
    except Exception:  # the chart must not fail because of another app
        log.exception("rehab pain_series failed")
        return []


def weekly_ceiling_km(user: Any) -> float | None:
    """The weekly running ceiling of the athlete's ladder and (possibly tailored) protocol, or
    None when it must not be shown as a target (beginners)."""
    return running.weekly_ceiling_km(user)


# --- Export --------------------------------------------------------------------------------
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
    return Activity.objects.filter(user=user).select_related("original").order_by("start", "pk")


def export_json(user: Any) -> Iterator[str]:
    """All the athlete's activities (with splits and warnings) as one JSON document."""
    yield '{"format": "backstride-activities", "version": 1, '
    yield f'"exported_at": {json.dumps(timezone.now().isoformat())}, "activities": ['
    for n, activity in enumerate(export_queryset(user).iterator(chunk_size=500)):
        row = export_row(activity)
        row["splits"] = activity.splits
        row["warnings"] = activity.warnings
        yield ("," if n else "") + json.dumps(row, ensure_ascii=False)
    yield "]}\n"


class _Echo:
    def write(self, value: str) -> str:
        return value


def export_csv(user: Any) -> Iterator[str]:
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
            if export.tracks and _believable_start(export.start):
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


def _believable_start(start: datetime | None) -> bool:
    """The checks :func:`parse_activity_bytes` makes on a file's start time."""
    return start is not None and EARLIEST_START <= start <= timezone.now() + timedelta(days=1)


def _parsed_parts(data: bytes, name: str) -> list[tracks.Activity]:
    try:
        parts, _summary = parse_activity_bytes(data, name)
    except Rejected:
        return []
    return parts


GPX_SPORT: dict[str, str] = {Sport.RUN: "run", Sport.WALK_RUN: "run", Sport.WALK: "walk"}


# --- This week, check-ins, route ends ----------------------------------------------------------
def local_midnight(day: date, zone: Any) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=zone)


def this_week(user: Any, now: datetime | None = None) -> dict[str, Any]:
    """The athlete's current week (Monday to Sunday in their own time zone)."""
    zone = user.tzinfo
    today = (now or timezone.now()).astimezone(zone).date()
    monday = week_start(today)
    activities = list(
        Activity.objects.filter(
            user=user,
            start__gte=local_midnight(monday, zone),
            start__lt=local_midnight(monday + timedelta(days=7), zone),
        )
    )
    running_m = sum(a.distance_m for a in activities if a.sport in RUNNING_SPORTS)
    ceiling = weekly_ceiling_km(user)
    last = Activity.objects.filter(user=user).first()
    return {
        "start": monday,
        "zone": zone.key,
        "running_km": running_m / 1000.0,
        "ceiling_km": ceiling,
        "meter_km": min(running_m / 1000.0, ceiling) if ceiling else running_m / 1000.0,
        "over_ceiling": ceiling is not None and running_m / 1000.0 > ceiling,
        "sessions": len(activities),
        "total_s": sum(a.moving_s for a in activities),
        "last": last,
    }


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


def longest_run_check(activity: Activity) -> running.LongestRunCheck | None:
    """The longest-run guard of the athlete's protocol applied to this run (None when within)."""
    return running.longest_run_check(activity)


def export_data(user: Any) -> list[dict[str, Any]]:
    """Everything this athlete logged, for the account-wide export (accounts.data)."""
    rows = []
    for activity in export_queryset(user).iterator(chunk_size=500):
        row = export_row(activity)
        row["splits"] = activity.splits
        row["warnings"] = activity.warnings
        rows.append(row)
    return rows
