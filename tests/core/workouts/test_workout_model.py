"""The planned-workout values check themselves: impossible input is a clear ValueError."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from backstride.core.workouts.model import (
    PlannedEvent,
    Repeat,
    SpeedBand,
    Sport,
    Step,
    StepKind,
    Workout,
)

RUN = Step(StepKind.ACTIVE, 60)
LONDON = ZoneInfo("Europe/London")


def _workout(**kw: Any) -> Workout:
    return Workout(**{"name": "Run", "sport": Sport.RUNNING, "steps": (RUN,), **kw})


def _event(**kw: Any) -> PlannedEvent:
    return PlannedEvent(
        **{"uid": "s1@backstride", "start": date(2025, 3, 30), "title": "Run", **kw}
    )


INVALID: dict[str, tuple[Callable[[], object], str]] = {
    "zero-second step": (lambda: Step(StepKind.ACTIVE, 0), "positive"),
    "negative step": (lambda: Step(StepKind.ACTIVE, -30), "positive"),
    "step of NaN seconds": (lambda: Step(StepKind.ACTIVE, float("nan")), "positive"),
    "step of infinite seconds": (lambda: Step(StepKind.ACTIVE, float("inf")), "positive"),
    "step duration given as text": (lambda: Step(StepKind.ACTIVE, "60"), "number"),  # type: ignore[arg-type]
    "unknown step kind": (lambda: Step("sprint", 60), "not one of"),  # type: ignore[arg-type]
    "target that is not a band": (lambda: Step(StepKind.ACTIVE, 60, (2.5, 3.0)), "SpeedBand"),  # type: ignore[arg-type]
    "step name that is not text": (lambda: Step(StepKind.ACTIVE, 60, name=None), "must be text"),  # type: ignore[arg-type]
    "workout notes that are not text": (lambda: _workout(notes=3), "must be text"),
    "event description that is not text": (lambda: _event(description=None), "must be text"),
    "event url that is not text": (lambda: _event(url=b"https://x"), "must be text"),
    "band upside down": (lambda: SpeedBand(3.0, 2.5), "upside down"),
    "band of zero speed": (lambda: SpeedBand(0, 2.5), "positive"),
    "band in km/h of negative speed": (lambda: SpeedBand.from_kmh(-9.5, 11), "positive"),
    "repeat no times": (lambda: Repeat(0, (RUN,)), "at least once"),
    "repeat negative times": (lambda: Repeat(-2, (RUN,)), "at least once"),
    "repeat a fraction of times": (lambda: Repeat(2.5, (RUN,)), "whole number"),  # type: ignore[arg-type]
    "repeat True times": (lambda: Repeat(True, (RUN,)), "whole number"),
    "repeat of nothing": (lambda: Repeat(3, ()), "no steps"),
    "repeat of a bare step": (lambda: Repeat(3, RUN), "sequence"),  # type: ignore[arg-type]
    "empty workout": (lambda: _workout(steps=()), "no steps"),
    "workout of a non-step": (lambda: _workout(steps=(RUN, "walk")), "Step or Repeat"),
    "workout without a name": (lambda: _workout(name="  "), "needs a name"),
    "unknown sport": (lambda: _workout(sport="cycling"), "not one of"),
    "event without uid": (lambda: _event(uid=""), "uid"),
    "event uid with spaces": (lambda: _event(uid="a b"), "spaces"),
    "event without title": (lambda: _event(title=" "), "title"),
    "event of no time": (lambda: _event(duration=timedelta(0)), "positive duration"),
    "all-day event of part of a day": (lambda: _event(duration=timedelta(hours=3)), "whole days"),
    "timed event at a naive time": (
        lambda: _event(start=datetime(2025, 3, 30, 7), duration=timedelta(hours=1)),
        "naive",
    ),
    "event starting at a string": (lambda: _event(start="2025-03-30"), "date or datetime"),
}


@pytest.mark.parametrize(("make", "message"), INVALID.values(), ids=INVALID.keys())
def test_impossible_input_is_a_value_error_saying_what(
    make: Callable[[], object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        make()


def test_kinds_and_sports_given_as_words_become_enums() -> None:
    step = Step("recovery", 90)  # type: ignore[arg-type]
    workout = Workout("Cross", "cross_trainer", [step])  # type: ignore[arg-type]
    assert step.kind is StepKind.RECOVERY
    assert workout.sport is Sport.CROSS_TRAINER
    assert workout.steps == (step,)  # a list becomes a tuple: the value stays immutable
    hash(workout)


def test_duration_counts_every_repeat() -> None:
    walk_run = Workout(
        "Walk-run",
        Sport.RUNNING,
        (
            Step(StepKind.WARMUP, 300),
            Repeat(8, (Step(StepKind.ACTIVE, 60), Step(StepKind.RECOVERY, 90))),
            Step(StepKind.COOLDOWN, 300),
        ),
    )
    assert walk_run.duration_s == 300 + 8 * 150 + 300


@pytest.mark.parametrize(
    ("low", "high", "mps"),
    [(9.5, 11, (2.6389, 3.0556)), (7.2, 7.2, (2.0, 2.0)), (10, 11.5, (2.7778, 3.1944))],
)
def test_speed_band_from_kmh_is_in_metres_per_second(
    low: float, high: float, mps: tuple[float, float]
) -> None:
    band = SpeedBand.from_kmh(low, high)
    assert (band.min_speed_mps, band.max_speed_mps) == pytest.approx(mps, abs=1e-4)
    assert band.kmh == pytest.approx((low, high))


@pytest.mark.parametrize(
    ("start", "duration", "all_day"),
    [
        (date(2025, 3, 30), timedelta(days=1), True),
        (date(2025, 3, 30), timedelta(days=2), True),
        (datetime(2025, 3, 30, 7, tzinfo=LONDON), timedelta(minutes=40), False),
        (datetime(2025, 3, 30, 7, tzinfo=UTC), timedelta(minutes=40), False),
    ],
)
def test_events_are_all_day_on_a_date_and_timed_on_an_aware_datetime(
    start: date, duration: timedelta, all_day: bool
) -> None:
    assert _event(start=start, duration=duration).all_day is all_day
