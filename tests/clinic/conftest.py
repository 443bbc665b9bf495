"""Builders for the clinician workspace tests: clients with sessions, check-ins, runs,
outcome scores and red-flag pauses, written straight to the database."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from backstride.accounts.models import CareLink
from backstride.activities.models import Activity, Sport
from backstride.core.protocol import default_protocol
from backstride.rehab.models import (
    CheckIn,
    OutcomeScore,
    RedFlagScreen,
    RehabProfile,
    Screen,
    SessionLog,
)
from backstride.running.models import RunCheckIn
from tests.conftest import make_revoked_clinician, make_user

#: A valid body for each clinic API write (so a refusal is the permission layer speaking).
API_BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/api/clinic/clients/{athlete_id}/notes"): {"text": "A note"},
    ("PUT", "/api/clinic/clients/{athlete_id}/notes/{note_id}"): {"text": "Edited"},
    ("POST", "/api/clinic/clients/{athlete_id}/tailoring"): {
        "reason": "Lower green limit for slow settling.",
        "values": {"treat.colours.green_max_pain": 2},
    },
    ("POST", "/api/clinic/clients/{athlete_id}/clear"): {
        "reason": "Examined: no neurological signs, safe to resume."
    },
}


def today_of(user: Any) -> date:
    return timezone.now().astimezone(user.tzinfo).date()


def place(user: Any, phase: int = 1, days_ago: int = 30) -> RehabProfile:
    profile, _ = RehabProfile.objects.get_or_create(user=user)
    started = today_of(user) - timedelta(days=days_ago)
    profile.phase = phase
    profile.phase_started_on = started
    profile.phase_started_at = timezone.now() - timedelta(days=days_ago)
    profile.save()
    return profile


def sessions(user: Any, days_ago: range) -> None:
    today = today_of(user)
    SessionLog.objects.bulk_create(
        SessionLog(
            user=user,
            day=today - timedelta(days=d),
            phase=1,
            session_id="settle-a" if d % 2 else "settle-b",
            completed_at=evening(user, d),
        )
        for d in days_ago
    )


def evening(user: Any, days_ago: int) -> datetime:
    """18:00 of that day in the athlete's zone (or now, if that is still to come today)."""
    day = today_of(user) - timedelta(days=days_ago)
    at = datetime.combine(day, datetime.min.time(), tzinfo=user.tzinfo) + timedelta(hours=18)
    return min(at, timezone.now())


def checkin(user: Any, days_ago: int = 0, pain: int = 2, **extra: Any) -> CheckIn:
    return CheckIn.objects.create(
        user=user,
        day=today_of(user) - timedelta(days=days_ago),
        pain_now=pain,
        leg_symptoms=extra.pop("leg_symptoms", "none"),
        created_at=extra.pop("created_at", evening(user, days_ago) + timedelta(minutes=30)),
        **extra,
    )


def pause(user: Any) -> RedFlagScreen:
    flag = default_protocol().red_flags_for("weekly")[0]
    profile, _ = RehabProfile.objects.get_or_create(user=user)
    profile.paused = True
    profile.save(update_fields=["paused"])
    return RedFlagScreen.objects.create(
        user=user,
        kind=Screen.WEEKLY,
        answers={flag.id: "yes"},
        stop=True,
        urgency="emergency",
        triggered=[
            {
                "id": flag.id,
                "question": flag.question,
                "answer": "yes",
                "urgency": "emergency",
                "reason": flag.reason,
                "source": "NICE NG59",
            }
        ],
        protocol_id="default",
        protocol_version="1",
    )


def run(user: Any, days_ago: int = 1, km: float = 3.0, **answers: Any) -> RunCheckIn:
    start = datetime.combine(
        today_of(user) - timedelta(days=days_ago), datetime.min.time(), tzinfo=user.tzinfo
    ) + timedelta(hours=8)
    activity = Activity.objects.create(
        user=user,
        sport=Sport.WALK_RUN,
        start=start,
        timezone=user.timezone,
        distance_m=km * 1000,
        elapsed_s=km * 400,
        moving_s=km * 380,
    )
    values = {"pain_during": 2, "pain_after": 2, "leg_new": False, "leg_spreading": False}
    values.update(answers)
    return RunCheckIn.objects.create(user=user, activity=activity, **values)


def score(user: Any, measure: str, days_ago: int, value: float) -> OutcomeScore:
    return OutcomeScore.objects.create(
        user=user,
        measure=measure,
        day=today_of(user) - timedelta(days=days_ago),
        score=value,
        created_at=evening(user, days_ago),
    )


def client_of(clinician: Any, email: str, name: str, **link: Any) -> Any:
    user = make_user(email, display_name=name)
    link.setdefault("consented_at", timezone.now() - timedelta(days=40))
    CareLink.objects.create(clinician=clinician, athlete=user, **link)
    return user


@pytest.fixture
def revoked_clinician(db: None, athlete: Any) -> Any:
    return make_revoked_clinician(athlete)


@pytest.fixture
def steady(athlete: Any) -> Any:
    """Alice, placed in Phase 1 a month ago, doing her sessions and checking in."""
    place(athlete)
    sessions(athlete, range(0, 30))
    checkin(athlete, 0)
    return athlete
