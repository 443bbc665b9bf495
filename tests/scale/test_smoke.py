"""CI smoke run of the load test on the scale-out shape (a bounded bench/load_run.py).

The shape is started for real by scripts/scaleout.py (PostgreSQL, a private Redis, moto's S3
server, two app servers behind haproxy, two RQ workers). Locust sends a few hundred requests
from 8 users in at most 35 s; 10 s in, one app server and one worker are killed with SIGKILL.
After the surviving worker has drained the queue, every write the server acknowledged is looked
up in the database by its marker.

What must hold:

- no acknowledged write lost, none stored twice, no import left waiting;
- no write stored that was not acknowledged, except requests cut off by the kill;
- the only failed requests are 5xx answers or dropped connections of requests *in flight at the
  kill*: started at most 2 s after it (load_run.KILL_GRACE, the time haproxy takes to mark the
  server down; until then a refused connection is retried on the other server) and ended after
  it; at most one per user, since each user has one request in flight. haproxy retries only
  connection failures, so no write is sent twice. Any other failure fails the test.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.deps import missing_dependency

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "bench"))

USERS = 8


@pytest.fixture(scope="module")
def shape(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    for tool in ("haproxy", "redis-server", "openssl"):
        if shutil.which(tool) is None:
            missing_dependency(f"{tool} is not installed (scripts/system_deps.py installs it)")
    for module in ("locust", "moto", "storages", "boto3"):
        if importlib.util.find_spec(module) is None:
            missing_dependency(f"{module} is not installed (the dev extra)")
    import scaleout

    saved = dict(os.environ)
    os.environ.update(
        # a claim held by the killed worker goes stale in 10 s, an upload whose job was lost
        # is queued again after 15 s: both within the drain
        IMPORT_STALE_CLAIM_SECONDS="10",
        IMPORT_LOST_JOB_SECONDS="15",
        NEWSLETTER_IP_LIMIT="1000000",  # every signup comes from 127.0.0.1
        WEB_CONCURRENCY="1",  # one gunicorn worker per app server: two cores in CI
    )
    port = int(os.environ.get("SCALE_SMOKE_PORT", "8480"))
    the_shape = scaleout.Shape(tmp_path_factory.mktemp("smoke"), port, "scaleout")
    try:
        scaleout.start(the_shape, fresh=True)
        yield the_shape
    finally:
        scaleout.stop(the_shape)
        scaleout.drop_database(the_shape.database)
        os.environ.clear()
        os.environ.update(saved)


def test_a_failure_is_put_down_to_the_kill_only_when_in_flight_at_it() -> None:
    import load_run

    kill = 1000.0

    def failed(start: float, end: float, status: int = 502) -> dict:
        return {"name": "GET /", "status": status, "start": start, "end": end, "error": ""}

    events = [
        failed(999.5, 1000.2),  # in flight at the kill: 502 from haproxy
        failed(1001.0, 1001.1, status=0),  # connection dropped just after, before marked down
        failed(1003.0, 1003.1),  # after the grace: a 5xx of its own
        failed(998.0, 999.0),  # before the kill
        failed(999.9, 1000.5, status=403),  # not a server-side failure
    ]
    split = load_run.classify(events, kill)
    assert [(e["start"], e["status"]) for e in split["kill"]] == [(999.5, 502), (1001.0, 0)]
    assert len(split["other"]) == 3
    assert load_run.classify(events[:1], None)["other"] == events[:1]  # no kill, no excuse


@pytest.mark.slow
def test_bounded_load_with_an_app_server_and_a_worker_killed_loses_nothing(shape: Any) -> None:
    import scaleout

    import load_run

    report, ok, numbers = load_run.measure(
        shape,
        users=USERS,
        seconds=35,
        max_requests=400,
        athletes=USERS,
        kill=True,
        kill_at=10,
        drain=45,
        title="CI smoke run (scale-out, both kills)",
    )
    print(report)
    counts, failures = numbers["counts"], numbers["failures"]

    # Both kills happened, and the killed processes are gone.
    assert numbers["killed"]["app"] and numbers["killed"]["worker"], report
    pids = shape.pids()
    assert pids["app1"] is None and pids["worker1"] is None, pids
    assert pids["app2"] and pids["worker2"], pids

    # A few hundred requests, writes of every kind among them.
    total = next(r for r in numbers["rows"] if r["Name"] == "Aggregated")
    assert int(total["Request Count"]) >= 200, report
    acked = {kind: len(ns) for kind, ns in counts["found"].items()}
    assert {"run", "upload", "subscriber"} <= set(acked), report

    # Zero lost, zero duplicated, the queue drained by the surviving worker.
    assert ok, report
    assert counts["pending"] == 0, report
    for kind, ns in counts["found"].items():
        assert all(n == 1 for n in ns), (kind, ns)

    # Failures: only requests in flight at the kill, at most one per user.
    assert failures["other"] == [], report
    assert len(failures["kill"]) <= USERS, report

    # Nothing stored without an answer, but what a failed request in the kill window wrote.
    cut_off = len(failures["kill"])
    for kind, stored in counts["stored"].items():
        assert acked.get(kind, 0) <= stored <= acked.get(kind, 0) + cut_off, (kind, report)

    assert scaleout.alive(pids["app2"])  # the survivor still answers through haproxy
