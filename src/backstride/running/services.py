"""Return-to-running services: the engine's inputs from the database, and its answer.

The engine is pure (``backstride.core.treat.prescribe``); this module builds its inputs and
stores only what the athlete did. Check-ins live in :mod:`.checkins`. Reading:

- :func:`protocol_for` — the athlete's (possibly clinician-tailored) protocol, as rehab picks it;
- :func:`build_profile`, :func:`build_history` — the engine's ``Profile`` and ``History``;
- :func:`prescription_for` — the current ``Prescription`` (sessions, change, reasons);
- :func:`ladder_for`, :func:`ladder_position` — the ladder and where the athlete stands;
- :func:`weekly_ceiling_km`, :func:`longest_run_check` — the guards the activities pages show;
- :func:`readiness_rows` — each readiness test with its latest result and pass/fail.

Writing (one transaction each; bad input raises ``ValidationError`` and saves nothing):
:func:`record_readiness`, :func:`issue_calendar_token`, :func:`revoke_calendar_tokens`;
:func:`athlete_for_calendar_token` resolves a feed URL's token.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from backstride.accounts import freshness
from backstride.accounts.models import User
from backstride.activities.models import Activity, ActivityQuerySet, Sport
from backstride.core.protocol import Protocol
from backstride.core.running_protocol.schema import Ladder, ReadinessTest
from backstride.core.treat import (
    Audience,
    ChangeRecord,
    Colour,
    History,
    Kind,
    PastRun,
    Prescription,
    Profile,
    Response,
    SessionRecord,
    Status,
    prescribe,
)
from backstride.core.treat import ReadinessResult as ReadinessRecord
from backstride.lib.fields import from_attributes
from backstride.lib.snapshot import remembered
from backstride.rehab import services as rehab
from backstride.rehab.models import OutcomeScore, PhaseChange

from .models import CalendarToken, ReadinessResult, RunCheckIn

#: Activity sports the engine sees, as its session kinds. Walks and "other" are not sessions.
KINDS: dict[str, Kind] = {
    Sport.RUN: Kind.CONTINUOUS_RUN,
    Sport.WALK_RUN: Kind.WALK_RUN,
    Sport.CROSS_TRAINER: Kind.CROSS_TRAINER,
}
RUN_SPORTS = (Sport.RUN, Sport.WALK_RUN)


# --- Inputs of the engine ------------------------------------------------------------------
def protocol_for(user: User) -> Protocol:
    """The athlete's protocol: a clinician's tailored copy if rehab holds one, else the
    shipped default (the same choice rehab makes)."""
    return rehab.protocol_for(user)


def local_today(user: User, now: datetime | None = None) -> date:
    """Today in the athlete's own time zone."""
    return (now or timezone.now()).astimezone(user.tzinfo).date()


def run_day(activity: Activity, user: User) -> date:
    """The day of a session as the athlete counts days (their zone, like their weeks)."""
    return activity.start.astimezone(user.tzinfo).date()


def audience_for(user: User) -> Audience:
    """Beginner when the self-assessment says they never ran (or for 0 years), else the
    returning runner's ladder (also when there is no assessment: the product's usual user)."""
    assessment = rehab.completed_assessment(user)
    answers = assessment.answers("running") if assessment is not None else {}
    if answers.get("last_run") == "never" or str(answers.get("running_years", "")) == "0":
        return Audience.BEGINNER
    return Audience.RETURNING


@remembered
def baseline_pain(user: User, today: date) -> int:
    """The athlete's usual pain: their latest NPRS (average pain over a week), rounded down,
    so "settled" is never measured against more pain than they reported; 0 without one."""
    score = (
        OutcomeScore.objects.filter(user=user, measure=OutcomeScore.Measure.NPRS, day__lte=today)
        .order_by("-day", "-created_at")
        .values_list("score", flat=True)
        .first()
    )
    return max(0, min(10, int(score))) if score is not None else 0


def build_profile(user: User, protocol: Protocol, today: date) -> Profile:
    """The engine's :class:`Profile`: phase and its start from rehab, audience, baseline
    pain and the athlete's own runs of the pace window (for a personal pace band)."""
    profile = rehab.profile_for(user)
    since = profile.phase_started_on or (
        profile.phase_started_at.astimezone(user.tzinfo).date()
        if profile.phase_started_at
        else today
    )
    window = protocol.running.pace.personal_window_days if protocol.running else 365
    runs = Activity.objects.filter(
        user=user,
        sport=Sport.RUN,
        start__gte=local_midnight(user, today - timedelta(days=window)),
        start__lt=local_midnight(user, today + timedelta(days=1)),
        moving_s__gt=0,
    ).values_list("start", "distance_m", "moving_s")
    zone = user.tzinfo
    recent = tuple(
        PastRun(start.astimezone(zone).date(), distance_m / 1000, moving_s / 60)
        for start, distance_m, moving_s in runs
    )
    return Profile(
        phase=profile.phase or 0,
        phase_since=min(since, today),
        audience=audience_for(user),
        baseline_pain=baseline_pain(user, today),
        recent_runs=recent,
    )


def to_response(checkin: RunCheckIn | None) -> Response | None:
    if checkin is None:
        return None
    return from_attributes(Response, checkin)


def day_text(day: date) -> str:
    """E.g. ``Tuesday 4 March``."""
    return f"{day:%A} {day.day} {day:%B}"


def local_midnight(user: User, day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=user.tzinfo)


def _sessions(user: User, since: date, today: date) -> ActivityQuerySet:
    """The athlete's sessions (runs, walk–runs, cross-trainer) from ``since`` to ``today``."""
    return Activity.objects.filter(
        user=user,
        sport__in=list(KINDS),
        start__gte=local_midnight(user, since),
        start__lt=local_midnight(user, today + timedelta(days=1)),
    )


def sessions_between(user: User, since: date, today: date) -> list[Activity]:
    return list(
        _sessions(user, since, today)
        .summaries()
        .select_related("run_checkin")
        .order_by("start", "pk")
    )


#: A run check-in's answers the engine reads: the fields of its ``Response``, which are named
#: as the ``RunCheckIn`` columns are.
RESPONSE_FIELDS = tuple(f.name for f in fields(Response))
#: The columns :func:`session_records` reads: the session's, then its check-in's answers.
_SESSION_COLUMNS = ("start", "sport", "distance_m", "moving_s", "run_checkin__id")
_RESPONSE_COLUMNS = tuple(f"run_checkin__{f}" for f in RESPONSE_FIELDS)


def session_records(user: User, since: date, today: date) -> tuple[SessionRecord, ...]:
    """The engine's :class:`SessionRecord` of each session from ``since`` to ``today``, with
    its check-in's answers: the rows of :func:`sessions_between`, read as values (the
    engine needs a few columns, not whole rows)."""
    zone = user.tzinfo
    rows = (
        _sessions(user, since, today)
        .order_by("start", "pk")
        .values_list(*_SESSION_COLUMNS, *_RESPONSE_COLUMNS)
    )
    return tuple(
        SessionRecord(
            on=start.astimezone(zone).date(),
            kind=KINDS[sport],
            distance_km=distance_m / 1000 if sport in RUN_SPORTS else 0.0,
            duration_min=moving_s / 60,
            response=None
            if checkin_id is None
            else Response(**dict(zip(RESPONSE_FIELDS, answers, strict=True))),
        )
        for start, sport, distance_m, moving_s, checkin_id, *answers in rows
    )


def checkin_of(activity: Activity) -> RunCheckIn | None:
    try:
        return activity.run_checkin
    except RunCheckIn.DoesNotExist:
        return None


def build_history(user: User, protocol: Protocol, profile: Profile, today: date) -> History:
    """The engine's :class:`History`: sessions since the phase began (with their check-ins),
    readiness results still valid for it, other changes being judged (phase moves) and
    whether a red-flag answer has stopped the program."""
    running = protocol.running
    valid = running.gate.readiness_valid_days if running else 42
    window = running.longest_run.window_days if running else 30
    since = min(profile.phase_since, today - timedelta(days=window))
    sessions = session_records(user, since, today)
    readiness = tuple(
        _readiness_record(r)
        for r in ReadinessResult.objects.filter(
            user=user, day__gte=profile.phase_since - timedelta(days=valid), day__lte=today
        )
    )
    changes = tuple(
        ChangeRecord(c.created_at.astimezone(user.tzinfo).date(), f"Phase {c.to_phase}")
        for c in PhaseChange.objects.filter(
            user=user, created_at__gte=local_midnight(user, today - timedelta(days=window))
        ).exclude(action=PhaseChange.Action.PLACEMENT)
        if c.created_at.astimezone(user.tzinfo).date() <= today
    )
    return History(
        sessions=sessions,
        readiness=readiness,
        other_changes=changes,
        red_flag_stop=rehab.stopping_screen(user) is not None,
    )


def _readiness_record(row: ReadinessResult) -> ReadinessRecord:
    return ReadinessRecord(row.test_id, row.day, row.value, row.symptoms_rose)


# --- The prescription ------------------------------------------------------------------------
def prescription_for(user: User, today: date | None = None) -> Prescription:
    """The athlete's current prescription: status, this week's and next week's sessions, the
    change being tested, when the next change may be tried, and the reasons (rule, source).
    ``today`` defaults to the athlete's local today."""
    today = today or local_today(user)

    def compute() -> Prescription:
        protocol = protocol_for(user)
        profile = build_profile(user, protocol, today)
        return prescribe(protocol, profile, build_history(user, protocol, profile, today), today)

    return freshness.cached(user, "running-plan", today, compute)


@dataclass(frozen=True)
class Rung:
    id: str
    label: str
    kind: str
    done: bool
    current: bool


@dataclass(frozen=True)
class LadderPosition:
    """The athlete's ladder and where they stand on it (rung index is 0-based)."""

    status: Status
    ladder_id: str
    ladder_name: str
    rung_id: str
    rung_index: int
    rungs: tuple[Rung, ...]
    next_change_on: date | None
    last_colour: Colour | None
    readiness_pending: tuple[str, ...]


def ladder_for(user: User, protocol: Protocol | None = None) -> Ladder:
    """The ladder this athlete climbs (returning runner's or beginner's) in their protocol."""
    protocol = protocol or protocol_for(user)
    if protocol.running is None:
        raise ValueError(f"protocol {protocol.id} has no running ladder")
    return protocol.running.ladder_for(audience_for(user))


def ladder_position(user: User, prescription: Prescription | None = None) -> LadderPosition:
    """Where the athlete stands, from the engine (``prescription`` if already computed)."""
    rx = prescription or prescription_for(user)
    ladder = ladder_for(user)
    at = rx.rung_index
    return LadderPosition(
        status=rx.status,
        ladder_id=ladder.id,
        ladder_name=ladder.name,
        rung_id=rx.rung_id or ladder.rungs[0].id,
        rung_index=at,
        rungs=tuple(
            Rung(r.id, r.label, r.kind, i < at, i == at) for i, r in enumerate(ladder.rungs)
        ),
        next_change_on=rx.next_change_on,
        last_colour=rx.last_colour,
        readiness_pending=rx.readiness_pending,
    )


def weekly_ceiling_km(user: User) -> float | None:
    """The stage's weekly running ceiling from the athlete's ladder, or None when it must not
    be shown (beginners: their ladder never shows the returning runner's ceiling as a target)."""
    ladder = ladder_for(user)
    return ladder.weekly_ceiling_km if ladder.show_ceiling else None


@dataclass(frozen=True)
class LongestRunCheck:
    """A run that went past the longest-run guard: how it compares with the longest run of
    the window before it."""

    previous_km: float
    increase: float  # 0.25 = 25 % longer
    limit_km: float
    max_over_percent: float
    window_days: int


def longest_run_check(activity: Activity) -> LongestRunCheck | None:
    """The longest-run guard (``[running.longest_run]`` of the athlete's protocol) applied to
    a run: a :class:`LongestRunCheck` when it was longer than allowed, else None."""
    if activity.sport not in RUN_SPORTS or activity.distance_m <= 0:
        return None
    user = activity.user
    protocol = protocol_for(user)
    if protocol.running is None:
        return None
    guard = protocol.running.longest_run
    previous = (
        Activity.objects.filter(
            user_id=activity.user_id,
            sport__in=RUN_SPORTS,
            start__gte=activity.start - timedelta(days=guard.window_days),
            start__lt=activity.start,
        )
        .order_by("-distance_m")
        .values_list("distance_m", flat=True)
        .first()
    )
    if not previous:
        return None
    limit_km = previous / 1000 * (1 + guard.max_over_percent / 100)
    if round(activity.distance_m / 1000, 6) <= round(limit_km, 6):
        return None
    return LongestRunCheck(
        previous_km=previous / 1000,
        increase=activity.distance_m / previous - 1,
        limit_km=limit_km,
        max_over_percent=guard.max_over_percent,
        window_days=guard.window_days,
    )


def raise_errors(errors: dict[str, list[str]]) -> None:
    """Raise one ``ValidationError`` holding every field's messages (``__all__`` for the form)."""
    if errors:
        raise ValidationError({k: [ValidationError(m) for m in v] for k, v in errors.items()})


# --- Readiness ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReadinessRow:
    test: ReadinessTest
    latest: ReadinessResult | None
    passed: bool


def readiness_rows(user: User, today: date | None = None) -> list[ReadinessRow]:
    """Each readiness test of the athlete's protocol with its latest result and whether it
    passes (value at least the protocol's, and symptoms did not rise where that matters)."""
    today = today or local_today(user)
    protocol = protocol_for(user)
    assert protocol.running is not None
    latest: dict[str, ReadinessResult] = {}
    for r in ReadinessResult.objects.filter(user=user, day__lte=today).order_by("day", "pk"):
        latest[r.test_id] = r
    rows = []
    for test in protocol.running.readiness:
        got = latest.get(test.id)
        passed = (
            got is not None
            and got.value >= test.at_least
            and not (test.no_symptom_rise and got.symptoms_rose)
        )
        rows.append(ReadinessRow(test, got, passed))
    return rows


@transaction.atomic
def record_readiness(
    user: User, results: dict[str, tuple[float, bool]], day: date
) -> list[ReadinessResult]:
    """Save readiness results ``{test_id: (value, symptoms_rose)}`` for ``day``; a test that
    is also a rehab objective test is recorded there too (rehab's rules read it). Unknown
    tests, negative values and future days raise ``ValidationError`` and save nothing."""
    protocol = protocol_for(user)
    assert protocol.running is not None
    tests = {t.id: t for t in protocol.running.readiness}
    errors: dict[str, list[str]] = {}
    if day > local_today(user):
        errors.setdefault("day", []).append("That day is in the future.")
    for test_id, (value, _rose) in results.items():
        if test_id not in tests:
            errors.setdefault(test_id, []).append("Not a readiness test of your protocol.")
        elif not 0 <= value <= 10_000:
            errors.setdefault(test_id, []).append("Enter a number of 0 or more.")
    raise_errors(errors)
    rows = [
        ReadinessResult.objects.create(
            user=user, test_id=test_id, day=day, value=value, symptoms_rose=rose
        )
        for test_id, (value, rose) in results.items()
    ]
    mirrored = {
        tests[t].test: v
        for t, (v, _r) in results.items()
        if tests[t].test and tests[t].test in protocol.objective_tests
    }
    if mirrored and rehab.profile_for(user).placed:
        rehab.record_tests(user, mirrored, day)
    return rows


# --- Calendar tokens ------------------------------------------------------------------------
@transaction.atomic
def issue_calendar_token(user: User) -> CalendarToken:
    """A new private calendar-feed token; any earlier one stops working."""
    revoke_calendar_tokens(user)
    return CalendarToken.objects.create(user=user)


def revoke_calendar_tokens(user: User) -> int:
    """Revoke the athlete's live calendar token(s); returns how many were live."""
    return CalendarToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def athlete_for_calendar_token(token: str) -> User | None:
    """The athlete a live token belongs to, else None (unknown or revoked: answer 404)."""
    row = (
        CalendarToken.objects.filter(token=token, revoked_at__isnull=True)
        .select_related("user")
        .first()
    )
    return row.user if row is not None and row.user.is_active else None
