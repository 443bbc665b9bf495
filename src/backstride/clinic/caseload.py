"""The caseload: a clinician's consenting clients, most in need of attention first.

The facts about every client are read in a fixed number of queries whatever the size of the
caseload (one per kind of record, never one per client); the ranking itself is the pure
``backstride.core.caseload``. Reading the caseload shows health data of each listed client, so
:func:`log_reads` writes one access-log entry per client on the page, in one query.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Max, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from backstride.accounts import audit
from backstride.accounts.models import AuditEvent, CareLink, User
from backstride.core import caseload as core
from backstride.core.checkins import CheckIn as CoreCheckIn
from backstride.core.protocol import Protocol, default_protocol
from backstride.core.treat import Response
from backstride.core.triage import PAUSING_URGENCIES
from backstride.lib import logs
from backstride.lib.fields import field_names
from backstride.rehab.models import CheckIn, OutcomeScore, RedFlagScreen, RehabProfile, SessionLog
from backstride.rehab.records import parse_cached
from backstride.running.models import RunCheckIn
from backstride.running.services import RESPONSE_FIELDS

SHOW_CHOICES = {"all": "Everyone", "attention": "Needs attention"}
PER_PAGE = 25
#: what the access log says a caseload row showed
CASELOAD_WHAT = "caseload summary"


@dataclass(frozen=True)
class Row:
    """One client in the caseload."""

    athlete: User
    attention: core.Attention

    @property
    def phase(self) -> int | None:
        return self.attention.facts.phase

    @property
    def paused(self) -> bool:
        return self.attention.facts.paused_on is not None


@dataclass(frozen=True)
class Caseload:
    """One page of the caseload, with the totals the filters show."""

    rows: list[Row]
    total: int  # clients matching the filters
    attention_total: int  # of those, how many need attention
    page: int
    pages: int
    show: str
    phase: int | None
    q: str

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def local_day(moment: datetime, user: User) -> date:
    return moment.astimezone(user.tzinfo).date()


def _links(clinician: User, q: str, phase: int | None) -> QuerySet[CareLink]:
    links = CareLink.objects.active().filter(clinician=clinician).select_related("athlete")
    q = q.strip()
    if q:
        links = links.filter(Q(athlete__display_name__icontains=q) | Q(athlete__email__icontains=q))
    if phase is not None:
        links = links.filter(athlete__rehab_profile__phase=phase)
    return links


def gather(links: Sequence[CareLink], today_utc: date | None = None) -> list[core.Attention]:
    """Every client's facts and reasons, in a fixed number of queries."""
    if not links:
        return []
    thresholds = core.load_thresholds()
    ids = [link.athlete_id for link in links]
    today_utc = today_utc or timezone.now().date()
    back = max(2 * thresholds.adherence_window_days, thresholds.missed_window_days, 14) + 2
    since = today_utc - timedelta(days=back)
    since_dt = timezone.now() - timedelta(days=back)

    profiles = {
        row[0]: row
        for row in RehabProfile.objects.filter(user_id__in=ids).values_list(
            "user_id", "phase", "phase_started_on", "phase_started_at"
        )
    }
    tailored = dict(
        RehabProfile.objects.filter(user_id__in=ids)
        .exclude(protocol_text="")
        .values_list("user_id", "protocol_text")
    )
    paused: dict[int, datetime] = {}
    for user_id, created in RedFlagScreen.objects.filter(
        user_id__in=ids, stop=True, clearance__isnull=True, urgency__in=PAUSING_URGENCIES
    ).values_list("user_id", "created_at"):
        paused[user_id] = max(created, paused.get(user_id, created))
    checkins: dict[int, list[CoreCheckIn]] = defaultdict(list)
    for row in CheckIn.objects.filter(user_id__in=ids, day__gte=since).values_list(
        "user_id", *field_names(CoreCheckIn)
    ):
        checkins[row[0]].append(CoreCheckIn(*row[1:]))
    runs: dict[int, list[tuple[datetime, Response]]] = defaultdict(list)
    for run_row in RunCheckIn.objects.filter(
        user_id__in=ids, activity__start__gte=since_dt
    ).values_list("user_id", "activity__start", *RESPONSE_FIELDS):
        user_id, start, *answers = run_row
        response = Response(**dict(zip(RESPONSE_FIELDS, answers, strict=True)))
        runs[user_id].append((start, response))
    sessions: dict[int, set[date]] = defaultdict(set)
    for user_id, day in SessionLog.objects.filter(user_id__in=ids, day__gte=since).values_list(
        "user_id", "day"
    ):
        sessions[user_id].add(day)
    scores: dict[tuple[int, str], list[tuple[date, float]]] = defaultdict(list)
    for user_id, measure, day, score in (
        OutcomeScore.objects.filter(user_id__in=ids)
        .order_by("day", "created_at", "pk")
        .values_list("user_id", "measure", "day", "score")
    ):
        scores[(user_id, measure)].append((day, score))
    last_rehab = dict(
        CheckIn.objects.filter(user_id__in=ids)
        .values("user_id")
        .annotate(last=Max("day"))
        .values_list("user_id", "last")
    )
    last_run = dict(
        RunCheckIn.objects.filter(user_id__in=ids)
        .values("user_id")
        .annotate(last=Max("activity__start"))
        .values_list("user_id", "last")
    )

    out = []
    for link in links:
        user = link.athlete
        uid = user.pk
        protocol = _protocol(tailored.get(uid))
        profile = profiles.get(uid)
        phase = profile[1] if profile else None
        started = None
        if profile is not None:
            started = profile[2] or (local_day(profile[3], user) if profile[3] else None)
        last_days = [d for d in (last_rehab.get(uid),) if d is not None]
        if last_run.get(uid) is not None:
            last_days.append(local_day(last_run[uid], user))
        facts = core.ClientFacts(
            client_id=uid,
            name=user.name,
            today=local_day(timezone.now(), user),
            linked_on=local_day(link.consented_at or link.created_at, user),
            phase=phase,
            phase_started_on=started,
            paused_on=local_day(paused[uid], user) if uid in paused else None,
            checkins=tuple(checkins.get(uid, ())),
            runs=tuple(
                core.RunResponse(local_day(start, user), r) for start, r in runs.get(uid, ())
            ),
            session_days=frozenset(sessions.get(uid, ())),
            nprs=tuple(scores.get((uid, "nprs"), ())),
            psfs=tuple(scores.get((uid, "psfs"), ())),
            last_checkin=max(last_days) if last_days else None,
        )
        out.append(core.assess(facts, protocol, thresholds))
    return out


def _protocol(text: str | None) -> Protocol:
    return parse_cached(text) if text else default_protocol()


def caseload(
    clinician: User,
    *,
    show: str = "all",
    phase: int | None = None,
    q: str = "",
    page: int = 1,
    per_page: int = PER_PAGE,
    offset: int | None = None,
) -> Caseload:
    """The clinician's clients matching the filters, ranked, one page of them.

    ``show`` is ``"all"`` or ``"attention"``; ``phase`` keeps one phase; ``q`` searches names
    and email addresses. ``offset`` (the API's) wins over ``page`` (the website's).
    """
    links = list(_links(clinician, q, phase))
    people = {link.athlete_id: link.athlete for link in links}
    ranked = core.rank(gather(links))
    attention_total = sum(1 for a in ranked if a.needs_attention)
    if show == "attention":
        ranked = [a for a in ranked if a.needs_attention]
    if offset is not None:
        chosen = ranked[offset : offset + per_page]
        number, pages = offset // max(per_page, 1) + 1, 1
    else:
        paginator = Paginator(ranked, per_page)
        current = paginator.get_page(page)
        chosen, number, pages = list(current.object_list), current.number, paginator.num_pages
    return Caseload(
        rows=[Row(people[a.facts.client_id], a) for a in chosen],
        total=len(ranked),
        attention_total=attention_total,
        page=number,
        pages=pages,
        show=show,
        phase=phase,
        q=q,
    )


def attention_for(clinician: User, athlete: User) -> core.Attention | None:
    """One client's reasons (the client record's summary), as the caseload would show them."""
    links = list(CareLink.objects.active().filter(clinician=clinician, athlete=athlete))
    for link in links:
        link.athlete = athlete
    found = gather(links)
    return found[0] if found else None


def log_reads(request: HttpRequest, athletes: Sequence[User], what: str = CASELOAD_WHAT) -> int:
    """One READ entry in the access log for each client shown, written in one query."""
    viewer: Any = request.user
    rows = [
        AuditEvent(
            athlete=athlete,
            actor=viewer,
            actor_label=audit.actor_label(viewer),
            action=audit.Action.READ,
            channel=audit.channel_of(request),
            what=what[:120],
            path=request.get_full_path()[:300],
            ip=request.META.get("REMOTE_ADDR") or None,
            request_id=logs.request_id.get()[:64],
        )
        for athlete in athletes
        if athlete.pk != viewer.pk
    ]
    AuditEvent.objects.bulk_create(rows)
    return len(rows)


__all__ = [
    "CASELOAD_WHAT",
    "PER_PAGE",
    "SHOW_CHOICES",
    "Caseload",
    "Row",
    "attention_for",
    "caseload",
    "gather",
    "log_reads",
]
