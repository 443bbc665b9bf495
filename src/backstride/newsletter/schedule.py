"""Self-re-arming background chores (the outbox sweep, pruning the rate-limit ledger).

Each chore has a single-row schedule model with a ``due_at`` column. :func:`claim_slot` moves
``due_at`` forward with one conditional UPDATE, and only the caller whose UPDATE matched queues
the task, so however many requests or workers ask at once, at most one run is queued per
period. The task re-arms itself while it still has work; if a queued run is ever lost, the
next caller after ``due_at`` has passed queues a new one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone


def claim_slot(model: type[models.Model], due: datetime) -> bool:
    """Set the schedule row of ``model`` to ``due`` unless a run is already queued for the
    future; True when this caller must queue the task (in the same transaction)."""
    now = timezone.now()
    free = Q(due_at__isnull=True) | Q(due_at__lt=now)
    manager = model._default_manager
    updated = manager.filter(pk=1).filter(free).update(due_at=due)
    if not updated and not manager.filter(pk=1).exists():
        manager.bulk_create([model(pk=1)], ignore_conflicts=True)
        updated = manager.filter(pk=1).filter(free).update(due_at=due)
    return bool(updated)


def deferred(task: Any, due: datetime) -> Any:
    """``task`` set to run at ``due``, or to run now on a backend that cannot defer (the
    immediate backend): :func:`claim_slot` still limits it to once per period."""
    return task.using(run_after=due) if task.get_backend().supports_defer else task
