"""Newsletter use cases, shared by views, signal receivers, commands and tests.

Every function that causes an email writes its outbox row(s) in the same transaction as
the change (:func:`add_message` / :func:`send_episode_issue`) and queues its send through
``tasks``; the worker sends them after commit. A rollback sends nothing; a crash loses
nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone

from backstride.accounts.models import ConsentRecord

from . import outbox, privacy, ratelimit
from .models import (
    ConfirmationToken,
    Issue,
    OutboxMessage,
    SignupAttempt,
    Source,
    Subscriber,
    Suppression,
)
from .tasks import ensure_prune_scheduled, ensure_sweep_scheduled, queue_batch

log = logging.getLogger("backstride.newsletter")

#: The consent wording shown next to the checkbox. Change the text → bump the version;
#: every consent record stores the version the person saw.
CONSENT_VERSION = "2026-01"
CONSENT_WORDING = {
    "2026-01": (
        "Yes, email me the free Back Pain Relief Manual and the weekly episode email. "
        "I can unsubscribe with one click at any time."
    ),
}


def consent_text(version: str = CONSENT_VERSION) -> str:
    return CONSENT_WORDING[version]


# --------------------------------------------------------------------------- rate limits


def ip_allowed(ip: str, now: datetime | None = None) -> bool:
    """True if this client may sign up now; records the attempt when allowed."""
    if not ip:
        return True
    return _allowed(SignupAttempt.Kind.IP, privacy.key_hash(f"ip:{ip}"), now or timezone.now())


def _allowed(kind: str, key: str, now: datetime) -> bool:
    """Record an attempt unless over the limit; make sure a prune is queued for its expiry."""
    expires = ratelimit.allow(kind, key, now)
    if expires is not None:
        ensure_prune_scheduled(expires)
    return expires is not None


def add_message(
    subscriber: Subscriber, kind: str, *, token: ConfirmationToken | None = None
) -> OutboxMessage:
    """Write one outbox row and queue its send, both in the caller's transaction."""
    row = OutboxMessage.objects.create(
        subscriber=subscriber, kind=kind, token=token, batch=outbox.new_batch()
    )
    queue_batch(row.batch)
    ensure_sweep_scheduled()
    return row


# --------------------------------------------------------------------------- signup


@dataclass
class SignupResult:
    """What happened. Views show the *same* page whatever ``outcome`` is (no address leak)."""

    outcome: str  # "confirmation_sent" | "already_notice_sent" | "rate_limited"
    subscriber: Subscriber


def _record(
    subscriber: Subscriber | None,
    email: str,
    action: str,
    *,
    wording_version: str = "",
    source: str = "",
    ip: str = "",
    detail: str = "",
) -> ConsentRecord:
    return ConsentRecord.objects.create(
        kind=ConsentRecord.Kind.NEWSLETTER,
        subscriber_id=subscriber.pk if subscriber is not None else None,
        email_hash=privacy.email_hash(email),
        action=action,
        wording_version=wording_version,
        source=source,
        ip_prefix=privacy.ip_prefix(ip) if ip else "",
        detail=detail[:200],
    )


def normalise_source(source: str) -> str:
    return source if source in Source.values else Source.OTHER


@transaction.atomic
def request_subscription(
    email: str, *, first_name: str = "", source: str = "", ip: str = ""
) -> SignupResult:
    """Double opt-in, step 1. ``email`` must already be validated and normalised.

    Writes the subscriber (pending), the consent request and the confirmation email's
    outbox row in one transaction. At most ``NEWSLETTER_ADDRESS_LIMIT`` emails per address
    per window; beyond that nothing is sent, and the caller shows the same page.
    """
    now = timezone.now()
    source = normalise_source(source)
    first_name = first_name.strip()[:80]
    subscriber, _created = Subscriber.objects.select_for_update().get_or_create(
        email=email, defaults={"first_name": first_name, "source": source}
    )
    _record(
        subscriber,
        email,
        ConsentRecord.Action.REQUESTED,
        wording_version=CONSENT_VERSION,
        source=source,
        ip=ip,
    )
    if not _allowed(SignupAttempt.Kind.ADDRESS, privacy.key_hash(f"email:{email}"), now):
        log.info("newsletter signup: address rate limit reached for subscriber %s", subscriber.pk)
        return SignupResult("rate_limited", subscriber)
    if subscriber.is_confirmed:
        add_message(subscriber, OutboxMessage.Kind.ALREADY)
        return SignupResult("already_notice_sent", subscriber)
    changed = []
    if subscriber.status != Subscriber.Status.PENDING:
        subscriber.status = Subscriber.Status.PENDING
        changed.append("status")
    if first_name and first_name != subscriber.first_name:
        subscriber.first_name = first_name
        changed.append("first_name")
    if changed:
        subscriber.save(update_fields=[*changed, "updated_at"])
    token = ConfirmationToken.objects.create(
        subscriber=subscriber,
        source=source,
        wording_version=CONSENT_VERSION,
        first_name=first_name,
    )
    add_message(subscriber, OutboxMessage.Kind.CONFIRMATION, token=token)
    return SignupResult("confirmation_sent", subscriber)


@dataclass
class ConfirmResult:
    subscriber: Subscriber
    first_time: bool


@transaction.atomic
def confirm(token_record: ConfirmationToken, *, ip: str = "") -> ConfirmResult:
    """Double opt-in, step 2: use the token once, record consent, queue the welcome email."""
    record = (
        ConfirmationToken.objects.select_for_update()
        .select_related("subscriber")
        .get(pk=token_record.pk)
    )
    subscriber = Subscriber.objects.select_for_update().get(pk=record.subscriber_id)
    if record.used_at is not None:
        return ConfirmResult(subscriber, False)
    now = timezone.now()
    record.used_at = now
    record.save(update_fields=["used_at"])
    if subscriber.is_confirmed:
        # A second pending link clicked after the first: nothing new to do.
        return ConfirmResult(subscriber, False)
    subscriber.status = Subscriber.Status.CONFIRMED
    subscriber.confirmed_at = now
    subscriber.unsubscribed_at = None
    subscriber.weekly_episodes = True
    if record.first_name:
        subscriber.first_name = record.first_name
    subscriber.save()
    _record(
        subscriber,
        subscriber.email,
        ConsentRecord.Action.CONFIRMED,
        wording_version=record.wording_version,
        source=record.source,
        ip=ip,
    )
    # A confirmed, explicit opt-in lifts an earlier bounce/complaint/erasure suppression.
    Suppression.objects.filter(email_hash__in=privacy.email_hashes(subscriber.email)).delete()
    add_message(subscriber, OutboxMessage.Kind.WELCOME)
    return ConfirmResult(subscriber, True)


# --------------------------------------------------------------------------- leaving


def _cancel_pending(subscriber: Subscriber, kinds: list[str] | None = None) -> None:
    rows = OutboxMessage.objects.filter(subscriber=subscriber, status=OutboxMessage.Status.PENDING)
    if kinds is not None:
        rows = rows.filter(kind__in=kinds)
    rows.update(status=OutboxMessage.Status.CANCELLED, last_error="No longer subscribed.")


@transaction.atomic
def unsubscribe(subscriber: Subscriber, *, ip: str = "", how: str = "link") -> bool:
    """Stop every newsletter email. Returns False if already unsubscribed (replays are fine)."""
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if subscriber.status in {
        Subscriber.Status.UNSUBSCRIBED,
        Subscriber.Status.BOUNCED,
        Subscriber.Status.COMPLAINED,
    }:
        return False
    subscriber.status = Subscriber.Status.UNSUBSCRIBED
    subscriber.unsubscribed_at = timezone.now()
    subscriber.save(update_fields=["status", "unsubscribed_at", "updated_at"])
    _cancel_pending(subscriber)
    _record(subscriber, subscriber.email, ConsentRecord.Action.WITHDRAWN, ip=ip, detail=how)
    return True


@transaction.atomic
def set_preferences(subscriber: Subscriber, *, weekly_episodes: bool, ip: str = "") -> bool:
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if subscriber.weekly_episodes == weekly_episodes:
        return False
    subscriber.weekly_episodes = weekly_episodes
    subscriber.save(update_fields=["weekly_episodes", "updated_at"])
    if not weekly_episodes:
        _cancel_pending(subscriber, [OutboxMessage.Kind.ISSUE])
    _record(
        subscriber,
        subscriber.email,
        ConsentRecord.Action.PREFERENCES,
        ip=ip,
        detail=f"weekly_episodes={'on' if weekly_episodes else 'off'}",
    )
    return True


def is_suppressed(email: str) -> Suppression | None:
    return Suppression.objects.filter(email_hash__in=privacy.email_hashes(email)).first()


@transaction.atomic
def suppress(email: str, reason: str, detail: str = "") -> Subscriber | None:
    """Stop mailing an address after a hard bounce or complaint (from a provider webhook)."""
    email = email.strip().lower()
    Suppression.objects.update_or_create(
        email_hash=privacy.email_hash(email),
        defaults={"reason": reason, "detail": detail[:200]},
    )
    subscriber = Subscriber.objects.select_for_update().filter(email=email).first()
    if subscriber is None:
        return None
    subscriber.status = (
        Subscriber.Status.COMPLAINED
        if reason == Suppression.Reason.COMPLAINED
        else Subscriber.Status.BOUNCED
    )
    subscriber.save(update_fields=["status", "updated_at"])
    _cancel_pending(subscriber)
    _record(subscriber, email, ConsentRecord.Action.SUPPRESSED, detail=f"{reason}: {detail}"[:200])
    return subscriber


# --------------------------------------------------------------------------- privacy


def export_data(subscriber: Subscriber) -> dict[str, Any]:
    """Everything we hold about this subscriber, as JSON-ready data."""
    hashes = privacy.email_hashes(subscriber.email)
    consents = ConsentRecord.objects.filter(
        Q(subscriber_id=subscriber.pk) | Q(email_hash__in=hashes),
        kind=ConsentRecord.Kind.NEWSLETTER,
    ).order_by("created_at", "pk")
    messages = subscriber.outbox.select_related("issue").order_by("created_at", "pk")
    suppression = is_suppressed(subscriber.email)
    return {
        "exported_at": timezone.now().isoformat(),
        "site": settings.SITE_URL,
        "subscriber": {
            "email": subscriber.email,
            "first_name": subscriber.first_name,
            "status": subscriber.status,
            "weekly_episodes": subscriber.weekly_episodes,
            "signed_up_from": subscriber.source,
            "created_at": subscriber.created_at.isoformat(),
            "confirmed_at": subscriber.confirmed_at.isoformat()
            if subscriber.confirmed_at
            else None,
            "unsubscribed_at": (
                subscriber.unsubscribed_at.isoformat() if subscriber.unsubscribed_at else None
            ),
        },
        "consent_history": [
            {
                "action": c.action,
                "at": c.created_at.isoformat(),
                "wording_version": c.wording_version,
                "wording": CONSENT_WORDING.get(c.wording_version, ""),
                "source": c.source,
                "network": c.ip_prefix,
                "detail": c.detail,
            }
            for c in consents
        ],
        "emails": [
            {
                "kind": m.kind,
                "subject": m.issue.subject if m.issue else "",
                "status": m.status,
                "created_at": m.created_at.isoformat(),
                "sent_at": m.sent_at.isoformat() if m.sent_at else None,
            }
            for m in messages
        ],
        "suppressed": suppression.reason if suppression else None,
    }


@transaction.atomic
def erase(subscriber: Subscriber, *, ip: str = "") -> None:
    """Delete the subscriber and their email log; keep a suppression hash and consent history.

    The consent records lose their link to the person (``receivers.on_subscriber_deleted``,
    which also covers a deletion in the admin) but keep the keyed hash of the
    address, the wording version, the time and the network prefix: proof of consent
    (GDPR Art. 7(1)) without the address. The suppression hash stops a late bounce or an
    import from re-adding the address; a new double opt-in by the person lifts it.
    """
    email = subscriber.email
    _record(subscriber, email, ConsentRecord.Action.ERASED, ip=ip)
    Suppression.objects.get_or_create(
        email_hash=privacy.email_hash(email),
        defaults={"reason": Suppression.Reason.ERASED},
    )
    SignupAttempt.objects.filter(key_hash=privacy.key_hash(f"email:{email}")).delete()
    subscriber.delete()  # cascades to tokens and outbox rows


def find(email: str) -> Subscriber | None:
    return Subscriber.objects.filter(email=email.strip().lower()).first()


# --------------------------------------------------------------------------- issues


@dataclass
class IssueResult:
    issue: Issue
    created: bool
    recipients: int
    batches: int


def send_episode_issue(
    episode_id: int | None, subject: str, html: str, text: str, *, url: str = ""
) -> IssueResult:
    """Queue an issue for every confirmed subscriber who wants the weekly email.

    Runs in the caller's transaction (or its own): the issue, one outbox row per
    recipient (bulk-created in batches) and one send task per batch commit together.
    Calling it again for the same episode creates no second issue and no second row
    (``unique(issue, subscriber)``); subscribers who confirmed in between are added.
    """
    with transaction.atomic():
        if episode_id is not None:
            issue, created = Issue.objects.get_or_create(
                episode_id=episode_id,
                defaults={"subject": subject, "body_html": html, "body_text": text, "url": url},
            )
        else:
            issue, created = (
                Issue.objects.create(subject=subject, body_html=html, body_text=text, url=url),
                True,
            )
        already = set(issue.messages.values_list("subscriber_id", flat=True))
        recipient_ids = list(
            Subscriber.objects.filter(status=Subscriber.Status.CONFIRMED, weekly_episodes=True)
            .exclude(pk__in=already)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        size = settings.NEWSLETTER_BATCH_SIZE
        now = timezone.now()
        batches = 0
        for start in range(0, len(recipient_ids), size):
            chunk = recipient_ids[start : start + size]
            batch = outbox.new_batch()
            OutboxMessage.objects.bulk_create(
                [
                    OutboxMessage(
                        kind=OutboxMessage.Kind.ISSUE,
                        subscriber_id=pk,
                        issue=issue,
                        batch=batch,
                        created_at=now,
                        next_attempt_at=now,
                    )
                    for pk in chunk
                ],
                batch_size=size,
                ignore_conflicts=True,
            )
            queue_batch(batch)
            batches += 1
        if batches:
            ensure_sweep_scheduled()
        issue.recipients = issue.messages.count()
        issue.save(update_fields=["recipients"])
    return IssueResult(issue, created, len(recipient_ids), batches)


def send_episode(episode: Any) -> IssueResult:
    """Build the weekly email from a publication ``Episode`` and queue it."""
    url = settings.SITE_URL + episode.get_absolute_url()
    article = getattr(episode, "article", None)
    context = {
        "episode": episode,
        "episode_url": url,
        "article": article,
        "article_url": settings.SITE_URL + article.get_absolute_url() if article else "",
        "site_name": settings.SITE_NAME,
    }
    html = render_to_string("newsletter/email/episode_body.html", context)
    text = render_to_string("newsletter/email/episode_body.txt", context)
    number = getattr(episode, "number", None)
    subject = f"Episode {number}: {episode.title}" if number else str(episode.title)
    return send_episode_issue(episode.pk, subject[:200], html, text, url=url)


# --------------------------------------------------------------------------- stats


@dataclass
class IssueStats:
    issue: Issue
    total: int
    sent: int
    failed: int
    waiting: int
    cancelled: int


def issue_stats(limit: int = 10) -> list[IssueStats]:
    S = OutboxMessage.Status
    issues = Issue.objects.annotate(
        n_total=Count("messages"),
        n_sent=Count("messages", filter=Q(messages__status=S.SENT)),
        n_failed=Count("messages", filter=Q(messages__status=S.FAILED)),
        n_waiting=Count("messages", filter=Q(messages__status__in=[S.PENDING, S.SENDING])),
        n_cancelled=Count("messages", filter=Q(messages__status=S.CANCELLED)),
    ).order_by("-created_at", "-pk")[:limit]
    return [
        IssueStats(i, i.n_total, i.n_sent, i.n_failed, i.n_waiting, i.n_cancelled)  # type: ignore[attr-defined]
        for i in issues
    ]


def subscriber_counts(weeks: int = 12, now: datetime | None = None) -> list[dict[str, Any]]:
    """Confirmed subscribers at the end of each of the last ``weeks`` weeks (oldest first).

    Replayed from the consent history (confirmed → subscribed; unsubscribed, suppressed or
    erased → not), so erasing someone does not rewrite the past.
    """
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    today = timezone.localtime(now, tz).date()
    end_of_week = today + timedelta(days=(6 - today.weekday()))  # weeks end on Sunday
    ends = []
    for back in range(weeks - 1, -1, -1):
        end_date = end_of_week - timedelta(weeks=back)
        end = datetime.combine(end_date + timedelta(days=1), datetime.min.time(), tzinfo=tz)
        ends.append((end_date, min(end, now)))
    A = ConsentRecord.Action
    events = (
        ConsentRecord.objects.filter(
            action__in=[A.CONFIRMED, A.WITHDRAWN, A.SUPPRESSED, A.ERASED],
            created_at__lte=ends[-1][1],
        )
        .order_by("created_at", "pk")
        .values_list("email_hash", "action", "created_at")
        .iterator(chunk_size=5000)
    )
    state: dict[str, bool] = {}
    current = 0
    rows: list[dict[str, Any]] = []
    pending = iter(ends)
    end_date, moment = next(pending)
    for email_hash, action, at in events:
        while at > moment:
            rows.append({"week_ending": end_date, "confirmed": current})
            end_date, moment = next(pending)
        subscribed = action == A.CONFIRMED
        if state.get(email_hash, False) != subscribed:
            current += 1 if subscribed else -1
            state[email_hash] = subscribed
    rows.append({"week_ending": end_date, "confirmed": current})
    for end_date, _ in pending:
        rows.append({"week_ending": end_date, "confirmed": current})
    return rows


def confirmation_rate(days: int = 30, now: datetime | None = None) -> dict[str, Any]:
    """Of the addresses that asked to subscribe in the window, how many confirmed."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    recent = ConsentRecord.objects.filter(created_at__gte=since)
    requested = set(
        recent.filter(action=ConsentRecord.Action.REQUESTED).values_list("email_hash", flat=True)
    )
    confirmed = set(
        recent.filter(
            action=ConsentRecord.Action.CONFIRMED, email_hash__in=list(requested)
        ).values_list("email_hash", flat=True)
    )
    rate = (len(confirmed) / len(requested)) if requested else None
    return {"days": days, "requested": len(requested), "confirmed": len(confirmed), "rate": rate}


def totals() -> dict[str, int]:
    counts = dict(
        Subscriber.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in Subscriber.Status.values}
