"""Signed, expiring, single-use email tokens."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from .models import EmailToken, User

SALT = "backstride.accounts.email"


class TokenError(Exception):
    """A link that cannot be used, with a reason a person understands."""


def make_token(user: User, purpose: str) -> str:
    nonce = secrets.token_urlsafe(24)
    EmailToken.objects.create(user=user, purpose=purpose, nonce=nonce)
    return signing.TimestampSigner(salt=f"{SALT}.{purpose}").sign_object({"u": user.pk, "n": nonce})


def peek_token(token: str, purpose: str) -> EmailToken:
    """Check a token without using it (for the GET page behind an email link)."""
    max_age = settings.EMAIL_VERIFICATION_MAX_AGE
    try:
        data = signing.TimestampSigner(salt=f"{SALT}.{purpose}").unsign_object(
            token, max_age=max_age
        )
    except signing.SignatureExpired as exc:
        raise TokenError("This link has expired. Ask for a new one below.") from exc
    except signing.BadSignature as exc:
        raise TokenError("This link is not valid. Check that you copied all of it.") from exc
    try:
        record = EmailToken.objects.select_related("user").get(
            nonce=data["n"], purpose=purpose, user_id=data["u"]
        )
    except (EmailToken.DoesNotExist, KeyError, TypeError) as exc:
        raise TokenError("This link is not valid. Check that you copied all of it.") from exc
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
