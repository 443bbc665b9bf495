"""Invitations between a clinician and an athlete: what state one is in and who may accept it.

A clinician invites a client, or an athlete invites their clinician, by email. The link in
the email is a bearer secret, so holding it is not enough: the person who accepts must be
signed in with the address it was sent to, in the role it was meant for, and must not be
the person who sent it. These rules are pure (no Django) so that the web pages and the API
refuse in the same order with the same words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Direction(StrEnum):
    """Who invites whom."""

    CLIENT = "client"  # a clinician invites a client (an athlete)
    CLINICIAN = "clinician"  # an athlete invites their clinician


class Status(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class Refusal(StrEnum):
    """Why an invitation cannot be sent or accepted (each has a message in :data:`MESSAGES`)."""

    INVALID = "invalid"
    REPLACED = "replaced"
    USED = "used"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    OWN = "own"
    WRONG_PERSON = "wrong_person"
    WRONG_ROLE = "wrong_role"
    INVITER_GONE = "inviter_gone"
    CONSENT_MISSING = "consent_missing"
    ALREADY_INVITED = "already_invited"
    ALREADY_LINKED = "already_linked"
    TOO_MANY = "too_many"
    SENT_TOO_OFTEN = "sent_too_often"
    NOT_ALLOWED = "not_allowed"


#: The role the person accepting must have, by direction.
ACCEPTING_ROLE = {Direction.CLIENT: "athlete", Direction.CLINICIAN: "clinician"}
#: The role the person inviting must have, by direction.
INVITING_ROLE = {Direction.CLIENT: "clinician", Direction.CLINICIAN: "athlete"}

MESSAGES: dict[Refusal, str] = {
    Refusal.INVALID: (
        "This invitation link isn't valid. It may have been cut short: check that you copied "
        "all of it from the email."
    ),
    Refusal.REPLACED: (
        "This invitation was sent again, and only the newest email's link works. "
        "Use the link in the most recent email."
    ),
    Refusal.USED: "This invitation has already been used. Nothing more to do here.",
    Refusal.CANCELLED: "This invitation was cancelled by the person who sent it.",
    Refusal.EXPIRED: "This invitation has expired. Ask the person who sent it to send it again.",
    Refusal.OWN: "This is an invitation you sent. It is for the person you sent it to.",
    Refusal.WRONG_PERSON: (
        "This invitation was sent to {invited}. Sign in with that address to accept it, "
        "or ask for an invitation to the address you use here."
    ),
    Refusal.WRONG_ROLE: (
        "This invitation is for someone sharing their own rehab record, and your account "
        "is not an athlete account."
    ),
    Refusal.INVITER_GONE: "The account that sent this invitation no longer exists.",
    Refusal.CONSENT_MISSING: (
        "Please tick the box to say you agree to share your record, or close this page."
    ),
    Refusal.ALREADY_INVITED: (
        "You have already invited this address and the invitation is still open. "
        "You can send it again from your list of invitations."
    ),
    Refusal.ALREADY_LINKED: "You are already connected with this person.",
    Refusal.TOO_MANY: (
        "You have sent {limit} invitations in the last day, the most allowed. "
        "Please try again tomorrow."
    ),
    Refusal.SENT_TOO_OFTEN: (
        "This invitation has been sent {limit} times already. Cancel it and invite the "
        "address again if the emails are not arriving."
    ),
    Refusal.NOT_ALLOWED: "Your account cannot send this kind of invitation.",
}

#: WRONG_ROLE when a clinician was invited (MESSAGES holds the wording for a client).
WRONG_ROLE_FOR_CLINICIAN = (
    "This invitation is for a clinician. Sign in with a clinician account to accept it; "
    "the site's administrator sets up clinician accounts."
)

#: Refusals that mean "this link is finished" (HTTP 410), as opposed to "not for you" (403).
GONE = frozenset(
    {Refusal.REPLACED, Refusal.USED, Refusal.CANCELLED, Refusal.EXPIRED, Refusal.INVITER_GONE}
)


@dataclass(frozen=True)
class Problem:
    """A refusal with its message in words."""

    refusal: Refusal
    message: str


def problem(refusal: Refusal, *, direction: Direction | None = None, **values: object) -> Problem:
    """The refusal with its message filled in (``invited=``, ``limit=`` where it needs them)."""
    if refusal is Refusal.WRONG_ROLE and direction is Direction.CLINICIAN:
        text = WRONG_ROLE_FOR_CLINICIAN
    else:
        text = MESSAGES[refusal]
    return Problem(refusal, text.format(**values) if values else text)


def status_of(
    *,
    expires_at: datetime,
    accepted_at: datetime | None,
    cancelled_at: datetime | None,
    now: datetime,
) -> Status:
    """Accepted and cancelled are final; otherwise pending until the link expires."""
    if accepted_at is not None:
        return Status.ACCEPTED
    if cancelled_at is not None:
        return Status.CANCELLED
    if now >= expires_at:
        return Status.EXPIRED
    return Status.PENDING


_STATUS_REFUSAL = {
    Status.ACCEPTED: Refusal.USED,
    Status.CANCELLED: Refusal.CANCELLED,
    Status.EXPIRED: Refusal.EXPIRED,
}


def closed_refusal(*, status: Status, inviter_active: bool) -> Refusal | None:
    """Why nobody at all can accept the invitation any more, or None while it is open."""
    if status in _STATUS_REFUSAL:
        return _STATUS_REFUSAL[status]
    if not inviter_active:
        return Refusal.INVITER_GONE
    return None


def acceptance_refusal(
    *,
    direction: Direction,
    status: Status,
    invited_email: str,
    inviter_id: int,
    inviter_active: bool,
    accepter_id: int,
    accepter_email: str,
    accepter_role: str,
) -> Refusal | None:
    """Why this person may not accept this invitation, or None when they may.

    The order is the order a person would want to hear it in: a finished link first (nothing
    else matters), then a link they sent themself, then the wrong address, then the wrong
    kind of account. Addresses must already be in their one stored spelling.
    """
    closed = closed_refusal(status=status, inviter_active=inviter_active)
    if closed is not None:
        return closed
    if accepter_id == inviter_id:
        return Refusal.OWN
    if accepter_email != invited_email:
        return Refusal.WRONG_PERSON
    if accepter_role != ACCEPTING_ROLE[direction]:
        return Refusal.WRONG_ROLE
    return None


def direction_for(inviter_role: str) -> Direction | None:
    """Clinicians invite clients and athletes invite clinicians; nobody else invites."""
    for direction, role in INVITING_ROLE.items():
        if role == inviter_role:
            return direction
    return None


def sending_refusal(
    *,
    inviter_email: str,
    invited_email: str,
    sent_last_day: int,
    daily_limit: int,
    open_invitation: bool,
    already_linked: bool,
) -> Refusal | None:
    """Why a new invitation may not be sent now, or None. Addresses in their stored spelling."""
    if invited_email == inviter_email:
        return Refusal.OWN
    if already_linked:
        return Refusal.ALREADY_LINKED
    if open_invitation:
        return Refusal.ALREADY_INVITED
    if sent_last_day >= daily_limit:
        return Refusal.TOO_MANY
    return None


def mask_email(email: str) -> str:
    """``alice@example.org`` → ``a…e@example.org``: enough to recognise, not to harvest."""
    local, at, domain = email.partition("@")
    if not at:
        return "…"
    shown = local[:1] + "…" if len(local) <= 2 else f"{local[0]}…{local[-1]}"
    return f"{shown}@{domain}"


#: The HTTP status that answers each refusal, for the pages and the API alike.
HTTP_STATUS: dict[Refusal, int] = {
    Refusal.INVALID: 400,
    **dict.fromkeys(GONE, 410),
    **dict.fromkeys(
        (Refusal.OWN, Refusal.WRONG_PERSON, Refusal.WRONG_ROLE, Refusal.NOT_ALLOWED), 403
    ),
    Refusal.CONSENT_MISSING: 422,
    Refusal.ALREADY_INVITED: 409,
    Refusal.ALREADY_LINKED: 409,
    Refusal.TOO_MANY: 429,
    Refusal.SENT_TOO_OFTEN: 429,
}
