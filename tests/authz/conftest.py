"""The matrix's world and a client per role."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from backstride.web.models import WorkerHeartbeat

from .world import World, build_world


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
