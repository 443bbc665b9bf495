"""One-click unsubscribe (RFC 8058), the unsubscribe page, mailto unsubscribe."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from backstride.accounts.models import ConsentRecord
from backstride.newsletter import emails, services, tokens
from backstride.newsletter.models import OutboxMessage, Subscriber

from .conftest import make_subscriber, path_of

pytestmark = pytest.mark.django_db


def unsubscribe_path(subscriber: Subscriber) -> str:
    return path_of(emails.unsubscribe_url(subscriber))


def one_click(path: str) -> Any:
    """What a mailbox provider sends: a cookieless POST, no CSRF token."""
    client = Client(enforce_csrf_checks=True)
    return client.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )


def receive_mail(**headers: str) -> None:
    """An email with ``headers`` arrives through anymail's inbound webhook (mailto unsubscribe)."""
    from anymail.inbound import AnymailInboundMessage
    from anymail.signals import AnymailInboundEvent, inbound

    message = AnymailInboundMessage.construct(**headers)
    inbound.send(
        sender=object,
        event=AnymailInboundEvent(event_type="inbound", message=message),
        esp_name="Test",
    )


def test_one_click_post_unsubscribes_with_200_and_no_redirect(confirmed: Subscriber) -> None:
    response = one_click(unsubscribe_path(confirmed))
    assert response.status_code == 200
    assert "Location" not in response
    confirmed.refresh_from_db()
    assert confirmed.status == "unsubscribed" and confirmed.unsubscribed_at is not None
    withdrawn = ConsentRecord.objects.get(action="withdrawn")
    assert withdrawn.detail == "one-click"


def test_replayed_one_click_posts_are_fine(confirmed: Subscriber) -> None:
    path = unsubscribe_path(confirmed)
    assert [one_click(path).status_code for _ in range(3)] == [200, 200, 200]
    assert ConsentRecord.objects.filter(action="withdrawn").count() == 1


def test_one_click_also_accepts_multipart(confirmed: Subscriber) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(unsubscribe_path(confirmed), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    confirmed.refresh_from_db()
    assert confirmed.status == "unsubscribed"


def test_get_shows_a_button_and_keeps_the_subscription(
    client: Client, confirmed: Subscriber
) -> None:
    response = client.get(unsubscribe_path(confirmed))
    html = response.content.decode()
    assert response.status_code == 200
    assert ">Unsubscribe</button>" in html and "data-autosubmit" in html
    assert "/newsletter/preferences/" in html
    confirmed.refresh_from_db()
    assert confirmed.status == "confirmed"


def test_button_post_unsubscribes_and_offers_a_way_back(
    client: Client, confirmed: Subscriber
) -> None:
    response = client.post(unsubscribe_path(confirmed))
    html = response.content.decode()
    assert response.status_code == 200
    assert "unsubscribed" in html and "subscribe again" in html
    assert "data-autosubmit" not in html
    assert client.get(unsubscribe_path(confirmed)).status_code == 200


def test_a_tampered_link_is_refused(confirmed: Subscriber) -> None:
    path = unsubscribe_path(confirmed)
    response = one_click(path[:-3] + "xx/")
    assert response.status_code == 400
    confirmed.refresh_from_db()
    assert confirmed.status == "confirmed"


def test_a_link_for_an_erased_subscriber_still_answers_200(confirmed: Subscriber) -> None:
    path = unsubscribe_path(confirmed)
    services.erase(confirmed)
    response = one_click(path)
    assert response.status_code == 200
    assert "not on our list" in response.content.decode()


def test_unsubscribing_cancels_queued_emails(confirmed: Subscriber) -> None:
    services.send_episode_issue(3, "Episode 3", "<p>x</p>", "x")
    one_click(unsubscribe_path(confirmed))
    assert OutboxMessage.objects.get().status == "cancelled"


def test_mailto_unsubscribe_via_anymail_inbound(confirmed: Subscriber) -> None:
    token = tokens.unsubscribe_token(confirmed)
    receive_mail(
        from_email=confirmed.email,
        to="unsubscribe@backstride.example",
        subject=f"unsubscribe-{token}",
    )
    confirmed.refresh_from_db()
    assert confirmed.status == "unsubscribed"


def test_mailto_with_a_forged_token_does_nothing(confirmed: Subscriber) -> None:
    forged = f"{confirmed.public_id}:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    receive_mail(subject=f"unsubscribe-{forged}")
    confirmed.refresh_from_db()
    assert confirmed.status == "confirmed"


def test_unsubscribe_link_of_another_kind_of_token_is_refused(confirmed: Subscriber) -> None:
    # A preferences token must not work as an unsubscribe token (different salt).
    prefs = tokens.preferences_token(confirmed)
    assert one_click(f"/newsletter/unsubscribe/{prefs}/").status_code == 400


def test_pending_address_can_say_not_me(client: Client) -> None:
    pending = make_subscriber("notme@example.org", status="pending")
    one_click(unsubscribe_path(pending))
    pending.refresh_from_db()
    assert pending.status == "unsubscribed"
