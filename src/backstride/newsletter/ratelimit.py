"""The signup rate-limit ledger: one row per attempt, keyed by a hash, kept for its window."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q

from .models import SignupAttempt


def windows() -> dict[str, tuple[int, int]]:
    """Each kind of attempt: (at most this many, per this many seconds)."""
    return {
        SignupAttempt.Kind.IP: (settings.NEWSLETTER_IP_LIMIT, settings.NEWSLETTER_IP_WINDOW),
        SignupAttempt.Kind.ADDRESS: (
            settings.NEWSLETTER_ADDRESS_LIMIT,
            settings.NEWSLETTER_ADDRESS_WINDOW,
        ),
    }


def allow(kind: str, key: str, now: datetime) -> datetime | None:
    """Record an attempt if ``key`` is under its limit: the time the new row expires, or
    None when the limit is reached (nothing recorded)."""
    limit, window = windows()[kind]
    since = now - timedelta(seconds=window)
    if (
        SignupAttempt.objects.filter(kind=kind, key_hash=key, created_at__gte=since).count()
        >= limit
    ):
        return None
    SignupAttempt.objects.create(kind=kind, key_hash=key, created_at=now)
    return now + timedelta(seconds=window + 1)


def prune(now: datetime) -> int:
    """Delete rows older than their kind's window (they no longer count against any limit);
    returns how many. Idempotent, and one indexed DELETE."""
    expired = Q(pk__in=[])
    for kind, (_, window) in windows().items():
        expired |= Q(kind=kind, created_at__lt=now - timedelta(seconds=window))
    deleted, _ = SignupAttempt.objects.filter(expired).delete()
    return deleted


def next_expiry() -> datetime | None:
    """When the oldest remaining row expires, if any rows remain."""
    expiries = [
        oldest + timedelta(seconds=window + 1)
        for kind, (_, window) in windows().items()
        if (
            oldest := SignupAttempt.objects.filter(kind=kind)
            .order_by("created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        is not None
    ]
    return min(expiries, default=None)
