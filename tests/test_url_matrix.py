"""Every page without URL arguments answers every role without a server error.

A cheap net under the per-app authorisation tests: it walks the URL configuration, so a new
page is covered the day it is added.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from backstride.web.models import WorkerHeartbeat

SKIP_PREFIXES = ("admin/", "api/", "newsletter/anymail/")


def parameterless_paths() -> list[str]:
    found: list[str] = []

    def walk(patterns: list, prefix: str) -> None:
        for p in patterns:
            route = str(p.pattern)
            if isinstance(p, URLResolver):
                if "<" in route or (prefix + route).startswith(SKIP_PREFIXES):
                    continue
                walk(p.url_patterns, prefix + route)
            elif isinstance(p, URLPattern):
                full = prefix + route
                if "<" in full or "(?P" in full or full.startswith(SKIP_PREFIXES):
                    continue
                found.append("/" + full.lstrip("^").rstrip("$"))

    walk(get_resolver().url_patterns, "")
    return sorted(set(found))


ROLES = ["anonymous", "athlete", "clinician", "editor", "admin_user"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_no_page_gives_a_server_error(role, request, client_for):
    user = None if role == "anonymous" else request.getfixturevalue(role)
    client = client_for(user)
    client.raise_request_exception = False
    # A live worker, so /healthz answers 200 (it is 503 when no worker's heartbeat is fresh).
    now = timezone.now()
    WorkerHeartbeat.objects.create(worker_id="matrix", started_at=now, last_seen=now)
    paths = parameterless_paths()
    assert "/healthz" in paths and "/accounts/login/" in paths
    failures = {}
    for path in paths:
        response = client.get(path)
        if response.status_code >= 500:
            failures[path] = response.status_code
    assert failures == {}
