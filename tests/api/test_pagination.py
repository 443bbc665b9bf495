"""Every list endpoint of the API validates ``limit`` and ``offset`` the same way (422, clear).

List endpoints are found in the OpenAPI schema (a GET whose 200 answer is a JSON array), so
a new list endpoint is covered, and must take the shared ``Page`` parameters, automatically.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from backstride.api.api import api
from backstride.api.pagination import MAX_LIMIT, MAX_OFFSET

pytestmark = pytest.mark.django_db


def _list_endpoints() -> list[tuple[str, list[str]]]:
    schema = api.get_openapi_schema()
    found = []
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if get is None:
            continue
        body = get.get("responses", {}).get(200, get.get("responses", {}).get("200", {}))
        content = body.get("content", {}).get("application/json", {}).get("schema", {})
        if content.get("type") == "array":
            params = [p["name"] for p in get.get("parameters", []) if p["in"] == "query"]
            found.append((path, params))
    return found


LIST_ENDPOINTS = _list_endpoints()

BAD_VALUES = [
    ("offset", "-5", 0, MAX_OFFSET),
    ("offset", "-1", 0, MAX_OFFSET),
    ("offset", "abc", 0, MAX_OFFSET),
    ("offset", "1.5", 0, MAX_OFFSET),
    ("offset", str(MAX_OFFSET + 1), 0, MAX_OFFSET),
    ("offset", "9" * 40, 0, MAX_OFFSET),
    ("limit", "0", 1, MAX_LIMIT),
    ("limit", "-3", 1, MAX_LIMIT),
    ("limit", str(MAX_LIMIT + 1), 1, MAX_LIMIT),
    ("limit", "ten", 1, MAX_LIMIT),
    ("limit", "2.5", 1, MAX_LIMIT),
]


def _url(path: str, athlete: Any) -> str:
    return re.sub(r"\{[^}]+\}", str(athlete.pk), path)


def test_the_schema_lists_the_known_list_endpoints():
    paths = {path for path, _ in LIST_ENDPOINTS}
    assert {"/api/activities/", "/api/activities/athlete/{athlete_id}/"} <= paths


@pytest.mark.parametrize(("path", "params"), LIST_ENDPOINTS, ids=[p for p, _ in LIST_ENDPOINTS])
def test_every_list_endpoint_takes_limit_and_offset(path, params):
    assert {"limit", "offset"} <= set(params), f"{path} lists without the shared Page parameters"


@pytest.mark.parametrize(("name", "value", "low", "high"), BAD_VALUES)
@pytest.mark.parametrize("path", [p for p, _ in LIST_ENDPOINTS])
def test_bad_pagination_is_a_clear_422_on_every_list_endpoint(
    client_for, athlete, path, name, value, low, high
):
    response = client_for(athlete).get(_url(path, athlete), {name: value})
    assert response.status_code == 422, response.content[:500]
    [error] = [e for e in response.json()["detail"] if e["loc"] == ["query", name]]
    assert error["msg"] == f"{name} must be a whole number from {low} to {high}."
    assert error["ctx"] == {"parameter": name, "minimum": low, "maximum": high}


@pytest.mark.parametrize("path", [p for p, _ in LIST_ENDPOINTS])
def test_good_pagination_still_lists(client_for, athlete, clinician, path):
    url = _url(path, athlete)
    # The athlete, or for clinician-only lists their linked clinician.
    callers = [client_for(athlete), client_for(clinician)]
    client = next((c for c in callers if c.get(url, {"limit": 1}).status_code == 200), None)
    assert client is not None, f"neither the athlete nor their clinician may list {path}"
    assert client.get(url, {"offset": MAX_OFFSET, "limit": MAX_LIMIT}).json() == []
    assert client.get(url, {"offset": 0, "limit": 1}).status_code == 200


# --- since / until -------------------------------------------------------------------------
DATED_ENDPOINTS = [p for p, params in LIST_ENDPOINTS if {"since", "until"} <= set(params)]


def test_dated_lists_include_the_activities_and_uploads():
    assert {"/api/activities/", "/api/activities/imports/"} <= set(DATED_ENDPOINTS)


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({"since": "yesterday"}, "since must be a date written YYYY-MM-DD"),
        ({"until": "2025-02-30"}, "until must be a date written YYYY-MM-DD"),
        ({"since": "0001-01-01"}, "from 1900-01-01 to 2999-12-31"),
        ({"until": "9999-12-31"}, "from 1900-01-01 to 2999-12-31"),
        ({"since": "2025-03-02", "until": "2025-03-01"}, "must be on or before until"),
    ],
)
@pytest.mark.parametrize("path", DATED_ENDPOINTS)
def test_bad_dates_are_a_clear_422_on_every_dated_list(client_for, athlete, path, query, words):
    response = client_for(athlete).get(_url(path, athlete), query)
    assert response.status_code == 422, response.content[:500]
    assert words in str(response.json()["detail"])


def test_dates_cover_whole_local_days():
    from datetime import UTC, date, datetime
    from zoneinfo import ZoneInfo

    from backstride.api.pagination import Dates

    tokyo = ZoneInfo("Asia/Tokyo")
    start, end = Dates(since=date(2025, 3, 1), until=date(2025, 3, 1)).bounds(tokyo)
    assert start == datetime(2025, 2, 28, 15, tzinfo=UTC)
    assert end == datetime(2025, 3, 1, 15, tzinfo=UTC)
    assert Dates().bounds(tokyo) == (None, None)
    assert Dates(until=date(2999, 12, 31)).bounds(UTC)[1] == datetime(3000, 1, 1, tzinfo=UTC)


def test_dates_narrow_a_list_by_the_owners_days(client_for, athlete):
    from datetime import UTC, datetime

    from tests.activities.conftest import make_activity

    athlete.timezone = "America/New_York"
    athlete.save()
    # 02:00 UTC on 2 March is still 1 March in New York.
    make_activity(athlete, start=datetime(2025, 3, 2, 2, 0, tzinfo=UTC))
    make_activity(athlete, start=datetime(2025, 3, 3, 12, 0, tzinfo=UTC))
    client = client_for(athlete)

    def count(**q: str) -> int:
        return len(client.get("/api/activities/", q).json())

    assert count(since="2025-03-01", until="2025-03-01") == 1
    assert count(since="2025-03-02", until="2025-03-02") == 0
    assert count(since="2025-03-02") == 1
    assert count(until="2025-03-03") == 2
