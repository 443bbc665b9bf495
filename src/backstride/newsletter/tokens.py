"""Signed links: confirmation (expiring, single-use), unsubscribe, preferences, manual download.

* Confirmation: ``TimestampSigner`` over ``{"t": token id, "n": nonce}``; the nonce lives in
  :class:`~backstride.newsletter.models.ConfirmationToken` and is compared with
  ``hmac.compare_digest``; ``used_at`` makes it single-use.
* Unsubscribe and preferences: ``Signer`` over the subscriber's random ``public_id`` (no
  expiry: an unsubscribe link must work in a years-old email; RFC 8058).
* Manual download: ``TimestampSigner`` over ``public_id`` with a 30-day ``max_age``.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from django.core import signing

from . import conf
from .models import ConfirmationToken, Subscriber

CONFIRM_SALT = "backstride.newsletter.confirm"
UNSUBSCRIBE_SALT = "backstride.newsletter.unsubscribe"
PREFERENCES_SALT = "backstride.newsletter.preferences"
MANUAL_SALT = "backstride.newsletter.manual"


class LinkError(Exception):
    """A link that cannot be used; ``reason`` is one of expired / invalid / used."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


INVALID = LinkError(
    "invalid", "This link isn't valid. It may have been cut short — check you copied all of it."
)


def confirmation_token(record: ConfirmationToken) -> str:
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign_object(
        {"t": record.pk, "n": record.nonce}
    )


@dataclass
class CheckedConfirmation:
    record: ConfirmationToken

    @property
    def used(self) -> bool:
        return self.record.used_at is not None


def check_confirmation(token: str) -> CheckedConfirmation:
    """Verify signature, age and nonce; does not use the token."""
    try:
        data = signing.TimestampSigner(salt=CONFIRM_SALT).unsign_object(
            token, max_age=conf.confirm_max_age()
        )
    except signing.SignatureExpired as exc:
        raise LinkError(
            "expired",
            "This confirmation link has expired (links work for 7 days). "
            "Sign up again below and we'll send a fresh one.",
        ) from exc
    except (signing.BadSignature, ValueError, UnicodeDecodeError) as exc:
        raise INVALID from exc
    if not isinstance(data, dict):
        raise INVALID
    token_id, nonce = data.get("t"), data.get("n")
    if not isinstance(token_id, int) or not isinstance(nonce, str):
        raise INVALID
    record = ConfirmationToken.objects.select_related("subscriber").filter(pk=token_id).first()
    if record is None or not hmac.compare_digest(record.nonce.encode(), nonce.encode()):
        raise INVALID
    return CheckedConfirmation(record)


def _sign(salt: str, subscriber: Subscriber) -> str:
    return signing.Signer(salt=salt).sign(subscriber.public_id)


def _unsign(salt: str, token: str) -> str:
    try:
        return signing.Signer(salt=salt).unsign(token)
    except (signing.BadSignature, ValueError) as exc:
        raise INVALID from exc


def unsubscribe_token(subscriber: Subscriber) -> str:
    return _sign(UNSUBSCRIBE_SALT, subscriber)


def preferences_token(subscriber: Subscriber) -> str:
    return _sign(PREFERENCES_SALT, subscriber)


def public_id_from_unsubscribe(token: str) -> str:
    return _unsign(UNSUBSCRIBE_SALT, token)


def public_id_from_preferences(token: str) -> str:
    return _unsign(PREFERENCES_SALT, token)


def manual_token(subscriber: Subscriber) -> str:
    return signing.TimestampSigner(salt=MANUAL_SALT).sign(subscriber.public_id)


def public_id_from_manual(token: str) -> str:
    try:
        return signing.TimestampSigner(salt=MANUAL_SALT).unsign(
            token, max_age=conf.manual_link_max_age()
        )
    except signing.SignatureExpired as exc:
        raise LinkError(
            "expired",
            "This download link has expired. Open your preferences page from any of our "
            "emails to get a fresh one.",
        ) from exc
    except (signing.BadSignature, ValueError) as exc:
        raise INVALID from exc
