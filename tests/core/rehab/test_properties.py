"""Invariants of the rehab rules, checked with hypothesis."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from backstride.core.checkins import CheckIn
from backstride.core.phases import Assessment, place, progress
from backstride.core.protocol import URGENCY_RANK
from backstride.core.triage import triage

from .helpers import TODAY, protocol

P = protocol()
FLAG_IDS = [f.id for f in P.red_flags]
score = st.integers(min_value=0, max_value=10)
maybe_score = st.none() | score

answers_st = st.fixed_dictionaries(
    {fid: st.sampled_from(["yes", "no", "unsure"]) for fid in FLAG_IDS}
)

checkin_st = st.builds(
    CheckIn,
    day=st.integers(min_value=-10, max_value=2).map(lambda d: TODAY + timedelta(days=d)),
    pain_now=score,
    leg_symptoms=st.sampled_from(["none", "better", "same", "worse"]),
    stiffness=maybe_score,
    effort=maybe_score,
    pain_next_morning=maybe_score,
)
tests_st = st.dictionaries(
    st.sampled_from(sorted(P.objective_tests)), st.integers(min_value=0, max_value=120)
)
assessment_st = st.builds(
    Assessment,
    pain_now=score,
    pain_avg_week=score,
    pain_worst=score,
    leg_below_knee=st.booleans(),
    leg_pins_needles=st.booleans(),
    leg_numbness=st.booleans(),
    leg_weakness=st.booleans(),
    tests=tests_st,
)


@given(answers_st)
def test_any_positive_red_flag_always_stops(answers: dict[str, str]) -> None:
    result = triage(P, answers)
    positive = [k for k, v in answers.items() if v != "no"]
    assert result.stop == bool(positive)
    assert {f.id for f in result.triggered} == set(positive)
    if positive:
        assert not result.can_proceed
        # the most urgent flag sets it; combinations may raise it, never lower it
        base = max(URGENCY_RANK[P.red_flag(k).urgency] for k in positive)
        assert result.urgency is not None and URGENCY_RANK[result.urgency] >= base


@given(answers_st, st.sampled_from(FLAG_IDS))
def test_a_single_yes_can_never_be_outvoted(answers: dict[str, str], flag: str) -> None:
    assert triage(P, answers | {flag: "yes"}).stop


@given(answers_st, st.randoms())
def test_triage_is_deterministic_and_order_independent(answers: dict[str, str], rnd) -> None:
    items = list(answers.items())
    rnd.shuffle(items)
    assert triage(P, dict(items)) == triage(P, answers)


@given(st.dictionaries(st.sampled_from(FLAG_IDS), st.sampled_from(["no"])))
def test_incomplete_all_no_screen_never_proceeds(answers: dict[str, str]) -> None:
    result = triage(P, answers)
    assert result.can_proceed == (len(answers) == len(FLAG_IDS))


@given(assessment_st)
def test_same_assessment_same_phase(a: Assessment) -> None:
    assert place(P, a) == place(P, a)


@given(assessment_st, st.integers(0, 10), st.integers(0, 10))
def test_more_pain_never_places_higher(a: Assessment, extra_avg: int, extra_worst: int) -> None:
    worse = Assessment(
        pain_now=a.pain_now,
        pain_avg_week=min(10, a.pain_avg_week + extra_avg),
        pain_worst=min(10, a.pain_worst + extra_worst),
        leg_below_knee=a.leg_below_knee,
        leg_pins_needles=a.leg_pins_needles,
        leg_numbness=a.leg_numbness,
        leg_weakness=a.leg_weakness,
        tests=a.tests,
    )
    assert place(P, worse).phase <= place(P, a).phase


@settings(max_examples=200)
@given(
    st.sampled_from([1, 2, 3]),
    st.lists(checkin_st, max_size=14),
    tests_st,
    st.integers(0, 60),
    st.randoms(),
)
def test_same_history_same_decision_in_any_order(
    phase: int, checkins: list[CheckIn], tests: dict, days: int, rnd
) -> None:
    started = TODAY - timedelta(days=days)
    first = progress(P, phase, checkins, tests, TODAY, started)
    shuffled = list(checkins)
    rnd.shuffle(shuffled)
    again = progress(P, phase, shuffled, tests, TODAY, started)
    assert first == again
    assert abs(first.to_phase - first.from_phase) <= 1
    assert 1 <= first.to_phase <= 3
    assert first.reasons and all(r.rule_id and r.text and r.source for r in first.reasons)
    assert set(first.rule_ids) == {r.rule_id for r in first.reasons}


RED_FIELDS = st.sampled_from(
    [{"pain_now": v} for v in range(6, 11)]
    + [{"pain_next_morning": v} for v in range(6, 11)]
    + [{"pain_during": v} for v in range(6, 11)]
    + [{"pain_48h": v} for v in range(4, 11)]
    + [{"leg_symptoms": "worse"}]
)


@given(
    st.sampled_from([1, 2]),
    st.lists(checkin_st, max_size=14),
    tests_st,
    st.integers(0, 6),
    RED_FIELDS,
    st.booleans(),
)
def test_a_red_day_pattern_never_progresses(
    phase: int,
    checkins: list[CheckIn],
    tests: dict,
    days_ago: int,
    red: dict,
    before_phase: bool,
) -> None:
    """Any single red day (pain or next-morning pain 6+ or worse leg symptoms) anywhere in the
    last 7 days, even one made before the phase began, blocks a move up."""
    flare = CheckIn(TODAY - timedelta(days=days_ago), **({"pain_now": 1} | red))
    current, history = (checkins, [flare]) if before_phase else ([*checkins, flare], [])
    decision = progress(
        P, phase, current, tests, TODAY, TODAY - timedelta(days=60), history=history
    )
    assert decision.action != "progress"


@given(st.lists(checkin_st, max_size=40), tests_st)
def test_replaying_a_history_week_by_week_gives_the_same_phase(
    checkins: list[CheckIn], tests: dict
) -> None:
    def replay() -> int:
        phase, started = 1, TODAY - timedelta(days=30)
        for offset in (-21, -14, -7, 0):
            day = TODAY + timedelta(days=offset)
            decision = progress(P, phase, checkins, tests, day, started)
            if decision.changes_phase:
                phase, started = decision.to_phase, day
        return phase

    assert replay() == replay()
