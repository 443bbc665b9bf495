"""Rehab JSON API: the same services, forms and permission checks as the pages.

Mounted by ``backstride.api`` at ``/api/rehab/``. Writes take a JSON object of the same
fields as the page's form and are validated by that form (``backstride.api.forms``); an
athlete who must first do something else (consent, the self-assessment, a safety screen)
gets 409 saying what, like the page would redirect them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Body, Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from backstride.accounts.models import User
from backstride.accounts.permissions import athlete_or_404, user_in_role
from backstride.api.forms import clean
from backstride.api.pagination import Page
from backstride.core.triage import TriageResult
from backstride.lib.fields import from_attributes

from . import forms, guide, records, scoring, services
from .models import CheckIn, Screen
from .state import Stage, athlete_state

router = Router(tags=["rehab"])


class ReasonOut(Schema):
    rule_id: str
    text: str
    source: str


class TodayOut(Schema):
    state: str
    title: str
    message: str
    url: str
    phase: int | None = None
    phase_name: str | None = None
    see_clinician: bool = False
    next_session_on: date | None = None
    exercises: list[str] = []
    reasons: list[ReasonOut] = []


class OutcomePoint(Schema):
    day: date
    score: float


class AthleteOut(Schema):
    id: int
    phase: int | None
    paused: bool
    decision: str | None
    see_clinician: bool
    reasons: list[ReasonOut]
    nprs: list[OutcomePoint]
    psfs: list[OutcomePoint]
    protocol: str


class ProtocolOut(Schema):
    id: str
    version: str
    red_flags: int
    phases: int
    exercises: int
    rules: int
    rules_without_source: list[str]


def _reasons(items: list[dict[str, Any]]) -> list[ReasonOut]:
    return [ReasonOut(rule_id=r["rule_id"], text=r["text"], source=r["source"]) for r in items]


@router.get("/today", response=TodayOut, summary="What the signed-in athlete should do today")
def today(request: HttpRequest) -> guide.TodayCard:
    user = user_in_role(
        request, User.Role.ATHLETE, refusal="Only athletes have a rehab program.", admins=True
    )
    return guide.today_summary(user)  # the schema reads the card's fields as they are


@router.get(
    "/athletes/{athlete_id}",
    response=AthleteOut,
    summary="An athlete's rehab state (the athlete, or a clinician they share with)",
)
def athlete(request: HttpRequest, athlete_id: int) -> AthleteOut:
    person = athlete_or_404(request, athlete_id, what="rehab record")
    overview = guide.athlete_overview(person)
    decision = overview.decision
    return AthleteOut(
        id=person.pk,
        phase=overview.profile.phase,
        paused=overview.profile.paused,
        decision=decision.action if decision else None,
        see_clinician=bool(decision and decision.see_clinician),
        reasons=_reasons(services.reasons_json(decision.reasons)) if decision else [],
        nprs=[OutcomePoint(day=d, score=s) for d, s in overview.outcomes["nprs"]],
        psfs=[OutcomePoint(day=d, score=s) for d, s in overview.outcomes["psfs"]],
        protocol=f"{overview.protocol.id}@{overview.protocol.version}",
    )


@router.get("/protocol", response=ProtocolOut, summary="The protocol that applies to you")
def protocol(request: HttpRequest) -> ProtocolOut:
    p = services.protocol_for(request.user)
    return ProtocolOut(id=p.id, version=p.version, **p.summary())


# --- Writes: the athlete's own program ------------------------------------------------------
STAGE_MESSAGES = {
    Stage.CONSENT: "Agree to the health-data terms first (POST /api/rehab/consent).",
    Stage.STOPPED: "Your program is paused by a safety answer until a clinician clears it.",
    Stage.ASSESSMENT: "Finish the self-assessment first (GET /api/rehab/assessment).",
    Stage.SCREEN: "Answer the safety questions first (POST /api/rehab/screens/{kind}).",
}


def _only_athletes(request: HttpRequest) -> Any:
    return user_in_role(request, User.Role.ATHLETE, refusal="Only athletes have a rehab program.")


def _athlete(request: HttpRequest, *, placed: bool = True, pending_ok: bool = False) -> Any:
    """The signed-in athlete, when their stage allows this (409 naming what comes first)."""
    user = _only_athletes(request)
    state = athlete_state(user)
    if state.blocks(placed=placed, pending_ok=pending_ok):
        raise HttpError(409, STAGE_MESSAGES[state.stage])
    return user


class StepOut(Schema):
    id: str
    done: bool


class QuestionOut(Schema):
    id: str
    question: str


class AssessmentOut(Schema):
    stage: str
    phase: int | None
    next_step: str | None
    steps: list[StepOut]
    answers: dict[str, Any]
    red_flag_questions: list[QuestionOut]


class TriggeredOut(Schema):
    id: str
    question: str
    answer: str
    reason: str
    urgency: str
    source: str


class ScreenOut(Schema):
    kind: str
    stop: bool
    paused: bool
    urgency: str | None
    triggered: list[TriggeredOut]
    phase: int | None
    advice: str


def _screen_out(user: Any, kind: str, result: TriageResult) -> ScreenOut:
    protocol = services.protocol_for(user)
    advice = protocol.urgency.get(result.urgency) if result.urgency else None
    return ScreenOut(
        kind=kind,
        stop=result.stop,
        paused=result.pauses,
        urgency=result.urgency,
        triggered=[TriggeredOut(**t) for t in result.as_dict()["triggered"]],
        phase=services.profile_for(user).phase,
        advice=getattr(advice, "text", "") or str(advice or ""),
    )


def _assessment_out(user: Any) -> AssessmentOut:
    state = athlete_state(user)
    profile = services.profile_for(user)
    current = services.open_assessment(user) if profile.phase is None else None
    nxt = services.next_step(current) if current is not None else None
    protocol = services.protocol_for(user)
    return AssessmentOut(
        stage=state.stage.value,
        phase=profile.phase,
        next_step=nxt,
        steps=[
            StepOut(id=step, done=current is None or bool(current.answers(step)))
            for step in services.STEPS
        ],
        answers={step: current.answers(step) for step in services.STEPS} if current else {},
        red_flag_questions=[
            QuestionOut(id=f.id, question=f.text_for(Screen.INITIAL))
            for f in protocol.red_flags_for(Screen.INITIAL)
        ],
    )


@router.post("/consent", response=AssessmentOut, summary="Agree to the health-data terms")
def consent(request: HttpRequest, payload: Body[dict[str, Any]]) -> AssessmentOut:
    user = _only_athletes(request)
    clean(forms.ConsentForm, payload)
    if not records.has_health_consent(user):
        services.give_health_consent(user)
    return _assessment_out(user)


@router.get("/assessment", response=AssessmentOut, summary="Your self-assessment so far")
def assessment(request: HttpRequest) -> AssessmentOut:
    return _assessment_out(_athlete(request, placed=False))


@router.put(
    "/assessment/{step}",
    response={200: AssessmentOut, 201: ScreenOut},
    summary="Answer one step of the self-assessment (the last, red-flags, places or stops)",
)
def assessment_step(request: HttpRequest, step: str, payload: Body[dict[str, Any]]) -> Any:
    user = _athlete(request, placed=False)
    if step not in services.STEPS:
        raise HttpError(404, f"No such step. The steps are: {', '.join(services.STEPS)}.")
    if services.profile_for(user).phase is not None:
        raise HttpError(409, "Your self-assessment is already complete.")
    current = services.open_assessment(user)
    if not services.step_allowed(current, step):
        raise HttpError(409, f"Answer the step {services.next_step(current)!r} first.")
    protocol = services.protocol_for(user)
    if step == "red-flags":
        answers = clean(lambda d: forms.RedFlagForm(protocol, Screen.INITIAL, d), payload)
        _screen, result, _placement = services.submit_initial_screen(user, current, answers)
        return Status(201, _screen_out(user, Screen.INITIAL, result))
    if step == "fitness":
        form_class: Any = lambda d: forms.FitnessForm(protocol, d)  # noqa: E731
    else:
        form_class = forms.STEP_FORMS[step]
    cleaned = clean(form_class, payload)
    if step == "fitness":
        cleaned = {k: float(v) for k, v in cleaned.items() if v is not None}
    services.save_step(current, step, cleaned)
    return Status(200, _assessment_out(user))


@router.post(
    "/screens/{kind}",
    response={201: ScreenOut},
    summary="Answer the weekly or phase-change safety questions",
)
def screen(request: HttpRequest, kind: str, payload: Body[dict[str, Any]]) -> Any:
    kinds = {"weekly": Screen.WEEKLY, "phase-change": Screen.PHASE_CHANGE}
    if kind not in kinds:
        raise HttpError(404, "No such screen: use weekly or phase-change.")
    user = _athlete(request, placed=True, pending_ok=True)
    screen_kind = kinds[kind]
    profile = services.profile_for(user)
    if profile.pending_screen and profile.pending_screen != screen_kind:
        raise HttpError(409, f"The {profile.pending_screen.replace('_', '-')} screen is due.")
    if screen_kind == Screen.PHASE_CHANGE and profile.pending_screen != Screen.PHASE_CHANGE:
        raise HttpError(409, "No phase change is waiting for its safety questions.")
    protocol = services.protocol_for(user)
    answers = clean(lambda d: forms.RedFlagForm(protocol, screen_kind, d), payload)
    _screen, result = services.record_screen(user, screen_kind, answers)
    return Status(201, _screen_out(user, screen_kind, result))


class SessionIn(Schema):
    session_id: str
    done: list[str] = []


class RehabSessionOut(Schema):
    id: int
    day: date
    phase: int
    session_id: str
    exercises_done: list[str]
    check_in_due: bool


@router.post("/sessions", response={201: RehabSessionOut}, summary="Log today's session as done")
def session_done(request: HttpRequest, payload: SessionIn) -> Any:
    user = _athlete(request)
    protocol = services.protocol_for(user)
    ids = sorted({e for phase in protocol.phases for s in phase.sessions for e in s.exercises})
    cleaned = clean(lambda d: forms.SessionDoneForm(ids, d), payload.dict())
    try:
        row = services.complete_session(
            user, cleaned["session_id"], cleaned["done"], services.local_today(user)
        )
    except ValueError:
        raise HttpError(409, "That isn't today's session, or it is already done.") from None
    return Status(
        201,
        from_attributes(RehabSessionOut, row, check_in_due=True),
    )


class RehabCheckInOut(Schema):
    id: int
    day: date
    pain_before: int | None
    pain_during: int | None
    pain_now: int
    leg_symptoms: str
    stiffness: int | None
    effort: int | None
    pain_next_morning: int | None
    pain_48h: int | None
    light: str | None = None
    meaning: str | None = None
    next_steps: list[str] = []
    see_clinician: bool = False
    reasons: list[ReasonOut] = []


def _checkin_out(row: CheckIn, result: guide.CheckinResult | None = None) -> RehabCheckInOut:
    if result is None:  # the record alone: no advice was asked for
        return from_attributes(
            RehabCheckInOut,
            row,
            light=None,
            meaning=None,
            next_steps=[],
            see_clinician=False,
            reasons=[],
        )
    feedback, decision = result.feedback, result.decision
    return from_attributes(
        RehabCheckInOut,
        row,
        light=feedback.light,
        meaning=feedback.meaning,
        next_steps=list(feedback.next_steps),
        see_clinician=bool(decision and decision.see_clinician),
        reasons=_reasons(result.reasons),
    )


@router.post(
    "/check-ins",
    response={201: RehabCheckInOut},
    summary="Check in after today's session: its colour, meaning and what comes next",
)
def checkin(request: HttpRequest, payload: Body[dict[str, Any]]) -> Any:
    user = _athlete(request)
    session = services.checkin_due(user, services.local_today(user))
    if session is None:
        raise HttpError(409, "No session today is waiting for its check-in.")
    values = clean(forms.CheckInForm, payload)
    with transaction.atomic():
        services.record_checkin(user, session, values)
    row = CheckIn.objects.get(session=session)
    return Status(201, _checkin_out(row, guide.checkin_result(user, row.day.isoformat())))


class PainIn(Schema):
    pain: int


def _later_answer(
    request: HttpRequest,
    due: Any,
    form_class: type[forms.forms.Form],
    field: str,
    pain: int,
    record: Any,
    missing: str,
) -> RehabCheckInOut:
    """The next-morning or 48-hour pain for the check-in waiting for it."""
    user = _athlete(request)
    day = services.local_today(user)
    target = due(user, day)
    if target is None:
        raise HttpError(409, missing)
    value = clean(form_class, {field: pain})[field]
    record(user, target, value, day)
    target.refresh_from_db()
    return _checkin_out(target, guide.checkin_result(user, target.day.isoformat()))


@router.post(
    "/check-ins/morning",
    response=RehabCheckInOut,
    summary="Yesterday's check-in: your pain the next morning",
)
def morning(request: HttpRequest, payload: PainIn) -> RehabCheckInOut:
    return _later_answer(
        request,
        services.morning_due,
        forms.MorningForm,
        "pain_next_morning",
        payload.pain,
        services.record_morning,
        "No check-in from yesterday is waiting for its morning answer.",
    )


@router.post(
    "/check-ins/48-hours",
    response=RehabCheckInOut,
    summary="The pain two days after a session that was not green",
)
def fortyeight(request: HttpRequest, payload: PainIn) -> RehabCheckInOut:
    return _later_answer(
        request,
        services.fortyeight_due,
        forms.FortyEightForm,
        "pain_48h",
        payload.pain,
        services.record_48h,
        "No check-in is waiting for its 48-hour answer.",
    )


@router.get("/check-ins", response=list[RehabCheckInOut], summary="Your check-ins, newest first")
def checkins(request: HttpRequest, page: Query[Page]) -> list[RehabCheckInOut]:
    user = _only_athletes(request)
    rows = CheckIn.objects.filter(user=user).order_by("-day", "-pk")
    return [_checkin_out(row) for row in page.apply(rows)]


class OutcomeItemOut(Schema):
    activity: str
    rating: int


class OutcomeOut(Schema):
    day: date
    measure: str
    score: float
    items: list[OutcomeItemOut] = []


class OutcomesOut(Schema):
    nprs: list[OutcomePoint]
    psfs: list[OutcomePoint]
    psfs_activities: list[str]
    due: bool


@router.get("/outcomes", response=OutcomesOut, summary="Your outcome scores over time")
def outcomes(request: HttpRequest) -> OutcomesOut:
    user = _only_athletes(request)
    series = scoring.outcome_series(user)
    return OutcomesOut(
        nprs=[OutcomePoint(day=d, score=s) for d, s in series["nprs"]],
        psfs=[OutcomePoint(day=d, score=s) for d, s in series["psfs"]],
        psfs_activities=scoring.psfs_activities(user),
        due=bool(guide.outcome_due_for(user, services.local_today(user))),
    )


@router.post(
    "/outcomes",
    response={201: list[OutcomeOut]},
    summary="Record your pain (NPRS) and function (PSFS) scores",
)
def outcomes_new(request: HttpRequest, payload: Body[dict[str, Any]]) -> Any:
    """Fields as on the page: ``nprs`` and ``activity_0``/``rating_0`` … (the activities named
    the first time are kept: after that, send only the ratings)."""
    user = _athlete(request, pending_ok=True)
    protocol = services.protocol_for(user)
    activities = scoring.psfs_activities(user)
    cleaned = clean(lambda d: forms.OutcomeForm(protocol, activities, d), payload)
    rows = scoring.record_outcomes(
        user, services.local_today(user), cleaned["nprs"], cleaned["items"]
    )
    return Status(
        201,
        [
            OutcomeOut(
                day=r.day,
                measure=r.measure,
                score=r.score,
                items=[OutcomeItemOut(**i) for i in (r.items or [])],
            )
            for r in rows
        ],
    )
