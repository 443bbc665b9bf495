"""Uploading and importing activity files: stored first, parsed by the worker, reported per file."""

from __future__ import annotations

import gzip
import hashlib
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from backstride.activities import imports, uploads
from backstride.activities.models import Activity, ActivityFile, ImportBatch, ImportItem
from backstride.core import tracks
from tests.conftest import SHARED, stored_files

from .files import BILLION_LAUGHS, PNG, XXE_GPX, gpx_run, make_zip, tcx_treadmill

pytestmark = pytest.mark.django_db


def upload(client, *files: tuple[str, bytes]):
    payload = [SimpleUploadedFile(name, data) for name, data in files]
    return client.post(reverse("activities:upload"), {"upload": payload})


def batch_of(response) -> ImportBatch:
    assert response.status_code == 302, response.content[:2000]
    batch_id = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    return ImportBatch.objects.get(pk=batch_id)


def item_named(batch: ImportBatch, name: str) -> ImportItem:
    return batch.items.get(name=name)


# --- The happy path --------------------------------------------------------------------
def test_upload_stores_then_the_worker_imports_gpx_and_fit(
    athlete, client_for, run_tasks, shared_data, media_root
):
    client = client_for(athlete)
    gpx = (shared_data / "activities/gpx/goldencheetah__Move_2014_01_17_09_33_11.gpx").read_bytes()
    fit = (shared_data / "activities/fit/fitparse__activity-small-fenix2-run.fit").read_bytes()
    batch = batch_of(upload(client, ("move.gpx", gpx), ("fenix.fit", fit)))

    # Nothing is parsed inside the request: the uploads wait, under generated names.
    assert not Activity.objects.exists()
    uploads = stored_files(media_root)
    assert len(uploads) == 2
    assert all(p.parent.name == "uploads" and "." not in p.name for p in uploads)
    page = client.get(batch.get_absolute_url()).content.decode()
    assert "Importing" in page and 'hx-trigger="every 1s"' in page

    assert run_tasks() == 2
    gpx_item, fit_item = item_named(batch, "move.gpx"), item_named(batch, "fenix.fit")
    assert gpx_item.status == fit_item.status == ImportItem.Status.IMPORTED
    run = fit_item.activity
    assert run is not None and run.source == "file" and run.has_gps
    assert run.start == datetime(2015, 8, 15, 14, 45, 8, tzinfo=UTC)
    assert run.timezone == athlete.timezone
    assert run.summary_version == tracks.ALGORITHM_VERSION
    assert run.distance_m == pytest.approx(9007, rel=0.005)
    assert len(run.splits) == 10 or len(run.splits) == 9
    assert run.content_hash == hashlib.sha256(fit).hexdigest()

    # The uploads are gone; the originals are kept under generated names.
    names = [p.relative_to(media_root).as_posix() for p in stored_files(media_root)]
    assert len(names) == 2 and all(n.startswith("activities/originals/") for n in names)
    assert not any(n.endswith((".fit", ".gpx")) for n in names)
    assert ActivityFile.objects.get(activity=run).original_name == "fenix.fit"

    status = client.get(reverse("activities:import_status", args=[batch.pk])).content.decode()
    assert "Finished." in status and "2 imported" in status
    assert "hx-trigger" not in status  # polling stops
    assert run.get_absolute_url() in status

    detail = client.get(run.get_absolute_url()).content.decode()
    assert "<polyline points=" in detail
    assert "Per-kilometre splits" in detail
    assert detail.count('<th scope="row">') >= 9


def test_uploading_the_same_file_again_is_reported_as_a_duplicate(athlete, client_for, run_tasks):
    client = client_for(athlete)
    data = gpx_run()
    batch_of(upload(client, ("a.gpx", data)))
    run_tasks()
    again = batch_of(upload(client, ("renamed.gpx", data), ("zipped.gpx.gz", gzip.compress(data))))
    run_tasks()
    assert Activity.objects.count() == 1
    for name in ("renamed.gpx", "zipped.gpx.gz"):
        item = item_named(again, name)
        assert item.status == ImportItem.Status.DUPLICATE
        assert "already imported" in item.reason
    page = client.get(again.get_absolute_url()).content.decode()
    assert "Already imported" in page


def test_the_same_run_in_another_format_is_a_duplicate(athlete, shared_data):
    fit = (shared_data / "activities/fit/fitparse__activity-small-fenix2-run.fit").read_bytes()
    first = imports.import_bytes(athlete, fit, "run.fit")
    assert first.status == "imported"
    as_gpx = tracks.to_gpx(tracks.parse_bytes(fit, "run.fit"))
    second = imports.import_bytes(athlete, as_gpx, "run.gpx")
    assert second.status == "duplicate"
    assert "same start time and distance" in second.reason
    assert second.activity == first.activity
    assert Activity.objects.count() == 1


def test_a_treadmill_file_without_gps_is_a_full_run(athlete, client_for):
    outcome = imports.import_bytes(athlete, tcx_treadmill(), "treadmill.tcx")
    run = outcome.activity
    assert outcome.status == "imported" and run is not None
    assert not run.has_gps and run.route_svg == ""
    assert run.distance_m == pytest.approx(4000, rel=0.005)
    assert run.avg_hr == pytest.approx(143, abs=1)
    assert run.avg_cadence == pytest.approx(168)
    assert run.title == ""  # the TCX <Id> is a timestamp, not a title
    page = client_for(athlete).get(run.get_absolute_url()).content.decode()
    assert "treadmill or indoor" in page
    assert "6:15 /km" in page  # 375 s per km, moving
    assert "143 bpm" in page or "142 bpm" in page
    assert "168" in page


def test_multi_sport_file_becomes_one_activity_summing_its_parts(athlete, shared_data):
    data = (shared_data / "activities/odd/fitparse__sample_mulitple_header.fit").read_bytes()
    outcome = imports.import_bytes(athlete, data, "multi.fit")
    assert outcome.status == "imported"
    stats = tracks.file_stats(shared_data / "activities/odd/fitparse__sample_mulitple_header.fit")
    assert outcome.activity.distance_m == pytest.approx(stats["distance_m"], rel=1e-6)
    assert any("multi-sport" in w.lower() for w in outcome.activity.warnings)


def test_truncated_fit_keeps_what_it_holds_with_a_warning(athlete, shared_data):
    data = (shared_data / "activities/odd/fitparse__activity-unexpected-eof.fit").read_bytes()
    outcome = imports.import_bytes(athlete, data, "battery-died.fit")
    assert outcome.status == "imported"
    assert any("cut off" in w for w in outcome.warnings)
    assert outcome.activity.warnings == outcome.warnings


ACTIVITY_DIR = SHARED / "data" / "activities"
SHARED_FILES = sorted(
    p.relative_to(ACTIVITY_DIR).as_posix()
    for p in ACTIVITY_DIR.glob("*/*")
    if p.suffix in {".gpx", ".tcx", ".fit"} and p.parent.name != "synth"
)


@pytest.mark.parametrize("path", SHARED_FILES or ["(shared data absent)"])
def test_every_shared_file_imports_or_gets_a_clear_reason(athlete, shared_data, path):
    file = shared_data / "activities" / path
    data = file.read_bytes()
    outcome = imports.import_bytes(athlete, data, file.name)
    stats = tracks.file_stats(file)
    if outcome.status == "imported":
        activity = outcome.activity
        assert activity.distance_m == pytest.approx(stats["distance_m"], abs=1)
        assert activity.moving_s == pytest.approx(stats["moving_s"], abs=1)
        assert activity.original.sha256 == hashlib.sha256(data).hexdigest()
        assert (activity.route_svg != "") == activity.has_gps
    else:
        assert outcome.status == "rejected"
        assert outcome.reason[0].isupper() and outcome.reason.endswith((".", ")"))
        assert not Activity.objects.exists()


# --- Bad input -------------------------------------------------------------------------
def test_bad_files_each_get_a_clear_message_and_the_batch_carries_on(
    athlete, client_for, run_tasks, shared_data, media_root
):
    odd = shared_data / "activities/odd"
    good = gpx_run()
    files = [
        ("good.gpx", good),
        ("empty.gpx", b""),
        ("photo.gpx", PNG),
        ("notes.fit", b"just some text, not a FIT file at all"),
        ("truncated.gpx", good[: len(good) // 2]),
        ("xxe.gpx", XXE_GPX),
        ("laughs.gpx", BILLION_LAUGHS),
        ("badcrc.fit", (odd / "fitparse__activity-filecrc.fit").read_bytes()),
        ("settings.fit", (odd / "fitparse__Settings.fit").read_bytes()),
        ("route-only.gpx", (odd / "gpxpy__route.gpx").read_bytes()),
        ("no-times.fit", (odd / "fitparse__compressed-speed-distance.fit").read_bytes()),
        ("1901.gpx", (shared_data / "activities/gpx/gpxpy__Mojstrovka.gpx").read_bytes()),
        (
            "cut.gpx.gz",
            gzip.compress(gpx_run(km=1.0, start=datetime(2025, 1, 2, tzinfo=UTC)))[:-30],
        ),
        ("bom-no-points.gpx", (odd / "gpxpy__unicode_with_bom.gpx").read_bytes()),
    ]
    batch = batch_of(upload(client_for(athlete), *files))
    run_tasks()
    results = {i.name: i for i in batch.items.all()}
    assert results["good.gpx"].status == "imported"
    expected = {
        "empty.gpx": "The file is empty.",
        "photo.gpx": "not recognised",
        "notes.fit": "not recognised",
        "xxe.gpx": "entities",
        "laughs.gpx": "entities",
        "badcrc.fit": "CRC",
        "settings.fit": "settings file",
        "route-only.gpx": "no usable timestamps",
        "no-times.fit": "no usable timestamps",
        "1901.gpx": "1901",
        "bom-no-points.gpx": "no track or route points",
    }
    for name, phrase in expected.items():
        assert results[name].status == "rejected", (name, results[name].reason)
        assert phrase in results[name].reason, (name, results[name].reason)
    # A cut-off file (the watch battery died) keeps what it holds, with a warning saying where.
    for name in ("truncated.gpx", "cut.gpx.gz"):
        item = results[name]
        assert item.status == "imported", (name, item.reason)
        assert any("cut off" in w and "kept" in w for w in item.warnings), item.warnings
    assert any("gzip" in w.lower() for w in results["cut.gpx.gz"].warnings)
    assert Activity.objects.count() == sum(1 for i in results.values() if i.status == "imported")
    # Nothing partial: one original per stored activity, no uploads left behind.
    assert len(stored_files(media_root)) == Activity.objects.count()
    page = client_for(athlete).get(batch.get_absolute_url()).content.decode()
    assert page.count("Not imported") >= len(expected)


def test_huge_upload_is_refused_before_it_is_read(athlete, client_for, settings):
    settings.ACTIVITIES_MAX_UPLOAD_BYTES = 1024 * 1024
    response = upload(client_for(athlete), ("big.gpx", b"<gpx>" + b" " * (2 * 1024 * 1024)))
    assert response.status_code == 413
    assert "too large" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_oversized_activity_file_is_rejected_on_sight(athlete, client_for, settings, media_root):
    settings.ACTIVITIES_MAX_FILE_BYTES = 10_000
    batch = batch_of(upload(client_for(athlete), ("long.gpx", gpx_run(km=5))))
    item = batch.items.get()
    assert item.status == "rejected" and "too large" in item.reason
    assert stored_files(media_root) == []


def test_too_many_files_at_once(athlete, client_for, settings):
    settings.ACTIVITIES_MAX_UPLOAD_FILES = 2
    response = upload(client_for(athlete), *[(f"{i}.gpx", gpx_run()) for i in range(3)])
    assert response.status_code == 200
    assert "Upload at most 2 files at once" in response.content.decode()


def test_no_file_chosen(athlete, client_for):
    response = client_for(athlete).post(reverse("activities:upload"), {})
    assert "Choose at least one file to upload." in response.content.decode()


# --- Archives ----------------------------------------------------------------------------
def test_export_archive_imports_entry_by_entry_and_reports_each(
    athlete, client_for, run_tasks, shared_data, media_root
):
    fit = (shared_data / "activities/fit/fitparse__garmin-fenix-5-run.fit").read_bytes()
    tcx = (shared_data / "activities/tcx/goldencheetah__10kUNLP2014-Garmin15.tcx").read_bytes()
    archive = make_zip(
        [
            ("export/activities/1.fit.gz", gzip.compress(fit)),
            ("export/activities/2.tcx", tcx),
            ("export/activities/3.gpx", gpx_run()),
            ("export/activities/3-copy.gpx", gpx_run()),
            ("../../etc/evil.gpx", gpx_run(start=datetime(2025, 2, 1, tzinfo=UTC))),
            ("export/activities/bomb.gpx", b"<gpx>" + b"\0" * (30 * 1024 * 1024)),
            ("export/activities/broken.fit", fit[:20]),
            ("export/profile.csv", b"name,value\n"),
        ]
    )
    batch = batch_of(upload(client_for(athlete), ("export.zip", archive)))
    top = batch.items.get()
    assert top.kind == "archive"
    run_tasks()
    top.refresh_from_db()
    assert top.status == "done"
    assert "1 other file (not GPX, TCX or FIT) left aside." in top.reason
    assert top.entries_total == 7  # the CSV is not an activity file
    entries = {e.name: e for e in top.entries.all()}
    assert entries["1.fit.gz"].status == "imported"
    assert entries["2.tcx"].status == "imported"
    assert entries["3.gpx"].status == "imported"
    assert entries["3-copy.gpx"].status == "duplicate"
    assert entries["evil.gpx"].status == "rejected"
    assert "Unsafe file name" in entries["evil.gpx"].reason
    assert entries["bomb.gpx"].status == "rejected"
    assert "zip bomb" in entries["bomb.gpx"].reason
    assert entries["broken.fit"].status == "rejected"
    assert Activity.objects.count() == 3
    # Nothing escaped the media folder; the archive upload itself is gone.
    assert len(stored_files(media_root)) == 3
    progress = uploads.batch_progress(batch)
    assert (progress.imported, progress.duplicates, progress.rejected) == (3, 1, 3)
    assert progress.finished and progress.total == 7
    page = client_for(athlete).get(batch.get_absolute_url()).content.decode()
    assert "3 imported, 1 already there, 3 not imported" in page
    assert "evil.gpx" in page


def test_corrupt_archive_gets_a_clear_message(athlete, client_for, run_tasks):
    archive = make_zip([("a.gpx", gpx_run())])
    batch = batch_of(upload(client_for(athlete), ("cut.zip", archive[: len(archive) // 2])))
    run_tasks()
    item = batch.items.get()
    assert item.status == "rejected"
    assert "zip" in item.reason and item.reason[0].isupper()


def test_archive_without_activity_files(athlete, client_for, run_tasks):
    archive = make_zip([("readme.txt", b"hello"), ("photo.jpg", PNG)])
    batch = batch_of(upload(client_for(athlete), ("photos.zip", archive)))
    run_tasks()
    item = batch.items.get()
    assert item.status == "rejected"
    assert "holds no GPX, TCX or FIT files" in item.reason


# --- Idempotency and atomicity -----------------------------------------------------------
def test_a_retried_job_never_duplicates(athlete, client_for, run_tasks):
    batch = batch_of(upload(client_for(athlete), ("a.gpx", gpx_run())))
    item = batch.items.get()
    assert imports.run_import_item(item.pk) == "imported"
    assert imports.run_import_item(item.pk) == "skipped"  # the queue delivered it twice
    run_tasks()  # and the queued job runs too
    assert Activity.objects.count() == 1


def test_an_archive_interrupted_midway_resumes_without_duplicates(athlete, client_for, monkeypatch):
    from datetime import timedelta

    archive = make_zip(
        [(f"{d}.gpx", gpx_run(start=datetime(2025, 3, d, 7, tzinfo=UTC))) for d in range(1, 7)]
    )
    batch = batch_of(upload(client_for(athlete), ("six.zip", archive)))
    item = batch.items.get()
    real = imports.import_bytes
    calls = {"n": 0}

    def crash_on_fourth(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise SystemExit("worker killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(imports, "import_bytes", crash_on_fourth)
    with pytest.raises(SystemExit):
        imports.run_import_item(item.pk)
    assert Activity.objects.count() == 3
    item.refresh_from_db()
    assert item.status == "processing"
    assert imports.run_import_item(item.pk) == "skipped"  # still claimed by the "live" worker
    monkeypatch.setattr(imports, "import_bytes", real)
    ImportItem.objects.filter(pk=item.pk).update(
        claimed_at=item.claimed_at - imports.stale_claim() - timedelta(seconds=1)
    )
    assert imports.run_import_item(item.pk) == "done"
    assert Activity.objects.count() == 6
    assert item.entries.count() == 6
    assert item.entries.filter(status="imported").count() == 6


def test_work_lost_with_a_worker_is_queued_again_and_imported_once(
    athlete, client_for, run_tasks, monkeypatch
):
    """A worker killed mid-import leaves its item claimed; one killed before starting leaves
    it waiting with its job gone. The surviving workers' sweep queues both again."""
    from datetime import timedelta

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from backstride.web.management.commands import worker
    from backstride.web.management.commands.worker import resume_lost_work

    # as for the real worker in run_tasks: closing connections would end the test's transaction
    monkeypatch.setattr(worker, "close_old_connections", lambda: None)

    crashed = batch_of(upload(client_for(athlete), ("a.gpx", gpx_run()))).items.get()
    orphan = batch_of(
        upload(
            client_for(athlete),
            ("b.gpx", gpx_run(start=datetime(2025, 3, 2, 7, tzinfo=UTC))),
        )
    ).items.get()
    DBTaskResult.objects.all().delete()  # both jobs died with their worker
    long_ago = timezone.now() - imports.stale_claim() - imports.lost_job() - timedelta(seconds=1)
    ImportItem.objects.filter(pk=crashed.pk).update(status="processing", claimed_at=long_ago)
    ImportBatch.objects.filter(pk=orphan.batch_id).update(created_at=long_ago)
    fresh = batch_of(
        upload(
            client_for(athlete),
            ("c.gpx", gpx_run(start=datetime(2025, 3, 3, 7, tzinfo=UTC))),
        )
    ).items.get()

    assert sorted(imports.stalled_items()) == sorted([crashed.pk, orphan.pk])  # not `fresh`
    assert resume_lost_work() == 2
    assert resume_lost_work() == 2  # two sweeps at once: still imported once each
    run_tasks()
    assert Activity.objects.count() == 3
    for item in (crashed, orphan, fresh):
        item.refresh_from_db()
        assert item.status == "imported"
    assert imports.stalled_items() == []


def test_nothing_partial_is_stored_when_saving_fails(athlete, monkeypatch, media_root):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ActivityFile.objects, "create", broken)
    with pytest.raises(RuntimeError):
        imports.import_bytes(athlete, gpx_run(), "a.gpx")
    assert not Activity.objects.exists()
    assert stored_files(media_root) == []


def test_deleting_an_imported_run_deletes_its_original(athlete, client_for, media_root):
    from django.test import TestCase

    outcome = imports.import_bytes(athlete, gpx_run(), "a.gpx")
    assert len(stored_files(media_root)) == 1
    with TestCase.captureOnCommitCallbacks(execute=True):
        client_for(athlete).post(reverse("activities:delete", args=[outcome.activity.pk]))
    assert not Activity.objects.exists()
    assert stored_files(media_root) == []


def test_download_original_gives_back_the_exact_bytes(athlete, client_for):
    data = gpx_run()
    outcome = imports.import_bytes(athlete, data, "my run.gpx")
    response = client_for(athlete).get(reverse("activities:original", args=[outcome.activity.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Type"] == "application/octet-stream"
    assert "attachment" in response["Content-Disposition"]
    assert ".gpx" in response["Content-Disposition"]


def test_download_original_of_a_hand_logged_run_is_404(athlete, client_for):
    from .conftest import make_activity

    activity = make_activity(athlete)
    response = client_for(athlete).get(reverse("activities:original", args=[activity.pk]))
    assert response.status_code == 404


def test_upload_needs_a_csrf_token(athlete):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(athlete, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(
        reverse("activities:upload"), {"upload": [SimpleUploadedFile("a.gpx", gpx_run())]}
    )
    assert response.status_code == 403
    assert not ImportBatch.objects.exists()


def test_admin_lists_activities_and_imports(admin_user, athlete, client_for):
    outcome = imports.import_bytes(athlete, gpx_run(), "a.gpx")
    client = client_for(admin_user)
    assert client.get("/admin/activities/activity/").status_code == 200
    assert (
        client.get(f"/admin/activities/activity/{outcome.activity.pk}/change/").status_code == 200
    )
    assert client.get("/admin/activities/importbatch/").status_code == 200


def test_a_file_store_that_refuses_the_upload_gives_a_clear_answer_and_saves_nothing(
    athlete, client_for, settings, tmp_path
):
    """The store fails for real: MEDIA_ROOT is a file, so no folder can be made under it."""
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    settings.MEDIA_ROOT = blocked
    response = upload(client_for(athlete), ("a.gpx", gpx_run()))
    assert response.status_code == 503
    assert "couldn&#x27;t store your file just now" in response.content.decode()
    assert not ImportBatch.objects.exists() and not ImportItem.objects.exists()
    api = client_for(athlete).post(
        "/api/activities/imports/", {"files": [SimpleUploadedFile("a.gpx", gpx_run())]}
    )
    assert api.status_code == 503 and "try again" in api.json()["detail"]
    assert not ImportBatch.objects.exists()
