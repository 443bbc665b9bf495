"""Fixtures for the API tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def api_schema(db: None, media_root: Path) -> Iterator[Any]:
    """/api/openapi.json loaded by schemathesis, bound to the WSGI application."""
    from tests.api.fuzz import served_schema

    yield from served_schema()
