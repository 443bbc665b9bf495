"""`backstride activity stats|import|recompute`."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from backstride.activities import imports
from backstride.activities.models import Activity
from backstride.core import tracks
from tests.conftest import database_url

from .files import gpx_run, make_zip


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backstride", "activity", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_stats_json_prints_one_object_per_file_and_exits_1_if_any_failed(shared_data):
    fit = shared_data / "activities/fit/fitparse__activity-small-fenix2-run.fit"
    tcx = shared_data / "activities/tcx/goldencheetah__10kUNLP2014-Garmin15.tcx"
    bad = shared_data / "activities/odd/fitparse__activity-filecrc.fit"
    multi = shared_data / "activities/odd/fitparse__sample_mulitple_header.fit"
    # No database: point the command at one that doesn't exist.
    proc = run_cli(
        "stats", "--json", str(fit), str(bad), str(tcx), str(multi),
        env={"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"},
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [line["file"] for line in lines] == [str(fit), str(bad), str(tcx), str(multi)]
    for key in ("distance_m", "elapsed_s", "moving_s", "elevation_gain_m", "points", "sport"):
        assert key in lines[0]
    assert lines[0]["start"].startswith("2015-08-15T14:45:08")
    assert lines[0]["distance_m"] == pytest.approx(9007, rel=0.005)
    assert "CRC" in lines[1]["error"]
    assert lines[2]["sport"] == "run"
    # A multi-sport file sums its parts.
    parts = [tracks.summarise(a) for a in tracks.parse_file(multi)]
    assert lines[3]["distance_m"] == pytest.approx(sum(p.distance_m for p in parts), abs=0.1)
    assert "1 of 4 files could not be read" in proc.stderr


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "text"])
def test_stats_runs_without_importing_django_and_prints_what_the_command_prints(
    shared_data, as_json
):
    fit = shared_data / "activities/fit/fitparse__activity-small-fenix2-run.fit"
    gpx = shared_data / "activities/odd/gpxpy__cerknicko-without-times.gpx"
    bad = shared_data / "activities/odd/fitparse__activity-filecrc.fit"
    files = [str(fit), str(bad), str(gpx)]
    flags = ["--json"] if as_json else []
    # -X importtime lists every module the process imports (on stderr).
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "backstride", "activity", "stats", *flags,
         *files],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "no.such.settings"},
    )  # fmt: skip
    imported = [
        line.split("|")[-1].strip()
        for line in proc.stderr.splitlines()
        if line.startswith("import time:")
    ]
    assert "backstride.core.tracks.api" in imported
    assert not [m for m in imported if m.split(".")[0] == "django"]
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[-1] == "CommandError: 1 of 3 files could not be read."
    # The same lines as Django's management command gives.
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("activity", "stats", *flags, *files, stdout=out)
    assert error.value.returncode == 1
    assert proc.stdout == out.getvalue()


def test_stats_help_and_django_options_still_go_through_django():
    proc = run_cli("stats", "--help")
    assert proc.returncode == 0
    assert "usage: backstride activity stats" in proc.stdout


def test_stats_all_good_exits_0_and_never_touches_the_database(shared_data):
    # pytest-django blocks database access in tests without the db fixture.
    out = io.StringIO()
    gpx = shared_data / "activities/gpx/fittrackee__test.gpx"
    call_command("activity", "stats", str(gpx), stdout=out)
    assert "fittrackee__test.gpx: " in out.getvalue()
    assert " km" in out.getvalue()


def test_stats_on_a_missing_file_says_so(tmp_path):
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("activity", "stats", "--json", str(tmp_path / "nope.gpx"), stdout=out)
    assert error.value.returncode == 1
    assert json.loads(out.getvalue())["error"] == "file not found"


@pytest.mark.django_db
def test_import_files_and_archives_for_a_user(athlete, tmp_path, media_root):
    run = tmp_path / "run.gpx"
    run.write_bytes(gpx_run())
    archive = tmp_path / "export.zip"
    archive.write_bytes(
        make_zip([("a.gpx", gpx_run(km=2, start=gpx_start(1))), ("b.gpx", b"not xml")])
    )
    out = io.StringIO()
    with pytest.raises(CommandError):  # one entry of the archive is bad → exit 1 at the end
        call_command(
            "activity", "import", str(run), str(archive), "--user", athlete.email, stdout=out
        )
    text = out.getvalue()
    assert "run.gpx: imported" in text
    assert "b.gpx: not imported — Not a GPX, TCX or FIT file" in text
    assert "2 imported, 0 already there, 1 not imported." in text
    assert Activity.objects.filter(user=athlete).count() == 2

    out = io.StringIO()
    call_command("activity", "import", str(run), "--user", athlete.email, stdout=out)
    assert "run.gpx: already imported" in out.getvalue()
    assert Activity.objects.filter(user=athlete).count() == 2


@pytest.mark.django_db
def test_import_for_an_unknown_user_fails_clearly(tmp_path):
    run = tmp_path / "run.gpx"
    run.write_bytes(gpx_run())
    with pytest.raises(CommandError, match="No user with the email address"):
        call_command("activity", "import", str(run), "--user", "ghost@example.org")


def gpx_start(day: int):
    from datetime import UTC, datetime

    return datetime(2025, 4, day, 7, 0, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_two_import_processes_racing_store_the_run_once(athlete, tmp_path):
    """Two `activity import` processes with the same run in two formats, at the same time."""
    gpx = tmp_path / "run.gpx"
    gpx.write_bytes(gpx_run())
    # The same run again, written by Backstride's GPX exporter: other bytes, same activity.
    again = tmp_path / "again.gpx"
    again.write_bytes(tracks.to_gpx(tracks.parse_bytes(gpx.read_bytes(), "run.gpx")))
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "backstride",
                "activity",
                "import",
                str(f),
                "--user",
                athlete.email,
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for f in (gpx, again)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    assert Activity.objects.filter(user=athlete).count() == 1
    joined = " ".join(out for out, _err in outputs)
    assert "imported" in joined and "already imported" in joined
    originals = list(Path(tmp_path / "media").rglob("*"))
    assert len([p for p in originals if p.is_file()]) == 1


@pytest.mark.django_db
def test_recompute_refreshes_summaries_made_by_an_older_algorithm(athlete):
    outcome = imports.import_bytes(athlete, gpx_run(), "run.gpx")
    activity = outcome.activity
    right = activity.distance_m
    Activity.objects.filter(pk=activity.pk).update(
        summary_version="0", distance_m=1.0, splits=[], route_svg=""
    )
    manual = Activity.objects.create(
        user=athlete, start=gpx_start(2), distance_m=3000, elapsed_s=900, moving_s=900
    )
    out = io.StringIO()
    call_command("activity", "recompute", stdout=out)
    assert "Recomputed 1 activity: 1 changed, 0 failed." in out.getvalue()
    activity.refresh_from_db()
    assert activity.distance_m == pytest.approx(right)
    assert activity.summary_version == tracks.ALGORITHM_VERSION
    assert activity.splits and activity.route_svg
    manual.refresh_from_db()
    assert manual.distance_m == 3000  # hand-logged: nothing to recompute

    out = io.StringIO()
    call_command("activity", "recompute", stdout=out)
    assert "Recomputed 0 activities" in out.getvalue()
    call_command("activity", "recompute", "--all", "--user", athlete.email, stdout=out)
    assert "Recomputed 1 activity: 0 changed" in out.getvalue()
