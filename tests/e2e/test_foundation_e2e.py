"""A person signs up, confirms from a real email, logs in and sees an empty dashboard."""

import re

import pytest

from tests.conftest import SHOTS, email_text, login_in_browser

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_signup_confirm_login_dashboard(page, live_server, smtp_server, run_tasks, settings):
    settings.SITE_URL = live_server.url
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Start the free assessment").click()
    page.get_by_label("Email address").fill("walker@example.org")
    page.get_by_label("Your name").fill("Wren")
    page.get_by_label("Password").fill("one-step-at-a-time")
    page.get_by_label("I understand that Backstride educates").check()
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", name="Check your email").wait_for()

    run_tasks()
    [message] = smtp_server.wait_for(1)
    body = email_text(message)
    link = re.search(r"http://\S+/accounts/verify/\S+/", body).group(0)

    page.goto(link)
    page.get_by_role("button", name="Confirm my email").click()
    page.get_by_role("heading", name="Your email is confirmed").wait_for()
    page.get_by_role("link", name="Log in").first.click()
    page.get_by_label("Email address").fill("walker@example.org")
    page.get_by_label("Password").fill("one-step-at-a-time")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Hello, Wren").wait_for()
    assert "/today/" in page.url


def test_screenshots_of_home_signup_and_dashboard(page, live_server, athlete, client):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/")
        page.screenshot(path=str(SHOTS / f"home-{width}.png"), full_page=True)
        page.goto(f"{live_server.url}/accounts/signup/")
        page.get_by_role("button", name="Create account").click()  # empty form → field errors
        page.locator(".errorlist").first.wait_for()
        assert page.locator(".errorlist").count() >= 3
        page.screenshot(path=str(SHOTS / f"signup-{width}.png"), full_page=True)
    login_in_browser(page, live_server, athlete.email)
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/today/")
        page.screenshot(path=str(SHOTS / f"dashboard-{width}.png"), full_page=True)
    # Works at 320 px: nothing wider than the viewport.
    page.set_viewport_size({"width": 320, "height": 700})
    page.goto(f"{live_server.url}/")
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert overflow is False


def test_skip_link_moves_focus_to_main(page, live_server):
    page.goto(f"{live_server.url}/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
