"""Background jobs: build a data export, prune expired exports, erase an account.

Services (``exports``, ``deletion``) queue these through the ``enqueue_*`` helpers, which use
``enqueue_after_commit``; each job calls the module that does the work (``building``,
``erasing``), which never queues anything. Every job is safe to run twice.
"""

from __future__ import annotations

from datetime import datetime

from django_tasks import task

from backstride.lib.queue import enqueue_after_commit

from . import building, erasing
from .models import DataExport


@task()
def build_export(export_id: str) -> str:
    """Build one export's zip; when it is ready, queue its removal for when its link expires."""
    export = building.build(export_id)
    if export is None:
        return "nothing to do"
    if export.expires_at is not None:
        enqueue_prune(export.expires_at)
    return "ready"


@task()
def prune_exports() -> int:
    """Remove every export zip whose link has expired (how many went)."""
    return building.prune()


@task()
def erase_account(user_id: int, log_id: str) -> str:
    """Erase one account that asked to be deleted (files, rows, then the log is completed)."""
    log = erasing.erase(user_id, log_id)
    return "erased" if log is not None else "nothing to do"


def enqueue_build(export: DataExport) -> None:
    enqueue_after_commit(build_export, str(export.pk))


def enqueue_prune(due: datetime) -> None:
    """Queue a prune for ``due`` (now, on a backend that cannot wait)."""
    job = (
        prune_exports.using(run_after=due)
        if prune_exports.get_backend().supports_defer
        else prune_exports
    )
    enqueue_after_commit(job)


def enqueue_erase(user_id: int, log_id: object) -> None:
    enqueue_after_commit(erase_account, user_id, str(log_id))
