"""What the athlete should do now: where to go (:func:`next_url`), the dashboard card
(:func:`today_summary`), the latest check-in's result, and a clinician's overview.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from typing import Any

from django.urls import reverse

from backstride.accounts import freshness
from backstride.accounts.models import User
from backstride.core import checkins as core_checkins
from backstride.core.feedback import LIGHT_MEANINGS, Feedback, checkin_feedback
from backstride.core.outcomes import Change, no_better_review, outcome_due
from backstride.core.phases import (
    Decision,
)
from backstride.core.protocol import Protocol
from backstride.lib.fields import from_attributes

from .models import (
    Assessment,
    CheckIn,
    PhaseChange,
    RedFlagScreen,
    RehabProfile,
)
from .records import open_advice, protocol_for, stopping_screen, weekly_screen_due
from .scoring import last_outcome_day, outcome_changes, outcome_series
from .services import (
    checkin_due,
    current_decision,
    latest_tests,
    local_today,
    morning_due,
    profile_for,
    reasons_json,
    to_core_checkin,
    today_plan,
)
from .state import Stage, athlete_state


@dataclass(frozen=True)
class CheckinResult:
    """A check-in with its colour, meaning and next steps, and what the rules decided."""

    checkin: CheckIn
    feedback: Feedback
    decision: Decision | None
    next_url: str
    pending_screen: str
    reasons: list[dict[str, Any]]

    def context(self) -> dict[str, Any]:
        """The fields as a template context (shallow: the rows stay rows)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def checkin_result(user: Any, day: str | None = None) -> CheckinResult | None:
    """The latest check-in (or the athlete's own one of ``day``, ISO date) with its colour,
    meaning, next steps and the safety-netting line (the page shown straight after a
    check-in, a next-morning or a 48-hour answer)."""
    rows = CheckIn.objects.filter(user=user)
    if day:
        try:
            rows = rows.filter(day=date.fromisoformat(day))
        except ValueError:
            return None
    row = rows.order_by("-day", "-pk").first()
    profile = profile_for(user)
    if row is None or profile.phase is None:
        return None
    protocol = protocol_for(user)
    today = local_today(user)
    decision = current_decision(user, today)
    change = PhaseChange.objects.filter(user=user).exclude(action="placement").first()
    if change is not None and change.created_at >= row.created_at and profile.pending_screen:
        # the check-in just moved the phase: say so, rather than what the rules say now
        decision = Decision(
            action=change.action,  # type: ignore[arg-type]
            from_phase=change.from_phase or profile.phase,
            to_phase=change.to_phase,
            reasons=(),
            rule_ids=tuple(change.rule_ids),
            see_clinician=change.see_clinician,
        )
    feedback = checkin_feedback(protocol, to_core_checkin(row), decision)
    return CheckinResult(
        checkin=row,
        feedback=feedback,
        decision=decision,
        next_url=next_url(user),
        pending_screen=profile.pending_screen,
        reasons=reasons_json(decision.reasons) if decision else [],
    )


def today_light(user: Any, today: date) -> str | None:
    """The colour of today's check-in, if there is one."""
    row = CheckIn.objects.filter(user=user, day=today).first()
    return (
        None
        if row is None
        else core_checkins.response_light(protocol_for(user), to_core_checkin(row))
    )


def recent_phase_change(user: Any) -> PhaseChange | None:
    """The latest move up or down, while it is news: until the next check-in after it.

    A "you moved up" banner never sits above a later amber or red check-in.
    """
    change = PhaseChange.objects.filter(user=user).first()
    if change is None or change.action == PhaseChange.Action.PLACEMENT:
        return None
    if CheckIn.objects.filter(user=user, created_at__gt=change.created_at).exists():
        return None
    return change


# --- What now? ----------------------------------------------------------------------------------
def next_url(user: Any) -> str:
    """Where the athlete should be: consent, stop page, wizard, a re-screen, or today."""
    return athlete_state(user).url


@dataclass(frozen=True)
class TodayCard:
    """What to do today: the dashboard card, the API's ``/rehab/today`` and the tests read it.

    ``state`` is one of ``consent``, ``assessment``, ``stopped``, ``screen``, ``morning``,
    ``session``, ``checkin``, ``rest``, ``done``; each has a ``title``, a ``message``, a call
    to action (``url``, ``cta``) and, where a rule decided it, ``reasons`` (rule id, text,
    source) for a "why?" disclosure. The other fields belong to some states only.
    """

    state: str
    title: str
    message: str
    url: str
    cta: str
    reasons: list[dict[str, Any]] = field(default_factory=list)
    urgency: str | None = None  # stopped
    phase: int | None = None
    phase_name: str | None = None
    phase_title: str | None = None
    see_clinician: bool = False
    decision: DecisionSummary | None = None
    clinician_reasons: list[dict[str, Any]] = field(default_factory=list)
    advice: Advice | None = None  # an open "see a clinician soon" advice
    review: str | None = None  # outcome scores no better: see a clinician
    next_session_on: date | None = None  # rest
    light: str | None = None  # done: today's check-in colour
    new_today: str | None = None  # session: the exercise introduced today
    session_id: str | None = None
    exercises: list[str] = field(default_factory=list)


def today_summary(user: Any) -> TodayCard:
    """What to do today, as one :class:`TodayCard`; from the cache while the athlete's
    records are unchanged (accounts/freshness.py), recomputed the moment a stop appears."""
    return freshness.cached(
        user, "today-card", local_today(user), lambda: TodayCard(**_today(user))
    )


def _today(user: Any) -> dict[str, Any]:
    state = athlete_state(user)
    if state.stage is Stage.CONSENT:
        return {
            "state": "consent",
            "title": "Start your back-to-running program",
            "message": "A few minutes of questions about your back, then a plan for today.",
            "url": reverse("rehab:consent"),
            "cta": "Start the self-assessment",
            "reasons": [],
        }
    screen = state.stop
    protocol = protocol_for(user)
    if screen is not None:
        advice = protocol.urgency.get(screen.urgency)
        return {
            "state": "stopped",
            "title": advice.title if advice else "See a clinician",
            "message": "Your exercise program is paused because of an answer in your safety "
            "questions. " + (advice.action if advice else ""),
            "urgency": screen.urgency,
            "url": reverse("rehab:stop"),
            "cta": "See why",
            "reasons": [
                {"rule_id": t["id"], "text": t["reason"], "source": t["source"]}
                for t in screen.triggered
            ],
        }
    profile = state.profile
    assert profile is not None  # every stage after a stop has one
    if profile.phase is None:
        assessment = Assessment.objects.filter(user=user, completed_at__isnull=True).first()
        return {
            "state": "assessment",
            "title": "Finish your self-assessment" if assessment else "Start your self-assessment",
            "message": "Your answers are saved as you go: pick up where you left off.",
            "url": reverse("rehab:assessment"),
            "cta": "Continue" if assessment else "Start",
            "reasons": [],
        }
    today = local_today(user)
    phase = protocol.phase(profile.phase)
    base = {"phase": phase.number, "phase_name": phase.name, "phase_title": phase.title}
    if profile.pending_screen:
        going_up = bool(profile.pending_phase)
        change = PhaseChange.objects.filter(user=user).exclude(action="placement").first()
        return base | {
            "state": "screen",
            "title": "A few safety questions first",
            "message": (
                f"You're ready to move up to Phase {profile.pending_phase}. "
                if going_up
                else f"We've eased you back to {phase.title}. "
            )
            + "Before your next session, please answer the safety questions again.",
            "url": reverse("rehab:screen", args=[profile.pending_screen.replace("_", "-")]),
            "cta": "Answer the safety questions",
            "reasons": change.reasons if change else [],
        }
    if weekly_screen_due(user, protocol, today):
        return base | {
            "state": "screen",
            "title": "Your weekly safety check",
            "message": "A short set of questions we ask every week, before today's session.",
            "url": reverse("rehab:screen", args=["weekly"]),
            "cta": "Start the weekly check",
            "reasons": [],
        }
    plan = today_plan(user, profile, protocol, today)
    decision = current_decision(user, today)
    see_clinician = bool(decision and decision.see_clinician)
    extra: dict[str, Any] = {
        "see_clinician": see_clinician,
        "decision": DecisionSummary.of(decision) if decision else None,
    }
    if see_clinician and decision is not None:
        extra["clinician_reasons"] = [
            r for r in reasons_json(decision.reasons) if r["met"] is not False
        ]
    advice_screen = open_advice(user)
    if advice_screen is not None:
        extra["advice"] = advice_for(protocol, advice_screen)
    review = no_better(user, today)
    if review:
        extra["review"] = review
    morning = morning_due(user, today)
    if morning is not None:
        return (
            base
            | extra
            | {
                "state": "morning",
                "title": "How is your back this morning?",
                "message": "One question about how yesterday's session settled overnight.",
                "url": reverse("rehab:today") + "#morning",
                "cta": "Answer",
                "reasons": [],
            }
        )
    if checkin_due(user, today) is not None:
        return (
            base
            | extra
            | {
                "state": "checkin",
                "title": "How did today's session go?",
                "message": "Six quick questions so the plan can follow how your back responds.",
                "url": reverse("rehab:checkin"),
                "cta": "Check in",
                "reasons": [],
            }
        )
    if plan.kind == "rest":
        return (
            base
            | extra
            | {
                "state": "rest",
                "title": "Rest day",
                "message": plan.reasons[0].text,
                "next_session_on": plan.next_session_on,
                "url": reverse("rehab:progress"),
                "cta": "See your progress",
                "reasons": reasons_json(plan.reasons),
            }
        )
    if plan.kind == "done":
        light = today_light(user, today)
        done_message = "Well done. Move about normally for the rest of the day."
        if light in ("amber", "red"):
            done_message = f"Today's check-in was {light}: {LIGHT_MEANINGS[light]}"
        return (
            base
            | extra
            | {
                "state": "done",
                "title": "Today's session is done",
                "message": done_message,
                "light": light,
                "url": reverse("rehab:progress"),
                "cta": "See your progress",
                "reasons": [],
            }
        )
    assert plan.session is not None
    exercises = [protocol.exercise(e) for e in plan.session.exercises]
    return (
        base
        | extra
        | {
            "state": "session",
            "title": plan.session.name,
            "message": f"{len(exercises)} exercises, about {session_minutes(exercises)} minutes."
            + (f" New today: {protocol.exercise(plan.new_today).name}." if plan.new_today else ""),
            "new_today": protocol.exercise(plan.new_today).name if plan.new_today else None,
            "session_id": plan.session.id,
            "exercises": [e.name for e in exercises],
            "url": reverse("rehab:today"),
            "cta": "Start today's session",
            "reasons": reasons_json(plan.reasons),
        }
    )


@dataclass(frozen=True)
class Advice:
    """A "soon" flag's advice for Today: what to do, why, and the screen to declare against."""

    screen_id: int
    title: str
    action: str
    detail: str
    since: datetime
    reasons: list[dict[str, Any]]


def advice_for(protocol: Protocol, screen: RedFlagScreen) -> Advice:
    advice = protocol.urgency.get(screen.urgency)
    return Advice(
        screen_id=screen.pk,
        title=advice.title if advice else "See your GP",
        action=advice.action if advice else "",
        detail=advice.detail if advice else "",
        since=screen.created_at,
        reasons=[
            {"rule_id": t["id"], "text": t["reason"], "source": t["source"]}
            for t in screen.triggered
        ],
    )


@dataclass(frozen=True)
class DecisionSummary:
    """What the rules decided about the phase, in words, with their reasons and criteria."""

    action: str
    summary: str
    from_phase: int
    to_phase: int | None
    see_clinician: bool
    reasons: list[dict[str, Any]]
    criteria: list[dict[str, Any]]

    @classmethod
    def of(cls, decision: Decision) -> DecisionSummary:
        return from_attributes(
            cls,
            decision,
            reasons=reasons_json(decision.reasons),
            criteria=[asdict(c) | {"text": c.text} for c in decision.criteria],
        )


def session_minutes(exercises: list[Any]) -> int:
    """A rough, honest duration estimate for a session."""
    seconds = 0
    for e in exercises:
        d = e.dosage
        if d.duration_min:
            seconds += d.duration_min * 60
            continue
        sides = 2 if d.per_side else 1
        reps = max(d.reps, 1)
        per_rep = d.hold_s + 3 if d.hold_s else 4
        seconds += d.sets * (reps * per_rep * sides) + max(d.sets - 1, 0) * d.rest_s
    return max(5, round(seconds / 60 / 5) * 5)


@dataclass(frozen=True)
class AthleteOverview:
    """What a clinician's read-only view of one athlete shows (the caller checks permission)."""

    profile: RehabProfile
    protocol: Protocol
    phase: Any  # the protocol's phase, or None before placement
    stopping_screen: RedFlagScreen | None
    screens: list[RedFlagScreen]
    changes: list[PhaseChange]
    checkins: list[CheckIn]  # each with ``light`` set: its response colour
    tests: list[tuple[Any, float]]  # (objective test, latest value)
    outcomes: dict[str, list[tuple[date, float]]]
    changes_in_outcomes: dict[str, Change | None]
    decision: Decision | None

    def context(self) -> dict[str, Any]:
        """The fields as template variables (a shallow copy)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def athlete_overview(athlete: User, today: date | None = None) -> AthleteOverview:
    """Read-only summary for a clinician's view of one athlete (caller checks permission)."""
    today = today or local_today(athlete)
    profile = profile_for(athlete)
    protocol = protocol_for(athlete)
    checkins = list(CheckIn.objects.filter(user=athlete).order_by("-day")[:14])
    for c in checkins:
        c.light = core_checkins.response_light(protocol, to_core_checkin(c))  # type: ignore[attr-defined]
    screens = RedFlagScreen.objects.filter(user=athlete).select_related("clearance", "declaration")
    return AthleteOverview(
        profile=profile,
        protocol=protocol,
        phase=protocol.phase(profile.phase) if profile.phase else None,
        stopping_screen=stopping_screen(athlete),
        screens=list(screens[:10]),
        changes=list(PhaseChange.objects.filter(user=athlete)[:10]),
        checkins=checkins,
        tests=[
            (protocol.objective_tests[k], v)
            for k, v in sorted(latest_tests(athlete, today).items())
            if k in protocol.objective_tests
        ],
        outcomes=outcome_series(athlete),
        changes_in_outcomes=outcome_changes(athlete),
        decision=current_decision(athlete, today) if profile.phase else None,
    )


def no_better(user: Any, today: date) -> str | None:
    """Advice to see a clinician when the outcome scores show no meaningful improvement
    six weeks (the protocol's ``[outcomes.review]``) after the first ones."""
    series = outcome_series(user)
    return no_better_review(protocol_for(user), series["nprs"], series["psfs"], today)


def outcome_due_for(user: Any, today: date) -> Any:
    return outcome_due(protocol_for(user), last_outcome_day(user), today)
