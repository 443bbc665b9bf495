"""Pure core packages load without Django: importing them in a fresh interpreter pulls none in."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "modules",
    [
        ("backstride.core.form", "backstride.core.form.metrics", "backstride.core.form.advice"),
        ("backstride.core.workouts.fit", "backstride.core.workouts.ical"),
    ],
    ids=["form", "workouts"],
)
def test_core_package_imports_without_django(modules: tuple[str, ...]) -> None:
    code = (
        "import sys\n"
        f"import {', '.join(modules)}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"
