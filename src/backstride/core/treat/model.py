"""Inputs and outputs of the T.R.E.A.T. engine: frozen, typed, no Django.

Inputs: :class:`Profile` (who the athlete is) and :class:`History` (what they did and how it
went). Output: :class:`Prescription` (what to do next, and why). The Django layer builds the
inputs from its models and renders the output; the engine never reads a database or a clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class Colour(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


class Kind(StrEnum):
    """What a session is. Only the running kinds count towards weekly km and the guards."""

    CROSS_TRAINER = "cross_trainer"
    WALK_RUN = "walk_run"
    CONTINUOUS_RUN = "continuous_run"
    REST = "rest"

    @property
    def is_run(self) -> bool:
        return self in (Kind.WALK_RUN, Kind.CONTINUOUS_RUN)


class Audience(StrEnum):
    RETURNING = "returning"  # ran before the back pain
    BEGINNER = "beginner"  # never ran: the first-run ladder, no km ceiling shown as a target


class Status(StrEnum):
    STOPPED = "stopped"  # a red-flag answer: nothing is prescribed
    NOT_YET = "not_yet"  # not in the running phase yet
    READINESS = "readiness"  # in the phase, readiness tests not all passed: cross-trainer only
    LADDER = "ladder"  # on the ladder
    BACK_TO_PHASE = "back_to_phase"  # repeated reds: back to the earlier phase's work


def _score(name: str, value: int | None) -> None:
    if value is not None and (isinstance(value, bool) or not 0 <= value <= 10):
        raise ValueError(f"{name} must be a whole number from 0 to 10, got {value!r}")


@dataclass(frozen=True)
class PastRun:
    """A run from the athlete's own history (imported or logged), for pace personalisation."""

    on: date
    distance_km: float
    duration_min: float

    @property
    def speed_kmh(self) -> float:
        return self.distance_km / (self.duration_min / 60) if self.duration_min > 0 else 0.0


@dataclass(frozen=True)
class PaceBand:
    low_kmh: float
    high_kmh: float
    cue: str = ""

    @property
    def mid_kmh(self) -> float:
        return (self.low_kmh + self.high_kmh) / 2

    @staticmethod
    def per_km(kmh: float) -> str:
        """Minutes:seconds per km at ``kmh``, e.g. ``6:00``."""
        seconds = round(3600 / kmh)
        return f"{seconds // 60}:{seconds % 60:02d}"

    def text(self) -> str:
        """E.g. ``9.3-10.8 km/h (6:27-5:33 /km)``."""
        return (
            f"{self.low_kmh:.1f}-{self.high_kmh:.1f} km/h "
            f"({self.per_km(self.low_kmh)}-{self.per_km(self.high_kmh)} /km)"
        )


@dataclass(frozen=True)
class Profile:
    """The athlete as the engine needs them.

    ``phase_since`` is when the current phase began: only sessions from then on count (a step
    back to an earlier phase and up again starts the ladder afresh). ``baseline_pain`` is the
    usual pain level that "settled" is measured against. ``pace`` is a clinician's tailored
    band; without it the band comes from ``recent_runs`` or the ladder's default.
    """

    phase: int
    phase_since: date
    audience: Audience = Audience.RETURNING
    baseline_pain: int = 0
    recent_runs: tuple[PastRun, ...] = ()
    pace: PaceBand | None = None

    def __post_init__(self) -> None:
        _score("baseline_pain", self.baseline_pain)


_PAIN_FIELDS = {
    "during": "pain_during",
    "after": "pain_after",
    "evening": "pain_evening",
    "next_morning": "pain_next_morning",
    "h48": "pain_48h",
}


@dataclass(frozen=True)
class Response:
    """A run check-in: pain (0-10) in each evaluation window, leg symptoms and stiffness.

    ``None`` means not answered. Which missing answers matter depends on the date: an answer
    that is due and missing is never read as green.
    """

    pain_during: int | None = None
    pain_after: int | None = None
    pain_evening: int | None = None
    pain_next_morning: int | None = None
    pain_48h: int | None = None
    leg_new: bool | None = None
    leg_spreading: bool | None = None
    stiffness: int | None = None

    def __post_init__(self) -> None:
        for name in (
            "pain_during",
            "pain_after",
            "pain_evening",
            "pain_next_morning",
            "pain_48h",
            "stiffness",
        ):
            _score(name, getattr(self, name))

    def pain(self, window: str) -> int | None:
        """The pain answer for an evaluation window (``during`` ... ``h48``)."""
        value: int | None = getattr(self, _PAIN_FIELDS[window])
        return value


@dataclass(frozen=True)
class SessionRecord:
    """A session done: its date, kind, the rung it was done at, and its check-in."""

    on: date
    kind: Kind
    rung_id: str = ""
    distance_km: float = 0.0
    duration_min: float = 0.0
    response: Response | None = None

    def __post_init__(self) -> None:
        if self.kind is Kind.REST:
            raise ValueError("a rest day is not a session")
        if self.distance_km < 0 or self.duration_min < 0:
            raise ValueError("distance and duration cannot be negative")
        # computed once: the engine memoises walks keyed by tuples of sessions
        fields = (self.on, self.kind, self.rung_id, self.distance_km, self.duration_min)
        object.__setattr__(self, "_hash", hash((*fields, self.response)))

    def __hash__(self) -> int:
        return self._hash  # type: ignore[attr-defined, no-any-return]


@dataclass(frozen=True)
class ReadinessResult:
    """One readiness test as recorded: the value and whether symptoms rose."""

    test_id: str
    on: date
    value: float
    symptoms_rose: bool | None = None

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "_hash", hash((self.test_id, self.on, self.value, self.symptoms_rose))
        )

    def __hash__(self) -> int:
        return self._hash  # type: ignore[attr-defined, no-any-return]


@dataclass(frozen=True)
class ChangeRecord:
    """Another change tried on ``on`` (a phase move, a harder exercise level, a new step of a
    custom activity): the running ladder does not test a new rung while it is being judged."""

    on: date
    what: str


@dataclass(frozen=True)
class History:
    sessions: tuple[SessionRecord, ...] = ()
    readiness: tuple[ReadinessResult, ...] = ()
    other_changes: tuple[ChangeRecord, ...] = ()
    red_flag_stop: bool = False


# --- Output ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Reason:
    """One plain-words reason, the rule that produced it and its source (short citation)."""

    rule_id: str
    text: str
    source: str
    source_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class Intervals:
    run_s: int
    walk_s: int
    repeats: int

    def text(self) -> str:
        if not self.walk_s:
            return f"run {_dur(self.run_s)} without a break"
        return f"{self.repeats} × (run {_dur(self.run_s)}, walk {_dur(self.walk_s)})"


def _dur(seconds: int) -> str:
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    if seconds > 60:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds} s"


@dataclass(frozen=True)
class PostRunCare:
    cool_down_walk_min: int
    routine: str
    alternative: str
    rule_id: str


@dataclass(frozen=True)
class PlannedSession:
    """One planned session. ``is_test`` marks the session that tries the change; sessions
    after it are ``provisional`` (they assume that test comes back green)."""

    on: date
    kind: Kind
    rung_id: str
    label: str
    warm_up_min: int = 0
    intervals: Intervals | None = None
    cross_trainer_min: int = 0
    pace: PaceBand | None = None
    duration_min: float = 0.0  # the main block (run/walk or cross-trainer)
    distance_km: float = 0.0  # estimated, running kinds only
    cool_down_min: int = 0
    post_run: PostRunCare | None = None
    substitute: str = ""
    is_test: bool = False
    provisional: bool = False
    note: str = ""


@dataclass(frozen=True)
class Change:
    """The one change being tested: from one rung to the next."""

    ladder_id: str
    from_rung: str
    to_rung: str
    label: str
    on: date


@dataclass(frozen=True)
class WeekVolume:
    """Running km in one week (Monday to Sunday). ``ceiling_km`` is ``None`` when the ceiling
    must not be shown (beginners); ``allowed_km`` is the guard actually applied."""

    week_start: date
    done_km: float
    planned_km: float
    allowed_km: float
    ceiling_km: float | None

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)

    @property
    def total_km(self) -> float:
        return self.done_km + self.planned_km


@dataclass(frozen=True)
class Prescription:
    status: Status
    today: date
    sessions: tuple[PlannedSession, ...]
    reasons: tuple[Reason, ...]
    ladder_id: str = ""
    rung_id: str = ""
    rung_index: int = 0
    rung_count: int = 0
    change: Change | None = None
    next_change_on: date | None = None
    last_colour: Colour | None = None
    see_clinician: bool = False
    back_to_phase: int | None = None
    readiness_pending: tuple[str, ...] = ()
    weeks: tuple[WeekVolume, ...] = ()
    longest_run_limit_km: float | None = None
    pace: PaceBand | None = None
    rest_of_day: str = ""
    protocol_id: str = ""
    protocol_version: str = ""

    @property
    def runs(self) -> tuple[PlannedSession, ...]:
        return tuple(s for s in self.sessions if s.kind.is_run)
