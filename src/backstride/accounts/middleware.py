"""Request middleware: two-factor enforcement for staff roles, and the user's time zone."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

ALLOWED_PREFIXES = ("/accounts/", "/static/", "/healthz", "/media/", "/favicon")


class RequireTwoFactorMiddleware:
    """Clinicians, editors and admins must pass two-factor when it is enforced."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            settings.REQUIRE_2FA_FOR_STAFF
            and user.is_authenticated
            and getattr(user, "needs_two_factor", False)
            and not getattr(user, "is_verified", lambda: False)()
            and not request.path.startswith(ALLOWED_PREFIXES)
        ):
            return redirect("accounts:two_factor_setup")
        return self.get_response(request)


class UserTimezoneMiddleware:
    """Show times in the signed-in person's own time zone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            timezone.activate(user.tzinfo)  # type: ignore[union-attr]
        else:
            timezone.deactivate()
        return self.get_response(request)
