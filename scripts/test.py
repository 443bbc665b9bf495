#!/usr/bin/env python3
"""`make test`: ruff, mypy, then pytest on SQLite and on PostgreSQL.

PostgreSQL is used when ``DATABASE_URL`` points at it, or at 127.0.0.1:5432 (database
``test``) when it answers; with ``CI`` set it is mandatory. Pure-core tests (tests/core)
touch no database, so they run once.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/test"


def banner(text: str) -> None:
    print(f"\n{'=' * 8} {text} {'=' * 8}", flush=True)


def run(cmd: list[str], env: dict[str, str] | None = None) -> int:
    print("$ " + " ".join(cmd), flush=True)
    return subprocess.call(cmd, cwd=ROOT, env={**os.environ, **(env or {})})


def postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=2):
            return DEFAULT_PG
    except OSError:
        return None


def main() -> int:
    start = time.monotonic()
    extra = sys.argv[1:]
    failures: list[str] = []
    banner("ruff")
    if run([str(BIN / "ruff"), "check", "src", "tests", "bench", "scripts"]):
        failures.append("ruff check")
    if run([str(BIN / "ruff"), "format", "--check", "src", "tests", "bench", "scripts"]):
        failures.append("ruff format")
    banner("mypy")
    if run([str(BIN / "mypy")]):
        failures.append("mypy")

    workers = os.environ.get("TEST_WORKERS", "2")
    pytest = [str(BIN / "python"), "-m", "pytest", "-n", workers, "--dist", "loadfile", "-q"]
    sqlite_env = {"DATABASE_URL": ""}
    banner("pytest — database: SQLite (all tests)")
    if run([*pytest, *extra], env=sqlite_env):
        failures.append("pytest on SQLite")

    pg = postgres_url()
    if pg is None:
        if CI:
            print("PostgreSQL is required in CI but 127.0.0.1:5432 does not answer.")
            failures.append("PostgreSQL unreachable")
        else:
            print("\nPostgreSQL not reachable: database tests ran on SQLite only.")
    else:
        banner(f"pytest — database: PostgreSQL ({pg.rsplit('@', 1)[-1]}) (database tests)")
        # Run once, on SQLite: tests/core, tests/lib, tests/manual and tests/pose touch no
        # database (the estimator, the manual PDF, plain helpers); tests/scale starts its own
        # PostgreSQL-backed shape.
        once = [f"--ignore=tests/{name}" for name in ("core", "lib", "manual", "pose", "scale")]
        if run([*pytest, *once, *extra], env={"DATABASE_URL": pg}):
            failures.append("pytest on PostgreSQL")

    banner(f"done in {time.monotonic() - start:.0f} s")
    if failures:
        print("FAILED: " + ", ".join(failures))
        return 1
    print("All checks passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
