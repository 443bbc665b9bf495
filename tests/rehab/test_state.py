"""One answer to "where must this athlete be?" for every page."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from backstride.rehab import guide, services
from backstride.rehab.models import RehabProfile
from backstride.rehab.state import AthleteState, Stage, athlete_state

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("stage", "placed", "pending_ok", "blocked"),
    [
        (Stage.CONSENT, False, False, True),
        (Stage.STOPPED, False, True, True),  # nothing gets past a red-flag stop
        (Stage.ASSESSMENT, False, False, False),  # the wizard itself
        (Stage.ASSESSMENT, True, True, True),
        (Stage.SCREEN, True, False, True),
        (Stage.SCREEN, True, True, False),  # the screen page, results, progress
        (Stage.READY, True, False, False),
    ],
)
def test_which_pages_each_stage_may_open(stage, placed, pending_ok, blocked) -> None:
    state = AthleteState(stage, profile=RehabProfile(pending_screen="weekly"))
    assert state.blocks(placed=placed, pending_ok=pending_ok) is blocked


def test_stages_in_the_safety_order_and_next_url_agrees(athlete: Any) -> None:
    assert athlete_state(athlete).stage is Stage.CONSENT
    services.give_health_consent(athlete)
    state = athlete_state(athlete)
    assert state.stage is Stage.ASSESSMENT and guide.next_url(athlete) == state.url
    assert state.url == reverse("rehab:assessment")
    RehabProfile.objects.filter(user=athlete).update(phase=1, pending_screen="weekly")
    state = athlete_state(athlete)
    assert state.stage is Stage.SCREEN and state.url == reverse("rehab:screen", args=["weekly"])
    RehabProfile.objects.filter(user=athlete).update(pending_screen="")
    assert athlete_state(athlete).stage is Stage.READY
    assert guide.next_url(athlete) == reverse("rehab:today")
