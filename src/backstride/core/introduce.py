"""One new exercise at a time (T.R.E.A.T., DESIGN §3), for a phase with ``[phases.introduce]``.

The phase's new exercises form a ladder: step 0 is ``start_with``, step *k* adds the first *k*
exercises of ``order``. The sessions done in the phase are replayed through the general
T.R.E.A.T. step functions (:mod:`backstride.core.treat.loop`): a green response (and the
``[treat.spacing]`` interval) lets the next exercise in, amber repeats the step, red steps
back ``[treat.adjust]`` steps (to the start with new or spreading leg symptoms), a long gap
steps down (``[[treat.gaps]]``). Each session is judged by the same colour the athlete was
shown after the check-in (:func:`backstride.core.checkins.response_light`); a session without
a check-in, or still waiting for its next-morning answer, is never green.

The step of each past session is not stored: replaying the history gives it, so the same
history always gives the same session. Pure: no Django.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from backstride.core.checkins import CheckIn, response_light
from backstride.core.phases import Reason, TodayPlan, plan_today
from backstride.core.protocol import Introduce, Protocol, SessionTemplate
from backstride.core.running_protocol.schema import TreatRules
from backstride.core.treat.evaluate import Verdict
from backstride.core.treat.loop import (
    LoopState,
    after_gap,
    after_verdict,
    record_try,
    reds_within,
    try_step,
)
from backstride.core.treat.model import Colour


@dataclass(frozen=True)
class SessionDone:
    """A session done in the current phase, with its check-in (None if never given)."""

    day: date
    checkin: CheckIn | None = None


@dataclass(frozen=True)
class Introductions:
    """Which of the phase's exercises today's session may hold.

    ``step`` is how many exercises of ``order`` are in (including ``new_today``);
    ``exercises`` is today's session filtered to them (with ``new_today`` added even when
    its own session is another day's, so it is tried now); ``waiting`` are those still to
    come, in order.
    """

    step: int
    exercises: tuple[str, ...]
    new_today: str | None
    introduced: tuple[str, ...]
    waiting: tuple[str, ...]
    reasons: tuple[Reason, ...]
    see_clinician: bool = False


def verdict_of(protocol: Protocol, checkin: CheckIn | None) -> Verdict:
    """The colour of a session's response, as shown to the athlete after the check-in.

    Green needs the next-morning answer too (the evaluation window runs to the next morning,
    and to 48 hours when it had not settled, which the check-in colour already includes).
    """
    if checkin is None:
        return Verdict(Colour.AMBER, ("no check-in was recorded for this session",), True)
    light = response_light(protocol, checkin)
    legs = checkin.leg_symptoms == "worse"
    if light == "red":
        return Verdict(Colour.RED, ("the check-in was red",), True, legs)
    if light == "amber":
        return Verdict(Colour.AMBER, ("the check-in was amber",), True, legs)
    if checkin.pain_next_morning is None:
        return Verdict(Colour.AMBER, ("no next-morning answer yet",), False)
    return Verdict(Colour.GREEN, ("the check-in was green and had settled by morning",), True)


def introductions(
    protocol: Protocol,
    phase: int,
    session: SessionTemplate,
    done: Sequence[SessionDone],
    today: date,
    other_changes: Sequence[date] = (),
) -> Introductions:
    """Today's exercises for ``session`` under the phase's one-change-at-a-time order.

    ``done`` are the sessions done since the phase began (any order; one per day counts);
    ``other_changes`` are days on which something else new was tried (a running rung), so
    two changes are never tested together. A phase without ``[phases.introduce]`` shows its
    sessions whole.
    """
    intro = protocol.phase(phase).introduce
    if intro is None:
        return Introductions(0, session.exercises, None, (), (), ())
    if protocol.running is None:
        raise ValueError("[phases.introduce] needs the [treat] loop of the protocol")
    rules = protocol.running.treat
    top = len(intro.order)
    state = LoopState()
    by_day = {s.day: s for s in sorted(done, key=_order) if s.day <= today}
    for day in sorted(by_day):
        state = _after_gap(rules, state, day)
        # After repeated reds nothing new is added (the athlete is asked to see a clinician),
        # in the replay as on the day itself.
        if reds_within(rules, state, day) >= rules.adjust.phase_back_after_reds:
            index, change = state.at, False
        else:
            index, change = try_step(rules, state, day, top, other_changes)
        state = record_try(state, index, change, day)
        verdict = verdict_of(protocol, by_day[day].checkin)
        state = after_verdict(
            rules, state, verdict, day, greens_needed=intro.greens_to_progress, top=top
        )
    state = _after_gap(rules, state, today)
    stopped = reds_within(rules, state, today) >= rules.adjust.phase_back_after_reds
    step, change = try_step(rules, state, today, top, other_changes)
    if stopped:
        step, change = state.at, False
    return _today(protocol, intro, rules, session, state, step, change and not stopped, today)


def plan_today_one_change(
    protocol: Protocol,
    phase: int,
    done: Sequence[SessionDone],
    last_session_day: date | None,
    today: date,
    other_changes: Sequence[date] = (),
) -> TodayPlan:
    """:func:`~backstride.core.phases.plan_today` with the session cut to the exercises
    introduced so far, ``new_today`` naming the one change being tested (with its reason)."""
    plan = plan_today(protocol, phase, len(done), last_session_day, today)
    if plan.session is None or protocol.phase(phase).introduce is None:
        return plan
    intro = introductions(protocol, phase, plan.session, done, today, other_changes)
    session = replace(plan.session, exercises=intro.exercises)
    if plan.kind != "session":
        return replace(plan, session=session)
    return replace(
        plan, session=session, new_today=intro.new_today, reasons=(*intro.reasons, *plan.reasons)
    )


def _order(s: SessionDone) -> tuple[date, int]:
    # two records on one day: the one with a check-in (and the worse one) counts
    return (s.day, 0 if s.checkin is None else 1 + s.checkin.pain_now)


def _after_gap(rules: TreatRules, state: LoopState, day: date) -> LoopState:
    if state.last_on is None:
        return state
    gap = rules.gap_for((day - state.last_on).days)
    return after_gap(state, gap) if gap is not None else state


def _today(
    protocol: Protocol,
    intro: Introduce,
    rules: TreatRules,
    session: SessionTemplate,
    state: LoopState,
    step: int,
    change: bool,
    today: date,
) -> Introductions:
    introduced = intro.order[:step]
    allowed = {*intro.start_with, *introduced}
    new = introduced[-1] if change else None
    exercises = tuple(e for e in session.exercises if e in allowed)
    if new is not None and new not in exercises:
        exercises = (*exercises, new)
    source = protocol.cite(intro.sources)
    reasons: list[Reason] = []
    if new is not None:
        name = protocol.exercise(new).name
        reasons.append(
            Reason(
                intro.id,
                f"New today: {name}. This is the one change being tested. {intro.text} "
                f"{rules.rest_of_day.text}",
                source,
                intro.sources,
                True,
            )
        )
    elif step < len(intro.order):
        upcoming = protocol.exercise(intro.order[step]).name
        why = state.note or "keep this step"
        reasons.append(
            Reason(
                intro.id,
                f"No new exercise today ({why}). Next to come: {upcoming}. {intro.text}",
                source,
                intro.sources,
                None,
            )
        )
    see_clinician = reds_within(rules, state, today) >= rules.adjust.clinician_after_reds
    if see_clinician:
        reasons.append(
            Reason(
                rules.adjust.id,
                "Your back has answered red more than once lately: please see a "
                "physiotherapist or doctor before adding anything new.",
                protocol.cite(rules.adjust.sources),
                rules.adjust.sources,
                True,
            )
        )
    return Introductions(
        step=step,
        exercises=exercises,
        new_today=new,
        introduced=introduced,
        waiting=intro.order[step:],
        reasons=tuple(reasons),
        see_clinician=see_clinician,
    )


__all__ = [
    "Introductions",
    "SessionDone",
    "introductions",
    "plan_today_one_change",
    "verdict_of",
]
