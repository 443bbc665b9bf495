"""Enqueue background tasks so that a rollback never leaves a job behind."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

log = logging.getLogger("backstride.queue")


def enqueue_after_commit(task: Any, *args: Any, swept: bool = False, **kwargs: Any) -> None:
    """Queue ``task`` as part of the current transaction.

    The database backend stores the job row in the same transaction, so it commits or
    rolls back with the change that caused it. Other backends (RQ) enqueue on commit; when
    the queue is down then, the change is already saved. With ``swept`` (work that the
    workers find and queue again by themselves, such as imports) that is logged and the
    request goes on; otherwise the error surfaces.
    """
    if task.get_backend().__class__.__name__ == "DatabaseBackend":
        task.enqueue(*args, **kwargs)
        return

    def enqueue() -> None:
        try:
            task.enqueue(*args, **kwargs)
        except Exception:
            if not swept:
                raise
            log.warning("queue unavailable: %s will be queued by a worker's sweep", task.name)

    transaction.on_commit(enqueue)


def not_before(when: datetime) -> datetime:
    """``when`` rounded up to the next whole second, for a task's ``run_after``.

    RQ files a deferred job under its time in whole seconds, cut down, so a job due at
    07:00:00.7 may start at 07:00:00.1 and find nothing due yet; rounded up it never runs
    early.
    """
    return when if not when.microsecond else when.replace(microsecond=0) + timedelta(seconds=1)
