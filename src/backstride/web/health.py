"""Health checks: can we reach the database and the task queue, and is a worker alive?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from django.conf import settings
from django.db import connection
from django.utils import timezone


def check_database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}


def check_queue() -> dict[str, Any]:
    """Does the task queue answer, and how deep is it? ``pending`` counts the tasks waiting
    for a worker; ``oldest_pending_age_s`` (database backend) says how long the oldest of
    those that are due has waited — a growing number means the workers are not keeping up."""
    backend = str(settings.TASKS["default"]["BACKEND"])
    try:
        if backend.endswith("DatabaseBackend"):
            from django.db.models import Count, Min, Q
            from django_tasks_db.models import DBTaskResult, get_date_max

            now = timezone.now()
            due = Q(run_after__lte=now) | Q(run_after=get_date_max())
            waiting = DBTaskResult.objects.filter(status="READY").aggregate(
                pending=Count("pk"), oldest=Min("enqueued_at", filter=due)
            )
            oldest = waiting["oldest"]
            return {
                "ok": True,
                "backend": "database",
                "pending": waiting["pending"],
                "oldest_pending_age_s": (
                    round(max(0.0, (now - oldest).total_seconds()), 1) if oldest else None
                ),
            }
        if backend.endswith("RQBackend"):
            import redis

            client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)
            pending = sum(
                int(client.llen(f"rq:queue:{name}"))
                for name in settings.TASKS["default"].get("QUEUES", ["default"])
            )
            return {"ok": True, "backend": "rq", "pending": pending}
        return {"ok": True, "backend": backend.rsplit(".", 1)[-1]}
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}


#: Task backends whose jobs only run when a ``backstride worker`` process is running.
_NEEDS_A_WORKER = ("DatabaseBackend", "RQBackend")


@dataclass(frozen=True, slots=True)
class WorkerCheck:
    """Whether a worker is alive: ``fresh``, ``stale`` (its heartbeat is older than
    ``WORKER_HEARTBEAT_MAX_AGE``), ``missing`` (no heartbeat at all: never started, or every
    worker stopped, since a worker deletes its heartbeat when it stops cleanly), ``not needed``
    (tasks run in the web process) or ``unknown`` (the heartbeat table could not be read)."""

    state: Literal["fresh", "stale", "missing", "not needed", "unknown"]
    detail: str = ""
    last_seen: datetime | None = None
    age_s: float | None = None
    #: How many workers have a heartbeat younger than ``WORKER_HEARTBEAT_MAX_AGE``.
    alive: int = 0

    @property
    def ok(self) -> bool:
        return self.state in ("fresh", "not needed")

    def as_json(self) -> dict[str, Any]:
        """The ``worker`` part of the /healthz body."""
        return {
            "ok": self.ok,
            "state": self.state,
            "detail": self.detail,
            "last_seen": self.last_seen.isoformat() if self.last_seen else None,
            "age_s": self.age_s,
            "alive": self.alive,
        }


def heartbeat_max_age() -> int:
    """Seconds after which a worker's heartbeat counts as stale."""
    return int(settings.WORKER_HEARTBEAT_MAX_AGE)


def check_worker() -> WorkerCheck:
    """Is a worker alive? Judged by the freshest heartbeat of any worker."""
    from .models import WorkerHeartbeat

    backend = str(settings.TASKS["default"]["BACKEND"])
    if not backend.endswith(_NEEDS_A_WORKER):
        return WorkerCheck("not needed", "Tasks run in the web process; no worker is needed.")
    try:
        beat = WorkerHeartbeat.objects.order_by("-last_seen").first()
    except Exception as exc:
        return WorkerCheck(
            "unknown", f"The heartbeat could not be read ({exc.__class__.__name__})."
        )
    if beat is None:
        return WorkerCheck(
            "missing",
            "No worker is running: none has sent a heartbeat. Start one with `backstride worker`.",
        )
    age = max(0.0, (timezone.now() - beat.last_seen).total_seconds())
    limit = heartbeat_max_age()
    if age > limit:
        return WorkerCheck(
            "stale",
            f"The worker is stale: its last heartbeat was {int(age)} s ago (the limit is "
            f"{limit} s).",
            beat.last_seen,
            round(age, 1),
        )
    alive = WorkerHeartbeat.objects.filter(
        last_seen__gte=timezone.now() - timedelta(seconds=limit)
    ).count()
    return WorkerCheck("fresh", "", beat.last_seen, round(age, 1), alive)
