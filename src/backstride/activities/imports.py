"""Importing: the ``import_item`` task's work, and one file's bytes into one activity.

``run_import_item`` claims an uploaded item (see ``uploads``) and parses one file, or streams
one archive entry by entry; ``import_bytes`` stores a parsed file together with its original
and the item's result, in one transaction. ``recompute`` re-runs the numbers from the kept
original.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from backstride.core import tracks
from backstride.core.tracks.archive import ArchiveLimits, iter_archive

from .files import (
    Rejected,
    display_name,
    new_storage_name,
    parse_activity_bytes,
    parsed_from_bytes,
    sentence,
    summary_fields,
    too_big,
    too_large_unpacked,
)
from .models import Activity, ActivityFile, ImportItem, Source
from .services import DuplicateActivity, check_duplicates, describe, lock_athlete

log = logging.getLogger("backstride.activities")


# A claim not renewed for this long belongs to a worker that died (a live import renews it
# every HEARTBEAT_S seconds), and an item still waiting this long after its upload has lost
# its job; :func:`stalled_items` finds both for the worker to queue again.
def stale_claim() -> timedelta:
    return timedelta(seconds=settings.IMPORT_STALE_CLAIM_SECONDS)


def lost_job() -> timedelta:
    return timedelta(seconds=settings.IMPORT_LOST_JOB_SECONDS)


HEARTBEAT_S = 5.0
GZIP_MAGIC = b"\x1f\x8b"


def archive_limits() -> ArchiveLimits:
    """The archive reader's limits (``ArchiveLimits``' own defaults); the per-file cap
    (``ACTIVITIES_MAX_FILE_BYTES``) applies to every member once unpacked."""
    limits = ArchiveLimits()
    limits.max_entry_bytes = min(limits.max_entry_bytes, settings.ACTIVITIES_MAX_FILE_BYTES)
    return limits


@dataclass
class Outcome:
    """What became of one file: imported, duplicate or rejected (with the reason)."""

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
            f"This file was already imported: your {describe(known)}.",
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

    stored = default_storage.save(new_storage_name("originals"), ContentFile(data))
    try:
        with transaction.atomic():
            lock_athlete(user)
            check_duplicates(
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


def stalled_items(now: datetime | None = None) -> list[int]:
    """Top-level items whose job was lost: claimed by a worker that stopped renewing its
    claim, or still waiting long after the upload. Queueing one again is safe: the claim is
    a conditional update, so only one worker imports it, once."""
    now = now or timezone.now()
    return list(
        ImportItem.objects.filter(
            Q(status=ImportItem.Status.PROCESSING, claimed_at__lt=now - stale_claim())
            | Q(status=ImportItem.Status.PENDING, batch__created_at__lt=now - lost_job()),
            parent__isnull=True,
        ).values_list("pk", flat=True)[:500]
    )


# --- The import task's work --------------------------------------------------------------
def claim_item(item_id: int) -> ImportItem | None:
    """Claim a waiting item (or one whose worker went silent); None if someone else has it."""
    now = timezone.now()
    claimed = ImportItem.objects.filter(
        Q(status=ImportItem.Status.PENDING)
        | Q(status=ImportItem.Status.PROCESSING, claimed_at__lt=now - stale_claim()),
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
            data = fh.read(settings.ACTIVITIES_MAX_FILE_BYTES + 1)
        if len(data) > settings.ACTIVITIES_MAX_FILE_BYTES:
            raise Rejected(too_big(len(data), settings.ACTIVITIES_MAX_FILE_BYTES))
        if data[:2] == GZIP_MAGIC:
            try:
                data, warnings = tracks.gunzip(data, max_bytes=settings.ACTIVITIES_MAX_FILE_BYTES)
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
    """Imported activities whose numbers came from an older version of the algorithm."""
    return Activity.objects.filter(source=Source.FILE).exclude(
        summary_version=tracks.ALGORITHM_VERSION
    )
