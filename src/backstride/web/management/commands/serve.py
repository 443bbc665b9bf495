"""Serve the site with gunicorn (WhiteNoise serves static files); ``--dev`` for Django's
autoreloading development server instead."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Serve the web app with gunicorn on $HOST:$PORT (default 127.0.0.1:8000), "
        "$WEB_CONCURRENCY worker processes; --dev for Django's autoreloading server."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="Worker processes (default: $WEB_CONCURRENCY, else 2 × cores + 1, at most 9).",
        )
        parser.add_argument(
            "--dev",
            action="store_true",
            help="Django's development server, reloading on code changes (never in production).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        address = f"{options['host']}:{options['port']}"
        if options["dev"]:
            call_command("runserver", address, use_reloader=True)
            return
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "python:backstride.web.gunicorn_conf",
            "--bind",
            address,
        ]
        if options["workers"]:
            argv += ["--workers", str(options["workers"])]
        if settings.METRICS_ENABLED:
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(fresh_metrics_dir())
        sys.stdout.flush()
        sys.stderr.flush()
        # gunicorn takes this process's place: signals from systemd or `backstride run`
        # reach its master directly.
        os.execv(sys.executable, [*argv, "backstride.wsgi:application"])  # noqa: S606


def fresh_metrics_dir() -> Path:
    """The folder where gunicorn's workers share Prometheus numbers, its ``*.db`` files
    removed at each start (``PROMETHEUS_MULTIPROC_DIR`` if set, else ``var/prometheus``)."""
    folder = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or settings.VAR_DIR / "prometheus")
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    return folder
