"""Planned sessions as they leave the app: workouts for a watch, events for a calendar.

These are plain frozen values, independent of the T.R.E.A.T. engine: an adapter turns a
prescription into :class:`Workout` and :class:`PlannedEvent` objects, and :mod:`.fit` and
:mod:`.ical` turn those into files. Each value checks itself when built, so an impossible
workout (an empty one, a step of zero seconds, a repeat of no times) is a ``ValueError`` at
the place it was made, not a broken file on a watch.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TypeVar


class Sport(StrEnum):
    """What the watch should record (FIT ``sport``/``sub_sport`` are chosen in :mod:`.fit`)."""

    RUNNING = "running"
    WALKING = "walking"
    CROSS_TRAINER = "cross_trainer"


class StepKind(StrEnum):
    """The part a step plays in the session (FIT ``intensity``)."""

    WARMUP = "warmup"
    ACTIVE = "active"
    RECOVERY = "recovery"
    COOLDOWN = "cooldown"
    REST = "rest"


_E = TypeVar("_E", bound=StrEnum)


def _finite_positive(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def _member(enum: type[_E], what: str, value: str) -> _E:
    """``value`` as a member of ``enum``; a ``ValueError`` naming the allowed values if not."""
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise ValueError(f"{what} {value!r} is not one of: {allowed}") from None


def _texts(owner: str, **texts: object) -> None:
    for name, value in texts.items():
        if not isinstance(value, str):
            raise ValueError(f"{owner} {name} must be text, got {value!r}")


@dataclass(frozen=True, slots=True)
class SpeedBand:
    """A target speed range in metres per second (a pace band on the watch)."""

    min_speed_mps: float
    max_speed_mps: float

    def __post_init__(self) -> None:
        low = _finite_positive("min_speed_mps", self.min_speed_mps)
        high = _finite_positive("max_speed_mps", self.max_speed_mps)
        if low > high:
            raise ValueError(f"speed band is upside down: min {low} m/s is above max {high} m/s")

    @classmethod
    def from_kmh(cls, low_kmh: float, high_kmh: float) -> SpeedBand:
        """A band given in km/h, as the protocol and the athlete speak of it."""
        return cls(
            _finite_positive("low_kmh", low_kmh) / 3.6, _finite_positive("high_kmh", high_kmh) / 3.6
        )

    @property
    def kmh(self) -> tuple[float, float]:
        return self.min_speed_mps * 3.6, self.max_speed_mps * 3.6


@dataclass(frozen=True, slots=True)
class Step:
    """One timed step: warm-up walk, run segment, walk recovery, cool-down…"""

    kind: StepKind
    duration_s: float
    target: SpeedBand | None = None
    name: str = ""
    notes: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", _member(StepKind, "step kind", self.kind))
        _finite_positive("step duration_s", self.duration_s)
        _texts("step", name=self.name, notes=self.notes)
        if self.target is not None and not isinstance(self.target, SpeedBand):
            raise ValueError(f"step target must be a SpeedBand or None, got {self.target!r}")


@dataclass(frozen=True, slots=True)
class Repeat:
    """``times`` × the ``steps`` inside (which may hold further repeats)."""

    times: int
    steps: tuple[Item, ...]

    def __post_init__(self) -> None:
        if isinstance(self.times, bool) or not isinstance(self.times, int):
            raise ValueError(f"repeat times must be a whole number, got {self.times!r}")
        if self.times < 1:
            raise ValueError(f"a repeat must run at least once, got times={self.times}")
        object.__setattr__(self, "steps", _items("repeat", self.steps))

    @property
    def duration_s(self) -> float:
        return self.times * sum(s.duration_s for s in self.steps)


Item = Step | Repeat


def _items(owner: str, steps: Iterable[Item]) -> tuple[Item, ...]:
    if isinstance(steps, Step | Repeat | str | bytes):
        raise ValueError(f"{owner} steps must be a sequence of steps, got {steps!r}")
    items = tuple(steps)
    if not items:
        raise ValueError(f"{owner} has no steps: a workout needs at least one timed step")
    for item in items:
        if not isinstance(item, Step | Repeat):
            raise ValueError(f"{owner} steps must be Step or Repeat, got {item!r}")
    return items


@dataclass(frozen=True, slots=True)
class Workout:
    """A planned session for a watch: a name, a sport and its steps in order."""

    name: str
    sport: Sport
    steps: tuple[Item, ...]
    notes: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "sport", _member(Sport, "sport", self.sport))
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError("a workout needs a name")
        _texts("workout", notes=self.notes)
        object.__setattr__(self, "steps", _items(f"workout {self.name!r}", self.steps))

    @property
    def duration_s(self) -> float:
        """Planned total time, repeats included."""
        return sum(s.duration_s for s in self.steps)


@dataclass(frozen=True, slots=True)
class PlannedEvent:
    """A planned session on a calendar.

    ``start`` is a date for an all-day event (``duration`` in whole days, one by default) or a
    time-zone-aware datetime for a timed one (its IANA zone becomes the event's TZID).
    ``description`` carries the reasons for the session, in plain words.
    """

    uid: str
    start: date | datetime
    title: str
    duration: timedelta = field(default=timedelta(days=1))
    description: str = ""
    url: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.uid, str) or not self.uid.strip():
            raise ValueError("a calendar event needs a stable, non-empty uid")
        if any(c.isspace() for c in self.uid):
            raise ValueError(f"event uid must not contain spaces: {self.uid!r}")
        if not isinstance(self.title, str) or not self.title.strip():
            raise ValueError(f"event {self.uid!r} needs a title")
        _texts(f"event {self.uid!r}", description=self.description)
        if self.url is not None:
            _texts(f"event {self.uid!r}", url=self.url)
        if not isinstance(self.duration, timedelta) or self.duration <= timedelta(0):
            raise ValueError(f"event {self.uid!r} needs a positive duration, got {self.duration!r}")
        if isinstance(self.start, datetime):
            if self.start.tzinfo is None or self.start.utcoffset() is None:
                raise ValueError(
                    f"event {self.uid!r} starts at a naive time {self.start.isoformat()}:"
                    " give it a time zone (or a date for an all-day event)"
                )
        elif isinstance(self.start, date):
            if self.duration % timedelta(days=1):
                raise ValueError(
                    f"all-day event {self.uid!r} must last whole days, got {self.duration}"
                )
        else:
            raise ValueError(f"event {self.uid!r} start must be a date or datetime")

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, datetime)
