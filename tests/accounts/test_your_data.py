"""Export everything, stop sharing, delete the account."""

import json

import pytest
from django.urls import reverse

from backstride.accounts.models import CareLink, User
from backstride.accounts.permissions import can_view_athlete

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery-staple"


def test_export_contains_every_area(client_for, athlete, clinician):
    response = client_for(athlete).get(reverse("accounts:export_json"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    doc = json.loads(response.content)
    assert doc["profile"]["email"] == athlete.email
    assert doc["shared_with"][0]["clinician"] == clinician.email
    for area in ("rehab", "activities", "api", "consents"):
        assert area in doc


def test_export_never_includes_someone_else(client_for, athlete, other_athlete):
    doc = json.loads(client_for(other_athlete).get(reverse("accounts:export_json")).content)
    assert doc["profile"]["email"] == other_athlete.email
    assert athlete.email not in json.dumps(doc)


def test_stop_sharing_removes_clinician_access(client_for, athlete, clinician):
    link = CareLink.objects.get(athlete=athlete)
    response = client_for(athlete).post(reverse("accounts:revoke_sharing", args=[link.pk]))
    assert response.status_code == 302
    assert not can_view_athlete(clinician, athlete)


def test_cannot_revoke_another_athletes_link(client_for, athlete, other_athlete, clinician):
    link = CareLink.objects.get(athlete=athlete)
    response = client_for(other_athlete).post(reverse("accounts:revoke_sharing", args=[link.pk]))
    assert response.status_code == 404
    assert can_view_athlete(clinician, athlete)


def test_delete_needs_the_password_and_the_tick(client_for, athlete):
    c = client_for(athlete)
    wrong = c.post(reverse("accounts:your_data"), {"password": "nope", "confirm": "on"})
    assert b"That password isn" in wrong.content
    unticked = c.post(reverse("accounts:your_data"), {"password": PASSWORD})
    assert b"Tick the box to confirm" in unticked.content
    assert User.objects.filter(pk=athlete.pk).exists()


def test_delete_removes_the_account_and_its_links(client_for, athlete, clinician):
    c = client_for(athlete)
    response = c.post(reverse("accounts:your_data"), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=athlete.pk).exists()
    assert not CareLink.objects.filter(clinician=clinician).exists()
    assert "_auth_user_id" not in c.session
