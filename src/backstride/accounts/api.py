"""Sharing JSON API: invitations both ways, accepting with consent, care links, revoking.

Mounted by ``backstride.api`` at ``/api/sharing/``. The same services as the pages
(:mod:`backstride.accounts.invitations`); errors are ``{"detail": ...}``: 400 for a link that
isn't valid, 403 for the wrong person or role, 404 for someone else's ids, 409 for a
duplicate, 410 for a used, cancelled, replaced or expired invitation, 422 for bad input or
missing consent, 429 when too many invitations were sent. Every change is a POST, so a
read-only token is refused by token auth before any of these run.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from backstride.api.pagination import Page
from backstride.lib.fields import from_attributes
from backstride.lib.network import client_ip

from . import invitations, sharing
from .invitations import InvitationError
from .models import CareLink, ConsentRecord, Invitation, User
from .tokens import invitation_token

router = Router(tags=["sharing"])


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # the API's auth classes guarantee a signed-in person
    return user


def _refused(exc: InvitationError) -> HttpError:
    return HttpError(exc.status_code, exc.message)


# --- Schemas -----------------------------------------------------------------------------------
class InvitationOut(Schema):
    id: int
    direction: str = Field(description="client: you invite a client; clinician: your clinician")
    email: str
    status: str = Field(description="pending, accepted, expired or cancelled")
    created_at: datetime
    sent_at: datetime
    expires_at: datetime
    send_count: int
    accepted_at: datetime | None
    cancelled_at: datetime | None


class InviteIn(Schema):
    email: str = Field(max_length=254, description="The address to invite.")
    consent: bool = Field(
        False,
        description="Athletes only: true to agree to share your record with the person who "
        "accepts (required).",
    )


class ReceivedOut(Schema):
    id: int
    direction: str
    inviter_name: str
    inviter_email: str
    expires_at: datetime
    token: str = Field(description="Pass to POST /invitations/accept to accept.")


class AcceptIn(Schema):
    token: str = Field(max_length=1000, description="The token from the invitation link.")
    consent: bool = Field(
        False,
        description="Clients: true to agree to share your record with the clinician "
        "(required). Clinicians accepting an athlete's invitation may leave it out.",
    )


class Person(Schema):
    id: int
    name: str
    email: str


class LinkOut(Schema):
    id: int
    clinician: Person
    athlete: Person
    created_at: datetime
    consented_at: datetime | None
    revoked_at: datetime | None
    active: bool


class AcceptOut(Schema):
    link: LinkOut
    already_active: bool


def _invitation(inv: Invitation) -> InvitationOut:
    return from_attributes(InvitationOut, inv, status=inv.status.value)


def _person(user: User) -> Person:
    return Person(id=user.pk, name=invitations.person(user), email=user.email)


def _link(link: CareLink) -> LinkOut:
    return LinkOut(
        id=link.pk,
        clinician=_person(link.clinician),
        athlete=_person(link.athlete),
        created_at=link.created_at,
        consented_at=link.consented_at,
        revoked_at=link.revoked_at,
        active=link.is_active,
    )


# --- Invitations -------------------------------------------------------------------------------
@router.get(
    "/invitations", response=list[InvitationOut], summary="Invitations you sent, newest first"
)
def list_invitations(request: HttpRequest, page: Query[Page]) -> list[InvitationOut]:
    rows = Invitation.objects.filter(inviter=_user(request))
    return [_invitation(inv) for inv in page.apply(rows)]


@router.post(
    "/invitations",
    response={201: InvitationOut},
    summary="Invite by email: a clinician invites a client, an athlete their clinician",
)
def create_invitation(request: HttpRequest, body: InviteIn) -> Status:
    try:
        validate_email(body.email.strip())
    except ValidationError as exc:
        raise HttpError(422, "Enter a valid email address.") from exc
    try:
        inv = invitations.invite(
            _user(request),
            body.email,
            consent=body.consent,
            source=ConsentRecord.Source.API,
            ip=client_ip(request),
        )
    except InvitationError as exc:
        raise _refused(exc) from exc
    return Status(201, _invitation(inv))


def _own_action(request: HttpRequest, pk: int, action: str) -> InvitationOut:
    act = invitations.resend if action == "resend" else invitations.cancel
    try:
        return _invitation(act(_user(request), pk))
    except Invitation.DoesNotExist as exc:
        raise HttpError(404, "No such invitation.") from exc
    except InvitationError as exc:
        raise _refused(exc) from exc


@router.post(
    "/invitations/{int:invitation_id}/resend",
    response=InvitationOut,
    summary="Send an invitation again with a new link (the old link stops working)",
)
def resend_invitation(request: HttpRequest, invitation_id: int) -> InvitationOut:
    return _own_action(request, invitation_id, "resend")


@router.post(
    "/invitations/{int:invitation_id}/cancel",
    response=InvitationOut,
    summary="Cancel a pending invitation",
)
def cancel_invitation(request: HttpRequest, invitation_id: int) -> InvitationOut:
    return _own_action(request, invitation_id, "cancel")


@router.get(
    "/invitations/received",
    response=list[ReceivedOut],
    summary="Open invitations to your address that your account can accept",
)
def received_invitations(request: HttpRequest, page: Query[Page]) -> list[ReceivedOut]:
    return [
        ReceivedOut(
            id=row.invitation.pk,
            direction=row.invitation.direction,
            inviter_name=invitations.person(row.invitation.inviter),
            inviter_email=row.invitation.inviter.email,
            expires_at=row.invitation.expires_at,
            token=invitation_token(row.invitation),
        )
        for row in page.apply(sharing.received_by(_user(request)))
    ]


@router.post(
    "/invitations/accept",
    response=AcceptOut,
    summary="Accept an invitation by its token; a client must consent to share",
)
def accept_invitation(request: HttpRequest, body: AcceptIn) -> AcceptOut:
    try:
        result = invitations.accept(
            body.token.strip(),
            _user(request),
            consent=body.consent,
            source=ConsentRecord.Source.API,
            ip=client_ip(request),
        )
    except InvitationError as exc:
        raise _refused(exc) from exc
    return AcceptOut(link=_link(result.link), already_active=result.already_active)


# --- Care links --------------------------------------------------------------------------------
@router.get(
    "/links",
    response=list[LinkOut],
    summary="Your care links: your clinicians (athletes) or your clients (clinicians)",
)
def list_links(request: HttpRequest, page: Query[Page]) -> list[LinkOut]:
    user = _user(request)
    side = {"clinician": user} if user.is_clinician else {"athlete": user}
    rows = (
        CareLink.objects.filter(**side)
        .select_related("clinician", "athlete")
        .order_by("-created_at", "-pk")
    )
    return [_link(link) for link in page.apply(rows)]


@router.post(
    "/links/{int:link_id}/revoke",
    response=LinkOut,
    summary="Stop sharing your record with a clinician (athletes)",
)
def revoke_link(request: HttpRequest, link_id: int) -> LinkOut:
    try:
        link = invitations.revoke(
            _user(request), link_id, source=ConsentRecord.Source.API, ip=client_ip(request)
        )
    except CareLink.DoesNotExist as exc:
        raise HttpError(404, "No such care link.") from exc
    return _link(link)
