"""The workouts package is pure core: importing it must not pull in Django."""

from __future__ import annotations

import subprocess
import sys


def test_workouts_package_imports_without_django() -> None:
    code = (
        "import sys\n"
        "import backstride.core.workouts.fit, backstride.core.workouts.ical\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"
