"""Outcome scores (NPRS, PSFS): recording them, their series and changes, the pain series
other apps chart, and the rehab part of a person's data export.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction

from backstride.core.outcomes import (
    Change,
    nprs_change,
    psfs_change,
    psfs_score,
)

from . import tasks
from .models import (
    Assessment,
    CheckIn,
    ObjectiveTestResult,
    OutcomeScore,
    PhaseChange,
    RedFlagScreen,
    RehabProfile,
    SeenClinicianDeclaration,
    SessionLog,
)
from .records import protocol_for


# --- Outcomes ------------------------------------------------------------------------------
def last_outcome_day(user: Any) -> date | None:
    row = OutcomeScore.objects.filter(user=user).order_by("-day").first()
    return row.day if row else None


def psfs_activities(user: Any) -> list[str]:
    """The activities named at baseline, re-rated each time (the PSFS's method)."""
    first = OutcomeScore.objects.filter(user=user, measure="psfs").order_by("day", "pk").first()
    return [item["activity"] for item in first.items] if first else []


@transaction.atomic
def record_outcomes(
    user: Any, today: date, nprs: int, psfs_items: list[tuple[str, int]]
) -> tuple[OutcomeScore, OutcomeScore]:
    protocol = protocol_for(user)
    psfs = psfs_score(protocol, [r for _, r in psfs_items])
    a = OutcomeScore.objects.create(user=user, measure="nprs", day=today, score=nprs)
    b = OutcomeScore.objects.create(
        user=user,
        measure="psfs",
        day=today,
        score=psfs,
        items=[{"activity": name, "rating": rating} for name, rating in psfs_items],
    )
    tasks.schedule_outcome_reminder(user, protocol, today)
    return a, b


def outcome_series(user: Any) -> dict[str, list[tuple[date, float]]]:
    out: dict[str, list[tuple[date, float]]] = {"nprs": [], "psfs": []}
    for row in OutcomeScore.objects.filter(user=user).order_by("day", "pk"):
        out[row.measure].append((row.day, row.score))
    return out


def outcome_changes(user: Any) -> dict[str, Change | None]:
    protocol = protocol_for(user)
    series = outcome_series(user)
    changes: dict[str, Change | None] = {"nprs": None, "psfs": None}
    if len(series["nprs"]) >= 2:
        changes["nprs"] = nprs_change(protocol, series["nprs"][0][1], series["nprs"][-1][1])
    if len(series["psfs"]) >= 2:
        changes["psfs"] = psfs_change(protocol, series["psfs"][0][1], series["psfs"][-1][1])
    return changes


def pain_series(user: Any, start: date, end: date) -> list[tuple[date, float]]:
    """Post-session pain per day between two local dates (hook used by the activities app)."""
    rows = CheckIn.objects.filter(user=user, day__gte=start, day__lte=end).order_by("day")
    return [(c.day, float(c.pain_now)) for c in rows]


# --- Export -------------------------------------------------------------------------------------
def export_data(user: Any) -> dict[str, Any]:
    """Everything the rehab app holds about ``user``, as JSON-ready data (for data export).

    Deleting the user deletes all of it (every rehab model cascades on the user).
    """

    def rows(model: Any, *fields: str) -> list[dict[str, Any]]:
        out = []
        for row in model.objects.filter(user=user).order_by("pk").values(*fields):
            out.append({k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in row.items()})
        return out

    return {
        "profile": rows(
            RehabProfile, "phase", "phase_started_on", "paused", "protocol_id", "protocol_version"
        ),
        "assessments": rows(Assessment, "data", "started_at", "completed_at", "placed_phase"),
        "red_flag_screens": rows(
            RedFlagScreen, "kind", "answers", "stop", "urgency", "triggered", "created_at"
        ),
        "phase_changes": rows(
            PhaseChange, "action", "from_phase", "to_phase", "reasons", "created_at"
        ),
        "sessions": rows(SessionLog, "day", "phase", "session_id", "exercises_done"),
        "checkins": rows(
            CheckIn,
            "day",
            "pain_before",
            "pain_during",
            "pain_now",
            "leg_symptoms",
            "stiffness",
            "effort",
            "pain_next_morning",
            "pain_48h",
        ),
        "seen_clinician": [
            {
                "screen_created_at": d.screen.created_at.isoformat(),
                "note": d.note,
                "created_at": d.created_at.isoformat(),
            }
            for d in SeenClinicianDeclaration.objects.filter(screen__user=user)
            .select_related("screen")
            .order_by("pk")
        ],
        "objective_tests": rows(ObjectiveTestResult, "day", "test_id", "value"),
        "outcomes": rows(OutcomeScore, "day", "measure", "score", "items"),
    }
