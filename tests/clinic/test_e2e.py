"""End-to-end in headless Chromium: the clinician opens the caseload (the client with a red
check-in first, with the reason), opens the record, adds a private note, tailors the protocol,
and the athlete sees what changed and why on their Today page. axe-core on the clinic pages;
screenshots at 1280 and 375 px into /tmp/shots (or $SCREENSHOT_DIR)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from backstride.clinic.models import ClinicianNote, TailoringChange
from tests.conftest import SHOTS, login_in_browser, serious

from .conftest import checkin, client_of, place, score, sessions

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def shoot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1280, 900), (375, 812)):
        page.set_viewport_size({"width": width, "height": height})
        page.reload()
        page.screenshot(path=str(SHOTS / f"clinic-{name}-{width}.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
        assert overflow is False, f"{name} overflows at {width}px"
    page.set_viewport_size({"width": 1280, "height": 900})


def axe_clean(page: Any) -> None:
    from axe_playwright_python.sync_playwright import Axe

    assert serious(Axe().run(page)) == []


def test_caseload_record_note_tailor_and_the_athlete_sees_it(
    page: Any, browser: Any, live_server: Any, clinician: Any, athlete: Any
) -> None:
    place(athlete)
    sessions(athlete, range(0, 20))
    checkin(athlete, 1, pain=8, pain_during=6)
    score(athlete, "nprs", 20, 5)
    score(athlete, "nprs", 2, 3)
    for name in ("Bea Steady", "Cal Steady"):
        other = client_of(clinician, f"{name.split()[0].lower()}@example.org", name)
        place(other)
        sessions(other, range(0, 20))
        checkin(other, 0)

    login_in_browser(page, live_server, clinician.email)
    page.goto(live_server.url + reverse("web:dashboard"))  # a clinician lands on the caseload
    page.get_by_role("heading", name="Your caseload").wait_for()
    first = page.locator(".client-row").first
    assert "Alice" in first.inner_text()
    assert "1 red rehab check-in in the last 7 days" in first.inner_text()
    axe_clean(page)
    shoot(page, "caseload")

    first.get_by_role("link", name="Alice").click()
    page.get_by_role("heading", name="Alice", exact=True).wait_for()
    page.get_by_label("New note").fill("Flare-up after gardening; call on Friday.")
    page.get_by_role("button", name="Add note").click()
    page.get_by_text("Note saved.").wait_for()
    assert ClinicianNote.objects.get().text.startswith("Flare-up")
    axe_clean(page)
    shoot(page, "record")

    page.get_by_role("link", name="Tailor the protocol").first.click()
    page.get_by_role("heading", name="Tailor Alice's protocol").wait_for()
    page.get_by_label("Highest pain that still counts as a green (good) response").fill("2")
    page.get_by_role("group", name="Phase 1").get_by_label("Cat–camel").uncheck()
    page.get_by_label("Why you are making this change").fill("Short")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_text("Please say why, in a sentence.").first.wait_for()
    shoot(page, "tailor-errors")
    page.get_by_label("Why you are making this change").fill(
        "Your back settles slowly after runs, so we keep a lower pain limit for now."
    )
    page.get_by_role("button", name="Save changes").click()
    page.get_by_text("Saved 2 changes.").wait_for()
    assert TailoringChange.objects.count() == 1

    athlete_page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    login_in_browser(athlete_page, live_server, athlete.email)
    athlete_page.goto(live_server.url + reverse("web:dashboard"))
    notice = athlete_page.locator("#plan-changes")
    notice.wait_for()
    text = notice.inner_text()
    assert "Your clinician changed your plan" in text
    assert "3/10 → 2/10" in text and "Cat–camel (Phase 1)" in text
    assert "we keep a lower pain limit" in text
    assert "gardening" not in athlete_page.content()  # private notes never reach the athlete
    shoot(athlete_page, "athlete-notice")
    notice.get_by_role("button", name="Got it").click()
    athlete_page.wait_for_load_state()
    assert athlete_page.locator("#plan-changes").count() == 0
    athlete_page.context.close()
