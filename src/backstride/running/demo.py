"""Demo return-to-running state (idempotent, dated from today).

``runner@example.com`` (Phase 3 from the rehab demo, runs from the activities demo) passed
every readiness test the day Phase 3 began, then checked in after each session since: greens
while the plan climbs to the middle of the walk–run rungs, then a couple of ambers (a harder
week), so the plan holds on a walk–run rung. The latest session waits for its next-morning
answer, so Today asks for it. Each step goes through the real engine.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TextIO

from django.db import transaction

from backstride.accounts.models import User
from backstride.core.treat import Kind, Prescription

from . import services
from .models import ReadinessResult, RunCheckIn

#: the demo stops climbing at this rung (0-based): the middle of the walk-run rungs
TOP_RUNG = 3


def load_demo(stdout: TextIO) -> None:
    runner = User.objects.filter(email="runner@example.com").first()
    if runner is None:
        stdout.write("Running demo skipped: load the accounts demo first.\n")
        return
    with transaction.atomic():
        rx = build(runner)
    stdout.write(
        f"Running demo ready: runner on rung {rx.rung_index + 1} of {rx.rung_count} "
        f"({rx.rung_id}), {len(rx.sessions)} sessions planned.\n"
    )


def build(runner: User) -> Prescription:
    RunCheckIn.objects.filter(user=runner).delete()
    ReadinessResult.objects.filter(user=runner).delete()
    today = services.local_today(runner)
    protocol = services.protocol_for(runner)
    assert protocol.running is not None
    profile = services.build_profile(runner, protocol, today)
    start = profile.phase_since
    for test in protocol.running.readiness:
        ReadinessResult.objects.create(
            user=runner,
            test_id=test.id,
            day=start,
            value=test.at_least + (5 if test.unit != "min" else 2),
            symptoms_rose=False,
            created_at=datetime.combine(start, time(9), tzinfo=runner.tzinfo),
        )
    sessions = [
        a
        for a in services.sessions_between(runner, start, today - timedelta(days=1))
        if services.KINDS[a.sport] in (Kind.WALK_RUN, Kind.CONTINUOUS_RUN, Kind.CROSS_TRAINER)
    ]
    for i, activity in enumerate(sessions):
        on = services.run_day(activity, runner)
        climbing = services.prescription_for(runner, on).rung_index < TOP_RUNG
        pain = 2 if climbing else 4
        last = i == len(sessions) - 1
        at = datetime.combine(on, time(20), tzinfo=runner.tzinfo)
        RunCheckIn.objects.create(
            user=runner,
            activity=activity,
            pain_during=pain,
            pain_after=max(1, pain - 1),
            pain_evening=1,
            leg_new=False,
            leg_spreading=False,
            stiffness=2,
            pain_next_morning=None if last else 1,
            next_morning_at=None if last else at + timedelta(hours=12),
            created_at=at,
        )
    return services.prescription_for(runner, today)
