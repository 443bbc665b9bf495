"""The deletion job's work: erase one account, its files and every row that hangs off it.

Called by ``tasks.erase_account`` only; nothing here queues anything. Safe to run twice: the
files go first (deleting a file that is already gone is not an error), then every row in one
transaction together with the :class:`~.models.DeletionLog` being completed, so a job that
stopped half-way simply does the rest when it runs again, and one that finished does nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from backstride.accounts.models import User

from .archive import stored_files
from .models import DataExport, DeletionLog
from .tables import TABLES


def files_of(user: User) -> list[str]:
    """Every stored file of the person: uploads, originals, kept videos, export zips."""
    names = [f.name for f in stored_files(user)]
    names += [
        n for n in DataExport.objects.filter(user=user).values_list("file_name", flat=True) if n
    ]
    return names


def erase(user_id: int, log_id: str) -> DeletionLog | None:
    """Erase the account ``user_id`` that asked for deletion ``log_id``; the completed log,
    or None when there is nothing (more) to do."""
    log = DeletionLog.objects.filter(pk=log_id).first()
    if log is None or log.completed_at is not None:
        return None
    user = User.objects.filter(pk=user_id).first()
    if user is not None and user.is_active:
        # An administrator let the person back in before the job ran: the request is void.
        log.delete()
        return None
    names = files_of(user) if user is not None else []
    for name in names:
        default_storage.delete(name)
    with transaction.atomic():
        rows: dict[str, int] = {}
        if user is not None:
            _forget_sign_ins(user.email)
            _forget_admin_history(user)
            _, per_model = user.delete()
            rows = {label: n for label, n in sorted(per_model.items()) if n}
        log.rows = rows
        log.files = len(names)
        log.completed_at = timezone.now()
        log.save()
    return log


def _forget_sign_ins(email: str) -> None:
    """django-axes keeps sign-in attempts by address (not by account): remove them too."""
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        model.objects.filter(username__iexact=email).delete()


def _object_ids(user: User) -> Iterator[tuple[ContentType, list[str]]]:
    yield ContentType.objects.get_for_model(User), [str(user.pk)]
    for t in TABLES:
        if t.model is not None and t.model is not User:
            ids = [str(pk) for pk in t.select(user).values_list("pk", flat=True)]
            if ids:
                yield ContentType.objects.get_for_model(t.model), ids


def _forget_admin_history(user: User) -> None:
    """The admin site's change history names the objects it changed: remove the entries about
    this person's rows (staff members' own history of other objects stays)."""
    for content_type, ids in _object_ids(user):
        for start in range(0, len(ids), 500):
            LogEntry.objects.filter(
                content_type=content_type, object_id__in=ids[start : start + 500]
            ).delete()
