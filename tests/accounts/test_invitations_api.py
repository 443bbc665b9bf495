"""/api/sharing/: invitations both ways, accepting by token with consent, links, revoking.

Errors are ``{"detail": ...}`` with a 4xx status, never a 500.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from backstride.accounts.models import CareLink, ConsentRecord, Invitation
from backstride.accounts.permissions import can_view_athlete
from backstride.accounts.tokens import invitation_token
from backstride.api.models import ApiToken

pytestmark = pytest.mark.django_db

BASE = "/api/sharing"


def api(user, scope: str = "write") -> Client:
    """A client that sends ``user``'s bearer token (no session) on every request."""
    _, raw = ApiToken.issue(user, "tests", scope=scope)
    return Client(headers={"Authorization": f"Bearer {raw}"})


def post(client: Client, path: str, body: object | None = None):
    return client.post(BASE + path, body or {}, content_type="application/json")


def detail(response) -> str:
    body = response.json()
    assert set(body) == {"detail"}, body
    return str(body["detail"])


def test_a_clinician_invites_lists_resends_and_cancels(other_clinician, smtp_server, run_tasks):
    c = api(other_clinician)
    created = post(c, "/invitations", {"email": " Nia@Example.org "})
    assert created.status_code == 201
    body = created.json()
    assert body["email"] == "nia@example.org" and body["direction"] == "client"
    assert body["status"] == "pending" and body["send_count"] == 1
    run_tasks()
    assert smtp_server.wait_for(1)[0]["To"] == "nia@example.org"

    listed = c.get(BASE + "/invitations").json()
    assert [row["id"] for row in listed] == [body["id"]]
    resent = post(c, f"/invitations/{body['id']}/resend")
    assert resent.status_code == 200 and resent.json()["send_count"] == 2
    cancelled = post(c, f"/invitations/{body['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = post(c, f"/invitations/{body['id']}/resend")
    assert again.status_code == 410 and "cancelled" in detail(again)


def test_a_read_only_token_cannot_invite(other_clinician):
    response = post(api(other_clinician, scope="read"), "/invitations", {"email": "n@example.org"})
    assert response.status_code == 403 and "only read" in detail(response)
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"email": "not an address"}, 422, "valid email"),
        ({"email": "dana@otherclinic.example"}, 403, "you sent"),
        ({}, 422, "email"),
        ({"email": "x" * 300 + "@example.org"}, 422, "email"),
    ],
)
def test_bad_invitations_get_a_clear_4xx(other_clinician, body, status, words):
    response = post(api(other_clinician), "/invitations", body)
    assert response.status_code == status
    assert words in detail(response)


def test_malformed_json_is_a_422(other_clinician):
    response = api(other_clinician).post(
        BASE + "/invitations", "{not json", content_type="application/json"
    )
    assert response.status_code == 422 and "JSON" in detail(response)


def test_an_editor_cannot_invite_anyone(editor):
    response = post(api(editor), "/invitations", {"email": "someone@example.org"})
    assert response.status_code == 403 and "cannot send" in detail(response)


def test_an_athlete_invites_their_clinician_only_with_consent(athlete, other_clinician):
    c = api(athlete)
    refused = post(c, "/invitations", {"email": other_clinician.email})
    assert refused.status_code == 422 and "tick the box" in detail(refused)
    created = post(c, "/invitations", {"email": other_clinician.email, "consent": True})
    assert created.status_code == 201 and created.json()["direction"] == "clinician"
    record = ConsentRecord.objects.get(user=athlete)
    assert record.source == "api" and record.action == "given"

    # Dana finds it among her received invitations and accepts with the token given there.
    dana = api(other_clinician)
    [received] = dana.get(BASE + "/invitations/received").json()
    assert received["inviter_email"] == athlete.email
    accepted = post(dana, "/invitations/accept", {"token": received["token"]})
    assert accepted.status_code == 200
    link = accepted.json()["link"]
    assert link["active"] and link["athlete"]["id"] == athlete.pk
    assert can_view_athlete(other_clinician, athlete)
    assert dana.get(BASE + "/invitations/received").json() == []


def test_a_client_accepts_by_token_with_consent(other_clinician, other_athlete):
    invitation = Invitation.objects.get(
        pk=post(api(other_clinician), "/invitations", {"email": other_athlete.email}).json()["id"]
    )
    token = invitation_token(invitation)
    bob = api(other_athlete)
    no_consent = post(bob, "/invitations/accept", {"token": token})
    assert no_consent.status_code == 422 and "tick the box" in detail(no_consent)
    assert not CareLink.objects.exists()
    ok = post(bob, "/invitations/accept", {"token": token, "consent": True})
    assert ok.status_code == 200 and ok.json()["already_active"] is False
    reused = post(bob, "/invitations/accept", {"token": token, "consent": True})
    assert reused.status_code == 410 and "already been used" in detail(reused)
    assert CareLink.objects.count() == 1


def test_accepting_refusals_by_status(other_clinician, other_athlete, athlete):
    invitation = Invitation.objects.get(
        pk=post(api(other_clinician), "/invitations", {"email": other_athlete.email}).json()["id"]
    )
    token = invitation_token(invitation)
    wrong = post(api(athlete), "/invitations/accept", {"token": token, "consent": True})
    assert wrong.status_code == 403 and "b…b@example.org" in detail(wrong)
    garbled = post(api(other_athlete), "/invitations/accept", {"token": "abc", "consent": True})
    assert garbled.status_code == 400 and "isn't valid" in detail(garbled)
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        late = post(api(other_athlete), "/invitations/accept", {"token": token, "consent": True})
        assert late.status_code == 410 and "expired" in detail(late)
    assert not CareLink.objects.exists()


def test_someone_elses_invitation_is_not_found(other_clinician, clinician):
    theirs = post(api(other_clinician), "/invitations", {"email": "nia@example.org"}).json()
    for action in ("resend", "cancel"):
        response = post(api(clinician), f"/invitations/{theirs['id']}/{action}")
        assert response.status_code == 404 and detail(response) == "No such invitation."


def test_links_are_listed_from_each_side_and_the_athlete_revokes(athlete, clinician):
    [link] = api(athlete).get(BASE + "/links").json()
    assert link["clinician"]["name"] == "Charlie" and link["active"]
    assert [row["athlete"]["id"] for row in api(clinician).get(BASE + "/links").json()] == [
        athlete.pk
    ]
    by_clinician = post(api(clinician), f"/links/{link['id']}/revoke")
    assert by_clinician.status_code == 404  # only the athlete takes their record back
    revoked = post(api(athlete), f"/links/{link['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    assert not can_view_athlete(clinician, athlete)
    assert api(clinician).get(f"/api/rehab/athletes/{athlete.pk}").status_code == 404
    assert ConsentRecord.objects.get(user=athlete, action="withdrawn").source == "api"


def test_the_lists_are_paginated_in_the_one_way(athlete):
    response = api(athlete).get(BASE + "/links?limit=0")
    assert response.status_code == 422


def test_anonymous_callers_are_refused(client):
    assert client.get(BASE + "/links").status_code == 401
    assert post(client, "/invitations/accept", {"token": "x", "consent": True}).status_code == 401
