"""Consent, the self-assessment wizard, the red-flag stop and a clinician's clearance."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from backstride.accounts.models import ConsentRecord
from backstride.rehab import services
from backstride.rehab.models import (
    Assessment,
    PhaseChange,
    RedFlagClearance,
    RedFlagScreen,
    RehabProfile,
)

from .conftest import (
    CALM_PAIN,
    STEP_ANSWERS,
    all_no,
    answer_steps,
    finish_assessment,
    give_consent,
    step_url,
)

pytestmark = pytest.mark.django_db


def test_rehab_entry_asks_for_consent_first(athlete_client: Any) -> None:
    response = athlete_client.get(reverse("rehab:index"))
    assert response["Location"] == reverse("rehab:consent")
    assert athlete_client.get(step_url("pain"))["Location"] == reverse("rehab:consent")


def test_consent_is_explicit_and_recorded_with_wording_version(
    athlete: Any, athlete_client: Any
) -> None:
    page = athlete_client.get(reverse("rehab:consent")).content.decode()
    assert "not a diagnosis" in page and 'type="checkbox"' in page
    assert not re.search(r"<input[^>]*\bchecked\b", page)  # a real choice: nothing pre-ticked
    response = athlete_client.post(reverse("rehab:consent"), {"not_a_diagnosis": "on"})
    assert response.status_code == 200
    assert "We can only build a program with your agreement." in response.content.decode()
    assert not ConsentRecord.objects.filter(user=athlete, kind="health_data").exists()
    give_consent(athlete_client)
    record = ConsentRecord.objects.get(user=athlete, kind="health_data")
    assert record.wording_version == services.HEALTH_CONSENT_VERSION and record.created_at


def test_completing_the_assessment_places_in_phase_1_with_reasons(
    athlete: Any, athlete_client: Any
) -> None:
    response = finish_assessment(athlete_client)
    assert response["Location"] == reverse("rehab:assessment_result")
    profile = RehabProfile.objects.get(user=athlete)
    assert profile.phase == 1 and not profile.paused
    change = PhaseChange.objects.get(user=athlete)
    assert change.action == "placement" and change.to_phase == 1
    assert "p2-entry-pain-now" in change.rule_ids
    page = athlete_client.get(reverse("rehab:assessment_result")).content.decode()
    assert "Phase 1: Settle" in page and "Why this phase?" in page
    assert "p2-entry-pain-now" not in page  # rule ids are for clinicians, not athletes


def test_calm_back_is_placed_in_phase_2(athlete: Any, athlete_client: Any) -> None:
    finish_assessment(athlete_client, pain=CALM_PAIN, legs={"leg_symptoms": ["none"]})
    assert RehabProfile.objects.get(user=athlete).phase == 2


def test_progress_is_saved_per_step_and_resumes(athlete: Any, athlete_client: Any) -> None:
    give_consent(athlete_client)
    athlete_client.post(step_url("history"), STEP_ANSWERS["history"])
    athlete_client.post(step_url("pain"), STEP_ANSWERS["pain"])
    assessment = Assessment.objects.get(user=athlete)
    assert assessment.data["pain"] == {"pain_now": 5, "pain_avg_week": 4, "pain_worst": 7}
    # coming back later resumes at the first unanswered step
    assert athlete_client.get(reverse("rehab:assessment"))["Location"] == step_url("legs")
    # a previous step shows the saved answers
    page = athlete_client.get(step_url("pain")).content.decode()
    assert 'id="id_pain_now_5" checked' in page
    assert 'id="id_pain_now_4" checked' not in page


def test_steps_cannot_be_skipped(athlete_client: Any) -> None:
    give_consent(athlete_client)
    response = athlete_client.get(step_url("red-flags"))
    assert response["Location"] == step_url("history")
    response = athlete_client.post(step_url("goal"), STEP_ANSWERS["goal"])
    assert response["Location"] == step_url("history")


def test_unknown_step_is_404(athlete_client: Any) -> None:
    give_consent(athlete_client)
    assert athlete_client.get(step_url("bananas")).status_code == 404


@pytest.mark.parametrize(
    ("step", "data", "message"),
    [
        (
            "pain",
            {"pain_now": "11", "pain_avg_week": "4", "pain_worst": "7"},
            "Choose a whole number from 0 to 10.",
        ),
        (
            "pain",
            {"pain_now": "-1", "pain_avg_week": "4", "pain_worst": "7"},
            "Choose a whole number from 0 to 10.",
        ),
        (
            "pain",
            {"pain_now": "five", "pain_avg_week": "4", "pain_worst": "7"},
            "Choose a whole number from 0 to 10.",
        ),
        ("pain", {"pain_avg_week": "4", "pain_worst": "7"}, "Please answer this question."),
        (
            "pain",
            {"pain_now": "2", "pain_avg_week": "6", "pain_worst": "4"},
            "lower than your average",
        ),
        ("legs", {}, "Please tick at least one option."),
        ("legs", {"leg_symptoms": ["none", "numbness"]}, "tick one or the other"),
        ("legs", {"leg_symptoms": ["tail"]}, "Choose from the options shown."),
        (
            "running",
            {"last_run": "never", "running_years": "200", "weekly_km": "0"},
            "less than or equal to 80",
        ),
        (
            "running",
            {"last_run": "never", "running_years": "1", "weekly_km": "0", "usual_pace": "fast"},
            "minutes:seconds",
        ),
        ("history", {"onset": "yesterday"}, "Choose one of the options."),
    ],
)
def test_bad_answers_give_clear_errors_and_save_nothing(
    athlete: Any, athlete_client: Any, step: str, data: dict, message: str
) -> None:
    give_consent(athlete_client)
    for earlier in list(STEP_ANSWERS)[: list(STEP_ANSWERS).index(step)]:
        athlete_client.post(step_url(earlier), STEP_ANSWERS[earlier])
    response = athlete_client.post(step_url(step), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page and "error-summary" in page
    assert step not in Assessment.objects.get(user=athlete).data


def test_skipped_red_flag_question_cannot_proceed(athlete: Any, athlete_client: Any) -> None:
    give_consent(athlete_client)
    answer_steps(athlete_client)
    answers = all_no()
    del answers["ces_bladder_sensation"]
    response = athlete_client.post(step_url("red-flags"), answers)
    assert response.status_code == 200
    assert "We can&#x27;t skip safety questions." in response.content.decode()
    assert not RedFlagScreen.objects.filter(user=athlete).exists()
    assert RehabProfile.objects.filter(user=athlete, phase__isnull=False).count() == 0


def test_tampered_red_flag_answer_is_refused(athlete: Any, athlete_client: Any) -> None:
    give_consent(athlete_client)
    answer_steps(athlete_client)
    response = athlete_client.post(
        step_url("red-flags"), all_no() | {"ces_both_legs": "probably-not"}
    )
    assert (
        response.status_code == 200 and "Choose No, Yes or Not sure." in response.content.decode()
    )
    assert not RedFlagScreen.objects.filter(user=athlete).exists()


def test_cauda_equina_answer_shows_the_emergency_stop_page(
    athlete: Any, athlete_client: Any, stopped: Any
) -> None:
    page = athlete_client.get(reverse("rehab:stop")).content.decode()
    assert "Get emergency help now" in page
    assert "emergency department" in page and "999" in page
    assert "saddle" in page  # the question that triggered it
    assert "You answered: <strong>Yes</strong>" in page
    assert "Numbness in the saddle area is one of the main warning signs" in page
    assert "Your program is paused" in page
    profile = RehabProfile.objects.get(user=athlete)
    assert profile.paused and profile.phase is None


@pytest.mark.parametrize(
    ("flag", "title"),
    [("infection_fever", "See a doctor today"), ("fracture_trauma", "See a doctor today")],
)
def test_stop_page_says_how_urgently(athlete_client: Any, flag: str, title: str) -> None:
    finish_assessment(athlete_client, all_no() | {flag: "yes"})
    assert title in athlete_client.get(reverse("rehab:stop")).content.decode()


def test_not_sure_is_treated_as_a_red_flag(athlete: Any, athlete_client: Any) -> None:
    response = finish_assessment(athlete_client, all_no() | {"ces_urinary_retention": "unsure"})
    assert response["Location"] == reverse("rehab:stop")
    assert (
        "You answered: <strong>Not sure</strong>"
        in athlete_client.get(reverse("rehab:stop")).content.decode()
    )


def test_stop_cannot_be_bypassed_by_going_back(
    athlete: Any, athlete_client: Any, stopped: Any
) -> None:
    stop_url = reverse("rehab:stop")
    for url in [
        step_url("history"),
        step_url("red-flags"),
        reverse("rehab:assessment"),
        reverse("rehab:today"),
        reverse("rehab:checkin"),
        reverse("rehab:index"),
        reverse("rehab:progress"),
        reverse("rehab:screen", args=["weekly"]),
    ]:
        assert athlete_client.get(url)["Location"] == stop_url, url
    # re-answering the screen with all "no" changes nothing
    response = athlete_client.post(step_url("red-flags"), all_no())
    assert response["Location"] == stop_url
    assert RedFlagScreen.objects.filter(user=athlete).count() == 1
    assert RehabProfile.objects.get(user=athlete).paused


def test_linked_clinician_clears_the_red_flag_with_a_recorded_reason(
    athlete: Any, athlete_client: Any, stopped: Any, clinician: Any, client_for: Any
) -> None:
    screen = RedFlagScreen.objects.get(user=athlete)
    url = reverse("rehab:clear", args=[athlete.pk, screen.pk])
    doctor = client_for(clinician)
    # a reason and a confirmation are required
    response = doctor.post(url, {"reason": "ok"})
    assert response.status_code == 400
    assert not RedFlagClearance.objects.exists()
    response = doctor.post(
        url, {"reason": "Examined today: saddle sensation normal, bladder normal.", "confirm": "on"}
    )
    assert response.status_code == 302
    clearance = RedFlagClearance.objects.get(screen=screen)
    assert clearance.clinician == clinician and "saddle sensation normal" in clearance.reason
    profile = RehabProfile.objects.get(user=athlete)
    assert not profile.paused and profile.phase == 1  # the assessment finished on clearance
    assert athlete_client.get(reverse("rehab:index"))["Location"] == reverse("rehab:today")
    # the record keeps who, when and why
    page = doctor.get(reverse("rehab:athlete_detail", args=[athlete.pk])).content.decode()
    assert "cleared by Charlie" in page


@pytest.mark.parametrize("who", ["athlete", "other_clinician", "editor", "other_athlete"])
def test_only_a_linked_clinician_may_clear(
    who: str, request: Any, athlete: Any, stopped: Any, client_for: Any
) -> None:
    screen = RedFlagScreen.objects.get(user=athlete)
    client = client_for(request.getfixturevalue(who))
    response = client.post(
        reverse("rehab:clear", args=[athlete.pk, screen.pk]),
        {"reason": "I say it's fine, honestly.", "confirm": "on"},
    )
    assert response.status_code == 404
    assert not RedFlagClearance.objects.exists()
    assert RehabProfile.objects.get(user=athlete).paused


def test_clinician_cannot_clear_another_patients_screen_by_id(
    athlete: Any, other_athlete: Any, stopped: Any, clinician: Any, client_for: Any
) -> None:
    screen = RedFlagScreen.objects.get(user=athlete)
    response = client_for(clinician).post(
        reverse("rehab:clear", args=[other_athlete.pk, screen.pk]),
        {"reason": "Examined, all fine really.", "confirm": "on"},
    )
    assert response.status_code == 404


def test_completed_assessment_cannot_be_redone_to_change_the_phase(
    athlete: Any, athlete_client: Any, placed: Any
) -> None:
    response = athlete_client.post(step_url("pain"), CALM_PAIN)
    assert response["Location"] == reverse("rehab:today")
    assert RehabProfile.objects.get(user=athlete).phase == 1
