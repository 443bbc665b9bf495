"""Who may see a running plan and its check-ins: the owner and their linked clinician."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from backstride.running import checkins
from tests.conftest import ATHLETE_API_STATUS, ATHLETE_PAGE_STATUS, ROLES

from .conftest import NOW, TODAY, session

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ROLES)
@time_machine.travel(NOW, tick=False)
def test_client_plan_page_follows_the_permission_layer(role, people, client_for, runner):
    url = reverse("running:athlete_plan", args=[people["owner"].pk])
    assert client_for(people[role]).get(url).status_code == ATHLETE_PAGE_STATUS[role]


@time_machine.travel(NOW, tick=False)
def test_clinician_view_is_read_only(clinician, client_for, runner):
    session(runner, TODAY)
    page = client_for(clinician).get(reverse("running:athlete_plan", args=[runner.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "Check in" not in html and "Rule <code>" in html


@pytest.mark.parametrize(("who", "status"), ATHLETE_API_STATUS)
@time_machine.travel(NOW, tick=False)
def test_api_follows_the_permission_layer(who, status, request, client_for, runner):
    client = client_for(request.getfixturevalue(who))
    for path in ("prescription", "ladder", "check-ins"):
        assert client.get(f"/api/running/athletes/{runner.pk}/{path}").status_code == status


@time_machine.travel(NOW, tick=False)
def test_api_needs_authentication(client, runner):
    assert client.get(f"/api/running/athletes/{runner.pk}/prescription").status_code == 401
    assert client.get("/api/running/prescription").status_code == 401


@time_machine.travel(NOW, tick=False)
def test_api_checkin_create_and_list(client_for, runner, other_athlete):
    run = session(runner, TODAY)
    theirs = session(other_athlete, TODAY)
    client = client_for(runner)
    body = {
        "activity_id": run.pk,
        "pain_during": 2,
        "pain_after": 1,
        "leg_new": False,
        "leg_spreading": False,
    }
    created = client.post("/api/running/check-ins", body, content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["colour"] == "green" and created.json()["final"] is False
    again = client.post("/api/running/check-ins", body, content_type="application/json")
    assert again.status_code == 422 and "already has a check-in" in again.json()["detail"]
    bad = client.post(
        "/api/running/check-ins",
        body | {"activity_id": theirs.pk, "pain_during": 11},
        content_type="application/json",
    )
    assert bad.status_code == 404  # someone else's session: no hint that it exists
    rows = client.get("/api/running/check-ins").json()
    assert [r["activity_id"] for r in rows] == [run.pk]
    assert client.get("/api/running/check-ins?limit=0").status_code == 422


@time_machine.travel(NOW, tick=False)
def test_api_pain_11_is_422_and_saves_nothing(client_for, runner):
    from backstride.running.models import RunCheckIn

    run = session(runner, TODAY)
    body = {
        "activity_id": run.pk,
        "pain_during": 11,
        "pain_after": 1,
        "leg_new": False,
        "leg_spreading": False,
    }
    response = client_for(runner).post(
        "/api/running/check-ins", body, content_type="application/json"
    )
    assert response.status_code == 422 and "0 to 10" in response.json()["detail"]
    assert RunCheckIn.objects.count() == 0


@time_machine.travel(NOW, tick=False)
def test_api_prescription_has_reasons_and_ladder(client_for, runner):
    data = client_for(runner).get("/api/running/prescription").json()
    assert data["status"] == "ladder" and data["reasons"]
    assert all(r["source"] for r in data["reasons"])
    ladder = client_for(runner).get(f"/api/running/athletes/{runner.pk}/ladder").json()
    assert sum(r["current"] for r in ladder["rungs"]) == 1


@time_machine.travel(NOW, tick=False)
def test_other_athletes_checkin_result_is_404(client_for, runner, other_athlete):
    c = checkins.record_checkin(
        runner,
        session(runner, TODAY),
        checkins.CheckInAnswers(pain_during=1, pain_after=1, leg_new=False, leg_spreading=False),
    )
    client = client_for(other_athlete)
    for name in ("checkin_result", "morning", "h48"):
        assert client.get(reverse(f"running:{name}", args=[c.pk])).status_code == 404
