"""Who may use each clinic page and API operation, and that every one of them leaves an entry
in the client's access log. Generated from the URL conf and the OpenAPI schema, so a new
clinic endpoint without a rule here fails."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse

from backstride.accounts.models import AuditEvent
from backstride.clinic.models import ClinicianNote

from .conftest import API_BODIES, pause, place

pytestmark = pytest.mark.django_db

#: pages about one client: every one goes through viewable_athlete and logs
CLIENT_PAGES = {"client", "export", "note_add", "note_edit", "tailor", "clear"}
#: the athlete's own pages (their own data: nothing to log)
OWN_PAGES = {"my_changes", "my_changes_seen"}
LIST_PAGES = {"caseload"}
POSTS = {"note_add", "clear", "my_changes_seen"}


def clinic_patterns() -> dict[str, URLPattern]:
    resolver = get_resolver()
    for p in resolver.url_patterns:
        if getattr(p, "namespace", None) == "clinic":
            return {q.name: q for q in p.url_patterns if isinstance(q, URLPattern) and q.name}
    raise AssertionError("the clinic app is not mounted")


def test_every_clinic_page_has_a_rule_here() -> None:
    assert set(clinic_patterns()) == CLIENT_PAGES | OWN_PAGES | LIST_PAGES


def url_for(name: str, athlete: Any, note: ClinicianNote) -> str:
    args: list[int] = []
    route = str(clinic_patterns()[name].pattern)
    if "<int:athlete_id>" in route:
        args.append(athlete.pk)
    if "<int:note_id>" in route:
        args.append(note.pk)
    return reverse(f"clinic:{name}", args=args)


def call(client: Client, name: str, url: str) -> Any:
    if name in POSTS:
        return client.post(url, {})
    return client.get(url)


EXPECTED = {
    # role: status of a client page about Alice
    "anonymous": 302,
    "owner": 404,
    "other_athlete": 404,
    "clinician": 200,
    "revoked_clinician": 404,
    "other_clinician": 404,
    "editor": 404,
    "admin": 404,
}


@pytest.fixture
def setup(people: dict[str, Any], revoked_clinician: Any) -> dict[str, Any]:
    athlete = people["owner"]
    place(athlete)
    pause(athlete)
    note = ClinicianNote.objects.create(athlete=athlete, author=people["clinician"], text="n")
    return {"people": {**people, "revoked_clinician": revoked_clinician}, "note": note}


@pytest.mark.parametrize("name", sorted(CLIENT_PAGES))
@pytest.mark.parametrize("role", list(EXPECTED))
def test_client_pages_by_role_and_each_access_is_logged(
    name: str, role: str, setup: dict[str, Any], client_for: Any
) -> None:
    people = setup["people"]
    athlete, user = people["owner"], people[role]
    url = url_for(name, athlete, setup["note"])
    before = AuditEvent.objects.filter(athlete=athlete).count()
    response = call(client_for(user), name, url)
    expected = EXPECTED[role]
    if expected == 200 and name in POSTS:
        expected = 400  # an empty form: allowed, but refused with a message
    assert response.status_code == expected, (name, role)
    logged = AuditEvent.objects.filter(athlete=athlete).order_by("-pk")
    if role in {"anonymous", "owner"}:
        assert logged.count() == before  # nobody signed in / the athlete's own look
    else:
        assert logged.count() > before, f"{name} by {role} left no access-log entry"
        allowed = "export" if name == "export" else "read"
        assert logged.first().action == (allowed if role == "clinician" else "refused")  # type: ignore[union-attr]


def test_the_caseload_logs_each_client_it_shows(setup: dict[str, Any], client_for: Any) -> None:
    people = setup["people"]
    client_for(people["clinician"]).get(reverse("clinic:caseload"))
    assert AuditEvent.objects.filter(
        athlete=people["owner"], actor=people["clinician"], what="caseload summary"
    ).exists()
    # a revoked clinician's caseload no longer shows (or logs) the client
    client_for(people["revoked_clinician"]).get(reverse("clinic:caseload"))
    assert not AuditEvent.objects.filter(
        athlete=people["owner"], actor=people["revoked_clinician"]
    ).exists()


@pytest.mark.parametrize("name", sorted(OWN_PAGES))
def test_the_athletes_own_pages_are_for_athletes(
    name: str, setup: dict[str, Any], client_for: Any
) -> None:
    people = setup["people"]
    url = url_for(name, people["owner"], setup["note"])
    assert call(client_for(people["owner"]), name, url).status_code in {200, 302}
    assert call(client_for(people["clinician"]), name, url).status_code == 403
    assert call(client_for(None), name, url).status_code == 302


# --- API --------------------------------------------------------------------------------------
def api_operations(client: Client) -> list[tuple[str, str]]:
    schema = client.get("/api/openapi.json").json()
    return [
        (method.upper(), path)
        for path, item in schema["paths"].items()
        if path.startswith("/api/clinic/")
        for method in item
    ]


API_OK = {"GET": 200, "POST": 201, "PUT": 200, "DELETE": 204}
API_OK_OVERRIDE = {("POST", "/api/clinic/clients/{athlete_id}/clear"): 200}


def test_every_clinic_api_operation_has_a_rule_here(client_for: Any, athlete: Any) -> None:
    ops = set(api_operations(client_for(athlete)))
    described = set(API_BODIES) | {
        ("GET", "/api/clinic/caseload"),
        ("GET", "/api/clinic/clients/{athlete_id}/timeline"),
        ("GET", "/api/clinic/clients/{athlete_id}/export"),
        ("GET", "/api/clinic/clients/{athlete_id}/notes"),
        ("GET", "/api/clinic/clients/{athlete_id}/tailoring"),
        ("DELETE", "/api/clinic/clients/{athlete_id}/notes/{note_id}"),
    }
    assert ops == described


@pytest.mark.parametrize("role", [r for r in EXPECTED if r != "anonymous"])
def test_every_api_operation_by_role_and_each_is_logged(
    role: str, setup: dict[str, Any], client_for: Any
) -> None:
    people = setup["people"]
    athlete, user = people["owner"], people[role]
    client = client_for(user)
    for method, path in api_operations(client):
        if "{athlete_id}" not in path:
            continue
        note = ClinicianNote.objects.create(athlete=athlete, author=people["clinician"], text="n")
        url = path.replace("{athlete_id}", str(athlete.pk)).replace("{note_id}", str(note.pk))
        before = AuditEvent.objects.filter(athlete=athlete).count()
        body = API_BODIES.get((method, path))
        response = client.generic(
            method, url, data=json.dumps(body or {}), content_type="application/json"
        )
        if role == "clinician":
            expected = API_OK_OVERRIDE.get((method, path), API_OK[method])
        else:
            expected = 404
        assert response.status_code == expected, (method, path, role, response.content[:300])
        assert "detail" in response.json() if response.status_code >= 400 else True
        if role != "owner":
            assert AuditEvent.objects.filter(athlete=athlete).count() > before, (method, path)
        if (method, path) == (
            "POST",
            "/api/clinic/clients/{athlete_id}/clear",
        ) and role == "clinician":
            pause(athlete)  # pause again for the next operations


def test_api_caseload_is_for_clinicians(setup: dict[str, Any], client_for: Any) -> None:
    people = setup["people"]
    assert client_for(people["owner"]).get("/api/clinic/caseload").status_code == 403
    assert client_for(None).get("/api/clinic/caseload").status_code == 401
    response = client_for(people["clinician"]).get("/api/clinic/caseload")
    assert response.status_code == 200
    assert AuditEvent.objects.filter(
        athlete=people["owner"], actor=people["clinician"], what="caseload summary", channel="api"
    ).exists()
