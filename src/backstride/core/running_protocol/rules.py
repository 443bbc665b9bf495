"""The T.R.E.A.T. loop and the running ladder as protocol data: the rule types.

``[treat]`` holds the general loop (one change per test, rest of the day, evaluation windows,
traffic-light thresholds, adjustments, spacing, gaps); ``[running]`` holds the Phase 3 return
to running (gate, readiness tests, pace, volume, guards, post-run care and the ladders). The
file is read and checked by :mod:`.read_treat` and :mod:`.read_running`.

Pure Python: no Django.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

WINDOWS: Final[tuple[str, ...]] = ("during", "after", "evening", "next_morning", "h48")
WINDOW_WHEN: Final[tuple[str, ...]] = ("always", "if_not_settled")
RUNG_KINDS: Final[tuple[str, ...]] = ("cross_trainer", "walk_run", "continuous_run")
AUDIENCES: Final[tuple[str, ...]] = ("returning", "beginner")
READINESS_UNITS: Final[tuple[str, ...]] = ("min", "s", "reps")
#: The beginner ladder ends with continuous running of this many minutes (DESIGN §3).
BEGINNER_END_MIN: Final[tuple[int, int]] = (20, 30)


@dataclass(frozen=True)
class TextRule:
    id: str
    text: str
    sources: tuple[str, ...]
    evidence_note: str = ""


@dataclass(frozen=True)
class Window:
    """One evaluation window: when its answer is due and whether it is always asked."""

    window: str
    question: str
    due_day: int
    when: str
    sources: tuple[str, ...]

    @property
    def id(self) -> str:
        return f"treat-window-{self.window.replace('_', '-')}"


@dataclass(frozen=True)
class Colours:
    id: str
    green_max_pain: int
    amber_max_pain: int
    settled_margin: int
    week_rise_points: float
    leg_symptoms_red: bool
    sources: tuple[str, ...]
    evidence_note: str = ""


@dataclass(frozen=True)
class Adjust:
    id: str
    red_step_back_rungs: int
    leg_symptoms_to_first_rung: bool
    reds_window_days: int
    clinician_after_reds: int
    phase_back_after_reds: int
    phase_back_to: int
    sources: tuple[str, ...]
    evidence_note: str = ""


@dataclass(frozen=True)
class Spacing:
    id: str
    min_hours: int
    sources: tuple[str, ...]
    evidence_note: str = ""

    @property
    def days(self) -> int:
        """Whole days between tries (sessions are planned by date)."""
        return max(1, math.ceil(self.min_hours / 24))


@dataclass(frozen=True)
class GapRule:
    id: str
    min_days: int
    step_back_rungs: int
    redo_readiness: bool
    advice: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class TreatRules:
    """The general loop, for the running ladder and any other one-change-at-a-time ladder."""

    one_change: TextRule
    rest_of_day: TextRule
    windows: tuple[Window, ...]
    colours: Colours
    adjust: Adjust
    spacing: Spacing
    gaps: tuple[GapRule, ...]  # largest min_days first

    def gap_for(self, days: int) -> GapRule | None:
        """The gap rule for ``days`` without a session (the largest that applies)."""
        for gap in self.gaps:
            if days >= gap.min_days:
                return gap
        return None

    def window(self, name: str) -> Window:
        for w in self.windows:
            if w.window == name:
                return w
        raise KeyError(name)


@dataclass(frozen=True)
class Gate:
    id: str
    phase: int
    readiness_valid_days: int
    sources: tuple[str, ...]


@dataclass(frozen=True)
class ReadinessTest:
    id: str
    name: str
    how: str
    unit: str
    at_least: float
    no_symptom_rise: bool
    sources: tuple[str, ...]
    test: str = ""  # the objective test this result is also recorded as, if any


@dataclass(frozen=True)
class PaceRules:
    id: str
    default_kmh: float
    band_width_kmh: float
    min_kmh: float
    max_kmh: float
    walk_kmh: float
    personal_window_days: int
    personal_min_runs: int
    talk_test: str
    sources: tuple[str, ...]
    evidence_note: str = ""


@dataclass(frozen=True)
class VolumeRules:
    id: str
    max_increase_percent: float
    sources: tuple[str, ...]
    evidence_note: str = ""


@dataclass(frozen=True)
class LongestRunGuard:
    id: str
    max_over_percent: float
    window_days: int
    sources: tuple[str, ...]
    evidence_note: str = ""


@dataclass(frozen=True)
class NoLongSlow:
    id: str
    max_session_min: int
    sources: tuple[str, ...]
    evidence_note: str = ""


@dataclass(frozen=True)
class Substitute:
    id: str
    min_minutes: int
    max_minutes: int
    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class PostRunCare:
    id: str
    cool_down_walk_min: int
    routine: str
    ice_min: int
    ice_max: int
    alternative: str
    sources: tuple[str, ...]
    evidence_note: str = ""


@dataclass(frozen=True)
class Rung:
    id: str
    label: str
    kind: str
    sessions_per_week: int
    min_hours_between: int
    greens_to_progress: int
    sources: tuple[str, ...]
    minutes: int = 0  # cross-trainer
    run_s: int = 0
    walk_s: int = 0
    repeats: int = 0
    warm_up_min: int = 0

    @property
    def is_run(self) -> bool:
        return self.kind != "cross_trainer"

    @property
    def block_s(self) -> int:
        """Length of the main block (run/walk repeats, or cross-trainer time) in seconds."""
        if self.kind == "cross_trainer":
            return self.minutes * 60
        return self.repeats * (self.run_s + self.walk_s)

    @property
    def spacing_days(self) -> int:
        return max(1, math.ceil(self.min_hours_between / 24))


@dataclass(frozen=True)
class Ladder:
    id: str
    audience: str
    name: str
    weekly_start_km_min: float
    weekly_start_km_max: float
    weekly_ceiling_km: float
    show_ceiling: bool
    rungs: tuple[Rung, ...]
    sources: tuple[str, ...]
    pace_kmh: float = 0.0  # 0: the protocol's default pace
    index: Mapping[str, int] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {r.id: i for i, r in enumerate(self.rungs)})

    @property
    def first_run(self) -> int:
        """Index of the first running rung."""
        return next(i for i, r in enumerate(self.rungs) if r.is_run)

    @property
    def first_continuous(self) -> int:
        return next(i for i, r in enumerate(self.rungs) if r.kind == "continuous_run")

    @property
    def top(self) -> int:
        return len(self.rungs) - 1


@dataclass(frozen=True)
class RunningProtocol:
    treat: TreatRules
    gate: Gate
    readiness: tuple[ReadinessTest, ...]
    pace: PaceRules
    volume: VolumeRules
    longest_run: LongestRunGuard
    no_long_slow: NoLongSlow
    substitute: Substitute
    post_run: PostRunCare
    ladders: tuple[Ladder, ...]

    def ladder_for(self, audience: str) -> Ladder:
        for ladder in self.ladders:
            if ladder.audience == audience:
                return ladder
        raise KeyError(f"no ladder for audience {audience!r}")

    def rule_sources(self) -> dict[str, tuple[str, ...]]:
        """Every T.R.E.A.T. and running rule id with its source keys (rungs and tests apart)."""
        t = self.treat
        items: list[tuple[str, tuple[str, ...]]] = [
            (t.one_change.id, t.one_change.sources),
            (t.rest_of_day.id, t.rest_of_day.sources),
            *((w.id, w.sources) for w in t.windows),
            (t.colours.id, t.colours.sources),
            (t.adjust.id, t.adjust.sources),
            (t.spacing.id, t.spacing.sources),
            *((g.id, g.sources) for g in t.gaps),
            (self.gate.id, self.gate.sources),
            (self.pace.id, self.pace.sources),
            (self.volume.id, self.volume.sources),
            (self.longest_run.id, self.longest_run.sources),
            (self.no_long_slow.id, self.no_long_slow.sources),
            (self.substitute.id, self.substitute.sources),
            (self.post_run.id, self.post_run.sources),
            *((lad.id, lad.sources) for lad in self.ladders),
        ]
        return dict(items)

    def summary(self) -> dict[str, int]:
        return {
            "ladder_rungs": sum(len(lad.rungs) for lad in self.ladders),
            "treat_rules": len(self.rule_sources()),
            "readiness_tests": len(self.readiness),
        }
