"""Who may see and change whose activities: every role × every activities view."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from backstride.activities.models import Activity, ActivityFile, ImportBatch, ImportItem
from tests.conftest import ATHLETE_PAGE_STATUS, ROLES

from .conftest import make_activity

pytestmark = pytest.mark.django_db

GPX = b"""<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>
<trkpt lat="46.0" lon="14.0"><ele>300</ele><time>2025-03-10T07:30:00Z</time></trkpt>
<trkpt lat="46.001" lon="14.0"><ele>301</ele><time>2025-03-10T07:30:30Z</time></trkpt>
<trkpt lat="46.002" lon="14.0"><ele>302</ele><time>2025-03-10T07:31:00Z</time></trkpt>
</trkseg></trk></gpx>"""


@pytest.fixture
def owned(athlete) -> dict[str, Any]:
    """One activity with an original file and one import batch, both the athlete's."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    activity = make_activity(athlete, title="Alice's secret loop", source="file")
    name = default_storage.save("activities/originals/test", ContentFile(GPX))
    ActivityFile.objects.create(
        activity=activity, file=name, format="gpx", size=len(GPX), sha256="x" * 64
    )
    batch = ImportBatch.objects.create(user=athlete)
    ImportItem.objects.create(batch=batch, name="alice.gpx", status="imported")
    return {"activity": activity, "batch": batch}


# Own pages: only athletes (admins pass role checks but own nothing here).
OWN_LISTS = ["list", "log", "upload", "load", "export_json", "export_csv"]
OWN_OBJECTS = ["detail", "edit", "delete", "original", "gpx"]
CLIENT_PAGES = ["client_list", "client_load", "client_detail"]

EXPECTED_OWN_LIST = {
    "anonymous": 302,
    "owner": 200,
    "other_athlete": 200,
    "clinician": 403,
    "other_clinician": 403,
    "editor": 403,
    "admin": 200,
}
EXPECTED_OWN_OBJECT = {
    "anonymous": 302,
    "owner": 200,
    "other_athlete": 404,
    "clinician": 403,
    "other_clinician": 403,
    "editor": 403,
    "admin": 404,
}


def _url(name: str, owned: dict[str, Any], athlete: Any) -> str:
    activity, batch = owned["activity"], owned["batch"]
    if name in OWN_OBJECTS:
        return reverse(f"activities:{name}", args=[activity.pk])
    if name in ("import_batch", "import_status"):
        return reverse(f"activities:{name}", args=[batch.pk])
    if name == "client_detail":
        return reverse("activities:client_detail", args=[athlete.pk, activity.pk])
    if name in CLIENT_PAGES:
        return reverse(f"activities:{name}", args=[athlete.pk])
    return reverse(f"activities:{name}")


def _get(client: Any, url: str) -> Any:
    response = client.get(url)
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    return response


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("view", OWN_LISTS)
def test_own_pages(view, role, people, owned, athlete, client_for):
    response = _get(client_for(people[role]), _url(view, owned, athlete))
    assert response.status_code == EXPECTED_OWN_LIST[role]
    if role == "anonymous":
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("view", [*OWN_OBJECTS, "import_batch", "import_status"])
def test_own_objects(view, role, people, owned, athlete, client_for):
    response = _get(client_for(people[role]), _url(view, owned, athlete))
    expected = EXPECTED_OWN_OBJECT[role]
    if view == "gpx" and role == "owner":
        expected = 200
    assert response.status_code == expected


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("view", CLIENT_PAGES)
def test_client_pages_need_a_consented_link(view, role, people, owned, athlete, client_for):
    response = _get(client_for(people[role]), _url(view, owned, athlete))
    assert response.status_code == ATHLETE_PAGE_STATUS[role]
    if response.status_code == 200 and view != "client_load":
        assert "Alice&#x27;s secret loop" in response.content.decode()


@pytest.mark.parametrize("role", [r for r in ROLES if r != "owner"])
@pytest.mark.parametrize("view", ["edit", "delete"])
def test_nobody_else_can_change_or_delete(view, role, people, owned, athlete, client_for):
    url = _url(view, owned, athlete)
    response = client_for(people[role]).post(url, {"notes": "hacked", "sport": "walk"})
    assert response.status_code in {302, 403, 404}
    if role == "anonymous":
        assert response["Location"].startswith(reverse("accounts:login"))
    activity = Activity.objects.get(pk=owned["activity"].pk)
    assert activity.notes == "" and activity.sport == "run"


def test_clinician_view_is_read_only(clinician, owned, athlete, client_for):
    page = client_for(clinician).get(_url("client_detail", owned, athlete)).content.decode()
    assert "Read-only" in page
    assert reverse("activities:edit", args=[owned["activity"].pk]) not in page
    assert reverse("activities:delete", args=[owned["activity"].pk]) not in page


def test_revoked_link_closes_the_clinician_view(clinician, owned, athlete, client_for):
    from django.utils import timezone

    from backstride.accounts.models import CareLink

    CareLink.objects.filter(clinician=clinician).update(revoked_at=timezone.now())
    response = client_for(clinician).get(_url("client_list", owned, athlete))
    assert response.status_code == 404


def test_other_athletes_list_and_export_never_show_someone_elses_runs(
    other_athlete, owned, client_for
):
    client = client_for(other_athlete)
    assert "secret loop" not in client.get(reverse("activities:list")).content.decode()
    for name in ("export_json", "export_csv"):
        body = b"".join(client.get(reverse(f"activities:{name}")).streaming_content)
        assert b"secret loop" not in body


def test_unknown_athlete_id_is_404_for_a_clinician(clinician, client_for):
    response = client_for(clinician).get(reverse("activities:client_list", args=[999999]))
    assert response.status_code == 404
