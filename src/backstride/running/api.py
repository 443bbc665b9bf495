"""Return-to-running JSON API: the prescription, the ladder position and run check-ins.

Mounted by ``backstride.api`` at ``/api/running/``. The same services and permission rule as
the pages: the athlete and a clinician they share with (``viewable_athlete``); anyone else 404.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from backstride.accounts.models import User
from backstride.accounts.permissions import athlete_or_404, user_in_role
from backstride.activities.models import Activity
from backstride.api.pagination import Page
from backstride.core.treat import PlannedSession, Prescription
from backstride.lib.fields import from_attributes

from . import checkins, services
from .models import RunCheckIn

router = Router(tags=["running"])


class ReasonOut(Schema):
    rule_id: str
    text: str
    source: str


class IntervalsOut(Schema):
    run_s: int
    walk_s: int
    repeats: int


class SessionOut(Schema):
    on: date
    kind: str
    rung_id: str
    label: str
    warm_up_min: int
    intervals: IntervalsOut | None
    cross_trainer_min: int
    pace_kmh: tuple[float, float] | None
    duration_min: float
    distance_km: float
    cool_down_min: int
    is_test: bool
    provisional: bool


class WeekOut(Schema):
    week_start: date
    done_km: float
    planned_km: float
    allowed_km: float
    ceiling_km: float | None


class PrescriptionOut(Schema):
    status: str
    today: date
    ladder_id: str
    rung_id: str
    rung_index: int
    rung_count: int
    change: str | None
    next_change_on: date | None
    last_colour: str | None
    see_clinician: bool
    readiness_pending: list[str]
    longest_run_limit_km: float | None
    sessions: list[SessionOut]
    weeks: list[WeekOut]
    reasons: list[ReasonOut]
    protocol: str


class RungOut(Schema):
    id: str
    label: str
    kind: str
    done: bool
    current: bool


class LadderOut(Schema):
    status: str
    ladder_id: str
    ladder_name: str
    rung_id: str
    rung_index: int
    rungs: list[RungOut]
    next_change_on: date | None
    last_colour: str | None


class CheckInIn(Schema):
    activity_id: int
    pain_during: int
    pain_after: int
    leg_new: bool
    leg_spreading: bool
    pain_evening: int | None = None
    stiffness: int | None = None


class CheckInOut(Schema):
    id: int
    activity_id: int
    session_on: date
    pain_during: int
    pain_after: int
    pain_evening: int | None
    leg_new: bool
    leg_spreading: bool
    stiffness: int | None
    pain_next_morning: int | None
    pain_48h: int | None
    colour: str
    final: bool
    created_at: datetime


def session_out(s: PlannedSession) -> SessionOut:
    iv = s.intervals
    return from_attributes(
        SessionOut,
        s,
        kind=s.kind.value,
        intervals=from_attributes(IntervalsOut, iv) if iv else None,
        pace_kmh=(s.pace.low_kmh, s.pace.high_kmh) if s.pace else None,
    )


def prescription_out(rx: Prescription) -> PrescriptionOut:
    return from_attributes(
        PrescriptionOut,
        rx,
        status=rx.status.value,
        change=rx.change.label if rx.change else None,
        last_colour=rx.last_colour.value if rx.last_colour else None,
        readiness_pending=list(rx.readiness_pending),
        sessions=[session_out(s) for s in rx.sessions],
        weeks=[from_attributes(WeekOut, w) for w in rx.weeks],
        reasons=[from_attributes(ReasonOut, r) for r in rx.reasons],
        protocol=f"{rx.protocol_id}@{rx.protocol_version}",
    )


def checkin_out(c: RunCheckIn) -> CheckInOut:
    verdict = checkins.verdict_for(c)
    return from_attributes(
        CheckInOut,
        c,
        session_on=services.run_day(c.activity, c.user),
        colour=verdict.colour.value,
        final=verdict.final,
    )


def _athlete(request: HttpRequest, athlete_id: int, what: str) -> User:
    return athlete_or_404(request, athlete_id, what=what)


def _me(request: HttpRequest) -> User:
    return user_in_role(request, User.Role.ATHLETE, refusal="Only athletes have a running plan.")


@router.get("/prescription", response=PrescriptionOut, summary="Your current running plan")
def my_prescription(request: HttpRequest) -> PrescriptionOut:
    return prescription_out(services.prescription_for(_me(request)))


@router.get(
    "/athletes/{athlete_id}/prescription",
    response=PrescriptionOut,
    summary="An athlete's running plan (the athlete, or a clinician they share with)",
)
def prescription(request: HttpRequest, athlete_id: int) -> PrescriptionOut:
    return prescription_out(
        services.prescription_for(_athlete(request, athlete_id, "running prescription"))
    )


@router.get("/athletes/{athlete_id}/ladder", response=LadderOut, summary="Where the athlete stands")
def ladder(request: HttpRequest, athlete_id: int) -> LadderOut:
    pos = services.ladder_position(_athlete(request, athlete_id, "running plan"))
    return from_attributes(
        LadderOut,
        pos,
        status=pos.status.value,
        rungs=[from_attributes(RungOut, r) for r in pos.rungs],
        last_colour=pos.last_colour.value if pos.last_colour else None,
    )


@router.get(
    "/athletes/{athlete_id}/check-ins",
    response=list[CheckInOut],
    summary="An athlete's run check-ins, newest first",
)
def athlete_checkins(request: HttpRequest, athlete_id: int, page: Query[Page]) -> list[CheckInOut]:
    athlete = _athlete(request, athlete_id, "run check-ins")
    rows = RunCheckIn.objects.filter(user=athlete).select_related("activity", "user")
    return [checkin_out(c) for c in page.apply(rows.order_by("-activity__start", "-pk"))]


@router.post(
    "/check-ins",
    response={201: CheckInOut},
    summary="Check in after a run or cross-trainer session (one per session)",
)
def create_checkin(request: HttpRequest, body: CheckInIn) -> Status:
    user = _me(request)
    activity = Activity.objects.filter(pk=body.activity_id, user=user).first()
    if activity is None:
        raise HttpError(404, "No such session.")
    try:
        saved = checkins.record_checkin(
            user, activity, from_attributes(checkins.CheckInAnswers, body)
        )
    except ValidationError as exc:
        raise HttpError(422, " ".join(exc.messages)) from None
    return Status(201, checkin_out(saved))


@router.get("/check-ins", response=list[CheckInOut], summary="Your run check-ins, newest first")
def my_checkins(request: HttpRequest, page: Query[Page]) -> list[CheckInOut]:
    user = _me(request)
    rows = RunCheckIn.objects.filter(user=user).select_related("activity", "user")
    return [checkin_out(c) for c in page.apply(rows.order_by("-activity__start", "-pk"))]
