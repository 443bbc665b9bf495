"""``{% running_today user as rt %}``: what Today asks about running (check-ins owed, the next
session), from the running services."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template

from backstride.accounts import freshness
from backstride.accounts.models import User
from backstride.running import checkins, services

register = template.Library()


@register.simple_tag
def running_today(user: Any) -> dict[str, Any]:
    if not isinstance(user, User) or not user.is_athlete:
        return {}
    today = services.local_today(user)
    return freshness.cached(user, "running-today", today, lambda: _card(user, today))


def _card(user: User, today: date) -> dict[str, Any]:
    pending = checkins.pending_checkins(user, today)
    followups = checkins.due_followups(user, today)
    rx = services.prescription_for(user, today)
    if not (pending or followups or rx.sessions):
        return {}
    return {
        "pending": pending,
        "followups": followups,
        "next": rx.sessions[0] if rx.sessions else None,
    }
