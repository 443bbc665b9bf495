"""NPRS + PSFS: validation, the chart with its MCID line, and the reminder task."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from backstride.rehab.models import OutcomeReminder, OutcomeScore
from backstride.rehab.tasks import send_outcome_reminder
from tests.conftest import email_text

pytestmark = pytest.mark.django_db
START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
NEW = reverse("rehab:outcomes_new")


def scores(nprs: int, ratings: list[int], names: list[str] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"nprs": nprs}
    for i, rating in enumerate(ratings):
        if names is not None:
            data[f"activity_{i}"] = names[i]
        data[f"rating_{i}"] = rating
    return data


BASELINE = scores(7, [2, 4, 3], ["Sitting at work", "Tying shoelaces", "Jogging"])


def record_baseline(client: Any) -> None:
    """The athlete's first scores (BASELINE), recorded at START."""
    with time_machine.travel(START, tick=False):
        client.post(NEW, BASELINE)


def test_baseline_scores_are_saved_with_their_activities(
    athlete: Any, athlete_client: Any, placed: Any
) -> None:
    response = athlete_client.post(NEW, BASELINE)
    assert response["Location"] == reverse("rehab:outcomes")
    nprs = OutcomeScore.objects.get(user=athlete, measure="nprs")
    psfs = OutcomeScore.objects.get(user=athlete, measure="psfs")
    assert nprs.score == 7 and psfs.score == 3.0
    assert [i["activity"] for i in psfs.items] == ["Sitting at work", "Tying shoelaces", "Jogging"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (scores(11, [2], ["Sitting"]), "Choose a whole number from 0 to 10."),
        (scores(5, [], []), "Name at least one activity"),
        (scores(5, [12], ["Sitting"]), "Choose a whole number from 0 to 10."),
        ({"nprs": 5, "activity_0": "Sitting"}, "Rate this activity from 0 to 10."),
        ({"nprs": 5, "rating_0": 4}, "Name the activity you are rating."),
        ({"activity_0": "Sitting", "rating_0": 4}, "Please answer this question."),
    ],
)
def test_bad_scores_are_refused(
    athlete: Any, athlete_client: Any, placed: Any, data: dict, message: str
) -> None:
    response = athlete_client.post(NEW, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not OutcomeScore.objects.filter(user=athlete).exists()


def test_follow_up_rates_the_same_activities_and_ignores_tampered_names(
    athlete: Any, athlete_client: Any, placed: Any
) -> None:
    athlete_client.post(NEW, BASELINE)
    form = athlete_client.get(NEW).context["form"]
    assert form.fixed and len(form.rows) == 3
    athlete_client.post(NEW, scores(4, [5, 6, 6], ["Hacked", "Names", "Here"]))
    latest = OutcomeScore.objects.filter(user=athlete, measure="psfs").last()
    assert [i["activity"] for i in latest.items] == [
        "Sitting at work",
        "Tying shoelaces",
        "Jogging",
    ]
    response = athlete_client.post(NEW, scores(4, [5, 6]))
    assert "Please rate every activity" in response.content.decode()


def test_outcome_chart_marks_the_mcid_and_has_a_data_table(
    athlete: Any, athlete_client: Any, placed: Any
) -> None:
    record_baseline(athlete_client)
    with time_machine.travel(START + timedelta(days=14), tick=False):
        athlete_client.post(NEW, scores(4, [5, 6, 6]))
        page = athlete_client.get(reverse("rehab:outcomes")).content.decode()
    assert '<line class="mcid"' in page and "MCID 5" in page  # 7 → meaningful at ≤ 5 (2 points)
    assert "MCID 5" in page and '<circle class="point reached"' in page
    assert '<table class="data">' in page and ">Start<" in page and "(better)" in page
    assert "Clinically important improvement" in page
    assert "Childs et al., Spine 2005" in page


def test_recording_scores_queues_a_reminder_for_two_weeks_later(
    athlete: Any, athlete_client: Any, placed: Any, run_tasks: Any, smtp_server: Any
) -> None:
    with time_machine.travel(START, tick=False):
        athlete_client.post(NEW, BASELINE)
        assert run_tasks() == 0  # not due yet
    with time_machine.travel(START + timedelta(days=14, hours=1), tick=False):
        assert run_tasks() == 1
    body = email_text(smtp_server.only_email(athlete.email, "progress check"))
    assert "/rehab/outcomes/new/" in body
    assert OutcomeReminder.objects.filter(user=athlete).count() == 1


def test_reminder_is_not_sent_when_scores_were_already_recorded(
    athlete: Any, athlete_client: Any, placed: Any
) -> None:
    record_baseline(athlete_client)
    with time_machine.travel(START + timedelta(days=14), tick=False):
        athlete_client.post(NEW, scores(5, [3, 4, 4]))
        due = (START + timedelta(days=14)).date().isoformat()
        assert send_outcome_reminder.call(athlete.pk, due) is False


def test_reminder_is_sent_once_per_due_date(
    athlete: Any, athlete_client: Any, placed: Any, mailoutbox: Any
) -> None:
    record_baseline(athlete_client)
    due = (START + timedelta(days=14)).date().isoformat()
    assert send_outcome_reminder.call(athlete.pk, due) is True
    assert send_outcome_reminder.call(athlete.pk, due) is False
    assert len(mailoutbox) == 1
