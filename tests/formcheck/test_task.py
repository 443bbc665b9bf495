"""The analysis job: claimed once, safe to retry, never duplicating pictures or results."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from backstride.formcheck import processing, services, tasks
from backstride.formcheck.models import ContactFrame, FormCheck
from tests.conftest import stored_files

from .frames import add_contact_frame

pytestmark = pytest.mark.django_db


def queued_check(athlete, videos, **options) -> FormCheck:
    path = videos.runner(seconds=8)
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    return services.create_check(athlete, upload, services.CheckOptions(**options))


def test_the_upload_queues_exactly_one_job(athlete, videos):
    check = queued_check(athlete, videos)
    jobs = DBTaskResult.objects.filter(status="READY")
    assert jobs.count() == 1
    assert jobs.get().args_kwargs["args"] == [check.pk]


def test_a_retried_job_never_duplicates_pictures_or_results(athlete, videos, run_tasks):
    check = queued_check(athlete, videos, keep_video=True)
    tasks.analyse_check.enqueue(check.pk)  # the same job queued twice
    assert run_tasks() == 2
    check.refresh_from_db()
    assert check.status == FormCheck.Status.DONE and check.attempts == 1
    first = list(ContactFrame.objects.filter(form_check=check).values_list("index", "frame"))
    report = check.report
    assert processing.run_check(check.pk) == "skipped"  # and once more, by hand
    assert (
        list(ContactFrame.objects.filter(form_check=check).values_list("index", "frame")) == first
    )
    check.refresh_from_db()
    assert check.report == report and check.attempts == 1


def test_an_abandoned_attempt_is_taken_over_and_its_leftovers_replaced(athlete, videos, media_root):
    check = queued_check(athlete, videos)
    # a worker claimed it long ago, wrote a stray picture, then died
    FormCheck.objects.filter(pk=check.pk).update(
        status=FormCheck.Status.PROCESSING,
        started_at=timezone.now() - timedelta(hours=1),
        attempts=1,
    )
    add_contact_frame(check, index=0, frame=999, foot="left", time_s=9.9)
    assert processing.run_check(check.pk) == "done"
    check.refresh_from_db()
    assert check.status == FormCheck.Status.DONE and check.attempts == 2
    frames = ContactFrame.objects.filter(form_check=check)
    assert not frames.filter(frame=999).exists()
    assert sorted(frames.values_list("index", flat=True)) == list(range(frames.count()))
    assert stored_files(media_root) == []


def test_a_check_another_worker_is_analysing_is_left_alone(athlete, videos):
    check = queued_check(athlete, videos)
    FormCheck.objects.filter(pk=check.pk).update(
        status=FormCheck.Status.PROCESSING, started_at=timezone.now()
    )
    assert processing.run_check(check.pk) == "skipped"
    assert not ContactFrame.objects.exists()


def test_a_check_deleted_before_its_job_runs_is_skipped(athlete, videos, run_tasks, media_root):
    check = queued_check(athlete, videos)
    services.delete_check(check)
    assert stored_files(media_root) == []
    assert run_tasks() == 1  # the job runs and finds nothing to do
    assert not FormCheck.objects.exists() and not ContactFrame.objects.exists()


def test_a_video_missing_from_storage_fails_with_a_message(athlete, videos):
    check = queued_check(athlete, videos)
    check.video.storage.delete(check.video.name)
    assert processing.run_check(check.pk) == "failed"
    check.refresh_from_db()
    assert check.status == FormCheck.Status.FAILED
    assert check.error == processing.VIDEO_GONE


def test_progress_is_written_while_analysing(athlete, videos, monkeypatch):
    check = queued_check(athlete, videos)
    seen: list[float] = []
    original = processing._progress_writer

    def spy(c):
        write = original(c)

        def wrapped(fraction: float) -> None:
            write(fraction)
            seen.append(FormCheck.objects.get(pk=c.pk).progress)

        return wrapped

    monkeypatch.setattr(processing, "PROGRESS_EVERY_S", 0.0)
    monkeypatch.setattr(processing, "_progress_writer", spy)
    processing.run_check(check.pk)
    assert seen and max(seen) > 0
    assert max(seen) <= processing.ANALYSIS_SHARE
    assert seen == sorted(seen)


def test_while_the_estimator_installs_the_job_waits_instead_of_failing(
    athlete, videos, monkeypatch
):
    check = queued_check(athlete, videos)
    monkeypatch.setattr(tasks, "estimator_status", lambda python=None: "installing")
    DBTaskResult.objects.all().delete()
    assert tasks.analyse_check.call(check.pk) == "waiting for the estimator"
    check.refresh_from_db()
    assert check.status == FormCheck.Status.QUEUED
    later = DBTaskResult.objects.get()
    assert later.run_after is not None and later.run_after > timezone.now()
