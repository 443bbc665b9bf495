"""The loop is general: a custom activity ladder, and phases as steps, under the same rules."""

from __future__ import annotations

from datetime import timedelta

from backstride.core.treat import Colour, Trial, custom_plan

from .helpers import AMBER, GREEN, LEG, RED, TODAY, running

GARDENING = (
    "10 minutes of light weeding, kneeling on a pad",
    "20 minutes of weeding",
    "20 minutes of weeding and carrying a half-full watering can",
    "40 minutes of mixed garden jobs",
    "an hour of digging",
)


def trials(*pairs: tuple[int, object]) -> list[Trial]:
    n = len(pairs)
    return [
        Trial(TODAY - timedelta(days=2 * (n - i)), step, response)  # type: ignore[arg-type]
        for i, (step, response) in enumerate(pairs)
    ]


def test_custom_ladder_green_tries_the_next_step() -> None:
    plan = custom_plan(running().treat, GARDENING, trials((0, GREEN), (1, GREEN)), TODAY)
    assert plan.step == 2 and plan.is_change and plan.last_colour is Colour.GREEN


def test_custom_ladder_amber_repeats() -> None:
    plan = custom_plan(running().treat, GARDENING, trials((0, GREEN), (1, AMBER)), TODAY)
    assert plan.step == 1 and not plan.is_change


def test_custom_ladder_red_steps_back_two() -> None:
    t = trials((0, GREEN), (1, GREEN), (2, GREEN), (3, RED))
    plan = custom_plan(running().treat, GARDENING, t, TODAY)
    assert plan.step == 1 and not plan.is_change


def test_custom_ladder_leg_symptoms_go_back_to_the_first_step() -> None:
    t = trials((0, GREEN), (1, GREEN), (2, GREEN), (3, LEG))
    assert custom_plan(running().treat, GARDENING, t, TODAY).step == 0


def test_custom_ladder_waits_the_spacing_and_for_other_changes() -> None:
    t = [Trial(TODAY, 0, GREEN)]
    plan = custom_plan(running().treat, GARDENING, t, TODAY + timedelta(days=1))
    assert plan.try_on >= TODAY + timedelta(days=running().treat.spacing.days)
    blocked = custom_plan(
        running().treat, GARDENING, trials((0, GREEN)), TODAY, other_changes=[TODAY]
    )
    assert blocked.try_on >= TODAY + timedelta(days=running().treat.spacing.days)


def test_repeated_reds_stop_a_custom_ladder_and_suggest_a_clinician() -> None:
    n = running().treat.adjust.phase_back_after_reds
    plan = custom_plan(running().treat, GARDENING, trials(*[(0, RED)] * n), TODAY)
    assert plan.stopped and plan.see_clinician and not plan.is_change


def test_a_phase_change_is_one_step_of_the_same_loop() -> None:
    phases = ("Phase 1: Settle", "Phase 2: Stabilise", "Phase 3: Strengthen & Return")
    up = custom_plan(running().treat, phases, trials((0, GREEN), (1, GREEN)), TODAY)
    assert up.step == 2 and up.is_change
    down = custom_plan(running().treat, phases, trials((0, GREEN), (1, GREEN), (2, RED)), TODAY)
    assert down.step == 0 and down.last_colour is Colour.RED
