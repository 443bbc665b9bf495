"""One way to build a personal email from a pair of templates (``NAME.txt`` and ``NAME.html``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def templated_email(
    template: str, subject: str, to: str, context: dict[str, Any], **headers: Any
) -> EmailMultiAlternatives:
    """The plain-text body from ``template + ".txt"`` and the HTML alternative from
    ``template + ".html"``, both rendered with ``context`` plus ``site_name``; ``headers``
    go to :class:`EmailMultiAlternatives` (``reply_to=[...]``, for instance)."""
    context = {"site_name": settings.SITE_NAME, **context}
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{template}.txt", context),
        to=[to],
        **headers,
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message
