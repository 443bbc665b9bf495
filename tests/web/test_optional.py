"""Optional per-app modules: missing means None, a broken one still fails loudly."""

from __future__ import annotations

import importlib

import pytest

from backstride.web.optional import app_module


def test_an_existing_module_is_imported() -> None:
    module = app_module("rehab", "demo")
    assert module is not None and hasattr(module, "load_demo")


def test_a_missing_module_is_none() -> None:
    assert app_module("web", "no_such_module") is None


def test_a_module_whose_own_import_fails_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(name: str) -> None:
        raise ModuleNotFoundError("No module named 'missing_dependency'", name="missing_dependency")

    monkeypatch.setattr(importlib, "import_module", broken)
    with pytest.raises(ModuleNotFoundError, match="missing_dependency"):
        app_module("rehab", "demo")
