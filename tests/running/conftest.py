"""Builders for the running tests: an athlete in Phase 3 with passed readiness tests, sessions."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import fitdecode
import pytest

from backstride.activities.models import Activity, Sport
from backstride.core.protocol import default_protocol
from backstride.rehab.models import RehabProfile
from backstride.running.models import ReadinessResult, RunCheckIn

#: a fixed "now" for the tests (a Wednesday, 18:00 UTC = 18:00 in London in winter)
NOW = datetime(2025, 1, 15, 18, 0, tzinfo=UTC)
TODAY = date(2025, 1, 15)
PHASE3_SINCE = TODAY - timedelta(days=10)


def place_in_phase(user: Any, phase: int = 3, since: date = PHASE3_SINCE) -> RehabProfile:
    profile, _ = RehabProfile.objects.get_or_create(user=user)
    profile.phase = phase
    profile.phase_started_on = since
    profile.phase_started_at = datetime.combine(since, time(9), tzinfo=UTC)
    profile.save()
    return profile


def pass_readiness(user: Any, day: date = PHASE3_SINCE) -> None:
    running = default_protocol().running
    assert running is not None
    for test in running.readiness:
        ReadinessResult.objects.create(
            user=user, test_id=test.id, day=day, value=test.at_least, symptoms_rose=False
        )


def session(
    user: Any,
    day: date,
    sport: str = Sport.WALK_RUN,
    km: float = 2.5,
    minutes: float = 20,
    hour: int = 7,
) -> Activity:
    zone = ZoneInfo(user.timezone)
    return Activity.objects.create(
        user=user,
        sport=sport,
        start=datetime.combine(day, time(hour), tzinfo=zone),
        timezone=user.timezone,
        distance_m=km * 1000,
        elapsed_s=minutes * 60,
        moving_s=minutes * 60,
    )


def checkin_row(user: Any, activity: Activity, **fields: Any) -> RunCheckIn:
    """A run check-in written straight to the table (no service checks): pain 1 during and
    after, no leg symptoms, unless ``fields`` say otherwise."""
    calm: dict[str, Any] = {
        "pain_during": 1,
        "pain_after": 1,
        "leg_new": False,
        "leg_spreading": False,
    }
    return RunCheckIn.objects.create(user=user, activity=activity, **(calm | fields))


def green(
    user: Any, day: date, sport: str = Sport.WALK_RUN, km: float = 2.0, minutes: float = 25
) -> RunCheckIn:
    """A session on ``day`` with a green check-in, the next morning answered at 08:00."""
    return checkin_row(
        user,
        session(user, day, sport=sport, km=km, minutes=minutes),
        pain_evening=1,
        pain_next_morning=0,
        next_morning_at=datetime.combine(day + timedelta(days=1), time(8), tzinfo=UTC),
    )


def fit_steps(data: bytes) -> tuple[str, list[dict[str, Any]]]:
    """A FIT workout file's name and its steps (each step's fields by name)."""
    name, steps = "", []
    with fitdecode.FitReader(io.BytesIO(data)) as fit:
        for frame in fit:
            if isinstance(frame, fitdecode.FitDataMessage):
                if frame.name == "workout":
                    name = frame.get_value("wkt_name")
                elif frame.name == "workout_step":
                    steps.append({f.name: f.value for f in frame.fields})
    return name, steps


@pytest.fixture
def runner(athlete: Any) -> Any:
    """Alice, in Phase 3 for ten days, readiness tests passed."""
    place_in_phase(athlete)
    pass_readiness(athlete)
    return athlete


@pytest.fixture
def walk_runner(runner: Any) -> Any:
    """Alice after one green cross-trainer session: the plan tries the first walk-run rung."""
    green(runner, TODAY - timedelta(days=3), sport=Sport.CROSS_TRAINER, km=0)
    return runner
