"""Template helpers for the publication pages."""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from backstride.core.publication.podcast import format_itunes_duration

register = template.Library()

_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag
def json_ld(data: Any) -> SafeString:
    """A ``<script type="application/ld+json">`` block, escaped so it cannot end early."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True).translate(_JSON_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))


@register.filter
def duration(seconds: float | int | None) -> str:
    """``12:34`` or ``1:02:03``."""
    return format_itunes_duration(seconds or 0)


@register.filter
def minutes_label(seconds: float | int | None) -> str:
    total = round(seconds or 0)
    if total < 60:
        return f"{total} sec"
    return f"{round(total / 60)} min"
