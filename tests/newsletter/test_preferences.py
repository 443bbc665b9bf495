"""Preferences page, resubscribe via double opt-in, export and erase, bounce/complaint webhooks."""

from __future__ import annotations

import json

import pytest
from anymail.signals import AnymailTrackingEvent, tracking
from django.test import Client

from backstride.accounts.models import ConsentRecord
from backstride.newsletter import emails, privacy, services
from backstride.newsletter.models import (
    OutboxMessage,
    Subscriber,
    Suppression,
)

from .conftest import link_in, make_subscriber, path_of, signup

pytestmark = pytest.mark.django_db


def prefs_path(subscriber: Subscriber) -> str:
    return path_of(emails.preferences_url(subscriber))


def test_preferences_page_shows_the_state(client: Client, confirmed: Subscriber) -> None:
    html = client.get(prefs_path(confirmed)).content.decode()
    assert confirmed.email in html
    assert "Subscribed" in html
    assert 'name="weekly_episodes"' in html and "checked" in html


def test_turning_the_weekly_email_off_keeps_them_out_of_the_next_issue(
    client: Client, confirmed: Subscriber
) -> None:
    response = client.post(prefs_path(confirmed), {"action": "save"})
    assert "preferences are saved" in response.content.decode()
    confirmed.refresh_from_db()
    assert confirmed.weekly_episodes is False
    assert ConsentRecord.objects.get(action="preferences").detail == "weekly_episodes=off"
    assert services.send_episode_issue(1, "E1", "<p>x</p>", "x").recipients == 0
    client.post(prefs_path(confirmed), {"action": "save", "weekly_episodes": "on"})
    assert services.send_episode_issue(2, "E2", "<p>x</p>", "x").recipients == 1


def test_unsubscribe_and_resubscribe_needs_a_new_double_opt_in(
    client: Client, confirmed: Subscriber, smtp_server, run_tasks
) -> None:
    client.post(prefs_path(confirmed), {"action": "unsubscribe"})
    confirmed.refresh_from_db()
    assert confirmed.status == "unsubscribed"
    response = client.post(prefs_path(confirmed), {"action": "resubscribe"})
    assert "Check your inbox" in response.content.decode()
    confirmed.refresh_from_db()
    assert confirmed.status == "pending"  # not subscribed until the link is clicked
    run_tasks()
    [message] = smtp_server.wait_for(1)
    path = path_of(link_in(message, "/newsletter/confirm/"))
    client.post(path)
    confirmed.refresh_from_db()
    assert confirmed.status == "confirmed"
    assert ConsentRecord.objects.filter(action="confirmed").count() == 1


def test_export_gives_everything_as_json(client: Client, confirmed: Subscriber) -> None:
    services.request_subscription(confirmed.email, source="home", ip="198.51.100.20")
    response = client.post(prefs_path(confirmed), {"action": "export"})
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["subscriber"]["email"] == confirmed.email
    assert data["subscriber"]["first_name"] == "Robin"
    assert data["consent_history"][0]["network"] == "198.51.100.0/24"
    assert data["consent_history"][0]["wording"] == services.consent_text()
    assert data["emails"][0]["kind"] == "already"


def test_erase_needs_a_tick_then_removes_the_person_but_keeps_proof_of_consent(
    client: Client,
) -> None:
    signup(client, "erase.me@example.org")
    subscriber = Subscriber.objects.get()
    refused = client.post(prefs_path(subscriber), {"action": "erase"})
    assert refused.status_code == 400
    assert Subscriber.objects.exists()

    response = client.post(prefs_path(subscriber), {"action": "erase", "confirm": "on"})
    assert "Your data is erased" in response.content.decode()
    assert not Subscriber.objects.exists()
    assert not OutboxMessage.objects.exists()
    kept = list(ConsentRecord.objects.all())
    assert [c.action for c in kept] == ["requested", "erased"]
    assert all(c.subscriber_id is None for c in kept)
    assert all(c.email_hash == privacy.email_hash("erase.me@example.org") for c in kept)
    assert "erase.me" not in json.dumps([c.detail for c in kept])
    suppression = Suppression.objects.get()
    assert suppression.reason == "erased"
    assert suppression.email_hash == privacy.email_hash("erase.me@example.org")
    # The old link now says there is nothing to show.
    assert "not on our list" in client.get(prefs_path(subscriber)).content.decode()


def test_a_late_bounce_after_erasure_does_not_recreate_the_person(confirmed: Subscriber) -> None:
    email = confirmed.email
    services.erase(confirmed)
    send_event("bounced", email)
    assert not Subscriber.objects.exists()
    assert Suppression.objects.get().reason == "bounced"


def test_signing_up_again_after_erasure_works(client: Client, smtp_server, run_tasks) -> None:
    services.erase(make_subscriber("back@example.org"))
    signup(client, "back@example.org")
    run_tasks()
    [message] = smtp_server.wait_for(1)
    client.post(path_of(link_in(message, "/newsletter/confirm/")))
    assert Subscriber.objects.get().status == "confirmed"
    assert not Suppression.objects.exists()


def test_erase_and_export_from_the_command_line(confirmed: Subscriber, capsys) -> None:
    from django.core.management import call_command

    call_command("newsletter", "export", confirmed.email)
    assert json.loads(capsys.readouterr().out)["subscriber"]["email"] == confirmed.email
    call_command("newsletter", "erase", confirmed.email, "--yes")
    assert not Subscriber.objects.exists()


# --------------------------------------------------------------------------- webhooks


def send_event(event_type: str, recipient: str, **extra: object) -> None:
    event = AnymailTrackingEvent(
        event_type=event_type, recipient=recipient, description="test event", **extra
    )
    tracking.send(sender=object, event=event, esp_name="TestESP")


@pytest.mark.parametrize(
    ("event_type", "extra", "status", "reason"),
    [
        ("bounced", {}, "bounced", "bounced"),
        ("complained", {}, "complained", "complained"),
        ("rejected", {"reject_reason": "invalid"}, "bounced", "bounced"),
        ("rejected", {"reject_reason": "spam"}, "complained", "complained"),
    ],
)
def test_bounces_and_complaints_suppress_the_address(
    confirmed: Subscriber, event_type: str, extra: dict, status: str, reason: str
) -> None:
    services.send_episode_issue(5, "E5", "<p>x</p>", "x")
    send_event(event_type, confirmed.email.upper(), **extra)
    confirmed.refresh_from_db()
    assert confirmed.status == status
    assert Suppression.objects.get().reason == reason
    assert OutboxMessage.objects.get().status == "cancelled"
    assert ConsentRecord.objects.get(action="suppressed").detail.startswith(reason)
    assert services.send_episode_issue(6, "E6", "<p>x</p>", "x").recipients == 0


def test_deferred_and_delivered_events_change_nothing(confirmed: Subscriber) -> None:
    for kind in ("deferred", "delivered", "opened", "queued"):
        send_event(kind, confirmed.email)
    confirmed.refresh_from_db()
    assert confirmed.status == "confirmed"
    assert not Suppression.objects.exists()


def test_provider_unsubscribe_events_unsubscribe(confirmed: Subscriber) -> None:
    send_event("unsubscribed", confirmed.email)
    confirmed.refresh_from_db()
    assert confirmed.status == "unsubscribed"


def test_anymail_webhook_urls_are_mounted() -> None:
    from django.urls import reverse

    assert reverse("newsletter:anymail:postmark_tracking_webhook") == (
        "/newsletter/anymail/postmark/tracking/"
    )
