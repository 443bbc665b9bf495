"""``{% plan_changes_notice user as notice %}``: the tailoring changes an athlete has not
dismissed yet, for the notice on their Today page."""

from __future__ import annotations

from typing import Any

from django import template

from backstride.clinic.models import TailoringChange
from backstride.clinic.services import unseen_changes

register = template.Library()


@register.simple_tag
def plan_changes_notice(user: Any) -> list[TailoringChange]:
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_athlete", False):
        return []
    return unseen_changes(user)
