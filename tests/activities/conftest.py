"""Fixtures for the activities tests: a private media folder and small builders."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _private_media(media_root: Path) -> None:
    """Each test stores uploads and originals in its own folder: tests/conftest.py's media_root."""


def make_activity(user: Any, **fields: Any) -> Any:
    """An activity logged by hand, with sensible defaults."""
    from backstride.activities.models import Activity

    fields.setdefault("start", datetime(2025, 3, 10, 7, 30, tzinfo=UTC))
    fields.setdefault("timezone", user.timezone)
    fields.setdefault("distance_m", 5000.0)
    fields.setdefault("elapsed_s", 1800.0)
    fields.setdefault("moving_s", fields["elapsed_s"])
    return Activity.objects.create(user=user, **fields)
