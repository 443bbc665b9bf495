"""Locust users for Backstride's load test (bench/load_run.py starts it; see docs/benchmarks.md).

Three kinds of visitor, all on loopback:

- **athletes** sign in, read today and the load chart, check in after today's session once,
  log runs by hand and upload GPX files (each with a start time of its own, so none is a
  duplicate of another);
- **readers** browse the home page, the articles, the podcast feed (again with
  ``If-None-Match``, which must answer 304) and byte ranges of an episode's audio;
- **subscribers** sign up to the newsletter with a fresh address.

Every write carries a marker of this run (``LOAD_RUN``); when the server acknowledges it (a
redirect or 200 page that says so), the marker is appended to ``LOAD_ACKS`` so the runner can
count afterwards that each acknowledged write is in the database exactly once. Every failed
request (a 5xx, a refused connection, an unexpected answer) is appended to ``LOAD_EVENTS`` with
when it started and ended, so the runner can tell failures caused by a kill from any other.
``LOAD_MAX_REQUESTS`` (optional) ends the run after that many requests, whatever its time;
``LOAD_WAIT`` ("min,max" seconds between a user's tasks, 0.5–2 by default) sets the pace.
"""

from __future__ import annotations

import json
import os
import random
import re
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import urllib3
from locust import HttpUser, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/, for load.gpx
from load.gpx import gpx

# The shapes' certificate is self-signed (loopback only): say so once, not per request.
urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

RUN = os.environ.get("LOAD_RUN", "load")
ACKS = Path(os.environ.get("LOAD_ACKS", "load-acks.jsonl"))
EVENTS = Path(os.environ.get("LOAD_EVENTS", "load-events.jsonl"))
MAX_REQUESTS = int(os.environ.get("LOAD_MAX_REQUESTS", "0") or 0)
ATHLETES: list[str] = json.loads(os.environ.get("LOAD_ATHLETES", "[]"))
PASSWORD = os.environ.get("LOAD_PASSWORD", "")
#: Seconds each user waits between tasks, "min,max" (like people by default; "0,0": flat out).
WAIT = tuple(float(x) for x in os.environ.get("LOAD_WAIT", "0.5,2").split(","))
_lock = threading.Lock()
_next_athlete = iter(range(10**9))
_sent = {"requests": 0}
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def ack(kind: str, marker: str) -> None:
    with _lock, ACKS.open("a") as fh:
        fh.write(json.dumps({"kind": kind, "marker": marker}) + "\n")


class Visitor(HttpUser):
    abstract = True
    wait_time = between(WAIT[0], WAIT[-1])

    def on_start(self) -> None:
        self.client.verify = False  # the scale-out shape's self-signed certificate
        self.client.headers["Referer"] = self.host + "/"  # Django's CSRF check over HTTPS

    def csrf(self, path: str, name: str) -> str:
        page = self.client.get(path, name=name)
        found = CSRF.search(page.content)
        return found.group(1).decode() if found else ""

    def write(
        self,
        path: str,
        data: dict[str, str],
        *,
        saved: Callable[[Any], bool],
        ack_as: tuple[str, str],
        refused: str,
        files: dict[str, Any] | None = None,
        allow_redirects: bool = False,
    ) -> None:
        """POST ``data`` to ``path``'s form (with the token from its GET): when the answer is
        ``saved``, append ``ack_as`` (kind, marker) to the acknowledgements, else fail with
        ``refused`` and the status."""
        token = self.csrf(path, f"{path} [GET]")
        with self.client.post(
            path,
            {"csrfmiddlewaretoken": token, **data},
            files=files,
            name=f"{path} [POST]",
            allow_redirects=allow_redirects,
            catch_response=True,
        ) as response:
            if saved(response):
                ack(*ack_as)
                response.success()
            else:
                response.failure(f"{refused}: {response.status_code}")


class Athlete(Visitor):
    weight = 3

    def on_start(self) -> None:
        super().on_start()
        with _lock:
            index = next(_next_athlete)
        self.email = ATHLETES[index % len(ATHLETES)]
        self.day = 1 + index * 50  # each athlete logs on days of its own, going back
        token = self.csrf("/accounts/login/", "/accounts/login/ [GET]")
        self.client.post(
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "username": self.email, "password": PASSWORD},
            name="/accounts/login/ [POST]",
        )
        self.checked_in = False

    @task(4)
    def today(self) -> None:
        self.client.get("/today/", name="/today/")

    @task(2)
    def load_page(self) -> None:
        self.client.get("/activities/load/", name="/activities/load/")

    @task(1)
    def rehab_checkin(self) -> None:
        if self.checked_in:
            return
        self.checked_in = True
        marker = f"{RUN}:checkin:{self.email}"
        self.write(
            "/rehab/checkin/",
            {
                "pain_before": "2",
                "pain_during": "3",
                "pain_now": "2",
                "leg_symptoms": "same",
                "stiffness": "3",
                "effort": "4",
            },
            saved=lambda r: (
                r.status_code == 302 and "checkin/result" in r.headers.get("Location", "")
            ),
            ack_as=("checkin", marker),
            refused="check-in not saved",
        )

    @task(2)
    def log_run(self) -> None:
        self.day += 1
        marker = f"{RUN}-run-{self.email}-{self.day}"
        when = datetime.now(UTC) - timedelta(days=self.day)
        self.write(
            "/activities/log/",
            {
                "sport": "run",
                "date": when.date().isoformat(),
                "start_time": f"{random.randint(6, 20):02d}:{random.randint(0, 59):02d}",
                "distance_km": "3.2",
                "duration": "20:00",
                "title": marker,
            },
            saved=lambda r: r.status_code == 302,
            ack_as=("run", marker),
            refused="run not saved",
        )

    @task(1)
    def upload(self) -> None:
        self.day += 1
        marker = f"{RUN}-gpx-{self.email}-{self.day}"
        start = datetime.now(UTC).replace(hour=7, minute=0, second=0, microsecond=0)
        start -= timedelta(days=self.day)
        self.write(
            "/activities/upload/",
            {},
            files={"upload": (f"{marker}.gpx", gpx(marker, start), "application/gpx+xml")},
            saved=lambda r: (
                r.status_code == 302 and "/activities/imports/" in r.headers.get("Location", "")
            ),
            ack_as=("upload", f"{marker}.gpx"),
            refused="upload not accepted",
        )


class Reader(Visitor):
    weight = 4

    def on_start(self) -> None:
        super().on_start()
        self.etag = ""
        self.article = ""
        self.audio = ""

    @task(3)
    def home(self) -> None:
        self.client.get("/", name="/")

    @task(3)
    def robots(self) -> None:
        """A page that reads nothing: the baseline for the "within 3×" page budgets."""
        self.client.get("/robots.txt", name="/robots.txt")

    @task(3)
    def articles(self) -> None:
        page = self.client.get("/articles/", name="/articles/")
        links = re.findall(rb'href="(/articles/[a-z0-9-]+/)"', page.content)
        if links:
            self.article = random.choice(links).decode()
            self.client.get(self.article, name="/articles/<slug>/")

    @task(2)
    def feed(self) -> None:
        headers = {"If-None-Match": self.etag} if self.etag else {}
        with self.client.get(
            "/podcast/feed.xml", headers=headers, name="/podcast/feed.xml", catch_response=True
        ) as response:
            if response.status_code == 304 or (response.status_code == 200 and not self.etag):
                self.etag = response.headers.get("ETag", "")
                response.success()
            elif response.status_code == 200:
                self.etag = response.headers.get("ETag", "")
                response.success()  # the feed changed (a Sunday publish)
            else:
                response.failure(f"feed: {response.status_code}")

    @task(1)
    def audio(self) -> None:
        if not self.audio:
            feed = self.client.get("/podcast/feed.xml", name="/podcast/feed.xml")
            found = re.search(
                rb'enclosure url="[^"]*?(/podcast/audio/[0-9a-f]+\.mp3)"', feed.content
            )
            if not found:
                return
            self.audio = found.group(1).decode()
        with self.client.get(
            self.audio,
            headers={"Range": "bytes=0-65535"},
            name="/podcast/audio/<name> [Range]",
            catch_response=True,
        ) as response:
            length = response.headers.get("Content-Length", "")
            if response.status_code == 206 and length == str(len(response.content)) != "0":
                response.success()
            else:
                response.failure(f"audio range: {response.status_code}")


class Subscriber(Visitor):
    weight = 1

    @task
    def signup(self) -> None:
        marker = f"{RUN}.{random.getrandbits(48):x}@example.org"
        self.write(
            "/newsletter/",
            {"email": marker, "first_name": "Load", "consent": "on"},
            saved=lambda r: r.status_code == 200 and b"Check your inbox" in r.content,
            ack_as=("subscriber", marker),
            refused="signup",
            allow_redirects=True,
        )


@events.request.add_listener
def _record(
    request_type: str,
    name: str,
    response: Any = None,
    exception: BaseException | None = None,
    start_time: float | None = None,
    context: Any = None,
    **_: Any,
) -> None:
    """Count requests (to stop at ``LOAD_MAX_REQUESTS``) and note each failure with its times."""
    _sent["requests"] += 1
    if MAX_REQUESTS and _sent["requests"] == MAX_REQUESTS and _environment.get("env"):
        import gevent

        gevent.spawn(_environment["env"].runner.quit)
    status = int(getattr(response, "status_code", 0) or 0)
    if exception is None and status < 500:
        return
    record = {
        "name": f"{request_type} {name}",
        "status": status,  # 0: no answer at all (connection refused or reset)
        "start": start_time or time.time(),
        "end": time.time(),
        "error": str(exception)[:200] if exception else "",
    }
    with _lock, EVENTS.open("a") as fh:
        fh.write(json.dumps(record) + "\n")


_environment: dict[str, Any] = {}


@events.init.add_listener
def _init(environment: Any, **_: Any) -> None:
    _environment["env"] = environment


@events.quitting.add_listener
def _report(environment: Any, **_: Any) -> None:
    environment.process_exit_code = 0  # failures are counted by the runner, not the exit code
