#!/usr/bin/env python3
"""Load test: locust against a running shape, then every write counted in its database.

    .venv/bin/python bench/load_run.py --target sqlite     # SQLite, one app server, one worker
    .venv/bin/python bench/load_run.py --target postgres   # the same on PostgreSQL
    .venv/bin/python bench/load_run.py --target scaleout   # two app servers, two RQ workers, S3
    .venv/bin/python bench/load_run.py --target scaleout --kill   # with the kills (see below)

Each run starts the shape fresh with ``scripts/scaleout.py`` (every target sits behind the same
TLS haproxy; PostgreSQL targets get a database of their own, ``backstride_scale_<port>``,
dropped afterwards), makes ``--athletes`` athletes (placed in Phase 1 with today's session done,
so each can check in once), runs locust headless with ``--users`` concurrent users for
``--seconds`` (or ``--max-requests``; the locustfile is bench/load/), waits for the workers to
finish every queued import, and then counts, for every write the server acknowledged, how many
rows carry its marker: exactly one each, or it says which were lost or duplicated.

``--kill`` kills one app server (SIGKILL to its gunicorn's process group) and one worker a third
of the way in; requests fail over through haproxy and the surviving worker finishes the work.
A failed request is put down to the kill only when it is a 5xx or got no answer, started at
most ``KILL_GRACE`` (2 s) after the kill and ended after it: a request that was in flight.

It prints, and with ``--markdown FILE`` writes, requests per second and p50/p95/p99 per
endpoint, the failures, the write counts and (``--budget``, on by default) the page budget:
``/today/`` and the load page against ``/robots.txt`` (a page that reads nothing), each timed
with 8 signed-in clients sending requests back to back on the same server. Exit status 1 when
a write was lost or duplicated or an import never finished.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "scripts"))

import scaleout  # noqa: E402

PASSWORD = "load-test-password-2026"  # noqa: S105 — throwaway accounts on a test shape

SETUP = r"""
import json, sys
from datetime import timedelta
from django.utils import timezone
from backstride.accounts.models import User
from backstride.rehab.models import RedFlagScreen, RehabProfile, SessionLog
from backstride.rehab.services import give_health_consent
run, count, password = sys.argv[1], int(sys.argv[2]), sys.argv[3]
emails = []
for i in range(count):
    email = f"{run}-athlete-{i}@example.org"
    user = User.objects.create_user(
        email=email, password=password, role="athlete", email_verified_at=timezone.now()
    )
    give_health_consent(user)
    profile, _ = RehabProfile.objects.get_or_create(user=user)
    profile.phase = 1
    profile.phase_started_at = timezone.now() - timedelta(days=10)
    profile.phase_started_on = profile.phase_started_at.date()
    profile.save()
    # placed through the self-assessment, so its safety questions were answered (all clear):
    # Today shows the day's plan, not "your weekly safety check"
    RedFlagScreen.objects.create(
        user=user, kind="initial", answers={}, stop=False,
        protocol_id="default", protocol_version="load-test",
        created_at=timezone.now() - timedelta(days=2),
    )
    today = timezone.now().astimezone(user.tzinfo).date()
    SessionLog.objects.create(user=user, day=today, phase=1, session_id="settle-a")
    emails.append(email)
print(json.dumps(emails))
"""

FIRST_ATHLETE = r"""
from backstride.accounts.models import User
print(User.objects.filter(email__contains="-athlete-").order_by("pk").first().email)
"""

COUNT = r"""
import json, sys
from backstride.activities.models import Activity, ImportItem
from backstride.newsletter.models import Subscriber
from backstride.rehab.models import CheckIn
acks = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
run = sys.argv[2]
found = {}
for a in acks:
    kind, marker = a["kind"], a["marker"]
    if kind == "run":
        n = Activity.objects.filter(title=marker).count()
    elif kind == "upload":
        # One stored upload, imported by a worker into exactly one activity.
        items = ImportItem.objects.filter(name=marker)
        imported = items.filter(status="imported", activity__isnull=False).exists()
        activities = Activity.objects.filter(original__original_name=marker).count()
        n = max(items.count(), activities) if imported else 0
    elif kind == "checkin":
        n = CheckIn.objects.filter(user__email=marker.split(":", 2)[2]).count()
    else:
        n = Subscriber.objects.filter(email=marker).count()
    found.setdefault(kind, []).append(n)
pending = ImportItem.objects.filter(
    batch__user__email__startswith=run, status__in=["pending", "processing"]
).count()
# Everything this run stored, acknowledged or not (a write cut off by a kill may be saved
# without its answer reaching the client: neither lost nor a duplicate).
stored = {
    "run": Activity.objects.filter(title__startswith=run + "-run-").count(),
    "upload": ImportItem.objects.filter(name__startswith=run + "-gpx-").count(),
    "checkin": CheckIn.objects.filter(user__email__startswith=run + "-athlete-").count(),
    "subscriber": Subscriber.objects.filter(email__startswith=run + ".").count(),
}
print(json.dumps({"found": found, "pending": pending, "stored": stored}))
"""

#: A failed request counts as caused by a kill when it was in flight at the kill: it started
#: no later than this many seconds after it (haproxy marks a dead server down within 2 s; until
#: then a refused connection is retried on the other one) and ended at or after it.
KILL_GRACE = 2.0


def imports_waiting(shape: scaleout.Shape, run_id: str) -> int:
    """Uploads of this run not yet imported (or refused) by a worker."""
    code = r"""
import sys
from backstride.activities.models import ImportItem
print(ImportItem.objects.filter(
    batch__user__email__startswith=sys.argv[1], status__in=["pending", "processing"]
).count())
"""
    try:
        return int(shape.django(code, run_id))
    except RuntimeError:
        return -1


def kill_one(shape: scaleout.Shape, name: str) -> int | None:
    pid = shape.pids().get(name)
    if pid:
        os.killpg(pid, signal.SIGKILL)
    return pid


def percentile_rows(stats_csv: Path) -> list[dict[str, str]]:
    with stats_csv.open() as fh:
        return list(csv.DictReader(fh))


def classify(events: list[dict], kill_time: float | None) -> dict[str, list[dict]]:
    """Split failed requests into those in flight at the kill (``kill``) and all others."""
    out: dict[str, list[dict]] = {"kill": [], "other": []}
    for e in events:
        server_side = e["status"] == 0 or e["status"] >= 500
        in_window = (
            kill_time is not None and e["start"] <= kill_time + KILL_GRACE and e["end"] >= kill_time
        )
        out["kill" if server_side and in_window else "other"].append(e)
    return out


def measure(
    shape: scaleout.Shape,
    *,
    users: int,
    seconds: int,
    athletes: int,
    kill: bool,
    drain: int,
    title: str,
    max_requests: int = 0,
    kill_at: float | None = None,
    wait: str = "0.5,2",
) -> tuple[str, bool, dict]:
    """Load a running shape, count its writes; the report, whether every write is there
    exactly once, and the numbers (per-endpoint rows, the write counts, the failed requests
    split by the kill window, the kill time and the pids killed)."""
    run_id = f"load{int(time.time() * 1000)}"
    emails = json.loads(shape.django(SETUP, run_id, str(athletes), PASSWORD))
    work = Path(tempfile.mkdtemp(prefix="backstride-load-"))
    acks, events = work / "acks.jsonl", work / "events.jsonl"
    acks.touch()
    events.touch()
    env = {
        **os.environ,
        "LOAD_RUN": run_id,
        "LOAD_ACKS": str(acks),
        "LOAD_EVENTS": str(events),
        "LOAD_MAX_REQUESTS": str(max_requests),
        "LOAD_WAIT": wait,
        "LOAD_ATHLETES": json.dumps(emails),
        "LOAD_PASSWORD": PASSWORD,
    }
    cmd = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "load" / "locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(users),
        "--run-time",
        f"{seconds}s",
        # when the time is up, let each user finish the request it is in, so that no write is
        # saved without its answer being read (and recorded) on our side
        "--stop-timeout",
        "20",
        "--host",
        shape.url,
        "--csv",
        str(work / "locust"),
        "--only-summary",
        "--loglevel",
        "ERROR",
    ]
    started = time.monotonic()
    locust = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    killed: dict[str, int | None] = {}
    kill_time: float | None = None
    if kill:
        time.sleep(seconds / 3 if kill_at is None else kill_at)
        kill_time = time.time()
        killed["app"] = kill_one(shape, "app1")
        killed["worker"] = kill_one(shape, "worker1")
    locust.wait()
    elapsed = time.monotonic() - started
    drain_started = time.monotonic()
    deadline = drain_started + drain
    while time.monotonic() < deadline and imports_waiting(shape, run_id) != 0:
        time.sleep(1)
    drained = time.monotonic() - drain_started
    counts = json.loads(shape.django(COUNT, str(acks), run_id))
    rows = percentile_rows(work / "locust_stats.csv")
    failures = classify(
        [json.loads(line) for line in events.read_text().splitlines() if line.strip()], kill_time
    )
    report = render(title, rows, counts, killed, elapsed, failures, drained)
    bad = sum(1 for ns in counts["found"].values() for n in ns if n != 1)
    numbers = {
        "rows": rows,
        "counts": counts,
        "failures": failures,
        "kill_time": kill_time,
        "killed": killed,
        "work": str(work),
    }
    return report, not bad and not counts["pending"], numbers


def page_budget(
    shape: scaleout.Shape, email: str, clients: int = 8, requests_each: int = 50
) -> dict[str, dict[str, float]]:
    """p50/p95 of each page under ``clients`` concurrent signed-in clients that send requests
    back to back, one page at a time (the issue's "within 3× of a trivial page")."""
    import statistics
    from concurrent.futures import ThreadPoolExecutor

    import requests
    import urllib3

    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

    def session() -> requests.Session:
        s = requests.Session()
        s.verify, s.trust_env = False, False
        s.headers["Referer"] = shape.url + "/"
        page = s.get(shape.url + "/accounts/login/")
        token = page.text.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
        s.post(
            shape.url + "/accounts/login/",
            {"csrfmiddlewaretoken": token, "username": email, "password": PASSWORD},
        )
        return s

    sessions = [session() for _ in range(clients)]
    results: dict[str, dict[str, float]] = {}
    for path in ("/robots.txt", "/today/", "/activities/load/", "/robots.txt", "/today/"):

        def hammer(s: requests.Session, path: str = path) -> list[float]:
            times = []
            for _ in range(requests_each):
                t = time.perf_counter()
                response = s.get(shape.url + path, allow_redirects=False)
                times.append((time.perf_counter() - t) * 1000)
                assert response.status_code == 200, (path, response.status_code)
            return times

        for s in sessions:  # warm each connection and worker
            s.get(shape.url + path, allow_redirects=False)
        with ThreadPoolExecutor(clients) as pool:
            samples = sorted(t for ts in pool.map(hammer, sessions) for t in ts)
        results[path] = {  # the second round of a page replaces the first (warmed up)
            "p50": statistics.median(samples),
            "p95": samples[int(len(samples) * 0.95) - 1],
            "n": len(samples),
        }
    return results


TARGETS = {"sqlite": "single", "single": "single", "postgres": "postgres", "scaleout": "scaleout"}


def budget_table(pages: dict[str, dict[str, float]]) -> str:
    """The page-budget table: each page's p95 against /robots.txt's."""
    base = pages["/robots.txt"]["p95"]
    lines = [
        "| page, 8 clients back to back | requests | p50 ms | p95 ms | p95 ÷ `/robots.txt` |",
        "|---|---:|---:|---:|---:|",
    ]
    for path, v in pages.items():
        lines.append(
            f"| `{path}` | {v['n']:.0f} | {v['p50']:.1f} | {v['p95']:.1f} | "
            f"{v['p95'] / base:.1f}× |"
        )
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    kind = TARGETS[args.target]
    shape = scaleout.Shape(args.run_dir.resolve(), args.base_port, kind)
    os.environ.setdefault("NEWSLETTER_IP_LIMIT", "1000000")  # all load comes from 127.0.0.1
    scaleout.stop(shape)
    scaleout.start(shape, fresh=True)
    pace = "flat out" if args.wait in ("0", "0,0") else f"{args.wait.replace(',', '–')} s apart"
    title = f"{args.target}: {args.users} users ({pace}), {args.seconds} s" + (
        " (one app server and one worker killed a third of the way in)" if args.kill else ""
    )
    try:
        report, ok, _ = measure(
            shape,
            users=args.users,
            seconds=args.seconds,
            athletes=args.athletes,
            kill=args.kill,
            drain=args.drain,
            title=title,
            max_requests=args.max_requests,
            wait=args.wait,
        )
        if args.budget:
            email = shape.django(FIRST_ATHLETE)
            report += "\n" + budget_table(page_budget(shape, email))
    finally:
        if not args.keep:
            scaleout.stop(shape)
            if kind != "single":
                scaleout.drop_database(shape.database)
    print(report)
    if args.markdown:
        Path(args.markdown).write_text(report)
    return 0 if ok else 1


def render(
    title: str,
    rows: list[dict[str, str]],
    counts: dict,
    killed: dict[str, int | None],
    elapsed: float,
    failures: dict[str, list[dict]] | None = None,
    drained: float = 0.0,
) -> str:
    """The markdown report of one run."""
    lines = [
        f"### {title}",
        "",
        "| endpoint | requests | failures | req/s | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        name = r["Name"] if r["Name"] != "Aggregated" else "**all**"
        lines.append(
            f"| {r['Type'] + ' ' if r['Type'] else ''}{name} | {r['Request Count']} | "
            f"{r['Failure Count']} | {float(r['Requests/s']):.1f} | {r['50%']} | {r['95%']} | "
            f"{r['99%']} |"
        )
    lines += [
        "",
        "| write | acknowledged | found once | lost | duplicated | stored in all |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    stored = counts.get("stored", {})
    for kind, ns in sorted(counts["found"].items()):
        lines.append(
            f"| {kind} | {len(ns)} | {sum(1 for n in ns if n == 1)} | "
            f"{sum(1 for n in ns if n == 0)} | {sum(1 for n in ns if n > 1)} | "
            f"{stored.get(kind, '')} |"
        )
    lines.append("")
    lines.append(
        f"Imports still waiting after the drain: {counts['pending']} "
        f"(the drain took {drained:.0f} s)."
    )
    if failures is not None:
        lines.append(
            f"Failed requests: {len(failures['kill'])} in flight at the kill (5xx or no answer), "
            f"{len(failures['other'])} other."
        )
        for e in failures["other"][:10]:
            lines.append(f"- `{e['name']}` {e['status'] or 'no answer'}: {e['error'][:120]}")
    if killed:
        lines.append(
            f"Killed: app server pid {killed.get('app')}, worker pid {killed.get('worker')}."
        )
    lines.append(f"Load ran {elapsed:.0f} s.")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--target",
        "--kind",
        dest="target",
        choices=sorted(TARGETS),
        default="sqlite",
        help="sqlite (= single): one app server and a worker on SQLite; postgres: the same on "
        "PostgreSQL; scaleout: two app servers, two RQ workers, Redis, S3",
    )
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--max-requests", type=int, default=0, help="stop after this many")
    parser.add_argument(
        "--wait",
        default="0.5,2",
        help='seconds each user waits between tasks, "min,max" (default 0.5,2: like people); '
        '"0" sends requests back to back (the shape\'s capacity)',
    )
    parser.add_argument("--athletes", type=int, default=40)
    parser.add_argument("--kill", action="store_true")
    parser.add_argument("--drain", type=int, default=180, help="seconds to wait for the queue")
    parser.add_argument("--run-dir", type=Path, default=ROOT / "var" / "load")
    parser.add_argument("--base-port", type=int, default=8200)
    parser.add_argument("--markdown", help="also write the report to this file")
    parser.add_argument("--keep", action="store_true", help="leave the shape running")
    parser.add_argument(
        "--budget",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="after the load, time /today/ and the load page against /robots.txt with 8 "
        "clients back to back (the page budget; on by default)",
    )
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
