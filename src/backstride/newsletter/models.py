"""Subscribers, suppressions, issues and the outbox.

Every email to a subscriber is an :class:`OutboxMessage` row written in the same
transaction as the change that causes it (signup, confirmation, an episode going live);
the worker sends rows after commit and records per-recipient delivery state. See
``docs/newsletter.md`` for the delivery guarantees.
"""

from __future__ import annotations

import secrets
from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone

from backstride.accounts.models import ConsentSource


def new_public_id() -> str:
    return secrets.token_urlsafe(16)


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


#: Where a signup came from: the one list of consent sources, shared with accounts.
Source = ConsentSource


class Subscriber(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for confirmation"
        CONFIRMED = "confirmed", "Subscribed"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
        BOUNCED = "bounced", "Bounced"
        COMPLAINED = "complained", "Marked as spam"

    public_id = models.CharField(max_length=32, unique=True, default=new_public_id, editable=False)
    email = models.EmailField(max_length=254, unique=True, help_text="Stored in lower case.")
    first_name = models.CharField(max_length=80, blank=True)
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    weekly_episodes = models.BooleanField(default=True, help_text="Send the weekly episode email.")
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.OTHER)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    confirmed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at"]

    def __str__(self) -> str:
        return self.email

    @property
    def is_confirmed(self) -> bool:
        return self.status == self.Status.CONFIRMED

    @property
    def receives_episodes(self) -> bool:
        return self.is_confirmed and self.weekly_episodes


class ConfirmationToken(models.Model):
    """The single-use nonce behind a signed confirmation link, with the signup context."""

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="tokens")
    nonce = models.CharField(max_length=64, default=new_nonce, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.OTHER)
    wording_version = models.CharField(max_length=20)
    first_name = models.CharField(max_length=80, blank=True)

    def __str__(self) -> str:
        return f"confirmation token {self.pk} for subscriber {self.subscriber_id}"


class Suppression(models.Model):
    """Addresses we must not email (bounces, complaints, erasure), stored only as a keyed hash."""

    class Reason(models.TextChoices):
        BOUNCED = "bounced", "Hard bounce"
        COMPLAINED = "complained", "Spam complaint"
        ERASED = "erased", "Erased on request"
        MANUAL = "manual", "Added by an editor"

    email_hash = models.CharField(max_length=64, unique=True)
    reason = models.CharField(max_length=12, choices=Reason.choices)
    detail = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.reason} {self.email_hash[:12]}…"


class SignupAttempt(models.Model):
    """Rate-limit ledger: one row per confirmation email (per address) and per signup (per IP).

    ``key_hash`` is a keyed hash, never the address or IP itself. Recording a row schedules
    the ``prune_signup_attempts`` task (see :class:`PruneSchedule`), which deletes rows older
    than their window.
    """

    class Kind(models.TextChoices):
        ADDRESS = "address", "Address"
        IP = "ip", "IP"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["kind", "key_hash", "created_at"], name="nl_attempt_lookup"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} attempt at {self.created_at:%Y-%m-%d %H:%M}"


class Issue(models.Model):
    """One newsletter send (the weekly episode email). ``episode_id`` makes a re-run idempotent."""

    episode_id = models.PositiveIntegerField(null=True, blank=True, unique=True)
    subject = models.CharField(max_length=200)
    body_html = models.TextField()
    body_text = models.TextField()
    url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.subject


class OutboxMessage(models.Model):
    """One email to one subscriber, with its delivery state."""

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", "Confirmation"
        ALREADY = "already", "Already subscribed notice"
        WELCOME = "welcome", "Welcome with the manual"
        ISSUE = "issue", "Weekly episode"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="outbox")
    issue = models.ForeignKey(
        Issue, on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
    )
    token = models.ForeignKey(
        ConfirmationToken, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    batch = models.CharField(max_length=32)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    handed_over_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Recorded just before the final '.' of SMTP DATA (the commit point).",
    )
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["pk"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["issue", "subscriber"],
                condition=Q(issue__isnull=False),
                name="nl_outbox_one_per_issue_and_subscriber",
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["batch", "status"], name="nl_outbox_batch"),
            models.Index(fields=["status", "next_attempt_at"], name="nl_outbox_due"),
            models.Index(fields=["status", "claimed_at"], name="nl_outbox_claims"),
            models.Index(fields=["claimed_at"], name="nl_outbox_claimed_at"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to subscriber {self.subscriber_id}: {self.status}"


class SweepSchedule(models.Model):
    """A single row: when the next outbox sweep (stale-claim recovery) is due, if any."""

    due_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"next sweep {self.due_at}"


class PruneSchedule(models.Model):
    """A single row: when the next pruning of expired :class:`SignupAttempt` rows is due."""

    due_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"next prune {self.due_at}"
