"""The clinic API: the caseload with filters and pages, a client's timeline, notes, tailoring
and clearing a pause — with tokens, and with clear 4xx answers for wrong input."""

from __future__ import annotations

from typing import Any

import pytest

from backstride.api.models import ApiToken
from backstride.clinic.models import ClinicianNote, TailoringChange
from backstride.rehab.models import RedFlagClearance, RehabProfile
from backstride.rehab.records import protocol_for

from .conftest import checkin, client_of, pause, place, sessions

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(clinician: Any, client: Any) -> Any:
    _, raw = ApiToken.issue(clinician, "clinic script")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    class Api:
        def get(self, url: str, **params: Any) -> Any:
            return client.get(url, params, **auth)

        def send(self, method: str, url: str, body: Any) -> Any:
            import json

            return client.generic(
                method, url, json.dumps(body), content_type="application/json", **auth
            )

    return Api()


def test_caseload_is_ranked_filtered_and_paginated(api: Any, clinician: Any, athlete: Any) -> None:
    place(athlete)
    sessions(athlete, range(0, 30))
    checkin(athlete, 0)
    for i in range(4):
        c = client_of(clinician, f"p{i}@example.org", f"Paused {i}")
        place(c, phase=2)
        pause(c)
    rows = api.get("/api/clinic/caseload").json()
    assert [r["name"] for r in rows][-1] == "Alice"
    assert rows[0]["paused"] and rows[0]["reasons"][0]["kind"] == "red-flag"
    assert rows[-1]["needs_attention"] is False and rows[-1]["reasons"] == []
    page = api.get("/api/clinic/caseload", limit=2, offset=2).json()
    assert [r["name"] for r in page] == [r["name"] for r in rows[2:4]]
    assert len(api.get("/api/clinic/caseload", show="attention").json()) == 4
    assert [r["name"] for r in api.get("/api/clinic/caseload", phase=1).json()] == ["Alice"]
    assert [r["name"] for r in api.get("/api/clinic/caseload", q="paused 3").json()] == ["Paused 3"]
    for bad in ({"phase": 9}, {"show": "some"}, {"limit": 0}, {"q": "x" * 101}):
        response = api.get("/api/clinic/caseload", **bad)
        assert response.status_code == 422 and "detail" in response.json(), bad


def test_timeline_pages_and_filters_by_kind(api: Any, athlete: Any) -> None:
    place(athlete)
    sessions(athlete, range(0, 5))
    checkin(athlete, 1, pain=8)
    events = api.get(f"/api/clinic/clients/{athlete.pk}/timeline").json()
    assert {e["kind"] for e in events} >= {"session", "checkin"}
    assert events == sorted(events, key=lambda e: e["when"], reverse=True)
    red = api.get(f"/api/clinic/clients/{athlete.pk}/timeline", kind="checkin").json()
    assert [(e["light"], e["title"]) for e in red] == [("red", "Rehab check-in: Red")]
    assert len(api.get(f"/api/clinic/clients/{athlete.pk}/timeline", limit=2).json()) == 2
    wrong = api.get(f"/api/clinic/clients/{athlete.pk}/timeline", kind="gossip")
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["loc"] == ["query", "kind"]


def test_notes_crud_only_the_author_changes_a_note(
    api: Any, athlete: Any, other_clinician: Any, client: Any
) -> None:
    url = f"/api/clinic/clients/{athlete.pk}/notes"
    created = api.send("POST", url, {"text": "Knee also grumbles."})
    assert created.status_code == 201 and created.json()["mine"] is True
    note_id = created.json()["id"]
    assert [n["text"] for n in api.get(url).json()] == ["Knee also grumbles."]
    edited = api.send("PUT", f"{url}/{note_id}", {"text": "Knee fine now."})
    assert edited.status_code == 200 and edited.json()["text"] == "Knee fine now."
    empty = api.send("POST", url, {"text": "  "})
    assert empty.status_code == 422 and empty.json()["detail"][0]["loc"] == ["body", "text"]
    missing = api.send("PUT", f"{url}/999999", {"text": "x"})
    assert missing.status_code == 404
    assert api.send("DELETE", f"{url}/{note_id}", {}).status_code == 204
    assert not ClinicianNote.objects.exists()


def test_tailoring_read_change_and_refusals(api: Any, athlete: Any, clinician: Any) -> None:
    place(athlete)
    url = f"/api/clinic/clients/{athlete.pk}/tailoring"
    current = api.get(url).json()
    assert current["tailored"] is False
    keys = {s["key"]: s for s in current["settings"]}
    assert keys["treat.colours.green_max_pain"]["value"] == 3
    bad = api.send(
        "POST", url, {"reason": "Too much", "values": {"treat.colours.green_max_pain": 11}}
    )
    assert bad.status_code == 422
    locs = {tuple(d["loc"]): d["msg"] for d in bad.json()["detail"]}
    assert "above the maximum 10" in locs[("body", "treat.colours.green_max_pain")]
    unknown = api.send("POST", url, {"reason": "A good reason here", "values": {"nope": 1}})
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == ["body", "nope"]
    assert not TailoringChange.objects.exists()
    done = api.send(
        "POST",
        url,
        {
            "reason": "Settles slowly; stricter limits for now.",
            "values": {"treat.colours.green_max_pain": 2},
            "exercises": {"exercise-1-cat_camel": False},
            "based_on": current["fingerprint"],
        },
    )
    assert done.status_code == 201, done.content
    assert [c["after"] for c in done.json()["changes"]] == ["2/10", "taken out"]
    protocol = protocol_for(athlete)
    assert protocol.running is not None and protocol.running.treat.colours.green_max_pain == 2
    stale = api.send(
        "POST",
        url,
        {
            "reason": "Another change of mind.",
            "values": {"treat.colours.amber_max_pain": 4},
            "based_on": current["fingerprint"],
        },
    )
    assert stale.status_code == 422 and "someone else" in stale.json()["detail"][0]["msg"]
    after = api.get(url).json()
    assert after["tailored"] is True and after["history"][0]["reason"].startswith("Settles")


def test_clear_a_pause_through_the_api(api: Any, athlete: Any) -> None:
    place(athlete)
    url = f"/api/clinic/clients/{athlete.pk}/clear"
    none = api.send("POST", url, {"reason": "Nothing to clear here at all."})
    assert (
        none.status_code == 404 and none.json()["detail"] == "There is no red-flag pause to clear."
    )
    screen = pause(athlete)
    short = api.send("POST", url, {"reason": "ok"})
    assert short.status_code == 422 and short.json()["detail"][0]["loc"] == ["body", "reason"]
    wrong = api.send(
        "POST", url, {"reason": "Assessed in clinic, all clear.", "screen_id": screen.pk + 1000}
    )
    assert wrong.status_code == 404
    done = api.send(
        "POST", url, {"reason": "Assessed in clinic, all clear.", "screen_id": screen.pk}
    )
    assert done.status_code == 200 and done.json()["paused"] is False
    assert RedFlagClearance.objects.filter(screen=screen).exists()
    assert RehabProfile.objects.get(user=athlete).paused is False


def test_a_read_only_token_reads_but_cannot_change(
    client: Any, clinician: Any, athlete: Any
) -> None:
    _, raw = ApiToken.issue(clinician, "reader", scope="read")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get(f"/api/clinic/clients/{athlete.pk}/notes", **auth).status_code == 200
    refused = client.post(
        f"/api/clinic/clients/{athlete.pk}/notes",
        {"text": "x"},
        content_type="application/json",
        **auth,
    )
    assert refused.status_code == 403 and "only read" in refused.json()["detail"]
    assert not ClinicianNote.objects.exists()


def test_malformed_json_is_422_not_500(api: Any, client: Any, clinician: Any, athlete: Any) -> None:
    _, raw = ApiToken.issue(clinician, "x")
    response = client.post(
        f"/api/clinic/clients/{athlete.pk}/notes",
        "{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code in {400, 422} and "detail" in response.json()
