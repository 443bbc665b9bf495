"""Rehab JSON API (read-only for now): the same services and permission checks as the pages.

Mounted by ``backstride.api`` at ``/api/rehab/``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from backstride.accounts.permissions import viewable_athlete

from . import guide, services

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
    user: Any = request.user
    if not (user.is_athlete or user.is_admin_role):
        raise HttpError(403, "Only athletes have a rehab program.")
    return guide.today_summary(user)  # the schema reads the card's fields as they are


@router.get(
    "/athletes/{athlete_id}",
    response=AthleteOut,
    summary="An athlete's rehab state (the athlete, or a clinician they share with)",
)
def athlete(request: HttpRequest, athlete_id: int) -> AthleteOut:
    person = viewable_athlete(request, athlete_id, what="rehab record")
    if person is None:
        raise HttpError(404, "No such athlete.")
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
