"""The whole newsletter journey in headless Chromium against a real SMTP server.

signup on the homepage → confirmation email → its link confirms (auto-submitted) → the
welcome email with the real 23-page manual → one-click unsubscribe (cookieless POST).
"""

from __future__ import annotations

import http.client
import io
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pypdf import PdfReader

from backstride.accounts.models import ConsentRecord
from backstride.manual import EXPECTED_PAGES
from backstride.newsletter.models import Subscriber

from .conftest import body, link_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def cookieless_post(url: str, data: str) -> http.client.HTTPResponse:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.request(
        "POST",
        parts.path,
        body=data,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    return connection.getresponse()


def test_signup_confirm_welcome_manual_and_one_click_unsubscribe(
    page, live_server, settings, smtp_server, run_tasks
) -> None:
    settings.SITE_URL = live_server.url

    # 1. Sign up on the homepage (htmx swaps the block in place).
    page.goto(live_server.url + "/")
    block = page.locator("#nl-signup-home")
    block.get_by_label("Email address").fill("Journey@Example.org")
    block.get_by_label("First name").fill("Jo")
    block.get_by_label("Yes, email me").check()
    block.get_by_role("button", name="Send me the manual").click()
    page.get_by_role("heading", name="Check your inbox").wait_for()
    assert page.url.rstrip("/") == live_server.url  # no page load: htmx did it
    assert "journey@example.org" in page.locator("#nl-signup-home").inner_text()

    # 2. The confirmation email arrives at the real SMTP server.
    run_tasks()
    [confirmation] = smtp_server.wait_for(1)
    assert confirmation["To"] == "journey@example.org"
    link = link_in(confirmation, "/newsletter/confirm/")
    assert link.startswith(live_server.url)

    # 3. Following the link in the browser confirms (the page submits its own button).
    page.goto(link)
    page.get_by_role("heading", name="Welcome, Jo — you're subscribed").wait_for()
    subscriber = Subscriber.objects.get()
    assert subscriber.status == "confirmed"
    consent = ConsentRecord.objects.get(action="confirmed")
    assert consent.source == "home" and consent.ip_prefix == "127.0.0.0/24"

    # 4. The welcome email brings the real manual: a 23-page PDF.
    smtp_server.clear()
    run_tasks()
    [welcome] = smtp_server.wait_for(1, timeout=60)
    assert welcome["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    [attachment] = list(welcome.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    pdf = attachment.get_content()
    assert len(PdfReader(io.BytesIO(pdf)).pages) == EXPECTED_PAGES == 23
    assert "/newsletter/manual/" in body(welcome, "html")

    # The download link on the welcome page serves the same PDF.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the manual (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == "Back-Pain-Relief-Manual.pdf"
    assert Path(download.path()).read_bytes() == pdf

    # 5. One-click unsubscribe, exactly as a mailbox provider does it (RFC 8058).
    header = str(welcome["List-Unsubscribe"]).strip()
    https_url = header.split(",")[0].strip().strip("<>")
    assert https_url.startswith(live_server.url + "/newsletter/unsubscribe/")
    response = cookieless_post(https_url, "List-Unsubscribe=One-Click")
    assert response.status == 200
    assert response.getheader("Location") is None
    subscriber.refresh_from_db()
    assert subscriber.status == "unsubscribed"
    assert cookieless_post(https_url, "List-Unsubscribe=One-Click").status == 200  # replay
    assert ConsentRecord.objects.filter(action="withdrawn").count() == 1
