"""Enqueue background tasks so that a rollback never leaves a job behind."""

from __future__ import annotations

from typing import Any

from django.db import transaction


def enqueue_after_commit(task: Any, *args: Any, **kwargs: Any) -> None:
    """Queue ``task`` as part of the current transaction.

    The database backend stores the job row in the same transaction, so it commits or
    rolls back with the change that caused it. Other backends (RQ) enqueue on commit.
    """
    if task.get_backend().__class__.__name__ == "DatabaseBackend":
        task.enqueue(*args, **kwargs)
    else:
        transaction.on_commit(lambda: task.enqueue(*args, **kwargs))
