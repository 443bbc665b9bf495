"""Shared test fixtures: fixed people, a real SMTP server, a real task worker, a real browser."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tests.deps import missing_dependency

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("BACKSTRIDE_SHARED", REPO.parent / "shared"))
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/shots"))  # browser tests' screenshots
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Each test starts with an empty cache. Each test's transaction is rolled back, and on
    SQLite the ids it used are used again by the next test, so a records token
    (accounts/freshness.py) could repeat across tests; in production a token is never read
    inside a transaction that might roll back."""
    from django.core.cache import cache

    cache.clear()
    yield


def pytest_report_header(config: pytest.Config) -> list[str]:
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    name = {"sqlite3": "SQLite", "postgresql": "PostgreSQL"}.get(engine, engine)
    return [f"database: {name} ({settings.DATABASES['default']['NAME']})"]


# --- People ---------------------------------------------------------------------
PASSWORD = "correct-horse-battery-staple"


def make_user(email: str, role: str = "athlete", **extra: Any) -> Any:
    from backstride.accounts.models import User

    extra.setdefault("email_verified_at", timezone.now())
    return User.objects.create_user(email=email, password=PASSWORD, role=role, **extra)


@pytest.fixture
def athlete(db: None) -> Any:
    return make_user("alice@example.org", display_name="Alice")


@pytest.fixture
def other_athlete(db: None) -> Any:
    return make_user("bob@example.org", display_name="Bob")


@pytest.fixture
def clinician(db: None, athlete: Any) -> Any:
    from backstride.accounts.models import CareLink

    user = make_user("charlie@clinic.example", role="clinician", display_name="Charlie")
    CareLink.objects.create(clinician=user, athlete=athlete, consented_at=timezone.now())
    return user


@pytest.fixture
def other_clinician(db: None) -> Any:
    return make_user("dana@otherclinic.example", role="clinician", display_name="Dana")


def make_revoked_clinician(athlete: Any) -> Any:
    """Rory, a clinician ``athlete`` shared their record with ten days ago and stopped sharing
    with yesterday."""
    from backstride.accounts.models import CareLink

    user = make_user("rory@clinic.example", role="clinician", display_name="Rory")
    CareLink.objects.create(
        clinician=user,
        athlete=athlete,
        consented_at=timezone.now() - timedelta(days=10),
        revoked_at=timezone.now() - timedelta(days=1),
    )
    return user


@pytest.fixture
def editor(db: None) -> Any:
    return make_user("erin@example.org", role="editor", display_name="Erin")


@pytest.fixture
def admin_user(db: None) -> Any:
    return make_user("ada@example.org", role="admin", is_staff=True, is_superuser=True)


def load_demo_people() -> None:
    """The demo people, as real accounts: tests run with DEBUG off, where demo logins fail."""
    from io import StringIO

    from backstride.accounts.demo import load_demo
    from backstride.accounts.models import User

    load_demo(StringIO())
    User.objects.filter(is_demo=True).update(is_demo=False)


# Every kind of visitor a permission test checks, as keys of the ``people`` fixture.
ROLES = ["anonymous", "owner", "other_athlete", "clinician", "other_clinician", "editor", "admin"]


@pytest.fixture
def people(
    athlete: Any,
    other_athlete: Any,
    clinician: Any,
    other_clinician: Any,
    editor: Any,
    admin_user: Any,
) -> dict[str, Any]:
    """Each of ROLES → the user (None for anonymous); "owner" is ``athlete``."""
    return {
        "anonymous": None,
        "owner": athlete,
        "other_athlete": other_athlete,
        "clinician": clinician,
        "other_clinician": other_clinician,
        "editor": editor,
        "admin": admin_user,
    }


# Status of a page about the athlete ("owner"), by role: only they and their linked clinician see
# it (can_view_athlete); anyone else gets 404, anonymous visitors go to the login page.
ATHLETE_PAGE_STATUS = {
    "anonymous": 302,
    "owner": 200,
    "other_athlete": 404,
    "clinician": 200,
    "other_clinician": 404,
    "editor": 404,
    "admin": 404,
}
# The same rule in the API, as (fixture name, status) for parametrize.
ATHLETE_API_STATUS = [
    ("athlete", 200),
    ("clinician", 200),
    ("other_athlete", 404),
    ("other_clinician", 404),
    ("editor", 404),
]


@pytest.fixture
def client_for() -> Callable[[Any], Client]:
    """A Django test client logged in as ``user`` (None → anonymous)."""

    def make(user: Any) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return make


# --- Files ------------------------------------------------------------------------
@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    """A media folder of the test's own: uploads, originals, videos and exports land here.

    The apps whose tests all store files (activities, formcheck, privacy) use it for every
    test, from their conftest.py."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


def stored_files(root: Path) -> list[Path]:
    """Every file below ``root``, sorted."""
    return sorted(p for p in root.rglob("*") if p.is_file())


# --- Tasks ------------------------------------------------------------------------
@pytest.fixture
def run_tasks(db: None, monkeypatch: pytest.MonkeyPatch) -> Callable[[], int]:
    """Run every queued task with the real database worker (in process); returns how many ran.

    The worker's ``close_old_connections`` would close the test's transaction, so it is
    switched off here, as Django's test client does for requests.
    """
    from django_tasks_db.management.commands import db_worker
    from django_tasks_db.models import DBTaskResult

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run() -> int:
        total = 0
        for _ in range(20):  # tasks may enqueue tasks
            before = DBTaskResult.objects.exclude(status="READY").count()
            call_command(
                "db_worker",
                "--batch",
                "--no-startup-delay",
                "--no-reload",
                "--queue-name",
                "*",
                verbosity=0,
            )
            ran = DBTaskResult.objects.exclude(status="READY").count() - before
            total += ran
            if ran == 0:
                break
        return total

    return run


def database_url() -> str:
    """DATABASE_URL for a child process (worker, CLI) that must use the test database."""
    from django.db import connection

    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    user, host, port = s["USER"] or "postgres", s["HOST"] or "127.0.0.1", s["PORT"] or 5432
    return f"postgres://{user}@{host}:{port}/{s['NAME']}"


# --- Email: a real SMTP server on loopback ----------------------------------------------
class SMTPSink:
    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[EmailMessage] = []
        self.envelopes: list[Any] = []
        self._lock = threading.Condition()
        sink = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                msg = message_from_bytes(
                    envelope.original_content or envelope.content, policy=policy.default
                )
                with sink._lock:
                    sink.messages.append(msg)  # type: ignore[arg-type]
                    sink.envelopes.append(envelope)
                    sink._lock.notify_all()
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        with self._lock:
            self._lock.wait_for(lambda: len(self.messages) >= count, timeout=timeout)
            if len(self.messages) < count:
                raise AssertionError(f"expected {count} emails, got {len(self.messages)}")
            return list(self.messages)

    def only_email(self, to: str, subject: str) -> EmailMessage:
        """The one email sent so far, checked: addressed to ``to``, ``subject`` in its subject."""
        [message] = self.wait_for(1)
        assert message["To"] == to
        assert subject in message["Subject"], message["Subject"]
        return message

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
            self.envelopes.clear()


def email_text(message: EmailMessage) -> str:
    """The text/plain part of an email."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "no text/plain part"
    return str(part.get_content())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[SMTPSink]:
    """A real aiosmtpd server; Django's SMTP backend is pointed at it."""
    sink = SMTPSink()
    sink.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    yield sink
    sink.stop()


# --- Shared real data ------------------------------------------------------------
@pytest.fixture(scope="session")
def shared_data() -> Path:
    data = SHARED / "data"
    if not data.is_dir():
        missing_dependency(f"shared test data not found at {data} (it sits beside the repo)")
    return data


# --- Browser ---------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        missing_dependency(
            f"Debian chromium is not installed at {CHROMIUM}: run `python3 scripts/system_deps.py`"
            " (make test does this first)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()


def login_in_browser(page: Any, live_server: Any, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("networkidle")


def pick(page: Any, question: str, answer: str) -> None:
    """Choose ``answer`` in the group of options labelled ``question``."""
    page.get_by_role("group", name=question).get_by_text(answer, exact=True).click()


# Content-Security-Policy violations (a script or style the policy blocks) recorded by the page
# itself: install with ``page.add_init_script`` before the first ``goto``, read ``window.__csp``.
RECORD_CSP_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') +
                    ' at ' + (e.sourceFile || location.pathname) + ':' + e.lineNumber +
                    (e.sample ? ' ' + e.sample : ''));
});
"""
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


def no_sideways_scroll(page: Any) -> bool:
    return not page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )


def shoot_at_two_widths(page: Any, name: str) -> None:
    """Full-page screenshots ``<name>-1280.png`` and ``<name>-375.png`` into SHOTS; the page
    must not scroll sideways on a phone. The page is left at desktop width."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(SHOTS / f"{name}-1280.png"), full_page=True)
    page.set_viewport_size(PHONE)
    assert no_sideways_scroll(page), name
    page.screenshot(path=str(SHOTS / f"{name}-375.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def serious(results: Any) -> list[str]:
    """The serious and critical violations in an axe-core run, one readable line each."""
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


@pytest.fixture
def wait_until() -> Callable[..., Any]:
    def wait(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.1) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(interval)
        raise AssertionError("condition not met in time")

    return wait
