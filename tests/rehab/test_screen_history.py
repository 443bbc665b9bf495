"""Issue 10 in the app: a later screen sees the history answered at the assessment."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from backstride.rehab import services
from backstride.rehab.models import RedFlagScreen, RehabProfile

from .conftest import all_no, finish_assessment
from .test_program import travel

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("history", "weekly_yes", "urgency"),
    [
        ("yes", "neuro_spreading_numbness", "emergency"),
        ("unsure", "neuro_progressive_weakness", "emergency"),
        ("no", "neuro_spreading_numbness", "urgent"),
    ],
)
def test_past_cancer_at_the_assessment_with_new_numbness_weekly_is_an_emergency(
    athlete: Any, athlete_client: Any, clinician: Any, history: str, weekly_yes: str, urgency: str
) -> None:
    with travel(0):
        finish_assessment(athlete_client, all_no() | {"cancer_history": history})
        first = RedFlagScreen.objects.get(user=athlete)
        if first.stop:  # a past cancer pauses until the linked clinician has seen to it
            services.clear_red_flag(first, clinician, "Seen in clinic; known and treated.")
    with travel(7):
        response = athlete_client.post(
            reverse("rehab:screen", args=["weekly"]), all_no("weekly") | {weekly_yes: "yes"}
        )
        page = athlete_client.get(response["Location"]).content.decode()
    weekly = RedFlagScreen.objects.filter(user=athlete, kind="weekly").get()
    assert weekly.urgency == urgency
    assert RehabProfile.objects.get(user=athlete).paused
    if urgency == "emergency":
        assert "Get emergency help now" in page
        assert weekly.triggered[0]["combinations"] == ["combo-cancer-neurological"]
