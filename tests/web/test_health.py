"""/healthz: 200 only when the database and the queue answer and, where tasks need a worker,
a worker's heartbeat is fresh; 503 with a JSON body that says which part is down otherwise."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from backstride.web.models import WorkerHeartbeat


def beat(age_seconds: float, worker_id: str = "w1") -> None:
    """A worker heartbeat last seen ``age_seconds`` ago."""
    seen = timezone.now() - timedelta(seconds=age_seconds)
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id, defaults={"started_at": seen, "last_seen": seen}
    )


@pytest.mark.django_db
def test_healthz_is_ok_when_database_queue_and_a_fresh_worker_answer(client):
    beat(5)
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["vendor"] == connection.vendor
    assert body["queue"]["backend"] == "database"
    assert body["worker"]["ok"] is True
    assert body["worker"]["state"] == "fresh"


@pytest.mark.django_db
def test_healthz_is_503_when_the_queue_does_not_answer(client, settings):
    beat(5)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend"}}
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["queue"]["ok"] is False


@pytest.mark.django_db
def test_healthz_is_503_when_the_worker_heartbeat_is_stale(client, settings):
    settings.WORKER_HEARTBEAT_MAX_AGE = 120
    beat(3600)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"]["ok"] is True and body["queue"]["ok"] is True
    assert body["worker"]["ok"] is False
    assert body["worker"]["state"] == "stale"
    assert body["worker"]["detail"] == (
        "The worker is stale: its last heartbeat was 3600 s ago (the limit is 120 s)."
    )


@pytest.mark.django_db
def test_healthz_turns_503_just_after_the_heartbeat_max_age(client, settings):
    settings.WORKER_HEARTBEAT_MAX_AGE = 60
    now = timezone.now()
    beat(0)
    with time_machine.travel(now + timedelta(seconds=59), tick=False):
        assert client.get("/healthz").status_code == 200
    with time_machine.travel(now + timedelta(seconds=61), tick=False):
        assert client.get("/healthz").status_code == 503


@pytest.mark.django_db
def test_healthz_uses_the_freshest_of_several_workers(client):
    beat(3600, "dead")
    beat(5, "alive")
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_healthz_is_503_when_no_worker_has_a_heartbeat_fresh_install_or_all_stopped(client):
    # A worker deletes its heartbeat when it stops cleanly, so "no heartbeat" means "no
    # worker running" as much as "never started": nothing would be published or emailed.
    response = client.get("/healthz")
    assert response.status_code == 503
    worker = response.json()["worker"]
    assert worker["state"] == "missing"
    assert worker["detail"] == (
        "No worker is running: none has sent a heartbeat. Start one with `backstride worker`."
    )


@pytest.mark.django_db
def test_healthz_needs_no_worker_when_tasks_run_in_the_web_process(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["worker"]["state"] == "not needed"


@pytest.mark.django_db
def test_home_page_renders_with_skip_link_and_landmarks(client):
    html = client.get("/").content.decode()
    assert 'class="skip-link" href="#main"' in html
    assert "<main" in html and "<nav" in html and "<footer" in html
    assert "Not a diagnosis" in html
    assert "vendor/htmx.min.js" in html
    assert "https://" not in html.split("<body", 1)[0]  # no CDN in <head>
