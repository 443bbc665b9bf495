"""Who may use the site right now: one rule for browser sessions, API sessions and API tokens.

``RequireTwoFactorMiddleware`` (pages) and ``backstride.api.auth`` (the API) both ask
:func:`access_refusal`; they differ only in how they answer (a redirect or a JSON 403).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

DEMO_REFUSED = (
    "Demo accounts only work in a development install (with DEBUG on). This site is not "
    "one, so demo logins are switched off: use your own account."
)


class Reason(enum.Enum):
    DEMO_ACCOUNT = "demo_account"
    TWO_FACTOR_REQUIRED = "two_factor_required"


@dataclass(frozen=True)
class Refusal:
    """Why a signed-in person may not go on, in words they understand."""

    reason: Reason
    message: str


def two_factor_required_message() -> str:
    """What a clinician, editor or admin without two-factor sign-in is told."""
    setup = settings.SITE_URL + reverse("accounts:two_factor_setup")
    return (
        "Your account (clinician, editor or administrator) needs two-factor sign-in on "
        f"this site. Set up an authenticator app at {setup} and sign in with its code; "
        "until then your account cannot read data through the API or the pages."
    )


def has_confirmed_device(user: Any) -> bool:
    """True when ``user`` has finished setting up an authenticator app."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def access_refusal(user: Any, *, second_factor: bool) -> Refusal | None:
    """Why ``user`` may not use the site now, or None when they may.

    ``second_factor`` says whether this request passed two-factor: for a browser session,
    that the session was verified with a code; for an API token (which cannot carry a
    code), that the account has a confirmed authenticator app.
    """
    if not getattr(user, "is_authenticated", False):
        return None
    if getattr(user, "demo_refused", False):
        return Refusal(Reason.DEMO_ACCOUNT, DEMO_REFUSED)
    if settings.REQUIRE_2FA_FOR_STAFF and user.needs_two_factor and not second_factor:
        return Refusal(Reason.TWO_FACTOR_REQUIRED, two_factor_required_message())
    return None


def session_passed_two_factor(user: Any) -> bool:
    """True when this browser session was verified with an authenticator code (django-otp)."""
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified()) if callable(is_verified) else False
