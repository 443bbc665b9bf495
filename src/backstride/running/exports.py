"""The plan out of the app: planned runs as FIT workouts for a watch, sessions as iCalendar.

Adapters from the engine's :class:`PlannedSession` to the pure writers in
``backstride.core.workouts``; no Django here beyond the site URL passed in by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from backstride.core.treat import Kind, PlannedSession, Prescription
from backstride.core.workouts.fit import encode_workout, suggested_filename
from backstride.core.workouts.ical import calendar
from backstride.core.workouts.model import (
    Item,
    PlannedEvent,
    Repeat,
    SpeedBand,
    Sport,
    Step,
    StepKind,
    Workout,
)


def _short(seconds: int) -> str:
    return f"{seconds // 60}m" if seconds % 60 == 0 and seconds >= 120 else f"{seconds}s"


def workout_name(session: PlannedSession) -> str:
    """A name that fits a watch's 15 bytes and still says what to do, e.g. ``Run60s/Walk90s``,
    ``Run 20 min``, ``XTrainer 25 min``."""
    iv = session.intervals
    if session.kind is Kind.CROSS_TRAINER or iv is None:
        return f"XTrainer {session.cross_trainer_min} min"
    if iv.walk_s:
        return f"Run{_short(iv.run_s)}/Walk{_short(iv.walk_s)}"
    return f"Run {iv.run_s // 60} min" if iv.run_s % 60 == 0 else f"Run {iv.run_s} s"


def workout_for(session: PlannedSession) -> Workout:
    """One planned session as a watch workout: a warm-up walk, the run/walk repeats with the
    pace band as a speed target on each run step, then the cool-down walk."""
    iv = session.intervals
    if session.kind is Kind.CROSS_TRAINER or iv is None:
        return Workout(
            workout_name(session),
            Sport.CROSS_TRAINER,
            (Step(StepKind.ACTIVE, session.cross_trainer_min * 60, name="Cross-trainer"),),
            notes="Steady, breathing harder",
        )
    target = (
        SpeedBand.from_kmh(session.pace.low_kmh, session.pace.high_kmh) if session.pace else None
    )
    steps: list[Item] = []
    if session.warm_up_min:
        steps.append(Step(StepKind.WARMUP, session.warm_up_min * 60, name="Warm-up walk"))
    run = Step(StepKind.ACTIVE, iv.run_s, target, name="Run")
    if iv.walk_s:
        walk = Step(StepKind.RECOVERY, iv.walk_s, name="Walk")
        steps.append(Repeat(iv.repeats, (run, walk)))
    elif iv.repeats > 1:
        steps.append(Repeat(iv.repeats, (run,)))
    else:
        steps.append(run)
    if session.cool_down_min:
        steps.append(Step(StepKind.COOLDOWN, session.cool_down_min * 60, name="Cool-down walk"))
    notes = f"Brisk {session.pace.text()}" if session.pace else "Brisk and controlled"
    return Workout(workout_name(session), Sport.RUNNING, tuple(steps), notes=notes)


@dataclass(frozen=True)
class WorkoutFile:
    session: PlannedSession
    filename: str
    data: bytes


def week_workouts(rx: Prescription, *, now: datetime, days: int = 7) -> list[WorkoutFile]:
    """The planned runs of the coming ``days`` (from the prescription's today) as FIT files."""
    end = rx.today + timedelta(days=days)
    out = []
    for session in rx.sessions:
        if session.kind.is_run and rx.today <= session.on < end:
            workout = workout_for(session)
            data = encode_workout(workout, time_created=now)
            out.append(WorkoutFile(session, suggested_filename(workout, session.on), data))
    return out


def event_for(session: PlannedSession, athlete_id: int, url: str | None = None) -> PlannedEvent:
    """One planned session as an all-day calendar event with what to do and why."""
    lines = []
    if session.intervals is not None and session.kind.is_run:
        if session.warm_up_min:
            lines.append(f"Warm up: walk {session.warm_up_min} min.")
        lines.append(f"Then {session.intervals.text()}.")
        if session.pace is not None:
            lines.append(f"Pace: {session.pace.text()}. {session.pace.cue}".strip())
        if session.cool_down_min:
            lines.append(f"Cool down: walk {session.cool_down_min} min.")
        if session.post_run is not None:
            lines.append(
                f"Afterwards: {session.post_run.routine} Or: {session.post_run.alternative}"
            )
        if session.substitute:
            lines.append(f"Instead, {session.substitute}.")
    else:
        lines.append(f"Cross-trainer for {session.cross_trainer_min} minutes, steady.")
    if session.is_test:
        lines.append("This session tries the next step: keep the rest of the day ordinary.")
    if session.provisional:
        lines.append("Provisional: it assumes the session before goes well.")
    if session.note:
        lines.append(session.note[:1].upper() + session.note[1:] + ".")
    return PlannedEvent(
        uid=f"backstride-{athlete_id}-{session.on.isoformat()}-{session.kind.value}",
        start=session.on,
        title=session.label,
        description="\n".join(lines),
        url=url,
    )


def plan_calendar(
    rx: Prescription, athlete_id: int, *, name: str, now: datetime, url: str | None = None
) -> bytes:
    """The prescription's planned sessions as an iCalendar feed."""
    return calendar(
        [event_for(s, athlete_id, url) for s in rx.sessions], name=name, url=url, stamp=now
    )
