"""The demo loader and the dashboard's today summary."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.urls import reverse

from backstride.accounts.models import User
from backstride.rehab import guide, scoring, services
from backstride.rehab.demo import load_demo
from backstride.rehab.models import CheckIn, OutcomeScore, PhaseChange, RehabProfile, SessionLog
from tests.conftest import load_demo_people

from .conftest import all_no, finish_assessment

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> dict[str, Any]:
    load_demo_people()
    load_demo(StringIO())
    return {
        "athlete": User.objects.get(email="athlete@example.com"),
        "runner": User.objects.get(email="runner@example.com"),
    }


def snapshot(user: Any) -> tuple:
    return (
        RehabProfile.objects.get(user=user).phase,
        CheckIn.objects.filter(user=user).count(),
        SessionLog.objects.filter(user=user).count(),
        OutcomeScore.objects.filter(user=user).count(),
        list(PhaseChange.objects.filter(user=user).values_list("action", "to_phase")),
    )


def test_demo_athlete_is_fresh_in_phase_1(demo: dict) -> None:
    athlete = demo["athlete"]
    assert RehabProfile.objects.get(user=athlete).phase == 1
    assert not CheckIn.objects.filter(user=athlete).exists()
    assert guide.today_summary(athlete).state == "session"


def test_demo_runner_reached_phase_3_through_the_rules(demo: dict) -> None:
    runner = demo["runner"]
    assert RehabProfile.objects.get(user=runner).phase == 3
    actions = list(
        PhaseChange.objects.filter(user=runner)
        .order_by("created_at")
        .values_list("action", "to_phase")
    )
    assert actions == [("placement", 1), ("progress", 2), ("progress", 3)]
    assert CheckIn.objects.filter(user=runner).count() >= 20
    assert OutcomeScore.objects.filter(user=runner, measure="nprs").count() == 3
    assert guide.today_summary(runner).state in {"session", "rest", "morning"}


def test_demo_is_idempotent(demo: dict) -> None:
    before = [snapshot(demo["athlete"]), snapshot(demo["runner"])]
    load_demo(StringIO())
    assert [snapshot(demo["athlete"]), snapshot(demo["runner"])] == before


def test_demo_without_people_does_nothing() -> None:
    out = StringIO()
    load_demo(out)
    assert "skipped" in out.getvalue()


def test_runner_pages_render(demo: dict, client_for: Any) -> None:
    client = client_for(demo["runner"])
    for name in ("rehab:progress", "rehab:outcomes", "rehab:exercises"):
        assert client.get(reverse(name)).status_code == 200
    page = client.get(reverse("rehab:outcomes")).content.decode()
    assert "Clinically important improvement" in page


def test_summary_walks_the_journey(athlete: Any, athlete_client: Any) -> None:
    assert guide.today_summary(athlete).state == "consent"
    athlete_client.post(reverse("rehab:consent"), {"not_a_diagnosis": "on", "health_data": "on"})
    assert guide.today_summary(athlete).state == "assessment"
    finish_assessment(athlete_client)
    summary = guide.today_summary(athlete)
    assert summary.state == "session" and summary.phase == 1
    assert summary.url == reverse("rehab:today") and summary.exercises


def test_summary_on_a_red_flag_says_see_a_clinician_and_why(
    athlete: Any, athlete_client: Any
) -> None:
    finish_assessment(athlete_client, all_no() | {"ces_bowel_control": "yes"})
    summary = guide.today_summary(athlete)
    assert summary.state == "stopped" and summary.urgency == "emergency"
    assert summary.title == "Get emergency help now"
    assert summary.reasons[0]["rule_id"] == "ces_bowel_control"


def test_dashboard_includes_the_today_card(athlete: Any, athlete_client: Any) -> None:
    finish_assessment(athlete_client)
    page = athlete_client.get(reverse("web:dashboard")).content.decode()
    assert "today-card" in page and "Start today&#x27;s session" in page


def test_pain_series_hook_for_the_activities_app(demo: dict) -> None:
    from datetime import timedelta

    runner = demo["runner"]
    today = services.local_today(runner)
    points = scoring.pain_series(runner, today - timedelta(days=60), today)
    assert points and all(0 <= p <= 10 for _, p in points)
    assert points == sorted(points)
