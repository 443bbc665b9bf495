"""Small template helpers shared by every app."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import select_template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def optional_include(context: template.Context, name: str, **extra: Any) -> SafeString:
    """Include a template if it exists (apps may or may not provide a partial)."""
    try:
        tpl = select_template([name])
    except template.TemplateDoesNotExist:
        return mark_safe("")
    flat = context.flatten()
    flat.update(extra)
    request = context.get("request")
    return mark_safe(tpl.render(flat, request))
