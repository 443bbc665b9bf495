"""Signup: double opt-in step 1, bad input, rate limits, no address leaks, transactional outbox."""

from __future__ import annotations

import re

import pytest
from django.db import transaction
from django.test import Client
from django_tasks_db.models import DBTaskResult

from backstride.accounts.models import ConsentRecord
from backstride.newsletter import services
from backstride.newsletter.models import OutboxMessage, SignupAttempt, Subscriber

from .conftest import body, link_in, make_subscriber, signup

pytestmark = pytest.mark.django_db


def test_signup_page_renders_the_form_without_javascript(client: Client) -> None:
    response = client.get("/newsletter/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'action="/newsletter/"' in html and 'method="post"' in html
    assert 'name="consent"' in html and "checked" not in html.split('name="consent"')[1][:40]
    assert services.consent_text() in html


def test_signup_sends_a_confirmation_email_with_unsubscribe_headers(
    client: Client, smtp_server, run_tasks
) -> None:
    response = signup(client, "Nia.Reader@Example.org")
    assert response.status_code == 200
    assert "Check your inbox" in response.content.decode()
    subscriber = Subscriber.objects.get()
    assert subscriber.email == "nia.reader@example.org"
    assert subscriber.status == Subscriber.Status.PENDING
    assert subscriber.source == "home"
    [request] = ConsentRecord.objects.filter(action="requested")
    assert request.wording_version == services.CONSENT_VERSION
    assert request.ip_prefix == "203.0.113.0/24"
    assert OutboxMessage.objects.get().kind == "confirmation"

    assert run_tasks() >= 1
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "nia.reader@example.org"
    assert "confirm" in message["Subject"].lower()
    unsubscribe = str(message["List-Unsubscribe"]).strip()
    assert unsubscribe.startswith("<https://backstride.example/newsletter/unsubscribe/")
    assert "<mailto:unsubscribe@backstride.example?subject=unsubscribe-" in unsubscribe
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = link_in(message, "/newsletter/confirm/")
    assert link in body(message, "html")
    assert OutboxMessage.objects.get().status == "sent"


def test_htmx_signup_answers_with_the_block_only(client: Client) -> None:
    response = client.post(
        "/newsletter/",
        {"email": "htmx@example.org", "consent": "on", "source": "article"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'class="nl-signup card"' in html
    assert "Check your inbox" in html
    assert Subscriber.objects.get().source == "article"


def test_the_answer_is_the_same_whether_or_not_the_address_is_known(client: Client) -> None:
    make_subscriber("known@example.org")
    make_subscriber("waiting@example.org", status="pending")
    answers = set()
    for email, ip in [
        ("known@example.org", "198.51.100.1"),
        ("waiting@example.org", "198.51.100.2"),
        ("fresh@example.org", "198.51.100.3"),
    ]:
        html = signup(client, email, ip=ip).content.decode()
        answers.add(re.sub(r'"X-CSRFToken": "[^"]+"', "", html.replace(email, "EMAIL")))
    assert len(answers) == 1


def test_known_subscriber_gets_a_notice_not_a_second_confirmation(
    client: Client, smtp_server, run_tasks
) -> None:
    make_subscriber("known@example.org")
    signup(client, "known@example.org")
    run_tasks()
    [message] = smtp_server.wait_for(1)
    assert "already subscribed" in message["Subject"]
    assert "/newsletter/preferences/" in body(message, "plain")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_at_most_three_emails_per_address_per_day(
    client: Client, settings, smtp_server, run_tasks
) -> None:
    answers = []
    for i in range(5):
        answers.append(signup(client, "again@example.org", ip=f"198.51.100.{i}").status_code)
    assert answers == [200] * 5
    run_tasks()
    smtp_server.wait_for(3)
    assert len(smtp_server.messages) == 3
    assert OutboxMessage.objects.count() == 3
    assert ConsentRecord.objects.filter(action="requested").count() == 5


def test_signups_per_ip_are_limited(client: Client) -> None:
    for i in range(10):
        assert signup(client, f"person{i}@example.org", ip="192.0.2.50").status_code == 200
    response = signup(client, "eleventh@example.org", ip="192.0.2.50")
    assert response.status_code == 429
    assert "try again in an hour" in response.content.decode()
    assert not Subscriber.objects.filter(email="eleventh@example.org").exists()
    # Another network is not affected.
    assert signup(client, "eleventh@example.org", ip="192.0.2.51").status_code == 200


def test_rate_limit_ledger_stores_no_addresses(client: Client) -> None:
    signup(client, "ledger@example.org", ip="192.0.2.77")
    stored = " ".join(SignupAttempt.objects.values_list("key_hash", flat=True))
    assert "ledger" not in stored and "192.0.2" not in stored


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("not-an-address", "doesn&#x27;t look like an email address"),
        ("someone@localhost", "doesn&#x27;t look like an email address"),
        ("two@@example.org", "doesn&#x27;t look like an email address"),
        ("burner@mailinator.com", "temporary inbox"),
        ("burner@eu.yopmail.com", "temporary inbox"),
        ("typo@gmial.com", "Did you mean typo@gmail.com?"),
        ("", "Please enter your email address."),
    ],
)
def test_bad_addresses_are_refused_with_a_clear_message(
    client: Client, email: str, message: str
) -> None:
    response = signup(client, email)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Subscriber.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_consent_must_be_given(client: Client) -> None:
    response = client.post("/newsletter/", {"email": "maybe@example.org", "source": "home"})
    assert response.status_code == 400
    assert "Please tick the box" in response.content.decode()
    assert not Subscriber.objects.exists()


def test_htmx_errors_are_swapped_in(client: Client) -> None:
    response = client.post(
        "/newsletter/", {"email": "nope", "consent": "on"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()


def test_honeypot_pretends_success_and_stores_nothing(client: Client) -> None:
    response = signup(client, "bot@example.org", website="http://spam.example")
    assert response.status_code == 200
    assert "Check your inbox" in response.content.decode()
    assert not Subscriber.objects.exists()


def test_a_rolled_back_signup_leaves_no_email_behind() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        services.request_subscription("rollback@example.org", source="home")
        raise RuntimeError("something failed after the signup")
    assert not Subscriber.objects.exists()
    assert not OutboxMessage.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_block_is_on_the_homepage(client: Client) -> None:
    html = client.get("/").content.decode()
    assert 'id="nl-signup-home"' in html
    assert 'name="source" value="home"' in html
