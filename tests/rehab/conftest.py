"""Builders for the rehab app tests: consented athletes, a finished assessment, check-ins."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from backstride.core.protocol import default_protocol
from tests.conftest import pick

STEP_ANSWERS: dict[str, dict[str, Any]] = {
    "history": {
        "age": "40",
        "onset": "6_to_12_weeks",
        "episodes": "before",
        "after_fall": "no",
        "back_surgery": "no",
        "seen_clinician": "no",
        "pregnant": "no",
    },
    "pain": {"pain_now": "5", "pain_avg_week": "4", "pain_worst": "7"},
    "legs": {"leg_symptoms": ["below_knee"]},
    "activities": {"aggravating": ["sitting", "bending"], "easing": ["walking"], "other": ""},
    "running": {
        "last_run": "1_to_3_months",
        "running_years": "5",
        "weekly_km": "20",
        "usual_pace": "5:50",
    },
    "fitness": {"brisk_walk_min": "10"},
    "goal": {"goal": "10k", "detail": ""},
}
CALM_PAIN = {"pain_now": "2", "pain_avg_week": "2", "pain_worst": "4"}


def all_no(screen: str = "initial") -> dict[str, str]:
    return {f.id: "no" for f in default_protocol().red_flags_for(screen)}


def step_url(step: str) -> str:
    return reverse("rehab:assessment_step", args=[step])


def give_consent(client: Client) -> None:
    response = client.post(reverse("rehab:consent"), {"not_a_diagnosis": "on", "health_data": "on"})
    assert response.status_code == 302


def answer_steps(client: Client, **overrides: dict[str, Any]) -> None:
    for step, answers in STEP_ANSWERS.items():
        response = client.post(step_url(step), overrides.get(step, answers))
        assert response.status_code == 302, (step, response.content[:2000])


def finish_assessment(
    client: Client, red_flags: dict[str, str] | None = None, **overrides: Any
) -> Any:
    give_consent(client)
    answer_steps(client, **overrides)
    return client.post(step_url("red-flags"), red_flags or all_no())


@pytest.fixture
def athlete_client(athlete: Any, client_for: Any) -> Client:
    return client_for(athlete)


@pytest.fixture
def placed(athlete: Any, athlete_client: Client) -> Any:
    """Alice, consented, assessed and placed in Phase 1."""
    response = finish_assessment(athlete_client)
    assert response.status_code == 302 and response["Location"] == reverse(
        "rehab:assessment_result"
    )
    return athlete


@pytest.fixture
def stopped(athlete: Any, athlete_client: Client) -> Any:
    """Alice, stopped by a cauda-equina answer at the end of her assessment."""
    response = finish_assessment(athlete_client, all_no() | {"ces_saddle_numbness": "yes"})
    assert response["Location"] == reverse("rehab:stop")
    return athlete


def answer_checkin_page(
    page: Any, before: str, during: str, after: str, stiffness: str, effort: str
) -> None:
    """Answer the after-session check-in page in a browser, leg symptoms "About the same"
    (the caller saves it)."""
    pick(page, "Your pain just before the session", before)
    pick(page, "Your worst pain during the session", during)
    pick(page, "Your pain now, after the session", after)
    pick(
        page,
        "Leg symptoms (pain, pins and needles or numbness) compared with before the session",
        "About the same",
    )
    pick(page, "How stiff is your back?", stiffness)
    pick(page, "How hard was the session?", effort)
