"""Next-morning and 48-hour reminders: queued at 08:00 in the athlete's time zone, sent once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from backstride.running import checkins

from .conftest import NOW, TODAY, session

pytestmark = pytest.mark.django_db


def answers(**over):
    base = {"pain_during": 2, "pain_after": 1, "leg_new": False, "leg_spreading": False}
    return checkins.CheckInAnswers(**(base | over))


def test_next_morning_reminder_goes_at_8_local_time_once(runner, run_tasks, smtp_server):
    runner.timezone = "America/New_York"
    runner.save()
    with time_machine.travel(NOW, tick=False):  # 13:00 in New York
        c = checkins.record_checkin(runner, session(runner, TODAY), answers())
        assert run_tasks() == 0  # not yet due
    # 07:59 New York = 12:59 UTC the next day: still not due
    with time_machine.travel(datetime(2025, 1, 16, 12, 59, tzinfo=UTC), tick=False):
        assert run_tasks() == 0
    with time_machine.travel(datetime(2025, 1, 16, 13, 1, tzinfo=UTC), tick=False):
        assert run_tasks() == 1
        message = smtp_server.only_email(runner.email, "this morning")
        assert f"/running/check-ins/{c.pk}/morning/" in message.get_body(("plain",)).get_content()
        assert run_tasks() == 0
    assert len(smtp_server.messages) == 1


def test_no_reminder_when_already_answered(runner, run_tasks, smtp_server):
    with time_machine.travel(NOW, tick=False):
        c = checkins.record_checkin(runner, session(runner, TODAY), answers())
    with time_machine.travel(NOW + timedelta(days=1) - timedelta(hours=11), tick=False):
        checkins.record_morning(runner, c, 0)  # 07:00 the next morning, before the email
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        run_tasks()
    assert smtp_server.messages == []


def test_48h_reminder_only_when_not_settled(runner, run_tasks, smtp_server):
    with time_machine.travel(NOW, tick=False):
        settled = checkins.record_checkin(runner, session(runner, TODAY), answers(pain_evening=1))
        sore = checkins.record_checkin(
            runner, session(runner, TODAY, hour=9), answers(pain_evening=1)
        )
    with time_machine.travel(NOW + timedelta(hours=14), tick=False):  # 08:00 next day
        assert run_tasks() == 2
        checkins.record_morning(runner, settled, 0)
        checkins.record_morning(runner, sore, 3)
    smtp_server.clear()
    with time_machine.travel(NOW + timedelta(days=2), tick=False):
        assert run_tasks() == 1
        (message,) = smtp_server.wait_for(1)
        assert "Two days on" in message["Subject"]
        assert (
            f"/running/check-ins/{sore.pk}/48-hours/" in message.get_body(("plain",)).get_content()
        )
        checkins.record_48h(runner, sore, 0)
    sore.refresh_from_db()
    assert sore.pain_48h == 0
