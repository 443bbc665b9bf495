"""Phase placement, progression (progress / hold / step back) and the session of the day.

All rules come from the protocol; this module only applies them, and every outcome carries
reasons in plain words with the rule id and source, for a "why?" disclosure.

- :func:`place`: from the self-assessment, the highest phase whose entry criteria (and those
  of every phase below it) are met. A worse assessment can never give a higher phase.
- :func:`progress`: from the last 7 days of check-ins and the recorded tests. Step-back rules
  are looked at first, then hold rules, then the current phase's exit criteria. Moving down
  is a first-class outcome, not an error path.
- :func:`plan_today`: which session today, or a rest day and why. Sessions rotate in order;
  a missed day never skips or breaks anything: the plan picks up where you left off.

Pure: the same inputs always give the same output.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal

from backstride.core import treat
from backstride.core.checkins import (
    CheckIn,
    Context,
    CriterionResult,
    day_lights,
    evaluate,
    format_value,
    holds,
    pain_rise,
    window,
)
from backstride.core.protocol import (
    ASSESSMENT_FIELDS,
    CheckinRule,
    Criterion,
    Phase,
    Protocol,
    SessionTemplate,
)

Action = Literal["progress", "hold", "step_back"]


@dataclass(frozen=True)
class Reason(treat.Reason):
    """A plain-words reason (rule, text, source) and, for a criterion, whether it was met."""

    met: bool | None = None


@dataclass(frozen=True)
class Assessment:
    pain_now: int
    pain_avg_week: int
    pain_worst: int
    leg_below_knee: bool = False
    leg_pins_needles: bool = False
    leg_numbness: bool = False
    leg_weakness: bool = False
    leg_any: bool | None = None
    tests: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("pain_now", "pain_avg_week", "pain_worst"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
                raise ValueError(f"{name} must be a whole number from 0 to 10, got {value!r}")
        if self.leg_any is None:
            derived = (
                self.leg_below_knee
                or self.leg_pins_needles
                or self.leg_numbness
                or self.leg_weakness
            )
            object.__setattr__(self, "leg_any", derived)

    def answers(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in ASSESSMENT_FIELDS}


@dataclass(frozen=True)
class Placement:
    phase: int
    reasons: tuple[Reason, ...]
    criteria: tuple[CriterionResult, ...]

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(r.rule_id for r in self.reasons)


@dataclass(frozen=True)
class Decision:
    action: Action
    from_phase: int
    to_phase: int
    reasons: tuple[Reason, ...]
    rule_ids: tuple[str, ...]
    see_clinician: bool = False
    criteria: tuple[CriterionResult, ...] = ()

    @property
    def changes_phase(self) -> bool:
        return self.to_phase != self.from_phase

    @property
    def summary(self) -> str:
        if self.action == "progress":
            return f"Ready for Phase {self.to_phase}"
        if self.action == "step_back":
            return f"Stepping back to Phase {self.to_phase}"
        return f"Staying in Phase {self.from_phase}"


def _reason(result: CriterionResult) -> Reason:
    return Reason(result.id, result.text, result.source, result.source_keys, result.met)


def _rule_reason(protocol: Protocol, rule: CheckinRule) -> Reason:
    return Reason(
        rule.id, f"{rule.label}. {rule.advice}", protocol.cite(rule.sources), rule.sources, True
    )


# --- Placement ------------------------------------------------------------------------------
def place(protocol: Protocol, assessment: Assessment) -> Placement:
    """Place a new athlete: highest phase whose entry criteria, cumulatively, are all met."""
    context = Context(answers=assessment.answers(), tests=dict(assessment.tests))
    placed = protocol.first_phase
    all_results: list[CriterionResult] = []
    blocking: list[CriterionResult] = []
    met_for_placed: list[CriterionResult] = []
    for phase in protocol.phases[1:]:
        results = [evaluate(protocol, c, context) for c in phase.entry]
        all_results += results
        if all(r.met for r in results):
            placed = phase.number
            met_for_placed += results
        else:
            blocking = [r for r in results if not r.met]
            break
    reasons: list[Reason] = []
    phase = protocol.phase(placed)
    if placed == protocol.first_phase:
        reasons.append(
            Reason(
                "placement-start",
                f"Everyone can start in {phase.title}. {phase.goal}",
                "Expert default (the practice's clinical judgement)",
                ("expert default",),
                True,
            )
        )
    reasons += [_reason(r) for r in met_for_placed]
    reasons += [_reason(r) for r in blocking]
    return Placement(phase=placed, reasons=tuple(reasons), criteria=tuple(all_results))


# --- Progression ----------------------------------------------------------------------------
def progress(
    protocol: Protocol,
    current_phase: int,
    checkins_last_7_days: Iterable[CheckIn],
    objective_tests: Mapping[str, float],
    today: date,
    phase_started: date | None = None,
    *,
    history: Iterable[CheckIn] = (),
    placed_here: bool = False,
    leg_answers: Mapping[str, bool] | None = None,
) -> Decision:
    """Progress, hold or step back, from the check-ins of the last 7 days and recorded tests.

    ``checkins_last_7_days`` are the check-ins made since the current phase began; outside
    the 7 days ending ``today`` they are ignored, so passing a longer history is safe.
    ``history`` holds the check-ins made *before* the phase began: they never cause a second
    step back for the same bad days, but they still count for "see a clinician" rules, for
    the day colours that block a move up, and for a rise in pain week on week.

    Order: step-back rules, hold rules, the brakes (any red day blocks, any amber day holds,
    no rise in pain), then the current phase's exit criteria *and* the next phase's entry
    criteria, evaluated on the check-ins (as the self-assessment answers they stand for) and
    the recorded tests. ``days_in_phase`` does not apply when ``placed_here`` (the phase was
    reached by the first placement, not by progressing). ``leg_answers`` are the latest
    self-assessment leg answers, used only while check-ins still report leg symptoms.
    """
    phase = protocol.phase(current_phase)
    in_phase = window(checkins_last_7_days, today)
    everything_list = [*checkins_last_7_days, *history]
    everything = window(set(everything_list), today)
    days_in_phase = (today - phase_started).days if phase_started is not None else None
    tests = dict(objective_tests)
    context = Context(checkins=in_phase, tests=tests, days_in_phase=days_in_phase)
    full_context = Context(checkins=everything, tests=tests, days_in_phase=days_in_phase)

    def fired(action: str, ctx: Context) -> list[CheckinRule]:
        out = []
        for rule in protocol.checkin_rules:
            if rule.action == action and rule.applies_to(current_phase):
                met, _ = holds(rule.condition, ctx)
                if met:
                    out.append(rule)
        return out

    criteria = tuple(_exit_result(protocol, c, context, placed_here) for c in phase.exit)
    if current_phase != protocol.last_phase:
        entry_context = Context(
            checkins=everything,
            tests=tests,
            answers=answers_from_checkins(everything, leg_answers),
        )
        next_phase = protocol.phase(current_phase + 1)
        criteria += tuple(evaluate(protocol, c, entry_context) for c in next_phase.entry)

    def decide(
        action: Action, to_phase: int, reasons: list[Reason], see_clinician: bool = False
    ) -> Decision:
        return Decision(
            action=action,
            from_phase=current_phase,
            to_phase=to_phase,
            reasons=tuple(reasons),
            rule_ids=tuple(r.rule_id for r in reasons),
            see_clinician=see_clinician,
            criteria=criteria,
        )

    step_back = fired("step_back", context)
    # "See a clinician" patterns read across phase changes, without a second step back.
    earlier_patterns = [
        r for r in fired("step_back", full_context) if r.see_clinician and r not in step_back
    ]
    clinician_reasons = [_rule_reason(protocol, r) for r in earlier_patterns]
    if step_back:
        see_clinician = any(r.see_clinician for r in step_back) or bool(earlier_patterns)
        reasons = [_rule_reason(protocol, r) for r in step_back] + clinician_reasons
        if current_phase == protocol.first_phase:
            reasons.append(
                Reason(
                    "step-back-floor",
                    f"You are already in {phase.title}, so we'll keep things gentle here. If this "
                    "doesn't settle within a week or two, please see a physiotherapist or doctor.",
                    "NICE NG59 (2016, updated 2020); expert default",
                    ("nice_ng59", "expert default"),
                    True,
                )
            )
            return decide("hold", current_phase, reasons, see_clinician=True)
        return decide("step_back", current_phase - 1, reasons, see_clinician=see_clinician)

    hold = fired("hold", context)
    if hold or earlier_patterns:
        reasons = [_rule_reason(protocol, r) for r in hold] + clinician_reasons
        see_clinician = any(r.see_clinician for r in hold) or bool(earlier_patterns)
        return decide("hold", current_phase, reasons, see_clinician=see_clinician)

    if current_phase == protocol.last_phase:
        reason = Reason(
            "final-phase",
            f"{phase.title} is the last phase. From here the running ladder takes you back "
            "to running one step at a time.",
            "Expert default (the practice's clinical judgement)",
            ("expert default",),
            True,
        )
        return Decision("hold", current_phase, current_phase, (reason,), (reason.rule_id,))

    not_yet = [_reason(c) for c in criteria if not c.met]
    brakes = progression_brakes(protocol, everything_list, today)
    if brakes:
        return decide("hold", current_phase, brakes + not_yet)

    if all(c.met for c in criteria):
        return decide("progress", current_phase + 1, [_reason(c) for c in criteria])

    return decide("hold", current_phase, not_yet)


def _exit_result(
    protocol: Protocol, criterion: Criterion, context: Context, placed_here: bool
) -> CriterionResult:
    result = evaluate(protocol, criterion, context)
    if placed_here and criterion.condition.metric == "days_in_phase" and not result.met:
        return replace(
            result,
            met=True,
            label=f"{criterion.label}: does not apply, your assessment placed you in this phase",
        )
    return result


def answers_from_checkins(
    checkins: tuple[CheckIn, ...], leg_answers: Mapping[str, bool] | None = None
) -> dict[str, Any]:
    """What the check-ins say in the self-assessment's terms, for the next phase's entry.

    Pain now is the latest check-in's, the week's average is the mean of ``pain_now`` and the
    worst is the highest pain (after a session or next morning). If no check-in reported leg
    symptoms there are none of any kind; otherwise ``leg_any`` is true and the kinds come from
    ``leg_answers`` (unknown without them, which never meets a criterion).
    """
    if not checkins:
        return {}
    pains = [c.pain_now for c in checkins]
    worst = max([*pains, *(c.pain_next_morning for c in checkins if c.pain_next_morning)])
    legs = any(c.leg_symptoms != "none" for c in checkins)
    out: dict[str, Any] = {
        "pain_now": checkins[-1].pain_now,
        "pain_avg_week": round(sum(pains) / len(pains), 2),
        "pain_worst": worst,
        "leg_any": legs,
    }
    for name in ("leg_below_knee", "leg_pins_needles", "leg_numbness", "leg_weakness"):
        out[name] = (leg_answers or {}).get(name) if legs else False
    return out


def progression_brakes(
    protocol: Protocol, checkins: Iterable[CheckIn], today: date
) -> list[Reason]:
    """Reasons that forbid a move up today: a red day, an amber day, a next-morning answer
    missing for two days or more (counted as amber, never green), or pain on the rise.

    The day colours are those of :func:`backstride.core.checkins.response_light`; the
    windows and the rise limit come from the protocol's ``[progression]`` table.
    """
    settings = protocol.progression
    history = list(checkins)
    source = protocol.cite(settings.sources)
    reasons: list[Reason] = []

    def brake(rule_id: str, text: str) -> None:
        reasons.append(Reason(rule_id, text, source, settings.sources, True))

    red = sorted(
        d
        for d, light in day_lights(
            protocol, window(history, today, settings.red_day_window_days)
        ).items()
        if light == "red"
    )
    amber = sorted(
        d
        for d, light in day_lights(
            protocol, window(history, today, settings.amber_day_window_days)
        ).items()
        if light != "green"
    )
    if red:
        brake(
            "brake-red-day",
            f"You had a red day on {red[-1]:%A %-d %B} (pain 6/10 or more, or new or spreading "
            "leg symptoms). We won't move you up until you have had "
            f"{settings.red_day_window_days} days without one.",
        )
    elif amber:
        brake(
            "brake-amber-day",
            f"You had an amber day on {amber[-1]:%A %-d %B} (pain 4 or 5 out of 10). "
            "We'll hold at this level until a full week is green.",
        )
    if not red and not amber:
        unanswered = sorted(
            c.day
            for c in window(history, today, settings.amber_day_window_days)
            if c.pain_next_morning is None and (today - c.day).days >= 2
        )
        if unanswered:
            brake(
                "brake-missing-answer",
                f"We don't know how your back felt the morning after {unanswered[-1]:%A %-d %B}. "
                "A missing answer counts as amber, never green, so we hold for now.",
            )
    rise = pain_rise(history, today)
    if rise is not None and rise[1] >= settings.rise_points:
        what = "after sessions" if rise[0] == "pain_now" else "the next morning"
        brake(
            "brake-pain-rise",
            f"Your pain {what} has been creeping up (by {format_value(rise[1])} points). "
            "Even when each day is under the limit, a rise means hold, not move up.",
        )
    return reasons


# --- The day's session ----------------------------------------------------------------------
@dataclass(frozen=True)
class TodayPlan:
    kind: Literal["session", "rest", "done"]
    phase: int
    session: SessionTemplate | None
    reasons: tuple[Reason, ...]
    next_session_on: date | None = None
    #: the one new exercise being tested today (``core/introduce.py``), if any
    new_today: str | None = None


def plan_today(
    protocol: Protocol,
    phase: int,
    sessions_done_in_phase: int,
    last_session_day: date | None,
    today: date,
) -> TodayPlan:
    """Today's session, or a rest day and why, or "done for today".

    Sessions rotate in the protocol's order by how many were *done*, not by the calendar, so
    missed days never skip a session or break the plan.
    """
    definition: Phase = protocol.phase(phase)
    schedule = definition.schedule
    rotation = definition.sessions
    upcoming = rotation[sessions_done_in_phase % len(rotation)] if rotation else None
    source = protocol.cite(schedule.sources)
    rule_id = f"{definition.id}-schedule"
    if last_session_day is not None and last_session_day >= today:
        return TodayPlan(
            "done",
            phase,
            upcoming,
            (
                Reason(
                    rule_id,
                    "Today's session is done. Well done — the next one is tomorrow or after.",
                    source,
                    schedule.sources,
                ),
            ),
        )
    if last_session_day is not None:
        gap = (today - last_session_day).days
        if gap < schedule.min_days_between_sessions:
            next_day = date.fromordinal(
                last_session_day.toordinal() + schedule.min_days_between_sessions
            )
            return TodayPlan(
                "rest",
                phase,
                upcoming,
                (Reason(rule_id, schedule.rest_day_reason, source, schedule.sources),),
                next_session_on=next_day,
            )
    reasons: list[Reason] = []
    if last_session_day is not None and (today - last_session_day).days > 3:
        reasons.append(
            Reason(
                "missed-days",
                "Welcome back. Missed days don't break the plan: we pick up where you left off.",
                "Expert default (the practice's clinical judgement)",
                ("expert default",),
            )
        )
    return TodayPlan("session", phase, upcoming, tuple(reasons))


__all__ = [
    "Assessment",
    "Decision",
    "Placement",
    "Reason",
    "TodayPlan",
    "answers_from_checkins",
    "place",
    "plan_today",
    "progress",
    "progression_brakes",
]
