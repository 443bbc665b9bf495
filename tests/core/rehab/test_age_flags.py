"""Age-only warning signs (issue 10): a first episode at 50 or over is "soon" advice; a fall
or knock at the fracture-risk age is urgent. Age plus a history answer, never age alone."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backstride.core.protocol import default_protocol
from backstride.core.triage import triage

from .helpers import all_no

P = default_protocol()
ONSET = P.age_flags[[a.id for a in P.age_flags].index("age-first-episode-50")]
FALL = P.age_flags[[a.id for a in P.age_flags].index("age-fall-fracture")]
CALM = {"episodes": "before", "after_fall": "no"}


def screen(age: int | None, history: dict[str, Any] | None, kind: str = "initial") -> Any:
    return triage(P, all_no(P, kind), kind, age=age, history=history)


# (age, history answers, expected urgency, age flags that fire, answer recorded)
CASES = [
    # onset at 50 or over: a first-ever episode
    (ONSET.min_age - 1, {"episodes": "first", "after_fall": "no"}, None, set(), None),
    (ONSET.min_age, {"episodes": "first", "after_fall": "no"}, "soon", {ONSET.id}, "yes"),
    (70, {"episodes": "first", "after_fall": "no"}, "soon", {ONSET.id}, "yes"),
    (ONSET.min_age, {"episodes": "before", "after_fall": "no"}, None, set(), None),
    # a fall or knock: urgent from the fracture-risk age, nothing below it
    (FALL.min_age - 1, {"episodes": "before", "after_fall": "yes"}, None, set(), None),
    (FALL.min_age, {"episodes": "before", "after_fall": "yes"}, "urgent", {FALL.id}, "yes"),
    (FALL.min_age, {"episodes": "before", "after_fall": "unsure"}, "urgent", {FALL.id}, "unsure"),
    (FALL.min_age, {"episodes": "before", "after_fall": "no"}, None, set(), None),
    (30, {"episodes": "first", "after_fall": "yes"}, None, set(), None),
    # both: the more urgent one sets the urgency
    (80, {"episodes": "first", "after_fall": "yes"}, "urgent", {ONSET.id, FALL.id}, None),
    # a missing or not-understood answer counts as not sure, never as no
    (FALL.min_age, {"episodes": "before"}, "urgent", {FALL.id}, "unsure"),
    (FALL.min_age, {"episodes": "before", "after_fall": "maybe?"}, "urgent", {FALL.id}, "unsure"),
    (ONSET.min_age, {"after_fall": "no"}, "soon", {ONSET.id}, "unsure"),
    # an unknown age counts as old enough
    (None, {"episodes": "before", "after_fall": "yes"}, "urgent", {FALL.id}, "yes"),
]


@pytest.mark.parametrize(("age", "history", "urgency", "fired", "answer"), CASES)
def test_age_flags_fire_from_age_plus_the_history_answer(
    age: int | None,
    history: dict[str, Any],
    urgency: str | None,
    fired: set[str],
    answer: str | None,
) -> None:
    result = screen(age, history)
    assert result.urgency == urgency
    assert {f.id for f in result.triggered} == fired
    if answer is not None:
        assert {f.answer for f in result.triggered} == {answer}
    assert result.stop == bool(fired) and result.complete


def test_onset_at_50_keeps_the_program_open_with_soon_advice() -> None:
    result = screen(55, {"episodes": "first", "after_fall": "no"})
    assert result.stop and not result.pauses
    flag = result.triggered[0]
    assert flag.group == "cancer" and "Downie" in flag.source


def test_a_fall_at_the_fracture_risk_age_pauses_the_program() -> None:
    result = screen(FALL.min_age, {"episodes": "before", "after_fall": "yes"})
    assert result.pauses and result.triggered[0].group == "fracture"


@pytest.mark.parametrize("kind", ["phase_change", "weekly"])
def test_age_flags_apply_at_the_assessment_not_at_re_screens(kind: str) -> None:
    assert screen(80, {"episodes": "first", "after_fall": "yes"}, kind).urgency is None


def test_without_history_answers_no_age_flag_is_applied() -> None:
    assert screen(80, None).urgency is None


def test_a_calm_history_adds_nothing() -> None:
    assert screen(80, CALM).can_proceed


def test_every_age_flag_has_a_source_and_an_evidence_note() -> None:
    assert P.age_flags
    for rule in P.age_flags:
        assert rule.sources and "expert default" not in rule.sources
        assert rule.evidence_note


@given(
    age=st.integers(16, 110),
    episodes=st.sampled_from(["first", "before", None]),
    fall=st.sampled_from(["yes", "no", "unsure", None]),
    flags=st.dictionaries(st.sampled_from([f.id for f in P.red_flags]), st.just("yes")),
)
def test_age_flags_only_ever_raise_the_urgency(
    age: int, episodes: str | None, fall: str | None, flags: dict[str, str]
) -> None:
    history = {k: v for k, v in {"episodes": episodes, "after_fall": fall}.items() if v}
    answers = all_no(P) | flags
    without = triage(P, answers, "initial", age=age)
    with_history = triage(P, answers, "initial", age=age, history=history)
    rank = {None: 0, "soon": 1, "urgent": 2, "emergency": 3}
    assert rank[with_history.urgency] >= rank[without.urgency]
    assert {f.id for f in without.triggered} <= {f.id for f in with_history.triggered}
    if age < min(a.min_age for a in P.age_flags):
        assert with_history.urgency == without.urgency
