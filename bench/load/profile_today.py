#!/usr/bin/env python3
"""Where ``/today/``'s time goes, in process: the page budget's profile.

    .venv/bin/python bench/load/profile_today.py [--requests 50] [--top 25]

Builds a fresh SQLite database in a temporary folder (migrate, the demo content, one load-test
athlete set up as bench/load_run.py sets them up, with a few weeks of logged runs), signs in
with Django's test client and times ``/robots.txt``, ``/today/`` and ``/activities/load/``
(mean ms per request, and the queries each runs, with those sent more than once). Then it
profiles ``/today/`` with cProfile and prints the Backstride functions that take the most
cumulative time. No server, no network: this is the page's own cost, the part of the p95 the
page budget can change.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "profile-password-2026"  # noqa: S105 — a throwaway account in a temporary database


def prepare(folder: Path) -> None:
    """Point Django at a fresh database in ``folder`` and fill it (in child processes)."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE="backstride.settings",
        DEBUG="0",
        SECRET_KEY="profile-" + "x" * 50,
        ALLOWED_HOSTS="testserver",
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        BACKSTRIDE_VAR_DIR=str(folder),
        MEDIA_ROOT=str(folder / "media"),
        STATIC_ROOT=str(folder / "static"),
        TASKS_BACKEND="database",
        LOG_LEVEL="ERROR",
    )
    for args in (("migrate", "--noinput"), ("collectstatic", "--noinput"), ("demo", "--force")):
        subprocess.run([str(BIN / "backstride"), *args], cwd=ROOT, check=True, capture_output=True)


def make_athlete(runs: int) -> str:
    """One athlete as the load test makes them, with ``runs`` runs logged on past days."""
    sys.path.insert(0, str(ROOT / "bench"))
    from datetime import timedelta

    from django.utils import timezone

    import load_run
    from backstride.activities.models import Activity

    namespace: dict = {}
    sys.argv = ["setup", "profile", "1", PASSWORD]
    exec(load_run.SETUP, namespace)  # noqa: S102 — our own setup code, shared with the runner
    email = "profile-athlete-0@example.org"
    from backstride.accounts.models import User

    user = User.objects.get(email=email)
    now = timezone.now()
    for day in range(1, runs + 1):
        Activity.objects.create(
            user=user,
            title=f"run {day}",
            start=now - timedelta(days=day, hours=2),
            distance_m=5000,
            elapsed_s=1800,
            moving_s=1750,
        )
    return email


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--runs", type=int, default=30, help="runs logged by the athlete")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="backstride-profile-"))
    prepare(folder)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from backstride.accounts.models import User

    email = make_athlete(args.runs)
    client = Client()
    client.force_login(User.objects.get(email=email))  # axes wants a request to log in

    print(f"In process, SQLite, mean of {args.requests} requests each:\n")
    print("| page | ms per request | queries | sent more than once |")
    print("|---|---:|---:|---|")
    from django.core.cache import cache

    # "cold": the cache emptied before each request, as after a write (a new records token)
    for path, cold in (
        ("/robots.txt", False),
        ("/today/", False),
        ("/today/", True),
        ("/activities/load/", False),
    ):
        assert client.get(path, secure=True).status_code == 200, path  # warm caches
        if cold:
            cache.clear()
        with CaptureQueriesContext(connection) as queries:
            client.get(path, secure=True)
        sent = [q["sql"] for q in queries.captured_queries]  # before the next request resets it
        repeated = Counter(sent)
        twice = sorted(((n, sql) for sql, n in repeated.items() if n > 1), reverse=True)
        elapsed = 0.0
        for _ in range(args.requests):
            if cold:
                cache.clear()
            started = time.perf_counter()
            client.get(path, secure=True)
            elapsed += time.perf_counter() - started
        ms = elapsed * 1000 / args.requests
        shown = "; ".join(f"{n}× `{sql[:70]}…`" for n, sql in twice[:4]) or "none"
        name = f"`{path}`" + (" (cold cache)" if cold else "")
        print(f"| {name} | {ms:.1f} | {len(sent)} | {shown} |")

    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.requests):
        client.get("/today/", secure=True)
    profile.disable()
    print(
        f"\n/today/ under cProfile, {args.requests} requests; Backstride functions by cumulative:"
    )
    stats = pstats.Stats(profile)
    stats.sort_stats("cumulative").print_stats("backstride", args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
