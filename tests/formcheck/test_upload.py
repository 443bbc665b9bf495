"""Uploading a clip on the page: checked by content, queued, analysed by the real worker,
and deleted afterwards unless kept; bad files get a clear message and leave nothing behind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from backstride.formcheck import services
from backstride.formcheck.models import ContactFrame, FormCheck
from tests.conftest import stored_files

pytestmark = pytest.mark.django_db

UPLOAD = "/form-check/new/"


def post_video(client: Any, path: Path | None, name: str | None = None, **fields: Any) -> Any:
    data: dict[str, Any] = {"view": "side", "slowmo": "1", **fields}
    if path is not None:
        data["video"] = SimpleUploadedFile(name or path.name, path.read_bytes())
    return client.post(UPLOAD, data)


def test_upload_is_queued_then_the_worker_writes_the_report_and_deletes_the_video(
    athlete, client_for, run_tasks, videos, media_root
):
    client = client_for(athlete)
    response = post_video(client, videos.runner(seconds=8), height_cm="172")
    check = FormCheck.objects.get(athlete=athlete)
    assert response.status_code == 302
    assert response["Location"] == reverse("formcheck:detail", args=[check.pk])
    assert check.status == FormCheck.Status.QUEUED
    assert check.runner_height_cm == 172
    assert len(stored_files(media_root)) == 1  # stored, not analysed in the request

    waiting = client.get(response["Location"])
    assert b"Waiting to be analysed" in waiting.content
    assert b'hx-trigger="every 1s"' in waiting.content

    assert run_tasks() == 1
    check.refresh_from_db()
    assert check.status == FormCheck.Status.DONE, check.error
    assert check.progress == 1.0
    assert check.report["metrics"]
    assert check.get_landmarks()["format"] == "backstride-landmarks"
    frames = ContactFrame.objects.filter(form_check=check)
    assert 1 <= frames.count() <= 8
    assert all(bytes(f.image)[:2] == b"\xff\xd8" and f.width > 0 for f in frames)
    assert not check.has_video
    assert stored_files(media_root) == []  # the video is gone

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"Your figures" in page.content and b"Cadence" in page.content
    assert b"Your foot landings" in page.content
    assert b"Deleted after the analysis" in page.content


def test_keep_my_video_keeps_it_until_the_check_is_deleted(
    athlete, client_for, run_tasks, videos, media_root
):
    client = client_for(athlete)
    post_video(client, videos.runner(seconds=8), keep_video="on")
    run_tasks()
    check = FormCheck.objects.get(athlete=athlete)
    assert check.status == FormCheck.Status.DONE and check.has_video
    assert len(stored_files(media_root)) == 1
    download = client.get(reverse("formcheck:video", args=[check.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == videos.runner(seconds=8).read_bytes()

    confirm = client.get(reverse("formcheck:delete", args=[check.pk]))
    assert b"the video you kept" in confirm.content
    gone = client.post(reverse("formcheck:delete", args=[check.pk]))
    assert gone.status_code == 302
    assert not FormCheck.objects.exists() and not ContactFrame.objects.exists()
    assert stored_files(media_root) == []


def test_status_fragment_polls_then_sends_the_browser_to_the_report(
    athlete, client_for, run_tasks, videos
):
    client = client_for(athlete)
    post_video(client, videos.runner(seconds=6))
    check = FormCheck.objects.get()
    url = reverse("formcheck:status", args=[check.pk])
    before = client.get(url, headers={"HX-Request": "true"})
    assert before.status_code == 200 and b"every 1s" in before.content
    assert before["Cache-Control"] == "no-store"
    run_tasks()
    after = client.get(url, headers={"HX-Request": "true"})
    assert after.status_code == 204
    assert after["HX-Redirect"] == reverse("formcheck:detail", args=[check.pk])


@pytest.mark.parametrize(
    ("make", "status", "message"),
    [
        (lambda v: v.random_bytes(), 422, "not a video"),
        (lambda v: v.audio_only(), 422, "no picture"),
        (lambda v: v.plain(seconds=45), 422, "the check needs 5–30 seconds"),
        (lambda v: v.plain(seconds=2), 422, "film at least 5 seconds"),
    ],
    ids=["random-bytes-mp4", "audio-only", "too-long", "too-short"],
)
def test_bad_files_get_a_clear_message_and_nothing_is_kept(
    athlete, client_for, videos, media_root, make, status, message
):
    response = post_video(client_for(athlete), make(videos))
    assert response.status_code == status
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not FormCheck.objects.exists()
    assert stored_files(media_root) == []


def test_a_two_hour_video_is_refused_quickly(athlete, videos, media_root):
    with pytest.raises(services.Rejected) as caught:
        services.create_check(
            athlete, upload_of(videos.long(seconds=7200)), services.CheckOptions()
        )
    assert "120 minutes" in caught.value.message
    assert stored_files(media_root) == []


def test_an_empty_file_is_refused(athlete, client_for, media_root):
    response = client_for(athlete).post(
        UPLOAD, {"view": "side", "slowmo": "1", "video": SimpleUploadedFile("run.mp4", b"")}
    )
    assert response.status_code == 422
    assert b"The file is empty" in response.content
    assert stored_files(media_root) == []


def test_a_missing_file_and_bad_choices_are_explained(athlete, client_for):
    response = client_for(athlete).post(UPLOAD, {"view": "upside-down", "height_cm": "12"})
    assert response.status_code == 422
    text = response.content.decode()
    assert "Choose a video to upload." in text
    assert "Select a valid choice" in text
    assert "between 100 and 230" in text


def test_too_big_is_refused_before_it_is_read(athlete, client_for, settings, media_root):
    settings.FORM_MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile("run.mp4", b"\0" * (2 * 1024 * 1024))
    response = client_for(athlete).post(UPLOAD, {"view": "side", "slowmo": "1", "video": big})
    assert response.status_code == 413
    assert b"too large" in response.content and b"1 MB" in response.content
    assert stored_files(media_root) == []


def test_too_big_by_its_size_once_read(athlete, settings, media_root):
    settings.FORM_MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile("run.mp4", b"\0" * (1024 * 1024 + 1))
    with pytest.raises(services.Rejected) as caught:
        services.create_check(athlete, big, services.CheckOptions())
    assert caught.value.status == 413
    assert stored_files(media_root) == []


def upload_of(path: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes())


def test_slow_motion_answer_is_used_when_the_file_does_not_say(athlete, videos):
    # 48 s played back at 30 fps, filmed at 240: 6 s of real running
    check = services.create_check(
        athlete,
        upload_of(videos.runner(seconds=48, fps=30)),
        services.CheckOptions(slowmo_factor=8),
    )
    assert check.slowmo_factor == 8 and not check.slowmo_from_video


def test_slow_motion_without_the_answer_is_too_long(athlete, videos):
    with pytest.raises(services.Rejected) as caught:
        services.create_check(
            athlete, upload_of(videos.runner(seconds=48, fps=30)), services.CheckOptions()
        )
    assert "48 seconds" in caught.value.message


def test_a_video_without_a_runner_fails_with_the_reason_and_is_deleted(
    athlete, client_for, run_tasks, videos, media_root
):
    client = client_for(athlete)
    post_video(client, videos.no_person(), keep_video="on")
    run_tasks()
    check = FormCheck.objects.get()
    assert check.status == FormCheck.Status.FAILED
    assert "No person" in check.error or "no person" in check.error
    assert check.report is None and not ContactFrame.objects.exists()
    assert stored_files(media_root) == []  # nothing kept, even with "keep my video"
    page = client.get(check.get_absolute_url())
    assert b"could not be analysed" in page.content
    assert check.error.encode() in page.content.replace(b"&#x27;", b"'")


def test_at_most_three_clips_wait_at_once(athlete, client_for, videos, media_root):
    client = client_for(athlete)
    for _ in range(3):
        assert post_video(client, videos.runner(seconds=6)).status_code == 302
    fourth = post_video(client, videos.runner(seconds=6))
    assert fourth.status_code == 429
    assert b"already have 3 videos waiting" in fourth.content
    assert len(stored_files(media_root)) == 3


def test_clinicians_cannot_upload(clinician, client_for, videos):
    assert post_video(client_for(clinician), videos.runner()).status_code == 403
    assert not FormCheck.objects.exists()
