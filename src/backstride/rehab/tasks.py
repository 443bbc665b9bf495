"""Background work for rehab: outcome-measure and "see your GP" reminders through the queue.

When scores are recorded, a reminder is queued for the next due date (08:00 in the athlete's
time zone). When it runs it checks again: no email if the scores were already recorded, or
if this due date was already reminded.

When a screen gives "soon" advice (see a GP within weeks; the program stays open), a reminder
is queued for a week later; while the advice is still open (not declared seen, not cleared
by a clinician) each one emails the athlete and queues the next, a week on. Each screen and
due date is claimed (``AdviceReminder``) before the email goes, so a retried job sends once.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django_tasks import task

from backstride.accounts.models import User
from backstride.core.protocol import Protocol
from backstride.lib.mail import templated_email
from backstride.lib.queue import enqueue_after_commit

from .models import AdviceReminder, OutcomeReminder, OutcomeScore
from .records import (
    has_health_consent,
    open_soon_screen,
    reminder_time,
    stopping_screen,
    urgency_advice,
)

log = logging.getLogger(__name__)


@task()
def send_outcome_reminder(user_id: int, due_on: str) -> bool:
    """Email the athlete that their NPRS and PSFS scores are due. Returns True if sent."""

    due = date.fromisoformat(due_on)
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not has_health_consent(user):
        return False
    if OutcomeScore.objects.filter(user=user, day__gte=due).exists():
        return False  # already recorded on or after the due date
    try:
        with transaction.atomic():
            OutcomeReminder.objects.create(user=user, due_on=due)
    except IntegrityError:
        return False  # reminded already
    templated_email(
        "rehab/email/outcome_reminder",
        f"Time for your 2-minute progress check · {settings.SITE_NAME}",
        user.email,
        {"user": user, "link": settings.SITE_URL + reverse("rehab:outcomes_new"), "due_on": due},
    ).send()
    return True


def schedule_outcome_reminder(user: Any, protocol: Protocol, recorded_on: date) -> None:
    """Queue the reminder for the next due date, in the same transaction as the scores."""

    due = recorded_on + timedelta(days=protocol.outcomes.interval_days)
    backend = send_outcome_reminder.get_backend()
    if getattr(backend, "supports_defer", False):
        deferred = send_outcome_reminder.using(run_after=reminder_time(user, due))
        enqueue_after_commit(deferred, user.pk, due.isoformat())
    else:  # a backend without deferral: nothing to queue now; the check runs when due
        log.info("tasks backend cannot defer; outcome reminder for %s not queued", user.pk)


@task()
def send_advice_reminder(screen_id: int, due_on: str) -> bool:
    """Email the athlete that the "soon" advice of a screen is still open, then queue the
    next reminder a week later. Returns True if sent.

    Nothing is sent (and the weekly chain ends) once the athlete has recorded being seen, a
    clinician has cleared it, or the account or health consent is gone. While a more urgent
    stop is open the stop page speaks instead: no email, but the chain goes on.
    """

    screen = open_soon_screen(screen_id)
    if screen is None or not screen.user.is_active or not has_health_consent(screen.user):
        return False
    user = screen.user
    due = date.fromisoformat(due_on)
    if stopping_screen(user) is not None:
        schedule_advice_reminder(screen, due + timedelta(days=ADVICE_REMINDER_DAYS))
        return False
    # Claim this screen's due date before sending (a conditional insert: the unique
    # constraint lets one run win). A retried job finds it claimed: no second email, and no
    # second chain of reminders.
    try:
        with transaction.atomic():
            AdviceReminder.objects.create(screen=screen, due_on=due)
            schedule_advice_reminder(screen, due + timedelta(days=ADVICE_REMINDER_DAYS))
    except IntegrityError:
        return False  # reminded already
    advice = urgency_advice(user, screen)
    context = {
        "user": user,
        "link": settings.SITE_URL + reverse("rehab:today"),
        "advice": advice,
        "since": screen.created_at.astimezone(user.tzinfo).date(),
        "reasons": [t["reason"] for t in screen.triggered],
    }
    templated_email(
        "rehab/email/advice_reminder",
        f"A reminder to see your GP about your back · {settings.SITE_NAME}",
        user.email,
        context,
    ).send()
    return True


#: Days between reminders of open "soon" advice (how often, not a clinical threshold).
ADVICE_REMINDER_DAYS = 7


def schedule_advice_reminder(screen: Any, due: date) -> None:
    """Queue the advice reminder for 08:00 local on ``due``, in the current transaction."""

    backend = send_advice_reminder.get_backend()
    if getattr(backend, "supports_defer", False):
        deferred = send_advice_reminder.using(run_after=reminder_time(screen.user, due))
        enqueue_after_commit(deferred, screen.pk, due.isoformat())
    else:  # a backend without deferral: Today still shows the advice every day
        log.info("tasks backend cannot defer; advice reminder for %s not queued", screen.pk)
