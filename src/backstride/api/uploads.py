"""File uploads through the API: refuse an over-large body with 413 before anything reads it.

Use on an operation that takes multipart files::

    @router.post("/imports/", ...)
    @decorate_view(capped_body(lambda: settings.X_MAX_BYTES, lambda: "That upload is too large."))
    def upload(request): ...
        refuse_if_over_cap(request, message)  # after reading request.FILES

The declared ``Content-Length`` is checked first (answered without reading the body); a body
sent without one, or longer than declared, stops being read at the limit.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja.errors import HttpError

from backstride.lib.uploads import UploadCapHandler, install_cap

from .errors import error

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def capped_body(
    limit: Callable[[], int], message: Callable[[], str]
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A ``decorate_view`` decorator: at most ``limit()`` bytes of files, else 413 ``message()``.

    It runs before authentication, which may already read a form body (the CSRF check).
    """

    def decorator(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(run)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in BODY_METHODS:
                cap = install_cap(request, limit())
                if cap is None:
                    return error(413, message())
                request._api_upload_cap = cap  # type: ignore[attr-defined]
            return run(request, *args, **kwargs)

        return wrapper

    return decorator


def refuse_if_over_cap(request: HttpRequest, message: str) -> None:
    """Raise 413 if the body passed the cap while it was read (call after reading the files)."""
    cap: UploadCapHandler | None = getattr(request, "_api_upload_cap", None)
    if cap is not None and cap.exceeded:
        raise HttpError(413, message)


def multipart_body(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    """``openapi_extra`` for an operation that reads a multipart form (files and fields) from
    ``request.FILES``/``request.POST`` itself, so the schema shows the form's fields."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {"type": "object", "required": required, "properties": properties}
                }
            },
        }
    }
