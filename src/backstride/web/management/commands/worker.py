"""Run a task worker (database backend by default, RQ when TASKS_BACKEND=rq), with a heartbeat."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django.utils import timezone

from backstride.activities.imports import stalled_items
from backstride.activities.tasks import import_item
from backstride.web.models import WorkerHeartbeat


class Heartbeat(threading.Thread):
    """Writes a row every ``interval`` seconds until stopped."""

    def __init__(self, interval: float = 10.0) -> None:
        super().__init__(daemon=True, name="heartbeat")
        self.interval = interval
        self.stopped = threading.Event()
        self.worker_id = uuid.uuid4().hex
        self.started = timezone.now()

    def beat(self) -> None:
        try:
            WorkerHeartbeat.objects.update_or_create(
                worker_id=self.worker_id,
                defaults={
                    "hostname": socket.gethostname()[:255],
                    "pid": os.getpid(),
                    "started_at": self.started,
                    "last_seen": timezone.now(),
                },
            )
        except Exception:  # noqa: S110 — a missed beat shows up as an old heartbeat
            pass
        finally:
            close_old_connections()

    def run(self) -> None:
        # Look for lost work as often as a claim can go stale (twice per period), at most
        # once a minute.
        every = max(self.interval, min(60.0, settings.IMPORT_STALE_CLAIM_SECONDS / 2))
        last = time.monotonic()
        while not self.stopped.wait(self.interval):
            self.beat()
            if time.monotonic() - last >= every:
                last = time.monotonic()
                resume_lost_work()

    def stop(self) -> None:
        self.stopped.set()
        with contextlib.suppress(Exception):  # the row simply ages out
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()


def resume_lost_work() -> int:
    """Queue again the imports whose job died with a worker (killed, out of memory, a host
    gone). Any worker may do it, any number of times: the import's claim lets one run it."""
    try:
        ids = stalled_items()
        for item_id in ids:
            import_item.enqueue(item_id)
        return len(ids)
    except Exception:  # the queue or the database is down: the next minute tries again
        logging.getLogger("backstride.worker").exception("could not resume lost imports")
        return 0
    finally:
        close_old_connections()


class Command(BaseCommand):
    help = "Run a background task worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", action="store_true", help="Run queued tasks, then exit.")
        parser.add_argument("--interval", type=float, default=1.0, help="Polling interval (s).")

    def handle(self, *args: Any, **options: Any) -> None:
        heartbeat = Heartbeat()
        heartbeat.beat()
        resume_lost_work()  # work orphaned while no worker ran
        heartbeat.start()
        try:
            if str(settings.TASKS["default"]["BACKEND"]).endswith("RQBackend"):
                # --with-scheduler: jobs with run_after (Sunday publishing, reminders) are
                # moved to the queue when due; RQ's lock lets one worker's scheduler run at a
                # time, so with several workers each scheduled job is still queued once.
                call_command(
                    "rqworker",
                    "default",
                    "--job-class",
                    "django_tasks_rq.Job",
                    "--with-scheduler",
                    "--worker-class",
                    "backstride.lib.rq_worker.Worker",
                    *(["--burst"] if options["batch"] else []),
                )
            else:
                extra = ["--batch"] if options["batch"] else []
                call_command(
                    "db_worker",
                    "--queue-name",
                    "*",
                    "--interval",
                    str(options["interval"]),
                    "--no-reload",
                    "--no-startup-delay",
                    *extra,
                    verbosity=options["verbosity"],
                )
        except KeyboardInterrupt:
            pass
        finally:
            heartbeat.stop()
