"""The outbox: write rows in the caller's transaction, deliver them from the worker.

Delivery of one batch (``deliver_batch``):

1. **Claim** with one conditional UPDATE: rows of the batch that are ``pending`` and due
   become ``sending`` with a fresh claim token and ``claimed_at``. Two workers can never
   claim the same row; a row another worker holds is simply not matched.
2. Open **one SMTP connection** for the batch (SMTP down → every claimed row goes back to
   ``pending`` with exponential backoff, the batch task is re-enqueued with ``run_after``;
   nothing is marked sent).
3. For each row: build, send, and **immediately** mark it ``sent`` with a single autocommit
   UPDATE guarded by the claim token. The only at-least-once window is between the SMTP
   server's "250 OK" and that UPDATE (one statement); see docs/newsletter.md.
4. Claims are refreshed while a long batch runs. A claim older than the lease
   (``NEWSLETTER_LEASE_SECONDS``) belongs to a worker that died: the periodic **sweep**
   puts such rows back to ``pending`` and re-enqueues their batch, so nobody is skipped.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from backstride.web.queue import enqueue_after_commit

from . import conf
from .emails import Builder, ManualUnavailable
from .models import OutboxMessage, Subscriber, SweepSchedule

log = logging.getLogger("backstride.newsletter")

Status = OutboxMessage.Status


def new_batch() -> str:
    return uuid.uuid4().hex


def backoff(attempt: int) -> timedelta:
    """30 s, 60 s, 2 min, … capped at an hour (``NEWSLETTER_BACKOFF_BASE`` / ``_CAP``)."""
    seconds = conf.backoff_base() * (2 ** max(0, attempt - 1))
    return timedelta(seconds=min(seconds, conf.backoff_cap()))


# --------------------------------------------------------------------------- writing


def enqueue_batch(batch: str, run_after: datetime | None = None) -> None:
    """Queue the send task for ``batch`` in the current transaction (``enqueue_after_commit``)."""
    from .tasks import send_batch

    task = send_batch.using(run_after=run_after) if run_after else send_batch
    enqueue_after_commit(task, batch)


def add_message(
    subscriber: Subscriber, kind: str, *, token: Any = None, issue: Any = None
) -> OutboxMessage:
    """Write one outbox row and queue its send, both in the caller's transaction."""
    row = OutboxMessage.objects.create(
        subscriber=subscriber, kind=kind, token=token, issue=issue, batch=new_batch()
    )
    enqueue_batch(row.batch)
    ensure_sweep_scheduled()
    return row


# --------------------------------------------------------------------------- sweeping


def ensure_sweep_scheduled() -> None:
    """Make sure a sweep is queued for the future while there is outbox work.

    One conditional UPDATE on a single row decides it, so concurrent callers queue at
    most one sweep per lease period.
    """
    from .tasks import sweep_outbox

    now = timezone.now()
    due = now + timedelta(seconds=conf.lease_seconds() + 1)
    free = Q(due_at__isnull=True) | Q(due_at__lt=now)
    updated = SweepSchedule.objects.filter(pk=1).filter(free).update(due_at=due)
    if not updated and not SweepSchedule.objects.filter(pk=1).exists():
        SweepSchedule.objects.bulk_create([SweepSchedule(pk=1)], ignore_conflicts=True)
        updated = SweepSchedule.objects.filter(pk=1).filter(free).update(due_at=due)
    if updated:
        enqueue_after_commit(sweep_outbox.using(run_after=due))


@dataclass
class SweepReport:
    reclaimed: int = 0
    batches: list[str] = field(default_factory=list)
    remaining: int = 0


def sweep(now: datetime | None = None) -> SweepReport:
    """Recover work a dead worker left behind; re-arm while work remains."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=conf.lease_seconds())
    report = SweepReport()
    with transaction.atomic():
        stale = list(
            OutboxMessage.objects.filter(status=Status.SENDING, claimed_at__lt=cutoff).values_list(
                "pk", "batch"
            )
        )
        if stale:
            report.reclaimed = OutboxMessage.objects.filter(
                pk__in=[pk for pk, _ in stale], status=Status.SENDING, claimed_at__lt=cutoff
            ).update(
                status=Status.PENDING,
                claim_token="",
                next_attempt_at=now,
                last_error="The worker stopped while sending; retried.",
            )
        batches = {b for _, b in stale}
        # Pending rows long overdue while no worker has touched the outbox for a whole
        # lease: their task was lost (a worker killed before claiming, or an RQ enqueue
        # lost after commit). Queue them again; a duplicate task finds nothing to claim.
        idle = not OutboxMessage.objects.filter(claimed_at__gte=cutoff).exists()
        if idle:
            batches.update(
                OutboxMessage.objects.filter(status=Status.PENDING, next_attempt_at__lt=cutoff)
                .values_list("batch", flat=True)
                .distinct()
            )
        for batch in sorted(batches):
            enqueue_batch(batch)
        report.batches = sorted(batches)
        report.remaining = OutboxMessage.objects.filter(
            status__in=[Status.PENDING, Status.SENDING]
        ).count()
        if report.remaining:
            ensure_sweep_scheduled()
    if report.reclaimed or report.batches:
        log.warning(
            "outbox sweep: %d stale claims released, %d batches re-queued",
            report.reclaimed,
            len(report.batches),
        )
    return report


# --------------------------------------------------------------------------- delivering


class ConnectionProblem(Exception):
    """The transport failed as a whole (server down, disconnected, auth): retry the batch."""


def _smtp_code(exc: BaseException) -> int | None:
    code = getattr(exc, "smtp_code", None)
    return code if isinstance(code, int) else None


def classify(exc: BaseException) -> str:
    """'permanent' (this recipient), 'temporary' (this recipient, retry), or 'connection'."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return "permanent" if codes and all(c >= 500 for c in codes) else "temporary"
    if isinstance(exc, smtplib.SMTPSenderRefused | smtplib.SMTPServerDisconnected):
        return "connection"
    if isinstance(exc, smtplib.SMTPResponseException):
        code = _smtp_code(exc) or 0
        if code in (421,) or code < 400:
            return "connection"
        return "permanent" if code >= 500 else "temporary"
    if exc.__class__.__name__ == "AnymailRecipientsRefused":
        return "permanent"
    return "connection"


@dataclass
class BatchReport:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    retry: int = 0
    cancelled: int = 0
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def _eligible(row: OutboxMessage) -> bool:
    status = row.subscriber.status
    if row.kind == OutboxMessage.Kind.CONFIRMATION:
        return status == Subscriber.Status.PENDING
    if row.kind == OutboxMessage.Kind.ISSUE:
        return row.subscriber.receives_episodes
    return status == Subscriber.Status.CONFIRMED


def _claim(batch: str, token: str, now: datetime) -> int:
    return OutboxMessage.objects.filter(
        batch=batch, status=Status.PENDING, next_attempt_at__lte=now
    ).update(
        status=Status.SENDING,
        claim_token=token,
        claimed_at=now,
        attempts=F("attempts") + 1,
    )


def _mine(token: str) -> Any:
    return OutboxMessage.objects.filter(claim_token=token, status=Status.SENDING)


def _release(
    rows: Iterable[OutboxMessage], token: str, error: str, *, count_towards_limit: bool
) -> datetime | None:
    """Put claimed rows back to pending with backoff (or failed after too many attempts)."""
    now = timezone.now()
    earliest: datetime | None = None
    by_attempt: dict[int, list[int]] = {}
    for row in rows:
        by_attempt.setdefault(row.attempts, []).append(row.pk)
    for attempts, pks in by_attempt.items():
        mine = _mine(token).filter(pk__in=pks)
        if count_towards_limit and attempts >= conf.max_attempts():
            mine.update(status=Status.FAILED, last_error=error[:2000], claim_token="")
            continue
        when = now + backoff(attempts)
        mine.update(
            status=Status.PENDING, next_attempt_at=when, last_error=error[:2000], claim_token=""
        )
        earliest = when if earliest is None else min(earliest, when)
    return earliest


def deliver_batch(batch: str) -> BatchReport:
    """Send every due row of ``batch`` over one connection. Safe to run twice, or concurrently."""
    report = BatchReport()
    token = uuid.uuid4().hex
    now = timezone.now()
    report.claimed = _claim(batch, token, now)
    if not report.claimed:
        return report
    ensure_sweep_scheduled()
    rows = list(_mine(token).select_related("subscriber", "issue", "token").order_by("pk"))
    lease = conf.lease_seconds()
    refreshed = time.monotonic()
    retry_at: datetime | None = None
    builder = Builder()
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception as exc:
        report.error = f"Could not connect to the mail server: {exc}"
        report.retry = len(rows)
        retry_at = _release(rows, token, report.error, count_towards_limit=False)
        log.warning("outbox batch %s: %s; retry at %s", batch, report.error, retry_at)
        if retry_at:
            with transaction.atomic():
                enqueue_batch(batch, run_after=retry_at)
        return report
    try:
        for index, row in enumerate(rows):
            if time.monotonic() - refreshed > lease / 3:
                # Keep our claim fresh; drop rows a sweep took back (we were too slow).
                _mine(token).update(claimed_at=timezone.now())
                still = set(_mine(token).values_list("pk", flat=True))
                refreshed = time.monotonic()
                if row.pk not in still:
                    rows_left = [r for r in rows[index:] if r.pk in still]
                    rows[index:] = rows_left
                    if not rows_left:
                        break
                    row = rows[index]
            if not _eligible(row):
                _mine(token).filter(pk=row.pk).update(
                    status=Status.CANCELLED, claim_token="", last_error="No longer subscribed."
                )
                report.cancelled += 1
                continue
            try:
                message = builder.build(row, connection)
            except ManualUnavailable as exc:
                when = _release([row], token, str(exc), count_towards_limit=False)
                retry_at = when if retry_at is None or (when and when < retry_at) else retry_at
                report.retry += 1
                continue
            try:
                connection.send_messages([message])
            except Exception as exc:
                kind = classify(exc)
                error = f"{exc.__class__.__name__}: {exc}"
                if kind == "permanent":
                    _mine(token).filter(pk=row.pk).update(
                        status=Status.FAILED, last_error=error[:2000], claim_token=""
                    )
                    report.failed += 1
                    continue
                if kind == "temporary":
                    when = _release([row], token, error, count_towards_limit=True)
                    if when is None:
                        report.failed += 1
                    else:
                        report.retry += 1
                        retry_at = when if retry_at is None or when < retry_at else retry_at
                    continue
                # The connection is gone: this row and the rest go back with backoff.
                report.error = error
                left = rows[index:]
                report.retry += len(left)
                when = _release(left, token, error, count_towards_limit=False)
                if when is not None:
                    retry_at = when if retry_at is None or when < retry_at else retry_at
                break
            # Accepted by the server: record it at once (the at-least-once window).
            OutboxMessage.objects.filter(pk=row.pk, claim_token=token).update(
                status=Status.SENT, sent_at=timezone.now(), last_error=""
            )
            report.sent += 1
    finally:
        with contextlib.suppress(Exception):  # closing a broken connection may fail
            connection.close()
    if retry_at is not None:
        with transaction.atomic():
            enqueue_batch(batch, run_after=retry_at)
    if report.failed or report.error:
        log.warning("outbox batch %s: %s", batch, report.as_dict())
    return report


def deliver_due(limit_batches: int = 1000) -> BatchReport:
    """Send every due pending row now, batch by batch (``backstride newsletter send-outbox``)."""
    total = BatchReport()
    now = timezone.now()
    batches = list(
        OutboxMessage.objects.filter(status=Status.PENDING, next_attempt_at__lte=now)
        .values_list("batch", flat=True)
        .distinct()[:limit_batches]
    )
    for batch in batches:
        part = deliver_batch(batch)
        for name in ("claimed", "sent", "failed", "retry", "cancelled"):
            setattr(total, name, getattr(total, name) + getattr(part, name))
        total.error = total.error or part.error
    return total
