"""The protocol's model: constants and frozen dataclasses (read by ``builder.py``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from backstride.core.running_protocol.schema import RunningProtocol
from backstride.core.tables import (
    EXPERT_DEFAULT,
)

SCHEMA_VERSION: Final = 1
DEFAULT_PROTOCOL_PATH: Final = (
    Path(__file__).resolve().parent.parent.parent / "protocols" / "default.toml"
)

Urgency = Literal["emergency", "urgent", "soon"]
URGENCIES: Final[tuple[str, ...]] = ("emergency", "urgent", "soon")
URGENCY_RANK: Final[Mapping[str, int]] = {"soon": 1, "urgent": 2, "emergency": 3}
SCREENS: Final[tuple[str, ...]] = ("initial", "phase_change", "weekly")
RED_FLAG_GROUPS: Final[tuple[str, ...]] = (
    "cauda_equina",
    "neurological",
    "cancer",
    "infection",
    "fracture",
    "inflammatory",
    "other",
)
OPS: Final[tuple[str, ...]] = ("<", "<=", ">", ">=", "==", "!=")
ACTIONS: Final[tuple[str, ...]] = ("step_back", "hold")
EXERCISE_CATEGORIES: Final[tuple[str, ...]] = (
    "mobility",
    "motor_control",
    "endurance",
    "strength",
    "balance",
    "walking",
    "conditioning",
    "impact",
)
TEST_UNITS: Final[tuple[str, ...]] = ("s", "reps", "min")

# Fixed registries: the only metrics and fields a rule may name. A protocol picks from these;
# it never names code.
CHECKIN_METRICS: Final[tuple[str, ...]] = ("mean", "max", "days", "checkin_days")
PHASE_METRICS: Final[tuple[str, ...]] = (*CHECKIN_METRICS, "test", "days_in_phase")
PLACEMENT_METRICS: Final[tuple[str, ...]] = ("answer", "test")
#: check-in field -> kind ("score" 0-10, or the leg-symptom vocabulary)
CHECKIN_FIELDS: Final[Mapping[str, str]] = {
    "pain_before": "score",
    "pain_during": "score",
    "pain_now": "score",
    "pain_48h": "score",
    "pain_next_morning": "score",
    "stiffness": "score",
    "effort": "score",
    "leg_symptoms": "leg",
}
LEG_STATUSES: Final[tuple[str, ...]] = ("none", "better", "same", "worse")
#: self-assessment field -> kind
ASSESSMENT_FIELDS: Final[Mapping[str, str]] = {
    "pain_now": "score",
    "pain_avg_week": "score",
    "pain_worst": "score",
    "leg_any": "bool",
    "leg_below_knee": "bool",
    "leg_pins_needles": "bool",
    "leg_numbness": "bool",
    "leg_weakness": "bool",
}


# --- The model ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Source:
    key: str
    short: str
    citation: str
    url: str = ""


@dataclass(frozen=True)
class UrgencyAdvice:
    level: str
    title: str
    action: str
    detail: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class RedFlag:
    id: str
    group: str
    question: str
    urgency: str
    reason: str
    sources: tuple[str, ...]
    screens: tuple[str, ...]
    recheck_question: str = ""
    help: str = ""

    def text_for(self, screen: str) -> str:
        """The question as worded for ``screen`` (re-screens ask about changes since last time)."""
        if screen != "initial" and self.recheck_question:
            return self.recheck_question
        return self.question


@dataclass(frozen=True)
class Condition:
    """One comparison: ``metric(field|test|where) op value``."""

    metric: str
    op: str
    value: Any
    field: str = ""
    test: str = ""
    where: Condition | None = None


@dataclass(frozen=True)
class Criterion:
    id: str
    label: str
    condition: Condition
    sources: tuple[str, ...]
    evidence_note: str = ""


@dataclass(frozen=True)
class CheckinRule:
    id: str
    action: str
    label: str
    advice: str
    condition: Condition
    sources: tuple[str, ...]
    see_clinician: bool = False
    phases: tuple[int, ...] = ()

    def applies_to(self, phase: int) -> bool:
        return not self.phases or phase in self.phases


@dataclass(frozen=True)
class Schedule:
    min_days_between_sessions: int
    rest_day_reason: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class SessionTemplate:
    id: str
    name: str
    exercises: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class Introduce:
    """``[phases.introduce]``: one new exercise at a time (the T.R.E.A.T. loop).

    ``start_with`` is shown from the phase's first session; ``order`` is introduced one
    exercise per session, the next only after ``greens_to_progress`` green responses and the
    ``[treat.spacing]`` interval (reds step back by ``[treat.adjust]``).
    """

    id: str
    text: str
    start_with: tuple[str, ...]
    order: tuple[str, ...]
    greens_to_progress: int
    sources: tuple[str, ...]
    evidence_note: str = ""


@dataclass(frozen=True)
class Phase:
    number: int
    id: str
    name: str
    goal: str
    description: str
    schedule: Schedule
    sessions: tuple[SessionTemplate, ...]
    entry: tuple[Criterion, ...] = ()
    exit: tuple[Criterion, ...] = ()
    introduce: Introduce | None = None

    @property
    def title(self) -> str:
        return f"Phase {self.number}: {self.name}"


@dataclass(frozen=True)
class Dosage:
    sets: int = 0
    reps: int = 0
    reps_label: str = ""
    hold_s: int = 0
    rest_s: int = 0
    per_side: bool = False
    duration_min: int = 0
    sources: tuple[str, ...] = ()

    def text(self) -> str:
        """Dosage in plain words, e.g. ``3 × 10 each side, hold 5 s``."""
        if self.duration_min:
            return f"{self.duration_min} min"
        side = " each side" if self.per_side else ""
        if self.reps and self.hold_s and self.sets <= 1:
            return f"{self.reps} × {self.hold_s} s hold{side}"
        if self.reps:
            if self.sets > 1:
                label = f" {self.reps_label}" if self.reps_label else ""
                main = f"{self.sets} × {self.reps}{label}{side}"
            else:
                main = f"{self.reps} {self.reps_label or 'reps'}{side}"
            return f"{main}, hold {self.hold_s} s" if self.hold_s else main
        if self.hold_s:
            sets = f"{self.sets} × " if self.sets > 1 else ""
            return f"{sets}{self.hold_s} s{side}"
        return f"{self.sets} set{'s' if self.sets != 1 else ''}{side}"

    def rest_text(self) -> str:
        return f"rest {self.rest_s} s between sets" if self.rest_s and self.sets > 1 else ""


@dataclass(frozen=True)
class Exercise:
    id: str
    name: str
    phases: tuple[int, ...]
    category: str
    summary: str
    setup: tuple[str, ...]
    movement: tuple[str, ...]
    feel: tuple[str, ...]
    mistakes: tuple[str, ...]
    dosage: Dosage
    tags: tuple[str, ...] = ()
    caution: str = ""
    regression: str = ""
    progression: str = ""
    image: str = ""
    video: str = ""


@dataclass(frozen=True)
class ObjectiveTest:
    id: str
    name: str
    unit: str
    min: float
    max: float
    phase: int
    instructions: str
    sources: tuple[str, ...]

    @property
    def unit_label(self) -> str:
        return {"s": "seconds", "reps": "repetitions", "min": "minutes"}[self.unit]


@dataclass(frozen=True)
class NprsSettings:
    mcid_points: float
    mcid_percent: float
    combine: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class PsfsSettings:
    mcid_points_average: float
    mcid_points_single: float
    min_items: int
    max_items: int
    sources: tuple[str, ...]


@dataclass(frozen=True)
class OutcomeSettings:
    interval_days: int
    max_interval_days: int
    sources: tuple[str, ...]
    nprs: NprsSettings
    psfs: PsfsSettings
    #: no meaningful improvement this many days after the first scores: see a clinician
    review_after_days: int = 42
    review_sources: tuple[str, ...] = ("expert default",)


@dataclass(frozen=True)
class ProgressionSettings:
    """Day-level brakes on moving up: one red day blocks, one amber day holds, and pain may not
    rise week on week. The colours are those of ``checkins.response_light``."""

    red_day_window_days: int = 7
    amber_day_window_days: int = 7
    rise_points: float = 1.0
    sources: tuple[str, ...] = ("expert default",)
    evidence_note: str = ""


@dataclass(frozen=True)
class FlagCombination:
    """Red flags that together (or with age) are more urgent than each alone.

    Fires when every flag in ``flags`` and at least one of ``any_of`` (if given) was triggered,
    and the person is at least ``min_age`` (an unknown age counts as meeting it).
    """

    id: str
    flags: tuple[str, ...]
    urgency: str
    reason: str
    sources: tuple[str, ...]
    any_of: tuple[str, ...] = ()
    min_age: int = 0


@dataclass(frozen=True)
class AgeFlag:
    """A warning sign made of age plus an answer in the assessment's history.

    Fires in its ``screens`` when the person is at least ``min_age`` (an unknown age counts as
    meeting it) and the history answer ``field`` is one of ``answers``; a missing answer
    counts as "not sure", never as no.
    """

    id: str
    group: str
    question: str
    min_age: int
    field: str
    answers: tuple[str, ...]
    urgency: str
    reason: str
    sources: tuple[str, ...]
    screens: tuple[str, ...] = ("initial",)
    evidence_note: str = ""


#: History answers an age flag may read (the assessment's "history" step).
AGE_FLAG_FIELDS: Final[Mapping[str, tuple[str, ...]]] = {
    "episodes": ("first", "before"),
    "after_fall": ("yes", "no", "unsure"),
}


@dataclass(frozen=True)
class RuleInfo:
    """Anything that carries a clinical number or decision, for listing and source checks."""

    id: str
    kind: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Protocol:
    id: str
    version: str
    title: str
    description: str
    sources: Mapping[str, Source]
    urgency: Mapping[str, UrgencyAdvice]
    red_flags: tuple[RedFlag, ...]
    weekly_every_days: int
    weekly_sources: tuple[str, ...]
    objective_tests: Mapping[str, ObjectiveTest]
    phases: tuple[Phase, ...]
    checkin_rules: tuple[CheckinRule, ...]
    outcomes: OutcomeSettings
    exercises: Mapping[str, Exercise]
    filename: str = "<protocol>"
    digest: str = ""
    progression: ProgressionSettings = ProgressionSettings()
    flag_combinations: tuple[FlagCombination, ...] = ()
    #: warning signs made of age plus a history answer (onset at 50+, a fall when older)
    age_flags: tuple[AgeFlag, ...] = ()
    #: the T.R.E.A.T. loop and running ladder (``core/running_protocol/schema.py``)
    running: RunningProtocol | None = None

    # -- lookups
    def phase(self, number: int) -> Phase:
        for phase in self.phases:
            if phase.number == number:
                return phase
        raise KeyError(f"protocol {self.id} has no phase {number}")

    @property
    def first_phase(self) -> int:
        return self.phases[0].number

    @property
    def last_phase(self) -> int:
        return self.phases[-1].number

    def red_flags_for(self, screen: str) -> tuple[RedFlag, ...]:
        if screen not in SCREENS:
            raise ValueError(f"unknown screen {screen!r}; expected one of {', '.join(SCREENS)}")
        return tuple(f for f in self.red_flags if screen in f.screens)

    def red_flag(self, flag_id: str) -> RedFlag:
        for flag in self.red_flags:
            if flag.id == flag_id:
                return flag
        raise KeyError(flag_id)

    def exercise(self, exercise_id: str) -> Exercise:
        return self.exercises[exercise_id]

    def session(self, session_id: str) -> SessionTemplate:
        for phase in self.phases:
            for session in phase.sessions:
                if session.id == session_id:
                    return session
        raise KeyError(session_id)

    def cite(self, keys: Iterable[str]) -> str:
        """Short human-readable attribution for ``keys`` (``"expert default"`` stays as is)."""
        out = []
        for key in keys:
            if key == EXPERT_DEFAULT:
                out.append("Expert default (the practice's clinical judgement)")
            elif key in self.sources:
                out.append(self.sources[key].short)
            else:
                out.append(key)
        return "; ".join(out)

    def citations(self, keys: Iterable[str]) -> list[Source]:
        return [self.sources[k] for k in keys if k in self.sources]

    # -- inventory
    def rules(self) -> list[RuleInfo]:
        """Every decision rule: placement and progression criteria, check-in rules, schedules,
        re-screen interval and outcome settings (red flags and exercises are counted apart)."""
        rules: list[RuleInfo] = []
        for phase in self.phases:
            rules += [RuleInfo(c.id, "entry", c.sources) for c in phase.entry]
            rules += [RuleInfo(c.id, "exit", c.sources) for c in phase.exit]
            rules.append(RuleInfo(f"{phase.id}-schedule", "schedule", phase.schedule.sources))
            if phase.introduce is not None:
                rules.append(RuleInfo(phase.introduce.id, "introduce", phase.introduce.sources))
        rules += [RuleInfo(r.id, "checkin", r.sources) for r in self.checkin_rules]
        rules.append(RuleInfo("screening-weekly", "screening", self.weekly_sources))
        rules.append(RuleInfo("progression-brakes", "progression", self.progression.sources))
        rules += [RuleInfo(c.id, "combination", c.sources) for c in self.flag_combinations]
        rules += [RuleInfo(a.id, "age_flag", a.sources) for a in self.age_flags]
        rules.append(RuleInfo("outcomes-schedule", "outcomes", self.outcomes.sources))
        rules.append(RuleInfo("outcomes-nprs-mcid", "outcomes", self.outcomes.nprs.sources))
        rules.append(RuleInfo("outcomes-psfs-mcid", "outcomes", self.outcomes.psfs.sources))
        rules.append(RuleInfo("outcomes-review", "outcomes", self.outcomes.review_sources))
        return rules

    def rules_without_source(self) -> list[str]:
        """Ids of every rule, red flag, test or dosage that carries no source at all."""
        items: list[RuleInfo] = [
            *self.rules(),
            *(RuleInfo(f.id, "red_flag", f.sources) for f in self.red_flags),
            *(RuleInfo(t.id, "test", t.sources) for t in self.objective_tests.values()),
            *(
                RuleInfo(f"{e.id}.dosage", "dosage", e.dosage.sources)
                for e in self.exercises.values()
            ),
        ]
        return [item.id for item in items if not item.sources]

    def summary(self) -> dict[str, Any]:
        return {
            "red_flags": len(self.red_flags),
            "phases": len(self.phases),
            "exercises": len(self.exercises),
            "rules": len(self.rules()),
            "rules_without_source": self.rules_without_source(),
            **(self.running.summary() if self.running else {}),
        }
