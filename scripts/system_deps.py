#!/usr/bin/env python3
"""The Debian packages Backstride and its tests need, installed in one step.

``make test`` (and ``make run``) call this first. It asks ``dpkg-query`` which packages are
missing; when some are and the user is root on a Debian-like system, it installs them with
``apt-get``; otherwise it prints the exact ``apt-get install`` line and exits non-zero.

    python3 scripts/system_deps.py            # install what is missing (root), or say how
    python3 scripts/system_deps.py --check    # only report; exit 1 when something is missing
    python3 scripts/system_deps.py --runtime  # only what the app itself needs (make run)

Why each package is here:
- WeasyPrint (the manual PDF) loads Pango and HarfBuzz through ctypes. Without the HarfBuzz
  subset library it falls back to fontTools, warns, and writes different bytes, so the
  manual is no longer deterministic.
- The manual's stylesheet names DejaVu Sans; Liberation is its fallback.
- The browser tests drive Debian's ``chromium`` through Playwright (never a downloaded build).
- ``poppler-utils`` gives ``pdftoppm``, used to look at the manual's pages as pictures.
- The scale-out shape (``scripts/scaleout.py``, its CI smoke run) puts ``haproxy`` in front of
  two app processes (TLS with a certificate made by ``openssl``) and starts a private
  ``redis-server`` for the queue and the cache.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

RUNTIME = [
    "libpango-1.0-0",
    "libpangoft2-1.0-0",
    "libharfbuzz0b",
    "libharfbuzz-subset0",
    "libfontconfig1",
    "fonts-dejavu-core",
    "fonts-liberation",
]
TESTING = [
    "chromium",
    "poppler-utils",
    "haproxy",
    "redis-server",
    "openssl",
]


def missing(packages: list[str]) -> list[str]:
    """The packages in ``packages`` that dpkg does not report as installed."""
    absent = []
    for name in packages:
        result = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", name],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0 or "install ok installed" not in result.stdout:
            absent.append(name)
    return absent


def main(argv: list[str]) -> int:
    packages = RUNTIME if "--runtime" in argv else RUNTIME + TESTING
    if not shutil.which("dpkg-query"):
        print(
            "system packages: not a Debian-like system; install the equivalents of "
            + " ".join(packages)
        )
        return 0
    todo = missing(packages)
    if not todo:
        return 0
    line = "apt-get install -y --no-install-recommends " + " ".join(todo)
    if "--check" in argv or os.geteuid() != 0 or not shutil.which("apt-get"):
        print(f"system packages missing: {' '.join(todo)}\nInstall them with:\n  sudo {line}")
        return 1
    print(f"system packages: installing {' '.join(todo)}", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
    result = subprocess.run([*line.split(), "-qq"], check=False, env=env)
    still = missing(todo)
    if result.returncode != 0 or still:
        print(f"system packages: could not install {' '.join(still or todo)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
