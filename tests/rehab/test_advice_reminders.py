"""Open "soon" advice (see your GP within weeks) is reminded by email once a week through the
task queue, until the athlete records being seen or a clinician clears it (issue 10)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from backstride.core.protocol import default_protocol
from backstride.rehab import services
from backstride.rehab.models import AdviceReminder, RedFlagScreen
from backstride.rehab.tasks import send_advice_reminder
from tests.conftest import email_text

from .conftest import all_no, finish_assessment
from .test_program import START, travel

pytestmark = pytest.mark.django_db

SOON = "inflammatory_morning_stiffness"


def run_on(day: int, run_tasks: Any) -> int:
    with time_machine.travel(START + timedelta(days=day, hours=1), tick=False):
        return int(run_tasks())


# (flag answered yes, what happens on day 10, emails by day 15)
CASES = [
    (SOON, None, 2),  # days 7 and 14
    (SOON, "declared", 1),  # seen on day 10: day 14 sends nothing
    (SOON, "cleared", 1),  # a linked clinician cleared it on day 10
    ("infection_fever", None, 0),  # urgent: the stop page speaks, no "soon" reminder
    (None, None, 0),  # nothing triggered
]


@pytest.mark.parametrize(("flag", "event", "emails"), CASES)
def test_open_soon_advice_is_reminded_weekly_until_seen_or_cleared(
    athlete: Any,
    athlete_client: Any,
    clinician: Any,
    run_tasks: Any,
    smtp_server: Any,
    flag: str | None,
    event: str | None,
    emails: int,
) -> None:
    with travel(0):
        finish_assessment(athlete_client, all_no() | ({flag: "yes"} if flag else {}))
    run_on(0, run_tasks)
    assert not smtp_server.messages  # nothing due on day 0
    run_on(7, run_tasks)
    if event:
        screen = RedFlagScreen.objects.get(user=athlete)
        with travel(10):
            if event == "declared":
                services.declare_seen_clinician(athlete, screen.pk, "GP visit")
            else:
                services.clear_red_flag(screen, clinician, "Assessed: mechanical back pain.")
    run_on(14, run_tasks)
    if emails:
        smtp_server.wait_for(emails)
    assert len(smtp_server.messages) == emails
    for message in smtp_server.messages:
        assert message["To"] == athlete.email and "see your GP" in message["Subject"]
        body = email_text(message)
        assert reverse("rehab:today") in body and "999" in body
        reason = default_protocol().red_flag(SOON).reason
        assert reason.split(".")[0] in body


def test_an_advice_reminder_for_a_seen_screen_sends_nothing_and_ends_the_chain(
    athlete: Any, athlete_client: Any, run_tasks: Any
) -> None:
    with travel(0):
        finish_assessment(athlete_client, all_no() | {SOON: "yes"})
    screen = RedFlagScreen.objects.get(user=athlete)
    services.declare_seen_clinician(athlete, screen.pk)
    due = (START + timedelta(days=7)).date().isoformat()
    assert send_advice_reminder.call(screen.pk, due) is False
    assert run_on(30, run_tasks) == 1  # the queued one ran, and queued no other
    assert run_on(60, run_tasks) == 0


@pytest.mark.parametrize(
    ("urgency", "words"),
    [("soon", "within the next few weeks"), ("urgent", "today"), ("emergency", "now")],
)
def test_soon_advice_says_weeks_not_days(urgency: str, words: str) -> None:
    advice = default_protocol().urgency[urgency]
    assert words in advice.title.lower() or words in advice.action.lower()
    if urgency == "soon":
        assert "few days" not in advice.title + advice.action


@pytest.mark.parametrize("runs", [1, 2, 3])
def test_a_retried_advice_reminder_job_sends_one_email(
    athlete: Any, athlete_client: Any, run_tasks: Any, smtp_server: Any, runs: int
) -> None:
    """A job that runs again (a retry, a worker lost after sending) finds the reminder for
    this screen and due date already claimed: one email, and one next reminder queued."""
    with travel(0):
        finish_assessment(athlete_client, all_no() | {SOON: "yes"})
    screen = RedFlagScreen.objects.get(user=athlete)
    due = (START + timedelta(days=7)).date().isoformat()
    with time_machine.travel(START + timedelta(days=7, hours=1), tick=False):
        sent = [send_advice_reminder.call(screen.pk, due) for _ in range(runs)]
    assert sent == [True] + [False] * (runs - 1)
    smtp_server.wait_for(1)
    assert len(smtp_server.messages) == 1
    assert AdviceReminder.objects.filter(screen=screen).count() == 1
    # the queued day-7 job finds it sent; the one queued for day 14 sends the next email
    assert run_on(7, run_tasks) == 1
    run_on(14, run_tasks)
    smtp_server.wait_for(2)
    assert len(smtp_server.messages) == 2
