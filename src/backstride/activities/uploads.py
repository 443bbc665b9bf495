"""Uploads: store each file under a generated name, refuse what is plainly not an activity
file, queue its import (never parse inside the request), and report a batch's progress.

The work itself runs in the ``import_item`` task (``tasks`` → ``imports``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from backstride.core import tracks
from backstride.lib.files import StorageUnavailable, storage_errors
from backstride.lib.queue import enqueue_after_commit

from .files import display_name, new_storage_name, sentence, too_big
from .models import ImportBatch, ImportItem
from .tasks import import_item


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
        if size > settings.ACTIVITIES_MAX_UPLOAD_BYTES:
            return Classified(problem=too_big(size, settings.ACTIVITIES_MAX_UPLOAD_BYTES))
        return Classified(kind=ImportItem.Kind.ARCHIVE, fmt="zip")
    if size > settings.ACTIVITIES_MAX_FILE_BYTES:
        return Classified(problem=too_big(size, settings.ACTIVITIES_MAX_FILE_BYTES))
    return Classified(fmt=fmt)


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
                try:
                    saved = default_storage.save(new_storage_name("uploads"), content)
                except storage_errors() as exc:
                    raise StorageUnavailable(str(exc)) from exc
                item.upload.name = saved
                stored.append(item.upload.name)
            items.append(item)
        with transaction.atomic():
            batch.save()
            for item in items:
                item.batch = batch
                item.save()
                if enqueue and item.status == ImportItem.Status.PENDING:
                    enqueue_after_commit(import_item, item.pk, swept=True)
    except BaseException:
        for name in stored:
            with contextlib.suppress(*storage_errors()):  # the store may be what failed
                default_storage.delete(name)
        raise
    return batch


# --- Progress ------------------------------------------------------------------------------
@dataclass
class Progress:
    """How far a batch's imports have got (archives count their entries)."""

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
    """The batch's counts so far; ``finished`` once every top-level item is done."""
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
