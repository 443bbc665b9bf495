"""Email address checks for signup: syntax, obviously disposable domains, common typos."""

from __future__ import annotations

from disposable_email_domains import blocklist
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

#: Throwaway-inbox domains, from the maintained disposable-email-domains package (MIT,
#: updated with each release); the double opt-in catches the ones it misses.
DISPOSABLE_DOMAINS: frozenset[str] = frozenset(blocklist)

#: Frequent slips of the finger on the biggest mailbox providers.
TYPO_DOMAINS = {
    "gmial.com": "gmail.com",
    "gmai.com": "gmail.com",
    "gamil.com": "gmail.com",
    "gnail.com": "gmail.com",
    "gmail.con": "gmail.com",
    "gmail.co": "gmail.com",
    "gmail.cm": "gmail.com",
    "hotmial.com": "hotmail.com",
    "hotmal.com": "hotmail.com",
    "hotmail.con": "hotmail.com",
    "outlok.com": "outlook.com",
    "outlook.con": "outlook.com",
    "yaho.com": "yahoo.com",
    "yahoo.con": "yahoo.com",
    "iclod.com": "icloud.com",
    "icloud.con": "icloud.com",
}

_syntax = EmailValidator(
    message="That doesn't look like an email address. It should look like name@example.com.",
    allowlist=[],
)


def normalise(address: str) -> str:
    """Trim and lower-case (mailbox providers treat addresses case-insensitively in practice)."""
    return address.strip().lower()


def check_address(address: str) -> str:
    """Return the normalised address or raise ``ValidationError`` with a helpful message."""
    email = normalise(address)
    _syntax(email)
    local, _, domain = email.rpartition("@")
    if "." not in domain or domain.endswith(".") or len(local) > 64:
        raise ValidationError(
            "That doesn't look like an email address. It should look like name@example.com.",
            code="invalid",
        )
    if domain in TYPO_DOMAINS:
        raise ValidationError(
            f"Did you mean {local}@{TYPO_DOMAINS[domain]}? Please check the address.",
            code="typo",
        )
    parts = domain.split(".")
    if any(".".join(parts[i:]) in DISPOSABLE_DOMAINS for i in range(len(parts) - 1)):
        raise ValidationError(
            "That looks like a temporary inbox. Please use an address you'll still read next "
            "week — the manual and the weekly email go there.",
            code="disposable",
        )
    return email
