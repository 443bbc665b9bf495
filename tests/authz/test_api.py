"""Every API operation × every role, with the status each must get.

Read from the OpenAPI schema, so a new operation without a rule fails. Each signed-in role
uses a read-and-write token of its own; writes send a valid body (from BODIES), so a refusal
is the permission layer speaking, not validation. Operations on one athlete's health data
(``client``) leave an access-log entry for every caller other than the athlete.
"""

from __future__ import annotations

import json
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from backstride.api.models import ApiToken
from tests.clinic.conftest import API_BODIES as CLINIC_API_BODIES

from .conftest import Walk
from .patterns import operations
from .world import ROLES, World

pytestmark = pytest.mark.django_db

GPX = (
    b"<?xml version='1.0'?><gpx version='1.1' creator='t' xmlns='http://www.topografix.com/GPX/1/1'>"
    b"<trk><trkseg><trkpt lat='51.5' lon='-0.1'><time>2026-11-01T08:00:00Z</time></trkpt>"
    b"<trkpt lat='51.501' lon='-0.1'><time>2026-11-01T08:01:00Z</time></trkpt></trkseg></trk></gpx>"
)


def bodies() -> dict[tuple[str, str], Any]:
    """A valid body for every operation that takes one."""
    yesterday = (timezone.now() - timedelta(days=1)).date().isoformat()
    return {
        ("PATCH", "/api/me"): {"timezone": "Europe/Paris"},
        ("POST", "/api/activities/"): {
            "date": yesterday,
            "start_time": "07:30",
            "distance_km": 3.2,
            "duration_s": 1200,
        },
        ("POST", "/api/activities/imports/"): "files",
        ("POST", "/api/formcheck/"): "video",
        # the run already has a check-in (422) for its owner; another athlete's run is 404
        ("POST", "/api/running/check-ins"): {
            "activity_id": "{activity_id}",
            "pain_during": 2,
            "pain_after": 2,
            "leg_new": False,
            "leg_spreading": False,
        },
        ("POST", "/api/me/exports"): None,
        **CLINIC_API_BODIES,
        ("POST", "/api/sharing/invitations"): {"email": "new.person@example.org", "consent": True},
        ("POST", "/api/sharing/invitations/{invitation_id}/resend"): None,
        ("POST", "/api/sharing/invitations/{invitation_id}/cancel"): None,
        ("POST", "/api/sharing/invitations/accept"): {"token": "not-a-real-token"},
        ("POST", "/api/sharing/links/{link_id}/revoke"): None,
        ("POST", "/api/rehab/consent"): {"not_a_diagnosis": True, "health_data": True},
        ("PUT", "/api/rehab/assessment/{step}"): {"age": 40},
        ("POST", "/api/rehab/screens/{kind}"): {},
        ("POST", "/api/rehab/sessions"): {"session_id": "settle-a", "done": []},
        ("POST", "/api/rehab/check-ins"): {"pain_now": 2, "leg_symptoms": "same"},
        ("POST", "/api/rehab/check-ins/morning"): {"pain": 2},
        ("POST", "/api/rehab/check-ins/48-hours"): {"pain": 2},
        ("POST", "/api/rehab/outcomes"): {"nprs": 3},
    }


def _order(op: tuple[str, str]) -> tuple[int, str]:
    """Reads first, then writes, deletions last (so one role's calls see the same world)."""
    return ({"GET": 0, "DELETE": 2}.get(op[0], 1), op[1])


def _client(world: World, role: str) -> Client:
    user = world.people[role]
    if user is None:
        return Client()
    _, raw = ApiToken.issue(user, "matrix", scope="write")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def _path(world: World, path: str) -> str:
    values = world.args[""] | {"invitation_id": world.args["accounts"]["pk"]}
    for name, value in values.items():
        path = path.replace("{" + name + "}", str(value))
    return path


def call(client: Client, world: World, method: str, path: str) -> Any:
    url = _path(world, path)
    body = bodies().get((method, path))
    if body == "files":
        upload = SimpleUploadedFile("matrix.gpx", GPX, "application/gpx+xml")
        return client.post(url, {"files": [upload]})
    if body == "video":
        upload = SimpleUploadedFile("matrix.mp4", b"not really a video", "video/mp4")
        return client.post(url, {"video": upload, "view": "side"})
    data = json.loads(_path(world, json.dumps(body))) if body is not None else None
    if isinstance(data, dict) and "activity_id" in data:
        data["activity_id"] = int(data["activity_id"])
    return client.generic(
        method, url, json.dumps(data) if data is not None else "", "application/json"
    )


SIGNED_IN = "401 200 200 200 200 200 200 200"
ATHLETES = "401 200 200 403 403 403 403 200"
ATHLETES_ONLY = "401 200 200 403 403 403 403 403"
OWN = "401 200 404 403 403 403 403 404"
OWN_ANY_ROLE = "401 200 404 404 404 404 404 404"
CLIENT = "401 200 404 200 404 404 404 404"
CLINIC = "401 404 404 200 404 404 404 404"
CLINIC_CREATED = "401 404 404 201 404 404 404 404"
CLINIC_DELETED = "401 404 404 204 404 404 404 404"
# the athlete reached validation or the program's state (409: not today's step)

#: operation → (statuses in ROLES order, whether it reads or changes a client's data)
RULES: dict[tuple[str, str], tuple[str, bool]] = {
    ("GET", "/api/activities/"): (ATHLETES, False),
    ("GET", "/api/activities/athlete/{athlete_id}/"): (CLIENT, True),
    ("GET", "/api/activities/athlete/{athlete_id}/load"): (CLIENT, True),
    ("GET", "/api/activities/imports/"): (ATHLETES, False),
    ("GET", "/api/activities/imports/{batch_id}"): (OWN, False),
    ("GET", "/api/activities/load"): (ATHLETES, False),
    ("GET", "/api/activities/{activity_id}"): (OWN, False),
    ("GET", "/api/clinic/caseload"): ("401 403 403 200 200 200 403 403", False),
    ("GET", "/api/clinic/clients/{athlete_id}/export"): (CLINIC, True),
    ("GET", "/api/clinic/clients/{athlete_id}/notes"): (CLINIC, True),
    ("GET", "/api/clinic/clients/{athlete_id}/tailoring"): (CLINIC, True),
    ("GET", "/api/clinic/clients/{athlete_id}/timeline"): (CLINIC, True),
    ("GET", "/api/formcheck/"): (ATHLETES, False),
    ("GET", "/api/formcheck/athlete/{athlete_id}/"): (CLIENT, True),
    ("GET", "/api/formcheck/athlete/{athlete_id}/{check_id}"): (CLIENT, True),
    ("GET", "/api/formcheck/athlete/{athlete_id}/{check_id}/frames/{index}.jpg"): (CLIENT, True),
    ("GET", "/api/formcheck/athlete/{athlete_id}/{check_id}/report"): (CLIENT, True),
    ("GET", "/api/formcheck/{check_id}"): (OWN, False),
    ("GET", "/api/formcheck/{check_id}/frames/{index}.jpg"): (OWN, False),
    ("GET", "/api/formcheck/{check_id}/report"): (OWN, False),
    ("GET", "/api/me"): (SIGNED_IN, False),
    ("GET", "/api/me/access-log"): (SIGNED_IN, False),
    ("GET", "/api/me/exports"): (SIGNED_IN, False),
    ("GET", "/api/me/exports/{export_id}"): (OWN_ANY_ROLE, False),
    ("GET", "/api/me/exports/{export_id}/download"): ("401 410 404 404 404 404 404 404", False),
    ("GET", "/api/rehab/assessment"): (ATHLETES_ONLY, False),
    ("GET", "/api/rehab/athletes/{athlete_id}"): (CLIENT, True),
    ("GET", "/api/rehab/check-ins"): (ATHLETES_ONLY, False),
    ("GET", "/api/rehab/outcomes"): (ATHLETES_ONLY, False),
    ("GET", "/api/rehab/protocol"): (SIGNED_IN, False),
    ("GET", "/api/rehab/today"): (ATHLETES, False),
    ("GET", "/api/running/athletes/{athlete_id}/check-ins"): (CLIENT, True),
    ("GET", "/api/running/athletes/{athlete_id}/ladder"): (CLIENT, True),
    ("GET", "/api/running/athletes/{athlete_id}/prescription"): (CLIENT, True),
    ("GET", "/api/running/check-ins"): (ATHLETES_ONLY, False),
    ("GET", "/api/running/prescription"): (ATHLETES_ONLY, False),
    ("GET", "/api/sharing/invitations"): (SIGNED_IN, False),
    ("GET", "/api/sharing/invitations/received"): (SIGNED_IN, False),
    ("GET", "/api/sharing/links"): (SIGNED_IN, False),
    ("POST", "/api/activities/"): ("401 201 201 403 403 403 403 201", False),
    ("POST", "/api/activities/imports/"): ("401 202 202 403 403 403 403 202", False),
    # nothing is paused, so there is nothing to clear: 404, and still logged
    ("POST", "/api/clinic/clients/{athlete_id}/clear"): ("401 404 404 404 404 404 404 404", True),
    ("POST", "/api/clinic/clients/{athlete_id}/notes"): (CLINIC_CREATED, True),
    ("PUT", "/api/clinic/clients/{athlete_id}/notes/{note_id}"): (CLINIC, True),
    ("POST", "/api/clinic/clients/{athlete_id}/tailoring"): (
        "401 404 404 201 404 404 404 404",
        True,
    ),
    ("POST", "/api/formcheck/"): ("401 422 422 403 403 403 403 422", False),
    ("PATCH", "/api/me"): (SIGNED_IN, False),
    ("POST", "/api/me/exports"): ("401 202 202 202 202 202 202 202", False),
    ("PUT", "/api/rehab/assessment/{step}"): ("401 409 409 403 403 403 403 403", False),
    ("POST", "/api/rehab/check-ins"): ("401 409 409 403 403 403 403 403", False),
    ("POST", "/api/rehab/check-ins/48-hours"): ("401 409 409 403 403 403 403 403", False),
    ("POST", "/api/rehab/check-ins/morning"): ("401 409 409 403 403 403 403 403", False),
    ("POST", "/api/rehab/consent"): (ATHLETES_ONLY, False),
    ("POST", "/api/rehab/outcomes"): ("401 422 422 403 403 403 403 403", False),
    ("POST", "/api/rehab/screens/{kind}"): ("401 422 422 403 403 403 403 403", False),
    ("POST", "/api/rehab/sessions"): ("401 409 201 403 403 403 403 403", False),
    # the run already has a check-in (422) for its owner; another athlete's run is 404
    ("POST", "/api/running/check-ins"): ("401 422 404 403 403 403 403 403", False),
    ("POST", "/api/sharing/invitations"): ("401 201 201 201 201 201 403 403", False),
    ("POST", "/api/sharing/invitations/accept"): ("401 400 400 400 400 400 400 400", False),
    ("POST", "/api/sharing/invitations/{invitation_id}/cancel"): (OWN_ANY_ROLE, False),
    ("POST", "/api/sharing/invitations/{invitation_id}/resend"): (
        "401 410 404 404 404 404 404 404",
        False,
    ),
    ("POST", "/api/sharing/links/{link_id}/revoke"): (OWN_ANY_ROLE, False),
    ("DELETE", "/api/clinic/clients/{athlete_id}/notes/{note_id}"): (
        "401 404 404 204 404 404 404 404",
        True,
    ),
    ("DELETE", "/api/formcheck/{check_id}"): ("401 204 404 403 403 403 403 404", False),
}


def test_every_operation_has_a_rule(world: World) -> None:
    ops = set(operations(Client().get("/api/openapi.json").json()))
    assert ops - set(RULES) == set(), "operations without a rule: add each to RULES"
    assert set(RULES) - ops == set(), "rules for operations that no longer exist"
    writes = {op for op in ops if op[0] in {"POST", "PUT", "PATCH"}}
    assert writes - set(bodies()) == set(), "writes without a body in bodies()"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_table_says(world: World, role: str) -> None:
    client = _client(world, role)
    walk = Walk(world, role)
    for method, path in sorted(RULES, key=_order):
        spec, shows_client = RULES[(method, path)]
        key = f"{method} {path}"
        response = walk.check(
            key,
            spec,
            shows_client,
            partial(call, client, world, method, path),
            lambda r: str(r.status_code),
        )
        if response.status_code >= 400:
            assert "detail" in response.json(), (key, response.content[:200])
    walk.assert_as_the_table_says("api", "operation")
