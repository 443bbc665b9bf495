"""One red day blocks a move up, one amber day holds, pain may not rise, and the next phase's
entry criteria are checked on every move (issue 10)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backstride.core.checkins import CheckIn, day_lights, needs_rescreen, pain_rise, response_light
from backstride.core.phases import answers_from_checkins, progress

from .helpers import PHASE1_EXIT_TESTS, PHASE2_EXIT_TESTS, TODAY, protocol, week

P = protocol()
LONG_AGO = TODAY - timedelta(days=30)


def decide(phase: int, checkins: list[CheckIn], tests: dict | None = None, **kw: object):
    default = PHASE1_EXIT_TESTS if phase == 1 else PHASE2_EXIT_TESTS
    return progress(P, phase, checkins, default if tests is None else tests, TODAY, LONG_AGO, **kw)


def one_day(checkins: list[CheckIn], days_ago: int, **fields: object) -> list[CheckIn]:
    return [
        replace(c, **fields) if c.day == TODAY - timedelta(days=days_ago) else c for c in checkins
    ]


def test_a_good_week_still_progresses() -> None:
    assert decide(1, week()).action == "progress"
    assert decide(2, week()).action == "progress"


# (phase, which day, the red field) — a single red day anywhere in the window blocks.
RED_DAYS = [
    (1, 0, {"pain_now": 10}),  # probed: one 10/10 day progressed 1→2
    (2, 0, {"pain_now": 9}),  # probed: a 9/10 day today progressed 2→3
    (1, 6, {"pain_now": 6}),  # boundary: 6 is red, on the oldest day of the window
    (2, 3, {"pain_next_morning": 6}),
    (2, 5, {"leg_symptoms": "worse"}),
]


@pytest.mark.parametrize(("phase", "days_ago", "fields"), RED_DAYS)
def test_one_red_day_blocks_progression(phase: int, days_ago: int, fields: dict) -> None:
    d = decide(phase, one_day(week(), days_ago, **fields))
    assert d.action != "progress" and d.to_phase <= phase


def test_one_red_pain_day_holds_with_the_red_day_brake() -> None:
    d = decide(2, one_day(week(), 0, pain_now=9))
    assert (d.action, d.to_phase) == ("hold", 2)
    assert "brake-red-day" in d.rule_ids
    reason = next(r for r in d.reasons if r.rule_id == "brake-red-day")
    assert "red day" in reason.text and reason.source


def test_a_red_day_just_outside_the_window_no_longer_blocks() -> None:
    old = [CheckIn(TODAY - timedelta(days=P.progression.red_day_window_days), pain_now=9)]
    assert decide(1, week(), history=old).action == "progress"


# one amber day (pain 4 or 5, after a session or next morning) means hold
AMBER_DAYS = [
    ("pain_now", 4),
    ("pain_now", 5),
    ("pain_next_morning", 4),
    ("pain_next_morning", 5),
]


@pytest.mark.parametrize(("field", "value"), AMBER_DAYS)
def test_one_amber_day_means_hold(field: str, value: int) -> None:
    d = decide(1, one_day(week(), 2, **{field: value}))
    assert (d.action, d.to_phase) == ("hold", 1)
    assert "brake-amber-day" in d.rule_ids


def test_a_green_day_at_the_limit_does_not_hold() -> None:
    assert decide(1, one_day(week(), 2, pain_now=3)).action == "progress"


# a next-morning answer missing for 2 days or more counts as amber, never green
MISSING_MORNINGS = [(0, False), (1, False), (2, True), (6, True)]


@pytest.mark.parametrize(("days_ago", "holds"), MISSING_MORNINGS)
def test_a_missing_morning_answer_counts_as_amber(days_ago: int, holds: bool) -> None:
    d = decide(1, one_day(week(), days_ago, pain_next_morning=None))
    assert (d.action == "hold") is holds
    assert ("brake-missing-answer" in d.rule_ids) is holds


def _series(pains: list[int], end_days_ago: int = 0) -> list[CheckIn]:
    n = len(pains)
    return [
        CheckIn(TODAY - timedelta(days=end_days_ago + n - 1 - i), pain_now=p, pain_next_morning=1)
        for i, p in enumerate(pains)
    ]


# pain creeping up, every day under the limit: no move up
RISES = [
    ("within the week 0→3", _series([0, 0, 1, 1, 2, 2, 3]), []),
    ("within the week 0→1", _series([0, 0, 0, 1, 1, 1, 1]), []),
    ("week on week", _series([2] * 7), _series([1] * 7, end_days_ago=7)),
]


@pytest.mark.parametrize(("name", "this_week", "last_week"), RISES, ids=[r[0] for r in RISES])
def test_no_rise_week_on_week(
    name: str, this_week: list[CheckIn], last_week: list[CheckIn]
) -> None:
    d = decide(1, this_week, history=last_week)
    assert d.action == "hold"
    assert "brake-pain-rise" in d.rule_ids


def test_steady_or_falling_pain_is_no_rise() -> None:
    assert decide(1, _series([2, 2, 2, 2, 2, 2, 2])).action == "progress"
    assert decide(1, _series([3, 3, 2, 2, 1, 1, 0]), history=_series([3] * 7, 7)).action == (
        "progress"
    )
    rise = pain_rise(_series([1, 1, 1, 1, 1, 1, 2]), TODAY)
    assert rise is not None and rise[1] < P.progression.rise_points  # 0.33: below the limit


# --- the next phase's entry criteria, with the tests they need ------------------------------
def test_unchanged_leg_symptoms_every_day_do_not_reach_phase_3() -> None:
    d = decide(2, week(leg="same"))  # probed: this reached Phase 3
    assert d.action == "hold"
    leg = next(c for c in d.criteria if c.id == "p3-entry-leg")
    assert not leg.met and leg.actual is True


def test_leg_symptoms_in_check_ins_keep_the_assessment_answers_for_phase_2() -> None:
    below_knee = {"leg_below_knee": True, "leg_numbness": False, "leg_weakness": False}
    d = decide(1, week(leg="better"), leg_answers=below_knee)
    assert d.action == "hold" and "p2-entry-below-knee" in d.rule_ids
    unknown = decide(1, week(leg="better"))
    assert unknown.action == "hold" and "p2-entry-below-knee" in unknown.rule_ids
    assert decide(1, week(leg="none"), leg_answers=below_knee).action == "progress"


@pytest.mark.parametrize("test_id", sorted(PHASE2_EXIT_TESTS))
def test_missing_test_for_the_next_phase_says_which_test_to_record(test_id: str) -> None:
    tests = {k: v for k, v in PHASE2_EXIT_TESTS.items() if k != test_id}
    d = decide(2, week(), tests=tests)
    assert d.action == "hold"
    name = P.objective_tests[test_id].name
    entry = next(c for c in d.criteria if c.id.startswith("p3-entry") and not c.known)
    assert f"record your “{name}” result" in entry.text


def test_days_in_phase_does_not_apply_to_a_first_placement() -> None:
    fresh = TODAY - timedelta(days=2)
    held = progress(P, 2, week(), PHASE2_EXIT_TESTS, TODAY, fresh)
    assert held.action == "hold" and held.rule_ids == ("p2-exit-days",)
    placed = progress(P, 2, week(), PHASE2_EXIT_TESTS, TODAY, fresh, placed_here=True)
    assert placed.action == "progress"
    days = next(c for c in placed.criteria if c.id == "p2-exit-days")
    assert days.met and "does not apply" in days.text


def test_answers_from_check_ins() -> None:
    answers = answers_from_checkins(tuple(_series([1, 2, 3])))
    assert answers["pain_now"] == 3 and answers["pain_avg_week"] == 2
    assert answers["pain_worst"] == 3 and answers["leg_any"] is False
    assert answers["leg_below_knee"] is False
    assert answers_from_checkins(()) == {}


# --- check-in history survives phase changes -------------------------------------------------
def test_see_clinician_pattern_reads_across_a_phase_change_without_a_second_step_back() -> None:
    before = [CheckIn(TODAY - timedelta(days=d), pain_now=7) for d in (3, 4, 5, 6)]
    after = [CheckIn(TODAY - timedelta(days=d), pain_now=2) for d in (0, 1, 2)]
    d = decide(1, after, history=before)
    assert d.see_clinician and "see-clinician-pain-red-repeated" in d.rule_ids
    assert d.action == "hold" and d.to_phase == 1
    # the same red days never cause a second step back in the new phase
    d2 = decide(2, after, history=before)
    assert d2.action == "hold" and d2.to_phase == 2 and d2.see_clinician


# --- worse leg symptoms re-ask the cauda equina questions at once ------------------------------
@pytest.mark.parametrize(
    ("leg", "rescreen"), [("none", False), ("better", False), ("same", False), ("worse", True)]
)
def test_worse_leg_symptoms_need_a_rescreen_at_once(leg: str, rescreen: bool) -> None:
    assert needs_rescreen(CheckIn(TODAY, pain_now=1, leg_symptoms=leg)) is rescreen


# --- properties ------------------------------------------------------------------------------
score = st.integers(0, 10)
checkin_st = st.builds(
    CheckIn,
    day=st.integers(-13, 0).map(lambda d: TODAY + timedelta(days=d)),
    pain_now=score,
    leg_symptoms=st.sampled_from(["none", "better", "same", "worse"]),
    stiffness=st.none() | score,
    effort=st.none() | score,
    pain_next_morning=st.none() | score,
)
red_day_st = st.builds(
    lambda d, field: CheckIn(TODAY - timedelta(days=d), **({"pain_now": 1} | field)),
    st.integers(0, 6),
    st.sampled_from(
        [{"pain_now": v} for v in range(6, 11)]
        + [{"pain_next_morning": v} for v in range(6, 11)]
        + [{"pain_during": v} for v in range(6, 11)]
        + [{"pain_48h": v} for v in range(4, 11)]
        + [{"leg_symptoms": "worse"}]
    ),
)
tests_st = st.dictionaries(st.sampled_from(sorted(P.objective_tests)), st.integers(0, 120))


@given(
    st.sampled_from([1, 2]), st.lists(checkin_st, max_size=14), tests_st, red_day_st, st.booleans()
)
def test_any_red_day_in_the_window_never_progresses(
    phase: int, checkins: list[CheckIn], tests: dict, red: CheckIn, in_history: bool
) -> None:
    assert response_light(P, red) == "red"
    kw = {"history": [red]} if in_history else {}
    current = checkins if in_history else [*checkins, red]
    d = progress(P, phase, current, tests, TODAY, LONG_AGO, placed_here=True, **kw)
    assert d.action != "progress"


@given(st.sampled_from([1, 2]), st.lists(checkin_st, max_size=14), tests_st, st.integers(0, 6))
def test_any_amber_or_red_day_in_the_window_never_progresses(
    phase: int, checkins: list[CheckIn], tests: dict, days_ago: int
) -> None:
    amber = CheckIn(TODAY - timedelta(days=days_ago), pain_now=4)
    d = progress(P, phase, [*checkins, amber], tests, TODAY, LONG_AGO, placed_here=True)
    assert d.action != "progress"


@given(st.lists(checkin_st, min_size=1, max_size=14))
def test_day_lights_take_the_worst_check_in_of_each_day(checkins: list[CheckIn]) -> None:
    lights = day_lights(P, checkins)
    rank = {"green": 0, "amber": 1, "red": 2}
    for c in checkins:
        assert rank[lights[c.day]] >= rank[response_light(P, c)]


@given(st.lists(st.integers(0, 3), min_size=2, max_size=7), st.integers(1, 7))
def test_a_rising_series_never_progresses(pains: list[int], bump: int) -> None:
    rising = sorted(pains)
    if rising[-1] - rising[0] < 2:
        rising = [*rising[:-1], min(3, rising[0] + 2)]
    series = _series(rising)
    rise = pain_rise(series, TODAY)
    if rise is not None and rise[1] >= P.progression.rise_points:
        assert decide(1, series).action != "progress"
