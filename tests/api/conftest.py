"""Fixtures for the API tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    """Uploads and originals in the test's own folder."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def api_schema(db: None, media_root: Path) -> Iterator[Any]:
    """/api/openapi.json loaded by schemathesis, bound to the WSGI application."""
    from tests.api.fuzz import served_schema

    yield from served_schema()
