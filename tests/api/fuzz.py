"""schemathesis against /api/openapi.json, shared by the anonymous and the athlete runs (two
files, so the test runner can give them to two workers).

Generated requests, valid and invalid, go to every operation through the real WSGI
application and the test database. Checks: no server error (5xx), and every documented
answer matches its schema and content type. Examples are bounded (``MAX_EXAMPLES`` per
operation, no shrinking, a fixed seed) so each run stays around a minute.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings

from backstride.api.api import api
from tests.deps import missing_dependency

try:
    import schemathesis
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
    )
except ImportError:  # pragma: no cover - the dev extra installs it
    missing_dependency("schemathesis is not installed: pip install -e '.[dev]'")

MAX_EXAMPLES = 6
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}

BOUNDED = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as found
    suppress_health_check=list(HealthCheck),
    derandomize=True,  # the same examples on every run, so CI is repeatable
    database=None,
)


def operations() -> list[tuple[str, str]]:
    """Every (METHOD, path) in the API's schema: one test each, so a failure names it."""
    paths = api.get_openapi_schema()["paths"]
    return [(m.upper(), p) for p, ops in paths.items() for m in ops if m in HTTP_METHODS]


OPERATIONS = operations()


def served_schema() -> Iterator[Any]:
    """The schema as /api/openapi.json serves it, bound to the WSGI application.

    Like Django's test client, requests keep the test's database connection open (a real
    server closes it after each request, which would end the test's transaction).
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def run_operation(schema: Any, method: str, path: str, headers: dict[str, str]) -> None:
    """Send ``MAX_EXAMPLES`` generated requests (valid and invalid) and check each answer."""
    operation = schema[path][method]
    strategy = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(
        GenerationMode.NEGATIVE
    )

    @given(case=strategy)
    @BOUNDED
    def check(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    check()
