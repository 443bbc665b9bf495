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


def run_with_rq(tmp_path: Path, script: str, queue_db: int, **settings: str) -> str:
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
        **settings,
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


def test_a_surviving_worker_takes_over_the_scheduler_when_its_holder_dies(tmp_path):
    """Two RQ workers; the one holding the scheduler lock is SIGKILLed. Its lock would lapse
    on its own after 61 s: the test deletes it to stand in for that. The survivor must then
    take the scheduler over at its next upkeep (``RQ_UPKEEP_SECONDS``, 2 s here) and run a
    deferred job. With RQ's own upkeep (every 10 minutes, an idle worker later still)
    nothing deferred would run for that long: a killed worker stopped the Sunday publish."""
    script = r"""
import django, os, signal, subprocess, sys, time
django.setup()
import redis
from datetime import timedelta
from django.core.management import call_command
from django.utils import timezone
from backstride.web.tasks import ping
r = redis.Redis.from_url(os.environ["REDIS_URL"])
r.flushdb()
call_command("migrate", verbosity=0)
lock = "rq:scheduler-lock:default"
def worker():
    return subprocess.Popen([sys.executable, "-m", "backstride", "worker"],
                            start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
holder = worker()
workers = [holder]
try:
    deadline = time.monotonic() + 30
    while not r.get(lock) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert r.get(lock), "the first worker never took the scheduler"
    workers.append(worker())  # the second finds the scheduler taken
    time.sleep(4)  # both idle, waiting for jobs
    os.killpg(holder.pid, signal.SIGKILL)
    holder.wait()
    r.delete(lock)  # what Redis does by itself 61 s after the holder's last renewal
    result = ping.using(run_after=timezone.now() + timedelta(seconds=1)).enqueue("after")
    deadline = time.monotonic() + 25
    while time.monotonic() < deadline:
        result.refresh()
        if result.status == "SUCCESSFUL":
            break
        time.sleep(0.5)
    print(result.status, result.return_value, "taken over:", bool(r.get(lock)))
finally:
    for w in workers:
        if w.poll() is None:
            os.killpg(w.pid, signal.SIGTERM)
            w.wait(timeout=20)
"""
    out = run_with_rq(tmp_path, script, 11, RQ_UPKEEP_SECONDS="2")
    assert "SUCCESSFUL pong: after taken over: True" in out, out
