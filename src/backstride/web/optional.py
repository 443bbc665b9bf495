"""Optional per-app modules (an app's `demo`, `api`, ...) that not every app provides."""

from __future__ import annotations

import importlib
from types import ModuleType


def app_module(app: str, name: str) -> ModuleType | None:
    """``backstride.<app>.<name>``, or None when the app has no such module.

    Any other import error (the module exists but something it imports is missing) is raised.
    """
    dotted = f"backstride.{app}.{name}"
    try:
        return importlib.import_module(dotted)
    except ModuleNotFoundError as exc:
        if exc.name != dotted:
            raise
        return None
