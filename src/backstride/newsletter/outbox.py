"""The outbox: write rows in the caller's transaction, deliver them from the worker.

Delivery of one batch (``deliver_batch``):

1. **Claim** with one conditional UPDATE: rows of the batch that are ``pending`` and due
   become ``sending`` with a fresh claim token and ``claimed_at``. Two workers can never
   claim the same row; a row another worker holds is simply not matched.
2. Open **one SMTP connection** for the batch (SMTP down → every claimed row goes back to
   ``pending`` with exponential backoff, the batch task is re-enqueued with ``run_after``;
   nothing is marked sent).
3. For each row: build (one ahead), send, and record the **commit point** with one
   UPDATE guarded by the claim token: for SMTP at the final "." of DATA (see ``_Marks``
   and ``transport``), for other backends right after they accept. Handed-over rows
   become ``sent`` in small groups; a sweep treats handed-over rows of a dead worker as
   sent and the rest as not sent. See docs/newsletter.md for the remaining windows.
4. Claims are refreshed while a long batch runs. A claim older than the lease
   (``NEWSLETTER_LEASE_SECONDS``) belongs to a worker that died: the periodic **sweep**
   puts such rows back to ``pending`` and re-enqueues their batch, so nobody is skipped.
"""

from __future__ import annotations

import logging
import smtplib
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.core.mail import get_connection
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from backstride.lib.queue import enqueue_after_commit

from . import conf
from .emails import Builder, ManualUnavailable
from .models import OutboxMessage, Subscriber, SweepSchedule
from .schedule import claim_slot, deferred
from .transport import Lookahead, Prepared, Sender, Uncertain

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

    One conditional UPDATE on a single row decides it (:func:`schedule.claim_slot`), so
    concurrent callers queue at most one sweep per lease period.
    """
    from .tasks import sweep_outbox

    due = timezone.now() + timedelta(seconds=conf.lease_seconds() + 1)
    if claim_slot(SweepSchedule, due):
        enqueue_after_commit(deferred(sweep_outbox, due))


@dataclass
class SweepReport:
    reclaimed: int = 0
    delivered: int = 0
    batches: list[str] = field(default_factory=list)
    remaining: int = 0


def sweep(now: datetime | None = None) -> SweepReport:
    """Recover work a dead worker left behind; re-arm while work remains."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=conf.lease_seconds())
    report = SweepReport()
    with transaction.atomic():
        abandoned = OutboxMessage.objects.filter(status=Status.SENDING, claimed_at__lt=cutoff)
        # Handed over at the commit point before the worker died: the server has it.
        report.delivered = abandoned.filter(handed_over_at__isnull=False).update(
            status=Status.SENT,
            sent_at=F("handed_over_at"),
            claim_token="",
            last_error="Sent; the worker stopped before confirming it.",
        )
        stale = list(abandoned.values_list("pk", "batch"))
        if stale:
            report.reclaimed = OutboxMessage.objects.filter(
                pk__in=[pk for pk, _ in stale],
                status=Status.SENDING,
                claimed_at__lt=cutoff,
                handed_over_at__isnull=True,
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
        handed_over_at=None,
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
        mine = _mine(token).filter(pk__in=pks, handed_over_at__isnull=True)
        if count_towards_limit and attempts >= conf.max_attempts():
            mine.update(status=Status.FAILED, last_error=error[:2000], claim_token="")
            continue
        when = now + backoff(attempts)
        mine.update(
            status=Status.PENDING, next_attempt_at=when, last_error=error[:2000], claim_token=""
        )
        earliest = when if earliest is None else min(earliest, when)
    return earliest


class _Marks:
    """The per-message database writes, kept to one short statement each.

    SQLite (in-process): the handover mark is committed *before* the final dot; the gap
    between commit and dot is a few microseconds of Python. PostgreSQL: waiting for the
    server's reply before the dot would leave a whole reply latency in which a kill loses
    the message, so the mark is *sent* right after the dot without waiting (libpq's
    asynchronous send) and its result is read once the SMTP answer is in; a kill in the
    microseconds between the dot and the mark's bytes reaching the socket means a second
    copy, never a skip.
    """

    def __init__(self, token: str) -> None:
        self.token = token
        self.table = connection.ops.quote_name(OutboxMessage._meta.db_table)
        self.handed_over: list[int] = []
        self.flushed_at = time.monotonic()
        self.after_dot = connection.vendor == "postgresql" and not connection.in_atomic_block
        self._pending: int | None = None

    def handover(self, pk: int) -> None:
        if self.after_dot:
            self._send_async(pk)
            return
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {self.table} SET handed_over_at = %s"  # noqa: S608 - table name only
                " WHERE id = %s AND claim_token = %s AND status = %s",
                [now, pk, self.token, Status.SENDING.value],
            )
            if cursor.rowcount != 1:
                raise ClaimLost(f"outbox row {pk} is no longer claimed by this worker")
        self.handed_over.append(pk)

    def _send_async(self, pk: int) -> None:
        connection.ensure_connection()
        pgconn = connection.connection.pgconn  # type: ignore[union-attr]
        pgconn.send_query_params(
            (
                f"UPDATE {self.table} SET handed_over_at = now()"  # noqa: S608 - table name only
                " WHERE id = $1 AND claim_token = $2 AND status = $3"
            ).encode(),
            [str(pk).encode(), self.token.encode(), Status.SENDING.value.encode()],
        )
        pgconn.flush()
        self._pending = pk

    def settle(self) -> None:
        """Read the asynchronous mark's result (PostgreSQL) before any other query."""
        if self._pending is None:
            return
        from psycopg import pq

        pk, self._pending = self._pending, None
        pgconn = connection.connection.pgconn  # type: ignore[union-attr]
        rows, error = 0, ""
        while (result := pgconn.get_result()) is not None:
            if result.status == pq.ExecStatus.COMMAND_OK:
                rows = int(result.command_tuples or 0)
            else:
                error = (result.error_message or b"").decode(errors="replace")
        if rows == 1:
            self.handed_over.append(pk)
        else:  # the sweep took the row back while we were stalled; it may go twice
            log.error("outbox row %s: handover mark not recorded (%s)", pk, error or "claim lost")

    def undo_handover(self, pk: int) -> None:
        """The server answered "no" after the dot: not delivered after all."""
        OutboxMessage.objects.filter(pk=pk, claim_token=self.token).update(handed_over_at=None)
        if pk in self.handed_over:
            self.handed_over.remove(pk)

    def flush(self, force: bool = False) -> int:
        """Turn handed-over rows into ``sent`` (batched; a crash before this is recovered)."""
        if not self.handed_over or (
            not force and len(self.handed_over) < 200 and time.monotonic() - self.flushed_at < 1
        ):
            return 0
        pks, self.handed_over = self.handed_over, []
        self.flushed_at = time.monotonic()
        return (
            _mine(self.token)
            .filter(pk__in=pks)
            .update(status=Status.SENT, sent_at=F("handed_over_at"), last_error="", claim_token="")
        )


class _RelaxedCommits:
    """On PostgreSQL, don't wait for the WAL flush on this batch's many small commits.

    ``synchronous_commit = off`` keeps every commit safe against the *worker* dying (the
    failure the outbox is built for): the server has it. Only a crash of the database
    server itself within ~0.6 s could lose the newest marks, and then the affected rows
    are sent again rather than skipped. Session-level, reset when the batch ends (a
    killed worker's session ends with it). SQLite (WAL, synchronous=NORMAL) needs nothing.
    """

    def __init__(self) -> None:
        self.active = connection.vendor == "postgresql" and not connection.in_atomic_block
        if self.active:
            with connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO OFF")

    def close(self) -> None:
        if self.active:
            with connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")


class ClaimLost(Exception):
    """A sweep took the row back (this worker was too slow): don't send it."""


def deliver_batch(batch: str) -> BatchReport:
    """Send every due row of ``batch`` over one connection. Safe to run twice, or concurrently."""
    report = BatchReport()
    token = uuid.uuid4().hex
    report.claimed = _claim(batch, token, timezone.now())
    if not report.claimed:
        return report
    ensure_sweep_scheduled()
    rows = list(_mine(token).select_related("subscriber", "issue", "token").order_by("pk"))
    sender = Sender(get_connection(fail_silently=False))
    try:
        sender.open()
    except Exception as exc:
        report.error = f"Could not connect to the mail server: {exc}"
        report.retry = len(rows)
        when = _release(rows, token, report.error, count_towards_limit=False)
        log.warning("outbox batch %s: %s; retry at %s", batch, report.error, when)
        if when:
            with transaction.atomic():
                enqueue_batch(batch, run_after=when)
        return report

    marks = _Marks(token)
    retry_at: datetime | None = None
    relaxed = _RelaxedCommits()

    def later(when: datetime | None) -> None:
        nonlocal retry_at
        if when is not None and (retry_at is None or when < retry_at):
            retry_at = when

    builder = Builder()

    def prepare(row: OutboxMessage) -> Prepared:
        if sender.smtp:
            wire = builder.wire(row)
            if wire is not None:
                return sender.prepare_wire(wire)
        return sender.prepare(builder.build(row))

    look = Lookahead(rows, prepare)
    lease = conf.lease_seconds()
    refreshed = time.monotonic()
    lost: set[int] = set()
    done = 0
    try:
        for index, row in enumerate(rows):
            done = index + 1
            prepared = look.get(index)

            def build_next(nxt: int = index + 1) -> None:
                look.warm(nxt)

            if time.monotonic() - refreshed > lease / 3:
                # Keep the claim fresh; skip rows a sweep took back (we were too slow).
                marks.flush(force=True)
                _mine(token).update(claimed_at=timezone.now())
                still = set(_mine(token).values_list("pk", flat=True))
                lost = {r.pk for r in rows} - still
                refreshed = time.monotonic()
            if row.pk in lost:
                continue
            if not _eligible(row):
                _mine(token).filter(pk=row.pk).update(
                    status=Status.CANCELLED, claim_token="", last_error="No longer subscribed."
                )
                report.cancelled += 1
                continue
            if isinstance(prepared, ManualUnavailable):
                later(_release([row], token, str(prepared), count_towards_limit=False))
                report.retry += 1
                continue
            if isinstance(prepared, Exception):
                log.error("outbox row %s could not be built", row.pk, exc_info=prepared)
                when = _release(
                    [row], token, f"Could not build: {prepared!r}", count_towards_limit=True
                )
                report.retry += when is not None
                report.failed += when is None
                later(when)
                continue
            try:
                try:
                    sender.send(
                        prepared,
                        partial(marks.handover, row.pk),
                        build_next,
                        after_dot=marks.after_dot,
                    )
                finally:
                    marks.settle()
            except ClaimLost:
                lost.add(row.pk)
                report.error = "A sweep took back part of this batch; releasing the rest."
                left = [r for r in rows[done:] if r.pk not in lost]
                later(_release(left, token, report.error, count_towards_limit=False))
                break  # mid-DATA: the connection can't be reused
            except Uncertain as exc:
                # Handed over, then the answer was lost: counted as delivered (see module doc).
                marks.flush(force=True)
                OutboxMessage.objects.filter(pk=row.pk).update(
                    last_error=f"Delivery not confirmed (connection lost after handover): {exc}"
                )
                report.sent += 1
                report.error = str(exc)
                left = rows[done:]
                report.retry += len(left)
                later(_release(left, token, report.error, count_towards_limit=False))
                break
            except Exception as exc:
                marks.undo_handover(row.pk)
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
                    report.retry += when is not None
                    report.failed += when is None
                    later(when)
                    continue
                # The connection is gone: this row and the rest go back with backoff.
                report.error = error
                left = rows[done - 1 :]
                report.retry += len(left)
                later(_release(left, token, error, count_towards_limit=False))
                break
            report.sent += 1
            marks.flush()
    finally:
        marks.flush(force=True)
        sender.close()
        relaxed.close()
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
