"""The scale-out shape, started for real: PostgreSQL, a private Redis, moto's S3 server, two
app servers behind haproxy, two RQ workers (scripts/scaleout.py). Everything goes through the
load balancer over HTTPS, as a browser would; the database is read only to count.

- an upload received by one app process is stored in S3 and imported by a worker in another;
- podcast audio is served in byte ranges from S3;
- a bounded load run (bench/load_run.py, a few hundred requests) with one app server and one
  worker killed 10 s in: no acknowledged write lost or stored twice, no import left waiting,
  nothing stored without an answer except by requests cut off by the kill, and the only failed
  requests those in flight at the kill (started at most ``load_run.KILL_GRACE`` after it, the
  time haproxy takes to mark the server down; at most one per user);
- a Sunday publish queued twice for the same moment runs once with two workers, and the weekly
  email reaches each subscriber once (through a real SMTP server);
- Redis stopped: /healthz says so, an upload is still saved and is imported when it returns;
- S3 stopped: an upload gets a clear 503 and nothing half-written stays.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.deps import missing_dependency

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "bench"))

pytestmark = [pytest.mark.slow]

USERS = 8

PASSWORD = "shape-test-password-2026"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(scope="module")
def smtp() -> Iterator[Any]:
    from tests.conftest import SMTPSink

    sink = SMTPSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture(scope="module")
def shape(tmp_path_factory: pytest.TempPathFactory, smtp: Any) -> Iterator[Any]:
    for tool in ("haproxy", "redis-server", "openssl"):
        if shutil.which(tool) is None:
            missing_dependency(f"{tool} is not installed (scripts/system_deps.py installs it)")
    for module in ("locust", "moto", "storages", "boto3"):
        if importlib.util.find_spec(module) is None:
            missing_dependency(f"{module} is not installed (the dev extra)")
    import scaleout

    saved = dict(os.environ)
    # Short enough for a test: claims go stale in 10 s, an upload without its job in 15 s.
    os.environ.update(
        IMPORT_STALE_CLAIM_SECONDS="10",
        IMPORT_LOST_JOB_SECONDS="15",
        NEWSLETTER_IP_LIMIT="1000000",
        WEB_CONCURRENCY="1",
        EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}",
    )
    port = int(os.environ.get("SCALE_TEST_PORT", "8450"))
    the_shape = scaleout.Shape(tmp_path_factory.mktemp("scaleout"), port, "scaleout")
    try:
        scaleout.start(the_shape, fresh=True)
        yield the_shape
    finally:
        scaleout.stop(the_shape)
        scaleout.drop_database(the_shape.database)
        os.environ.clear()
        os.environ.update(saved)


SETUP = r"""
import sys
from django.utils import timezone
from backstride.accounts.models import User
email, password = sys.argv[1], sys.argv[2]
User.objects.create_user(email=email, password=password, role="athlete",
                         email_verified_at=timezone.now())
print("ok")
"""


def browser() -> Any:
    """An HTTP session that accepts the shape's self-signed certificate (loopback only)."""
    import requests
    import urllib3

    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    session = requests.Session()
    session.verify = False
    session.trust_env = False  # or a CA bundle named in the environment would win over verify
    return session


def signed_in(shape: Any, email: str) -> Any:
    shape.django(SETUP, email, PASSWORD)
    session = browser()
    session.headers["Referer"] = shape.url + "/"
    page = session.get(shape.url + "/accounts/login/")
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    done = session.post(
        shape.url + "/accounts/login/",
        {"csrfmiddlewaretoken": token, "username": email, "password": PASSWORD},
    )
    assert done.status_code == 200 and "/accounts/login/" not in done.url, done.url
    return session


def upload(shape: Any, session: Any, name: str, data: bytes) -> Any:
    page = session.get(shape.url + "/activities/upload/")
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    return session.post(
        shape.url + "/activities/upload/",
        {"csrfmiddlewaretoken": token},
        files={"upload": (name, data, "application/gpx+xml")},
        allow_redirects=False,
    )


COUNT_IMPORTED = r"""
import sys
from backstride.activities.models import ImportItem
print(ImportItem.objects.filter(name=sys.argv[1], status="imported").count())
"""


def imported(shape: Any, name: str, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    count = 0
    while time.monotonic() < deadline:
        count = int(shape.django(COUNT_IMPORTED, name))
        if count:
            return count
        time.sleep(1)
    return count


def gpx(day: int) -> bytes:
    from load.gpx import gpx as make

    return make(f"shape-{day}", datetime(2026, 10, day, 7, tzinfo=UTC))


def s3_keys(shape: Any) -> list[str]:
    listing = shape.s3().list_objects_v2(Bucket="backstride")
    return [o["Key"] for o in listing.get("Contents", [])]


def test_an_upload_to_one_app_server_is_imported_by_a_worker_from_s3(shape: Any) -> None:
    session = signed_in(shape, "ula@example.org")
    before = set(s3_keys(shape))
    response = upload(shape, session, "morning.gpx", gpx(1))
    assert response.status_code == 302, response.text[:500]
    assert imported(shape, "morning.gpx") == 1
    new = set(s3_keys(shape)) - before
    # the original file, kept in S3 by the worker for the athlete's downloads
    assert [k for k in new if k.startswith("activities/originals/")], new


def test_podcast_audio_is_served_in_byte_ranges_from_s3(shape: Any) -> None:
    feed = browser().get(shape.url + "/podcast/feed.xml", timeout=10)
    path = re.search(r'enclosure url="[^"]*?(/podcast/audio/[0-9a-f]+\.mp3)"', feed.text)
    assert path, feed.text[:500]
    whole = browser().get(shape.url + path.group(1), timeout=10)
    part = browser().get(shape.url + path.group(1), headers={"Range": "bytes=100-1099"}, timeout=10)
    assert whole.status_code == 200 and part.status_code == 206
    assert part.content == whole.content[100:1100]
    again = browser().get(
        shape.url + "/podcast/feed.xml",
        headers={"If-None-Match": feed.headers["ETag"]},
        timeout=10,
    )
    assert again.status_code == 304


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
    for name in ("app1", "worker1"):  # the shape whole again for the tests below
        shape.restart(name)


SCHEDULE_TWICE = r"""
import uuid
from datetime import timedelta
from django.utils import timezone
from backstride.newsletter.models import Subscriber
from backstride.publication import services
from backstride.publication.models import Episode, Status
Subscriber.objects.create(email="weekly.reader@example.org", first_name="Wes",
                          status=Subscriber.Status.CONFIRMED, weekly_episodes=True)
episode = Episode.objects.filter(status=Status.PUBLISHED).first()
episode.pk = None
episode.slug, episode.guid, episode.number = "sunday-shape-test", uuid.uuid4(), None
episode.title = "Sunday shape test"
episode.status = Status.SCHEDULED
episode.published_at = timezone.now() + timedelta(seconds=5)
episode.side_effects_done_at = None
episode.save()
services.schedule_side_effects(episode)  # the editor saved it on one app server…
services.schedule_side_effects(episode)  # …and again on the other
print(Subscriber.objects.filter(status="confirmed", weekly_episodes=True).count())
"""

ISSUES = r"""
from backstride.newsletter.models import Issue, OutboxMessage
from backstride.publication.models import Episode
episode = Episode.objects.get(slug="sunday-shape-test")
print(Issue.objects.filter(episode_id=episode.pk).count(),
      OutboxMessage.objects.filter(issue__episode_id=episode.pk).count(),
      episode.side_effects_done_at is not None)
"""


def test_a_scheduled_publish_runs_once_with_two_workers_and_emails_each_reader_once(
    shape: Any, smtp: Any
) -> None:
    smtp.clear()
    readers = int(shape.django(SCHEDULE_TWICE))
    deadline = time.monotonic() + 90
    sent: list[Any] = []
    while time.monotonic() < deadline:
        sent = [m for m in smtp.messages if "Sunday shape test" in str(m["Subject"])]
        if len(sent) >= readers:
            break
        time.sleep(1)
    time.sleep(5)  # a second run, if there were one, would have sent by now
    sent = [m for m in smtp.messages if "Sunday shape test" in str(m["Subject"])]
    recipients = sorted(str(m["To"]) for m in sent)
    assert len(recipients) == readers, recipients
    assert len(set(recipients)) == readers  # nobody twice
    assert "weekly.reader@example.org" in recipients
    assert shape.django(ISSUES) == f"1 {readers} True"


def test_redis_down_for_a_while(shape: Any) -> None:
    session = signed_in(shape, "rea@example.org")
    os.killpg(shape.pids()["redis"], 9)
    time.sleep(1)
    health = browser().get(shape.url + "/healthz", timeout=10)
    assert health.status_code == 503 and health.json()["queue"]["ok"] is False
    response = upload(shape, session, "while-redis-was-down.gpx", gpx(2))
    assert response.status_code == 302, response.text[:500]  # saved; its job comes later
    time.sleep(10)
    shape.restart("redis")
    assert imported(shape, "while-redis-was-down.gpx", timeout=90) == 1
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if browser().get(shape.url + "/healthz", timeout=10).status_code == 200:
            break
        time.sleep(1)
    else:
        pytest.fail("/healthz did not recover after Redis came back")


COUNT_ITEMS = r"""
from backstride.activities.models import ImportItem
print(ImportItem.objects.count())
"""


def test_s3_down_an_upload_gets_a_clear_answer_and_nothing_half_written(shape: Any) -> None:
    session = signed_in(shape, "sam@example.org")
    before = int(shape.django(COUNT_ITEMS))
    os.killpg(shape.pids()["s3"], 9)
    time.sleep(1)
    response = upload(shape, session, "while-s3-was-down.gpx", gpx(3))
    assert response.status_code == 503
    assert "couldn&#x27;t store your file just now" in response.text
    assert int(shape.django(COUNT_ITEMS)) == before
    shape.restart("s3")
