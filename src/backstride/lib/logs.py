"""Structured logs: one JSON object per line, carrying the id of the request being served.

Standard :mod:`logging` only (docs/decisions.md): :class:`JsonFormatter` turns a record into
JSON, and :data:`request_id` (a context variable set by
``backstride.web.middleware.RequestIdMiddleware``) puts the request id on every line logged
while that request is served, from any module. No Django import here, so gunicorn's own
logger can use the same formatter.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

#: The id of the request this thread is serving ("" outside a request).
request_id: ContextVar[str] = ContextVar("request_id", default="")

# Attributes every LogRecord has; anything else on a record came from ``extra=`` and is kept.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
# Extra attributes that are objects, not values (Django's ``request``, gunicorn's ``server``).
_DROPPED = {"request", "server", "request_id"}


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", "request_id", …extra fields, "exc"}``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        # Django logs some responses (4xx, 5xx) after the middleware is done, with the
        # request in ``extra``: its id still identifies the line.
        request = getattr(record, "request", None)
        rid = (
            getattr(record, "request_id", "")
            or request_id.get()
            or getattr(request, "request_id", "")
        )
        if rid and rid != "-":
            entry["request_id"] = rid
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry and key not in _DROPPED:
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record, for text formats that print ``%(request_id)s``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            request = getattr(record, "request", None)
            record.request_id = request_id.get() or getattr(request, "request_id", "") or "-"
        return True


def logging_config(fmt: str, root_level: str, app_level: str) -> dict[str, Any]:
    """The ``LOGGING`` dict: ``fmt`` is ``json`` (one object per line) or ``text``."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "backstride.lib.logs.RequestIdFilter"}},
        "formatters": {
            "json": {"()": "backstride.lib.logs.JsonFormatter"},
            "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": fmt,
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": root_level},
        "loggers": {"backstride": {"level": app_level}},
    }
