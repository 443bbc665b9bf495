"""What we keep about people, and in what form.

* Addresses in suppression lists, consent history of erased people and the rate-limit
  ledger are stored only as a keyed hash (HMAC-SHA256 with a key derived from
  ``SECRET_KEY``; old keys in ``SECRET_KEY_FALLBACKS`` still match).
* IP addresses are never stored whole: consent records keep the network prefix
  (IPv4 /24, IPv6 /48), the rate-limit ledger a keyed hash for at most 24 hours.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.crypto import salted_hmac

from backstride.lib.network import client_ip, ip_prefix

__all__ = ["client_ip", "email_hash", "email_hashes", "ip_prefix", "key_hash"]

_EMAIL_SALT = "backstride.newsletter.email-hash"
_KEY_SALT = "backstride.newsletter.rate-key"


def email_hash(email: str, secret: str | None = None) -> str:
    return salted_hmac(
        _EMAIL_SALT, email.strip().lower(), secret=secret, algorithm="sha256"
    ).hexdigest()


def email_hashes(email: str) -> list[str]:
    """The hash under the current key and under every fallback key (for lookups)."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [email_hash(email, s) for s in secrets]


def key_hash(value: str) -> str:
    return salted_hmac(_KEY_SALT, value, algorithm="sha256").hexdigest()
