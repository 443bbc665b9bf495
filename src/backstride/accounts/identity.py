"""One spelling of an email address: what we store, look people up by, and rate-limit on.

If the login found an account by one spelling while django-axes counted failures under
another, changing the case of a letter (or adding a space) would start a fresh count. So
every path (sign-up, login, admin, lockout) goes through :func:`normalise_email`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.http import HttpRequest


def normalise_email(value: str) -> str:
    """Strip spaces and case-fold the whole address (NFKC, as IDNA does for the domain).

    The local part is case-folded too: no mail provider people use tells ``Bf`` from ``bf``,
    and one person must have one identity. Django's EmailValidator only accepts ASCII local
    parts; for an internationalised domain, case folding matches what IDNA 2003 (which
    Django's mail sending uses) does to it.
    """
    return unicodedata.normalize("NFKC", value.strip().casefold())


def axes_username(request: HttpRequest, credentials: Mapping[str, Any] | None) -> str | None:
    """The identity django-axes counts failures under (``AXES_USERNAME_CALLABLE``)."""
    field = settings.AXES_USERNAME_FORM_FIELD
    value = credentials.get(field) if credentials else None
    if value is None:
        value = getattr(request, "POST", {}).get(field)
    return normalise_email(value) if isinstance(value, str) else None
