"""E — Evaluate: every colour boundary of [treat.colours], one row each."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backstride.core.treat import Colour, Response, evaluate

from .helpers import TODAY, running

DAY = TODAY - timedelta(days=3)  # all windows due


def full(**changes: object) -> Response:
    base: dict[str, object] = {
        "pain_during": 1,
        "pain_after": 1,
        "pain_evening": 1,
        "pain_next_morning": 0,
        "pain_48h": None,
        "leg_new": False,
        "leg_spreading": False,
        "stiffness": 1,
    }
    base.update(changes)
    return Response(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "response", "baseline", "colour"),
    [
        ("green_at_the_limit_during", full(pain_during=3), 0, Colour.GREEN),
        ("amber_just_above_green_during", full(pain_during=4), 0, Colour.AMBER),
        ("amber_at_five_during", full(pain_during=5), 0, Colour.AMBER),
        ("red_above_five_during", full(pain_during=6), 0, Colour.RED),
        ("amber_straight_after", full(pain_after=4), 0, Colour.AMBER),
        ("red_straight_after", full(pain_after=6), 0, Colour.RED),
        ("amber_that_evening", full(pain_evening=5), 0, Colour.AMBER),
        ("red_that_evening", full(pain_evening=6), 0, Colour.RED),
        ("red_next_morning_above_five", full(pain_next_morning=6, pain_48h=0), 0, Colour.RED),
        (
            "amber_not_settled_by_morning_but_by_48h",
            full(pain_next_morning=2, pain_48h=0),
            0,
            Colour.AMBER,
        ),
        ("red_still_worse_after_48h", full(pain_next_morning=2, pain_48h=1), 0, Colour.RED),
        ("green_back_to_own_baseline", full(pain_next_morning=2), 2, Colour.GREEN),
        ("red_new_leg_symptoms", full(leg_new=True), 0, Colour.RED),
        ("red_spreading_leg_symptoms", full(leg_spreading=True), 0, Colour.RED),
        ("amber_missing_next_morning", full(pain_next_morning=None), 0, Colour.AMBER),
        ("amber_missing_during", full(pain_during=None), 0, Colour.AMBER),
        ("amber_missing_leg_answer", full(leg_new=None), 0, Colour.AMBER),
        ("amber_missing_48h_when_not_settled", full(pain_next_morning=3), 0, Colour.AMBER),
    ],
)
def test_colour_boundaries(name: str, response: Response, baseline: int, colour: Colour) -> None:
    verdict = evaluate(running().treat, response, DAY, TODAY, baseline)
    assert verdict.colour is colour, (name, verdict)
    assert verdict.findings


def test_no_check_in_is_amber_never_green() -> None:
    verdict = evaluate(running().treat, None, DAY, TODAY)
    assert verdict.colour is Colour.AMBER and verdict.final


def test_answers_not_yet_due_leave_a_provisional_amber() -> None:
    verdict = evaluate(running().treat, full(pain_next_morning=None), TODAY, TODAY)
    assert verdict.colour is Colour.AMBER and not verdict.final


def test_pain_rising_week_on_week_is_amber() -> None:
    treat = running().treat
    points = treat.colours.week_rise_points
    assert evaluate(treat, full(), DAY, TODAY, week_rise=points).colour is Colour.AMBER
    assert evaluate(treat, full(), DAY, TODAY, week_rise=points - 0.5).colour is Colour.GREEN


def test_impossible_pain_is_refused() -> None:
    with pytest.raises(ValueError, match="0 to 10"):
        Response(pain_during=11)
