"""Issue emails on the wire: each reader's greeting and links, whatever their name or the body."""

from __future__ import annotations

import html

import pytest

from backstride.newsletter import emails, services
from backstride.newsletter.models import Subscriber

from .conftest import body, make_subscriber

pytestmark = pytest.mark.django_db

HTML = "<p>Walk first — then run. <a href='https://example.org/?a=1&b=2'>Notes</a></p>"
TEXT = "Walk first — then run.\n\nNotes: https://example.org/?a=1&b=2"


def sent_to(smtp_server, run_tasks, subscriber: Subscriber, subject: str, html_body: str):
    services.send_episode_issue(1, subject, html_body, TEXT)
    run_tasks()
    smtp_server.wait_for(1)
    (message,) = smtp_server.messages
    assert message["To"] == subscriber.email
    return message


@pytest.mark.parametrize(
    ("first_name", "greeting"),
    [
        ("Robin", "Hi Robin,"),
        ("", "Hello,"),
        ("O'Brien <b>", "Hi O'Brien <b>,"),
        ("Zoë", "Hi Zoë,"),
    ],
)
def test_an_issue_greets_each_reader_by_name_and_escapes_it_in_html(
    first_name: str, greeting: str, smtp_server, run_tasks
) -> None:
    reader = make_subscriber("reader@example.org", first_name=first_name)
    message = sent_to(smtp_server, run_tasks, reader, "Episode 1: Walk first — then run", HTML)
    assert str(message["Subject"]) == "Episode 1: Walk first — then run"
    assert str(message["From"]) == "Backstride <hello@backstride.example>"
    text = body(message, "plain").replace("\r\n", "\n")
    page = body(message, "html")
    assert text.startswith(greeting) and TEXT in text
    assert html.escape(greeting) in page and "<b>," not in page
    assert "https://example.org/?a=1&amp;b=2" in page or "https://example.org/?a=1&b=2" in page
    unsubscribe = emails.unsubscribe_url(reader)
    assert unsubscribe in text and unsubscribe in page
    assert f"<{unsubscribe}>" in str(message["List-Unsubscribe"])
    assert emails.preferences_url(reader) in text
    assert "__BS_" not in text + page


def test_a_body_with_long_lines_arrives_whole(smtp_server, run_tasks) -> None:
    reader = make_subscriber("long@example.org", first_name="Sam")
    long_html = "<p>" + "word " * 400 + "</p>"
    message = sent_to(smtp_server, run_tasks, reader, "Episode 3", long_html)
    assert "word " * 400 in body(message, "html")
    assert body(message, "plain").startswith("Hi Sam,")


def test_the_unsubscribe_mailbox_comes_from_settings(settings, smtp_server, run_tasks) -> None:
    settings.NEWSLETTER_UNSUBSCRIBE_MAILTO = "leave@lists.example"
    reader = make_subscriber("mailbox@example.org")
    message = sent_to(smtp_server, run_tasks, reader, "Episode 4", HTML)
    assert "<mailto:leave@lists.example?subject=unsubscribe-" in str(message["List-Unsubscribe"])
