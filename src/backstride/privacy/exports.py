"""Download everything: ask for a zip, follow it, fetch it through a signed link.

- :func:`request_export` (one transaction): one export at a time per person; the job is
  queued with ``enqueue_after_commit``; the person's older zips are removed at once.
- :func:`download_token` / :func:`export_for_token`: the signed link, which expires after
  ``EXPORT_LINK_MAX_AGE_HOURS`` and only ever works for the person who asked.

The job itself (``tasks.build_export``) calls :mod:`.building`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final
from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils import timezone

from backstride.accounts.models import User
from backstride.lib import signing

from . import building, tasks
from .models import DataExport

SALT: Final = "backstride.privacy.export"
#: A job that has shown no sign of life for this long is taken to have died with its worker.
ABANDONED_AFTER: Final = timedelta(hours=6)
EXPIRED_LINK: Final = "This download link has expired. You can ask for a new download on Your data."

Status = DataExport.Status


class ExportRefused(Exception):
    """An export that cannot be asked for now; ``str(error)`` says why in words."""


def request_export(user: User) -> DataExport:
    """The person's export under way, or a new one queued (their older zips are removed)."""
    if not user.is_active:
        raise ExportRefused("This account is being deleted.")
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one request at a time
        current = DataExport.objects.filter(user=user, status__in=DataExport.ACTIVE).first()
        if current is not None and not _abandoned(current):
            return current
        if current is not None:
            current.status = Status.FAILED
            current.error = building.FAILED_MESSAGE
            current.finished_at = timezone.now()
            current.save(update_fields=["status", "error", "finished_at"])
        for old in DataExport.objects.filter(user=user, status=Status.READY):
            building.expire(old)
        try:
            with transaction.atomic():
                export = DataExport.objects.create(user=user)
        except IntegrityError:  # another tab's request got there first
            return DataExport.objects.get(user=user, status__in=DataExport.ACTIVE)
        tasks.enqueue_build(export)
    return export


def _abandoned(export: DataExport) -> bool:
    last_sign = export.started_at or export.created_at
    return last_sign < timezone.now() - ABANDONED_AFTER


def latest(user: User) -> DataExport | None:
    """The person's newest export that has not expired, if any."""
    return DataExport.objects.filter(user=user).exclude(status=Status.EXPIRED).first()


def own_export(user: User, export_id: UUID | str) -> DataExport:
    """One of the person's exports (``DataExport.DoesNotExist`` for anyone else's)."""
    return DataExport.objects.get(pk=export_id, user=user)


# --- The signed link ------------------------------------------------------------------------
def download_token(export: DataExport) -> str:
    return signing.sign(SALT, str(export.pk), expires=True)


def export_for_token(user: User, token: str) -> DataExport:
    """The person's downloadable export named by ``token``.

    Raises ``signing.LinkError`` for a forged or expired link, ``DataExport.DoesNotExist``
    when it is someone else's or its zip is gone.
    """
    export_id = signing.unsign(SALT, token, max_age=building.link_max_age(), expired=EXPIRED_LINK)
    export = own_export(user, export_id)  # the id was signed by us: always a valid UUID
    if export.status == Status.EXPIRED or (
        export.expires_at is not None and export.expires_at <= timezone.now()
    ):
        raise signing.LinkError("expired", EXPIRED_LINK)
    if not export.is_downloadable:
        raise DataExport.DoesNotExist
    return export
