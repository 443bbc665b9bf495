"""schemathesis with an athlete's read-and-write token (the athlete shares with a clinician,
so client paths have someone to find): no server errors, no schema violations. See
``fuzz.py``."""

from __future__ import annotations

from typing import Any

import pytest

from backstride.api.models import ApiToken
from tests.api.fuzz import OPERATIONS, run_operation

pytestmark = pytest.mark.django_db


@pytest.fixture
def athlete_token(athlete: Any, clinician: Any) -> str:
    return ApiToken.issue(athlete, "schemathesis", scope="write")[1]


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_with_an_athletes_token(
    api_schema: Any, athlete_token: str, method: str, path: str
) -> None:
    run_operation(api_schema, method, path, {"Authorization": f"Bearer {athlete_token}"})
