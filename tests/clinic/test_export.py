"""A clinician downloads a client's record: the whole timeline, scores and notes, logged in
the client's access log as an export; nobody else gets it, and each refusal is logged too."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from backstride.accounts.models import AuditEvent, CareLink
from backstride.api.models import ApiToken
from backstride.clinic.models import ClinicianNote

from .conftest import checkin, place, score, sessions

pytestmark = pytest.mark.django_db


def _story(athlete: Any, clinician: Any) -> None:
    place(athlete, phase=1)
    sessions(athlete, range(1, 3))
    checkin(athlete, days_ago=1, pain=6)
    score(athlete, "nprs", 10, 5)
    ClinicianNote.objects.create(athlete=athlete, author=clinician, text="Sleeps badly.")


def test_the_clinician_downloads_the_whole_record_and_it_is_logged(
    athlete: Any, clinician: Any, client_for: Any
) -> None:
    _story(athlete, clinician)
    response = client_for(clinician).get(reverse("clinic:export", args=[athlete.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="client-')
    body = json.loads(response.content)
    assert body["client"]["id"] == athlete.pk and body["client"]["phase"] == 1
    assert [o["score"] for o in body["outcomes"]] == [5]
    kinds = {e["kind"] for e in body["timeline"]}
    assert {"session", "checkin", "note"} <= kinds, kinds
    assert body["notes"][0]["text"] == "Sleeps badly."
    event = AuditEvent.objects.get(athlete=athlete, actor=clinician)
    assert event.action == AuditEvent.Action.EXPORT and event.channel == "web"


def test_the_same_export_through_the_api(athlete: Any, clinician: Any, client: Any) -> None:
    _story(athlete, clinician)
    _, raw = ApiToken.issue(clinician, "practice", scope="read")
    response = client.get(
        f"/api/clinic/clients/{athlete.pk}/export", headers={"Authorization": f"Bearer {raw}"}
    )
    assert response.status_code == 200 and response.json()["notes"][0]["text"]
    event = AuditEvent.objects.get(athlete=athlete, actor=clinician)
    assert (event.action, event.channel) == (AuditEvent.Action.EXPORT, "api")


@pytest.mark.parametrize("who", ["athlete", "other_athlete", "other_clinician", "editor"])
def test_nobody_else_exports_a_client(
    who: str, athlete: Any, clinician: Any, client_for: Any, request: Any
) -> None:
    user = request.getfixturevalue(who)
    response = client_for(user).get(reverse("clinic:export", args=[athlete.pk]))
    assert response.status_code in {403, 404}
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()
    if who != "athlete":
        assert AuditEvent.objects.filter(
            athlete=athlete, actor=user, action=AuditEvent.Action.REFUSED
        ).exists()


def test_after_the_client_stops_sharing_the_export_is_refused(
    athlete: Any, clinician: Any, client_for: Any
) -> None:
    CareLink.objects.filter(clinician=clinician, athlete=athlete).update(revoked_at=timezone.now())
    response = client_for(clinician).get(reverse("clinic:export", args=[athlete.pk]))
    assert response.status_code == 404
    assert AuditEvent.objects.get(athlete=athlete).action == AuditEvent.Action.REFUSED
