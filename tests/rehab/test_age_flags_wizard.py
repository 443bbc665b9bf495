"""The assessment asks about a fall or knock, and its age flags reach the screen (issue 10)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from backstride.rehab.models import Assessment, RedFlagScreen

from .conftest import STEP_ANSWERS, all_no, answer_steps, finish_assessment, give_consent, step_url
from .test_program import travel

pytestmark = pytest.mark.django_db

# (age, first episode?, fall answer, where the red-flag step leads, urgency, age flag)
CASES = [
    ("40", "first", "yes", "rehab:assessment_result", "", None),
    ("49", "first", "no", "rehab:assessment_result", "", None),
    ("50", "first", "no", "rehab:assessment_result", "soon", "age-first-episode-50"),
    ("64", "before", "yes", "rehab:assessment_result", "", None),
    ("65", "before", "yes", "rehab:stop", "urgent", "age-fall-fracture"),
    ("72", "before", "unsure", "rehab:stop", "urgent", "age-fall-fracture"),
    ("72", "before", "no", "rehab:assessment_result", "", None),
]


@pytest.mark.parametrize(("age", "episodes", "fall", "goes_to", "urgency", "flag"), CASES)
def test_the_assessment_applies_the_age_flags(
    athlete: Any,
    athlete_client: Any,
    age: str,
    episodes: str,
    fall: str,
    goes_to: str,
    urgency: str,
    flag: str | None,
) -> None:
    history = STEP_ANSWERS["history"] | {"age": age, "episodes": episodes, "after_fall": fall}
    with travel(0):
        response = finish_assessment(athlete_client, all_no(), history=history)
    assert response["Location"] == reverse(goes_to)
    screen = RedFlagScreen.objects.get(user=athlete)
    assert screen.urgency == urgency
    assert [t["id"] for t in screen.triggered] == ([flag] if flag else [])


def test_the_fall_question_must_be_answered(athlete_client: Any) -> None:
    give_consent(athlete_client)
    history = {k: v for k, v in STEP_ANSWERS["history"].items() if k != "after_fall"}
    response = athlete_client.post(step_url("history"), history)
    assert response.status_code == 200
    assert "fall or a knock" in response.content.decode()


def test_a_history_saved_before_the_fall_question_is_asked_again(
    athlete: Any, athlete_client: Any
) -> None:
    give_consent(athlete_client)
    answer_steps(athlete_client)
    assessment = Assessment.objects.get(user=athlete)
    data = dict(assessment.data)
    data["history"] = {k: v for k, v in data["history"].items() if k != "after_fall"}
    assessment.data = data
    assessment.save()
    response = athlete_client.get(reverse("rehab:assessment"))
    assert response["Location"] == step_url("history")
