"""The access log: who read or changed an athlete's health data, when, and from where.

Every path to another person's record goes through :func:`backstride.accounts.permissions.
viewable_athlete`, which calls :func:`record` whether access was allowed or refused, so a
clinician cannot read a client's record without an entry appearing. The athlete reads their
own log on "Who looked at my data"; the athlete's own reads are not logged.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from backstride.lib import logs

from .models import AuditEvent, User

Action = AuditEvent.Action
Channel = AuditEvent.Channel


def actor_label(actor: Any) -> str:
    """How the athlete sees the reader: their name and role ("Dr Ann Lee, clinician")."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "Someone not signed in"
    role = User.Role(actor.role).label.lower() if actor.role else "user"
    return f"{actor.display_name}, {role}"


def channel_of(request: HttpRequest | None) -> str:
    if request is None:
        return Channel.TASK
    path = request.path
    if path.startswith("/api/"):
        return Channel.API
    if path.startswith("/admin/"):
        return Channel.ADMIN
    return Channel.WEB


def record(
    actor: Any,
    athlete: User,
    *,
    what: str,
    action: str = Action.READ,
    request: HttpRequest | None = None,
    channel: str | None = None,
) -> AuditEvent | None:
    """Log ``actor``'s access to ``athlete``'s ``what``; nothing when it is the athlete."""
    if getattr(actor, "pk", None) == athlete.pk:
        return None
    ip = request.META.get("REMOTE_ADDR") if request is not None else None
    return AuditEvent.objects.create(
        athlete=athlete,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=actor_label(actor),
        action=action,
        channel=channel or channel_of(request),
        what=what[:120],
        path=(request.get_full_path() if request is not None else "")[:300],
        ip=ip or None,
        request_id=logs.request_id.get()[:64],
    )


def changed(
    actor: Any, athlete: User, what: str, request: HttpRequest | None = None
) -> AuditEvent | None:
    """Log that ``actor`` changed ``athlete``'s ``what`` (a note, a pause, their protocol)."""
    return record(actor, athlete, what=what, action=Action.CHANGE, request=request)
