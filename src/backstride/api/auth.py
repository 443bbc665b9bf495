"""API authentication: a personal bearer token, or the browser session (with CSRF).

Both apply ``backstride.accounts.policy.access_refusal``, the rule the pages use too: no demo
account when DEBUG is off, and two-factor for clinicians, editors and admins when enforced.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.errors import AuthenticationError, AuthorizationError
from ninja.security import HttpBearer, SessionAuth

from backstride.accounts.policy import (
    access_refusal,
    has_confirmed_device,
    session_passed_two_factor,
)

from .models import ApiToken

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
READ_ONLY_MESSAGE = "This token can only read. Create a read-and-write token to make changes."


class TokenAuth(HttpBearer):
    """``Authorization: Bearer bst_…``; 401 for an unknown, expired or outdated token, 403 if
    refused (or a read-only token asked to change something)."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = ApiToken.find(token)
        if found is None:
            raise AuthenticationError(message=ApiToken.refusal(token))
        if found.role_changed:
            raise AuthenticationError(message=found.role_change_message)
        if found.scope == ApiToken.Scope.READ and request.method not in SAFE_METHODS:
            raise AuthorizationError(message=READ_ONLY_MESSAGE)
        user = found.user
        # A token cannot carry a one-time code: the account must have a confirmed device.
        refusal = access_refusal(user, second_factor=has_confirmed_device(user))
        if refusal is not None:
            raise AuthorizationError(message=refusal.message)
        found.mark_used()
        request.user = user
        request.api_token = found  # type: ignore[attr-defined]
        return user


class PolicySessionAuth(SessionAuth):
    """The browser session; staff sessions must have passed two-factor, as on the pages."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is None:
            return None
        refusal = access_refusal(user, second_factor=session_passed_two_factor(user))
        if refusal is not None:
            raise AuthorizationError(message=refusal.message)
        return user


api_auth = [TokenAuth(), PolicySessionAuth()]


def require_scope(request: HttpRequest, scope: str) -> None:
    """Refuse (403) unless the request may act with ``scope`` ("read" or "write").

    Token auth already refuses every non-GET request made with a read-only token, so an
    operation needs this only when a GET changes something. A browser session may do
    everything its owner may.
    """
    if scope not in ApiToken.Scope.values:
        raise ValueError(f"unknown scope {scope!r}")
    token: ApiToken | None = getattr(request, "api_token", None)
    if scope == ApiToken.Scope.WRITE and token is not None and token.scope != scope:
        raise AuthorizationError(message=READ_ONLY_MESSAGE)


def require_write(request: HttpRequest) -> None:
    """``require_scope(request, "write")``."""
    require_scope(request, ApiToken.Scope.WRITE)
