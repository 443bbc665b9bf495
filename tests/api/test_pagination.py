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
def test_good_pagination_still_lists(client_for, athlete, path):
    client = client_for(athlete)
    url = _url(path, athlete)
    assert client.get(url, {"offset": MAX_OFFSET, "limit": MAX_LIMIT}).json() == []
    assert client.get(url, {"offset": 0, "limit": 1}).status_code == 200
