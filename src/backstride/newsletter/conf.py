"""Newsletter knobs: a Django setting of the same name wins, then the environment, then the default.

The newsletter does not own ``settings.py``, so each knob reads ``settings.<NAME>`` if a
deployment defines it, else the environment variable ``<NAME>``.
"""

from __future__ import annotations

import functools
import os
from email.utils import parseaddr

from django.conf import settings


def _int(name: str, default: int) -> int:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, "")
    try:
        return int(value) if str(value).strip() else default
    except ValueError:
        return default


def confirm_max_age() -> int:
    """Seconds a confirmation link stays valid (7 days)."""
    return _int("NEWSLETTER_CONFIRM_MAX_AGE", 7 * 24 * 3600)


def manual_link_max_age() -> int:
    """Seconds a signed manual download link stays valid (30 days)."""
    return _int("NEWSLETTER_MANUAL_LINK_MAX_AGE", 30 * 24 * 3600)


def batch_size() -> int:
    """Recipients per send task (one SMTP connection per batch)."""
    return max(1, _int("NEWSLETTER_BATCH_SIZE", 500))


def lease_seconds() -> int:
    """A claimed outbox row whose claim is older than this is assumed abandoned and retried."""
    return max(1, _int("NEWSLETTER_LEASE_SECONDS", 300))


def max_attempts() -> int:
    """Attempts per message for temporary per-recipient failures before it is marked failed."""
    return max(1, _int("NEWSLETTER_MAX_ATTEMPTS", 8))


def backoff_base() -> int:
    """First retry delay in seconds; doubles per attempt up to ``backoff_cap``."""
    return max(1, _int("NEWSLETTER_BACKOFF_BASE", 30))


def backoff_cap() -> int:
    return max(1, _int("NEWSLETTER_BACKOFF_CAP", 3600))


def address_limit() -> tuple[int, int]:
    """At most N confirmation emails per address per window (seconds)."""
    return _int("NEWSLETTER_ADDRESS_LIMIT", 3), _int("NEWSLETTER_ADDRESS_WINDOW", 24 * 3600)


def ip_limit() -> tuple[int, int]:
    """At most N signups per client IP per window (seconds)."""
    return _int("NEWSLETTER_IP_LIMIT", 10), _int("NEWSLETTER_IP_WINDOW", 3600)


def sender_domain() -> str:
    return _domain_of(settings.DEFAULT_FROM_EMAIL)


@functools.lru_cache(maxsize=8)
def _domain_of(from_email: str) -> str:
    address = parseaddr(from_email)[1]
    return address.rsplit("@", 1)[-1] if "@" in address else "localhost"


def unsubscribe_mailbox() -> str:
    """The mailto: address of List-Unsubscribe (inbound via anymail, or read by a person)."""
    configured = getattr(settings, "NEWSLETTER_UNSUBSCRIBE_MAILTO", None) or os.environ.get(
        "NEWSLETTER_UNSUBSCRIBE_MAILTO", ""
    )
    return configured or f"unsubscribe@{sender_domain()}"
