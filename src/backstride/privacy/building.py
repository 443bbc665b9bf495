"""The export job's work: build one zip into the storage, and remove expired ones.

Called by ``tasks`` only; nothing here queues anything. :func:`build` is safe to run twice:
the zip's name in the storage is fixed by the export's id, so a second run replaces the file
instead of adding one, and an export that is already finished is left alone.
"""

from __future__ import annotations

import logging
import tempfile
from datetime import datetime, timedelta
from typing import Final

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .archive import write_archive
from .models import DataExport

log = logging.getLogger(__name__)

FAILED_MESSAGE: Final = (
    "Something went wrong while putting your download together. Nothing was lost: please "
    "ask for a new one, and tell us if it happens again."
)
Status = DataExport.Status


def storage_name(export_id: object) -> str:
    """Where the zip of an export lives in the storage: fixed by its id."""
    return f"privacy/exports/{export_id}.zip"


def link_max_age() -> int:
    """How long a download link works, in seconds (``EXPORT_LINK_MAX_AGE_HOURS``)."""
    return int(settings.EXPORT_LINK_MAX_AGE_HOURS * 3600)


def build(export_id: str) -> DataExport | None:
    """Build the zip of one export; the finished export, or None when there was nothing to do
    (already built, or gone) or the build failed (the export then says so)."""
    claimed = DataExport.objects.filter(pk=export_id, status__in=DataExport.ACTIVE).update(
        status=Status.BUILDING,
        started_at=timezone.now(),
        attempts=F("attempts") + 1,
        step="Starting",
        done=0,
        total=0,
        error="",
    )
    if not claimed:
        return None
    export = DataExport.objects.select_related("user").get(pk=export_id)
    name = storage_name(export.pk)
    last_percent = -1

    def progress(step: str, done: int, total: int) -> None:
        nonlocal last_percent
        percent = 100 * done // max(total, 1)
        if percent != last_percent:  # at most ~100 small updates, however big the export
            last_percent = percent
            DataExport.objects.filter(pk=export_id, status=Status.BUILDING).update(
                step=step[:120], done=done, total=total
            )

    try:
        with tempfile.TemporaryFile() as tmp:
            write_archive(export.user, tmp, progress)
            size = tmp.tell()
            tmp.seek(0)
            if default_storage.exists(name):
                default_storage.delete(name)  # a retried job: replace, never add a second
            stored = default_storage.save(name, File(tmp, name=name))
    except Exception:
        log.exception("data export %s failed", export_id)
        default_storage.delete(name)
        DataExport.objects.filter(pk=export_id).update(
            status=Status.FAILED, error=FAILED_MESSAGE, finished_at=timezone.now()
        )
        return None
    return _finish(export_id, stored, size)


def _finish(export_id: str, stored: str, size: int) -> DataExport | None:
    now = timezone.now()
    with transaction.atomic():
        export = DataExport.objects.select_for_update().filter(pk=export_id).first()
        if export is None or export.status != Status.BUILDING:
            # The account was erased (or the export given up) while the zip was written.
            transaction.on_commit(lambda: default_storage.delete(stored))
            return None
        export.status = Status.READY
        export.file_name = stored
        export.size = size
        export.step = "Ready"
        export.done = export.total
        export.finished_at = now
        export.expires_at = now + timedelta(seconds=link_max_age())
        export.save()
    return export


def expire(export: DataExport) -> None:
    """Mark ``export`` expired and delete its zip once the transaction commits."""
    name = export.file_name
    export.status = Status.EXPIRED
    export.file_name = ""
    export.save(update_fields=["status", "file_name"])
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))


def prune(now: datetime | None = None) -> int:
    """Remove every zip whose link has expired; how many went."""
    now = now or timezone.now()
    count = 0
    due = DataExport.objects.filter(status=Status.READY, expires_at__lte=now)
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            export = DataExport.objects.select_for_update().filter(pk=pk).first()
            if export is not None and export.status == Status.READY:
                expire(export)
                count += 1
    return count
