"""Background jobs: deliver outbox batches, sweep abandoned claims, prune the rate-limit ledger.

The jobs call the outbox and the ledger; the functions here that queue them
(:func:`queue_batch`, :func:`ensure_sweep_scheduled`, :func:`ensure_prune_scheduled`) go
through ``backstride.lib.queue.enqueue_after_commit`` and are what ``services`` calls. Imports
run one way: services → tasks → outbox, ratelimit.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from backstride.lib.queue import enqueue_after_commit

from . import outbox, ratelimit
from .models import OutboxMessage, PruneSchedule, SweepSchedule
from .schedule import claim_slot, deferred


@task()
def send_batch(batch: str) -> dict[str, Any]:
    """Send one outbox batch over one connection (idempotent; see ``outbox``)."""
    return deliver(batch).as_dict()


@task()
def sweep_outbox() -> dict[str, Any]:
    """Release claims of dead workers and re-queue their batches; re-arms itself while needed."""
    report = sweep()
    return {
        "reclaimed": report.reclaimed,
        "batches": len(report.batches),
        "remaining": report.remaining,
    }


@task()
def prune_signup_attempts() -> int:
    """Delete expired rate-limit rows; re-arms itself while rows remain (idempotent, cheap)."""
    return prune()


# --------------------------------------------------------------------------- queueing


def queue_batch(batch: str, run_after: datetime | None = None) -> None:
    """Queue the send task for ``batch`` in the current transaction."""
    enqueue_after_commit(send_batch.using(run_after=run_after) if run_after else send_batch, batch)


def ensure_sweep_scheduled() -> None:
    """Make sure a sweep is queued for the future while there is outbox work.

    One conditional UPDATE on a single row decides it (:func:`schedule.claim_slot`), so
    concurrent callers queue at most one sweep per lease period.
    """
    due = timezone.now() + timedelta(seconds=settings.NEWSLETTER_LEASE_SECONDS + 1)
    if claim_slot(SweepSchedule, due):
        enqueue_after_commit(deferred(sweep_outbox, due))


def ensure_prune_scheduled(due: datetime) -> None:
    """Queue the prune for ``due`` unless one is already queued (a burst of signups queues one)."""
    if claim_slot(PruneSchedule, due):
        enqueue_after_commit(deferred(prune_signup_attempts, due))


# --------------------------------------------------------------------------- the jobs


def deliver(batch: str) -> outbox.BatchReport:
    """Claim and send ``batch``; a sweep is due before anything is sent, a retry is queued."""
    token = outbox.claim_batch(batch)
    if not token:
        return outbox.BatchReport()
    ensure_sweep_scheduled()
    report = outbox.send_claimed(batch, token)
    if report.retry_at is not None:
        queue_batch(batch, run_after=report.retry_at)
    return report


def deliver_due(limit_batches: int = 1000) -> outbox.BatchReport:
    """Send every due pending row now, batch by batch (``backstride newsletter send-outbox``)."""
    total = outbox.BatchReport()
    batches = list(
        OutboxMessage.objects.filter(
            status=OutboxMessage.Status.PENDING, next_attempt_at__lte=timezone.now()
        )
        .values_list("batch", flat=True)
        .distinct()[:limit_batches]
    )
    for batch in batches:
        part = deliver(batch)
        for name in ("claimed", "sent", "failed", "retry", "cancelled"):
            setattr(total, name, getattr(total, name) + getattr(part, name))
        total.error = total.error or part.error
    return total


def sweep(now: datetime | None = None) -> outbox.SweepReport:
    """Recover work a dead worker left behind, queue it again; re-arm while work remains."""
    with transaction.atomic():
        report = outbox.reclaim(now)
        for batch in report.batches:
            queue_batch(batch)
        if report.remaining:
            ensure_sweep_scheduled()
    return report


def prune(now: datetime | None = None) -> int:
    """Prune expired ledger rows, then, while rows remain, queue the next prune for when the
    oldest of them expires (at least a minute away). Returns how many went."""
    now = now or timezone.now()
    deleted = ratelimit.prune(now)
    due = ratelimit.next_expiry()
    if due is not None:
        ensure_prune_scheduled(max(due, now + timedelta(minutes=1)))
    return deleted
