"""The same tasks API on Redis/RQ (scale-out), against the real Redis on this machine."""

import os
import socket
import subprocess
import sys
from pathlib import Path

from tests.deps import missing_dependency


def redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def run_with_rq(tmp_path: Path, script: str, queue_db: int) -> str:
    """Run ``script`` in a subprocess on the RQ backend (Redis database ``queue_db``, a fresh
    SQLite file); its output. Redis must be up: fails in CI when it is not, skips elsewhere."""
    if not redis_up():
        missing_dependency("Redis is not running on 127.0.0.1:6379")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backstride.settings",
        "TASKS_BACKEND": "rq",
        "REDIS_URL": f"redis://127.0.0.1:6379/{queue_db}",
        "DEBUG": "1",
        "BACKSTRIDE_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/rq.sqlite3",
    }
    proc = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_rq_backend_enqueues_into_redis_and_a_worker_runs_it(tmp_path):
    """A subprocess with TASKS_BACKEND=rq enqueues and runs a task through real Redis."""
    queue_db = 9
    script = """
import django, os
django.setup()
import redis
from django.core.management import call_command
from backstride.web.tasks import ping
r = redis.Redis.from_url(os.environ["REDIS_URL"])
r.flushdb()
call_command("migrate", verbosity=0)
result = ping.enqueue("hello")
assert r.llen("rq:queue:default") == 1, "job not in Redis"
call_command("worker", "--batch")
result.refresh()
print(result.status, result.return_value)
"""
    out = run_with_rq(tmp_path, script, queue_db)
    assert "SUCCESSFUL pong: hello" in out


def test_rq_workers_run_scheduled_tasks_once_they_are_due(tmp_path):
    """Sunday publishing and reminders are tasks with ``run_after``: RQ keeps them in its
    scheduled registry, and only a worker with the scheduler moves them to the queue."""
    script = """
import django, os, time
django.setup()
import redis
from datetime import timedelta
from django.core.management import call_command
from django.utils import timezone
from backstride.web.tasks import ping
r = redis.Redis.from_url(os.environ["REDIS_URL"])
r.flushdb()
call_command("migrate", verbosity=0)
result = ping.using(run_after=timezone.now() + timedelta(seconds=2)).enqueue("later")
assert r.llen("rq:queue:default") == 0, "a deferred job went straight to the queue"
time.sleep(3)
call_command("worker", "--batch")
result.refresh()
print(result.status, result.return_value)
"""
    out = run_with_rq(tmp_path, script, 10)
    assert "SUCCESSFUL pong: later" in out
