"""Request middleware: who may use the site (demo accounts, staff two-factor), time zones."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from .policy import Reason, access_refusal, session_passed_two_factor

ALLOWED_PREFIXES = ("/accounts/", "/static/", "/healthz", "/media/", "/favicon")
# The API answers for itself, in JSON, with the same rule (backstride.api.auth).
API_PREFIX = "/api/"
LOGIN_NOTICE_KEY = "login_notice"


class RequireTwoFactorMiddleware:
    """Apply ``policy.access_refusal`` to browser sessions.

    A demo account's session ends when DEBUG is off. Clinicians, editors and admins whose
    session has not passed two-factor (when enforced) are sent to set it up.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        refusal = access_refusal(user, second_factor=session_passed_two_factor(user))
        is_api = request.path.startswith(API_PREFIX)
        if refusal is not None and refusal.reason is Reason.DEMO_ACCOUNT:
            logout(request)
            if not is_api:
                # The message middleware runs after this one: the login page shows it.
                request.session[LOGIN_NOTICE_KEY] = refusal.message
                return redirect("accounts:login")
        elif (
            refusal is not None
            and refusal.reason is Reason.TWO_FACTOR_REQUIRED
            and not is_api
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
