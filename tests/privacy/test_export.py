"""Download everything: the zip holds every record type as JSON and CSV, GPX per route and the
original files; it is built by the task queue, once, behind a signed link that expires."""

from __future__ import annotations

import csv
import html
import io
import json
import zipfile
from datetime import timedelta
from xml.etree import ElementTree

import pytest
import time_machine
from django.apps import apps
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from backstride.accounts.models import User
from backstride.activities.models import Activity, ActivityFile
from backstride.privacy import building, exports
from backstride.privacy.models import DataExport
from backstride.privacy.tables import NOT_EXPORTED, TABLES
from tests.conftest import stored_files

from .conftest import KEPT_VIDEO, UPLOAD

pytestmark = pytest.mark.django_db
GPX = "{http://www.topografix.com/GPX/1/1}"


def make_zip(client, run_tasks) -> tuple[DataExport, zipfile.ZipFile]:
    """Ask for an export as the signed-in person, run the queue, download it."""
    response = client.post(reverse("privacy:export_start"))
    assert response.status_code == 302
    export = DataExport.objects.get(status__in=DataExport.ACTIVE)
    assert response["Location"] == reverse("privacy:export_detail", args=[export.pk])
    assert run_tasks() >= 1
    export.refresh_from_db()
    assert export.status == DataExport.Status.READY, export.error
    page = client.get(reverse("privacy:export_detail", args=[export.pk])).content.decode()
    link = reverse("privacy:export_download", args=[exports.download_token(export)])
    assert "Download my data (zip)" in page
    download = client.get(link)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    body = b"".join(download.streaming_content)
    return export, zipfile.ZipFile(io.BytesIO(body))


def test_the_zip_holds_every_record_type(runner, client_for, run_tasks):
    for t in TABLES:  # the fixture really fills every table the export knows
        assert t.count(runner) >= 1, t.name
    export, archive = make_zip(client_for(runner), run_tasks)
    data = json.loads(archive.read("data.json"))
    assert data["format"] == "backstride-account-export" and data["version"] == 2
    for t in TABLES:
        rows = data[t.name]
        assert len(rows) == t.count(runner) >= 1, t.name
        with archive.open(f"csv/{t.name}.csv") as fh:
            table = list(csv.DictReader(io.TextIOWrapper(fh, encoding="utf-8")))
        assert len(table) == len(rows), t.name
        assert set(table[0]) == set(rows[0]), t.name
    assert data["account"][0]["email"] == runner.email
    assert data["access_log"][0]["actor_label"] == "Dr Casey Clinician, clinician"
    readme = archive.read("README.txt").decode()
    assert all(f"  {t.name} (" in readme for t in TABLES)
    assert export.size == default_storage.size(export.file_name) > 0


def test_each_route_is_valid_gpx_and_each_upload_is_the_original(runner, client_for, run_tasks):
    _, archive = make_zip(client_for(runner), run_tasks)
    data = json.loads(archive.read("data.json"))
    routed = [a for a in data["activities"] if a["has_gps"]]
    assert routed and len(routed) == Activity.objects.filter(user=runner, has_gps=True).count()
    for row in routed:
        root = ElementTree.fromstring(archive.read(row["gpx_file"]))
        assert root.tag == f"{GPX}gpx"
        assert len(root.findall(f".//{GPX}trkpt")) > 10, row["gpx_file"]
    for row in data["activity_files"]:
        stored = ActivityFile.objects.get(pk=row["id"]).file.name
        with default_storage.open(stored, "rb") as fh:
            assert archive.read(row["file"]) == fh.read()
    [item] = data["import_items"]
    assert archive.read(item["upload"]) == UPLOAD
    [check] = data["form_checks"]
    assert archive.read(check["video"]) == KEPT_VIDEO
    assert json.loads(archive.read(check["landmarks_file"]))["fps"] == 30
    [frame] = data["form_check_frames"]
    assert archive.read(frame["image_file"])[:3] == b"\xff\xd8\xff"  # a JPEG


def test_no_secret_goes_into_the_zip(runner, client_for, run_tasks):
    _, archive = make_zip(client_for(runner), run_tasks)
    text = archive.read("data.json").decode()
    secrets = [
        runner.password,
        *runner.api_tokens.values_list("key_hash", flat=True),
        *runner.calendar_tokens.values_list("token", flat=True),
    ]
    assert all(s and s not in text for s in secrets)
    assert all(
        "key" not in row and "password" not in row
        for table in ("two_factor_apps", "account")
        for row in json.loads(text)[table]
    )


def test_nobody_elses_data_is_in_it(runner, athlete, client_for, run_tasks):
    Activity.objects.create(
        user=athlete, start=timezone.now(), distance_m=1000, notes="someone else's run"
    )
    _, archive = make_zip(client_for(runner), run_tasks)
    everything = b"".join(archive.read(n) for n in archive.namelist())
    assert b"someone else's run" not in everything
    assert athlete.email.encode() not in everything


def test_every_model_that_points_at_a_person_is_exported_or_excused():
    """A new model holding someone's data must join the export (or say why it doesn't)."""
    exported = {t.model._meta.label for t in TABLES if t.model is not None}
    linked: set[str] = {User._meta.label}
    grew = True
    while grew:  # models pointing at a person directly, or through a model that does
        grew = False
        for model in apps.get_models():
            label = model._meta.label
            if label in linked:
                continue
            targets = {
                f.related_model._meta.label
                for f in model._meta.concrete_fields
                if f.is_relation and f.related_model is not None
            }
            if targets & linked:
                linked.add(label)
                grew = True
    missing = linked - exported - set(NOT_EXPORTED)
    assert missing == set()
    assert set(NOT_EXPORTED) <= linked  # no stale excuses


def test_a_retried_job_makes_one_zip(athlete, client_for, run_tasks, media_root):
    client = client_for(athlete)
    client.post(reverse("privacy:export_start"))
    client.post(reverse("privacy:export_start"))  # a double click: the same export
    export = DataExport.objects.get(user=athlete)
    assert DBTaskResult.objects.count() == 1
    # The worker died after writing the zip but before saying so; the job runs again.
    DataExport.objects.filter(pk=export.pk).update(status=DataExport.Status.BUILDING)
    default_storage.save(building.storage_name(export.pk), io.BytesIO(b"half a zip"))
    run_tasks()
    assert building.build(str(export.pk)) is None  # and once more: nothing to do
    export.refresh_from_db()
    assert export.status == DataExport.Status.READY
    zips = [p for p in stored_files(media_root) if p.suffix == ".zip"]
    assert [p.name for p in zips] == [f"{export.pk}.zip"]
    assert zipfile.ZipFile(zips[0]).testzip() is None


def test_a_new_export_removes_the_old_zip(
    athlete, client_for, run_tasks, media_root, django_capture_on_commit_callbacks
):
    client = client_for(athlete)
    client.post(reverse("privacy:export_start"))
    run_tasks()
    first = DataExport.objects.get(user=athlete)
    assert default_storage.exists(first.file_name)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("privacy:export_start"))
    run_tasks()
    first.refresh_from_db()
    assert first.status == DataExport.Status.EXPIRED and first.file_name == ""
    assert len([p for p in stored_files(media_root) if p.suffix == ".zip"]) == 1


def test_expired_zips_are_pruned(
    athlete, client_for, run_tasks, media_root, django_capture_on_commit_callbacks
):
    client_for(athlete).post(reverse("privacy:export_start"))
    run_tasks()
    export = DataExport.objects.get(user=athlete)
    assert building.prune() == 0  # not yet
    later = timezone.now() + timedelta(hours=24, minutes=1)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        assert run_tasks() == 1  # the prune queued for when the link expires
        export.refresh_from_db()
        assert export.status == DataExport.Status.EXPIRED
    assert not [p for p in stored_files(media_root) if p.suffix == ".zip"]


def test_the_link_expires(athlete, client_for, run_tasks, settings):
    settings.EXPORT_LINK_MAX_AGE_HOURS = 2
    client = client_for(athlete)
    client.post(reverse("privacy:export_start"))
    run_tasks()
    export = DataExport.objects.get(user=athlete)
    link = reverse("privacy:export_download", args=[exports.download_token(export)])
    with time_machine.travel(timezone.now() + timedelta(hours=2, minutes=1)):
        response = client.get(link)
    assert response.status_code == 410
    assert "expired" in response.content.decode()


def test_a_forged_link_is_refused(athlete, client_for, run_tasks):
    client = client_for(athlete)
    client.post(reverse("privacy:export_start"))
    run_tasks()
    export = DataExport.objects.get(user=athlete)
    token = exports.download_token(export)
    forged = token.replace(str(export.pk), "00000000-0000-0000-0000-000000000000")
    for bad in (forged, token[:-2], "nonsense"):
        response = client.get(reverse("privacy:export_download", args=[bad]))
        assert response.status_code == 400
        assert "isn't valid" in html.unescape(response.content.decode())


def test_another_person_cannot_download(athlete, other_athlete, clinician, client_for, run_tasks):
    client_for(athlete).post(reverse("privacy:export_start"))
    run_tasks()
    export = DataExport.objects.get(user=athlete)
    link = reverse("privacy:export_download", args=[exports.download_token(export)])
    for someone in (other_athlete, clinician):
        assert client_for(someone).get(link).status_code == 404
        detail = reverse("privacy:export_detail", args=[export.pk])
        assert client_for(someone).get(detail).status_code == 404
    assert client_for(None).get(link).status_code == 302  # to the login page


def test_the_progress_page_polls_until_ready(athlete, client_for, run_tasks):
    client = client_for(athlete)
    client.post(reverse("privacy:export_start"))
    export = DataExport.objects.get(user=athlete)
    status_url = reverse("privacy:export_status", args=[export.pk])
    waiting = client.get(reverse("privacy:export_detail", args=[export.pk])).content.decode()
    assert f'hx-get="{status_url}"' in waiting and "Waiting to start" in waiting
    run_tasks()
    ready = client.get(status_url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-get" not in ready and "Download my data (zip)" in ready


def test_a_failed_build_says_so_and_leaves_no_file(
    athlete, client_for, run_tasks, media_root, monkeypatch
):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(building, "write_archive", broken)
    client = client_for(athlete)
    client.post(reverse("privacy:export_start"))
    run_tasks()
    export = DataExport.objects.get(user=athlete)
    assert export.status == DataExport.Status.FAILED
    page = client.get(reverse("privacy:your_data")).content.decode()
    assert "Something went wrong" in page and "Make a new download" in page
    assert not [p for p in stored_files(media_root) if p.suffix == ".zip"]


def test_an_abandoned_export_does_not_block_a_new_one(athlete, client_for):
    client = client_for(athlete)
    client.post(reverse("privacy:export_start"))
    stuck = DataExport.objects.get(user=athlete)
    DataExport.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - timedelta(hours=7))
    client.post(reverse("privacy:export_start"))
    stuck.refresh_from_db()
    assert stuck.status == DataExport.Status.FAILED
    assert DataExport.objects.filter(user=athlete, status=DataExport.Status.QUEUED).count() == 1
