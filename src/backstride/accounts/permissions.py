"""One permission layer, used by web views and the API alike."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse

from . import audit
from .models import CareLink, User

View = Callable[..., HttpResponse]


def can_view_athlete(viewer: Any, athlete: User) -> bool:
    """The athlete themself, or a clinician with an active, consented care link."""
    if not getattr(viewer, "is_authenticated", False):
        return False
    if viewer.pk == athlete.pk:
        return True
    if viewer.role == User.Role.CLINICIAN:
        return CareLink.objects.active().filter(clinician=viewer, athlete=athlete).exists()
    return False


def viewable_athlete(
    request: HttpRequest, athlete_id: int, *, what: str, action: str = audit.Action.READ
) -> User | None:
    """The person with this id when the requester may see their ``what``, else None (404).

    Every look at someone else's record is written to the access log, and so is every refused
    attempt on a person who exists, so nobody reads a client's data without an entry.
    """
    viewer = request.user
    athlete = User.objects.filter(pk=athlete_id).first()
    if athlete is None:
        return None
    allowed = can_view_athlete(viewer, athlete)
    if viewer.is_authenticated and viewer.pk != athlete.pk:
        audit.record(
            viewer,
            athlete,
            what=what,
            action=action if allowed else audit.Action.REFUSED,
            request=request,
        )
    return athlete if allowed else None


class NoSuchAthlete(Http404):
    """Nobody by that id, or nobody the requester may see: the same answer for both."""


def athlete_or_404(
    request: HttpRequest, athlete_id: int, *, what: str, action: str = audit.Action.READ
) -> User:
    """:func:`viewable_athlete`, or :class:`NoSuchAthlete` (a 404 on pages and in the API)."""
    athlete = viewable_athlete(request, athlete_id, what=what, action=action)
    if athlete is None:
        raise NoSuchAthlete("No such athlete.")
    return athlete


@dataclass(frozen=True)
class Scope:
    """Whose records a page shows: the athlete's own (changeable), or a client's to a
    clinician they share with (read-only). ``app`` is the URL namespace, in which each page
    ``name`` has a ``client_<name>`` twin taking the athlete's id first."""

    app: str
    owner: Any
    read_only: bool

    @classmethod
    def own(cls, app: str, request: HttpRequest) -> Scope:
        return cls(app, request.user, read_only=False)

    @classmethod
    def client(cls, app: str, request: HttpRequest, athlete_id: int, what: str) -> Scope:
        """The athlete ``athlete_id`` if the requester may see their ``what`` (logged); else 404."""
        athlete = athlete_or_404(request, athlete_id, what=what)
        return cls(app, athlete, read_only=athlete.pk != request.user.pk)

    def url(self, name: str, *args: Any) -> str:
        """The page ``name`` as this viewer reaches it."""
        if self.read_only:
            return reverse(f"{self.app}:client_{name}", args=[self.owner.pk, *args])
        return reverse(f"{self.app}:{name}", args=args)

    def list_url(self) -> str:
        return self.url("list")

    def detail_url(self, record: Any) -> str:
        return self.url("detail", record.pk)


def clients_of(clinician: User) -> list[User]:
    """Athletes who currently share their record with this clinician."""
    ids = CareLink.objects.active().filter(clinician=clinician).values_list("athlete_id", flat=True)
    return list(User.objects.filter(pk__in=ids))


def can_edit_content(user: Any) -> bool:
    """Editors and admins write articles, episodes and newsletters."""
    return bool(getattr(user, "is_authenticated", False)) and (
        user.role in {User.Role.EDITOR, User.Role.ADMIN} or user.is_superuser
    )


def user_in_role(request: HttpRequest, *roles: str, refusal: str, admins: bool = False) -> User:
    """The signed-in user if their role is one of ``roles`` (or, with ``admins``, they are an
    admin); otherwise ``PermissionDenied(refusal)``, a 403 with that message in the API."""
    user = request.user
    assert isinstance(user, User)
    if user.role in roles or (admins and user.is_admin_role):
        return user
    raise PermissionDenied(refusal)


def role_required(*roles: str) -> Callable[[View], View]:
    """Allow only signed-in users with one of ``roles`` (admins always pass)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            assert isinstance(user, User)
            if user.role not in roles and not user.is_admin_role:
                raise PermissionDenied("Your account does not have access to this page.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


athlete_required = role_required(User.Role.ATHLETE)
