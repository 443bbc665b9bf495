"""The outbox: claim a batch with a lease, send it over one connection, recover dead claims.

Rows are written by ``services`` in the transaction that causes them; ``tasks`` runs this
module and queues what it asks for. Delivery of one batch:

1. **Claim** with one conditional UPDATE: rows of the batch that are ``pending`` and due
   become ``sending`` with a fresh claim token and ``claimed_at``. Two workers can never
   claim the same row.
2. Open **one connection** for the batch with Django's ``get_connection()`` and send each
   email with ``send_messages()``. SMTP down → every claimed row goes back to ``pending``
   with exponential backoff and the report says when to retry; nothing is marked sent.
3. Each row is marked ``sent`` by one UPDATE guarded by the claim token at the **commit
   point**: the final "." of SMTP DATA (see ``transport``); for other backends (anymail's
   HTTP APIs, console, locmem) right after the backend accepts the email.
4. Claims are refreshed while a long batch runs. A claim older than the lease
   (``NEWSLETTER_LEASE_SECONDS``) belongs to a worker that died: :func:`reclaim` puts such
   rows back to ``pending`` so their batch can be queued again; nobody is skipped.
"""

from __future__ import annotations

import logging
import smtplib
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend
from django.db import connection
from django.db.models import F, QuerySet
from django.utils import timezone

from .emails import Builder, ManualUnavailable
from .models import OutboxMessage, Subscriber
from .transport import CommitPointBackend

log = logging.getLogger("backstride.newsletter")

Status = OutboxMessage.Status


def new_batch() -> str:
    return uuid.uuid4().hex


def backoff(attempt: int) -> timedelta:
    """30 s, 60 s, 2 min, … capped at an hour (``NEWSLETTER_BACKOFF_BASE`` / ``_CAP``)."""
    seconds = settings.NEWSLETTER_BACKOFF_BASE * (2 ** max(0, attempt - 1))
    return timedelta(seconds=min(seconds, settings.NEWSLETTER_BACKOFF_CAP))


# --------------------------------------------------------------------------- recovering


@dataclass
class SweepReport:
    reclaimed: int = 0
    batches: list[str] = field(default_factory=list)
    remaining: int = 0


def reclaim(now: datetime | None = None) -> SweepReport:
    """Release the claims of dead workers; say which batches must be queued again and how
    many rows are still waiting. Run it in a transaction with the queueing."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.NEWSLETTER_LEASE_SECONDS)
    report = SweepReport()
    abandoned = OutboxMessage.objects.filter(status=Status.SENDING, claimed_at__lt=cutoff)
    stale = list(abandoned.values_list("pk", "batch"))
    if stale:
        report.reclaimed = abandoned.filter(pk__in=[pk for pk, _ in stale]).update(
            status=Status.PENDING,
            claim_token="",
            next_attempt_at=now,
            last_error="The worker stopped while sending; retried.",
        )
    batches = {b for _, b in stale}
    # Pending rows long overdue while no worker has touched the outbox for a whole lease:
    # their task was lost (a worker killed before claiming, or an RQ enqueue lost after
    # commit). Queue them again; a duplicate task finds nothing to claim.
    if not OutboxMessage.objects.filter(claimed_at__gte=cutoff).exists():
        batches.update(
            OutboxMessage.objects.filter(status=Status.PENDING, next_attempt_at__lt=cutoff)
            .values_list("batch", flat=True)
            .distinct()
        )
    report.batches = sorted(batches)
    report.remaining = OutboxMessage.objects.filter(
        status__in=[Status.PENDING, Status.SENDING]
    ).count()
    if report.reclaimed or report.batches:
        log.warning(
            "outbox sweep: %d stale claims released, %d batches to re-queue",
            report.reclaimed,
            len(report.batches),
        )
    return report


# --------------------------------------------------------------------------- delivering


def classify(exc: BaseException) -> str:
    """'permanent' (this recipient), 'temporary' (this recipient, retry), or 'connection'."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return "permanent" if codes and all(c >= 500 for c in codes) else "temporary"
    if isinstance(exc, smtplib.SMTPSenderRefused | smtplib.SMTPServerDisconnected):
        return "connection"
    if isinstance(exc, smtplib.SMTPResponseException):
        code = exc.smtp_code
        if code == 421 or code < 400:
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
    retry_at: datetime | None = None  # queue the batch again then

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["retry_at"] = self.retry_at.isoformat() if self.retry_at else None
        return data

    def later(self, when: datetime | None) -> None:
        if when is not None and (self.retry_at is None or when < self.retry_at):
            self.retry_at = when


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


def claim_batch(batch: str) -> str:
    """Claim the due rows of ``batch``: the claim token, or "" when nothing was due."""
    token = uuid.uuid4().hex
    return token if _claim(batch, token, timezone.now()) else ""


def _mine(token: str) -> QuerySet[OutboxMessage]:
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
        if count_towards_limit and attempts >= settings.NEWSLETTER_MAX_ATTEMPTS:
            mine.update(status=Status.FAILED, last_error=error[:2000], claim_token="")
            continue
        when = now + backoff(attempts)
        mine.update(
            status=Status.PENDING, next_attempt_at=when, last_error=error[:2000], claim_token=""
        )
        earliest = when if earliest is None else min(earliest, when)
    return earliest


class ClaimLost(Exception):
    """A sweep took the row back (this worker was too slow): don't send it."""


class _Marks:
    """The commit-point write: one short UPDATE per message, guarded by the claim token.

    Plain SQL through one Django cursor per batch, with its parameters ready before the
    dot: on PostgreSQL it leaves right after the final dot, and any work between the dot
    and the UPDATE's bytes leaving is time in which a kill would cause a second copy.
    """

    def __init__(self, token: str, *, smtp: bool) -> None:
        self.token = token
        table = connection.ops.quote_name(OutboxMessage._meta.db_table)
        self.sql = (
            f"UPDATE {table} SET status = %s, handed_over_at = %s, sent_at = %s,"  # noqa: S608 - table name only
            " claim_token = '', last_error = '' WHERE id = %s AND claim_token = %s AND status = %s"
        )
        # SQLite commits in-process: mark just before the dot. A database server: just after
        # (as for a non-SMTP backend, where the mark follows the backend's acceptance).
        self.after_dot = not smtp or connection.vendor != "sqlite"
        self.cursor = connection.cursor()

    def mark(self, pk: int) -> Callable[[], None]:
        """The write that records row ``pk`` as sent, ready to run at the commit point."""
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        params = [Status.SENT.value, now, now, pk, self.token, Status.SENDING.value]
        execute, sql = self.cursor.execute, self.sql

        def sent() -> None:
            execute(sql, params)
            if self.cursor.rowcount == 1:
                return
            if not self.after_dot:
                raise ClaimLost(f"outbox row {pk} is no longer claimed by this worker")
            log.error("outbox row %s: sent after its claim was taken back; it may go twice", pk)

        return sent

    def undo(self, pk: int) -> None:
        """The server refused the message after the dot: it was not delivered after all."""
        OutboxMessage.objects.filter(pk=pk, status=Status.SENT).update(
            status=Status.SENDING, handed_over_at=None, sent_at=None, claim_token=self.token
        )

    def close(self) -> None:
        self.cursor.close()


def _backend() -> Any:
    """The configured email backend; Django's SMTP backend gets the commit point."""
    backend = get_connection(fail_silently=False)
    if type(backend) is EmailBackend:
        return CommitPointBackend(fail_silently=False)
    return backend


def deliver_batch(batch: str) -> BatchReport:
    """Claim and send every due row of ``batch``. Safe to run twice, or concurrently."""
    token = claim_batch(batch)
    return send_claimed(batch, token) if token else BatchReport()


def send_claimed(batch: str, token: str) -> BatchReport:
    """Send the rows claimed with ``token`` over one connection."""
    rows = list(_mine(token).select_related("subscriber", "issue", "token").order_by("pk"))
    report = BatchReport(claimed=len(rows))
    backend = _backend()
    try:
        backend.open()
    except Exception as exc:
        report.error = f"Could not connect to the mail server: {exc}"
        report.retry = len(rows)
        report.later(_release(rows, token, report.error, count_towards_limit=False))
        log.warning("outbox batch %s: %s; retry at %s", batch, report.error, report.retry_at)
        return report
    marks = _Marks(token, smtp=isinstance(backend, CommitPointBackend))
    try:
        _send_rows(rows, token, backend, marks, report)
    finally:
        marks.close()
        backend.close()
    if report.failed or report.error:
        log.warning("outbox batch %s: %s", batch, report.as_dict())
    return report


def _send_rows(
    rows: list[OutboxMessage], token: str, backend: Any, marks: _Marks, report: BatchReport
) -> None:
    smtp = isinstance(backend, CommitPointBackend)
    builder = Builder()
    refresh_every = settings.NEWSLETTER_LEASE_SECONDS / 3
    refreshed = time.monotonic()
    lost: set[int] = set()
    for index, row in enumerate(rows):
        if time.monotonic() - refreshed > refresh_every:
            # Keep the claim fresh; skip rows a sweep took back (we were too slow).
            _mine(token).update(claimed_at=timezone.now())
            lost = {r.pk for r in rows} - set(_mine(token).values_list("pk", flat=True))
            refreshed = time.monotonic()
        if row.pk in lost:
            continue
        if not _eligible(row):
            _mine(token).filter(pk=row.pk).update(
                status=Status.CANCELLED, claim_token="", last_error="No longer subscribed."
            )
            report.cancelled += 1
            continue
        try:
            message = builder.build(row)
        except ManualUnavailable as exc:
            report.later(_release([row], token, str(exc), count_towards_limit=False))
            report.retry += 1
            continue
        except Exception as exc:
            log.exception("outbox row %s could not be built", row.pk)
            when = _release([row], token, f"Could not build: {exc!r}", count_towards_limit=True)
            report.retry += when is not None
            report.failed += when is None
            report.later(when)
            continue
        try:
            mark = marks.mark(row.pk)
            if smtp:
                backend.expect_dot(mark, after_dot=marks.after_dot)
            backend.send_messages([message])
            if not smtp:
                mark()
        except ClaimLost:
            # Stopped before the dot: the server discards the unfinished message.
            backend.abort()
            report.error = "A sweep took back part of this batch; releasing the rest."
            left = [r for r in rows[index + 1 :] if r.pk not in lost]
            report.later(_release(left, token, report.error, count_towards_limit=False))
            return
        except Exception as exc:
            error = f"{exc.__class__.__name__}: {exc}"
            if smtp and backend.dot_sent():
                if not isinstance(exc, smtplib.SMTPResponseException):
                    # The server has the message, then the answer was lost: counted as sent.
                    OutboxMessage.objects.filter(pk=row.pk).update(
                        last_error=f"Delivery not confirmed (connection lost after the "
                        f"final dot): {exc}"
                    )
                    report.sent += 1
                    report.error = error
                    _give_back(rows[index + 1 :], token, error, report)
                    return
                marks.undo(row.pk)  # the server answered "no" to the message
            kind = classify(exc)
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
                report.later(when)
                continue
            # The connection is gone: this row and the rest go back with backoff.
            if smtp:
                backend.abort()
            report.error = error
            _give_back(rows[index:], token, error, report)
            return
        report.sent += 1


def _give_back(left: list[OutboxMessage], token: str, error: str, report: BatchReport) -> None:
    report.retry += len(left)
    report.later(_release(left, token, error, count_towards_limit=False))
