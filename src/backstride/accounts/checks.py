"""System checks for accounts (``backstride check --deploy``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, register
from django.core.checks import Warning as CheckWarning
from django.db import DatabaseError

DEMO_ACCOUNTS_PRESENT = "backstride.accounts.W001"


@register(Tags.security, deploy=True)
def demo_accounts_present(
    app_configs: Sequence[Any] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Warn when demo accounts (public password) are in the database of a live site.

    They cannot sign in while DEBUG is off, but they have no business there.
    """
    if settings.DEBUG:
        return []
    from .models import User

    try:
        emails = list(User.objects.filter(is_demo=True).values_list("email", flat=True))
    except DatabaseError:  # not migrated yet, or no database: nothing to report
        return []
    if not emails:
        return []
    return [
        CheckWarning(
            f"The database holds {len(emails)} demo account"
            f"{'' if len(emails) == 1 else 's'} ({', '.join(emails)}) with the public demo "
            "password. They are refused while DEBUG is off, but they do not belong on a "
            "live site.",
            hint="Delete them in /admin/ (Users, filter by “demo account”).",
            id=DEMO_ACCOUNTS_PRESENT,
        )
    ]
