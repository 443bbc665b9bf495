"""The newsletter pages in Chromium: axe-core finds no serious problems, nothing scrolls
sideways, and screenshots at 1280 and 375 px go to /tmp/shots (SCREENSHOT_DIR)."""

from __future__ import annotations

import os
from io import StringIO
from pathlib import Path
from typing import Any

import pytest

from backstride.newsletter import emails, services
from backstride.newsletter.models import ConfirmationToken, OutboxMessage, Subscriber
from backstride.newsletter.tokens import confirmation_token
from tests.conftest import login_in_browser

from .conftest import path_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/shots"))
WIDTHS = ((1280, 900), (375, 812))


def serious(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def check(page: Any, name: str, width: int, element: str | None = None) -> None:
    page.wait_for_load_state("networkidle")
    target = page.locator(element) if element else page
    kwargs = {} if element else {"full_page": True}
    target.screenshot(path=str(SHOTS / f"newsletter-{name}-{width}.png"), **kwargs)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
    assert not overflow, f"{name} scrolls sideways at {width}px"
    assert serious(page) == [], name
    if width > 1000:  # dark mode has its own colours; check contrast there too
        page.emulate_media(color_scheme="dark")
        target.screenshot(path=str(SHOTS / f"newsletter-{name}-dark.png"), **kwargs)
        assert serious(page) == [], f"{name} (dark)"
        page.emulate_media(color_scheme="light")


@pytest.fixture
def site(live_server, settings, editor) -> Any:
    from backstride.newsletter.demo import load_demo

    settings.SITE_URL = live_server.url
    load_demo(StringIO())
    services.send_episode_issue(1, "Episode 12: Walk before you run", "<p>x</p>", "x")
    OutboxMessage.objects.filter(kind="issue").update(status="sent")
    OutboxMessage.objects.filter(kind="issue", subscriber__email="lee@example.com").update(
        status="failed"
    )
    return live_server


def test_newsletter_pages(browser, site, editor) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    pending = services.request_subscription("sam.pending@example.org", first_name="Sam").subscriber
    token = ConfirmationToken.objects.get(subscriber=pending)
    confirm_path = path_of(emails.absolute(f"/newsletter/confirm/{confirmation_token(token)}/"))
    member = Subscriber.objects.get(email="maya@example.com")

    for width, height in WIDTHS:
        # Pages behind emailed links, with the auto-submit script held back.
        still = browser.new_context(viewport={"width": width, "height": height})
        still.route("**/autosubmit.js", lambda route: route.abort())
        page = still.new_page()
        page.goto(site.url + confirm_path)
        check(page, "confirm", width)
        page.goto(site.url + path_of(emails.unsubscribe_url(member)))
        check(page, "unsubscribe", width)
        page.goto(site.url + path_of(emails.preferences_url(member)))
        check(page, "preferences", width)
        page.goto(site.url + "/newsletter/confirm/not-a-real-token/")
        check(page, "confirm-invalid", width)
        still.close()

        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.goto(site.url + "/")
        check(page, "signup-block", width, "#nl-signup-home")
        block = page.locator("#nl-signup-home")
        block.get_by_label("Email address").fill("someone@mailinator.com")
        block.get_by_label("Yes, email me").check()
        block.get_by_role("button", name="Send me the manual").click()
        page.get_by_text("temporary inbox").wait_for()
        check(page, "signup-error", width, "#nl-signup-home")
        block.get_by_label("Email address").fill(f"reader{width}@example.org")
        block.get_by_role("button", name="Send me the manual").click()
        page.get_by_role("heading", name="Check your inbox").wait_for()
        check(page, "signup-done", width, "#nl-signup-home")
        page.goto(site.url + "/newsletter/")
        check(page, "signup-page", width)
        login_in_browser(page, site, editor.email)
        page.goto(site.url + "/newsletter/editor/")
        check(page, "editor", width)
        context.close()

    # Last: confirm for real (the script submits the button) and look at the welcome page.
    for width, height in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.goto(site.url + confirm_path)
        page.get_by_role("heading", name="you're subscribed").wait_for()
        check(page, "welcome", width)
        page.goto(site.url + path_of(emails.unsubscribe_url(member)))
        page.get_by_role("heading", name="You're unsubscribed").wait_for()
        check(page, "unsubscribed", width)
        context.close()
