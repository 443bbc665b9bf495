"""What a test does when something it needs is missing: fail in CI, skip with a reason elsewhere."""

from __future__ import annotations

import os

import pytest

CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def missing_dependency(reason: str) -> None:
    """A test's dependency is missing: fail in CI (nothing may skip there), skip elsewhere."""
    if CI:
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)", pytrace=False)
    pytest.skip(reason)
