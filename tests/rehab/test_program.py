"""Today's session, check-ins, next-morning pain, tests, re-screens and phase changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from backstride.rehab import guide, services
from backstride.rehab.models import CheckIn, PhaseChange, RedFlagScreen, RehabProfile, SessionLog

from .conftest import CALM_PAIN, all_no, finish_assessment

pytestmark = pytest.mark.django_db

START = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)  # a Monday morning in London (UTC+0)


def travel(day: int, hour: int = 9) -> Any:
    return time_machine.travel(START + timedelta(days=day, hours=hour - 8), tick=False)


def do_session(client: Any, done: list[str] | None = None) -> Any:
    page = client.get(reverse("rehab:today"))
    assert page.status_code == 200, page
    session_id = page.context["plan"].session.id
    ids = done if done is not None else [e.id for e in page.context["exercises"]]
    return client.post(reverse("rehab:session_done"), {"session_id": session_id, "done": ids})


def check_in(
    client: Any,
    pain: int = 1,
    leg: str = "none",
    stiffness: int = 2,
    effort: int = 4,
    before: int = 1,
    during: int | None = None,
) -> Any:
    return client.post(
        reverse("rehab:checkin"),
        {
            "pain_before": before,
            "pain_during": min(pain, 3) if during is None else during,
            "pain_now": pain,
            "leg_symptoms": leg,
            "stiffness": stiffness,
            "effort": effort,
        },
    )


def morning(client: Any, pain: int = 1) -> Any:
    return client.post(reverse("rehab:morning"), {"pain_next_morning": pain})


@pytest.fixture
def day0(athlete: Any, athlete_client: Any) -> Any:
    with travel(0):
        finish_assessment(athlete_client)
    return athlete


def test_today_shows_the_session_with_dosage_cues_and_timer(athlete_client: Any, day0: Any) -> None:
    with travel(0):
        response = athlete_client.get(reverse("rehab:today"))
    page = response.content.decode()
    assert "Settle A: breathe, loosen, walk" in page
    assert '<p class="dosage">2 × 10, hold 3 s</p>' in page  # pelvic tilt, large type
    assert "Set up" in page and "Common mistakes" in page
    assert 'data-timer data-sets="2" data-reps="10" data-hold="3" data-rest="30"' in page
    assert 'data-duration="600"' in page  # the 10-minute walk
    assert "/static/rehab/rehab.js" in page


def test_session_done_then_check_in_then_next_morning_pain(
    athlete: Any, athlete_client: Any, day0: Any
) -> None:
    with travel(0, 18):
        # a tampered exercise id is refused as a whole
        assert do_session(athlete_client, ["belly_breathing", "not-an-exercise"])[
            "Location"
        ] == reverse("rehab:today")
        assert not SessionLog.objects.filter(user=athlete).exists()
        assert do_session(athlete_client, ["belly_breathing"])["Location"] == reverse(
            "rehab:checkin"
        )
        log = SessionLog.objects.get(user=athlete)
        assert log.session_id == "settle-a" and log.exercises_done == ["belly_breathing"]
        assert check_in(athlete_client, pain=3)["Location"] == reverse("rehab:checkin_result")
        result = athlete_client.get(reverse("rehab:checkin_result")).content.decode()
        assert "Green" in result and "call 999" in result
        today = athlete_client.get(reverse("rehab:today")).content.decode()
        assert "Done for today" in today
        assert "How is your back this morning?" not in today
    with travel(1, 7):
        page = athlete_client.get(reverse("rehab:today")).content.decode()
        assert "How is your back this morning?" in page
        morning(athlete_client, 2)
    assert CheckIn.objects.get(user=athlete).pain_next_morning == 2


def test_check_in_rejects_bad_values(athlete: Any, athlete_client: Any, day0: Any) -> None:
    with travel(0, 18):
        do_session(athlete_client)
        for bad in (
            {"pain_now": 11, "leg_symptoms": "none", "stiffness": 1, "effort": 1},
            {"pain_now": 2, "leg_symptoms": "tingly", "stiffness": 1, "effort": 1},
            {"leg_symptoms": "none", "stiffness": 1, "effort": 1},
        ):
            response = athlete_client.post(reverse("rehab:checkin"), bad)
            assert response.status_code == 200 and "error-summary" in response.content.decode()
    assert not CheckIn.objects.filter(user=athlete).exists()


def test_check_in_without_a_session_goes_back_to_today(athlete_client: Any, day0: Any) -> None:
    with travel(0):
        assert athlete_client.post(reverse("rehab:checkin"), {"pain_now": 1})[
            "Location"
        ] == reverse("rehab:today")


def test_tampered_session_id_is_refused(athlete: Any, athlete_client: Any, day0: Any) -> None:
    with travel(0):
        response = athlete_client.post(
            reverse("rehab:session_done"), {"session_id": "strengthen-b"}
        )
    assert response["Location"] == reverse("rehab:today")
    assert not SessionLog.objects.filter(user=athlete).exists()


def test_session_cannot_be_logged_twice_in_a_day(
    athlete: Any, athlete_client: Any, day0: Any
) -> None:
    with travel(0, 18):
        do_session(athlete_client)
        check_in(athlete_client)
        response = athlete_client.post(reverse("rehab:session_done"), {"session_id": "settle-b"})
    assert response["Location"] == reverse("rehab:today")
    assert SessionLog.objects.filter(user=athlete).count() == 1


def test_missed_days_do_not_break_the_plan(athlete: Any, athlete_client: Any, day0: Any) -> None:
    with travel(0, 18):
        do_session(athlete_client)
        check_in(athlete_client)
    with travel(5):  # four days missed: the weekly check isn't due yet, the plan picks up
        page = athlete_client.get(reverse("rehab:today"))
        assert page.context["plan"].session.id == "settle-b"
        assert "pick up where you left off" in page.content.decode()


def test_weekly_safety_check_is_asked_every_7_days(
    athlete: Any, athlete_client: Any, day0: Any
) -> None:
    with travel(7):
        assert athlete_client.get(reverse("rehab:today"))["Location"] == reverse(
            "rehab:screen", args=["weekly"]
        )
        form = athlete_client.get(reverse("rehab:screen", args=["weekly"])).context["form"]
        assert set(form.fields) == set(all_no("weekly"))
        assert athlete_client.post(reverse("rehab:screen", args=["weekly"]), all_no("weekly"))[
            "Location"
        ] == reverse("rehab:today")
        assert athlete_client.get(reverse("rehab:today")).status_code == 200


def test_weekly_check_with_a_red_flag_pauses_the_program(
    athlete: Any, athlete_client: Any, day0: Any
) -> None:
    with travel(7):
        response = athlete_client.post(
            reverse("rehab:screen", args=["weekly"]),
            all_no("weekly") | {"ces_urinary_incontinence": "yes"},
        )
        assert response["Location"] == reverse("rehab:stop")
        assert athlete_client.get(reverse("rehab:today"))["Location"] == reverse("rehab:stop")
    assert RehabProfile.objects.get(user=athlete).paused


def _good_week(client: Any, first_day: int, days: int = 7, pain: int = 1) -> None:
    for d in range(first_day, first_day + days):
        with travel(d, 7):
            if client.get(reverse("rehab:today")).status_code == 302:
                client.post(reverse("rehab:screen", args=["weekly"]), all_no("weekly"))
            if services.morning_due(
                services_user(client), services.local_today(services_user(client))
            ):
                morning(client, 1)
        with travel(d, 18):
            do_session(client)
            check_in(client, pain=pain)


def services_user(client: Any) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=client.session["_auth_user_id"])


def test_good_week_and_walk_test_moves_up_after_a_clear_rescreen(
    athlete: Any, athlete_client: Any, day0: Any
) -> None:
    _good_week(athlete_client, 0, 8)
    with travel(8, 19):
        response = athlete_client.post(reverse("rehab:tests"), {"brisk_walk_min": "25"})
        assert response["Location"] == reverse("rehab:screen", args=["phase-change"])
        profile = RehabProfile.objects.get(user=athlete)
        assert profile.phase == 1 and profile.pending_phase == 2
        change = PhaseChange.objects.filter(user=athlete, action="progress").get()
        assert "p1-exit-walk" in change.rule_ids and change.reasons
        # the session is held until the red flags are answered again
        assert athlete_client.get(reverse("rehab:today"))["Location"] == reverse(
            "rehab:screen", args=["phase-change"]
        )
        page = athlete_client.get(reverse("rehab:screen", args=["phase-change"])).content.decode()
        assert "ready for <strong>Phase 2</strong>" in page and "Why the change?" in page
        athlete_client.post(reverse("rehab:screen", args=["phase-change"]), all_no("phase_change"))
    profile.refresh_from_db()
    assert profile.phase == 2 and profile.pending_phase is None and not profile.pending_screen
    with travel(9):
        page = athlete_client.get(reverse("rehab:today")).content.decode()
        assert "You moved up to Phase 2" in page and "Stabilise A" in page


def test_red_flag_at_phase_change_stops_and_keeps_the_phase(
    athlete: Any, athlete_client: Any, day0: Any
) -> None:
    _good_week(athlete_client, 0, 8)
    with travel(8, 19):
        athlete_client.post(reverse("rehab:tests"), {"brisk_walk_min": "25"})
        response = athlete_client.post(
            reverse("rehab:screen", args=["phase-change"]),
            all_no("phase_change") | {"fracture_trauma": "yes"},
        )
    assert response["Location"] == reverse("rehab:stop")
    profile = RehabProfile.objects.get(user=athlete)
    assert profile.paused and profile.phase == 1


def test_two_red_days_step_back_at_once_and_rescreen(athlete: Any, athlete_client: Any) -> None:
    with travel(0):
        finish_assessment(athlete_client, pain=CALM_PAIN, legs={"leg_symptoms": ["none"]})
    assert RehabProfile.objects.get(user=athlete).phase == 2
    for d, pain in ((0, 6), (1, 7)):
        with travel(d, 7):
            if services.morning_due(athlete, services.local_today(athlete)):
                morning(athlete_client, 5)
        with travel(d, 18):
            do_session(athlete_client)
            response = check_in(athlete_client, pain=pain)
    assert response["Location"] == reverse("rehab:checkin_result")
    with travel(1, 18):
        result = athlete_client.get(reverse("rehab:checkin_result"))
    assert result.context["next_url"] == reverse("rehab:screen", args=["phase-change"])
    assert "easing you back to Phase 1" in result.content.decode()
    profile = RehabProfile.objects.get(user=athlete)
    assert profile.phase == 1 and profile.pending_screen == "phase_change"
    change = PhaseChange.objects.get(user=athlete, action="step_back")
    assert change.rule_ids == ["step-back-pain-red"] and change.from_phase == 2
    with travel(1, 19):
        athlete_client.post(reverse("rehab:screen", args=["phase-change"]), all_no("phase_change"))
        page = athlete_client.get(reverse("rehab:today")).content.decode()
    assert "We eased you back to Phase 1" in page
    assert "step-back-pain-red" not in page  # rule ids are for clinicians, not athletes
    # the same bad days are not counted again in the new phase
    with travel(2, 18):
        do_session(athlete_client)
        check_in(athlete_client, pain=2)
    assert RehabProfile.objects.get(user=athlete).phase == 1
    assert PhaseChange.objects.filter(user=athlete, action="step_back").count() == 1


def test_red_days_in_phase_1_suggest_a_clinician(
    athlete: Any, athlete_client: Any, day0: Any
) -> None:
    for d in (0, 1):
        with travel(d, 18):
            do_session(athlete_client)
            check_in(athlete_client, pain=8)
    with travel(2):
        summary = guide.today_summary(athlete)
        page = athlete_client.get(reverse("rehab:today")).content.decode()
    assert summary.see_clinician is True
    assert "Please see a physiotherapist or doctor" in page
    assert RehabProfile.objects.get(user=athlete).phase == 1


def test_phase_3_has_rest_days_between_strength_sessions(
    athlete: Any, athlete_client: Any, day0: Any
) -> None:
    RehabProfile.objects.filter(user=athlete).update(phase=3)
    with travel(0, 18):
        do_session(athlete_client)
        check_in(athlete_client)
    with travel(1):
        page = athlete_client.get(reverse("rehab:today")).content.decode()
        assert guide.today_summary(athlete).state == "morning"  # asked first
        morning(athlete_client, 1)
        summary = guide.today_summary(athlete)
    assert "Rest day" in page and "48 hours" in page
    assert summary.state == "rest" and summary.next_session_on == date(2025, 3, 5)


def test_objective_tests_reject_out_of_range_and_empty(
    athlete: Any, athlete_client: Any, day0: Any
) -> None:
    with travel(0):
        response = athlete_client.post(reverse("rehab:tests"), {"brisk_walk_min": "-5"})
        assert (
            response.status_code == 200
            and "greater than or equal to 0" in response.content.decode()
        )
        response = athlete_client.post(reverse("rehab:tests"), {"plank_hold_s": "99999"})
        assert response.status_code == 200
        response = athlete_client.post(reverse("rehab:tests"), {})
        assert "Enter at least one result." in response.content.decode()


def test_rescreen_pages_refuse_when_not_pending(athlete_client: Any, day0: Any) -> None:
    with travel(0):
        assert athlete_client.get(reverse("rehab:screen", args=["phase-change"]))[
            "Location"
        ] == reverse("rehab:today")
        assert athlete_client.get(reverse("rehab:screen", args=["monthly"])).status_code == 404


def test_red_flags_are_screened_at_every_phase_change_in_both_directions(
    athlete: Any, athlete_client: Any
) -> None:
    test_two_red_days_step_back_at_once_and_rescreen(athlete, athlete_client)
    kinds = list(RedFlagScreen.objects.filter(user=athlete).values_list("kind", flat=True))
    assert "phase_change" in kinds
