"""Reading an athlete's rehab records: their protocol, health consent, open stops and advice.

The lowest module of the rehab app: tasks and services both read through it, and it never
queues anything, so services → tasks → records has no loop.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from backstride.accounts.models import ConsentRecord
from backstride.core.protocol import Protocol, default_protocol
from backstride.core.safety_floor import parse_tailored
from backstride.core.triage import PAUSING_URGENCIES

from .models import HEALTH_CONSENT_KIND, RedFlagScreen, RehabProfile


def protocol_for(user: Any) -> Protocol:
    """The athlete's tailored protocol if a clinician saved one, else the shipped default."""
    profile = RehabProfile.objects.filter(user=user).only("protocol_text").first()
    if profile is not None and profile.protocol_text.strip():
        return parse_cached(profile.protocol_text)
    return default_protocol()


_PARSED: dict[int, Protocol] = {}


def parse_cached(text: str) -> Protocol:
    key = hash(text)
    if key not in _PARSED:
        if len(_PARSED) > 64:
            _PARSED.clear()
        _PARSED[key] = parse_tailored(text, filename="tailored protocol")
    return _PARSED[key]


def has_health_consent(user: Any) -> bool:
    latest = (
        ConsentRecord.objects.filter(user=user, kind=HEALTH_CONSENT_KIND)
        .order_by("-created_at", "-pk")
        .first()
    )
    return bool(latest and latest.given)


def stopping_screen(user: Any) -> RedFlagScreen | None:
    """The latest pausing screen (emergency or urgent) not yet cleared by a clinician."""
    return (
        RedFlagScreen.objects.filter(
            user=user, stop=True, clearance__isnull=True, urgency__in=PAUSING_URGENCIES
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def open_soon_screen(screen_id: int) -> RedFlagScreen | None:
    """The screen if its "soon" advice is still open (not declared seen, not cleared)."""
    return (
        RedFlagScreen.objects.filter(
            pk=screen_id, stop=True, clearance__isnull=True, declaration__isnull=True
        )
        .exclude(urgency__in=PAUSING_URGENCIES)
        .select_related("user")
        .first()
    )


def reminder_time(user: Any, day: date) -> datetime:
    """08:00 in the athlete's time zone on ``day``."""
    return datetime.combine(day, time(8, 0), tzinfo=user.tzinfo)


def urgency_advice(user: Any, screen: RedFlagScreen) -> Any:
    protocol = protocol_for(user)
    return protocol.urgency.get(screen.urgency)
