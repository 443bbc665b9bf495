"""Double opt-in step 2: scanner-safe confirm page, single-use expiring tokens, welcome email."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.utils import timezone

from backstride.accounts.models import ConsentRecord
from backstride.newsletter import services, tokens
from backstride.newsletter.models import ConfirmationToken, OutboxMessage, Subscriber

from .conftest import body, link_in, path_of, signup

pytestmark = pytest.mark.django_db


@pytest.fixture
def confirm_path(client: Client, smtp_server, run_tasks) -> str:
    signup(client, "confirm.me@example.org", ip="203.0.113.9")
    run_tasks()
    [message] = smtp_server.wait_for(1)
    smtp_server.clear()
    return path_of(link_in(message, "/newsletter/confirm/"))


def test_get_shows_a_button_and_changes_nothing(client: Client, confirm_path: str) -> None:
    for _ in range(3):  # a link scanner may follow it several times
        response = client.get(confirm_path)
        assert response.status_code == 200
    html = response.content.decode()
    assert "Yes, confirm my subscription" in html
    assert 'method="post"' in html and "data-autosubmit" in html
    assert "newsletter/autosubmit.js" in html
    assert Subscriber.objects.get().status == "pending"
    assert ConfirmationToken.objects.get().used_at is None
    assert not OutboxMessage.objects.filter(kind="welcome").exists()


def test_post_confirms_records_consent_and_sends_the_manual(
    client: Client, confirm_path: str, smtp_server, run_tasks, fake_manual
) -> None:
    response = client.post(confirm_path, REMOTE_ADDR="2001:db8:abcd:12::7")
    assert response.status_code == 200
    html = response.content.decode()
    assert "you're subscribed" in html.lower() or "you&#x27;re subscribed" in html.lower()
    assert "/newsletter/manual/" in html

    subscriber = Subscriber.objects.get()
    assert subscriber.status == "confirmed" and subscriber.confirmed_at is not None
    confirmed = ConsentRecord.objects.get(action="confirmed")
    assert confirmed.wording_version == services.CONSENT_VERSION
    assert confirmed.source == "home"
    assert confirmed.ip_prefix == "2001:db8:abcd::/48"
    assert confirmed.subscriber_id == subscriber.pk

    run_tasks()
    [welcome] = smtp_server.wait_for(1)
    assert welcome["To"] == "confirm.me@example.org"
    assert "Back Pain Relief Manual" in welcome["Subject"]
    assert (
        str(welcome["List-Unsubscribe"])
        .strip()
        .startswith("<https://backstride.example/newsletter/unsubscribe/")
    )
    assert welcome["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Hello Nia," in body(welcome, "plain")
    assert "/newsletter/manual/" in body(welcome, "html")
    [attachment] = list(welcome.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "Back-Pain-Relief-Manual.pdf"
    pdf = attachment.get_content()
    assert pdf.startswith(b"%PDF")
    assert pdf == fake_manual.read_bytes()

    # The signed download link serves the same file.
    download = client.get(path_of(link_in(welcome, "/newsletter/manual/")))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == fake_manual.read_bytes()


def test_a_repeat_visit_after_success_shows_success(
    client: Client, confirm_path: str, run_tasks
) -> None:
    client.post(confirm_path)
    again_get = client.get(confirm_path)
    again_post = client.post(confirm_path)
    for response in (again_get, again_post):
        assert response.status_code == 200
        assert "already confirmed" in response.content.decode()
    assert OutboxMessage.objects.filter(kind="welcome").count() == 1
    assert ConsentRecord.objects.filter(action="confirmed").count() == 1


def test_confirm_post_needs_no_csrf_cookie(confirm_path: str) -> None:
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(confirm_path).status_code == 200
    assert Subscriber.objects.get().status == "confirmed"


def test_expired_link_is_explained_and_offers_a_new_signup(
    client: Client, confirm_path: str
) -> None:
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        response = client.get(confirm_path)
        post = client.post(confirm_path)
    assert response.status_code == 400 and post.status_code == 400
    html = response.content.decode()
    assert "This link has expired" in html
    assert 'id="nl-signup-page"' in html
    assert Subscriber.objects.get().status == "pending"


def test_link_still_works_on_day_six(client: Client, confirm_path: str) -> None:
    with time_machine.travel(timezone.now() + timedelta(days=6, hours=23)):
        assert client.post(confirm_path).status_code == 200
    assert Subscriber.objects.get().status == "confirmed"


def test_an_expired_but_used_link_still_shows_success(client: Client, confirm_path: str) -> None:
    client.post(confirm_path)
    with time_machine.travel(timezone.now() + timedelta(days=30)):
        response = client.get(confirm_path)
    assert response.status_code == 200
    assert "already confirmed" in response.content.decode()


@pytest.mark.parametrize(
    "mangle",
    [
        lambda p: p.replace("/confirm/", "/confirm/x"),
        lambda p: p[:-5] + "AAAA/",
        lambda p: "/newsletter/confirm/not-a-token/",
    ],
)
def test_tampered_links_are_refused(client: Client, confirm_path: str, mangle) -> None:
    response = client.post(mangle(confirm_path))
    assert response.status_code == 400
    assert "isn&#x27;t valid" in response.content.decode()
    assert Subscriber.objects.get().status == "pending"


def test_a_correctly_signed_token_with_the_wrong_nonce_is_refused(
    client: Client, confirm_path: str
) -> None:
    record = ConfirmationToken.objects.get()
    forged = signing.TimestampSigner(salt=tokens.CONFIRM_SALT).sign_object(
        {"t": record.pk, "n": "guessed-nonce"}
    )
    assert client.post(f"/newsletter/confirm/{forged}/").status_code == 400
    assert Subscriber.objects.get().status == "pending"


def test_a_used_link_after_unsubscribing_asks_to_sign_up_again(
    client: Client, confirm_path: str
) -> None:
    client.post(confirm_path)
    services.unsubscribe(Subscriber.objects.get())
    response = client.get(confirm_path)
    assert response.status_code == 400
    assert "already been used" in response.content.decode()


def test_confirming_lifts_an_earlier_bounce_suppression(client: Client, confirm_path: str) -> None:
    services.suppress("confirm.me@example.org", "bounced", "mailbox full")
    assert services.is_suppressed("confirm.me@example.org")
    Subscriber.objects.update(status="pending")
    assert client.post(confirm_path).status_code == 200
    assert services.is_suppressed("confirm.me@example.org") is None


def test_the_welcome_email_waits_when_the_manual_cannot_be_built(
    client: Client, confirm_path: str, smtp_server, run_tasks, monkeypatch
) -> None:
    from backstride.newsletter import emails

    def broken() -> None:
        raise emails.ManualUnavailable("weasyprint missing a font")

    monkeypatch.setattr(emails, "manual_pdf_path", broken)
    client.post(confirm_path)
    run_tasks()
    welcome = OutboxMessage.objects.get(kind="welcome")
    assert welcome.status == "pending"
    assert "weasyprint missing a font" in welcome.last_error
    assert welcome.next_attempt_at > timezone.now()
    assert smtp_server.messages == []
