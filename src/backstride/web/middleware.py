"""Response headers every page carries; a request id on every request and its log lines."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from backstride.lib import logs


class PermissionsPolicyMiddleware:
    """Add ``Permissions-Policy`` (settings.PERMISSIONS_POLICY): features no page needs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


#: What a request id taken from a trusted proxy may look like (UUIDs, hex, AWS/Heroku ids).
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:=+/@-]{1,128}")
#: URL parameters whose values are secrets (signed links): never written to the log.
_SECRET_URL_KWARGS = ("token",)

request_log = logging.getLogger("backstride.request")


class RequestIdMiddleware:
    """Give every request an id, put it on every log line and in ``X-Request-ID``, and log
    one structured line per request (method, path, view, status, duration).

    The id comes from the request's ``X-Request-ID`` only when ``TRUST_X_REQUEST_ID`` is on
    (a proxy in front sets or overwrites it) and it looks like an id; otherwise a new one is
    made, so a client cannot forge ids or inject text into the logs.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "") if settings.TRUST_X_REQUEST_ID else ""
        rid = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        request.request_id = rid  # type: ignore[attr-defined]
        token = logs.request_id.set(rid)
        start = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = rid
            match = request.resolver_match
            path = request.path
            for key in _SECRET_URL_KWARGS:
                if match and match.kwargs.get(key):
                    path = path.replace(str(match.kwargs[key]), "[redacted]")
            request_log.info(
                "%s %s %s",
                request.method,
                path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": path,
                    "view": match.view_name if match else None,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - start) * 1000, 1),
                },
            )
            return response
        finally:
            logs.request_id.reset(token)
