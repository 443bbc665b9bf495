"""Signed links: one way to sign a value and read it back, with errors a person understands.

Values are signed with Django's ``SECRET_KEY`` under a salt per purpose. A link that must
expire is timestamped and read back with ``max_age``; one that must work for years (an
unsubscribe link in an old email, RFC 8058) is not. Single use is the caller's business: it
keeps a random nonce in its own table and compares it with :func:`same_secret`.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any, Literal

from django.core import signing

INVALID_MESSAGE = (
    "This link isn't valid. It may have been cut short: check that you copied all of it."
)
EXPIRED_MESSAGE = "This link has expired."


class LinkError(Exception):
    """A link that cannot be used; ``reason`` says why and ``str(error)`` says it in words."""

    def __init__(self, reason: Literal["expired", "invalid"], message: str) -> None:
        super().__init__(message)
        self.reason = reason


def invalid() -> LinkError:
    return LinkError("invalid", INVALID_MESSAGE)


def _signer(salt: str, expires: bool) -> signing.Signer:
    return signing.TimestampSigner(salt=salt) if expires else signing.Signer(salt=salt)


def sign(salt: str, value: str, *, expires: bool = False) -> str:
    """Sign a string (e.g. a random public id); timestamped when it must expire."""
    return _signer(salt, expires).sign(value)


def unsign(salt: str, token: str, *, max_age: int | None = None, expired: str = "") -> str:
    """The string signed in ``token``; with ``max_age`` (seconds) it must also be that fresh."""
    try:
        if max_age is None:
            return signing.Signer(salt=salt).unsign(token)
        return signing.TimestampSigner(salt=salt).unsign(token, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise LinkError("expired", expired or EXPIRED_MESSAGE) from exc
    except (signing.BadSignature, ValueError, UnicodeDecodeError) as exc:
        raise invalid() from exc


def sign_object(salt: str, payload: dict[str, Any]) -> str:
    """Sign a small JSON object with a timestamp (links that expire)."""
    return signing.TimestampSigner(salt=salt).sign_object(payload)


def unsign_object(salt: str, token: str, *, max_age: int, expired: str = "") -> dict[str, Any]:
    """The object signed in ``token`` if it is at most ``max_age`` seconds old."""
    try:
        data = signing.TimestampSigner(salt=salt).unsign_object(token, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise LinkError("expired", expired or EXPIRED_MESSAGE) from exc
    except (signing.BadSignature, ValueError, UnicodeDecodeError) as exc:
        raise invalid() from exc
    if not isinstance(data, dict):
        raise invalid()
    return data


def new_nonce() -> str:
    """A random single-use value to store beside a link."""
    return secrets.token_urlsafe(24)


def same_secret(stored: str, given: str) -> bool:
    """Compare secrets in constant time."""
    return hmac.compare_digest(stored.encode(), given.encode())
