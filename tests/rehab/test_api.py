"""The rehab API uses the same services and permission layer as the pages."""

from __future__ import annotations

from typing import Any

import pytest

from backstride.api.models import ApiToken
from tests.conftest import ATHLETE_API_STATUS

from .conftest import finish_assessment

pytestmark = pytest.mark.django_db


def test_today_needs_authentication(client: Any) -> None:
    assert client.get("/api/rehab/today").status_code == 401


def test_today_with_a_bearer_token(client: Any, athlete: Any, athlete_client: Any) -> None:
    finish_assessment(athlete_client)
    _token, raw = ApiToken.issue(athlete, "phone")
    data = client.get("/api/rehab/today", headers={"Authorization": f"Bearer {raw}"}).json()
    assert data["state"] == "session" and data["phase"] == 1 and data["exercises"]


def test_today_is_for_athletes(client_for: Any, clinician: Any, editor: Any) -> None:
    assert client_for(clinician).get("/api/rehab/today").status_code == 403
    assert client_for(editor).get("/api/rehab/today").status_code == 403


@pytest.mark.parametrize(("who", "status"), ATHLETE_API_STATUS)
def test_athlete_state_follows_the_permission_layer(
    who: str, status: int, request: Any, athlete: Any, athlete_client: Any, client_for: Any
) -> None:
    finish_assessment(athlete_client)
    response = client_for(request.getfixturevalue(who)).get(f"/api/rehab/athletes/{athlete.pk}")
    assert response.status_code == status
    if status == 200:
        assert response.json()["phase"] == 1 and response.json()["protocol"].startswith(
            "backstride-default@"
        )


def test_protocol_summary(client_for: Any, athlete: Any) -> None:
    data = client_for(athlete).get("/api/rehab/protocol").json()
    assert data["phases"] == 3 and data["red_flags"] >= 12 and data["rules_without_source"] == []
