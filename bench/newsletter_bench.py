"""Benchmark: one newsletter issue to 20,000 subscribers through the real outbox and worker.

1. **Baseline**: a plain ``smtplib`` loop over one connection sends the same message bytes
   (only the ``To:`` swapped) to every recipient.
2. **Worker run**: ``send_episode_issue`` writes 20,000 outbox rows (40 batches of 500) and
   a ``backstride worker`` subprocess (the real database task worker) sends them.
   Throughput is reported as a ratio to the baseline (target ≥ 0.25×).
3. **Crash run**: a second issue; the worker is killed with SIGKILL midway, a new worker is
   started, and the sink's per-recipient counts show who got how many copies.

All mail goes to a local aiosmtpd sink in a separate process that logs one line per
accepted message. The database is a fresh temporary SQLite file, or — when
``DATABASE_URL`` points at PostgreSQL — a temporary database created next to it.

    .venv/bin/python bench/newsletter_bench.py [--subscribers 20000] [--batch 500]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import secrets
import signal
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


# --------------------------------------------------------------------------- the sink


def _sink_main(port: int, log_path: str, ready: Any) -> None:
    """An aiosmtpd server that appends ``time<TAB>recipient`` per accepted message."""
    from aiosmtpd.controller import Controller

    log = open(log_path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            now = time.time()
            for rcpt in envelope.rcpt_tos:
                log.write(f"{now:.6f}\t{rcpt}\n")
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    signal.sigwait({signal.SIGTERM})
    controller.stop()
    log.close()


class Sink:
    def __init__(self, directory: Path, name: str) -> None:
        self.port = free_port()
        self.path = directory / f"sink-{name}.log"
        self.path.touch()
        ctx = multiprocessing.get_context("spawn")
        ready = ctx.Event()
        self.process = ctx.Process(target=_sink_main, args=(self.port, str(self.path), ready))
        self.process.start()
        if not ready.wait(30):
            raise RuntimeError("SMTP sink did not start")

    def lines(self) -> list[tuple[float, str]]:
        out = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            stamp, rcpt = line.split("\t")
            out.append((float(stamp), rcpt))
        return out

    def count(self) -> int:
        with self.path.open("rb") as fh:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 16), b""))

    def stop(self) -> None:
        if self.process.pid:
            os.kill(self.process.pid, signal.SIGTERM)
        self.process.join(10)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rate(lines: list[tuple[float, str]]) -> float:
    """Messages per second between the first and the last accepted message."""
    if len(lines) < 2:
        return 0.0
    stamps = sorted(t for t, _ in lines)
    return (len(stamps) - 1) / (stamps[-1] - stamps[0])


# --------------------------------------------------------------------------- database


def prepare_database(tmp: Path) -> tuple[str, Any]:
    """A fresh database URL, and a cleanup function."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return f"sqlite:///{tmp / 'bench.sqlite3'}", lambda: None
    import psycopg

    name = f"backstride_bench_{os.getpid()}"
    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return urlunsplit(parts._replace(path=f"/{name}")), drop


# --------------------------------------------------------------------------- phases


def baseline(sink: Sink, message: bytes, to_header: bytes, recipients: list[str]) -> float:
    """A plain smtplib loop over one connection; returns wall seconds."""
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
        for rcpt in recipients:
            data = message.replace(to_header, b"To: " + rcpt.encode(), 1)
            smtp.sendmail("hello@backstride.example", [rcpt], data)
    return time.perf_counter() - start


def start_worker(env: dict[str, str], *, batch: bool) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "backstride", "worker", "--interval", "0.1", "--verbosity", "0"]
    if batch:
        cmd.append("--batch")
    return subprocess.Popen(cmd, env=env, cwd=ROOT)


def wait_until(predicate: Any, timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise TimeoutError(f"timed out waiting for {what}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--lease", type=int, default=3, help="claim lease in seconds")
    parser.add_argument("--rounds", type=int, default=3, help="baseline/worker rounds")
    parser.add_argument("--kills", type=int, default=1, help="SIGKILLs in the crash run")
    parser.add_argument(
        "--workers", type=int, default=1, help="worker processes in the throughput rounds"
    )
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    tmp = Path(tempfile.mkdtemp(prefix="newsletter-bench-"))
    database_url, drop_database = prepare_database(tmp)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backstride.settings",
        "DATABASE_URL": database_url,
        "BACKSTRIDE_VAR_DIR": str(tmp),
        "MEDIA_ROOT": str(tmp / "media"),
        "SECRET_KEY": secrets.token_urlsafe(40),
        "SITE_URL": "https://backstride.example",
        "DEFAULT_FROM_EMAIL": "Backstride <hello@backstride.example>",
        "NEWSLETTER_BATCH_SIZE": str(args.batch),
        "NEWSLETTER_LEASE_SECONDS": str(args.lease),
        "LOG_LEVEL": "ERROR",
        "PYTHONPATH": str(ROOT / "src"),
    }
    env.pop("DEBUG", None)
    os.environ.update(env)
    try:
        run(args, rng, tmp, env)
    finally:
        from django.db import connections

        connections.close_all()
        drop_database()


def run(args: Any, rng: random.Random, tmp: Path, env: dict[str, str]) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from backstride.newsletter import services
    from backstride.newsletter.emails import Builder
    from backstride.newsletter.models import OutboxMessage, Subscriber

    n = args.subscribers
    print(
        f"database: {connection.vendor}; {n:,} subscribers; batches of {args.batch}; "
        f"{args.workers} worker process(es)"
    )
    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    Subscriber.objects.bulk_create(
        [
            Subscriber(
                email=f"reader{i:05d}@example.org",
                first_name=rng.choice(["Sam", "Alex", "Jo", "Priya", ""]),
                status=Subscriber.Status.CONFIRMED,
            )
            for i in range(n)
        ],
        batch_size=2000,
    )
    print(f"created subscribers in {time.perf_counter() - t0:.1f} s")
    emails = list(Subscriber.objects.order_by("pk").values_list("email", flat=True))

    body_html = (
        "<h1>Episode 42: Walk before you run</h1>"
        + "<p>Why the cross-trainer comes first, and how to know you're ready.</p>" * 6
    )
    body_text = "Episode 42: Walk before you run\n\n" + "Why the cross-trainer comes first.\n" * 6

    # ---- 1 + 2. Rounds of: the smtplib baseline, then the real worker, alternating so both
    # see the same machine load (a shared box is noisy); the median ratio is reported.
    ratios = []
    for round_no in range(1, args.rounds + 1):
        t0 = time.perf_counter()
        issue = services.send_episode_issue(
            None, f"Episode {41 + round_no}: Walk before you run", body_html, body_text
        )
        queued = time.perf_counter() - t0
        sample = (
            OutboxMessage.objects.select_related("subscriber", "issue")
            .filter(issue=issue.issue)
            .first()
        )
        assert sample is not None
        built = Builder().build(sample).message().as_bytes(linesep="\r\n")
        to_header = b"To: " + sample.subscriber.email.encode()
        base_sink = Sink(tmp, f"baseline-{round_no}")
        work_sink = Sink(tmp, f"worker-{round_no}")
        try:
            seconds = baseline(base_sink, built, to_header, emails)
            base_lines = base_sink.lines()
            env_worker = {**env, "EMAIL_URL": f"smtp://127.0.0.1:{work_sink.port}"}
            t0 = time.perf_counter()
            workers = [start_worker(env_worker, batch=True) for _ in range(args.workers)]
            for worker in workers:
                worker.wait(timeout=1800)
            wall = time.perf_counter() - t0
            lines = work_sink.lines()
        finally:
            base_sink.stop()
            work_sink.stop()
        base_rate, worker_rate = rate(base_lines), rate(lines)
        counts = Counter(r for _, r in lines)
        sent = OutboxMessage.objects.filter(issue=issue.issue, status="sent").count()
        ratios.append(worker_rate / base_rate)
        print(
            f"round {round_no}: queued {issue.recipients:,} rows in {issue.batches} tasks in "
            f"{queued:.2f} s; message {len(built):,} bytes\n"
            f"  smtplib loop: {len(base_lines):,} in {seconds:.1f} s → {base_rate:,.0f} msg/s\n"
            f"  worker(s):    {len(lines):,} in {wall:.1f} s wall incl. start-up → "
            f"{worker_rate:,.0f} msg/s sustained; {sent:,} rows marked sent\n"
            f"  ratio {worker_rate / base_rate:.2f}×"
        )
        assert len(counts) == n and set(counts.values()) == {1}, "not exactly one each"
    if ratios:
        print(
            f"ratio worker / smtplib, median of {len(ratios)}: {statistics.median(ratios):.2f}× "
            f"(all: {', '.join(f'{r:.2f}' for r in ratios)}; target ≥ 0.25×)"
        )

    # ---- 3. Crash run: SIGKILL the worker midway (``--kills`` times), start a new one.
    second = services.send_episode_issue(
        None, "Episode 99: The first brisk run", body_html, body_text
    )
    crash_sink = Sink(tmp, "crash")
    env_crash = {**env, "EMAIL_URL": f"smtp://127.0.0.1:{crash_sink.port}"}
    rows = OutboxMessage.objects.filter(issue=second.issue)
    step = n / (args.kills + 1)
    marks = [int(step * (k + 1) + rng.uniform(-0.1, 0.1) * step) for k in range(args.kills)]
    worker = start_worker(env_crash, batch=False)
    try:
        for kill_at in marks:
            wait_until(lambda k=kill_at: crash_sink.count() >= k, 900, "the kill point")
            time.sleep(rng.uniform(0, 0.05))  # land anywhere in a send, not just after one
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait()
            states = Counter(rows.values_list("status", flat=True))
            print(f"SIGKILL after {crash_sink.count():,} deliveries; rows then: {dict(states)}")
            worker = start_worker(env_crash, batch=False)
        t0 = time.perf_counter()
        wait_until(
            lambda: rows.filter(status="sent").count() == n, 900, "all rows sent", interval=0.5
        )
        time.sleep(1.0)  # let the sink log the last accepts
    finally:
        worker.send_signal(signal.SIGINT)
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            worker.kill()
        crash_sink.stop()
    print(
        f"after the last restart the issue finished in {time.perf_counter() - t0:.1f} s "
        f"(lease {args.lease} s)"
    )
    retried = rows.filter(attempts__gt=1).count()
    print(f"recovery: {retried:,} rows claimed by a killed worker were sent by the next one")
    counts = Counter(r for _, r in crash_sink.lines())
    missing = n - len(counts)
    duplicates = {r: c for r, c in counts.items() if c > 1}
    print(
        f"crash run: {len(counts):,} of {n:,} recipients got the issue; missing {missing}; "
        f"more than one copy: {len(duplicates)} {sorted(duplicates)[:5]}"
    )
    print("RESULT:", "exactly one copy each" if not missing and not duplicates else "MISMATCH")


if __name__ == "__main__":
    main()
