"""Invitations between clinicians and athletes, and the consent that opens a care link.

A clinician invites a client, or an athlete invites their clinician, by email. The email's
link is signed (``lib.signing``), expires after ``INVITE_MAX_AGE_DAYS`` and works once: it
carries the invitation's id and a random nonce kept in the row, and sending the invitation
again replaces the nonce. Whoever accepts must be signed in with the invited address and in
the expected role (``core.invitations``). The athlete's explicit consent, recorded in
:class:`ConsentRecord`, is what makes a :class:`CareLink` active: given on the consent screen
when a clinician invited them, or on the invitation form when they invited their clinician.
The web pages and the API call these same functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backstride.core import invitations as rules
from backstride.core.invitations import Direction, Refusal, Status
from backstride.lib import signing
from backstride.lib.network import ip_prefix
from backstride.lib.queue import enqueue_after_commit

from .identity import normalise_email
from .models import CareLink, ConsentRecord, Invitation, User
from .tasks import send_invitation_email
from .tokens import INVITATION_SALT

#: The version of the consent wording on the consent screen and the invitation form.
SHARING_VERSION = "share-2026-12"
#: What a clinician with an active link can see, as the consent screen lists it.
WHAT_IS_SHARED = (
    "your assessment answers and any red flags",
    "your rehab phase and the reasons for each change",
    "your exercise sessions and check-ins",
    "your outcome scores",
    "your runs and their routes",
    "your running plan",
    "your running form checks",
)
#: New invitations one person may send in 24 hours (stops the form being used to spam).
DAILY_LIMIT = 30
#: Times one invitation may be sent (the first email and the resends).
MAX_SENDS = 5


class InvitationError(Exception):
    """An invitation that cannot be sent, resent, cancelled or accepted; says why in words."""

    def __init__(self, refusal: Refusal, **values: object) -> None:
        direction = values.pop("direction", None)
        found = rules.problem(
            refusal, direction=direction if isinstance(direction, Direction) else None, **values
        )
        super().__init__(found.message)
        self.refusal = refusal
        self.message = found.message

    @property
    def status_code(self) -> int:
        return rules.HTTP_STATUS[self.refusal]


@dataclass(frozen=True)
class Accepted:
    """What accepting did: the care link, and whether it was already active before."""

    link: CareLink
    already_active: bool


def person(user: User) -> str:
    """A name to show: the display name, else the address."""
    return user.display_name or user.email


# --- Links -------------------------------------------------------------------------------------
def max_age() -> timedelta:
    return timedelta(days=settings.INVITE_MAX_AGE_DAYS)


def read(token: str) -> Invitation:
    """The invitation a link names, whatever its state (``InvitationError`` if it names none)."""
    seconds = int(max_age().total_seconds())
    try:
        data = signing.unsign_object(INVITATION_SALT, token, max_age=seconds)
    except signing.LinkError as exc:
        raise InvitationError(
            Refusal.EXPIRED if exc.reason == "expired" else Refusal.INVALID
        ) from exc
    pk, nonce = data.get("i"), data.get("n")
    if not isinstance(pk, int) or not isinstance(nonce, str):
        raise InvitationError(Refusal.INVALID)
    invitation = Invitation.objects.select_related("inviter").filter(pk=pk).first()
    if invitation is None:
        raise InvitationError(Refusal.INVALID)
    if not signing.same_secret(invitation.nonce, nonce):
        raise InvitationError(Refusal.REPLACED)
    return invitation


def closed(invitation: Invitation, now: datetime | None = None) -> Refusal | None:
    """Why nobody can accept ``invitation`` any more (used, cancelled, expired), or None."""
    return rules.closed_refusal(
        status=invitation.status_at(now or timezone.now()),
        inviter_active=invitation.inviter.is_active,
    )


def refusal_for(invitation: Invitation, user: User, now: datetime | None = None) -> Refusal | None:
    """Why ``user`` may not accept ``invitation`` now, or None."""
    return rules.acceptance_refusal(
        direction=Direction(invitation.direction),
        status=invitation.status_at(now or timezone.now()),
        invited_email=invitation.email,
        inviter_id=invitation.inviter_id,
        inviter_active=invitation.inviter.is_active,
        accepter_id=user.pk,
        accepter_email=normalise_email(user.email),
        accepter_role=user.role,
    )


def error_for(invitation: Invitation, refusal: Refusal) -> InvitationError:
    return InvitationError(
        refusal,
        direction=Direction(invitation.direction),
        invited=rules.mask_email(invitation.email),
    )


# --- Sending -----------------------------------------------------------------------------------
def _linked(inviter: User, email: str, direction: Direction) -> bool:
    """Is the inviter already actively linked with the account at ``email``?"""
    links = CareLink.objects.active()
    if direction is Direction.CLIENT:
        return links.filter(clinician=inviter, athlete__email=email).exists()
    return links.filter(athlete=inviter, clinician__email=email).exists()


def _open(inviter: User, email: str) -> bool:
    return Invitation.objects.filter(
        inviter=inviter,
        email=email,
        accepted_at__isnull=True,
        cancelled_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).exists()


@transaction.atomic
def invite(
    inviter: User,
    email: str,
    *,
    consent: bool = False,
    source: str = ConsentRecord.Source.INVITATION,
    ip: str = "",
) -> Invitation:
    """Invite ``email``: a clinician invites a client, an athlete their clinician.

    An athlete must consent (``consent=True``) to share their record with the person who
    accepts; the consent is recorded now and the link opens when the clinician accepts. The
    email is queued in this transaction and sent by the worker.
    """
    direction = rules.direction_for(inviter.role) if inviter.is_active else None
    if direction is None:
        raise InvitationError(Refusal.NOT_ALLOWED)
    # One invitation at a time per inviter: a double-clicked form makes one, not two.
    User.objects.select_for_update().filter(pk=inviter.pk).first()
    email = normalise_email(email)
    now = timezone.now()
    refusal = rules.sending_refusal(
        inviter_email=normalise_email(inviter.email),
        invited_email=email,
        sent_last_day=Invitation.objects.filter(
            inviter=inviter, created_at__gt=now - timedelta(days=1)
        ).count(),
        daily_limit=DAILY_LIMIT,
        open_invitation=_open(inviter, email),
        already_linked=_linked(inviter, email, direction),
    )
    if refusal is not None:
        raise InvitationError(refusal, limit=DAILY_LIMIT)
    if direction is Direction.CLINICIAN and not consent:
        raise InvitationError(Refusal.CONSENT_MISSING)
    invitation = Invitation.objects.create(
        inviter=inviter,
        direction=direction,
        email=email,
        nonce=signing.new_nonce(),
        created_at=now,
        sent_at=now,
        expires_at=now + max_age(),
    )
    if direction is Direction.CLINICIAN:
        _record_consent(
            inviter,
            ConsentRecord.Action.GIVEN,
            source=source,
            ip=ip,
            detail=f"with the clinician at {rules.mask_email(email)} (invitation {invitation.pk})",
        )
    enqueue_after_commit(send_invitation_email, invitation.pk, invitation.nonce)
    return invitation


def _own(inviter: User, pk: int) -> Invitation:
    """The inviter's invitation ``pk``, locked (``Invitation.DoesNotExist`` if not theirs)."""
    return (
        Invitation.objects.select_for_update().select_related("inviter").get(pk=pk, inviter=inviter)
    )


@transaction.atomic
def resend(inviter: User, pk: int) -> Invitation:
    """Send a pending or expired invitation again with a new link (the old one stops working)."""
    invitation = _own(inviter, pk)
    status = invitation.status
    if status is Status.ACCEPTED:
        raise error_for(invitation, Refusal.USED)
    if status is Status.CANCELLED:
        raise error_for(invitation, Refusal.CANCELLED)
    if invitation.send_count >= MAX_SENDS:
        raise InvitationError(Refusal.SENT_TOO_OFTEN, limit=MAX_SENDS)
    if _linked(inviter, invitation.email, Direction(invitation.direction)):
        raise InvitationError(Refusal.ALREADY_LINKED)
    now = timezone.now()
    invitation.nonce = signing.new_nonce()
    invitation.sent_at = now
    invitation.expires_at = now + max_age()
    invitation.send_count += 1
    invitation.emailed_at = None
    invitation.save(update_fields=["nonce", "sent_at", "expires_at", "send_count", "emailed_at"])
    enqueue_after_commit(send_invitation_email, invitation.pk, invitation.nonce)
    return invitation


@transaction.atomic
def cancel(inviter: User, pk: int) -> Invitation:
    """Cancel a pending invitation: its link stops working. Cancelling twice is fine."""
    invitation = _own(inviter, pk)
    if invitation.accepted_at is not None:
        raise error_for(invitation, Refusal.USED)
    if invitation.cancelled_at is None:
        invitation.cancelled_at = timezone.now()
        invitation.save(update_fields=["cancelled_at"])
    return invitation


# --- Accepting ---------------------------------------------------------------------------------
@transaction.atomic
def accept(
    token: str,
    user: User,
    *,
    consent: bool,
    source: str = ConsentRecord.Source.INVITATION,
    ip: str = "",
) -> Accepted:
    """Accept the invitation in ``token`` as ``user``; returns the (now active) care link.

    A client must consent (``consent=True``): the consent is recorded with the link. A
    clinician accepting an athlete's invitation needs no consent of their own (the athlete
    gave theirs when inviting). The invitation row is locked, so a link used twice at the
    same moment opens one care link and the second use is told it was used.
    """
    found = read(token)
    invitation = Invitation.objects.select_for_update().select_related("inviter").get(pk=found.pk)
    if invitation.nonce != found.nonce:
        raise InvitationError(Refusal.REPLACED)
    refusal = refusal_for(invitation, user)
    if refusal is not None:
        raise error_for(invitation, refusal)
    direction = Direction(invitation.direction)
    if direction is Direction.CLIENT and not consent:
        raise InvitationError(Refusal.CONSENT_MISSING)
    if direction is Direction.CLIENT:
        clinician, athlete = invitation.inviter, user
    else:
        clinician, athlete = user, invitation.inviter
    now = timezone.now()
    link, _created = CareLink.objects.select_for_update().get_or_create(
        clinician=clinician, athlete=athlete, defaults={"created_at": now}
    )
    already_active = link.is_active
    if not already_active:
        link.consented_at = now
        link.revoked_at = None
        link.save(update_fields=["consented_at", "revoked_at"])
        if direction is Direction.CLIENT:
            _record_link_consent(athlete, ConsentRecord.Action.GIVEN, link, source=source, ip=ip)
    invitation.accepted_at = now
    invitation.accepted_by = user
    invitation.care_link = link
    invitation.save(update_fields=["accepted_at", "accepted_by", "care_link"])
    return Accepted(link, already_active)


@transaction.atomic
def consent_to(
    athlete: User, link_id: int, *, source: str = ConsentRecord.Source.SHARING, ip: str = ""
) -> CareLink:
    """Consent to a care link made without it (in the admin): the clinician sees the record.

    ``CareLink.DoesNotExist`` unless it is the athlete's own link, still waiting for consent.
    """
    link = (
        CareLink.objects.select_for_update()
        .select_related("clinician")
        .get(pk=link_id, athlete=athlete, consented_at__isnull=True, revoked_at__isnull=True)
    )
    link.consented_at = timezone.now()
    link.save(update_fields=["consented_at"])
    _record_link_consent(athlete, ConsentRecord.Action.GIVEN, link, source=source, ip=ip)
    return link


# --- Taking it back ----------------------------------------------------------------------------
@transaction.atomic
def revoke(
    athlete: User, link_id: int, *, source: str = ConsentRecord.Source.SHARING, ip: str = ""
) -> CareLink:
    """End the athlete's care link ``link_id`` (``CareLink.DoesNotExist`` if not theirs).

    From now on the permission layer refuses the clinician everywhere (pages, API, exports).
    The withdrawal is recorded once; revoking again changes nothing.
    """
    link = (
        CareLink.objects.select_for_update()
        .select_related("clinician")
        .get(pk=link_id, athlete=athlete)
    )
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        if link.consented_at is not None:
            _record_link_consent(
                athlete, ConsentRecord.Action.WITHDRAWN, link, source=source, ip=ip
            )
    return link


def _record_link_consent(
    athlete: User, action: str, link: CareLink, *, source: str, ip: str
) -> ConsentRecord:
    """The athlete's sharing consent given or withdrawn for one care link, naming its clinician."""
    return _record_consent(
        athlete,
        action,
        source=source,
        ip=ip,
        care_link=link,
        detail=f"with {person(link.clinician)}",
    )


def _record_consent(
    athlete: User,
    action: str,
    *,
    source: str,
    ip: str,
    detail: str,
    care_link: CareLink | None = None,
) -> ConsentRecord:
    return ConsentRecord.objects.create(
        user=athlete,
        kind=ConsentRecord.Kind.SHARING,
        action=action,
        wording_version=SHARING_VERSION,
        source=source,
        ip_prefix=ip_prefix(ip) if ip else "",
        care_link=care_link,
        detail=detail[:200],
    )
