"""The activities API: the same services, validation and permission layer as the pages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from backstride.activities import imports
from backstride.activities.models import Activity
from backstride.api.models import ApiToken
from backstride.privacy.document import export_everything
from tests.conftest import ATHLETE_API_STATUS

from .conftest import make_activity
from .files import gpx_run

pytestmark = pytest.mark.django_db


def test_needs_authentication(client):
    assert client.get("/api/activities/").status_code == 401


def test_list_and_detail_with_a_bearer_token(client, athlete, other_athlete):
    imported = imports.import_bytes(athlete, gpx_run(), "run.gpx").activity
    mine = make_activity(athlete, start=datetime(2025, 3, 1, 9, tzinfo=UTC))
    theirs = make_activity(other_athlete)
    _token, raw = ApiToken.issue(athlete, "watch sync")
    auth = {"Authorization": f"Bearer {raw}"}
    rows = client.get("/api/activities/", headers=auth).json()
    assert [r["id"] for r in rows] == [imported.pk, mine.pk]
    detail = client.get(f"/api/activities/{imported.pk}", headers=auth).json()
    assert detail["splits"] == imported.splits
    assert detail["moving_pace_s_per_km"] == pytest.approx(imported.moving_pace_s_per_km, abs=0.1)
    assert detail["route_svg_points"] == imported.route_svg
    assert client.get(f"/api/activities/{theirs.pk}", headers=auth).status_code == 404


@time_machine.travel(datetime(2025, 3, 14, 18, tzinfo=UTC), tick=False)
def test_log_by_hand_uses_the_same_rules_as_the_form(client_for, athlete):
    client = client_for(athlete)
    body = {
        "sport": "run",
        "date": "2025-03-14",
        "start_time": "07:30:00",
        "distance_km": 5.2,
        "duration_s": 1872,
        "perceived_effort": 4,
    }
    created = client.post("/api/activities/", body, content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["moving_s"] == 1872
    again = client.post("/api/activities/", body, content_type="application/json")
    assert again.status_code == 409
    assert "You already have this activity" in again.json()["detail"]
    future = client.post(
        "/api/activities/", {**body, "date": "2025-03-20"}, content_type="application/json"
    )
    assert future.status_code == 422
    [error] = future.json()["detail"]
    assert error["loc"] == ["body", "date"] and "in the future" in error["msg"]
    assert Activity.objects.count() == 1


@pytest.mark.parametrize(("who", "status"), ATHLETE_API_STATUS)
def test_client_runs_follow_the_permission_layer(who, status, request, athlete, client_for):
    make_activity(athlete)
    client = client_for(request.getfixturevalue(who))
    assert client.get(f"/api/activities/athlete/{athlete.pk}/").status_code == status
    assert client.get(f"/api/activities/athlete/{athlete.pk}/load").status_code == status


def test_clinicians_and_editors_have_no_own_activities(client_for, clinician, editor):
    assert client_for(clinician).get("/api/activities/").status_code == 403
    assert client_for(editor).post(
        "/api/activities/", {}, content_type="application/json"
    ).status_code in {403, 422}


def test_load_in_the_api(client_for, athlete):
    make_activity(athlete, start=datetime(2025, 6, 10, 7, tzinfo=UTC), distance_m=5500)
    with time_machine.travel(datetime(2025, 6, 12, tzinfo=UTC), tick=False):
        data = client_for(athlete).get("/api/activities/load?weeks=4").json()
    assert data["timezone"] == "Europe/London" and data["ceiling_km"] == 20.0
    assert [w["running_km"] for w in data["weeks"]] == [0, 0, 0, 5.5]


def test_account_export_includes_activities(athlete, other_athlete):
    make_activity(athlete, notes="kept")
    make_activity(other_athlete, notes="not theirs")
    [row] = export_everything(athlete)["activities"]
    assert row["notes"] == "kept" and "splits" in row and "warnings" in row
