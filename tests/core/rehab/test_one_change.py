"""Phase 3 introduces its new exercises one at a time (T.R.E.A.T., issue 10).

The move into Phase 3 is the first change; then one exercise per session, in the protocol's
order, each only after a green response and the [treat.spacing] interval; red steps back."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from backstride.core.checkins import CheckIn
from backstride.core.introduce import (
    SessionDone,
    introductions,
    plan_today_one_change,
    verdict_of,
)
from backstride.core.protocol import DEFAULT_PROTOCOL_PATH, ProtocolError, parse_protocol
from backstride.core.treat.model import Colour

from .helpers import protocol

P = protocol()
_INTRO = P.phase(3).introduce
assert _INTRO is not None
INTRO = _INTRO
ORDER = INTRO.order
SESSION_A = P.phase(3).sessions[0]
START = date(2025, 3, 3)  # the day Phase 3 began

# check-ins by colour, as the athlete is shown them
CHECKINS = {
    "green": dict(pain_now=1, pain_during=1, pain_next_morning=1),
    "amber": dict(pain_now=4, pain_during=2, pain_next_morning=2),
    "red": dict(pain_now=7, pain_during=5, pain_next_morning=3),
    "legs": dict(pain_now=1, pain_during=1, pain_next_morning=1, leg_symptoms="worse"),
    "no-morning": dict(pain_now=1, pain_during=1, pain_next_morning=None),
}


def history(*colours: str | None, every: int = 2) -> list[SessionDone]:
    """A session every ``every`` days from START, with a check-in of each colour (None: none)."""
    out = []
    for i, colour in enumerate(colours):
        day = START + timedelta(days=i * every)
        checkin = None if colour is None else CheckIn(day=day, **CHECKINS[colour])  # type: ignore[arg-type]
        out.append(SessionDone(day, checkin))
    return out


def after(sessions: list[SessionDone], days: int = 2) -> date:
    return (sessions[-1].day if sessions else START) + timedelta(days=days if sessions else 0)


# (name, colours of the sessions so far, days since the last, step today, new exercise today)
CASES = [
    ("first session: the phase move is the change", [], 0, 0, None),
    ("green: the first new exercise", ["green"], 2, 1, ORDER[0]),
    ("green but only a day ago: spacing", ["green"], 1, 0, None),
    ("green without the next-morning answer", ["no-morning"], 2, 0, None),
    ("no check-in at all is never green", [None], 2, 0, None),
    # the third session tried ORDER[1]: amber keeps it in, and nothing new comes
    ("amber repeats the step", ["green", "green", "amber"], 2, 2, None),
    ("amber then green: the next one", ["green", "green", "amber", "green"], 2, 3, ORDER[2]),
    ("greens: one more each time", ["green", "green", "green"], 2, 3, ORDER[2]),
    ("red steps back two exercises", ["green", "green", "green", "green", "red"], 2, 2, None),
    ("worse legs: back to the start", ["green", "green", "green", "legs"], 2, 0, None),
    ("a gap of 8+ days steps down one", ["green", "green", "green"], 9, 1, None),
]


@pytest.mark.parametrize(
    ("name", "colours", "days", "step", "new"), CASES, ids=[c[0] for c in CASES]
)
def test_phase_3_introduces_one_exercise_at_a_time(
    name: str, colours: list[str | None], days: int, step: int, new: str | None
) -> None:
    sessions = history(*colours)
    result = introductions(P, 3, SESSION_A, sessions, after(sessions, days))
    assert result.step == step
    assert result.new_today == new
    assert result.introduced == ORDER[:step]
    assert result.waiting == ORDER[step:]
    allowed = {*INTRO.start_with, *ORDER[:step]}
    assert set(result.exercises) <= allowed
    assert [e for e in SESSION_A.exercises if e in allowed] == [
        e for e in result.exercises if e != new or new in SESSION_A.exercises
    ]


def test_every_step_rule_has_a_case() -> None:
    names = " ".join(c[0] for c in CASES)
    for rule in ("green", "spacing", "amber", "red", "legs", "gap", "next-morning", "check-in"):
        assert rule in names


def test_the_first_phase_3_sessions_hold_no_loaded_or_impact_exercise() -> None:
    first = introductions(P, 3, SESSION_A, [], START)
    kinds = {P.exercise(e).category for e in first.exercises}
    assert first.exercises and not kinds & {"impact", "strength", "conditioning"}
    for e in first.exercises:
        assert "Pick a weight" not in P.exercise(e).caution


def test_the_new_exercise_is_tried_today_even_when_its_session_is_another_day() -> None:
    sessions = history("green", "green")  # next: calf raise, which is in session B
    assert ORDER[1] not in SESSION_A.exercises
    result = introductions(P, 3, SESSION_A, sessions, after(sessions))
    assert result.new_today == ORDER[1] and result.exercises[-1] == ORDER[1]


def test_another_change_the_day_before_waits_the_spacing() -> None:
    sessions = history("green")
    today = after(sessions)
    alone = introductions(P, 3, SESSION_A, sessions, today)
    assert alone.new_today == ORDER[0]
    busy = introductions(
        P, 3, SESSION_A, sessions, today, other_changes=[today - timedelta(days=1)]
    )
    assert busy.new_today is None


def test_repeated_reds_suggest_a_clinician_and_add_nothing() -> None:
    sessions = history("green", "green", "red", "green", "red")
    result = introductions(P, 3, SESSION_A, sessions, after(sessions))
    assert result.see_clinician and result.new_today is None
    assert any(r.rule_id == P.running.treat.adjust.id for r in result.reasons)  # type: ignore[union-attr]


def test_new_today_says_it_is_the_one_change_with_its_reason_and_source() -> None:
    sessions = history("green")
    plan = plan_today_one_change(P, 3, sessions, sessions[-1].day, after(sessions))
    assert plan.kind == "session" and plan.new_today == ORDER[0]
    [reason] = [r for r in plan.reasons if r.rule_id == INTRO.id]
    assert "New today: " + P.exercise(ORDER[0]).name in reason.text
    assert "one change being tested" in reason.text
    assert reason.source == P.cite(INTRO.sources) and reason.source
    assert plan.session is not None and ORDER[0] in plan.session.exercises


def test_phases_without_an_order_show_their_sessions_whole() -> None:
    session = P.phase(2).sessions[0]
    result = introductions(P, 2, session, history("red"), START + timedelta(days=2))
    assert result.exercises == session.exercises and result.new_today is None


VERDICTS = [
    ("green", Colour.GREEN),
    ("amber", Colour.AMBER),
    ("red", Colour.RED),
    ("legs", Colour.RED),
    ("no-morning", Colour.AMBER),
    (None, Colour.AMBER),
]


@pytest.mark.parametrize(("colour", "expected"), VERDICTS)
def test_a_session_is_judged_by_the_colour_the_athlete_was_shown(
    colour: str | None, expected: Colour
) -> None:
    checkin = None if colour is None else CheckIn(day=START, **CHECKINS[colour])  # type: ignore[arg-type]
    verdict = verdict_of(P, checkin)
    assert verdict.colour is expected
    assert verdict.leg_symptoms == (colour == "legs")


# --- properties --------------------------------------------------------------------------
colours = st.sampled_from([*CHECKINS, None])
gaps = st.integers(1, 10)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(colours, gaps), max_size=14), gaps)
# Found by hypothesis: greens after repeated reds added an exercise without announcing it.
@example(steps=[("red", 1), ("red", 1), ("red", 1), ("green", 2), ("green", 1)], last_gap=1)
def test_never_two_new_exercises_at_once_and_never_after_a_response_that_was_not_green(
    steps: list[tuple[str | None, int]], last_gap: int
) -> None:
    sessions: list[SessionDone] = []
    day = START
    previous = 0
    for colour, gap in steps:
        result = introductions(P, 3, SESSION_A, sessions, day)
        assert result.step <= previous + 1
        if result.step == previous + 1:
            assert result.new_today == ORDER[previous]
            assert sessions and verdict_of(P, sessions[-1].checkin).colour is Colour.GREEN
        assert set(result.exercises) <= {*INTRO.start_with, *ORDER[: result.step]}
        previous = result.step
        checkin = None if colour is None else CheckIn(day=day, **CHECKINS[colour])  # type: ignore[arg-type]
        sessions.append(SessionDone(day, checkin))
        day += timedelta(days=gap)
    final = introductions(P, 3, SESSION_A, sessions, day + timedelta(days=last_gap))
    shuffled = list(sessions)
    random.Random(len(sessions)).shuffle(shuffled)
    assert introductions(P, 3, SESSION_A, shuffled, day + timedelta(days=last_gap)) == final


# --- the protocol data --------------------------------------------------------------------
DEFAULT_TEXT = DEFAULT_PROTOCOL_PATH.read_text(encoding="utf-8")
ORDER_LINE = next(line for line in DEFAULT_TEXT.splitlines() if line.startswith("order = ["))


@pytest.mark.parametrize(
    ("new_line", "problem"),
    [
        (ORDER_LINE.replace('"pogo_hops"', '"pogo_hops", "pogo_hops"'), "listed twice"),
        (ORDER_LINE.replace(', "pogo_hops"', ""), "missing: pogo_hops"),
        (ORDER_LINE.replace('"pogo_hops"', '"pogo_hopz"'), "did you mean 'pogo_hops'"),
    ],
)
def test_an_introduction_order_that_misses_or_repeats_an_exercise_is_refused_naming_the_line(
    new_line: str, problem: str
) -> None:
    line = DEFAULT_TEXT.splitlines().index(ORDER_LINE) + 1
    with pytest.raises(ProtocolError) as info:
        parse_protocol(DEFAULT_TEXT.replace(ORDER_LINE, new_line), "copy.toml")
    hits = [i for i in info.value.issues if problem in i.problem]
    assert hits and all(i.line == line for i in hits)


def test_the_default_order_covers_every_new_phase_3_exercise_once() -> None:
    used = {e for s in P.phase(3).sessions for e in s.exercises}
    assert sorted([*INTRO.start_with, *ORDER]) == sorted(used)
    carried = {e for s in P.phase(2).sessions for e in s.exercises}
    assert not set(ORDER) & carried  # only what is new to the athlete waits its turn
