"""Health checks: can we reach the database and the task queue, and is a worker alive?"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

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
    backend = str(settings.TASKS["default"]["BACKEND"])
    try:
        if backend.endswith("DatabaseBackend"):
            from django_tasks_db.models import DBTaskResult

            pending = DBTaskResult.objects.filter(status="READY").count()
            return {"ok": True, "backend": "database", "pending": pending}
        if backend.endswith("RQBackend"):
            import redis

            client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)
            client.ping()
            return {"ok": True, "backend": "rq"}
        return {"ok": True, "backend": backend.rsplit(".", 1)[-1]}
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}


def check_worker() -> dict[str, Any]:
    from .models import WorkerHeartbeat

    try:
        beat = WorkerHeartbeat.objects.order_by("-last_seen").first()
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    if beat is None:
        return {"ok": False, "last_seen": None, "detail": "no worker has started yet"}
    age = (timezone.now() - beat.last_seen).total_seconds()
    ok = age <= settings.WORKER_HEARTBEAT_MAX_AGE
    limit = timedelta(seconds=settings.WORKER_HEARTBEAT_MAX_AGE)
    detail = "" if ok else f"last heartbeat {int(age)} s ago (more than {limit})"
    return {
        "ok": ok,
        "last_seen": beat.last_seen.isoformat(),
        "age_s": round(age, 1),
        "detail": detail,
    }
