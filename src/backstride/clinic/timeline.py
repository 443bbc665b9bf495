"""One client's story on one line of time: what happened, and why the plan did what it did.

Assessments, red-flag screens and their clearances, phase changes (with the rules' reasons),
rehab sessions and check-ins (with their colour), runs and run check-ins, changes tested on
the running ladder (with their outcome and reasons), outcome scores, tailoring changes (with
the clinician's reason) and clinicians' private notes. Newest first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.utils import timezone

from backstride.accounts.models import User
from backstride.activities.models import Activity, Sport
from backstride.core.checkins import response_light
from backstride.core.protocol import Protocol
from backstride.core.treat import Colour, Response, evaluate
from backstride.rehab.models import (
    Assessment,
    CheckIn,
    OutcomeScore,
    PhaseChange,
    RedFlagClearance,
    RedFlagScreen,
    SessionLog,
)
from backstride.rehab.records import protocol_for
from backstride.rehab.services import to_core_checkin
from backstride.running import pages as running_pages
from backstride.running.models import RunCheckIn

from .models import ClinicianNote, TailoringChange

KINDS: dict[str, str] = {
    "assessment": "Self-assessment",
    "screen": "Red-flag screen",
    "clearance": "Pause cleared",
    "phase": "Phase change",
    "session": "Session",
    "checkin": "Check-in",
    "run": "Run",
    "run_checkin": "Run check-in",
    "plan": "Plan change",
    "outcome": "Outcome score",
    "tailoring": "Tailoring",
    "note": "Note",
}
LIGHT_WORDS = {"green": "Green", "amber": "Amber", "red": "Red"}
#: how many of each kind of record the timeline reads (the newest)
PER_KIND = 200


@dataclass(frozen=True)
class Entry:
    """One event. ``why`` holds the reasons (rules, a clinician's words) behind it."""

    when: datetime
    kind: str
    title: str
    detail: str = ""
    why: tuple[str, ...] = ()
    light: str = ""  # green | amber | red, always shown with its word
    by: str = ""
    object_id: int | None = None
    lines: tuple[str, ...] = field(default_factory=tuple)

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    @property
    def light_word(self) -> str:
        return LIGHT_WORDS.get(self.light, "")


def _end_of(day: date, user: User) -> datetime:
    return datetime.combine(day, time(23, 59), tzinfo=user.tzinfo)


def _km(metres: float) -> str:
    return f"{metres / 1000:.1f} km"


def _minutes(seconds: float) -> str:
    return f"{round(seconds / 60)} min"


def _session_name(protocol: Protocol, session_id: str) -> str:
    try:
        return protocol.session(session_id).name
    except KeyError:
        return session_id


def _rehab(athlete: User, protocol: Protocol) -> list[Entry]:
    out: list[Entry] = []
    for a in Assessment.objects.filter(user=athlete, completed_at__isnull=False)[:PER_KIND]:
        assert a.completed_at is not None
        placed = f"Placed in Phase {a.placed_phase}" if a.placed_phase else "Not placed"
        out.append(Entry(a.completed_at, "assessment", "Self-assessment finished", placed))
    screens = RedFlagScreen.objects.filter(user=athlete).select_related(
        "clearance__clinician", "declaration"
    )[:PER_KIND]
    for screen in screens:
        why = tuple(
            f"“{t.get('question', '')}”: {t.get('reason', '')}" for t in screen.triggered or ()
        )
        if screen.stop:
            title = f"{screen.get_kind_display()}: program stopped ({screen.urgency})"
            light = "red"
        else:
            title, light = f"{screen.get_kind_display()}: clear", "green"
        out.append(
            Entry(screen.created_at, "screen", title, why=why, light=light, object_id=screen.pk)
        )
        clearance: RedFlagClearance | None = screen.clearance if screen.cleared else None
        if clearance is not None:
            out.append(
                Entry(
                    clearance.created_at,
                    "clearance",
                    "Red-flag pause cleared",
                    why=(clearance.reason,),
                    by=clearance.clinician.name,
                )
            )
    for move in PhaseChange.objects.filter(user=athlete)[:PER_KIND]:
        if move.action == PhaseChange.Action.PLACEMENT:
            title = f"Placed in Phase {move.to_phase}"
        else:
            title = f"{move.get_action_display()}: Phase {move.from_phase} → Phase {move.to_phase}"
        why = tuple(str(r.get("text", "")) for r in move.reasons if isinstance(r, dict))
        detail = "Suggested seeing a clinician" if move.see_clinician else ""
        out.append(Entry(move.created_at, "phase", title, detail, why))
    for session in SessionLog.objects.filter(user=athlete)[:PER_KIND]:
        done = len(session.exercises_done or [])
        detail = f"Phase {session.phase}" + (f", {done} exercises ticked" if done else "")
        out.append(
            Entry(
                session.completed_at, "session", _session_name(protocol, session.session_id), detail
            )
        )
    for c in CheckIn.objects.filter(user=athlete)[:PER_KIND]:
        core = to_core_checkin(c)
        light = response_light(protocol, core)
        parts = [f"pain after {c.pain_now}/10"]
        if c.pain_during is not None:
            parts.insert(0, f"during {c.pain_during}/10")
        if c.pain_next_morning is not None:
            parts.append(f"next morning {c.pain_next_morning}/10")
        parts.append(c.get_leg_symptoms_display().lower())
        out.append(
            Entry(
                c.created_at,
                "checkin",
                f"Rehab check-in: {LIGHT_WORDS[light]}",
                "; ".join(parts),
                light=light,
            )
        )
    for o in OutcomeScore.objects.filter(user=athlete).order_by("-day", "-pk")[:PER_KIND]:
        out.append(Entry(o.created_at, "outcome", f"{o.get_measure_display()}: {o.score:g}", ""))
    return out


def _runs(athlete: User, protocol: Protocol, today: date, baseline: int) -> list[Entry]:
    out: list[Entry] = []
    activities = (
        Activity.objects.filter(user=athlete)
        .exclude(sport__in=[Sport.WALK, Sport.OTHER])
        .order_by("-start", "-pk")[:PER_KIND]
    )
    for a in activities:
        what = a.get_sport_display()
        detail = (
            f"{_km(a.distance_m)} in {_minutes(a.moving_s)}"
            if a.distance_m
            else _minutes(a.moving_s)
        )
        out.append(Entry(a.start, "run", what, detail, object_id=a.pk))
    checkins = RunCheckIn.objects.filter(user=athlete).select_related("activity")[:PER_KIND]
    for c in checkins:
        on = c.activity.start.astimezone(athlete.tzinfo).date()
        response = Response(
            c.pain_during,
            c.pain_after,
            c.pain_evening,
            c.pain_next_morning,
            c.pain_48h,
            c.leg_new,
            c.leg_spreading,
            c.stiffness,
        )
        light, findings = "", tuple[str, ...]()
        if protocol.running is not None:
            verdict = evaluate(protocol.running.treat, response, on, today, baseline)
            light = verdict.colour.value
            findings = verdict.findings
            word = LIGHT_WORDS[light] + ("" if verdict.final or light == Colour.RED else " so far")
        else:
            word = "recorded"
        detail = f"during {c.pain_during}/10, after {c.pain_after}/10"
        if c.pain_next_morning is not None:
            detail += f", next morning {c.pain_next_morning}/10"
        if c.leg_new or c.leg_spreading:
            detail += ", new or spreading leg symptoms"
        out.append(
            Entry(c.created_at, "run_checkin", f"Run check-in: {word}", detail, findings, light)
        )
    return out


def _plan(athlete: User, phase: int | None, protocol: Protocol) -> list[Entry]:
    """Changes tried on the running ladder (Phase 3), each with what it led to and why."""
    if protocol.running is None or phase != protocol.last_phase:
        return []
    out = []
    for t in running_pages.changes_tested(athlete):
        out.append(
            Entry(
                _end_of(t.on, athlete),
                "plan",
                f"Tried: {t.label} ({t.word})",
                t.outcome,
                tuple(r.text for r in t.reasons),
                t.verdict.colour.value,
            )
        )
    return out


def _clinic(athlete: User) -> list[Entry]:
    out: list[Entry] = []
    for t in TailoringChange.objects.filter(athlete=athlete)[:PER_KIND]:
        lines = tuple(
            f"{d.get('label', '')}: {d.get('before', '')} → {d.get('after', '')}"
            for d in t.diff
            if isinstance(d, dict)
        )
        out.append(
            Entry(
                t.created_at,
                "tailoring",
                f"Protocol tailored ({len(lines)} change{'s' if len(lines) != 1 else ''})",
                why=(t.reason,),
                by=t.clinician_name,
                lines=lines,
                object_id=t.pk,
            )
        )
    notes = ClinicianNote.objects.filter(athlete=athlete).select_related("author")[:PER_KIND]
    for n in notes:
        out.append(Entry(n.created_at, "note", "Private note", n.text, by=n.author.name))
    return out


def timeline(athlete: User, *, kind: str = "", limit: int = 100, offset: int = 0) -> list[Entry]:
    """The client's events, newest first (``kind`` keeps one kind of :data:`KINDS`)."""
    protocol = protocol_for(athlete)
    today = timezone.now().astimezone(athlete.tzinfo).date()
    latest = (
        OutcomeScore.objects.filter(user=athlete, measure=OutcomeScore.Measure.NPRS)
        .order_by("-day", "-created_at")
        .values_list("score", flat=True)
        .first()
    )
    baseline = max(0, min(10, int(latest))) if latest is not None else 0
    phase = getattr(getattr(athlete, "rehab_profile", None), "phase", None)
    entries = [*_rehab(athlete, protocol), *_runs(athlete, protocol, today, baseline)]
    entries += _plan(athlete, phase, protocol)
    entries += _clinic(athlete)
    if kind:
        entries = [e for e in entries if e.kind == kind]
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries[offset : offset + limit]


def entry_json(e: Entry) -> dict[str, Any]:
    return {
        "when": e.when,
        "kind": e.kind,
        "kind_label": e.kind_label,
        "title": e.title,
        "detail": e.detail,
        "why": list(e.why),
        "light": e.light,
        "by": e.by,
        "lines": list(e.lines),
    }


def client_export(athlete: User) -> dict[str, Any]:
    """Everything the clinician's record of this client shows, for one JSON download: the
    client, their outcome scores, the whole timeline and the clinicians' notes."""
    profile = getattr(athlete, "rehab_profile", None)
    protocol = protocol_for(athlete)
    scores = OutcomeScore.objects.filter(user=athlete).order_by("day", "pk")
    notes = ClinicianNote.objects.filter(athlete=athlete).select_related("author")
    return {
        "format": "backstride-client-record",
        "version": 1,
        "generated_at": timezone.now(),
        "client": {
            "id": athlete.pk,
            "name": athlete.name,
            "email": athlete.email,
            "phase": getattr(profile, "phase", None),
            "paused": bool(getattr(profile, "paused", False)),
            "protocol": f"{protocol.id}@{protocol.version}",
        },
        "outcomes": [
            {"day": s.day, "measure": s.measure, "score": s.score, "items": s.items} for s in scores
        ],
        "timeline": [entry_json(e) for e in timeline(athlete, limit=1_000_000)],
        "notes": [
            {
                "by": n.author.name if n.author else "",
                "text": n.text,
                "created_at": n.created_at,
            }
            for n in notes
        ],
    }
