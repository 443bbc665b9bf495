"""Every error the API answers, in one place: a JSON body ``{"detail": ...}``, never a page.

=====  =====================================================================================
401    no token or session, or a token that is wrong, expired, revoked or outdated
403    not allowed (a read-only token asked to change something, a role that may not)
404    no such thing, or a path the API does not have
405    a method the path does not take
409    not yet: the athlete must first do something else (consent, the self-assessment, a
       safety screen), named in the message
413    a body larger than the API accepts (``DATA_UPLOAD_MAX_MEMORY_SIZE`` for JSON and form
       fields; each upload endpoint's own cap for files), or too many fields or files
422    a body that is not JSON, or values that do not validate
503    a store the request needs is down (the file store for an upload): try again later
=====  =====================================================================================

Anything unexpected is logged and answered 500 with a JSON body too; the tests (including
schemathesis) treat any 500 as a bug.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core import signals
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver, re_path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError

from backstride.accounts.permissions import NoSuchAthlete

logger = logging.getLogger("backstride.api")

NOT_FOUND = "Not found."
NO_SUCH_PATH = "The API has no such path. The list of paths is at /api/docs."
SIGN_IN = (
    "Send an API token (Authorization: Bearer <token>) or sign in. "
    "Create a token on the API tokens page."
)
NOT_JSON = "The request body is not valid JSON"
SERVER_ERROR = "Something went wrong on our side. It has been logged; please try again later."


def megabytes(size: int) -> str:
    """``5 MB``, ``1.5 MB``, ``512 KB``: a byte count as a person reads it."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    mb = size / (1024 * 1024)
    return f"{mb:.0f} MB" if mb == int(mb) else f"{mb:.1f} MB"


def too_large_message() -> str:
    """The 413 message for a JSON or form body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return f"The request body is too large: this API accepts at most {megabytes(limit)}."


def error(status: int, detail: Any, **headers: str) -> JsonResponse:
    """The API's error response: ``{"detail": detail}`` with ``status``."""
    response = JsonResponse({"detail": detail}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


# --- Exception handlers ----------------------------------------------------------------------
def _http_error(request: HttpRequest, exc: Any) -> HttpResponse:
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        return error(422, _not_json(exc.__cause__))
    if isinstance(exc, AuthenticationError) or exc.status_code == 401:
        message = SIGN_IN if str(exc) == "Unauthorized" else str(exc)
        return error(401, message, WWW_Authenticate='Bearer realm="api"')
    return error(exc.status_code, str(exc))


def _not_json(cause: BaseException | None) -> str:
    """Where a body stops being JSON, for the 422 message."""
    if cause is not None and hasattr(cause, "lineno") and hasattr(cause, "colno"):
        return f"{NOT_JSON}: {cause.msg} at line {cause.lineno}, column {cause.colno}."  # type: ignore[attr-defined]
    if isinstance(cause, UnicodeDecodeError):
        return f"{NOT_JSON}: it is not UTF-8 text."
    return f"{NOT_JSON}."


def _not_found(request: HttpRequest, exc: Any) -> HttpResponse:
    # Django's own 404 messages name models ("No Activity matches…"): only ours are shown.
    return error(404, str(exc) if isinstance(exc, NoSuchAthlete) else NOT_FOUND)


def _forbidden(request: HttpRequest, exc: Any) -> HttpResponse:
    return error(403, str(exc) or "You may not do this.")


def _too_large(request: HttpRequest, exc: Any) -> HttpResponse:
    if isinstance(exc, TooManyFilesSent):
        most = settings.DATA_UPLOAD_MAX_NUMBER_FILES
        return error(413, f"Too many files in one request: send at most {most}.")
    if isinstance(exc, TooManyFieldsSent):
        most = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        return error(413, f"Too many form fields in one request: send at most {most}.")
    return error(413, too_large_message())


def _suspicious(request: HttpRequest, exc: Any) -> HttpResponse:
    logger.warning("api: refused a malformed request to %s: %s", request.path, exc)
    return error(400, "This request is malformed and was not accepted.")


def _unexpected(request: HttpRequest, exc: Any) -> HttpResponse:
    logger.exception("api: unexpected error on %s %s", request.method, request.path)
    # The test client re-raises what this signal reports, so a test sees the real error.
    signals.got_request_exception.send(sender=None, request=request)
    return error(500, SERVER_ERROR)


def install_handlers(api: NinjaAPI) -> None:
    """Register the handlers above on ``api`` (the most specific class wins)."""
    api.add_exception_handler(Exception, _unexpected)
    api.add_exception_handler(HttpError, _http_error)
    api.add_exception_handler(Http404, _not_found)
    api.add_exception_handler(PermissionDenied, _forbidden)
    api.add_exception_handler(SuspiciousOperation, _suspicious)
    for too_large in (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
        api.add_exception_handler(too_large, _too_large)


# --- Responses made outside an operation -----------------------------------------------------
def json_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Turn an error response that is not JSON (ninja's bare 405) into ``{"detail": ...}``."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code < 400 or response.get("Content-Type", "").startswith(
            "application/json"
        ):
            return response
        if response.status_code == 405:
            allowed = response.get("Allow", "")
            fixed = error(405, f"This path does not take {request.method}; it takes {allowed}.")
            fixed["Allow"] = allowed
            return fixed
        return error(response.status_code, response.reason_phrase + ".")

    return wrapper


@csrf_exempt
def no_such_path(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any path under /api/ that no operation has."""
    return error(404, NO_SUCH_PATH)


def wrap_patterns(patterns: list[URLPattern | URLResolver]) -> list[URLPattern | URLResolver]:
    """``patterns`` with every view wrapped in :func:`json_errors`, and a JSON 404 last."""
    wrapped: list[URLPattern | URLResolver] = []
    for p in patterns:
        if isinstance(p, URLPattern):
            p = URLPattern(p.pattern, json_errors(p.callback), p.default_args, p.name)
        wrapped.append(p)
    wrapped.append(re_path(r"^(?P<rest>.*)$", no_such_path))
    return wrapped


class BackstrideAPI(NinjaAPI):
    """``NinjaAPI`` whose every error, inside an operation or not, is ``{"detail": ...}``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        install_handlers(self)

    def _get_urls(self) -> list[URLPattern | URLResolver]:
        return wrap_patterns(super()._get_urls())
