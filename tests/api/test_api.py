"""The API: token auth, session auth, OpenAPI schema."""

import pytest

from backstride.api.models import ApiToken

pytestmark = pytest.mark.django_db


def test_me_needs_authentication(client):
    assert client.get("/api/me").status_code == 401


def test_bearer_token_authenticates_and_is_stored_hashed(client, athlete):
    token, raw = ApiToken.issue(athlete, "script")
    assert raw not in token.key_hash
    response = client.get("/api/me", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert response.json()["email"] == athlete.email
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize("header", ["Bearer nope", "Bearer bst_wrong", "Token x", ""])
def test_bad_tokens_are_refused(client, athlete, header):
    ApiToken.issue(athlete, "script")
    assert client.get("/api/me", headers={"Authorization": header}).status_code == 401


def test_revoked_token_is_refused(client_for, client, athlete):
    token, raw = ApiToken.issue(athlete, "old")
    c = client_for(athlete)
    assert c.post(f"/settings/api-tokens/{token.pk}/revoke/").status_code == 302
    assert client.get("/api/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_cannot_revoke_someone_elses_token(client_for, athlete, other_athlete):
    token, _ = ApiToken.issue(other_athlete, "theirs")
    assert client_for(athlete).post(f"/settings/api-tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_page_shows_a_new_token_once(client_for, athlete):
    c = client_for(athlete)
    page = c.post(
        "/settings/api-tokens/", {"name": "watch sync", "scope": "read", "expires_days": "30"}
    )
    assert b"Copy your new token now" in page.content
    token = ApiToken.objects.get(user=athlete)
    assert token.scope == "read" and token.expires_at is not None
    assert b"Read only" in page.content
    again = c.get("/settings/api-tokens/")
    assert b"Copy your new token now" not in again.content
    empty = c.post("/settings/api-tokens/", {"name": ""})
    assert b"This field is required" in empty.content


def test_session_auth_works_for_the_browser(client_for, athlete):
    assert client_for(athlete).get("/api/me").json()["role"] == "athlete"


def test_openapi_schema_is_served(client):
    schema = client.get("/api/openapi.json").json()
    assert schema["info"]["title"] == "Backstride API"
    assert "/api/me" in schema["paths"]


def test_the_access_log_through_the_api_is_the_athletes_own(client, athlete, clinician):
    _, raw = ApiToken.issue(clinician, "clinic")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get(f"/api/rehab/athletes/{athlete.pk}", **auth).status_code == 200
    _, mine = ApiToken.issue(athlete, "me")
    events = client.get("/api/me/access-log", HTTP_AUTHORIZATION=f"Bearer {mine}").json()
    assert [(e["who"], e["action"], e["what"], e["channel"]) for e in events] == [
        (f"{clinician.display_name}, clinician", "read", "rehab record", "api")
    ]
    assert client.get("/api/me/access-log", **auth).json() == []  # nobody read the clinician's
    bad = client.get("/api/me/access-log?limit=0", HTTP_AUTHORIZATION=f"Bearer {mine}")
    assert bad.status_code == 422


def test_a_read_only_token_reads_but_cannot_write(client, athlete):
    _, raw = ApiToken.issue(athlete, "dashboard", scope="read")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get("/api/activities/", **auth).status_code == 200
    body = {"sport": "run", "start": "2026-12-01T08:00:00Z", "distance_km": 3, "duration_min": 20}
    refused = client.post("/api/activities/", body, content_type="application/json", **auth)
    assert refused.status_code == 403 and "only read" in refused.json()["detail"]
    assert not athlete.activities.exists()


def test_an_expired_token_is_refused_and_use_is_recorded_at_most_once_a_minute(client, athlete):
    from datetime import timedelta

    from django.utils import timezone

    token, raw = ApiToken.issue(athlete, "old", expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    token, raw = ApiToken.issue(athlete, "busy")
    client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    token.refresh_from_db()
    first = token.last_used_at
    client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    token.refresh_from_db()
    assert first is not None and token.last_used_at == first


def test_token_command_creates_lists_and_revokes(athlete, capsys):
    from django.core.management import CommandError, call_command

    call_command("token", "create", athlete.email.upper(), "--name", "sync", "--scope", "write")
    raw = capsys.readouterr().out.strip()
    token = ApiToken.find(raw)
    assert token is not None and token.user == athlete and token.scope == "write"
    call_command("token", "list", athlete.email)
    assert "sync" in capsys.readouterr().out and raw not in capsys.readouterr().out
    call_command("token", "revoke", str(token.pk))
    assert ApiToken.find(raw) is None
    with pytest.raises(CommandError, match="No account"):
        call_command("token", "create", "nobody@example.com", "--name", "x")
    with pytest.raises(CommandError, match="expires-days"):
        call_command("token", "create", athlete.email, "--name", "x", "--expires-days", "0")
