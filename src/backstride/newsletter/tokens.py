"""Signed links: confirmation (expiring, single-use), unsubscribe, preferences, manual download.

* Confirmation: ``TimestampSigner`` over ``{"t": token id, "n": nonce}``; the nonce lives in
  :class:`~backstride.newsletter.models.ConfirmationToken` and is compared with
  ``hmac.compare_digest``; ``used_at`` makes it single-use.
* Unsubscribe and preferences: ``Signer`` over the subscriber's random ``public_id`` (no
  expiry: an unsubscribe link must work in a years-old email; RFC 8058).
* Manual download: ``TimestampSigner`` over ``public_id`` with a 30-day ``max_age``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from backstride.lib import signing
from backstride.lib.signing import LinkError

from .models import ConfirmationToken, Subscriber

CONFIRM_SALT = "backstride.newsletter.confirm"
UNSUBSCRIBE_SALT = "backstride.newsletter.unsubscribe"
PREFERENCES_SALT = "backstride.newsletter.preferences"
MANUAL_SALT = "backstride.newsletter.manual"


def confirmation_token(record: ConfirmationToken) -> str:
    return signing.sign_object(CONFIRM_SALT, {"t": record.pk, "n": record.nonce})


@dataclass
class CheckedConfirmation:
    record: ConfirmationToken

    @property
    def used(self) -> bool:
        return self.record.used_at is not None


def check_confirmation(token: str) -> CheckedConfirmation:
    """Verify signature, age and nonce; does not use the token."""
    data = signing.unsign_object(
        CONFIRM_SALT,
        token,
        max_age=settings.NEWSLETTER_CONFIRM_MAX_AGE,
        expired="This confirmation link has expired (links work for 7 days). "
        "Sign up again below and we'll send a fresh one.",
    )
    token_id, nonce = data.get("t"), data.get("n")
    if not isinstance(token_id, int) or not isinstance(nonce, str):
        raise signing.invalid()
    record = ConfirmationToken.objects.select_related("subscriber").filter(pk=token_id).first()
    if record is None or not signing.same_secret(record.nonce, nonce):
        raise signing.invalid()
    return CheckedConfirmation(record)


def unsubscribe_token(subscriber: Subscriber) -> str:
    return signing.sign(UNSUBSCRIBE_SALT, subscriber.public_id)


def preferences_token(subscriber: Subscriber) -> str:
    return signing.sign(PREFERENCES_SALT, subscriber.public_id)


def public_id_from_unsubscribe(token: str) -> str:
    return signing.unsign(UNSUBSCRIBE_SALT, token)


def public_id_from_preferences(token: str) -> str:
    return signing.unsign(PREFERENCES_SALT, token)


def manual_token(subscriber: Subscriber) -> str:
    return signing.sign(MANUAL_SALT, subscriber.public_id, expires=True)


def public_id_from_manual(token: str) -> str:
    return signing.unsign(
        MANUAL_SALT,
        token,
        max_age=settings.NEWSLETTER_MANUAL_LINK_MAX_AGE,
        expired="This download link has expired. Open your preferences page from any of our "
        "emails to get a fresh one.",
    )


__all__ = [
    "LinkError",
    "check_confirmation",
    "confirmation_token",
    "manual_token",
    "preferences_token",
    "public_id_from_manual",
    "public_id_from_preferences",
    "public_id_from_unsubscribe",
    "unsubscribe_token",
]
