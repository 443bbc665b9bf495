"""Every API error is ``{"detail": ...}`` with the right status: 401, 403, 404, 405, 413, 422."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone
from ninja.errors import AuthorizationError

from backstride.api.auth import require_scope, require_write
from backstride.api.errors import megabytes
from backstride.api.models import ApiToken

pytestmark = pytest.mark.django_db


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def detail(response) -> str:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    body = response.json()
    assert set(body) == {"detail"}
    return body["detail"]


@pytest.fixture
def token(athlete) -> str:
    return ApiToken.issue(athlete, "script")[1]


# --- 401 -------------------------------------------------------------------------------------
def test_no_credentials_says_how_to_authenticate(client):
    response = client.get("/api/me")
    assert response.status_code == 401
    assert "Authorization: Bearer" in detail(response)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_mistyped_token_is_told_so(client, token):
    response = client.get("/api/me", **bearer(token[:-2] + "zz"))
    assert response.status_code == 401 and "copied whole" in detail(response)


def test_an_expired_token_says_when_it_expired(client, athlete):
    when = timezone.now() - timedelta(days=2)
    _, raw = ApiToken.issue(athlete, "old", expires_at=when)
    response = client.get("/api/me", **bearer(raw))
    assert response.status_code == 401
    assert f"expired on {when:%d %b %Y}" in detail(response)


def test_a_revoked_token_says_it_was_revoked(client, athlete):
    t, raw = ApiToken.issue(athlete, "gone")
    t.revoked_at = timezone.now()
    t.save()
    response = client.get("/api/me", **bearer(raw))
    assert response.status_code == 401 and "revoked" in detail(response)


def test_a_deactivated_owner_is_named_as_the_reason(client, athlete, token):
    athlete.is_active = False
    athlete.save()
    response = client.get("/api/me", **bearer(token))
    assert response.status_code == 401 and "deactivated" in detail(response)


# --- 403 -------------------------------------------------------------------------------------
def test_require_scope_refuses_a_read_only_token_and_allows_the_rest(athlete):
    request = RequestFactory().get("/api/x")
    require_write(request)  # a browser session may write
    read, _ = ApiToken.issue(athlete, "r", scope="read")
    write, _ = ApiToken.issue(athlete, "w", scope="write")
    request.api_token = write
    require_write(request)
    require_scope(request, "read")
    request.api_token = read
    require_scope(request, "read")
    with pytest.raises(AuthorizationError, match="only read"):
        require_write(request)
    with pytest.raises(ValueError):
        require_scope(request, "admin")


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_read_only_token_cannot_use_any_changing_method(client, athlete, method):
    _, raw = ApiToken.issue(athlete, "r", scope="read")
    response = getattr(client, method)("/api/activities/", **bearer(raw))
    # 403 before the route is even looked at for its method, so a script learns the real reason
    assert response.status_code in (403, 405)
    if response.status_code == 403:
        assert "only read" in detail(response)


# --- 404 / 405 -------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/api/nothing-here", "/api/rehab/nope/deeper", "/api/me/x/y"])
def test_unknown_paths_are_a_json_404(client, token, path):
    for c in (client.get, client.post):
        response = c(path, **bearer(token))
        assert response.status_code == 404
        assert "no such path" in detail(response)


def test_a_missing_record_is_a_json_404(client, token):
    response = client.get("/api/activities/999999", **bearer(token))
    assert response.status_code == 404 and detail(response)


def test_a_wrong_method_is_a_json_405_naming_the_allowed_ones(client, token):
    response = client.delete("/api/rehab/today", **bearer(token))
    assert response.status_code == 405
    assert "takes GET" in detail(response) and "GET" in response["Allow"]


# --- 413 -------------------------------------------------------------------------------------
def test_a_json_body_over_the_setting_is_413(client, token, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = '{"title": "' + "x" * 2000 + '"}'
    response = client.post(
        "/api/activities/", body, content_type="application/json", **bearer(token)
    )
    assert response.status_code == 413
    assert "too large" in detail(response) and "at most 1 KB" in detail(response)


def test_too_many_form_fields_is_413(client, token, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    data = {f"f{i}": "x" for i in range(20)}
    data["files"] = ""
    response = client.post("/api/activities/imports/", data, **bearer(token))
    assert response.status_code == 413 and "form fields" in detail(response)


def test_megabytes_reads_like_a_person_would():
    assert megabytes(5 * 1024 * 1024) == "5 MB"
    assert megabytes(3 * 1024 * 1024 // 2) == "1.5 MB"
    assert megabytes(512 * 1024) == "512 KB"


# --- 422 -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "where"),
    [("{nope", "line 1, column 2"), ('{"a": 1,\n}', "line 2"), (b"\xff\xfe{", "UTF-8")],
)
def test_malformed_json_is_422_saying_where(client, token, body, where):
    response = client.post(
        "/api/activities/", body, content_type="application/json", **bearer(token)
    )
    assert response.status_code == 422
    assert "not valid JSON" in detail(response) and where in detail(response)


def test_values_that_do_not_validate_are_422_with_their_place(client, token):
    response = client.post(
        "/api/activities/", {"date": "soon"}, content_type="application/json", **bearer(token)
    )
    assert response.status_code == 422
    locations = [tuple(e["loc"]) for e in detail(response)]
    assert ("body", "payload", "date") in locations


# --- never 500 without a JSON body ---------------------------------------------------------
def test_an_unexpected_error_is_logged_and_answered_in_json(client, token, monkeypatch, caplog):
    from backstride.activities import api as activities_api

    def boom(*args, **kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(activities_api, "_list", boom)
    client.raise_request_exception = False
    response = client.get("/api/activities/", **bearer(token))
    assert response.status_code == 500
    assert "logged" in detail(response) and "kaboom" not in detail(response)
    assert any("unexpected error" in r.getMessage() for r in caplog.records)
