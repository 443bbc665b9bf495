"""Progress / hold / step back: one test per exit criterion and per check-in rule."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest

from backstride.core.checkins import CheckIn
from backstride.core.phases import progress

from .helpers import PHASE1_EXIT_TESTS, PHASE2_EXIT_TESTS, TODAY, protocol, week

LONG_AGO = TODAY - timedelta(days=30)


def decide(phase: int, checkins: list[CheckIn], tests: dict | None = None, started=LONG_AGO):
    default_tests = PHASE1_EXIT_TESTS if phase == 1 else PHASE2_EXIT_TESTS
    return progress(
        protocol(), phase, checkins, default_tests if tests is None else tests, TODAY, started
    )


def change(checkins: list[CheckIn], indexes: range | list[int], **fields: object) -> list[CheckIn]:
    out = list(checkins)
    for i in indexes:
        out[i] = replace(out[i], **fields)
    return out


# --- the happy paths ---------------------------------------------------------------------
def test_settled_week_with_tests_progresses_phase_1_to_2() -> None:
    d = decide(1, week())
    assert (d.action, d.from_phase, d.to_phase) == ("progress", 1, 2)
    # the current phase's exit criteria and the next phase's entry criteria, all met
    p = protocol()
    assert set(d.rule_ids) == {c.id for c in p.phase(1).exit} | {c.id for c in p.phase(2).entry}
    assert all(r.met for r in d.reasons) and all(r.source for r in d.reasons)


def test_settled_week_with_tests_progresses_phase_2_to_3() -> None:
    d = decide(2, week(pain=1, morning=2))
    assert (d.action, d.to_phase) == ("progress", 3)


def test_phase_3_is_final_and_hands_over_to_running() -> None:
    d = decide(3, week())
    assert (d.action, d.to_phase, d.rule_ids) == ("hold", 3, ("final-phase",))
    assert "running" in d.reasons[0].text


# --- one test per exit criterion (phase 1) --------------------------------------------------
PHASE_1_EXIT_CASES: list[tuple[str, Callable[[], dict]]] = [
    ("p1-exit-checkins", lambda: {"checkins": week(days=3)}),
    ("p1-exit-days", lambda: {"started": TODAY - timedelta(days=6)}),
    ("p1-exit-pain", lambda: {"checkins": change(week(pain=3), [0], pain_now=4)}),
    ("p1-exit-morning", lambda: {"checkins": change(week(morning=3), [0], pain_next_morning=5)}),
    ("p1-exit-walk", lambda: {"tests": {"brisk_walk_min": 19}}),
]


def test_phase_1_exit_leg_criterion_is_reported_even_when_a_rule_fires() -> None:
    d = decide(1, change(week(), [0], leg_symptoms="worse"))
    leg = next(c for c in d.criteria if c.id == "p1-exit-leg")
    assert not leg.met and leg.actual == 1


def test_unknown_values_never_meet_a_criterion() -> None:
    d = decide(1, week(morning=None), tests={}, started=None)
    assert d.action == "hold"
    assert {"p1-exit-morning", "p1-exit-walk", "p1-exit-days"} <= set(d.rule_ids)
    assert "brake-missing-answer" in d.rule_ids  # missing morning answers count as amber
    criteria = [r for r in d.reasons if r.rule_id.startswith("p")]
    assert all("not recorded yet" in r.text for r in criteria if r.rule_id != "p1-exit-checkins")


# --- one test per exit criterion (phase 2) --------------------------------------------------
PHASE_2_EXIT_CASES: list[tuple[str, Callable[[], dict]]] = [
    ("p2-exit-checkins", lambda: {"checkins": week(days=3)}),
    ("p2-exit-days", lambda: {"started": TODAY - timedelta(days=13)}),
    ("p2-exit-pain", lambda: {"checkins": change(week(pain=2), [0], pain_now=3)}),
    ("p2-exit-morning", lambda: {"checkins": change(week(), [0], pain_next_morning=4)}),
    ("p2-exit-plank", lambda: {"tests": PHASE2_EXIT_TESTS | {"plank_hold_s": 59}}),
    ("p2-exit-side-left", lambda: {"tests": PHASE2_EXIT_TESTS | {"side_plank_left_s": 44}}),
    ("p2-exit-side-right", lambda: {"tests": PHASE2_EXIT_TESTS | {"side_plank_right_s": 44}}),
    ("p2-exit-bridge-left", lambda: {"tests": PHASE2_EXIT_TESTS | {"sl_bridge_left_reps": 14}}),
    ("p2-exit-bridge-right", lambda: {"tests": PHASE2_EXIT_TESTS | {"sl_bridge_right_reps": 14}}),
    ("p2-exit-walk", lambda: {"tests": PHASE2_EXIT_TESTS | {"brisk_walk_min": 29}}),
]

EXIT_CASES = [(1, *c) for c in PHASE_1_EXIT_CASES] + [(2, *c) for c in PHASE_2_EXIT_CASES]


@pytest.mark.parametrize(("phase", "rule_id", "make"), EXIT_CASES, ids=[c[1] for c in EXIT_CASES])
def test_exit_criterion_unmet_holds(phase: int, rule_id: str, make: Callable[[], dict]) -> None:
    kwargs = {"checkins": week()} | make()
    d = decide(phase, **kwargs)
    assert d.action == "hold" and d.to_phase == phase
    assert rule_id in d.rule_ids
    # nothing else holds it back but the day-level brakes (an amber day) and the next
    # phase's entry criteria that test the same thing
    next_entry = f"p{phase + 1}-entry-"
    assert all(r == rule_id or r.startswith(("brake-", next_entry)) for r in d.rule_ids)
    assert next(r for r in d.reasons if r.rule_id == rule_id).text.startswith("Not yet:")


def test_every_exit_criterion_has_a_case() -> None:
    p = protocol()
    covered = {c[0] for c in PHASE_1_EXIT_CASES + PHASE_2_EXIT_CASES} | {
        "p1-exit-leg",
        "p2-exit-leg",
    }
    assert covered == {c.id for ph in p.phases for c in ph.exit}


# --- one test per check-in rule ------------------------------------------------------------
CHECKIN_RULE_CASES = [
    # rule id, phase, the week, expected action, expected phase, see clinician
    ("step-back-pain-red", 2, lambda: change(week(), [0, 3], pain_now=6), "step_back", 1, False),
    (
        "step-back-morning-red",
        2,
        lambda: change(week(), [1, 2], pain_next_morning=6),
        "step_back",
        1,
        False,
    ),
    (
        "step-back-leg-worse",
        3,
        lambda: change(week(), [0], leg_symptoms="worse"),
        "step_back",
        2,
        False,
    ),
    (
        "see-clinician-leg-worse-repeated",
        2,
        lambda: change(week(), [0, 2, 4], leg_symptoms="worse"),
        "step_back",
        1,
        True,
    ),
    (
        "see-clinician-pain-red-repeated",
        3,
        lambda: change(week(), [0, 1, 2, 3], pain_now=7),
        "step_back",
        2,
        True,
    ),
    ("hold-pain-amber", 2, lambda: change(week(), [0, 5], pain_now=4), "hold", 2, False),
    (
        "hold-morning-amber",
        1,
        lambda: change(week(), [2, 3], pain_next_morning=4),
        "hold",
        1,
        False,
    ),
    ("hold-stiffness", 2, lambda: week(stiffness=6), "hold", 2, False),
    (
        "step-back-pain-during-red",
        2,
        lambda: change(week(), [1, 4], pain_during=6),
        "step_back",
        1,
        False,
    ),
    ("step-back-48h-red", 3, lambda: change(week(), [3], pain_48h=4), "step_back", 2, False),
    ("hold-pain-during-amber", 2, lambda: change(week(), [0, 6], pain_during=4), "hold", 2, False),
    ("hold-effort", 1, lambda: week(effort=8), "hold", 1, False),
]


@pytest.mark.parametrize(
    ("rule_id", "phase", "make", "action", "to_phase", "see_clinician"),
    CHECKIN_RULE_CASES,
    ids=[c[0] for c in CHECKIN_RULE_CASES],
)
def test_checkin_rule(
    rule_id: str, phase: int, make: Callable, action: str, to_phase: int, see_clinician: bool
) -> None:
    d = decide(phase, make())
    assert d.action == action
    assert d.to_phase == to_phase
    assert rule_id in d.rule_ids
    assert d.see_clinician is see_clinician
    reason = next(r for r in d.reasons if r.rule_id == rule_id)
    assert reason.source and reason.text


def test_every_checkin_rule_has_a_case() -> None:
    assert {c[0] for c in CHECKIN_RULE_CASES} == {r.id for r in protocol().checkin_rules}


def test_just_below_a_rule_threshold_does_not_fire() -> None:
    d = decide(2, change(week(), [0], pain_now=6))  # one red day, rule needs two
    assert "step-back-pain-red" not in d.rule_ids
    d = decide(2, week(stiffness=5))
    assert "hold-stiffness" not in d.rule_ids


def test_red_week_in_phase_1_stays_and_suggests_a_clinician() -> None:
    d = decide(1, change(week(), [0, 1], pain_now=7))
    assert (d.action, d.to_phase, d.see_clinician) == ("hold", 1, True)
    assert d.rule_ids[-1] == "step-back-floor"


def test_step_back_beats_hold_and_hold_beats_progress() -> None:
    both = change(week(effort=8), [0, 1], pain_now=6)
    d = decide(2, both)
    assert d.action == "step_back" and "hold-effort" not in d.rule_ids
    ready_but_amber = change(week(), [0, 1], pain_now=4)
    assert decide(1, ready_but_amber).action == "hold"


def test_moving_down_is_as_explained_as_moving_up() -> None:
    down = decide(3, change(week(), [0, 1], pain_now=6))
    up = decide(1, week())
    for d in (down, up):
        assert (
            d.changes_phase
            and d.reasons
            and all(r.source and r.text and r.rule_id for r in d.reasons)
        )
    assert down.summary == "Stepping back to Phase 2" and up.summary == "Ready for Phase 2"


def test_check_ins_outside_the_last_7_days_are_ignored() -> None:
    old_flare = [
        CheckIn(day=TODAY - timedelta(days=d), pain_now=9, pain_next_morning=9) for d in (7, 8, 9)
    ]
    future = [CheckIn(day=TODAY + timedelta(days=1), pain_now=9)]
    d = decide(1, week() + old_flare + future)
    assert d.action == "progress"


def test_missed_days_hold_without_penalty() -> None:
    d = decide(2, week(days=3))
    assert d.action == "hold" and d.rule_ids == ("p2-exit-checkins",)


def test_check_in_validates_its_scores() -> None:
    with pytest.raises(ValueError):
        CheckIn(day=TODAY, pain_now=11)
    with pytest.raises(ValueError):
        CheckIn(day=TODAY, pain_now=3, leg_symptoms="tingly")
    with pytest.raises(ValueError):
        CheckIn(day=TODAY, pain_now=3, effort=-1)
