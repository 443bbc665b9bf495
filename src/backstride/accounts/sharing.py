"""Who shares with whom: what the Sharing page, the invitation lists and the API show.

Read-only: sending, accepting and revoking are in :mod:`backstride.accounts.invitations`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from backstride.core.invitations import Direction, Status

from .identity import normalise_email
from .models import CareLink, Invitation, User
from .tokens import invitation_path


@dataclass(frozen=True)
class SentInvitation:
    """One invitation in its sender's list, with what the sender can still do with it."""

    invitation: Invitation
    status: Status

    @property
    def can_resend(self) -> bool:
        return self.status in {Status.PENDING, Status.EXPIRED}

    @property
    def can_cancel(self) -> bool:
        return self.status is Status.PENDING


@dataclass(frozen=True)
class ReceivedInvitation:
    """An open invitation addressed to this person, with the path that answers it."""

    invitation: Invitation
    path: str


@dataclass(frozen=True)
class Sharing:
    """The athlete's Sharing page: who sees their record now, who may soon, who did."""

    active: list[CareLink]
    waiting: list[CareLink]  # links made in the admin that still need the athlete's consent
    sent: list[SentInvitation]  # open invitations to clinicians (pending or expired)
    received: list[ReceivedInvitation]  # clinicians' invitations to the athlete
    ended: list[CareLink]


def sent_by(
    user: User, *, now: datetime | None = None, open_only: bool = False
) -> list[SentInvitation]:
    """The invitations ``user`` sent, newest first (only pending and expired ones if asked)."""
    now = now or timezone.now()
    rows = Invitation.objects.filter(inviter=user).select_related("accepted_by")
    if open_only:
        rows = rows.filter(accepted_at__isnull=True, cancelled_at__isnull=True)
    return [SentInvitation(inv, inv.status_at(now)) for inv in rows]


def received_by(user: User, *, now: datetime | None = None) -> list[ReceivedInvitation]:
    """Pending invitations to ``user``'s address that ``user``'s role can accept."""
    now = now or timezone.now()
    direction = Direction.CLIENT if user.is_athlete else Direction.CLINICIAN
    rows = (
        Invitation.objects.filter(
            email=normalise_email(user.email),
            direction=direction,
            accepted_at__isnull=True,
            cancelled_at__isnull=True,
            expires_at__gt=now,
            inviter__is_active=True,
        )
        .exclude(inviter=user)
        .select_related("inviter")
    )
    return [ReceivedInvitation(inv, invitation_path(inv)) for inv in rows]


def sharing_for(athlete: User) -> Sharing:
    links = list(
        CareLink.objects.filter(athlete=athlete)
        .select_related("clinician")
        .order_by("-consented_at", "-created_at")
    )
    return Sharing(
        active=[link for link in links if link.is_active],
        waiting=[link for link in links if link.consented_at is None and not link.revoked_at],
        sent=sent_by(athlete, open_only=True),
        received=received_by(athlete),
        ended=[link for link in links if link.revoked_at is not None],
    )
