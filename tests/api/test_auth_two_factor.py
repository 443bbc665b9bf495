"""The staff two-factor rule holds on the API as in the browser, for tokens and sessions alike."""

import time

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from backstride.accounts.models import CareLink, User
from backstride.api.models import ApiToken
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db

TWO_FACTOR_MESSAGE = "needs two-factor sign-in"
ATHLETE_DATA = ["/api/rehab/athletes/{id}", "/api/activities/athlete/{id}/", "/api/me"]


def bearer(raw):
    return {"authorization": f"Bearer {raw}"}


def confirmed_device(user):
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def current_code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.fixture
def enforced(settings):
    settings.REQUIRE_2FA_FOR_STAFF = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


@pytest.fixture
def promoted(athlete):
    """Pat signed up as an athlete, made a token, then was promoted and linked to Alice."""
    pat = make_user("pat@example.org", display_name="Pat")
    old_token, old_raw = ApiToken.issue(pat, "made as an athlete")
    pat.role = User.Role.CLINICIAN
    pat.save()
    CareLink.objects.create(clinician=pat, athlete=athlete, consented_at=timezone.now())
    return pat, old_token, old_raw


@pytest.mark.parametrize("path", ATHLETE_DATA)
@pytest.mark.parametrize("role", ["clinician", "editor", "admin"])
def test_staff_token_without_two_factor_gets_403_with_a_clear_message(
    client, enforced, athlete, path, role
):
    user = make_user(f"{role}-no-totp@example.org", role=role)
    CareLink.objects.create(clinician=user, athlete=athlete, consented_at=timezone.now())
    _token, raw = ApiToken.issue(user, "script")
    response = client.get(path.format(id=athlete.pk), headers=bearer(raw))
    assert response.status_code == 403
    assert TWO_FACTOR_MESSAGE in response.json()["detail"]
    assert "/accounts/two-factor/" in response.json()["detail"]


@pytest.mark.parametrize("path", ATHLETE_DATA)
def test_staff_session_without_two_factor_gets_403_on_the_api(
    client_for, enforced, clinician, athlete, path
):
    response = client_for(clinician).get(path.format(id=athlete.pk))
    assert response.status_code == 403
    assert TWO_FACTOR_MESSAGE in response.json()["detail"]


def test_staff_session_must_have_passed_its_code_even_with_a_device(
    client_for, enforced, clinician, athlete
):
    confirmed_device(clinician)
    response = client_for(clinician).get(f"/api/activities/athlete/{athlete.pk}/")
    assert response.status_code == 403


def test_staff_session_that_passed_two_factor_reads_the_api(client, enforced, clinician, athlete):
    device = confirmed_device(clinician)
    client.post(reverse("accounts:login"), {"username": clinician.email, "password": PASSWORD})
    with time_machine.travel(time.time() + 31):
        client.post(reverse("accounts:login_two_factor"), {"token": current_code(device)})
    assert client.session["_auth_user_id"] == str(clinician.pk)
    assert client.get(f"/api/activities/athlete/{athlete.pk}/").status_code == 200


def test_staff_token_works_once_two_factor_is_set_up(client, enforced, clinician, athlete):
    _token, raw = ApiToken.issue(clinician, "script")
    assert client.get("/api/me", headers=bearer(raw)).status_code == 403
    confirmed_device(clinician)
    response = client.get(f"/api/activities/athlete/{athlete.pk}/", headers=bearer(raw))
    assert response.status_code == 200


def test_athlete_tokens_do_not_need_two_factor(client, enforced, athlete):
    _token, raw = ApiToken.issue(athlete, "script")
    assert (
        client.get(f"/api/activities/athlete/{athlete.pk}/", headers=bearer(raw)).status_code == 200
    )


def test_staff_token_works_when_two_factor_is_not_enforced(client, settings, clinician, athlete):
    settings.REQUIRE_2FA_FOR_STAFF = False
    _token, raw = ApiToken.issue(clinician, "script")
    assert (
        client.get(f"/api/activities/athlete/{athlete.pk}/", headers=bearer(raw)).status_code == 200
    )


@pytest.mark.parametrize("path", ATHLETE_DATA)
def test_token_made_before_a_promotion_stops_working(client, settings, promoted, athlete, path):
    settings.REQUIRE_2FA_FOR_STAFF = False  # even without the two-factor rule
    _pat, _old, old_raw = promoted
    response = client.get(path.format(id=athlete.pk), headers=bearer(old_raw))
    assert response.status_code == 401
    detail = response.json()["detail"]
    assert "made when your account was an athlete" in detail
    assert "create a new one" in detail.lower()


def test_token_made_before_a_demotion_stops_working_too(client, clinician):
    _token, raw = ApiToken.issue(clinician, "script")
    clinician.role = User.Role.ATHLETE
    clinician.save()
    assert client.get("/api/me", headers=bearer(raw)).status_code == 401


def test_token_made_before_becoming_superuser_stops_working(client, athlete):
    _token, raw = ApiToken.issue(athlete, "script")
    athlete.is_superuser = True
    athlete.save()
    assert client.get("/api/me", headers=bearer(raw)).status_code == 401


def test_token_list_shows_tokens_a_role_change_stopped(client_for, settings, promoted):
    settings.REQUIRE_2FA_FOR_STAFF = False
    pat, _old, _raw = promoted
    ApiToken.issue(pat, "made as a clinician")
    page = client_for(pat).get("/settings/api-tokens/").content.decode()
    assert page.count("No longer works") == 1
    assert "made when your account was an athlete" in page


def test_new_tokens_for_the_new_role_work(client, settings, promoted):
    settings.REQUIRE_2FA_FOR_STAFF = False
    pat, _old, _raw = promoted
    _token, raw = ApiToken.issue(pat, "made as a clinician")
    assert client.get("/api/me", headers=bearer(raw)).json()["role"] == "clinician"


def test_browser_and_api_share_the_rule(client_for, enforced, clinician):
    c = client_for(clinician)
    page = c.get(reverse("web:dashboard"))
    assert page.status_code == 302 and page.url == reverse("accounts:two_factor_setup")
    assert c.get("/api/me").status_code == 403
