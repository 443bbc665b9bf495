"""Run check-ins: the answers owed after each session, saving them, and what they mean.

- :func:`checkin_for`, :func:`needs_checkin`, :func:`pending_checkins`, :func:`due_followups`
  — which answers the athlete still owes (the run's page and Today ask for them);
- :func:`record_checkin`, :func:`record_morning`, :func:`record_48h` — save answers, each in
  one transaction (bad input raises ``ValidationError``, nothing is saved) and queue the
  next-morning / 48-hour reminder emails at 08:00 in the athlete's time zone;
- :func:`verdict_for`, :func:`checkin_outcome`, :func:`session_verdicts` — the colour of a
  check-in, the result page (meaning, next steps, the engine's reasons, the safety net), and
  the history of every session since the phase began with its colour.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from backstride.accounts.models import User
from backstride.activities.models import Activity
from backstride.core.feedback import SAFETY_NET
from backstride.core.protocol import Protocol
from backstride.core.treat import Colour, Kind, Prescription, Reason, Status, Verdict, evaluate
from backstride.lib.queue import enqueue_after_commit
from backstride.rehab import services as rehab

from . import tasks
from .models import RunCheckIn
from .services import (
    KINDS,
    baseline_pain,
    build_profile,
    checkin_of,
    day_text,
    local_midnight,
    local_today,
    prescription_for,
    protocol_for,
    raise_errors,
    run_day,
    sessions_between,
    to_response,
)

#: how many days back a session without a check-in is still asked about
CHECKIN_ASK_DAYS = 3
#: the local hour the next-morning and 48-hour reminders go out
REMINDER_HOUR = 8
COLOUR_WORDS = {Colour.GREEN: "Green", Colour.AMBER: "Amber", Colour.RED: "Red"}


def checkin_for(activity: Activity) -> RunCheckIn | None:
    """The check-in of this session, if there is one."""
    return RunCheckIn.objects.filter(activity=activity).first()


def needs_checkin(activity: Activity, today: date | None = None) -> bool:
    """True for a run or cross-trainer session of the last few days without a check-in."""
    if activity.sport not in KINDS:
        return False
    user = activity.user
    today = today or local_today(user)
    age = (today - run_day(activity, user)).days
    return 0 <= age <= CHECKIN_ASK_DAYS and checkin_for(activity) is None


def pending_checkins(user: User, today: date | None = None) -> list[Activity]:
    """Sessions of the last few days still waiting for their check-in, newest first."""
    today = today or local_today(user)
    rows = sessions_between(user, today - timedelta(days=CHECKIN_ASK_DAYS), today)
    return [a for a in reversed(rows) if checkin_of(a) is None and a.start <= timezone.now()]


@dataclass(frozen=True)
class Followup:
    """An answer owed about an earlier session: ``window`` is ``next_morning`` or ``h48``."""

    checkin: RunCheckIn
    window: str
    session_on: date


def due_followups(user: User, today: date | None = None) -> list[Followup]:
    """Next-morning answers due (from the day after the session) and 48-hour answers due
    (two days after, when the response so far was not green), oldest first."""
    today = today or local_today(user)
    protocol = protocol_for(user)
    out: list[Followup] = []
    rows = RunCheckIn.objects.filter(
        user=user, activity__start__gte=local_midnight(user, today - timedelta(days=7))
    ).select_related("activity")
    for c in sorted(rows, key=lambda c: c.activity.start):
        on = run_day(c.activity, user)
        if c.pain_next_morning is None and today >= on + timedelta(days=1):
            out.append(Followup(c, "next_morning", on))
        elif (
            c.pain_48h is None
            and c.pain_next_morning is not None
            and today >= on + timedelta(days=2)
            and asks_48h(protocol, c, baseline_pain(user, today))
        ):
            out.append(Followup(c, "h48", on))
    return out


def asks_48h(protocol: Protocol, checkin: RunCheckIn, baseline: int) -> bool:
    """The 48-hour question is asked when the next morning had not settled to the athlete's
    usual pain (``when = "if_not_settled"``) or the response so far was not green."""
    assert protocol.running is not None
    treat = protocol.running.treat
    morning = checkin.pain_next_morning
    if morning is not None and morning > baseline + treat.colours.settled_margin:
        return True
    on = run_day(checkin.activity, checkin.user)
    verdict = evaluate(treat, to_response(checkin), on, on + timedelta(days=1), baseline)
    return verdict.colour is not Colour.GREEN


@dataclass(frozen=True)
class CheckInAnswers:
    """The answers given straight after a session (validated again by :func:`record_checkin`)."""

    pain_during: int
    pain_after: int
    leg_new: bool
    leg_spreading: bool
    pain_evening: int | None = None
    stiffness: int | None = None


def _check_score(errors: dict[str, list[str]], name: str, value: Any, required: bool) -> None:
    if value is None:
        if required:
            errors.setdefault(name, []).append("Please answer this question.")
        return
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
        errors.setdefault(name, []).append(f"Choose a whole number from 0 to 10, not {value!r}.")


@transaction.atomic
def record_checkin(
    user: User, activity: Activity, answers: CheckInAnswers, now: datetime | None = None
) -> RunCheckIn:
    """Save the check-in of one session and queue the next-morning reminder.

    Refused with a ``ValidationError`` (nothing saved): someone else's session, a walk or
    "other" activity, a session dated in the future, a second check-in for the same session,
    a missing or out-of-range answer. Worse leg symptoms also ask rehab for the red-flag
    questions at once.
    """
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if activity.user_id != user.pk:
        raise ValidationError("This session is not yours.")
    if activity.sport not in KINDS:
        errors.setdefault("__all__", []).append(
            "Check-ins are for runs, walk–runs and cross-trainer sessions."
        )
    if activity.start > now:
        errors.setdefault("__all__", []).append(
            "This session is dated in the future: check in after you have done it."
        )
    for name in ("pain_during", "pain_after"):
        _check_score(errors, name, getattr(answers, name), True)
    for name in ("pain_evening", "stiffness"):
        _check_score(errors, name, getattr(answers, name), False)
    for name in ("leg_new", "leg_spreading"):
        if not isinstance(getattr(answers, name), bool):
            errors.setdefault(name, []).append("Please answer yes or no.")
    if RunCheckIn.objects.filter(activity=activity).exists():
        errors.setdefault("__all__", []).append("This session already has a check-in.")
    raise_errors(errors)
    try:
        with transaction.atomic():
            checkin = RunCheckIn.objects.create(
                user=user,
                activity=activity,
                **asdict(answers),
                created_at=now,
            )
    except IntegrityError:  # a second check-in raced this one
        raise ValidationError("This session already has a check-in.") from None
    if answers.leg_new or answers.leg_spreading:
        rehab.ask_red_flags_now(user)
    on = run_day(activity, user)
    _schedule(checkin, "next_morning", on + timedelta(days=1))
    return checkin


def _schedule(checkin: RunCheckIn, window: str, day: date) -> None:
    """Queue the reminder for ``window`` at the reminder hour of ``day`` in the athlete's zone."""
    user = checkin.user
    when = datetime.combine(day, time(REMINDER_HOUR), tzinfo=user.tzinfo)
    task = tasks.send_followup_reminder
    if task.get_backend().supports_defer:
        task = task.using(run_after=when)
    elif when > timezone.now():
        return  # a backend that cannot defer: Today still asks, no email
    enqueue_after_commit(task, checkin.pk, window)


def _answer_day_error(user: User, checkin: RunCheckIn, days: int, what: str) -> None:
    on = run_day(checkin.activity, user)
    if local_today(user) < on + timedelta(days=days):
        raise ValidationError(
            {"pain": [f"The {what} answer can be given from {day_text(on + timedelta(days))}."]}
        )


@transaction.atomic
def record_morning(
    user: User,
    checkin: RunCheckIn,
    pain: int,
    stiffness: int | None = None,
    pain_evening: int | None = None,
) -> RunCheckIn:
    """Save the next-morning pain (and stiffness). Refused before the morning after the
    session, when already answered, or out of range. Queues the 48-hour reminder when the
    response has not settled."""
    checkin = RunCheckIn.objects.select_for_update().select_related("activity").get(pk=checkin.pk)
    errors: dict[str, list[str]] = {}
    _check_score(errors, "pain", pain, True)
    _check_score(errors, "stiffness", stiffness, False)
    _check_score(errors, "pain_evening", pain_evening, False)
    if checkin.user_id != user.pk:
        raise ValidationError("This check-in is not yours.")
    if checkin.pain_next_morning is not None:
        errors.setdefault("__all__", []).append("The next-morning answer is already saved.")
    raise_errors(errors)
    _answer_day_error(user, checkin, 1, "next-morning")
    checkin.pain_next_morning = pain
    checkin.next_morning_at = timezone.now()
    if stiffness is not None:
        checkin.stiffness = stiffness
    if pain_evening is not None and checkin.pain_evening is None:
        checkin.pain_evening = pain_evening  # the evening answer, if not given that day
    checkin.save(
        update_fields=["pain_next_morning", "next_morning_at", "stiffness", "pain_evening"]
    )
    if asks_48h(protocol_for(user), checkin, baseline_pain(user, local_today(user))):
        _schedule(checkin, "h48", run_day(checkin.activity, user) + timedelta(days=2))
    return checkin


@transaction.atomic
def record_48h(user: User, checkin: RunCheckIn, pain: int) -> RunCheckIn:
    """Save the 48-hour pain. Refused before two days after the session, before the
    next-morning answer, when already answered, or out of range."""
    checkin = RunCheckIn.objects.select_for_update().select_related("activity").get(pk=checkin.pk)
    errors: dict[str, list[str]] = {}
    _check_score(errors, "pain", pain, True)
    if checkin.user_id != user.pk:
        raise ValidationError("This check-in is not yours.")
    if checkin.pain_48h is not None:
        errors.setdefault("__all__", []).append("The 48-hour answer is already saved.")
    if checkin.pain_next_morning is None:
        errors.setdefault("__all__", []).append("Answer the next-morning question first.")
    raise_errors(errors)
    _answer_day_error(user, checkin, 2, "48-hour")
    checkin.pain_48h = pain
    checkin.h48_at = timezone.now()
    checkin.save(update_fields=["pain_48h", "h48_at"])
    return checkin


@dataclass(frozen=True)
class CheckInOutcome:
    """What the athlete is told about a check-in: the colour (final, or "so far" while answers
    are still to come), what it means, what happens next and why, and the safety net."""

    checkin: RunCheckIn
    colour: Colour
    word: str
    final: bool
    findings: tuple[str, ...]
    meaning: str
    next_steps: tuple[str, ...]
    reasons: tuple[Reason, ...]
    prescription: Prescription
    safety_net: str = SAFETY_NET


def verdict_for(checkin: RunCheckIn, as_of: date | None = None) -> Verdict:
    """The colour of one check-in as known on ``as_of`` (the engine's evaluate step). While
    answers are still to come, the colour is the one it keeps if they come back settled."""
    user = checkin.user
    as_of = as_of or local_today(user)
    protocol = protocol_for(user)
    assert protocol.running is not None
    rules = protocol.running.treat
    on = run_day(checkin.activity, user)
    baseline = baseline_pain(user, as_of)
    response = to_response(checkin)
    verdict = evaluate(rules, response, on, as_of, baseline)
    if verdict.final or response is None:
        return verdict
    settled = replace(
        response,
        pain_evening=response.pain_evening if response.pain_evening is not None else baseline,
        pain_next_morning=response.pain_next_morning
        if response.pain_next_morning is not None
        else baseline,
    )
    so_far = evaluate(rules, settled, on, on, baseline)
    return Verdict(so_far.colour, verdict.findings, False, so_far.leg_symptoms)


def _meaning(protocol: Protocol, colour: Colour) -> str:
    assert protocol.running is not None
    c = protocol.running.treat.colours
    return {
        Colour.GREEN: f"Within the limits: pain stayed at {c.green_max_pain}/10 or less and "
        "settled by the next morning. Your back handled this step.",
        Colour.AMBER: f"Acceptable, but your back is working hard (pain up to "
        f"{c.amber_max_pain}/10, or slow to settle). Not the moment to make anything harder.",
        Colour.RED: f"More than your back is ready for right now (pain above "
        f"{c.amber_max_pain}/10, leg symptoms that are new or spreading, or not settled after "
        "two days).",
    }[colour]


def checkin_outcome(checkin: RunCheckIn) -> CheckInOutcome:
    """The result page's content for one check-in (also what the API returns)."""
    user = checkin.user
    protocol = protocol_for(user)
    verdict = verdict_for(checkin)
    rx = prescription_for(user)
    steps: list[str] = []
    if checkin.pain_next_morning is None:
        steps.append("Tomorrow morning we will ask how your back feels after a night's sleep.")
    elif checkin.pain_48h is None and asks_48h(protocol, checkin, baseline_pain(user, rx.today)):
        steps.append("In two days we will ask once more, to see that it has settled.")
    if rx.rest_of_day and run_day(checkin.activity, user) == rx.today:
        steps.append(rx.rest_of_day)
    if rx.see_clinician:
        steps.append("Please see your physiotherapist or doctor before building up again.")
    if rx.status is Status.BACK_TO_PHASE:
        steps.append(f"Running stops for now: back to the Phase {rx.back_to_phase} work.")
    elif rx.sessions:
        first = rx.sessions[0]
        steps.append(f"Next session: {first.label} on {day_text(first.on)}.")
    if rx.change is not None:
        steps.append(f"Next change to try: {rx.change.label} on {day_text(rx.change.on)}.")
    return CheckInOutcome(
        checkin=checkin,
        colour=verdict.colour,
        word=COLOUR_WORDS[verdict.colour] + ("" if verdict.final else " so far"),
        final=verdict.final,
        findings=verdict.findings,
        meaning=_meaning(protocol, verdict.colour),
        next_steps=tuple(steps),
        reasons=rx.reasons,
        prescription=rx,
    )


@dataclass(frozen=True)
class SessionVerdict:
    """One session since the phase began, its check-in (if any) and its colour."""

    activity: Activity
    on: date
    kind: Kind
    checkin: RunCheckIn | None
    verdict: Verdict


def session_verdicts(user: User, today: date | None = None) -> list[SessionVerdict]:
    """Every running-ladder session since the current phase began, newest first, each with
    its colour as known today — the history of what was tried and how it went."""
    today = today or local_today(user)
    protocol = protocol_for(user)
    assert protocol.running is not None
    profile = build_profile(user, protocol, today)
    out = []
    for a in sessions_between(user, profile.phase_since, today):
        c = checkin_of(a)
        v = (
            verdict_for(c, today)
            if c is not None
            else evaluate(
                protocol.running.treat, None, run_day(a, user), today, profile.baseline_pain
            )
        )
        out.append(SessionVerdict(a, run_day(a, user), KINDS[a.sport], c, v))
    return out[::-1]
