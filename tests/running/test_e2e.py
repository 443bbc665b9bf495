"""End-to-end in headless Chromium on a phone-sized screen (375 px): a Phase 3 athlete records
the readiness tests, does the cross-trainer rung, sees the first walk–run session, starts the
interval timer (it counts), logs the session with a green check-in and sees the next rung; a
red check-in on the next try shows the step back with its reason.

The demo runner is already past readiness (the demo records it), so a fresh Phase 3 athlete
stands in for them. The server's clock is moved forward a day at a time with time_machine
(the live server runs in this process); the browser keeps its own clock, which the timer uses.
Every page is checked for Content-Security-Policy violations and serious axe-core findings,
and screenshotted into SHOTS as ``running-<name>-375.png``.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
import time_machine

from backstride.core.protocol import default_protocol
from backstride.core.treat import Audience
from tests.conftest import RECORD_CSP_VIOLATIONS, SHOTS, login_in_browser, pick, serious

from .conftest import place_in_phase

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

RUNNING = default_protocol().running
LADDER = RUNNING.ladder_for(Audience.RETURNING)


class Checker:
    """After each page: CSP violations, serious axe findings, overflow, a 375 px screenshot."""

    def __init__(self, page: Any) -> None:
        from axe_playwright_python.sync_playwright import Axe

        self.page = page
        self.axe = Axe()
        self.problems: list[str] = []
        SHOTS.mkdir(parents=True, exist_ok=True)

    def __call__(self, name: str) -> None:
        page = self.page
        page.wait_for_load_state("networkidle")
        self.problems += [f"{name}: CSP {v}" for v in page.evaluate("window.__csp || []")]
        self.problems += [f"{name}: axe {v}" for v in serious(self.axe.run(page))]
        if page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1"):
            self.problems.append(f"{name}: overflows at 375 px")
        page.screenshot(path=str(SHOTS / f"running-{name}-375.png"), full_page=True)


def log_session(page: Any, base: str, sport: str, day: Any, km: str, duration: str) -> None:
    """Log a session by hand at 09:00 on ``day`` (the server's clock stands at 10:00)."""
    page.goto(f"{base}/activities/log/")
    page.get_by_label("Type").select_option(label=sport)
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_label("Start time").fill("09:00")
    page.get_by_label("Distance (km)").fill(km)
    page.get_by_label("Duration").fill(duration)
    page.get_by_role("button", name="Save").first.click()
    page.get_by_text("Saved. Well done for logging it.").wait_for()


def check_in(page: Any, during: str, after: str) -> None:
    page.get_by_role("link", name="Check in").first.click()
    page.get_by_role("heading", name="How did it go?").wait_for()
    pick(page, "At its worst, how much did your back or leg hurt during the session?", during)
    pick(page, "How much does it hurt now, straight after?", after)
    pick(page, "Any new leg symptoms (pain, pins and needles, numbness or weakness)?", "No")
    pick(page, "Are leg symptoms spreading further down, below the knee?", "No")
    page.get_by_role("button", name="Save check-in").click()
    page.get_by_role("heading", name="Check-in saved").wait_for()


def answer_morning(page: Any, base: str, pain: str) -> None:
    page.goto(f"{base}/running/")
    page.get_by_role("link", name="Answer").first.click()
    pick(page, "Yesterday evening, how much did it hurt?", pain)
    pick(page, "How much does your back or leg hurt this morning?", pain)
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", name="Check-in saved").wait_for()


def test_phase_3_athlete_readiness_first_walk_run_timer_green_then_red(
    page: Any, live_server: Any, athlete: Any
) -> None:
    base = live_server.url
    zone = athlete.tzinfo
    day0 = datetime.now(zone).date()
    with time_machine.travel(datetime.combine(day0, time(10), tzinfo=zone), tick=True) as clock:
        place_in_phase(athlete, 3, since=day0 - timedelta(days=10))
        page.set_viewport_size({"width": 375, "height": 812})
        page.add_init_script(RECORD_CSP_VIOLATIONS)
        look = Checker(page)
        login_in_browser(page, live_server, athlete.email)

        # Day 0: readiness first, recorded in the browser.
        page.goto(f"{base}/running/")
        page.get_by_role("heading", name="Readiness tests first").wait_for()
        look("plan-readiness")
        page.get_by_role("link", name="Record readiness tests").click()
        look("readiness-form")
        for test in RUNNING.readiness:
            page.get_by_label(f"{test.name} ({test.unit})").fill(f"{test.at_least:g}")
            page.get_by_label(f"{test.name}: did your back or leg symptoms rise").select_option(
                "no"
            )
        page.get_by_role("button", name="Save results").click()
        status = page.locator("#readiness-status")
        status.wait_for()
        assert status.get_by_text("Not yet").count() == 0
        assert status.get_by_text("Passed").count() == len(RUNNING.readiness)
        look("readiness")

        # The cross-trainer rung: today's session, logged and checked in green.
        page.goto(f"{base}/running/")
        page.get_by_role("heading", name=LADDER.rungs[0].label.split(" only")[0]).first.wait_for()
        log_session(page, base, "Cross-trainer", day0, "0", "25:00")
        check_in(page, "1", "1")
        assert "Green so far" in page.locator("#colour").inner_text()

        # Day 1: the next-morning answer.
        clock.shift(timedelta(days=1))
        answer_morning(page, base, "0")
        assert page.locator("#colour").inner_text().strip().endswith("Green")

        # Day 2: the first walk-run session, with the interval timer.
        clock.shift(timedelta(days=1))
        page.goto(f"{base}/running/")
        first = LADDER.rungs[1]
        today = page.locator("#today")
        today.get_by_role("heading", name=first.label).wait_for()
        assert "Tries the next step" in today.inner_text()
        assert "For the rest of today" in today.inner_text()
        timer = page.locator("[data-run-timer]")
        assert timer.locator("[data-step]").inner_text() == "First: Warm-up walk"
        assert timer.locator("[data-clock]").inner_text() == f"{first.warm_up_min}:00"
        timer.get_by_role("button", name="Start").click()
        page.wait_for_timeout(2200)
        counted = timer.locator("[data-clock]").inner_text()
        assert counted != f"{first.warm_up_min}:00", "the timer did not count"
        assert timer.locator("[data-step]").inner_text() == "Warm-up walk"
        assert "Next: Run 1 of 6" in timer.locator("[data-next]").inner_text()
        timer.get_by_role("button", name="Skip step").click()
        assert timer.locator("[data-step]").inner_text() == "Run 1 of 6"
        assert timer.locator("[data-clock]").inner_text() in {"1:00", "0:59"}
        look("plan-walk-run-timer")
        timer.get_by_role("button", name="Pause").click()
        assert timer.get_by_role("button", name="Resume").is_visible()
        fit = page.get_by_role("link", name="Watch workout (.fit)", exact=True)
        with page.expect_download() as download:
            fit.click()
        assert download.value.suggested_filename.endswith(".fit")

        log_session(page, base, "Walk–run", clock_day(zone), "2.2", "25:00")
        check_in(page, "2", "1")
        look("checkin-green-so-far")

        # Day 3: the next-morning answer makes it green: the plan moves to the next rung.
        clock.shift(timedelta(days=1))
        answer_morning(page, base, "0")
        assert page.locator("#colour").inner_text().strip().endswith("Green")
        second = LADDER.rungs[2]
        assert second.label in page.locator("#next-steps").inner_text()
        look("checkin-green")
        page.goto(f"{base}/running/ladder/")
        here = page.locator('[aria-current="step"]')
        assert first.label in here.inner_text() and "You are here" in here.inner_text()
        look("ladder")
        page.goto(f"{base}/running/")
        assert second.label in page.locator("#today").inner_text()
        look("plan-rest-day")

        # Day 4: the next rung, tried; a red check-in steps back, with its reason.
        clock.shift(timedelta(days=1))
        page.goto(f"{base}/running/")
        page.locator("#today").get_by_role("heading", name=second.label).wait_for()
        log_session(page, base, "Walk–run", clock_day(zone), "2.6", "25:00")
        check_in(page, "7", "6")
        assert page.locator("#colour").inner_text().strip().startswith("Red")
        page.get_by_text("Why? The rules and their sources").click()
        assert "7/10" in page.locator("#main").inner_text() or "7/10" in page.content()
        look("checkin-red")
        page.goto(f"{base}/running/history/")
        red = page.locator(".change-red")
        assert "Stepped back to" in red.inner_text() and "Red" in red.inner_text()
        red.get_by_text("Why? The rule and its source").click()
        assert "Source:" in red.inner_text()
        look("history")

        page.goto(f"{base}/running/calendar/")
        page.get_by_role("button", name="Make my calendar link").click()
        page.locator("#feed-url").wait_for()
        look("calendar")

    assert look.problems == []


def clock_day(zone: Any) -> Any:
    """Today on the (travelled) server clock, in the athlete's zone."""
    return datetime.now(zone).date()


def test_linked_clinician_reads_the_plan_ladder_and_history(
    page: Any, live_server: Any, athlete: Any, clinician: Any
) -> None:
    from .conftest import pass_readiness

    since = datetime.now(athlete.tzinfo).date() - timedelta(days=10)
    place_in_phase(athlete, 3, since=since)
    pass_readiness(athlete, day=since)
    page.set_viewport_size({"width": 375, "height": 812})
    page.add_init_script(RECORD_CSP_VIOLATIONS)
    look = Checker(page)
    login_in_browser(page, live_server, clinician.email)
    base = f"{live_server.url}/running/athletes/{athlete.pk}"
    page.goto(f"{base}/")
    assert page.locator("[data-run-timer]").count() == 0  # read-only: no timer, no check-ins
    page.get_by_text("Why this plan? The rules and their sources").click()
    assert page.locator(".reasons code").count() >= 1  # rule ids, for clinicians
    look("clinician-plan")
    page.goto(f"{base}/ladder/")
    assert "Here now" in page.locator('[aria-current="step"]').inner_text()
    look("clinician-ladder")
    page.goto(f"{base}/history/")
    look("clinician-history")
    assert look.problems == []
