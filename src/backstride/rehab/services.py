"""Rehab services: the one place web views (and later the API) change or read rehab state.

Rules come from ``backstride.core`` (triage, placement, progression, outcomes); this module
loads the right protocol, persists inputs and decisions, and answers "what now?".

Public functions for other apps:
- :func:`protocol_for` — the protocol that applies to an athlete.
- :func:`clear_red_flag` — a clinician's recorded clearance.

"What now?" (the dashboard card, next page, a clinician's overview) is in :mod:`.guide`;
outcome scores, the pain series other apps chart and the data export in :mod:`.scoring`.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from backstride.accounts import audit, freshness
from backstride.accounts.models import ConsentRecord
from backstride.core import checkins as core_checkins
from backstride.core.introduce import SessionDone, plan_today_one_change
from backstride.core.phases import Assessment as CoreAssessment
from backstride.core.phases import (
    Decision,
    Placement,
    Reason,
    TodayPlan,
    place,
    progress,
)
from backstride.core.protocol import Protocol, default_protocol
from backstride.core.triage import PAUSING_URGENCIES, TriageResult, triage
from backstride.lib.fields import from_attributes
from backstride.lib.snapshot import remembered

from . import tasks
from .models import (
    HEALTH_CONSENT_KIND,
    Assessment,
    CheckIn,
    ObjectiveTestResult,
    PhaseChange,
    RedFlagClearance,
    RedFlagScreen,
    RehabProfile,
    Screen,
    SeenClinicianDeclaration,
    SessionLog,
)
from .records import earlier_answers, parse_cached, profile_for, protocol_for, stopping_screen

log = logging.getLogger(__name__)

HEALTH_CONSENT_VERSION = "health-2025-1"
STEPS: tuple[str, ...] = (
    "history",
    "pain",
    "legs",
    "activities",
    "running",
    "fitness",
    "goal",
    "red-flags",
)


# --- Protocol and profile ---------------------------------------------------------------
def set_tailored_protocol(athlete: Any, text: str) -> Protocol:
    """Save a clinician's tailored copy for one athlete ("" restores the default).

    Validated first: a broken copy raises ``ProtocolError`` (file, line, problem) and is
    not saved. The caller checks that the editor is the athlete's clinician.
    """
    protocol = parse_cached(text) if text.strip() else default_protocol()
    profile = profile_for(athlete)
    profile.protocol_text = text if text.strip() else ""
    profile.protocol_id, profile.protocol_version = protocol.id, protocol.version
    profile.save(update_fields=["protocol_text", "protocol_id", "protocol_version", "updated_at"])
    return protocol


def local_today(user: Any) -> date:
    return timezone.now().astimezone(user.tzinfo).date()


def reasons_json(reasons: tuple[Reason, ...] | list[Reason]) -> list[dict[str, Any]]:
    return [
        {"rule_id": r.rule_id, "text": r.text, "source": r.source, "met": r.met} for r in reasons
    ]


def record_phase_change(
    user: Any, protocol: Protocol, outcome: Placement | Decision, when: datetime
) -> PhaseChange:
    """Store a placement, or a decision that changes the phase, with its reasons."""
    action: str
    if isinstance(outcome, Placement):
        action, from_phase, to_phase = PhaseChange.Action.PLACEMENT, None, outcome.phase
        see_clinician = False
    else:
        action, from_phase, to_phase = outcome.action, outcome.from_phase, outcome.to_phase
        see_clinician = outcome.see_clinician
    return PhaseChange.objects.create(
        user=user,
        action=action,
        from_phase=from_phase,
        to_phase=to_phase,
        reasons=reasons_json(outcome.reasons),
        rule_ids=list(outcome.rule_ids),
        see_clinician=see_clinician,
        protocol_id=protocol.id,
        protocol_version=protocol.version,
        created_at=when,
    )


# --- Consent ---------------------------------------------------------------------------------
def give_health_consent(user: Any) -> ConsentRecord:
    return ConsentRecord.objects.create(
        user=user,
        kind=HEALTH_CONSENT_KIND,
        wording_version=HEALTH_CONSENT_VERSION,
        action=ConsentRecord.Action.GIVEN,
        source=ConsentRecord.Source.REHAB,
    )


# --- Self-assessment ---------------------------------------------------------------------------
def open_assessment(user: Any) -> Assessment:
    """The athlete's unfinished assessment (created on first use), so they can resume."""
    existing = Assessment.objects.filter(user=user, completed_at__isnull=True).first()
    if existing is not None:
        return existing
    return Assessment.objects.create(user=user)


@remembered
def completed_assessment(user: Any) -> Assessment | None:
    return (
        Assessment.objects.filter(user=user, completed_at__isnull=False)
        .order_by("-completed_at")
        .first()
    )


def next_step(assessment: Assessment) -> str:
    """The first step without saved answers (the red-flag step is saved as a screen).

    A history step saved before the fall-or-knock question existed is asked again, so the
    age flags read an answer rather than counting it as "not sure"."""
    for step in STEPS[:-1]:
        if step not in assessment.data:
            return step
        if step == "history" and "after_fall" not in assessment.answers(step):
            return step
    return STEPS[-1]


def step_allowed(assessment: Assessment, step: str) -> bool:
    """Steps may be revisited, but never skipped ahead of the first unanswered one."""
    return STEPS.index(step) <= STEPS.index(next_step(assessment))


def save_step(assessment: Assessment, step: str, answers: dict[str, Any]) -> None:
    if step not in STEPS[:-1]:
        raise ValueError(f"unknown step {step!r}")
    data = dict(assessment.data)
    data[step] = answers
    assessment.data = data
    assessment.save(update_fields=["data", "updated_at"])


def assessment_tests(assessment: Assessment) -> dict[str, float]:
    """The objective tests answered in the assessment's fitness step (walking tolerance and
    any of the tests that decide Phase 3 entry the person chose to record)."""
    answers = assessment.answers("fitness")
    return {k: float(v) for k, v in answers.items() if v is not None and v != ""}


def assessment_age(user: Any) -> int | None:
    """The age given in the latest self-assessment (None if never asked)."""
    for assessment in Assessment.objects.filter(user=user).order_by("-started_at")[:2]:
        age = assessment.answers("history").get("age")
        if age is not None:
            return int(age)
    return None


def leg_answers(user: Any) -> dict[str, bool] | None:
    """The leg-symptom kinds from the latest completed assessment (None if none)."""
    done = completed_assessment(user)
    if done is None or "legs" not in done.data:
        return None
    legs = set(done.answers("legs").get("leg_symptoms", []))
    return {
        "leg_below_knee": "below_knee" in legs,
        "leg_pins_needles": "pins_needles" in legs,
        "leg_numbness": "numbness" in legs,
        "leg_weakness": "weakness" in legs,
    }


def core_assessment(
    assessment: Assessment, recorded: dict[str, float] | None = None
) -> CoreAssessment:
    """The assessment in the core's terms; its tests are those already ``recorded`` overlaid
    with the ones answered in the assessment itself."""
    pain = assessment.answers("pain")
    legs = set(assessment.answers("legs").get("leg_symptoms", []))
    return CoreAssessment(
        pain_now=int(pain["pain_now"]),
        pain_avg_week=int(pain["pain_avg_week"]),
        pain_worst=int(pain["pain_worst"]),
        leg_below_knee="below_knee" in legs,
        leg_pins_needles="pins_needles" in legs,
        leg_numbness="numbness" in legs,
        leg_weakness="weakness" in legs,
        tests=(recorded or {}) | assessment_tests(assessment),
    )


@transaction.atomic
def submit_initial_screen(
    user: Any, assessment: Assessment, answers: dict[str, str]
) -> tuple[RedFlagScreen, TriageResult, Placement | None]:
    """The wizard's last step: screen, then place, or stop and pause."""
    protocol = protocol_for(user)
    screen, result = record_screen(user, Screen.INITIAL, answers, protocol, assessment)
    if result.pauses:
        return screen, result, None
    placement = complete_assessment(user, assessment, protocol)
    return screen, result, placement


def complete_assessment(user: Any, assessment: Assessment, protocol: Protocol) -> Placement:
    now = timezone.now()
    today = now.astimezone(user.tzinfo).date()
    # The tests answered in the assessment are recorded, so they count from today on.
    for test_id, value in assessment_tests(assessment).items():
        if test_id in protocol.objective_tests:
            ObjectiveTestResult.objects.create(user=user, test_id=test_id, value=value, day=today)
    placement = place(protocol, core_assessment(assessment, latest_tests(user, today)))
    assessment.completed_at = now
    assessment.placed_phase = placement.phase
    assessment.save(update_fields=["completed_at", "placed_phase", "updated_at"])
    profile = profile_for(user)
    _set_phase(profile, placement.phase, now, user)
    profile.protocol_id, profile.protocol_version = protocol.id, protocol.version
    profile.pending_screen, profile.pending_phase = "", None
    profile.save()
    record_phase_change(user, protocol, placement, now)
    return placement


def _set_phase(profile: RehabProfile, phase: int, now: datetime, user: Any) -> None:
    profile.phase = phase
    profile.phase_started_at = now
    profile.phase_started_on = now.astimezone(user.tzinfo).date()


# --- Red-flag screens ---------------------------------------------------------------------------
def record_screen(
    user: Any,
    kind: str,
    answers: dict[str, str],
    protocol: Protocol | None = None,
    assessment: Assessment | None = None,
) -> tuple[RedFlagScreen, TriageResult]:
    """Store a completed screen; a stop pauses the program until a clinician clears it."""
    protocol = protocol or protocol_for(user)
    age = None
    history = None  # the assessment's history answers, for the age flags
    if assessment is not None:
        history = assessment.answers("history")
        age = history.get("age")
    if age is None:
        age = assessment_age(user)
    result = triage(
        protocol,
        answers,
        kind,
        age=None if age is None else int(age),
        earlier=earlier_answers(user),
        history=history,
    )
    if not result.complete:
        raise ValueError(f"screen incomplete: {', '.join(result.missing)}")
    with transaction.atomic():
        screen = RedFlagScreen.objects.create(
            user=user,
            kind=kind,
            assessment=assessment,
            answers={k: answers[k] for k in (f.id for f in protocol.red_flags_for(kind))},
            stop=result.stop,
            urgency=result.urgency or "",
            triggered=result.as_dict()["triggered"],
            protocol_id=protocol.id,
            protocol_version=protocol.version,
        )
        profile = profile_for(user)
        if result.stop and not result.pauses:
            first = local_today(user) + timedelta(days=tasks.ADVICE_REMINDER_DAYS)
            tasks.schedule_advice_reminder(screen, first)
        if result.pauses:
            profile.paused = True
            profile.save(update_fields=["paused", "updated_at"])
        elif kind != Screen.INITIAL and profile.pending_screen == kind:
            # a clear screen, or one with only "soon" advice (shown daily until seen to)
            _after_clear_screen(user, profile, protocol, kind)
    return screen, result


def _after_clear_screen(user: Any, profile: RehabProfile, protocol: Protocol, kind: str) -> None:
    """A clear re-screen lets a waiting phase change go ahead."""
    profile.pending_screen = ""
    if kind == Screen.PHASE_CHANGE and profile.pending_phase:
        _set_phase(profile, profile.pending_phase, timezone.now(), user)
        profile.pending_phase = None
    profile.save()


def declare_seen_clinician(user: Any, screen_id: int, note: str = "") -> SeenClinicianDeclaration:
    """Record the athlete's own "I have seen a GP or clinician about this" for a soon flag.

    Only for the athlete's own "soon" screens (anything more urgent needs a clinician's
    clearance); raises ``RedFlagScreen.DoesNotExist`` otherwise.
    """
    screen = (
        RedFlagScreen.objects.filter(user=user, stop=True, clearance__isnull=True)
        .exclude(urgency__in=PAUSING_URGENCIES)
        .get(pk=screen_id)
    )
    declaration, _ = SeenClinicianDeclaration.objects.get_or_create(
        screen=screen, defaults={"note": note.strip()[:300]}
    )
    return declaration


@transaction.atomic
def clear_red_flag(
    screen: RedFlagScreen, clinician: Any, reason: str, request: HttpRequest | None = None
) -> RedFlagClearance:
    """Record a clinician's clearance, and its entry in the athlete's access log; the program
    resumes only if nothing else stops it.

    Callers must have checked that ``clinician`` is a clinician with an active care link.
    """
    reason = reason.strip()
    if len(reason) < 10:
        raise ValueError("Please give the reason for clearing in a sentence.")
    if not screen.stop:
        raise ValueError("This screen did not stop the program.")
    clearance = RedFlagClearance.objects.create(screen=screen, clinician=clinician, reason=reason)
    user = screen.user
    audit.changed(clinician, user, "red-flag pause", request)
    profile = profile_for(user)
    if stopping_screen(user) is None:
        profile.paused = False
        profile.save(update_fields=["paused", "updated_at"])
        protocol = protocol_for(user)
        if (
            screen.kind == Screen.INITIAL
            and screen.assessment
            and not screen.assessment.completed_at
        ):
            complete_assessment(user, screen.assessment, protocol)
        elif screen.kind == profile.pending_screen:
            _after_clear_screen(user, profile, protocol, screen.kind)
    return clearance


# --- Sessions and check-ins ---------------------------------------------------------------------
def sessions_done_in_phase(user: Any, profile: RehabProfile) -> int:
    assert profile.phase is not None
    qs = SessionLog.objects.filter(user=user, phase=profile.phase)
    if profile.phase_started_at:
        qs = qs.filter(completed_at__gte=profile.phase_started_at)
    return qs.count()


def today_plan(user: Any, profile: RehabProfile, protocol: Protocol, today: date) -> TodayPlan:
    """Today's session, rest day or "done" (``profile`` and ``protocol`` are the athlete's
    own); from the cache while the athlete's records are unchanged (accounts/freshness.py)."""
    assert profile.phase is not None
    phase = profile.phase

    def compute() -> TodayPlan:
        last = SessionLog.objects.filter(user=user).order_by("-day").first()
        last_day = last.day if last else None
        if last is not None and last.phase != phase and last_day != today:
            last_day = None  # a new phase starts fresh: no rest day carried over
        return plan_today_one_change(
            protocol, phase, sessions_in_phase(user, profile), last_day, today
        )

    return freshness.cached(user, f"rehab-plan-{phase}", today, compute)


def sessions_in_phase(user: Any, profile: RehabProfile) -> list[SessionDone]:
    """The sessions done since the current phase began, each with its check-in, for the
    phase's one-new-exercise-at-a-time order (``[phases.introduce]``)."""
    assert profile.phase is not None
    qs = SessionLog.objects.filter(user=user, phase=profile.phase).select_related("checkin")
    if profile.phase_started_at:
        qs = qs.filter(completed_at__gte=profile.phase_started_at)
    out = []
    for log_row in qs:
        row = getattr(log_row, "checkin", None)
        out.append(SessionDone(log_row.day, to_core_checkin(row) if row is not None else None))
    return out


@transaction.atomic
def complete_session(
    user: Any, session_id: str, exercises_done: list[str], today: date
) -> SessionLog:
    profile = profile_for(user)
    protocol = protocol_for(user)
    plan = today_plan(user, profile, protocol, today)
    if plan.kind != "session" or plan.session is None or plan.session.id != session_id:
        raise ValueError("That isn't today's session.")
    allowed = set(plan.session.exercises)
    done = [e for e in exercises_done if e in allowed]
    assert profile.phase is not None
    return SessionLog.objects.create(
        user=user, day=today, phase=profile.phase, session_id=session_id, exercises_done=done
    )


def checkin_due(user: Any, today: date) -> SessionLog | None:
    """Today's session if it has no check-in yet."""
    return SessionLog.objects.filter(user=user, day=today, checkin__isnull=True).first()


def morning_due(user: Any, today: date) -> CheckIn | None:
    """Yesterday's check-in still waiting for its next-morning pain."""
    return CheckIn.objects.filter(
        user=user, day=today - timedelta(days=1), pain_next_morning__isnull=True
    ).first()


@transaction.atomic
def record_checkin(user: Any, session: SessionLog, values: dict[str, Any]) -> Decision | None:
    row = CheckIn.objects.create(
        user=user,
        session=session,
        day=session.day,
        pain_now=values["pain_now"],
        leg_symptoms=values["leg_symptoms"],
        stiffness=values.get("stiffness"),
        effort=values.get("effort"),
        pain_before=values.get("pain_before"),
        pain_during=values.get("pain_during"),
    )
    decision = review_progress(user, session.day)
    if core_checkins.needs_rescreen(to_core_checkin(row)):
        # Worse leg symptoms: ask the cauda equina questions now, not at the weekly screen.
        # A phase-change screen already pending asks every one of them too.
        profile = profile_for(user)
        if not profile.pending_screen:
            profile.pending_screen = Screen.WEEKLY
            profile.save(update_fields=["pending_screen", "updated_at"])
    return decision


def ask_red_flags_now(user: Any) -> None:
    """Worse leg symptoms reported elsewhere (a run check-in): ask the red-flag questions at
    once rather than at the weekly screen; a screen already pending asks them all anyway."""
    profile = profile_for(user)
    if profile.placed and not profile.pending_screen:
        profile.pending_screen = Screen.WEEKLY
        profile.save(update_fields=["pending_screen", "updated_at"])


@transaction.atomic
def record_morning(user: Any, checkin: CheckIn, pain: int, today: date) -> Decision | None:
    checkin.pain_next_morning = pain
    checkin.next_morning_at = timezone.now()
    checkin.save(update_fields=["pain_next_morning", "next_morning_at"])
    return review_progress(user, today)


def fortyeight_due(user: Any, today: date) -> CheckIn | None:
    """The check-in of two days ago, if its response was not green and the 48-hour pain is
    not yet answered (the pain-monitoring model's "settled within 48 hours" question)."""
    row = CheckIn.objects.filter(
        user=user, day=today - timedelta(days=2), pain_48h__isnull=True
    ).first()
    if row is None:
        return None
    light = core_checkins.response_light(protocol_for(user), to_core_checkin(row))
    return row if light != "green" else None


@transaction.atomic
def record_48h(user: Any, checkin: CheckIn, pain: int, today: date) -> Decision | None:
    checkin.pain_48h = pain
    checkin.save(update_fields=["pain_48h"])
    return review_progress(user, today)


@transaction.atomic
def record_tests(user: Any, values: dict[str, float], today: date) -> Decision | None:
    for test_id, value in values.items():
        ObjectiveTestResult.objects.create(user=user, test_id=test_id, value=value, day=today)
    return review_progress(user, today)


def latest_tests(user: Any, today: date) -> dict[str, float]:
    rows = ObjectiveTestResult.objects.filter(user=user, day__lte=today).values_list(
        "day", "test_id", "value"
    )
    return core_checkins.latest_tests(list(rows), today)


def phase_checkins(user: Any, profile: RehabProfile, today: date) -> list[core_checkins.CheckIn]:
    """Check-ins of the last 7 days made since the current phase began (so one bad week
    never causes two steps back)."""
    qs = CheckIn.objects.filter(user=user, day__gte=today - timedelta(days=6), day__lte=today)
    if profile.phase_started_at:
        qs = qs.filter(created_at__gte=profile.phase_started_at)
    return [to_core_checkin(c) for c in qs]


def earlier_checkins(user: Any, profile: RehabProfile, today: date) -> list[core_checkins.CheckIn]:
    """Check-ins of the last 14 days made before the current phase began: the history that
    survives a phase change (see-a-clinician patterns, red days, pain rising week on week)."""
    if not profile.phase_started_at:
        return []
    qs = CheckIn.objects.filter(
        user=user,
        day__gte=today - timedelta(days=13),
        day__lte=today,
        created_at__lt=profile.phase_started_at,
    )
    return [to_core_checkin(c) for c in qs]


def placed_in_current_phase(user: Any, profile: RehabProfile) -> bool:
    """True while the current phase is the one the first placement chose."""
    latest = PhaseChange.objects.filter(user=user).first()
    return (
        latest is not None
        and latest.action == PhaseChange.Action.PLACEMENT
        and latest.to_phase == profile.phase
    )


def to_core_checkin(c: CheckIn) -> core_checkins.CheckIn:
    return from_attributes(core_checkins.CheckIn, c)


def current_decision(user: Any, today: date | None = None) -> Decision | None:
    """What the rules say now (not stored unless it changes the phase); from the cache while
    the athlete's records are unchanged (accounts/freshness.py)."""
    profile = profile_for(user)
    phase = profile.phase
    if phase is None:
        return None
    day = today or local_today(user)

    def compute() -> Decision:
        return progress(
            protocol_for(user),
            phase,
            phase_checkins(user, profile, day),
            latest_tests(user, day),
            day,
            profile.phase_started_on,
            history=earlier_checkins(user, profile, day),
            placed_here=placed_in_current_phase(user, profile),
            leg_answers=leg_answers(user),
        )

    return freshness.cached(user, f"rehab-decision-{phase}", day, compute)


def review_progress(user: Any, today: date) -> Decision | None:
    """Apply the rules after new data. A step back happens at once; a step up waits for a
    clear red-flag re-screen. Either way the red flags are asked again."""
    profile = RehabProfile.objects.select_for_update().get(user=user)
    if profile.phase is None or profile.paused or profile.pending_phase:
        return None
    decision = current_decision(user, today)
    if decision is None or not decision.changes_phase:
        return decision
    protocol = protocol_for(user)
    now = timezone.now()
    record_phase_change(user, protocol, decision, now)
    if decision.action == "step_back":
        _set_phase(profile, decision.to_phase, now, user)
    else:
        profile.pending_phase = decision.to_phase
    profile.pending_screen = Screen.PHASE_CHANGE
    profile.save()
    return decision
