"""Log in, two-factor, throttling, password reset, roles."""

import os
import re
import subprocess
import sys
import time

import pytest
import time_machine
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from backstride.accounts.models import User
from tests.conftest import email_text

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery-staple"


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_login_with_wrong_password_is_refused_clearly(client, athlete):
    response = client.post(
        reverse("accounts:login"), {"username": athlete.email, "password": "nope"}
    )
    assert response.status_code == 200
    assert b"don&#x27;t match an account" in response.content


def test_login_is_throttled_after_repeated_failures(client, athlete, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": athlete.email, "password": "wrong"})
    response = client.post(
        reverse("accounts:login"), {"username": athlete.email, "password": PASSWORD}
    )
    assert response.status_code == 429
    assert b"Too many sign-in attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_passwords_are_hashed_with_argon2_outside_tests():
    code = "from backstride import settings as s; print(s.PASSWORD_HASHERS[0])"
    env = {**os.environ, "DEBUG": "1"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_two_factor_setup_then_login_needs_the_code(client_for, athlete, client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    c = client_for(athlete)
    page = c.get(reverse("accounts:two_factor_setup"))
    assert page.status_code == 200
    assert b"<svg" in page.content
    device = TOTPDevice.objects.get(user=athlete, confirmed=False)
    wrong = c.post(
        reverse("accounts:two_factor_setup"),
        {"token": "000000" if current_code(device) != "000000" else "111111"},
    )
    assert b"didn&#x27;t match" in wrong.content
    ok = c.post(reverse("accounts:two_factor_setup"), {"token": current_code(device)})
    assert ok.status_code == 302
    device.refresh_from_db()
    assert device.confirmed

    step1 = client.post(
        reverse("accounts:login"), {"username": athlete.email, "password": PASSWORD}
    )
    assert step1.url == reverse("accounts:login_two_factor")
    assert "_auth_user_id" not in client.session
    bad = client.post(reverse("accounts:login_two_factor"), {"token": "12ab56"})
    assert b"digits only" in bad.content
    reused = client.post(reverse("accounts:login_two_factor"), {"token": current_code(device)})
    assert reused.status_code == 200  # a code is single-use: replay within its window fails
    with time_machine.travel(time.time() + 31):
        step2 = client.post(reverse("accounts:login_two_factor"), {"token": current_code(device)})
    assert step2.status_code == 302
    assert client.session["_auth_user_id"] == str(athlete.pk)


@pytest.mark.parametrize("role", ["clinician", "editor", "admin"])
def test_staff_roles_must_set_up_two_factor_when_enforced(client_for, settings, role):
    from tests.conftest import make_user

    settings.REQUIRE_2FA_FOR_STAFF = True
    user = make_user(f"{role}@example.org", role=role)
    response = client_for(user).get(reverse("web:dashboard"))
    assert response.status_code == 302
    assert response.url == reverse("accounts:two_factor_setup")


def test_athletes_are_not_forced_into_two_factor(client_for, settings, athlete):
    settings.REQUIRE_2FA_FOR_STAFF = True
    assert client_for(athlete).get(reverse("web:dashboard")).status_code == 200


def test_password_reset_through_a_real_smtp_server(client, athlete, smtp_server):
    client.post(reverse("accounts:password_reset"), {"email": athlete.email})
    [message] = smtp_server.wait_for(1)
    body = email_text(message)
    path = re.search(r"https?://[^/]+(/accounts/password/reset/\S+/)", body).group(1)
    form = client.get(path, follow=True)
    assert b"Choose a new password" in form.content
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-brand-new-passphrase", "new_password2": "a-brand-new-passphrase"},
    )
    assert done.status_code == 302
    athlete.refresh_from_db()
    assert athlete.check_password("a-brand-new-passphrase")


def test_logout_needs_post(client_for, athlete):
    c = client_for(athlete)
    assert c.get(reverse("accounts:logout")).status_code == 405
    assert c.post(reverse("accounts:logout")).status_code == 302
    assert "_auth_user_id" not in c.session


def test_profile_updates_timezone_and_rejects_unknown_zones(client_for, athlete):
    c = client_for(athlete)
    bad = c.post(reverse("accounts:profile"), {"display_name": "A", "timezone": "Mars/Olympus"})
    assert b"Select a valid choice" in bad.content
    ok = c.post(reverse("accounts:profile"), {"display_name": "A", "timezone": "America/New_York"})
    assert ok.status_code == 302
    athlete.refresh_from_db()
    assert athlete.timezone == "America/New_York"


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get(reverse("web:dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_email_is_case_insensitive_at_login(client, athlete):
    response = client.post(
        reverse("accounts:login"), {"username": athlete.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 302
    assert User.objects.count() == 1
