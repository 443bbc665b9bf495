"""``{% rehab_today user as today %}``: the dashboard card's data, from the rehab services."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag
def rehab_today(user: Any) -> dict[str, Any]:
    from backstride.rehab.guide import today_summary

    if not getattr(user, "is_authenticated", False):
        return {}
    return today_summary(user)
