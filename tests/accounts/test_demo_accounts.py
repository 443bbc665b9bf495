"""Demo accounts (well-known password) work in a development install only, whatever the DB holds."""

import io

import pytest
from django.core.checks import run_checks
from django.urls import reverse

from backstride.accounts.demo import DEMO_USERS, load_demo
from backstride.accounts.models import User
from backstride.api.models import ApiToken

pytestmark = pytest.mark.django_db

DEMO_EMAILS = [email for email, _name, _role in DEMO_USERS]
DEMO_WARNING = "backstride.accounts.W001"


@pytest.fixture
def demo_people(settings):
    """The demo accounts as `backstride demo` creates them (it runs with DEBUG on)."""
    settings.DEBUG = True
    load_demo(io.StringIO())
    settings.DEBUG = False
    return {user.email: user for user in User.objects.filter(email__in=DEMO_EMAILS)}


def log_in(client, email, password):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def test_demo_loader_marks_its_accounts(demo_people, other_athlete):
    assert sorted(demo_people) == sorted(DEMO_EMAILS)
    assert all(user.is_demo for user in demo_people.values())
    other_athlete.refresh_from_db()
    assert not other_athlete.is_demo


@pytest.mark.parametrize("email", DEMO_EMAILS)
def test_demo_login_refused_when_debug_off(client, settings, demo_people, email):
    response = log_in(client, email, settings.DEMO_PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert b"Demo accounts only work in a development install" in response.content


def test_demo_admin_cannot_reach_the_admin_when_debug_off(client, settings, demo_people):
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "admin@example.com", "password": settings.DEMO_PASSWORD, "next": "/admin/"},
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302


def test_demo_login_works_in_a_development_install(client, settings, demo_people):
    settings.DEBUG = True
    response = log_in(client, "athlete@example.com", settings.DEMO_PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(demo_people["athlete@example.com"].pk)


def test_an_open_demo_session_ends_when_debug_is_off(client_for, settings, demo_people):
    c = client_for(demo_people["admin@example.com"])
    response = c.get(reverse("web:dashboard"))
    assert response.status_code == 302
    assert response.url == reverse("accounts:login")
    assert "_auth_user_id" not in c.session
    page = c.get(response.url)
    assert b"Demo accounts only work in a development install" in page.content


def test_demo_api_token_refused_when_debug_off(client, settings, demo_people):
    _token, raw = ApiToken.issue(demo_people["runner@example.com"], "script")
    response = client.get("/api/me", headers={"authorization": f"Bearer {raw}"})
    assert response.status_code == 403
    assert "Demo accounts only work in a development install" in response.json()["detail"]
    settings.DEBUG = True
    assert client.get("/api/me", headers={"authorization": f"Bearer {raw}"}).status_code == 200


def test_ordinary_accounts_still_log_in_when_debug_off(client, settings, demo_people, athlete):
    response = log_in(client, athlete.email, "correct-horse-battery-staple")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(athlete.pk)


def deploy_warnings():
    return [m for m in run_checks(include_deployment_checks=True) if m.id == DEMO_WARNING]


def test_deploy_check_warns_when_demo_accounts_exist_and_debug_is_off(demo_people):
    [warning] = deploy_warnings()
    assert "5 demo accounts" in warning.msg
    assert warning.hint and "delete" in warning.hint.lower()


def test_deploy_check_is_quiet_without_demo_accounts_or_in_development(settings, demo_people):
    settings.DEBUG = True
    assert deploy_warnings() == []
    settings.DEBUG = False
    User.objects.filter(is_demo=True).delete()
    assert deploy_warnings() == []


def test_demo_warning_is_a_deployment_check_only(demo_people):
    assert [m for m in run_checks() if m.id == DEMO_WARNING] == []


def test_demo_command_says_its_logins_are_refused_when_debug_is_off():
    from django.core.management import call_command

    out = io.StringIO()
    call_command("demo", force=True, stdout=out)
    assert "these demo logins are refused" in out.getvalue()
    assert User.objects.filter(is_demo=True).count() == len(DEMO_USERS)
