"""Formatting of distances, durations and paces for people (not for machines)."""

from __future__ import annotations

from django import template

# Shared with `backstride activity stats`, which prints them without Django.
from backstride.activities.training_load import this_week
from backstride.core.tracks.cli import format_duration, format_pace

__all__ = ["format_duration", "format_pace", "register"]

register = template.Library()


@register.filter
def duration(seconds: float | None) -> str:
    return format_duration(seconds)


@register.filter
def pace(seconds_per_km: float | None) -> str:
    return format_pace(seconds_per_km)


@register.filter
def km(metres: float | None, places: int = 2) -> str:
    if metres is None:
        return "—"
    return f"{metres / 1000.0:.{int(places)}f}"


@register.filter
def whole(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.0f}"


@register.filter
def activities_week(user: object) -> dict[str, object]:
    """This week's running figures for the dashboard card."""
    return this_week(user)
