"""Phase placement from the self-assessment: one test per phase boundary."""

from __future__ import annotations

import pytest

from backstride.core.phases import Assessment, place

from .helpers import PHASE2_EXIT_TESTS, protocol

CALM = {"pain_now": 2, "pain_avg_week": 2, "pain_worst": 4}


def test_high_pain_starts_in_phase_1_with_a_reason() -> None:
    placement = place(protocol(), Assessment(pain_now=7, pain_avg_week=6, pain_worst=8))
    assert placement.phase == 1
    assert placement.reasons[0].rule_id == "placement-start"
    assert "p2-entry-pain-now" in placement.rule_ids


def test_calm_back_without_leg_symptoms_starts_in_phase_2() -> None:
    placement = place(protocol(), Assessment(**CALM))
    assert placement.phase == 2
    assert {"p2-entry-pain-now", "p2-entry-pain-week", "p2-entry-below-knee"} <= set(
        placement.rule_ids
    )
    # and it says why not phase 3
    assert any(r.rule_id.startswith("p3-") and not r.met for r in placement.reasons)


def test_phase_3_needs_recorded_tests_at_assessment() -> None:
    p = protocol()
    assert place(p, Assessment(**CALM)).phase == 2
    assert place(p, Assessment(**CALM, tests=PHASE2_EXIT_TESTS)).phase == 3


# (field, value at the boundary → phase 2, value just past it → phase 1)
PHASE_2_BOUNDARIES = [
    ("pain_now", 3, 4),
    ("pain_avg_week", 3, 4),
    ("pain_worst", 6, 7),
    ("leg_below_knee", False, True),
    ("leg_pins_needles", False, True),  # pins and needles in the foot: not Phase 2 yet
    ("leg_numbness", False, True),
    ("leg_weakness", False, True),
]


@pytest.mark.parametrize(("field", "inside", "outside"), PHASE_2_BOUNDARIES)
def test_phase_2_entry_boundary(field: str, inside: object, outside: object) -> None:
    p = protocol()
    base = dict(CALM)
    assert place(p, Assessment(**(base | {field: inside}))).phase == 2
    placement = place(p, Assessment(**(base | {field: outside})))
    assert placement.phase == 1
    assert any(not r.met for r in placement.reasons)


PHASE_3_BOUNDARIES = [
    ("pain_avg_week", 2, 3),
    ("pain_worst", 4, 5),
    ("leg_any", False, True),  # any leg symptom at all keeps phase 3 out of reach
]


@pytest.mark.parametrize(("field", "inside", "outside"), PHASE_3_BOUNDARIES)
def test_phase_3_entry_boundary(field: str, inside: object, outside: object) -> None:
    p = protocol()
    assert place(p, Assessment(**(CALM | {field: inside}), tests=PHASE2_EXIT_TESTS)).phase == 3
    assert place(p, Assessment(**(CALM | {field: outside}), tests=PHASE2_EXIT_TESTS)).phase == 2


@pytest.mark.parametrize(("test_id", "passing"), sorted(PHASE2_EXIT_TESTS.items()))
def test_phase_3_entry_test_boundary(test_id: str, passing: int) -> None:
    p = protocol()
    tests = dict(PHASE2_EXIT_TESTS)
    tests[test_id] = passing - 1
    placement = place(p, Assessment(**CALM, tests=tests))
    assert placement.phase == 2
    assert any(not r.met and "yours:" in r.text for r in placement.reasons)


def test_out_of_range_assessment_is_refused() -> None:
    with pytest.raises(ValueError):
        Assessment(pain_now=11, pain_avg_week=2, pain_worst=3)
    with pytest.raises(ValueError):
        Assessment(pain_now=-1, pain_avg_week=2, pain_worst=3)


def test_leg_any_is_derived_from_the_leg_answers() -> None:
    assert Assessment(pain_now=1, pain_avg_week=1, pain_worst=1, leg_numbness=True).leg_any is True
    assert Assessment(pain_now=1, pain_avg_week=1, pain_worst=1).leg_any is False
