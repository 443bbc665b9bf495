"""Sign up → confirm from a real email → log in → empty dashboard."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from backstride.accounts.models import ConsentRecord, EmailToken, User
from tests.conftest import email_text

pytestmark = pytest.mark.django_db

GOOD = {
    "email": "New.Person@Example.org",
    "display_name": "Nell",
    "password": "slow-and-steady-wins",
    "terms": "on",
}


def link_from(message) -> str:
    body = email_text(message)
    match = re.search(r"https?://\S+/accounts/verify/\S+/", body)
    assert match, body
    return match.group(0)


def test_signup_sends_a_real_email_and_the_link_confirms(client, smtp_server, run_tasks):
    response = client.post(reverse("accounts:signup"), GOOD)
    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.org")
    assert user.email_verified_at is None
    assert ConsentRecord.objects.filter(user=user, kind="terms").exists()

    assert run_tasks() == 1
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "new.person@example.org"
    link = link_from(message)
    path = link.split("8000", 1)[-1] if "8000" in link else "/" + link.split("/", 3)[3]

    # A GET (what a link scanner does) changes nothing.
    page = client.get(path)
    assert page.status_code == 200
    assert b"Confirm my email" in page.content
    user.refresh_from_db()
    assert user.email_verified_at is None

    done = client.post(path)
    assert b"Your email is confirmed" in done.content
    user.refresh_from_db()
    assert user.email_verified_at is not None

    # A repeat visit shows success, not an error.
    again = client.post(path)
    assert again.status_code == 200
    assert b"Your email is confirmed" in again.content

    login = client.post(
        reverse("accounts:login"), {"username": GOOD["email"], "password": GOOD["password"]}
    )
    assert login.status_code == 302
    dashboard = client.get(reverse("web:dashboard"))
    assert dashboard.status_code == 200
    assert b"Hello, Nell" in dashboard.content


def test_signup_answers_the_same_for_new_and_existing_addresses(client, athlete):
    new = client.post(reverse("accounts:signup"), GOOD, follow=True)
    taken = Client().post(
        reverse("accounts:signup"), {**GOOD, "email": athlete.email.upper()}, follow=True
    )
    assert new.redirect_chain == taken.redirect_chain == [(reverse("accounts:verify_sent"), 302)]
    assert new.status_code == taken.status_code == 200
    assert b"already exists" not in taken.content
    strip = {GOOD["email"].lower(): "ADDRESS", athlete.email: "ADDRESS"}
    pages = [r.content.decode() for r in (new, taken)]
    for address, placeholder in strip.items():
        pages = [p.replace(address, placeholder) for p in pages]
    pages = [re.sub(r"\b[A-Za-z0-9]{64}\b", "CSRF-TOKEN", p) for p in pages]
    assert pages[0] == pages[1]


def test_signup_with_an_existing_address_emails_its_owner_and_changes_nothing(
    client, athlete, smtp_server, run_tasks
):
    before = User.objects.values().get(pk=athlete.pk)
    response = client.post(
        reverse("accounts:signup"),
        {**GOOD, "email": f" {athlete.email.upper()}", "display_name": "Mallory"},
    )
    assert response.status_code == 302
    assert User.objects.count() == 1
    assert User.objects.values().get(pk=athlete.pk) == before
    assert not ConsentRecord.objects.filter(user=athlete).exists()
    assert not EmailToken.objects.exists()

    assert run_tasks() == 1
    message = smtp_server.only_email(athlete.email, "Someone tried to sign up")
    body = email_text(message)
    assert "already has an account" in body
    assert re.search(r"https?://\S+/accounts/login/", body)
    assert re.search(r"https?://\S+/accounts/password/reset/", body)
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "/accounts/password/reset/" in html
    assert athlete.check_password("correct-horse-battery-staple")


def test_signup_with_an_existing_unconfirmed_address_offers_a_new_link(
    client, athlete, smtp_server, run_tasks
):
    athlete.email_verified_at = None
    athlete.save()
    client.post(reverse("accounts:signup"), {**GOOD, "email": athlete.email})
    assert run_tasks() == 1
    [message] = smtp_server.wait_for(1)
    body = email_text(message)
    assert re.search(r"https?://\S+/accounts/verify/resend/", body)
    athlete.refresh_from_db()
    assert athlete.email_verified_at is None


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", b"too short"),
        ("password123", b"too common"),
        ("93847261539", b"entirely numeric"),
    ],
)
def test_weak_password_is_refused_and_nothing_is_created(client, password, message):
    response = client.post(reverse("accounts:signup"), {**GOOD, "password": password})
    assert response.status_code == 200
    assert message in response.content
    assert not User.objects.exists()


def test_terms_must_be_accepted(client):
    data = {k: v for k, v in GOOD.items() if k != "terms"}
    response = client.post(reverse("accounts:signup"), data)
    assert b"Please confirm you have read this" in response.content
    assert not User.objects.exists()


def test_signup_is_one_transaction(client, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("consent table unavailable")

    monkeypatch.setattr(ConsentRecord.objects, "create", boom)
    client.raise_request_exception = False
    response = client.post(reverse("accounts:signup"), GOOD)
    assert response.status_code == 500
    assert not User.objects.exists()


@pytest.mark.parametrize("token", ["garbage", "a" * 80, "eyJ1IjoxfQ:1abc:badsig"])
def test_bad_verification_token_gets_a_clear_message(client, token):
    response = client.get(reverse("accounts:verify", args=[token]))
    assert response.status_code == 400
    assert b"This link isn&#x27;t valid" in response.content


def test_expired_verification_token(client, athlete, settings):
    from backstride.accounts.tokens import make_token

    athlete.email_verified_at = None
    athlete.save()
    token = make_token(athlete, "verify")
    settings.EMAIL_VERIFICATION_MAX_AGE = -1
    response = client.get(reverse("accounts:verify", args=[token]))
    assert response.status_code == 400
    assert b"expired" in response.content


def test_unverified_user_cannot_log_in_yet(client, athlete):
    athlete.email_verified_at = None
    athlete.save()
    response = client.post(
        reverse("accounts:login"),
        {"username": athlete.email, "password": "correct-horse-battery-staple"},
    )
    assert response.status_code == 302
    assert response.url == reverse("accounts:resend_verification")
    assert "_auth_user_id" not in client.session


def test_resend_does_not_reveal_whether_an_address_exists(client, athlete, run_tasks):
    a = client.post(
        reverse("accounts:resend_verification"), {"email": "nobody@example.org"}, follow=True
    )
    b = client.post(reverse("accounts:resend_verification"), {"email": athlete.email}, follow=True)
    assert a.status_code == b.status_code == 200
    assert b"If that address has an unconfirmed account" in a.content
    assert b"If that address has an unconfirmed account" in b.content
    assert EmailToken.objects.count() == 0  # athlete is already verified: nothing sent
