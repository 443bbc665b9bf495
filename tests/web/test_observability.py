"""Request ids, JSON logs, queue depth and worker state in /healthz and the admin, and
Prometheus metrics at /metrics (off by default; protected when on)."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import pytest
from django.core import checks
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from backstride.accounts.tasks import send_verification_email
from backstride.lib.logs import JsonFormatter
from backstride.web.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


def beat(age_seconds: float, worker_id: str = "w1") -> None:
    seen = timezone.now() - timedelta(seconds=age_seconds)
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id, defaults={"started_at": seen, "last_seen": seen}
    )


def request_lines(caplog: Any) -> list[dict[str, Any]]:
    """The request log lines as the JSON formatter writes them."""
    formatter = JsonFormatter()
    return [
        json.loads(formatter.format(r)) for r in caplog.records if r.name == "backstride.request"
    ]


# --- Request ids ----------------------------------------------------------------------
def test_every_response_carries_a_fresh_request_id(client):
    first = client.get("/")["X-Request-ID"]
    second = client.get("/")["X-Request-ID"]
    assert len(first) == 32 and int(first, 16) >= 0
    assert first != second


def test_a_client_cannot_choose_its_request_id_unless_the_proxy_is_trusted(client, settings):
    settings.TRUST_X_REQUEST_ID = False
    response = client.get("/", headers={"X-Request-ID": "chosen-by-client"})
    assert response["X-Request-ID"] != "chosen-by-client"


def test_the_trusted_proxys_request_id_is_echoed_and_logged(client, settings, caplog):
    settings.TRUST_X_REQUEST_ID = True
    caplog.set_level(logging.INFO, logger="backstride.request")
    response = client.get("/", headers={"X-Request-ID": "req-7f3a.42"})
    assert response["X-Request-ID"] == "req-7f3a.42"
    [line] = request_lines(caplog)
    assert line["request_id"] == "req-7f3a.42"


def test_a_malformed_request_id_is_replaced_not_logged(client, settings, caplog):
    settings.TRUST_X_REQUEST_ID = True
    caplog.set_level(logging.INFO, logger="backstride.request")
    response = client.get("/", headers={"X-Request-ID": 'x" level=ERROR forged'})
    assert len(response["X-Request-ID"]) == 32
    assert "forged" not in caplog.text


def test_one_json_line_per_request_with_view_status_and_duration(client, caplog):
    caplog.set_level(logging.INFO, logger="backstride.request")
    response = client.get("/healthz")
    [line] = request_lines(caplog)
    assert line["logger"] == "backstride.request"
    assert line["level"] == "INFO"
    assert line["method"] == "GET"
    assert line["path"] == "/healthz"
    assert line["view"] == "web:healthz"
    assert line["status"] == response.status_code
    assert line["duration_ms"] >= 0
    assert line["request_id"] == response["X-Request-ID"]


def test_signed_link_tokens_never_reach_the_request_log(client, caplog):
    caplog.set_level(logging.INFO, logger="backstride.request")
    client.get("/newsletter/confirm/secret-token-value.abc/")
    [line] = request_lines(caplog)
    assert line["path"] == "/newsletter/confirm/[redacted]/"
    assert "secret-token-value" not in json.dumps(line)


def test_django_warnings_during_a_request_carry_its_id(client, caplog):
    response = client.get("/no-such-page/")
    [record] = [r for r in caplog.records if r.name == "django.request"]
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == response["X-Request-ID"]
    assert "request" not in line  # the request object itself is not dumped


def test_json_formatter_keeps_extra_fields_and_the_traceback():
    logger = logging.getLogger("backstride.test")
    try:
        raise ValueError("boom")
    except ValueError:
        record = logger.makeRecord(
            "backstride.test", logging.ERROR, __file__, 1, "import %s failed", ("x.fit",),
            exc_info=__import__("sys").exc_info(), extra={"item": 42},
        )  # fmt: skip
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "import x.fit failed"
    assert line["item"] == 42
    assert "ValueError: boom" in line["exc"]
    assert "request_id" not in line


# --- Queue depth and worker state -------------------------------------------------------
def test_healthz_reports_queue_depth_oldest_wait_and_live_workers(client, athlete):
    beat(5, "a")
    beat(10, "b")
    beat(3600, "dead")
    for _ in range(3):
        send_verification_email.enqueue(athlete.pk)
    body = client.get("/healthz").json()
    assert body["queue"]["pending"] == 3
    assert body["queue"]["oldest_pending_age_s"] >= 0
    assert body["worker"]["alive"] == 2
    assert body["worker"]["age_s"] == pytest.approx(5, abs=2)


def test_admin_shows_queue_depth_and_a_stale_worker(client_for, admin_user, athlete, settings):
    settings.WORKER_HEARTBEAT_MAX_AGE = 60
    beat(600)
    send_verification_email.enqueue(athlete.pk)
    response = client_for(admin_user).get("/admin/web/workerheartbeat/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 task waiting" in html
    assert "0 alive" in html
    assert "The worker is stale: its last heartbeat was 600 s ago" in html


def test_worker_admin_is_for_staff_only(client_for, athlete):
    response = client_for(athlete).get("/admin/web/workerheartbeat/")
    assert response.status_code == 302


# --- Prometheus metrics -----------------------------------------------------------------
TOKEN = "metrics-token-" + "k" * 30


def scrape(client: Any, **headers: str) -> dict[str, float]:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    values = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            values[f"{sample.name}{{{labels}}}"] = sample.value
    return values


def test_metrics_are_off_by_default(client):
    assert client.get("/metrics").status_code == 404


def test_metrics_refuse_a_missing_or_wrong_token(client, settings):
    settings.METRICS_ENABLED = True
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = []
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        response = client.get("/metrics", headers=headers)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
        assert "backstride_" not in response.content.decode()


def test_metrics_refuse_an_address_outside_the_allow_list(client, settings):
    settings.METRICS_ENABLED = True
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="192.168.1.5").status_code == 401
    assert client.get("/metrics", REMOTE_ADDR="10.20.30.40").status_code == 200


def test_metrics_count_requests_by_view_and_time_them(client, settings):
    settings.METRICS_ENABLED = True
    settings.METRICS_TOKEN = TOKEN
    auth = {"Authorization": f"Bearer {TOKEN}"}
    key = "backstride_http_requests_total{method=GET,status=200,view=web:home}"
    before = scrape(client, **auth).get(key, 0)
    client.get("/")
    client.get("/")
    after = scrape(client, **auth)
    assert after[key] == before + 2
    assert after["backstride_http_request_duration_seconds_count{view=web:home}"] >= 2


def test_metrics_report_queue_depth_and_worker_heartbeat(client, settings, athlete):
    settings.METRICS_ENABLED = True
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1"]
    beat(30)
    send_verification_email.enqueue(athlete.pk)
    send_verification_email.enqueue(athlete.pk)
    values = scrape(client)
    assert values["backstride_task_queue_up{}"] == 1
    assert values["backstride_task_queue_depth{}"] == 2
    assert values["backstride_workers_alive{}"] == 1
    assert values["backstride_worker_heartbeat_age_seconds{}"] == pytest.approx(30, abs=3)
    assert values["backstride_activity_imports_waiting{}"] == 0
    assert values["backstride_newsletter_outbox_waiting{}"] == 0


def test_metrics_on_without_a_token_or_address_is_flagged_by_check(settings):
    settings.METRICS_ENABLED = True
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = []
    ids = {m.id for m in checks.run_checks()}
    assert "backstride.W001" in ids
    settings.METRICS_ALLOWED_IPS = ["not-an-address"]
    assert "backstride.E001" in {m.id for m in checks.run_checks()}
