"""Formatting of distances, durations and paces for people (not for machines)."""

from __future__ import annotations

from django import template

register = template.Library()


def format_duration(seconds: float | None) -> str:
    """1:02:03 for an hour or more, 45:07 below; "—" when unknown."""
    if seconds is None:
        return "—"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def format_pace(seconds_per_km: float | None) -> str:
    """5:30 /km; "—" when there is no meaningful pace."""
    if not seconds_per_km or seconds_per_km <= 0 or seconds_per_km > 99 * 60:
        return "—"
    minutes, secs = divmod(round(seconds_per_km), 60)
    return f"{minutes}:{secs:02d} /km"


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
    from backstride.activities.services import this_week

    return this_week(user)
