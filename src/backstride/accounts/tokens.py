"""Signed, expiring, single-use email links for accounts: verification and invitations."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from backstride.lib import signing
from backstride.lib.signing import LinkError

from .models import EmailToken, Invitation, User

SALT = "backstride.accounts.email"
INVITATION_SALT = "backstride.accounts.invitation"
EXPIRED = "This link has expired. Ask for a new one below."


def make_token(user: User, purpose: str) -> str:
    nonce = signing.new_nonce()
    EmailToken.objects.create(user=user, purpose=purpose, nonce=nonce)
    return signing.sign_object(f"{SALT}.{purpose}", {"u": user.pk, "n": nonce})


def peek_token(token: str, purpose: str) -> EmailToken:
    """Check a token without using it (for the GET page behind an email link)."""
    data = signing.unsign_object(
        f"{SALT}.{purpose}", token, max_age=settings.EMAIL_VERIFICATION_MAX_AGE, expired=EXPIRED
    )
    user_id, nonce = data.get("u"), data.get("n")
    if not isinstance(user_id, int) or not isinstance(nonce, str):
        raise signing.invalid()
    record = (
        EmailToken.objects.select_related("user")
        .filter(purpose=purpose, user_id=user_id, nonce=nonce)
        .first()
    )
    if record is None:
        raise signing.invalid()
    return record


@transaction.atomic
def use_token(token: str, purpose: str) -> tuple[User, bool]:
    """Use a token once. Returns (user, first_use); a repeat use is reported, not an error."""
    record = peek_token(token, purpose)
    record = EmailToken.objects.select_for_update().select_related("user").get(pk=record.pk)
    if record.used_at is not None:
        return record.user, False
    record.used_at = timezone.now()
    record.save(update_fields=["used_at"])
    return record.user, True


def invitation_token(invitation: Invitation) -> str:
    """The signed link value for an invitation's newest nonce (read by ``invitations.read``)."""
    return signing.sign_object(INVITATION_SALT, {"i": invitation.pk, "n": invitation.nonce})


def invitation_path(invitation: Invitation) -> str:
    return reverse("accounts:invitation", args=[invitation_token(invitation)])


def invitation_url(invitation: Invitation) -> str:
    return settings.SITE_URL + invitation_path(invitation)


__all__ = [
    "LinkError",
    "invitation_path",
    "invitation_token",
    "invitation_url",
    "make_token",
    "peek_token",
    "use_token",
]
