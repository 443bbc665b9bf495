"""The rehab program through the API: consent, the self-assessment and its red-flag screen,
today's session, check-ins and outcome scores, with the same forms and rules as the pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from backstride.api.models import ApiToken
from backstride.rehab.models import CheckIn, OutcomeScore, SessionLog
from tests.rehab.conftest import STEP_ANSWERS, all_no

pytestmark = pytest.mark.django_db


class Api:
    """The test client with a read-and-write token, speaking JSON."""

    def __init__(self, user: Any) -> None:
        _, raw = ApiToken.issue(user, "test", scope="write")
        self.client = Client(headers={"Authorization": f"Bearer {raw}"})

    def get(self, path: str) -> Any:
        return self.client.get(f"/api{path}")

    def send(self, method: str, path: str, body: Any) -> Any:
        call = getattr(self.client, method)
        return call(f"/api{path}", body, content_type="application/json")


def assess(api: Api, red_flags: dict[str, str] | None = None) -> Any:
    assert (
        api.send(
            "post", "/rehab/consent", {"not_a_diagnosis": True, "health_data": True}
        ).status_code
        == 200
    )
    for step, answers in STEP_ANSWERS.items():
        response = api.send("put", f"/rehab/assessment/{step}", answers)
        assert response.status_code == 200, (step, response.json())
    return api.send("put", "/rehab/assessment/red-flags", red_flags or all_no())


def test_the_whole_program_through_the_api(athlete: Any) -> None:
    api = Api(athlete)
    assert api.get("/rehab/assessment").status_code == 409  # consent first
    screen = assess(api)
    assert screen.status_code == 201
    body = screen.json()
    assert body["stop"] is False and body["phase"] == 1

    today = api.get("/rehab/today").json()
    assert today["state"] == "session" and today["exercises"]
    session_id = today_session_id(api)
    done = api.send("post", "/rehab/sessions", {"session_id": session_id, "done": []})
    assert done.status_code == 201, done.json()
    assert SessionLog.objects.filter(user=athlete).count() == 1
    # the same session twice is refused, not logged twice
    assert api.send("post", "/rehab/sessions", {"session_id": session_id}).status_code == 409

    answers = {"pain_before": 2, "pain_during": 3, "pain_now": 2, "leg_symptoms": "same"}
    checkin = api.send("post", "/rehab/check-ins", answers | {"stiffness": 2, "effort": 4})
    assert checkin.status_code == 201, checkin.json()
    assert checkin.json()["light"] == "green" and checkin.json()["next_steps"]
    assert api.send("post", "/rehab/check-ins", answers).status_code == 409
    assert [c["pain_now"] for c in api.get("/rehab/check-ins").json()] == [2]

    scores = api.send(
        "post", "/rehab/outcomes", {"nprs": 3, "activity_0": "Running 5 km", "rating_0": 4}
    )
    assert scores.status_code == 201, scores.json()
    assert OutcomeScore.objects.filter(user=athlete).count() == 2
    series = api.get("/rehab/outcomes").json()
    assert series["nprs"][0]["score"] == 3 and series["psfs_activities"] == ["Running 5 km"]


def today_session_id(api: Api) -> str:
    from backstride.rehab import services

    user = ApiToken.objects.get().user
    profile = services.profile_for(user)
    plan = services.today_plan(
        user, profile, services.protocol_for(user), services.local_today(user)
    )
    assert plan.session is not None
    return plan.session.id


def test_a_red_flag_answer_stops_the_program_and_says_why(athlete: Any) -> None:
    api = Api(athlete)
    response = assess(api, all_no() | {"ces_saddle_numbness": "yes"})
    assert response.status_code == 201
    body = response.json()
    assert body["stop"] is True and body["paused"] is True and body["urgency"] == "emergency"
    assert body["triggered"][0]["reason"] and body["triggered"][0]["source"]
    assert body["advice"]
    # nothing else goes on until a clinician clears it
    refused = api.send("post", "/rehab/sessions", {"session_id": "settle-a"})
    assert refused.status_code == 409 and "paused" in refused.json()["detail"]


def test_bad_values_get_the_forms_messages_and_store_nothing(athlete: Any) -> None:
    api = Api(athlete)
    missing = api.send("post", "/rehab/consent", {"health_data": True})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "not_a_diagnosis"]
    assert (
        api.send(
            "post", "/rehab/consent", {"not_a_diagnosis": True, "health_data": True}
        ).status_code
        == 200
    )
    wrong = api.send("put", "/rehab/assessment/history", {"age": "twelve"})
    assert wrong.status_code == 422
    fields = {tuple(e["loc"]) for e in wrong.json()["detail"]}
    assert ("body", "age") in fields and all(e["msg"] for e in wrong.json()["detail"])
    assert api.send("put", "/rehab/assessment/pain", STEP_ANSWERS["pain"]).status_code == 409
    assert api.send("put", "/rehab/assessment/nope", {}).status_code == 404
    not_json = api.client.put("/api/rehab/assessment/history", "{", content_type="application/json")
    assert not_json.status_code == 422
    assert api.send("put", "/rehab/assessment/history", [1, 2]).status_code == 422
    assert not CheckIn.objects.exists()


def test_a_read_only_token_cannot_write(athlete: Any) -> None:
    _, raw = ApiToken.issue(athlete, "read", scope="read")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    response = client.post(
        "/api/rehab/consent",
        {"not_a_diagnosis": True, "health_data": True},
        content_type="application/json",
    )
    assert response.status_code == 403


@pytest.mark.parametrize("who", ["clinician", "editor"])
def test_only_athletes_have_a_program(who: str, request: Any) -> None:
    api = Api(request.getfixturevalue(who))
    assert api.send("post", "/rehab/consent", {}).status_code == 403
    assert api.get("/rehab/check-ins").status_code == 403


def test_profile_changes_through_the_api(athlete: Any) -> None:
    api = Api(athlete)
    changed = api.send("patch", "/me", {"timezone": "America/New_York"})
    assert changed.status_code == 200 and changed.json()["timezone"] == "America/New_York"
    assert changed.json()["display_name"] == athlete.display_name
    bad = api.send("patch", "/me", {"timezone": "Mars/Olympus"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "timezone"]
    athlete.refresh_from_db()
    assert athlete.timezone == "America/New_York"


def test_the_next_morning_answer_goes_to_yesterdays_check_in(athlete: Any) -> None:
    import time_machine
    from django.utils import timezone

    api = Api(athlete)
    assess(api)
    session_id = today_session_id(api)
    assert api.send("post", "/rehab/sessions", {"session_id": session_id}).status_code == 201
    answers = {
        "pain_before": 2,
        "pain_during": 3,
        "pain_now": 2,
        "leg_symptoms": "same",
        "stiffness": 2,
        "effort": 3,
    }
    assert api.send("post", "/rehab/check-ins", answers).status_code == 201
    assert api.send("post", "/rehab/check-ins/morning", {"pain": 2}).status_code == 409
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        bad = api.send("post", "/rehab/check-ins/morning", {"pain": 11})
        assert bad.status_code == 422
        assert bad.json()["detail"][0]["loc"] == ["body", "pain_next_morning"]
        morning = api.send("post", "/rehab/check-ins/morning", {"pain": 3})
        assert morning.status_code == 200, morning.json()
        assert morning.json()["pain_next_morning"] == 3 and morning.json()["light"]
        assert api.send("post", "/rehab/check-ins/morning", {"pain": 3}).status_code == 409
