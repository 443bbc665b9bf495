"""Issue 10 in the app: check-in answered on the spot, no training prompts while stopped,
leg symptoms re-screened at once, placement into any phase, combined flags, history across
phase changes, and tailored copies that cannot weaken the safety minimum."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from backstride.core.protocol import DEFAULT_PROTOCOL_PATH, ProtocolError, default_protocol
from backstride.rehab import guide, scoring, services
from backstride.rehab.models import ObjectiveTestResult, PhaseChange, RedFlagScreen, RehabProfile

from .conftest import CALM_PAIN, all_no, finish_assessment, step_url
from .test_program import _good_week, check_in, do_session, travel

pytestmark = pytest.mark.django_db

NO_LEGS = {"leg_symptoms": ["none"]}
FIT = {
    "brisk_walk_min": "45",
    "plank_hold_s": "60",
    "side_plank_left_s": "45",
    "side_plank_right_s": "45",
    "sl_bridge_left_reps": "20",
    "sl_bridge_right_reps": "20",
}


def place(client: Any, **overrides: Any) -> Any:
    with travel(0):
        return finish_assessment(client, **overrides)


# --- placement can reach every phase ---------------------------------------------------------
# (pain answers, leg answers, fitness answers, expected phase)
PLACEMENTS = [
    (None, None, {"brisk_walk_min": "10"}, 1),
    (CALM_PAIN, NO_LEGS, {"brisk_walk_min": "10"}, 2),
    (CALM_PAIN, NO_LEGS, FIT, 3),
    (CALM_PAIN, NO_LEGS, FIT | {"side_plank_left_s": "40"}, 2),  # 45 s needed
    (CALM_PAIN, {"leg_symptoms": ["pins_needles"]}, FIT, 1),  # pins and needles: Phase 1
]


@pytest.mark.parametrize(("pain", "legs", "fitness", "phase"), PLACEMENTS)
def test_assessment_places_in_every_phase(
    athlete: Any, athlete_client: Any, pain: Any, legs: Any, fitness: dict, phase: int
) -> None:
    overrides: dict[str, Any] = {"fitness": fitness}
    if pain:
        overrides["pain"] = pain
    if legs:
        overrides["legs"] = legs
    place(athlete_client, **overrides)
    assert RehabProfile.objects.get(user=athlete).phase == phase
    stored = dict(ObjectiveTestResult.objects.filter(user=athlete).values_list("test_id", "value"))
    assert stored == {k: float(v) for k, v in fitness.items()}


def test_assessment_asks_age_and_walking_tolerance(athlete_client: Any) -> None:
    from .conftest import give_consent

    give_consent(athlete_client)
    history = athlete_client.get(step_url("history")).content.decode()
    assert "How old are you?" in history
    response = athlete_client.post(step_url("history"), {"onset": "6_to_12_weeks"})
    assert "How old are you?" in response.content.decode() and "error-summary" in (
        response.content.decode()
    )


def test_under_16_is_told_kindly_the_program_is_not_for_them(
    athlete: Any, athlete_client: Any
) -> None:
    from .conftest import STEP_ANSWERS, give_consent

    give_consent(athlete_client)
    response = athlete_client.post(step_url("history"), STEP_ANSWERS["history"] | {"age": "14"})
    page = response.content.decode()
    assert response.status_code == 200 and "made for people aged 16 and over" in page
    assert "children" in page


def test_pregnancy_is_asked_and_explained_kindly(athlete: Any, athlete_client: Any) -> None:
    from .conftest import STEP_ANSWERS, give_consent

    give_consent(athlete_client)
    response = athlete_client.post(
        step_url("history"), STEP_ANSWERS["history"] | {"pregnant": "yes"}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "made for back or pelvic pain during pregnancy" in page
    assert "midwife" in page
    assert "history" not in services.open_assessment(athlete).data


def test_a_person_placed_by_assessment_is_not_held_by_days_in_phase(
    athlete: Any, athlete_client: Any
) -> None:
    place(athlete_client, pain=CALM_PAIN, legs=NO_LEGS)  # Phase 2, tests not yet recorded
    _good_week(athlete_client, 0, 4)  # four good days with their next-morning answers
    with travel(3, 19):
        response = athlete_client.post(reverse("rehab:tests"), FIT)
    assert response["Location"] == reverse("rehab:screen", args=["phase-change"])
    assert RehabProfile.objects.get(user=athlete).pending_phase == 3


# --- a check-in is answered on the spot -------------------------------------------------------
# (pain after the session, leg symptoms, the word shown, words of its meaning)
CHECKIN_COLOURS = [
    (2, "none", "Green", "Within the limits"),
    (4, "none", "Amber", "Not the moment to make anything harder"),
    (7, "none", "Red", "More than your back is ready for"),
    (1, "worse", "Red", "More than your back is ready for"),
]


@pytest.mark.parametrize(("pain", "leg", "word", "meaning"), CHECKIN_COLOURS)
def test_page_after_a_check_in_shows_its_colour_meaning_next_step_and_safety_net(
    athlete: Any, athlete_client: Any, pain: int, leg: str, word: str, meaning: str
) -> None:
    place(athlete_client, pain=CALM_PAIN, legs=NO_LEGS)
    with travel(0, 18):
        do_session(athlete_client)
        assert check_in(athlete_client, pain=pain, leg=leg)["Location"] == reverse(
            "rehab:checkin_result"
        )
        page = athlete_client.get(reverse("rehab:checkin_result")).content.decode()
    assert f'<span class="badge badge-{word.lower()}">{word}</span>' in page  # word + icon
    assert meaning in page and "What happens next" in page
    assert "If you get worse:" in page and "call 999" in page and "111" in page


def test_red_check_in_in_phase_3_is_not_praised_under_a_stale_banner(
    athlete: Any, athlete_client: Any
) -> None:
    place(athlete_client, pain=CALM_PAIN, legs=NO_LEGS, fitness=FIT)
    profile = RehabProfile.objects.get(user=athlete)
    with travel(0, 17):
        PhaseChange.objects.create(
            user=athlete,
            action="progress",
            from_phase=2,
            to_phase=3,
            protocol_id="x",
            protocol_version="1",
        )
        assert (
            "You moved up to Phase 3" in athlete_client.get(reverse("rehab:today")).content.decode()
        )
    with travel(0, 18):
        do_session(athlete_client)
        check_in(athlete_client, pain=7)
        result = athlete_client.get(reverse("rehab:checkin_result")).content.decode()
        today = athlete_client.get(reverse("rehab:today")).content.decode()
        summary = guide.today_summary(athlete)
    assert "badge-red" in result and "Nothing moves up" in result
    assert "You moved up to Phase 3" not in today
    assert "Well done. Move about normally" not in today and "badge-red" in today
    assert "Well done" not in summary.message and summary.light == "red"
    assert profile.phase == 3


def test_morning_answer_also_gets_its_colour(athlete: Any, athlete_client: Any) -> None:
    place(athlete_client, pain=CALM_PAIN, legs=NO_LEGS)
    with travel(0, 18):
        do_session(athlete_client)
        check_in(athlete_client, pain=2)
    with travel(1, 7):
        response = athlete_client.post(reverse("rehab:morning"), {"pain_next_morning": 5})
        assert response["Location"] == reverse("rehab:checkin_result")
        page = athlete_client.get(reverse("rehab:checkin_result")).content.decode()
    assert "badge-amber" in page and "next morning 5/10" in page


# --- worse leg symptoms re-ask the cauda equina questions at once -----------------------------
def test_worse_leg_symptoms_ask_the_cauda_equina_questions_at_once(
    athlete: Any, athlete_client: Any
) -> None:
    place(athlete_client)  # Phase 1: a step back is not possible, so no phase-change screen
    with travel(0, 18):
        do_session(athlete_client)
        check_in(athlete_client, pain=2, leg="worse")
        result = athlete_client.get(reverse("rehab:checkin_result"))
        assert result.context["next_url"] == reverse("rehab:screen", args=["weekly"])
        assert "answer the safety questions now" in result.content.decode()
        assert athlete_client.get(reverse("rehab:today"))["Location"] == reverse(
            "rehab:screen", args=["weekly"]
        )
        page = athlete_client.get(reverse("rehab:screen", args=["weekly"]))
        asked = set(page.context["form"].fields)
        assert {f for f in all_no("weekly") if f.startswith("ces_")} <= asked
        assert "Safety questions, now" in page.content.decode()
        response = athlete_client.post(
            reverse("rehab:screen", args=["weekly"]),
            all_no("weekly") | {"ces_saddle_numbness": "yes"},
        )
    assert response["Location"] == reverse("rehab:stop")
    assert RedFlagScreen.objects.get(user=athlete, kind="weekly").urgency == "emergency"


def test_clear_rescreen_after_worse_legs_lets_the_program_go_on(
    athlete: Any, athlete_client: Any
) -> None:
    place(athlete_client)
    with travel(0, 18):
        do_session(athlete_client)
        check_in(athlete_client, pain=2, leg="worse")
        athlete_client.post(reverse("rehab:screen", args=["weekly"]), all_no("weekly"))
        assert athlete_client.get(reverse("rehab:today")).status_code == 200
    assert RehabProfile.objects.get(user=athlete).pending_screen == ""


# --- a stopped athlete sees no training prompts -------------------------------------------------
@pytest.mark.parametrize("flag", ["ces_saddle_numbness", "infection_fever"])
def test_stopped_athlete_sees_no_training_prompts_on_today(
    athlete: Any, athlete_client: Any, flag: str
) -> None:
    place(athlete_client)
    before = athlete_client.get(reverse("web:dashboard")).content.decode()
    assert "Running this week" in before and "Log an activity" in before
    finish = all_no("weekly") | {flag: "yes"}
    with travel(7):
        athlete_client.post(reverse("rehab:screen", args=["weekly"]), finish)
        page = athlete_client.get(reverse("web:dashboard")).content.decode()
    assert "Running this week" not in page and "Log an activity" not in page
    assert "paused" in page


# --- flags combine ------------------------------------------------------------------------------
# (age, flags answered yes, urgency of the stop)
COMBINED = [
    ("40", ["cancer_weight_loss"], "soon"),
    ("55", ["cancer_weight_loss"], "urgent"),
    ("40", ["cancer_weight_loss", "night_pain_constant"], "urgent"),
    ("40", ["cancer_history", "neuro_progressive_weakness"], "emergency"),
]


@pytest.mark.parametrize(("age", "flags", "urgency"), COMBINED)
def test_flags_combine_at_the_assessment(
    athlete: Any, athlete_client: Any, age: str, flags: list[str], urgency: str
) -> None:
    from .conftest import STEP_ANSWERS

    with travel(0):
        response = finish_assessment(
            athlete_client,
            all_no() | {f: "yes" for f in flags},
            history=STEP_ANSWERS["history"] | {"age": age},
        )
    # emergency and urgent flags pause the program; "soon" advises and keeps it open
    expected = "rehab:assessment_result" if urgency == "soon" else "rehab:stop"
    assert response["Location"] == reverse(expected)
    assert RedFlagScreen.objects.get(user=athlete).urgency == urgency


# --- check-in history survives phase changes -----------------------------------------------------
def test_see_a_clinician_pattern_counts_red_days_from_before_a_step_back(
    athlete: Any, athlete_client: Any
) -> None:
    place(athlete_client, pain=CALM_PAIN, legs=NO_LEGS)  # Phase 2
    for d in (0, 1):
        with travel(d, 18):
            do_session(athlete_client)
            check_in(athlete_client, pain=7)
    assert RehabProfile.objects.get(user=athlete).phase == 1  # stepped back once
    with travel(1, 19):
        athlete_client.post(reverse("rehab:screen", args=["phase-change"]), all_no("phase_change"))
    for d in (2, 3):
        with travel(d, 18):
            do_session(athlete_client)
            check_in(athlete_client, pain=7)
        with travel(d, 19):
            decision = services.current_decision(athlete)
    assert decision is not None and decision.see_clinician
    assert "see-clinician-pain-red-repeated" in decision.rule_ids  # 4 red days across phases
    assert PhaseChange.objects.filter(user=athlete, action="step_back").count() == 1


# --- tailored copies cannot weaken safety ---------------------------------------------------------
def test_tailored_copy_that_downgrades_cauda_equina_is_refused(athlete: Any) -> None:
    text = DEFAULT_PROTOCOL_PATH.read_text()
    start = text.index('id = "ces_saddle_numbness"')
    weakened = text[:start] + text[start:].replace('urgency = "emergency"', 'urgency = "soon"', 1)
    weakened = weakened.replace("weekly_every_days = 7", "weekly_every_days = 28")
    with pytest.raises(ProtocolError) as info:
        services.set_tailored_protocol(athlete, weakened)
    problems = [str(i) for i in info.value.issues]
    assert any("ces_saddle_numbness" in p and "emergency" in p for p in problems)
    assert any("weekly_every_days" in p for p in problems)
    assert all(i.line for i in info.value.issues)
    assert services.profile_for(athlete).protocol_text == ""


# --- "soon" flags advise without over-stopping ------------------------------------------------
SOON_FLAGS = [f.id for f in default_protocol().red_flags if f.urgency == "soon"]


@pytest.mark.parametrize("flag", SOON_FLAGS)
def test_soon_flag_keeps_the_program_open_with_daily_advice(
    athlete: Any, athlete_client: Any, flag: str
) -> None:
    with travel(0):
        response = finish_assessment(athlete_client, all_no() | {flag: "yes"})
        assert response["Location"] == reverse("rehab:assessment_result")
        result = athlete_client.get(reverse("rehab:assessment_result")).content.decode()
        today = athlete_client.get(reverse("rehab:today"))
        summary = guide.today_summary(athlete)
    assert today.status_code == 200 and "Please see your GP" in today.content.decode()
    assert "Please see your GP" in result and "stays open" in result
    assert not RehabProfile.objects.get(user=athlete).paused
    assert summary.advice.screen_id == RedFlagScreen.objects.get(user=athlete).pk


def test_seeing_a_clinician_for_a_soon_flag_is_recorded_and_lifts_the_reminder(
    athlete: Any, athlete_client: Any, other_athlete: Any, client_for: Any
) -> None:
    with travel(0):
        finish_assessment(athlete_client, all_no() | {"inflammatory_morning_stiffness": "yes"})
    screen = RedFlagScreen.objects.get(user=athlete)
    url = reverse("rehab:seen_clinician", args=[screen.pk])
    with travel(1):
        # another athlete cannot declare it for her
        assert client_for(other_athlete).post(url).status_code in (302, 404)
        assert not hasattr(RedFlagScreen.objects.get(pk=screen.pk), "declaration")
        assert athlete_client.get(url).status_code == 405
        response = athlete_client.post(url, {"note": "GP referred me to rheumatology"})
        assert response["Location"] == reverse("rehab:today")
        page = athlete_client.get(reverse("rehab:today")).content.decode()
        summary = guide.today_summary(athlete)
    assert "Please see your GP" not in page
    assert RedFlagScreen.objects.get(pk=screen.pk).declaration.note == (
        "GP referred me to rheumatology"
    )
    assert summary.advice is None


def test_urgent_flag_cannot_be_self_declared_away(athlete: Any, athlete_client: Any) -> None:
    with travel(0):
        finish_assessment(athlete_client, all_no() | {"infection_fever": "yes"})
        screen = RedFlagScreen.objects.get(user=athlete)
        response = athlete_client.post(reverse("rehab:seen_clinician", args=[screen.pk]))
    assert response.status_code == 404
    assert services.stopping_screen(athlete) == screen


def test_soon_flag_in_the_weekly_check_keeps_the_program_open(
    athlete: Any, athlete_client: Any
) -> None:
    place(athlete_client)
    with travel(7):
        response = athlete_client.post(
            reverse("rehab:screen", args=["weekly"]),
            all_no("weekly") | {"generally_unwell": "unsure"},
        )
        assert response["Location"] == reverse("rehab:today")
        page = athlete_client.get(reverse("rehab:today"))
        dashboard = athlete_client.get(reverse("web:dashboard")).content.decode()
    assert page.status_code == 200 and "Please see your GP" in page.content.decode()
    assert "Running this week" in dashboard  # not paused
    with travel(8):  # the soon screen counts as this week's check: not asked again daily
        assert athlete_client.get(reverse("rehab:today")).status_code == 200


# --- no better after six weeks ---------------------------------------------------------------
def test_no_better_after_six_weeks_shows_a_review_on_today(
    athlete: Any, athlete_client: Any
) -> None:
    from datetime import date, timedelta

    place(athlete_client)
    first = date(2025, 3, 3)
    for day, nprs, ratings in ((first, 5, [3]), (first + timedelta(days=42), 5, [3])):
        scoring.record_outcomes(
            athlete, day, nprs, [("Sitting through a meeting", r) for r in ratings]
        )
    with travel(42):
        athlete_client.post(reverse("rehab:screen", args=["weekly"]), all_no("weekly"))
        page = athlete_client.get(reverse("rehab:today")).content.decode()
        summary = guide.today_summary(athlete)
    assert "Time for a review" in page and "GP or a physiotherapist" in page
    assert "6 weeks" in summary.review


# --- check-in gaps: pain before and during, and the 48-hour answer -----------------------------
def test_check_in_asks_pain_before_and_during_the_session(
    athlete: Any, athlete_client: Any
) -> None:
    place(athlete_client, pain=CALM_PAIN, legs=NO_LEGS)
    with travel(0, 18):
        do_session(athlete_client)
        form = athlete_client.get(reverse("rehab:checkin")).context["form"]
        assert {"pain_before", "pain_during"} <= set(form.fields)
        bad = athlete_client.post(reverse("rehab:checkin"), {"pain_now": 2, "leg_symptoms": "none"})
        assert bad.status_code == 200 and "error-summary" in bad.content.decode()
        check_in(athlete_client, pain=3, before=2, during=6)
        page = athlete_client.get(reverse("rehab:checkin_result")).content.decode()
    assert "badge-red" in page and "during 6/10" in page  # pain during counts for the colour


@pytest.mark.parametrize(("pain", "asked"), [(2, False), (4, True), (7, True)])
def test_48_hour_answer_is_asked_after_a_day_that_was_not_green(
    athlete: Any, athlete_client: Any, pain: int, asked: bool
) -> None:
    place(athlete_client, pain=CALM_PAIN, legs=NO_LEGS)
    with travel(0, 18):
        do_session(athlete_client)
        check_in(athlete_client, pain=pain)
    with travel(2, 9):
        page = athlete_client.get(reverse("rehab:today")).content.decode()
    assert ("Has your back settled?" in page) is asked


def test_not_settled_after_48_hours_steps_back(athlete: Any, athlete_client: Any) -> None:
    place(athlete_client, pain=CALM_PAIN, legs=NO_LEGS)  # Phase 2
    with travel(0, 18):
        do_session(athlete_client)
        check_in(athlete_client, pain=4)
    with travel(2, 9):
        response = athlete_client.post(reverse("rehab:fortyeight"), {"pain_48h": 5})
        assert response["Location"] == reverse("rehab:checkin_result") + "?day=2025-03-03"
        page = athlete_client.get(response["Location"]).content.decode()
    assert "badge-red" in page and "two days on 5/10" in page
    change = PhaseChange.objects.get(user=athlete, action="step_back")
    assert "step-back-48h-red" in change.rule_ids and change.to_phase == 1


def test_export_includes_the_new_check_in_answers_and_self_declarations(
    athlete: Any, athlete_client: Any
) -> None:
    with travel(0):
        finish_assessment(athlete_client, all_no() | {"generally_unwell": "yes"})
    screen = RedFlagScreen.objects.get(user=athlete)
    services.declare_seen_clinician(athlete, screen.pk, "All fine, said my GP")
    with travel(0, 18):
        do_session(athlete_client)
        check_in(athlete_client, pain=2, before=1, during=3)
    data = scoring.export_data(athlete)
    assert data["checkins"][0]["pain_during"] == 3 and data["checkins"][0]["pain_before"] == 1
    assert data["seen_clinician"][0]["note"] == "All fine, said my GP"
