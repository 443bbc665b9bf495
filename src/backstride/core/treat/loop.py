"""A, T — Adjust and Try: the general one-change-at-a-time loop over any ladder of steps.

A ladder is a list of steps, index 0 the easiest. Each try of a step is judged green, amber
or red (:mod:`.evaluate`); then:

- green: after ``greens_needed`` greens the next step *may* be tried, once the spacing has
  passed and nothing else is being tested (never two changes at once);
- amber: repeat the same step;
- red: step back ``red_step_back`` steps (to step 0 with leg symptoms when the protocol says
  so); repeated reds suggest a clinician, then stop the ladder (back to the earlier phase).

The running engine, custom activity ladders (:func:`custom_plan`) and phase changes all use
these functions. Pure and deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from backstride.core.running_protocol.schema import GapRule, TreatRules
from backstride.core.treat.evaluate import Verdict, evaluate
from backstride.core.treat.model import Colour, Response


class LoopState(NamedTuple):
    """Where a ladder stands (immutable; a NamedTuple because the engine replays many).

    The step functions below derive each new state with ``_replace``, naming only what
    changes.
    """

    at: int = 0  # the step the next try is at (0 = the easiest)
    greens: int = 0
    ready_up: bool = False  # enough greens: the next try may be one step up
    testing: bool = False  # ``at`` is a change not yet judged green
    change_from: int = 0  # the step before the change under test
    change_on: date | None = None
    last_on: date | None = None
    reds: tuple[date, ...] = ()
    last_colour: Colour | None = None
    rule_id: str = ""  # the rule behind the last transition
    note: str = ""  # the last transition in plain words


def reds_within(rules: TreatRules, state: LoopState, as_of: date) -> int:
    since = as_of - timedelta(days=rules.adjust.reds_window_days)
    return sum(1 for d in state.reds if d > since)


def after_verdict(
    rules: TreatRules,
    state: LoopState,
    verdict: Verdict,
    on: date,
    greens_needed: int = 1,
    top: int | None = None,
    tried: int | None = None,
    substitute: bool = False,
) -> LoopState:
    """The state after judging the try made on ``on`` (at step ``tried``, default ``at``).

    ``substitute``: the try was a stand-in (the cross-trainer for a run): a red still steps
    back from the current step, a green teaches nothing about the step.
    """
    tried = state.at if tried is None or substitute else tried
    colour = verdict.colour
    if colour is Colour.RED:
        adjust = rules.adjust
        if verdict.leg_symptoms and adjust.leg_symptoms_to_first_rung:
            index, note = 0, "back to the first step (leg symptoms)"
        else:
            index = max(0, min(state.at, tried) - adjust.red_step_back_rungs)
            note = f"step back {adjust.red_step_back_rungs} steps"
        return state._replace(
            at=index,
            greens=0,
            ready_up=False,
            testing=False,
            reds=(*state.reds, on),
            last_colour=colour,
            rule_id=adjust.id,
            note=note,
        )
    if colour is Colour.AMBER:
        return state._replace(
            greens=0,
            ready_up=False,
            last_colour=colour,
            rule_id=rules.adjust.id,
            note="repeat this step",
        )
    if (
        tried < state.at or substitute
    ):  # green at an easier step than the current one: nothing to learn
        return state._replace(last_colour=colour, rule_id=rules.adjust.id, note="keep this step")
    greens = state.greens + 1
    at_top = top is not None and state.at >= top
    ready = greens >= greens_needed and not at_top
    note = "the next step may be tried" if ready else "keep this step"
    if at_top:
        note = "top of the ladder: keep it"
    return state._replace(
        greens=greens,
        ready_up=ready,
        testing=False,
        last_colour=colour,
        rule_id=rules.adjust.id,
        note=note,
    )


def after_gap(state: LoopState, gap: GapRule) -> LoopState:
    """Step down for a gap of missed sessions (the change under test is dropped)."""
    return state._replace(
        at=max(0, state.at - gap.step_back_rungs),
        greens=0,
        ready_up=False,
        testing=False,
        rule_id=gap.id,
        note=gap.advice,
    )


def earliest_change(
    rules: TreatRules, state: LoopState, other_changes: Sequence[date] = ()
) -> date | None:
    """The first date the next change may be tried (``None`` when no change is due)."""
    if not state.ready_up:
        return None
    days = rules.spacing.days
    earliest = state.last_on + timedelta(days=days) if state.last_on else date.min
    for other in other_changes:
        earliest = max(earliest, other + timedelta(days=days))
    return earliest


def try_step(
    rules: TreatRules,
    state: LoopState,
    on: date,
    top: int,
    other_changes: Sequence[date] = (),
) -> tuple[int, bool]:
    """Which step a try on ``on`` is at, and whether it tests a new change."""
    earliest = earliest_change(rules, state, [d for d in other_changes if d <= on])
    if earliest is not None and state.at < top and on >= earliest:
        return state.at + 1, True
    return state.at, False


def record_try(state: LoopState, index: int, is_change: bool, on: date) -> LoopState:
    if is_change:
        return state._replace(
            at=index,
            greens=0,
            ready_up=False,
            testing=True,
            change_from=state.at,
            change_on=on,
            last_on=on,
        )
    return state._replace(last_on=on)


# --- A custom ladder: one change at a time for any activity -----------------------------------
@dataclass(frozen=True)
class Trial:
    """One try of a step of a custom ladder (e.g. "gardening: 20 minutes weeding")."""

    on: date
    step: int
    response: Response | None


@dataclass(frozen=True)
class CustomPlan:
    step: int
    label: str
    is_change: bool
    try_on: date
    last_colour: Colour | None
    see_clinician: bool
    stopped: bool
    reasons: tuple[str, ...]


def custom_plan(
    rules: TreatRules,
    steps: Sequence[str],
    trials: Sequence[Trial],
    today: date,
    baseline: int = 0,
    other_changes: Sequence[date] = (),
) -> CustomPlan:
    """The next try of a custom ladder (any activity, or phases as steps) under the same loop."""
    if not steps:
        raise ValueError("a ladder needs at least one step")
    top = len(steps) - 1
    state = LoopState()
    reasons: list[str] = []
    ordered = sorted(trials, key=lambda t: t.on)
    for i, trial in enumerate(ordered):
        if not 0 <= trial.step <= top:
            raise ValueError(f"step {trial.step} is not on this ladder")
        index, change = try_step(rules, state, trial.on, top, other_changes)
        state = record_try(state, index, change, trial.on)
        as_of = ordered[i + 1].on if i + 1 < len(ordered) else today
        verdict = evaluate(rules, trial.response, trial.on, as_of, baseline)
        state = after_verdict(
            rules, state, verdict, trial.on, top=top, tried=min(trial.step, index)
        )
        reasons.append(f"{trial.on}: {steps[trial.step]} — {verdict.colour}: {verdict.text()}")
    reds = reds_within(rules, state, today)
    stopped = reds >= rules.adjust.phase_back_after_reds
    earliest = earliest_change(rules, state, other_changes)
    spacing_from = state.last_on + timedelta(days=rules.spacing.days) if state.last_on else today
    try_on = max(today, spacing_from, earliest or today)
    index, change = try_step(rules, state, try_on, top, other_changes)
    if stopped:
        reasons.append("repeated red responses: stop this ladder and see a clinician")
    return CustomPlan(
        step=index,
        label=steps[index],
        is_change=change and not stopped,
        try_on=try_on,
        last_colour=state.last_colour,
        see_clinician=reds >= rules.adjust.clinician_after_reds,
        stopped=stopped,
        reasons=(*reasons, state.note) if state.note else tuple(reasons),
    )


__all__ = [
    "CustomPlan",
    "LoopState",
    "Trial",
    "after_gap",
    "after_verdict",
    "custom_plan",
    "earliest_change",
    "record_try",
    "reds_within",
    "try_step",
]
