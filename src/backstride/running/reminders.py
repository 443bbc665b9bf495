"""The follow-up reminder emails (next morning, 48 hours), sent at most once each.

Called by :mod:`.tasks` when the queued time comes. It looks again before sending: no email if
the answer was given meanwhile, the account is gone, or a red-flag answer has paused the
program; a conditional update marks the reminder sent, so a retried task never sends twice.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from backstride.lib.mail import templated_email
from backstride.rehab.services import stopping_screen

from .models import RunCheckIn

WINDOWS = {
    # window: (answer field, reminded-at field, subject, page)
    "next_morning": (
        "pain_next_morning",
        "morning_reminded_at",
        "How is your back this morning?",
        "running:morning",
    ),
    "h48": ("pain_48h", "h48_reminded_at", "Two days on: how is your back?", "running:h48"),
}


def send_followup(checkin_id: int, window: str) -> bool:
    """Send the ``window`` reminder for one check-in if it is still owed. True if sent."""
    answer, reminded, subject, page = WINDOWS[window]
    checkin = RunCheckIn.objects.select_related("user", "activity").filter(pk=checkin_id).first()
    if checkin is None or not checkin.user.is_active or stopping_screen(checkin.user):
        return False
    claimed = RunCheckIn.objects.filter(
        pk=checkin_id, **{f"{answer}__isnull": True, f"{reminded}__isnull": True}
    ).update(**{reminded: timezone.now()})
    if not claimed:
        return False  # answered already, or reminded already
    user = checkin.user
    context = {
        "user": user,
        "link": settings.SITE_URL + reverse(page, args=[checkin.pk]),
        "session_on": checkin.activity.start.astimezone(user.tzinfo).date(),
        "window": window,
    }
    templated_email(
        "running/email/followup", f"{subject} · {settings.SITE_NAME}", user.email, context
    ).send()
    return True
