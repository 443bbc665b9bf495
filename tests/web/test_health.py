import pytest
from django.db import connection


@pytest.mark.django_db
def test_healthz_is_ok_when_database_and_queue_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["vendor"] == connection.vendor
    assert body["queue"]["backend"] == "database"


@pytest.mark.django_db
def test_healthz_is_503_when_the_queue_does_not_answer(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend"}}
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["queue"]["ok"] is False


@pytest.mark.django_db
def test_healthz_reports_a_stale_worker(client):
    from datetime import timedelta

    from django.utils import timezone

    from backstride.web.models import WorkerHeartbeat

    old = timezone.now() - timedelta(hours=1)
    WorkerHeartbeat.objects.create(worker_id="w1", started_at=old, last_seen=old)
    body = client.get("/healthz").json()
    assert body["worker"]["ok"] is False
    assert "ago" in body["worker"]["detail"]


@pytest.mark.django_db
def test_home_page_renders_with_skip_link_and_landmarks(client):
    html = client.get("/").content.decode()
    assert 'class="skip-link" href="#main"' in html
    assert "<main" in html and "<nav" in html and "<footer" in html
    assert "Not a diagnosis" in html
    assert "vendor/htmx.min.js" in html
    assert "https://" not in html.split("<body", 1)[0]  # no CDN in <head>
