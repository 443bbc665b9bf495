"""Everything `make run` needs: migrate, demo content, then web server (gunicorn, or Django's
development server with ``--dev``) + worker together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Migrate, load demo content, and run the web server and a task worker (Ctrl-C stops both)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--no-demo", action="store_true")
        parser.add_argument(
            "--dev",
            action="store_true",
            help="Django's autoreloading development server instead of gunicorn.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        if settings.DEBUG and not options["no_demo"]:
            call_command("demo")
        if not settings.DEBUG:
            # Production storage serves hashed, compressed copies: build them first.
            call_command("collectstatic", interactive=False, verbosity=0)
        env = {**os.environ, "PORT": str(options["port"])}
        cmd = [sys.executable, "-m", "backstride"]
        worker = subprocess.Popen([*cmd, "worker", "--verbosity", "0"], env=env)
        serve = [*cmd, "serve", "--port", str(options["port"])]
        web = subprocess.Popen([*serve, "--dev"] if options["dev"] else serve, env=env)
        self.stdout.write(
            self.style.SUCCESS(
                f"\nBackstride is running at http://127.0.0.1:{options['port']}/"
                "  (Ctrl-C stops it)\n"
            )
        )
        children = [web, worker]
        try:
            while all(p.poll() is None for p in children):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for p in children:
                if p.poll() is None:
                    p.send_signal(signal.SIGINT)
            deadline = time.monotonic() + 10
            for p in children:
                try:
                    p.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    p.kill()
            self.stdout.write("Stopped web server and worker.")
