"""schemathesis, anonymous: every operation answers generated requests with a documented
error body (401 and the like), never a server error. See ``fuzz.py``."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.fuzz import OPERATIONS, run_operation

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_anonymous(api_schema: Any, method: str, path: str) -> None:
    run_operation(api_schema, method, path, {})


def test_every_operation_is_covered() -> None:
    assert len(OPERATIONS) > 20
    assert ("POST", "/api/activities/imports/") in OPERATIONS
    assert ("GET", "/api/me") in OPERATIONS
