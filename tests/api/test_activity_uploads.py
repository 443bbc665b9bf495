"""Uploading activity files through the API: the same queued import as the upload page,
202 with a status resource, per-file errors, no duplicates on a second upload, 413 and 422."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backstride.activities.models import Activity, ImportBatch
from backstride.api.models import ApiToken
from tests.activities.files import gpx_run, make_zip, tcx_treadmill

pytestmark = pytest.mark.django_db

URL = "/api/activities/imports/"


@pytest.fixture(autouse=True)
def own_media(media_root: Path) -> Path:
    return media_root


@pytest.fixture
def auth(athlete) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(athlete, 'sync')[1]}"}


def send(client, auth, *files: tuple[str, bytes], **extra):
    payload = {"files": [SimpleUploadedFile(name, data) for name, data in files]}
    return client.post(URL, payload, **auth, **extra)


def test_upload_answers_202_then_the_worker_imports_and_the_status_says_so(
    client, auth, athlete, run_tasks
):
    run = gpx_run(km=3.0)
    treadmill = tcx_treadmill()
    response = send(client, auth, ("morning.gpx", run), ("treadmill.tcx", treadmill))
    assert response.status_code == 202, response.content
    body = response.json()
    assert response["Location"] == body["url"] == f"{URL}{body['id']}"
    assert body["status"] == "queued" and not body["finished"] and body["percent"] == 0
    assert [f["name"] for f in body["files"]] == ["morning.gpx", "treadmill.tcx"]
    assert not Activity.objects.exists()  # nothing parsed inside the request
    assert ImportBatch.objects.get(pk=body["id"]).via == "api"

    assert run_tasks() == 2
    done = client.get(body["url"], **auth).json()
    assert done["status"] == "finished" and done["finished"] and done["percent"] == 100
    assert done["imported"] == 2 and done["rejected"] == 0
    created = set(Activity.objects.filter(user=athlete).values_list("pk", flat=True))
    assert set(done["created_activity_ids"]) == created and len(created) == 2
    by_name = {f["name"]: f for f in done["files"]}
    assert by_name["morning.gpx"]["format"] == "gpx" and by_name["morning.gpx"]["error"] == ""
    gpx_activity = client.get(f"/api/activities/{by_name['morning.gpx']['activity_id']}", **auth)
    assert gpx_activity.status_code == 200 and gpx_activity.json()["has_gps"]


def test_the_same_file_again_is_a_duplicate_not_a_second_activity(client, auth, run_tasks):
    run = gpx_run()
    first = send(client, auth, ("run.gpx", run)).json()
    run_tasks()
    again = send(client, auth, ("renamed.gpx", run)).json()
    run_tasks()
    status = client.get(again["url"], **auth).json()
    assert status["duplicates"] == 1 and status["imported"] == 0
    assert status["created_activity_ids"] == []
    original = client.get(first["url"], **auth).json()["files"][0]["activity_id"]
    assert status["files"][0]["status"] == "duplicate"
    assert status["files"][0]["activity_id"] == original
    assert Activity.objects.count() == 1


def test_each_bad_file_gets_its_own_error_and_the_good_ones_still_import(client, auth, run_tasks):
    response = send(
        client,
        auth,
        ("notes.txt", b"just some words, not a run"),
        ("empty.gpx", b""),
        ("good.gpx", gpx_run()),
    )
    assert response.status_code == 202
    run_tasks()
    status = client.get(response.json()["url"], **auth).json()
    by_name = {f["name"]: f for f in status["files"]}
    assert by_name["empty.gpx"]["status"] == "rejected"
    assert "empty" in by_name["empty.gpx"]["error"]
    assert by_name["notes.txt"]["status"] == "rejected" and by_name["notes.txt"]["error"]
    assert by_name["good.gpx"]["status"] == "imported"
    assert status["imported"] == 1 and status["rejected"] == 2


def test_an_archive_reports_each_entry(client, auth, run_tasks):
    archive = make_zip(
        [
            ("a.gpx", gpx_run(start=datetime(2025, 4, 1, 7, tzinfo=UTC))),
            ("b.gpx", gpx_run(start=datetime(2025, 4, 3, 7, tzinfo=UTC))),
            ("readme.txt", b"hello"),
        ]
    )
    response = send(client, auth, ("export.zip", archive))
    run_tasks()
    status = client.get(response.json()["url"], **auth).json()
    (top,) = status["files"]
    assert top["kind"] == "archive"
    entries = {e["name"]: e["status"] for e in top["entries"]}
    assert entries["a.gpx"] == entries["b.gpx"] == "imported"
    assert len(status["created_activity_ids"]) == 2


def test_the_status_takes_a_fixed_number_of_queries(client, auth, run_tasks):
    files = [
        (f"r{i}.gpx", gpx_run(start=datetime(2025, 5, 1 + i, 7, tzinfo=UTC))) for i in range(6)
    ]
    url = send(client, auth, *files).json()["url"]
    run_tasks()
    client.get(url, **auth)  # warm up (session, token lookups)
    with CaptureQueriesContext(connection) as few:
        client.get(url, **auth)
    one = send(client, auth, ("x.gpx", gpx_run(start=datetime(2025, 6, 1, tzinfo=UTC)))).json()
    with CaptureQueriesContext(connection) as single:
        client.get(one["url"], **auth)
    assert len(few) == len(single)


def test_no_files_too_many_files_and_a_text_field_are_422(client, auth, settings):
    assert client.post(URL, {}, **auth).status_code == 422
    empty = client.post(URL, {"files": ""}, **auth)
    assert empty.status_code == 422 and "Choose at least one file" in empty.json()["detail"]
    settings.ACTIVITIES_MAX_UPLOAD_FILES = 2
    many = send(client, auth, *[(f"{i}.gpx", gpx_run()) for i in range(3)])
    assert many.status_code == 422 and "at most 2 files" in many.json()["detail"]
    assert not ImportBatch.objects.exists()


def test_a_body_over_the_upload_cap_is_413_and_nothing_is_stored(
    client, auth, settings, media_root
):
    settings.ACTIVITIES_MAX_UPLOAD_BYTES = 1024
    response = send(client, auth, ("big.gpx", b"<gpx>" + b" " * 200_000))
    assert response.status_code == 413 and "too large" in response.json()["detail"]
    assert not ImportBatch.objects.exists()
    assert not any(p.is_file() for p in media_root.rglob("*"))


def test_uploads_are_private_and_need_a_write_token(
    client, auth, athlete, other_athlete, clinician
):
    url = send(client, auth, ("run.gpx", gpx_run())).json()["url"]
    for person in (other_athlete, clinician):
        theirs = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(person, 'x')[1]}"}
        assert client.get(url, **theirs).status_code in (403, 404)
        assert client.get(URL, **theirs).status_code in (200, 403)
        if client.get(URL, **theirs).status_code == 200:
            assert client.get(URL, **theirs).json() == []
    reader = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(athlete, 'r', scope='read')[1]}"}
    refused = send(client, reader, ("run2.gpx", gpx_run()))
    assert refused.status_code == 403 and "only read" in refused.json()["detail"]
    assert client.get(URL, **reader).status_code == 200
    assert client.get(f"{URL}not-a-uuid", **auth).status_code == 422  # the id is checked
    assert client.get(f"{URL}00000000-0000-0000-0000-000000000000", **auth).status_code == 404


def test_the_import_list_is_paginated_and_filtered_by_day(client, auth, athlete):
    from django.utils import timezone

    for _ in range(3):
        send(client, auth, ("x.txt", b"nope"))
    ImportBatch.objects.update(created_at=timezone.make_aware(datetime(2025, 1, 10, 12)))
    send(client, auth, ("y.txt", b"nope"))
    assert len(client.get(f"{URL}?limit=2", **auth).json()) == 2
    assert len(client.get(f"{URL}?until=2025-01-10", **auth).json()) == 3
    assert len(client.get(f"{URL}?since=2025-01-11", **auth).json()) == 1
    bad = client.get(f"{URL}?since=2025-02-01&until=2025-01-01", **auth)
    assert bad.status_code == 422 and "on or before" in str(bad.json()["detail"])
