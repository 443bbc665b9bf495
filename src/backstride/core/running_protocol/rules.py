"""The T.R.E.A.T. loop and the running ladder as protocol data: the rule types.

``[treat]`` holds the general loop (one change per test, rest of the day, evaluation windows,
traffic-light thresholds, adjustments, spacing, gaps); ``[running]`` holds the Phase 3 return
to running (gate, readiness tests, pace, volume, guards, post-run care and the ladders). The
file is read and checked by :mod:`.read_treat` and :mod:`.read_running`; each field declares
the range or choices the file must meet (``limits``), so every rule is read the same way.

Pure Python: no Django.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from backstride.core.tables import limits

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
    evidence_note: str = field(default="", metadata=limits(required=False))


@dataclass(frozen=True)
class Window:
    """One evaluation window: when its answer is due and whether it is always asked."""

    window: str = field(metadata=limits(choices=WINDOWS))
    question: str
    due_day: int = field(metadata=limits(0, 7))
    when: str = field(metadata=limits(choices=WINDOW_WHEN))
    sources: tuple[str, ...]

    @property
    def id(self) -> str:
        return f"treat-window-{self.window.replace('_', '-')}"


@dataclass(frozen=True)
class Colours:
    id: str
    green_max_pain: int = field(metadata=limits(0, 10))
    amber_max_pain: int = field(metadata=limits(0, 10))
    settled_margin: int = field(metadata=limits(0, 5))
    week_rise_points: float = field(metadata=limits(0, 10))
    leg_symptoms_red: bool
    sources: tuple[str, ...]
    evidence_note: str = field(default="", metadata=limits(required=False))


@dataclass(frozen=True)
class Adjust:
    id: str
    red_step_back_rungs: int = field(metadata=limits(1, 99))
    leg_symptoms_to_first_rung: bool
    reds_window_days: int = field(metadata=limits(7, 365))
    clinician_after_reds: int = field(metadata=limits(1, 10))
    phase_back_after_reds: int = field(metadata=limits(1, 10))
    phase_back_to: int = field(metadata=limits(1, 9))
    sources: tuple[str, ...]
    evidence_note: str = field(default="", metadata=limits(required=False))


@dataclass(frozen=True)
class Spacing:
    id: str
    min_hours: int = field(metadata=limits(24, 336))
    sources: tuple[str, ...]
    evidence_note: str = field(default="", metadata=limits(required=False))

    @property
    def days(self) -> int:
        """Whole days between tries (sessions are planned by date)."""
        return max(1, math.ceil(self.min_hours / 24))


@dataclass(frozen=True)
class GapRule:
    id: str
    min_days: int = field(metadata=limits(2, 365))
    step_back_rungs: int = field(metadata=limits(0, 99))
    redo_readiness: bool = field(metadata=limits(required=False))
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
    phase: int = field(metadata=limits(1, 9))
    readiness_valid_days: int = field(metadata=limits(1, 365))
    sources: tuple[str, ...]


@dataclass(frozen=True)
class ReadinessTest:
    id: str
    name: str
    how: str
    unit: str = field(metadata=limits(choices=READINESS_UNITS))
    at_least: float = field(metadata=limits(0))
    no_symptom_rise: bool
    sources: tuple[str, ...]
    #: the objective test this result is also recorded as, if any
    test: str = field(default="", metadata=limits(required=False))


@dataclass(frozen=True)
class PaceRules:
    id: str
    default_kmh: float = field(metadata=limits(3, 25))
    band_width_kmh: float = field(metadata=limits(0.1, 5))
    min_kmh: float = field(metadata=limits(3, 25))
    max_kmh: float = field(metadata=limits(3, 25))
    walk_kmh: float = field(metadata=limits(2, 8))
    personal_window_days: int = field(metadata=limits(7, 3650))
    personal_min_runs: int = field(metadata=limits(1, 100))
    talk_test: str
    sources: tuple[str, ...]
    evidence_note: str = field(default="", metadata=limits(required=False))


@dataclass(frozen=True)
class VolumeRules:
    id: str
    max_increase_percent: float = field(metadata=limits(0, 100))
    sources: tuple[str, ...]
    evidence_note: str = field(default="", metadata=limits(required=False))


@dataclass(frozen=True)
class LongestRunGuard:
    id: str
    max_over_percent: float = field(metadata=limits(0, 100))
    window_days: int = field(metadata=limits(7, 90))
    sources: tuple[str, ...]
    evidence_note: str = field(default="", metadata=limits(required=False))


@dataclass(frozen=True)
class NoLongSlow:
    id: str
    max_session_min: int = field(metadata=limits(5, 120))
    sources: tuple[str, ...]
    evidence_note: str = field(default="", metadata=limits(required=False))


@dataclass(frozen=True)
class Substitute:
    id: str
    min_minutes: int = field(metadata=limits(5, 120))
    max_minutes: int = field(metadata=limits(5, 120))
    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class PostRunCare:
    id: str
    cool_down_walk_min: int = field(metadata=limits(0, 30))
    routine: str
    ice_min: int = field(metadata=limits(1, 30))
    ice_max: int = field(metadata=limits(1, 30))
    alternative: str
    sources: tuple[str, ...]
    evidence_note: str = field(default="", metadata=limits(required=False))


@dataclass(frozen=True)
class Rung:
    id: str
    label: str
    kind: str = field(metadata=limits(choices=RUNG_KINDS))
    sessions_per_week: int = field(metadata=limits(1, 7))
    min_hours_between: int = field(metadata=limits(24, 168))
    greens_to_progress: int = field(metadata=limits(1, 6))
    sources: tuple[str, ...]
    minutes: int = field(default=0, metadata=limits(5, 90, required=False))  # cross-trainer
    run_s: int = field(default=0, metadata=limits(10, 7200, required=False))
    walk_s: int = field(default=0, metadata=limits(0, 600, required=False))
    repeats: int = field(default=0, metadata=limits(1, 30, required=False))
    warm_up_min: int = field(default=0, metadata=limits(0, 20, required=False))

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
