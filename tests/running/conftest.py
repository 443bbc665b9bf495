"""Builders for the running tests: an athlete in Phase 3 with passed readiness tests, sessions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from backstride.activities.models import Activity, Sport
from backstride.core.protocol import default_protocol
from backstride.rehab.models import RehabProfile
from backstride.running.models import ReadinessResult

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


@pytest.fixture
def runner(athlete: Any) -> Any:
    """Alice, in Phase 3 for ten days, readiness tests passed."""
    place_in_phase(athlete)
    pass_readiness(athlete)
    return athlete


@pytest.fixture
def walk_runner(runner: Any) -> Any:
    """Alice after one green cross-trainer session: the plan tries the first walk-run rung."""
    from backstride.running.models import RunCheckIn

    day = TODAY - timedelta(days=3)
    activity = session(runner, day, sport=Sport.CROSS_TRAINER, km=0, minutes=25)
    RunCheckIn.objects.create(
        user=runner,
        activity=activity,
        pain_during=1,
        pain_after=1,
        pain_evening=1,
        leg_new=False,
        leg_spreading=False,
        pain_next_morning=0,
        next_morning_at=datetime.combine(day + timedelta(days=1), time(8), tzinfo=UTC),
    )
    return runner
