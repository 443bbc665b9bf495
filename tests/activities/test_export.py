"""Everything the athlete logged leaves as JSON and CSV; each run as GPX."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from backstride.activities import imports
from backstride.core import tracks

from .conftest import make_activity
from .files import gpx_run, tcx_treadmill

pytestmark = pytest.mark.django_db


def body(response) -> str:
    return b"".join(response.streaming_content).decode()


@pytest.fixture
def logged(athlete):
    imported = imports.import_bytes(athlete, gpx_run(), "run.gpx").activity
    manual = make_activity(
        athlete,
        start=datetime(2025, 3, 1, 9, tzinfo=UTC),
        title='=HYPERLINK("http://evil")',
        notes="Treadmill, felt good",
        perceived_effort=4,
    )
    return imported, manual


def test_json_export_has_every_activity_with_splits(athlete, client_for, logged):
    imported, manual = logged
    response = client_for(athlete).get(reverse("activities:export_json"))
    assert response["Content-Disposition"].startswith("attachment")
    doc = json.loads(body(response))
    assert doc["format"] == "backstride-activities"
    rows = {row["id"]: row for row in doc["activities"]}
    assert set(rows) == {imported.pk, manual.pk}
    assert rows[imported.pk]["splits"] == imported.splits
    assert rows[imported.pk]["original_format"] == "gpx"
    assert rows[imported.pk]["start"] == "2025-03-10T07:30:00Z"
    assert rows[manual.pk]["notes"] == "Treadmill, felt good"
    assert rows[manual.pk]["perceived_effort"] == 4
    assert rows[manual.pk]["moving_pace_s_per_km"] == 360.0


def test_csv_export_opens_safely_in_a_spreadsheet(athlete, client_for, logged):
    imported, manual = logged
    response = client_for(athlete).get(reverse("activities:export_csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(body(response))))
    assert len(rows) == 2
    assert rows[0]["id"] == str(manual.pk)  # oldest first
    assert rows[0]["title"].startswith("'=")  # never a live formula
    assert float(rows[1]["distance_m"]) == pytest.approx(imported.distance_m, abs=0.1)


def test_gpx_export_of_an_imported_run_reads_back_the_same(athlete, client_for, logged):
    imported, _manual = logged
    response = client_for(athlete).get(reverse("activities:gpx", args=[imported.pk]))
    assert response["Content-Type"].startswith("application/gpx+xml")
    assert response.streaming  # never the whole document in memory
    [parsed] = tracks.parse_bytes(body(response).encode(), "export.gpx")
    summary = tracks.summarise(parsed)
    assert summary.distance_m == pytest.approx(imported.distance_m, rel=0.005)
    assert summary.start == imported.start


def test_gpx_export_of_a_treadmill_run_keeps_its_time_without_points(athlete, client_for):
    run = imports.import_bytes(athlete, tcx_treadmill(), "tm.tcx").activity
    response = client_for(athlete).get(reverse("activities:gpx", args=[run.pk]))
    text = body(response)
    assert "<time>2025-03-12T18:00:00Z</time>" in text
    assert "<trkpt" not in text


def test_gpx_export_of_a_hand_logged_run(athlete, client_for, logged):
    _imported, manual = logged
    response = client_for(athlete).get(reverse("activities:gpx", args=[manual.pk]))
    assert response.status_code == 200
    assert "<time>2025-03-01T09:00:00Z</time>" in body(response)


def _peak_bytes_exporting(client, activity) -> tuple[int, int]:
    """Peak Python allocations over the whole request, the body read to its end (and dropped
    chunk by chunk, as a server sending it would)."""
    tracemalloc.start()
    try:
        response = client.get(reverse("activities:gpx", args=[activity.pk]))
        chunks = response.streaming_content if response.streaming else [response.content]
        size = sum(len(chunk) for chunk in chunks)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, size


def test_gpx_export_memory_stays_flat_however_long_the_run(athlete, client_for):
    client = client_for(athlete)
    small = imports.import_bytes(athlete, gpx_run(km=33, step_s=1), "small.gpx").activity
    large = imports.import_bytes(
        athlete, gpx_run(km=330, step_s=1, start=datetime(2025, 3, 20, 6, tzinfo=UTC)), "big.gpx"
    ).activity
    assert large.points >= 10 * small.points - 10
    client.get(reverse("activities:gpx", args=[small.pk]))  # warm up imports and caches
    small_peak, small_size = _peak_bytes_exporting(client, small)
    large_peak, large_size = _peak_bytes_exporting(client, large)
    assert large_size > 9 * small_size
    assert large_peak < 2 * small_peak + 1024 * 1024, (small_peak, large_peak)
    # And it is the whole run, as valid GPX.
    response = client.get(reverse("activities:gpx", args=[large.pk]))
    [parsed] = tracks.parse_bytes(body(response).encode(), "export.gpx")
    assert parsed.points == large.points
