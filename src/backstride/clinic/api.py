"""Clinician workspace JSON API: the caseload, a client's timeline, notes, tailoring and
clearing a red-flag pause. The same services and permission checks as the pages.

Mounted by ``backstride.api`` at ``/api/clinic/``. A client is reached only through
``viewable_athlete`` (every access and refusal is in the client's access log); a person who is
not their clinician gets 404, whoever they are. Errors are ``{"detail": ...}``; invalid input
is 422 with the problems by field.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError, ValidationError
from ninja.responses import Status

from backstride.accounts import audit
from backstride.accounts.models import User
from backstride.accounts.permissions import user_in_role
from backstride.api.auth import require_write
from backstride.api.pagination import Page
from backstride.core import tailoring as core_tailoring
from backstride.lib.fields import from_attributes

from . import caseload as caseload_service
from . import services, timeline
from .models import ClinicianNote, TailoringChange
from .views import client_or_404

router = Router(tags=["clinic"])


class AttentionReasonOut(Schema):
    kind: str
    text: str
    on: date | None


class CaseloadItem(Schema):
    id: int
    name: str
    email: str
    phase: int | None
    paused: bool
    needs_attention: bool
    reasons: list[AttentionReasonOut]


class CaseloadFilters(Schema):
    show: Literal["all", "attention"] = Field(
        "all", description="Everyone, or only those who need attention."
    )
    phase: int | None = Field(None, ge=1, le=3, description="Only clients in this phase.")
    q: str = Field("", max_length=100, description="Search names and email addresses.")


class EntryOut(Schema):
    when: datetime
    kind: str
    kind_label: str
    title: str
    detail: str
    why: list[str]
    light: str
    by: str
    lines: list[str]


class TimelineFilters(Schema):
    kind: str = Field("", description="Only one kind of event: " + ", ".join(timeline.KINDS))


class NoteIn(Schema):
    text: str = Field(..., description="The note (private: never shown to the client).")


class NoteOut(Schema):
    id: int
    author: str
    mine: bool
    text: str
    created_at: datetime
    updated_at: datetime


class SettingOut(Schema):
    key: str
    group: str
    label: str
    unit: str
    value: float
    default: float | None


class SwitchOut(Schema):
    key: str
    phase: int
    exercise_id: str
    name: str
    on: bool


class DiffOut(Schema):
    key: str
    label: str
    before: str
    after: str


class ChangeOut(Schema):
    id: int
    clinician: str
    reason: str
    changes: list[DiffOut]
    protocol: str
    created_at: datetime


class TailoringOut(Schema):
    tailored: bool
    fingerprint: str
    settings: list[SettingOut]
    exercises: list[SwitchOut]
    history: list[ChangeOut]


class TailoringIn(Schema):
    reason: str = Field(..., description="Why: the client sees it next to what changed.")
    values: dict[str, float] = Field(
        default_factory=dict, description="Setting key → new value; settings left out keep theirs."
    )
    exercises: dict[str, bool] = Field(
        default_factory=dict,
        description="Exercise switch key → on (true) or off (false); others stay as they are.",
    )
    based_on: str = Field("", description="The fingerprint you read; refused if it changed since.")


class ClearIn(Schema):
    reason: str = Field(..., description="Why the program can resume (recorded).")
    screen_id: int | None = Field(None, description="The pausing screen you assessed.")


class ClearOut(Schema):
    screen_id: int
    cleared_at: datetime
    paused: bool


def _clinician(request: HttpRequest) -> User:
    return user_in_role(request, User.Role.CLINICIAN, refusal="Only clinicians have a caseload.")


def _client(
    request: HttpRequest, athlete_id: int, what: str, action: str = audit.Action.READ
) -> User:
    try:
        return client_or_404(request, athlete_id, what, action)
    except Http404:
        raise HttpError(404, "No such client.") from None


def _invalid(errors: dict[str, list[str]], where: str = "body") -> ValidationError:
    """A 422 whose ``detail`` lists each problem with where it is, as ninja's own do."""
    return ValidationError(
        [
            {
                "type": "value_error",
                "loc": [where] + ([] if key == core_tailoring.NON_FIELD else [key]),
                "msg": m,
            }
            for key, messages in errors.items()
            for m in messages
        ]
    )


@router.get("/caseload", response=list[CaseloadItem], summary="Your clients, most in need first")
def caseload(
    request: HttpRequest, filters: Query[CaseloadFilters], page: Query[Page]
) -> list[CaseloadItem]:
    found = caseload_service.caseload(
        _clinician(request),
        show=filters.show,
        phase=filters.phase,
        q=filters.q,
        per_page=page.limit,
        offset=page.offset,
    )
    caseload_service.log_reads(request, [row.athlete for row in found.rows])
    return [
        CaseloadItem(
            id=row.athlete.pk,
            name=row.athlete.name,
            email=row.athlete.email,
            phase=row.phase,
            paused=row.paused,
            needs_attention=row.attention.needs_attention,
            reasons=[
                AttentionReasonOut(kind=r.kind.slug, text=r.text, on=r.on)
                for r in row.attention.reasons
            ],
        )
        for row in found.rows
    ]


@router.get(
    "/clients/{athlete_id}/timeline",
    response=list[EntryOut],
    summary="A client's timeline, newest first",
)
def client_timeline(
    request: HttpRequest, athlete_id: int, filters: Query[TimelineFilters], page: Query[Page]
) -> list[dict[str, Any]]:
    athlete = _client(request, athlete_id, "client record")
    if filters.kind and filters.kind not in timeline.KINDS:
        raise _invalid({"kind": [f"kind must be one of: {', '.join(timeline.KINDS)}."]}, "query")
    entries = timeline.timeline(athlete, kind=filters.kind, limit=page.limit, offset=page.offset)
    return [timeline.entry_json(e) for e in entries]


@router.get(
    "/clients/{athlete_id}/export",
    response=dict[str, Any],
    summary="A client's whole record as one JSON document (logged as an export)",
)
def client_export(request: HttpRequest, athlete_id: int) -> dict[str, Any]:
    athlete = _client(request, athlete_id, "client record", audit.Action.EXPORT)
    return timeline.client_export(athlete)


def _note_out(request: HttpRequest, n: ClinicianNote) -> NoteOut:
    return NoteOut(
        id=n.pk,
        author=n.author.name,
        mine=n.author_id == request.user.pk,
        text=n.text,
        created_at=n.created_at,
        updated_at=n.updated_at,
    )


@router.get("/clients/{athlete_id}/notes", response=list[NoteOut], summary="Private notes")
def notes(request: HttpRequest, athlete_id: int, page: Query[Page]) -> list[NoteOut]:
    athlete = _client(request, athlete_id, "clinician note")
    return [_note_out(request, n) for n in page.apply(services.visible_notes(athlete))]


@router.post("/clients/{athlete_id}/notes", response={201: NoteOut}, summary="Add a private note")
def add_note(request: HttpRequest, athlete_id: int, body: NoteIn) -> Status:
    require_write(request)  # a read-only token may not change a record
    athlete = _client(request, athlete_id, "clinician note")
    try:
        note = services.add_note(request, athlete, body.text)
    except services.Invalid as exc:
        raise _invalid(exc.errors) from None
    return Status(201, _note_out(request, note))


def _own(request: HttpRequest, athlete_id: int, note_id: int) -> ClinicianNote:
    athlete = _client(request, athlete_id, "clinician note")
    note = services.own_note(request, athlete, note_id)
    if note is None:
        raise HttpError(404, "No such note of yours.")
    return note


@router.put("/clients/{athlete_id}/notes/{note_id}", response=NoteOut, summary="Edit your note")
def edit_note(request: HttpRequest, athlete_id: int, note_id: int, body: NoteIn) -> NoteOut:
    require_write(request)  # a read-only token may not change a record
    note = _own(request, athlete_id, note_id)
    try:
        services.edit_note(request, note, body.text)
    except services.Invalid as exc:
        raise _invalid(exc.errors) from None
    return _note_out(request, note)


@router.delete(
    "/clients/{athlete_id}/notes/{note_id}", response={204: None}, summary="Delete your note"
)
def delete_note(request: HttpRequest, athlete_id: int, note_id: int) -> Status:
    require_write(request)  # a read-only token may not change a record
    services.delete_note(request, _own(request, athlete_id, note_id))
    return Status(204, None)


def _change_out(c: TailoringChange) -> ChangeOut:
    return ChangeOut(
        id=c.pk,
        clinician=c.clinician_name,
        reason=c.reason,
        changes=[DiffOut(**d) for d in c.diff if isinstance(d, dict)],
        protocol=f"{c.protocol_id}@{c.protocol_version}",
        created_at=c.created_at,
    )


def _tailoring_out(athlete: User) -> TailoringOut:
    shown = services.tailoring_form(athlete)
    return TailoringOut(
        tailored=shown.tailored,
        fingerprint=shown.fingerprint,
        settings=[from_attributes(SettingOut, s) for s in shown.settings],
        exercises=[
            SwitchOut(key=s.key, phase=s.phase, exercise_id=s.exercise_id, name=s.name, on=s.on)
            for s in shown.switches
        ],
        history=[_change_out(c) for c in services.changes_for(athlete, limit=20)],
    )


@router.get(
    "/clients/{athlete_id}/tailoring",
    response=TailoringOut,
    summary="The client's protocol settings and exercises, and earlier changes",
)
def get_tailoring(request: HttpRequest, athlete_id: int) -> TailoringOut:
    return _tailoring_out(_client(request, athlete_id, "tailored protocol"))


@router.post(
    "/clients/{athlete_id}/tailoring",
    response={201: ChangeOut},
    summary="Change settings or exercises of the client's protocol, with the reason",
)
def post_tailoring(request: HttpRequest, athlete_id: int, body: TailoringIn) -> Status:
    require_write(request)  # a read-only token may not change a record
    athlete = _client(request, athlete_id, "tailored protocol")
    shown = services.tailoring_form(athlete)
    settings = {s.key for s in shown.settings}
    switches = {s.key: s.on for s in shown.switches}
    unknown = {
        **{k: ["There is no such setting."] for k in body.values if k not in settings},
        **{k: ["There is no such exercise switch."] for k in body.exercises if k not in switches},
    }
    if unknown:
        raise _invalid(unknown)
    on = [k for k, was in switches.items() if body.exercises.get(k, was)]
    try:
        change = services.tailor(
            request,
            athlete,
            values=body.values,
            exercises_on=on,
            reason=body.reason,
            based_on=body.based_on,
        )
    except services.Invalid as exc:
        raise _invalid(exc.errors) from None
    return Status(201, _change_out(change))


@router.post(
    "/clients/{athlete_id}/clear",
    response=ClearOut,
    summary="Clear the client's red-flag pause, with the reason (recorded)",
)
def clear(request: HttpRequest, athlete_id: int, body: ClearIn) -> ClearOut:
    require_write(request)  # a read-only token may not change a record
    athlete = _client(request, athlete_id, "red-flag pause")
    try:
        clearance = services.clear_pause(request, athlete, body.reason, body.screen_id)
    except LookupError as exc:
        raise HttpError(404, str(exc)) from None
    except services.Invalid as exc:
        raise _invalid(exc.errors) from None
    profile = getattr(athlete, "rehab_profile", None)
    if profile is not None:
        profile.refresh_from_db(fields=["paused"])
    return ClearOut(
        screen_id=clearance.screen_id,
        cleared_at=clearance.created_at,
        paused=bool(profile and profile.paused),
    )
