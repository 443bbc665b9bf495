"""The matrix's world and a client per role."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from backstride.accounts.models import AuditEvent
from backstride.web.models import WorkerHeartbeat

from .world import ROLES, World, build_world


@pytest.fixture
def world(db: None, settings: Any, tmp_path: Path) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    now = timezone.now()
    # a live worker, so /healthz answers 200
    WorkerHeartbeat.objects.create(worker_id="matrix", started_at=now, last_seen=now)
    return build_world()


def browser(world: World, role: str) -> Client:
    client = Client()
    client.raise_request_exception = False
    user = world.people[role]
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def seen(response: Any) -> str:
    """A response as the matrix writes it: the status, or L for a redirect to the login page."""
    if response.status_code in {301, 302} and response.get("Location", "").startswith(
        "/accounts/login/"
    ):
        return "L"
    return str(response.status_code)


def dump(name: str, role: str, rows: dict[str, str]) -> None:
    """With AUTHZ_DUMP=folder set, write what each role saw (to review a new table)."""
    folder = os.environ.get("AUTHZ_DUMP")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / f"{name}-{role}.json").write_text(json.dumps(rows, indent=1))


class Walk:
    """One role's walk through a table (pages or API operations): what each row answered, the
    rows that answered other than the table says, and the rows on the athlete's data (shows
    client) that left no entry in the athlete's access log although someone else asked."""

    def __init__(self, world: World, role: str) -> None:
        self.world, self.role = world, role
        self.got: dict[str, str] = {}
        self.wrong: dict[str, tuple[str, str]] = {}
        self.unlogged: list[str] = []

    def check(
        self,
        key: str,
        spec: str,
        shows_client: bool,
        request: Callable[[], Any],
        answer: Callable[[Any], str],
    ) -> Any:
        """Send ``request``; ``answer`` (the status as the table writes it) must be the role's
        entry in ``spec`` (statuses in ROLES order). Returns the response."""
        statuses = spec.split()
        assert len(statuses) == len(ROLES), spec
        expected = dict(zip(ROLES, statuses, strict=True))[self.role]
        logged = AuditEvent.objects.filter(athlete=self.world.owner)
        before = logged.count()
        response = request()
        self.got[key] = answer(response)
        if self.got[key] != expected:
            self.wrong[key] = (expected, self.got[key])
        looker = self.role not in {"anonymous", "athlete"}
        if shows_client and looker and logged.count() == before:
            self.unlogged.append(key)
        return response

    def assert_as_the_table_says(self, name: str, row: str) -> None:
        dump(name, self.role, self.got)
        assert self.wrong == {}, f"{row}: (expected, got)"
        assert self.unlogged == [], f"{row}s on the athlete's data that left no access-log entry"
