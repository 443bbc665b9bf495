"""Reading an athlete's rehab records: their protocol, health consent, open stops and advice.

The lowest module of the rehab app: tasks and services both read through it, and it never
queues anything, so services → tasks → records has no loop.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.db.models import Q

from backstride.accounts.models import ConsentRecord
from backstride.core.protocol import Protocol, default_protocol
from backstride.core.safety_floor import parse_tailored
from backstride.core.triage import PAUSING_URGENCIES
from backstride.lib.snapshot import remembered

from .models import HEALTH_CONSENT_KIND, RedFlagClearance, RedFlagScreen, RehabProfile


@remembered
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


@remembered
def profile_for(user: Any) -> RehabProfile:
    """The athlete's rehab profile, made on first use."""
    profile, _ = RehabProfile.objects.get_or_create(user=user)
    return profile


@remembered
def has_health_consent(user: Any) -> bool:
    latest = (
        ConsentRecord.objects.filter(user=user, kind=HEALTH_CONSENT_KIND)
        .order_by("-created_at", "-pk")
        .first()
    )
    return bool(latest and latest.given)


@remembered
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


def earlier_answers(user: Any) -> dict[str, str]:
    """The latest answer to every red-flag question in the athlete's earlier screens (the
    assessment's history, such as a past cancer), for the combinations of a later screen."""
    out: dict[str, str] = {}
    for answers in (
        RedFlagScreen.objects.filter(user=user)
        .order_by("-created_at", "-pk")
        .values_list("answers", flat=True)
    ):
        for flag_id, value in (answers or {}).items():
            out.setdefault(flag_id, value)
    return out


def open_advice(user: Any) -> RedFlagScreen | None:
    """The latest "soon" screen not yet seen to: the program stays open, and Today shows the
    advice (see a GP within weeks, and why) every day until the athlete records that they
    have been seen, or a linked clinician clears it."""
    return (
        RedFlagScreen.objects.filter(
            user=user, stop=True, clearance__isnull=True, declaration__isnull=True
        )
        .exclude(urgency__in=PAUSING_URGENCIES)
        .order_by("-created_at", "-pk")
        .first()
    )


def weekly_screen_due(user: Any, protocol: Protocol, today: date) -> bool:
    """True when the last clear screen (or clinician clearance) is a week old or more."""
    moments = [
        RedFlagScreen.objects.filter(Q(stop=False) | ~Q(urgency__in=PAUSING_URGENCIES), user=user)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first(),
        RedFlagClearance.objects.filter(screen__user=user)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first(),
    ]
    known = [m for m in moments if m is not None]
    if not known:
        return True
    last_day = max(known).astimezone(user.tzinfo).date()
    return (today - last_day).days >= protocol.weekly_every_days
