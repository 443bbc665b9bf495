"""The export through the API: ask, poll, download; only ever the caller's own."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from backstride.api.models import ApiToken
from backstride.privacy.models import DataExport

pytestmark = pytest.mark.django_db


def auth(user, scope: str = "write") -> dict[str, str]:
    _, raw = ApiToken.issue(user, "test", scope=scope)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_ask_poll_and_download(client, athlete, run_tasks):
    me = auth(athlete)
    asked = client.post("/api/me/exports", **me)
    assert asked.status_code == 202
    body = asked.json()
    assert body["status"] == "queued" and body["download_url"] == ""
    again = client.post("/api/me/exports", **me).json()
    assert again["id"] == body["id"]  # one export at a time
    run_tasks()
    ready = client.get(f"/api/me/exports/{body['id']}", **me).json()
    assert ready["status"] == "ready" and ready["percent"] == 100
    assert ready["download_url"].endswith(f"/api/me/exports/{body['id']}/download")
    download = client.get(f"/api/me/exports/{body['id']}/download", **me)
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert json.loads(archive.read("data.json"))["account"][0]["email"] == athlete.email
    listed = client.get("/api/me/exports", **me).json()
    assert [e["id"] for e in listed] == [body["id"]]


def test_someone_elses_export_is_not_found(client, athlete, other_athlete, clinician, run_tasks):
    export_id = client.post("/api/me/exports", **auth(athlete)).json()["id"]
    run_tasks()
    for someone in (other_athlete, clinician):
        them = auth(someone)
        assert client.get(f"/api/me/exports/{export_id}", **them).status_code == 404
        response = client.get(f"/api/me/exports/{export_id}/download", **them)
        assert response.status_code == 404 and response.json() == {"detail": "No such download."}
        assert client.get("/api/me/exports", **them).json() == []


def test_not_ready_and_expired_downloads_say_so(client, athlete, run_tasks):
    me = auth(athlete)
    export_id = client.post("/api/me/exports", **me).json()["id"]
    early = client.get(f"/api/me/exports/{export_id}/download", **me)
    assert early.status_code == 409 and "not ready" in early.json()["detail"]
    run_tasks()
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        late = client.get(f"/api/me/exports/{export_id}/download", **me)
    assert late.status_code == 410 and "expired" in late.json()["detail"]


def test_a_read_only_token_cannot_start_an_export(client, athlete):
    response = client.post("/api/me/exports", **auth(athlete, scope="read"))
    assert response.status_code == 403
    assert not DataExport.objects.exists()


@pytest.mark.parametrize("bad", ["not-a-uuid", "123"])
def test_a_malformed_id_is_a_clear_4xx(client, athlete, bad):
    response = client.get(f"/api/me/exports/{bad}", **auth(athlete))
    assert response.status_code == 422 and "detail" in response.json()


def test_anonymous_callers_get_401(client):
    assert client.post("/api/me/exports").status_code == 401
    assert client.get("/api/me/exports").status_code == 401
