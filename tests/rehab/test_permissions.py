"""Who may see what: every rehab view × athlete, other athlete, linked clinician, unrelated
clinician, editor, admin and anonymous. Nobody ever sees someone else's data."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from backstride.rehab.models import RedFlagScreen
from tests.conftest import ATHLETE_PAGE_STATUS, ROLES

from .conftest import all_no, finish_assessment

pytestmark = pytest.mark.django_db

SECRET = "Alice's secret activity: carrying the cello"


@pytest.fixture
def alice_data(athlete: Any, athlete_client: Any) -> Any:
    finish_assessment(athlete_client)
    athlete_client.post(
        reverse("rehab:outcomes_new"), {"nprs": 6, "activity_0": SECRET, "rating_0": 3}
    )
    return athlete


OWN_PAGES = [
    ("rehab:index", []),
    ("rehab:consent", []),
    ("rehab:assessment", []),
    ("rehab:assessment_step", ["history"]),
    ("rehab:assessment_result", []),
    ("rehab:stop", []),
    ("rehab:screen", ["weekly"]),
    ("rehab:today", []),
    ("rehab:checkin", []),
    ("rehab:tests", []),
    ("rehab:progress", []),
    ("rehab:outcomes", []),
    ("rehab:outcomes_new", []),
]
OWN_ALLOWED = {
    "anonymous": {302},
    "owner": {200, 302},
    "other_athlete": {200, 302},
    "clinician": {403},
    "other_clinician": {403},
    "editor": {403},
    "admin": {200, 302},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "args"), OWN_PAGES, ids=[p[0] for p in OWN_PAGES])
def test_own_pages(
    role: str, name: str, args: list, people: dict, alice_data: Any, client_for: Any
) -> None:
    client = client_for(people[role])
    response = client.get(reverse(name, args=args))
    assert response.status_code in OWN_ALLOWED[role], (role, name, response.status_code)
    if role == "anonymous":
        assert response["Location"].startswith(reverse("accounts:login"))
    if role != "owner":
        body = client.get(reverse(name, args=args), follow=True).content.decode()
        assert SECRET not in body


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ["rehab:session_done", "rehab:morning"])
def test_post_only_pages(
    role: str, name: str, people: dict, alice_data: Any, client_for: Any
) -> None:
    client = client_for(people[role])
    assert client.get(reverse(name)).status_code in {405, 302, 403}
    response = client.post(reverse(name), {"session_id": "settle-a"})
    assert response.status_code in {302, 403}
    if role in {"clinician", "other_clinician", "editor"}:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_athlete_record_is_visible_to_owner_and_linked_clinician_only(
    role: str, people: dict, alice_data: Any, client_for: Any
) -> None:
    response = client_for(people[role]).get(reverse("rehab:athlete_detail", args=[alice_data.pk]))
    assert response.status_code == ATHLETE_PAGE_STATUS[role]
    if response.status_code == 200:
        assert "Phase 1: Settle" in response.content.decode()
    else:
        assert SECRET not in response.content.decode()


def test_unknown_athlete_id_is_404(clinician: Any, client_for: Any) -> None:
    assert (
        client_for(clinician).get(reverse("rehab:athlete_detail", args=[999999])).status_code == 404
    )


def test_revoked_care_link_loses_access(alice_data: Any, clinician: Any, client_for: Any) -> None:
    from django.utils import timezone

    from backstride.accounts.models import CareLink

    CareLink.objects.filter(clinician=clinician).update(revoked_at=timezone.now())
    assert (
        client_for(clinician).get(reverse("rehab:athlete_detail", args=[alice_data.pk])).status_code
        == 404
    )


@pytest.mark.parametrize("role", ROLES)
def test_clear_red_flag(
    role: str, people: dict, athlete: Any, athlete_client: Any, client_for: Any
) -> None:
    finish_assessment(athlete_client, all_no() | {"ces_both_legs": "yes"})
    screen = RedFlagScreen.objects.get(user=athlete)
    response = client_for(people[role]).post(
        reverse("rehab:clear", args=[athlete.pk, screen.pk]),
        {"reason": "Assessed in clinic, no neurological deficit.", "confirm": "on"},
    )
    expected = {"anonymous": 302, "clinician": 302}.get(role, 404)
    assert response.status_code == expected
    screen.refresh_from_db()
    assert screen.cleared is (role == "clinician")


@pytest.mark.parametrize("role", ROLES)
def test_exercise_library_is_for_signed_in_people(role: str, people: dict, client_for: Any) -> None:
    client = client_for(people[role])
    expected = 302 if role == "anonymous" else 200
    assert client.get(reverse("rehab:exercises")).status_code == expected
    assert client.get(reverse("rehab:exercise", args=["bird_dog"])).status_code == expected
    if role != "anonymous":
        assert client.get(reverse("rehab:exercise", args=["no_such_thing"])).status_code == 404


def test_another_athletes_check_in_cannot_be_answered(
    athlete: Any, alice_data: Any, other_athlete: Any, client_for: Any
) -> None:
    """Bob has no session of his own; posting a check-in never touches Alice's."""
    from backstride.rehab.models import CheckIn

    bob = client_for(other_athlete)
    bob.post(reverse("rehab:consent"), {"not_a_diagnosis": "on", "health_data": "on"})
    bob.post(
        reverse("rehab:checkin"),
        {"pain_now": 9, "leg_symptoms": "worse", "stiffness": 9, "effort": 9},
    )
    bob.post(reverse("rehab:morning"), {"pain_next_morning": 9})
    assert not CheckIn.objects.exists()
