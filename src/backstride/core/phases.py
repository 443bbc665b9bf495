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
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from backstride.core.checkins import CheckIn, Context, CriterionResult, evaluate, holds, window
from backstride.core.protocol import (
    ASSESSMENT_FIELDS,
    CheckinRule,
    Phase,
    Protocol,
    SessionTemplate,
)

Action = Literal["progress", "hold", "step_back"]


@dataclass(frozen=True)
class Reason:
    """One plain-words reason with the rule that produced it and where the rule comes from."""

    rule_id: str
    text: str
    source: str
    source_keys: tuple[str, ...] = ()
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
) -> Decision:
    """Progress, hold or step back, from the last 7 days of check-ins and recorded tests.

    Check-ins outside the 7 days ending ``today`` are ignored, so passing a longer history is
    safe. ``phase_started`` feeds the ``days_in_phase`` metric (unknown when None).
    """
    phase = protocol.phase(current_phase)
    checkins = window(checkins_last_7_days, today)
    days_in_phase = (today - phase_started).days if phase_started is not None else None
    context = Context(checkins=checkins, tests=dict(objective_tests), days_in_phase=days_in_phase)

    def fired(action: str) -> list[CheckinRule]:
        out = []
        for rule in protocol.checkin_rules:
            if rule.action == action and rule.applies_to(current_phase):
                met, _ = holds(rule.condition, context)
                if met:
                    out.append(rule)
        return out

    criteria = tuple(evaluate(protocol, c, context) for c in phase.exit)

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

    step_back = fired("step_back")
    if step_back:
        see_clinician = any(r.see_clinician for r in step_back)
        reasons = [_rule_reason(protocol, r) for r in step_back]
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

    hold = fired("hold")
    if hold:
        reasons = [_rule_reason(protocol, r) for r in hold]
        see_clinician = any(r.see_clinician for r in hold)
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

    if all(c.met for c in criteria):
        next_phase = protocol.phase(current_phase + 1)
        return decide("progress", next_phase.number, [_reason(c) for c in criteria])

    return decide("hold", current_phase, [_reason(c) for c in criteria if not c.met])


# --- The day's session ----------------------------------------------------------------------
@dataclass(frozen=True)
class TodayPlan:
    kind: Literal["session", "rest", "done"]
    phase: int
    session: SessionTemplate | None
    reasons: tuple[Reason, ...]
    next_session_on: date | None = None


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
    "place",
    "plan_today",
    "progress",
]
