"""Demo rehab state (idempotent: running it again gives the same state, dated from today).

- ``athlete@example.com``: consented, self-assessment done, fresh in Phase 1 with baseline
  scores.
- ``runner@example.com``: six weeks of history, simulated day by day through the real rules
  (placement, check-ins, tests, weekly screens, progression), now in Phase 3 with outcome
  scores every two weeks.

The people come from the accounts demo; this only touches their rehab records.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, time, timedelta
from typing import Any, TextIO

from django.db import transaction

from backstride.accounts.models import User
from backstride.core import checkins as core
from backstride.core.outcomes import psfs_score
from backstride.core.phases import Assessment as CoreAssessment
from backstride.core.phases import place, plan_today, progress
from backstride.core.protocol import Protocol, default_protocol

from .models import (
    HEALTH_CONSENT_KIND,
    Assessment,
    CheckIn,
    ObjectiveTestResult,
    OutcomeReminder,
    OutcomeScore,
    PhaseChange,
    RedFlagScreen,
    RehabProfile,
    SessionLog,
)
from .services import HEALTH_CONSENT_VERSION, local_today, record_phase_change

PSFS_ACTIVITIES = ["Sitting through a work meeting", "Putting on socks", "Running for a bus"]


def load_demo(stdout: TextIO) -> None:
    protocol = default_protocol()
    athlete = User.objects.filter(email="athlete@example.com").first()
    runner = User.objects.filter(email="runner@example.com").first()
    if athlete is None or runner is None:
        stdout.write("Rehab demo skipped: load the accounts demo first.\n")
        return
    fresh_phase_1(athlete, protocol)
    six_weeks_to_phase_3(runner, protocol)
    stdout.write("Rehab demo ready: athlete in Phase 1, runner in Phase 3.\n")


def _at(user: Any, day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=user.tzinfo)


def _reset(user: Any) -> None:
    for model in (
        CheckIn,
        SessionLog,
        ObjectiveTestResult,
        OutcomeScore,
        OutcomeReminder,
        PhaseChange,
        RedFlagScreen,
        Assessment,
        RehabProfile,
    ):
        model.objects.filter(user=user).delete()  # type: ignore[attr-defined]
    from backstride.accounts.models import ConsentRecord

    given = ConsentRecord.objects.filter(
        user=user, kind=HEALTH_CONSENT_KIND, action=ConsentRecord.Action.GIVEN
    )
    if not given.exists():
        ConsentRecord.objects.create(
            user=user,
            kind=HEALTH_CONSENT_KIND,
            wording_version=HEALTH_CONSENT_VERSION,
            source=ConsentRecord.Source.DEMO,
        )


def _screen(
    user: Any, protocol: Protocol, kind: str, when: datetime, assessment: Any = None
) -> None:
    RedFlagScreen.objects.create(
        user=user,
        kind=kind,
        assessment=assessment,
        answers={f.id: "no" for f in protocol.red_flags_for(kind)},
        stop=False,
        protocol_id=protocol.id,
        protocol_version=protocol.version,
        created_at=when,
    )


def _assess(user: Any, protocol: Protocol, day: date, answers: dict[str, Any]) -> int:
    when = _at(user, day, 9)
    pain, legs = answers["pain"], set(answers["legs"]["leg_symptoms"])
    placement = place(
        protocol,
        CoreAssessment(
            pain_now=pain["pain_now"],
            pain_avg_week=pain["pain_avg_week"],
            pain_worst=pain["pain_worst"],
            leg_below_knee="below_knee" in legs,
            leg_pins_needles="pins_needles" in legs,
            leg_numbness="numbness" in legs,
            leg_weakness="weakness" in legs,
        ),
    )
    assessment = Assessment.objects.create(
        user=user,
        data=answers,
        started_at=when - timedelta(minutes=9),
        completed_at=when,
        placed_phase=placement.phase,
    )
    _screen(user, protocol, "initial", when, assessment)
    record_phase_change(user, protocol, placement, when)
    RehabProfile.objects.create(
        user=user,
        phase=placement.phase,
        phase_started_at=when,
        phase_started_on=day,
        protocol_id=protocol.id,
        protocol_version=protocol.version,
    )
    return placement.phase


def _outcomes(user: Any, protocol: Protocol, day: date, nprs: int, ratings: list[int]) -> None:
    OutcomeScore.objects.create(
        user=user, measure="nprs", day=day, score=nprs, created_at=_at(user, day, 9, 30)
    )
    OutcomeScore.objects.create(
        user=user,
        measure="psfs",
        day=day,
        score=psfs_score(protocol, ratings),
        items=[{"activity": a, "rating": r} for a, r in zip(PSFS_ACTIVITIES, ratings, strict=True)],
        created_at=_at(user, day, 9, 30),
    )


def _answers(pain: tuple[int, int, int], legs: list[str]) -> dict[str, Any]:
    return {
        "history": {
            "onset": "6_to_12_weeks",
            "episodes": "before",
            "after_fall": "no",
            "back_surgery": "no",
            "seen_clinician": "yes",
        },
        "pain": {"pain_now": pain[0], "pain_avg_week": pain[1], "pain_worst": pain[2]},
        "legs": {"leg_symptoms": legs},
        "activities": {"aggravating": ["sitting", "bending"], "easing": ["walking"], "other": ""},
        "running": {
            "last_run": "1_to_3_months",
            "running_years": 6,
            "weekly_km": 25,
            "usual_pace": "5:45",
        },
        "goal": {"goal": "10k", "detail": "Run the autumn 10K with my club."},
    }


@transaction.atomic
def fresh_phase_1(user: Any, protocol: Protocol) -> None:
    _reset(user)
    today = local_today(user)
    phase = _assess(user, protocol, today, _answers((6, 5, 7), ["below_knee", "pins_needles"]))
    assert phase == 1, "the demo athlete's answers must place them in Phase 1"
    _outcomes(user, protocol, today, 6, [4, 5, 2])


def _pain_on(d: int) -> int:
    return 4 if d < 4 else 3 if d < 8 else 2 if d < 14 else 1


@transaction.atomic
def six_weeks_to_phase_3(user: Any, protocol: Protocol) -> None:
    """Simulate 42 days through the real rules, so every stored reason is genuine."""
    _reset(user)
    today = local_today(user)
    start = today - timedelta(days=42)
    phase = _assess(user, protocol, start, _answers((5, 4, 6), ["pins_needles"]))
    profile = RehabProfile.objects.get(user=user)
    phase_started_at, phase_started_on = profile.phase_started_at, start
    assert phase_started_at is not None
    last_screen, last_session_day = start, None
    history: list[tuple[datetime, core.CheckIn]] = []
    tests: list[tuple[date, str, float]] = []
    test_days = {
        9: {"brisk_walk_min": 22},
        26: {
            "brisk_walk_min": 32,
            "plank_hold_s": 62,
            "side_plank_left_s": 48,
            "side_plank_right_s": 46,
            "sl_bridge_left_reps": 16,
            "sl_bridge_right_reps": 15,
        },
        38: {"sl_balance_left_s": 45, "sl_balance_right_s": 40, "pain_free_hops": 20},
    }
    missed = {5, 17, 22}
    outcome_days = {0: (6, [3, 4, 2]), 14: (4, [5, 6, 4]), 28: (2, [7, 7, 6])}
    for d in range(0, 42):
        day = start + timedelta(days=d)
        if d in outcome_days:
            nprs, ratings = outcome_days[d]
            _outcomes(user, protocol, day, nprs, ratings)
        if (day - last_screen).days >= protocol.weekly_every_days:
            _screen(user, protocol, "weekly", _at(user, day, 8))
            last_screen = day
        for test_id, value in test_days.get(d, {}).items():
            ObjectiveTestResult.objects.create(
                user=user, test_id=test_id, value=value, day=day, created_at=_at(user, day, 17)
            )
            tests.append((day, test_id, value))
        done = SessionLog.objects.filter(
            user=user, phase=phase, completed_at__gte=phase_started_at
        ).count()
        plan = plan_today(protocol, phase, done, last_session_day, day)
        if plan.kind != "session" or d in missed or plan.session is None:
            continue
        session = SessionLog.objects.create(
            user=user,
            day=day,
            phase=phase,
            session_id=plan.session.id,
            exercises_done=list(plan.session.exercises),
            completed_at=_at(user, day, 18),
        )
        last_session_day = day
        pain = _pain_on(d)
        checkin = core.CheckIn(
            day=day,
            pain_now=pain,
            leg_symptoms="same" if d < 10 else "none",
            stiffness=max(1, pain),
            effort=5,
            pain_next_morning=max(0, pain - 1) if d < 41 else None,
        )
        CheckIn.objects.create(
            user=user,
            session=session,
            **asdict(checkin),
            next_morning_at=_at(user, day + timedelta(days=1), 7)
            if checkin.pain_next_morning is not None
            else None,
            created_at=_at(user, day, 18, 10),
        )
        history.append((_at(user, day, 18, 10), checkin))
        current = [c for when, c in history if when >= phase_started_at]
        decision = progress(
            protocol, phase, current, core.latest_tests(tests, day), day, phase_started_on
        )
        if decision.changes_phase:
            when = _at(user, day, 19)
            record_phase_change(user, protocol, decision, when)
            _screen(user, protocol, "phase_change", when + timedelta(minutes=5))
            last_screen = day
            phase, phase_started_at, phase_started_on = decision.to_phase, when, day
    assert phase == 3, f"the demo runner should reach Phase 3, got {phase}"
    if (today - last_screen).days > 3:  # keep the weekly check from greeting the demo login
        _screen(user, protocol, "weekly", _at(user, today - timedelta(days=1), 8))
    profile = RehabProfile.objects.get(user=user)  # saved, not update()d: the plan's
    profile.phase = phase  # cache hears of the change (accounts/freshness.py)
    profile.phase_started_at, profile.phase_started_on = phase_started_at, phase_started_on
    profile.save(update_fields=["phase", "phase_started_at", "phase_started_on", "updated_at"])
