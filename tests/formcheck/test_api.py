"""The form-check API: upload (multipart), poll, read the report; the page's rules and errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backstride.api.models import ApiToken
from backstride.formcheck.models import ContactFrame, FormCheck
from tests.conftest import ATHLETE_API_STATUS, stored_files

from .conftest import make_done_check

pytestmark = pytest.mark.django_db

API = "/api/formcheck/"


@pytest.fixture
def token_client(client, athlete):
    _token, raw = ApiToken.issue(athlete, "phone")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


def upload(client, path: Path | None, **fields) -> object:
    data = dict(fields)
    if path is not None:
        data["video"] = SimpleUploadedFile(path.name, path.read_bytes())
    return client.post(API, data)


def test_needs_authentication(client):
    assert client.get(API).status_code == 401
    assert client.post(API, {}).status_code == 401


def test_upload_poll_and_read_the_report(token_client, run_tasks, videos, media_root):
    created = upload(token_client, videos.runner(seconds=8), height_cm="180")
    assert created.status_code == 202, created.content
    body = created.json()
    assert body["status"] == "queued" and body["runner_height_cm"] == 180
    assert body["page_url"] == f"/form-check/{body['id']}/"

    early = token_client.get(f"{API}{body['id']}/report")
    assert early.status_code == 409
    assert "not finished" in early.json()["detail"]

    run_tasks()
    polled = token_client.get(f"{API}{body['id']}").json()
    assert polled["status"] == "done" and polled["progress"] == 1.0
    assert polled["video_kept"] is False
    report = token_client.get(f"{API}{body['id']}/report").json()
    metrics = {m["metric"]: m for m in report["metrics"]}
    assert metrics["cadence_spm"]["value"] is not None
    assert metrics["cadence_spm"]["range_text"] == "160 steps a minute or more"
    assert metrics["cadence_spm"]["sources"][0]["url"].startswith("https://doi.org/")
    assert len(report["suggestions"]) <= 2
    frames = report["contact_frames"]
    assert frames and len(frames) == ContactFrame.objects.count()
    assert frames[0]["image_url"] == f"{API}{body['id']}/frames/0.jpg"
    picture = token_client.get(frames[0]["image_url"])
    assert picture.status_code == 200 and picture["Content-Type"] == "image/jpeg"
    assert picture.content[:2] == b"\xff\xd8"
    assert token_client.get(f"{API}{body['id']}/frames/99.jpg").status_code == 404
    assert stored_files(media_root) == []

    listed = token_client.get(API).json()
    assert [c["id"] for c in listed] == [body["id"]]


@pytest.mark.parametrize(
    ("make", "status", "words"),
    [
        (lambda v: v.random_bytes(), 422, "not a video"),
        (lambda v: v.audio_only(), 422, "no picture"),
        (lambda v: v.plain(seconds=45), 422, "5–30 seconds"),
        (lambda v: None, 422, "Choose a video"),
    ],
    ids=["random-bytes", "audio-only", "too-long", "no-file"],
)
def test_bad_uploads_are_422_with_a_sentence(token_client, videos, media_root, make, status, words):
    response = upload(token_client, make(videos))
    assert response.status_code == status
    assert words in response.json()["detail"]
    assert not FormCheck.objects.exists() and stored_files(media_root) == []


def test_an_empty_file_is_422(token_client):
    response = token_client.post(API, {"video": SimpleUploadedFile("a.mp4", b"")})
    assert response.status_code == 422
    assert "empty" in response.json()["detail"]


def test_bad_choices_are_422(token_client, videos):
    response = upload(token_client, videos.runner(), view="above", slowmo="3", height_cm="20")
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "valid choice" in detail and "between 100 and 230" in detail


def test_too_big_is_413_before_the_body_is_read(token_client, settings, media_root):
    settings.FORM_MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile("run.mp4", b"\0" * (2 * 1024 * 1024))
    response = token_client.post(API, {"video": big})
    assert response.status_code == 413
    assert "too large" in response.json()["detail"]
    assert stored_files(media_root) == []


def test_too_big_with_session_auth_too(client_for, athlete, settings, media_root):
    settings.FORM_MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile("run.mp4", b"\0" * (2 * 1024 * 1024))
    response = client_for(athlete).post(API, {"video": big})
    assert response.status_code == 413
    assert stored_files(media_root) == []


def test_delete_removes_the_check_and_its_files(
    token_client, athlete, run_tasks, videos, media_root
):
    created = upload(token_client, videos.runner(seconds=8), keep_video="true").json()
    run_tasks()
    assert len(stored_files(media_root)) == 1
    assert token_client.delete(f"{API}{created['id']}").status_code == 204
    assert not FormCheck.objects.exists() and not ContactFrame.objects.exists()
    assert stored_files(media_root) == []
    assert token_client.get(f"{API}{created['id']}").status_code == 404


def test_someone_elses_check_is_404(token_client, other_athlete):
    theirs = make_done_check(other_athlete)
    for url in [f"{API}{theirs.pk}", f"{API}{theirs.pk}/report", f"{API}{theirs.pk}/frames/0.jpg"]:
        response = token_client.get(url)
        assert response.status_code == 404
        assert response.json() == {"detail": "No such form check."}
    assert token_client.delete(f"{API}{theirs.pk}").status_code == 404
    assert FormCheck.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize(("who", "status"), ATHLETE_API_STATUS)
def test_client_endpoints_follow_the_care_link(request, client_for, athlete, who, status):
    check = make_done_check(athlete)
    client = client_for(request.getfixturevalue(who))
    base = f"{API}athlete/{athlete.pk}/"
    urls = [base, f"{base}{check.pk}", f"{base}{check.pk}/report", f"{base}{check.pk}/frames/0.jpg"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == status, url
    if status == 200:
        report = client.get(f"{base}{check.pk}/report").json()
        assert report["metrics"]


def test_a_clinician_cannot_upload_for_themself(client_for, clinician, videos):
    response = upload(client_for(clinician), videos.runner())
    assert response.status_code == 403
    assert "detail" in response.json()


def test_a_failed_check_explains_itself(token_client, run_tasks, videos):
    created = upload(token_client, videos.no_person()).json()
    run_tasks()
    polled = token_client.get(f"{API}{created['id']}").json()
    assert polled["status"] == "failed" and polled["error"]
    report = token_client.get(f"{API}{created['id']}/report")
    assert report.status_code == 409
    assert polled["error"] in report.json()["detail"]


def test_openapi_documents_the_upload(client):
    schema = client.get("/api/openapi.json").json()
    body = schema["paths"]["/api/formcheck/"]["post"]["requestBody"]["content"]
    assert "video" in body["multipart/form-data"]["schema"]["properties"]
