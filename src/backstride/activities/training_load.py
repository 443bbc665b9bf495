"""The load page's figures: placeholder until core.load lands."""

from __future__ import annotations

from typing import Any


def load_context(user: Any, weeks: int = 12) -> dict[str, Any]:
    return {"weeks": []}
