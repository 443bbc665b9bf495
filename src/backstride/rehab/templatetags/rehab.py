"""``{% rehab_today user as today %}``: the dashboard card's data, from the rehab services."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import template

if TYPE_CHECKING:
    from backstride.rehab.guide import TodayCard

register = template.Library()


@register.simple_tag
def rehab_today(user: Any) -> TodayCard | None:
    from backstride.rehab.guide import today_summary

    if not getattr(user, "is_authenticated", False):
        return None
    return today_summary(user)
