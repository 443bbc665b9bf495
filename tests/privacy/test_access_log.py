"""Who looked at my data: the page and the API, each person's own log only."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from backstride.accounts import audit
from backstride.api.models import ApiToken

pytestmark = pytest.mark.django_db


def read_at(when: datetime, clinician, athlete, *, what: str, channel: str) -> None:
    """``clinician`` read ``athlete``'s ``what`` at ``when``, logged as the app logs it."""
    with time_machine.travel(when, tick=False):
        audit.record(clinician, athlete, what=what, channel=channel)


def test_the_athlete_sees_clinician_reads_and_refusals(
    athlete, clinician, other_clinician, client_for
):
    ok = client_for(clinician).get(reverse("rehab:athlete_detail", args=[athlete.pk]))
    assert ok.status_code == 200
    refused = client_for(other_clinician).get(reverse("rehab:athlete_detail", args=[athlete.pk]))
    assert refused.status_code == 404
    page = html.unescape(client_for(athlete).get(reverse("privacy:access_log")).content.decode())
    assert f"{clinician.display_name}, clinician" in page
    assert "Looked at your rehab record" in page and "Website" in page
    assert f"{other_clinician.display_name}, clinician" in page
    assert "Tried to open your rehab record: <strong>refused</strong>" in page
    # Each person reads only their own log: the clinician's is empty.
    mine = client_for(clinician).get(reverse("privacy:access_log")).content.decode()
    assert "Nobody else has looked" in mine


def test_times_are_shown_in_the_athletes_time_zone(athlete, clinician, client_for):
    athlete.timezone = "America/New_York"
    athlete.save()
    read_at(datetime(2026, 7, 1, 12, 0, tzinfo=UTC), clinician, athlete, what="runs", channel="api")
    page = client_for(athlete).get(reverse("privacy:access_log")).content.decode()
    assert "1 Jul 2026, 08:00" in page and "America/New_York" in page and "API" in page


def test_the_log_is_paginated(athlete, clinician, client_for):
    for n in range(55):
        audit.record(clinician, athlete, what=f"page {n}")
    c = client_for(athlete)
    first = c.get(reverse("privacy:access_log")).content.decode()
    assert "Page 1 of 2" in first and "your page 54" in first and "your page 4<" not in first
    second = c.get(reverse("privacy:access_log") + "?page=2").content.decode()
    assert "your page 4<" in second and "your page 0<" in second
    assert c.get(reverse("privacy:access_log") + "?page=zzz").status_code == 200


def _token(user) -> dict[str, str]:
    _, raw = ApiToken.issue(user, "test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_the_api_log_is_the_callers_own_with_date_filters(client, athlete, clinician):
    for day in (1, 15, 28):
        # 23:30 UTC is the next morning in London summer time: days count in their zone.
        when = datetime(2026, 6, day, 23, 30, tzinfo=UTC)
        read_at(when, clinician, athlete, what=f"day {day}", channel="web")
    me = _token(athlete)
    everything = client.get("/api/me/access-log", **me).json()
    assert [e["what"] for e in everything] == ["day 28", "day 15", "day 1"]
    june_16_on = client.get("/api/me/access-log?since=2026-06-16", **me).json()
    assert [e["what"] for e in june_16_on] == ["day 28", "day 15"]
    up_to_16 = client.get("/api/me/access-log?until=2026-06-15", **me).json()
    assert [e["what"] for e in up_to_16] == ["day 1"]
    assert client.get("/api/me/access-log", **_token(clinician)).json() == []


@pytest.mark.parametrize(
    "query", ["since=2026-06-20&until=2026-06-01", "since=yesterday", "limit=0", "offset=-1"]
)
def test_bad_filters_answer_422_with_a_detail(client, athlete, query):
    response = client.get(f"/api/me/access-log?{query}", **_token(athlete))
    assert response.status_code == 422
    assert "detail" in response.json()


def test_the_api_log_needs_a_token(client):
    assert client.get("/api/me/access-log").status_code == 401
