"""End-to-end in headless Chromium: a new athlete completes the assessment, is placed in
Phase 1, does today's session with the timer and checks in; another answers a cauda-equina
question and gets the emergency stop page, which going back cannot bypass. Also axe-core on
the key pages, and screenshots at 1280 and 375 px into /tmp/shots (or $SCREENSHOT_DIR)."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest

from backstride.core.protocol import default_protocol
from tests.conftest import SHOTS, load_demo_people, login_in_browser, pick, serious

from .conftest import answer_checkin_page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ANSWERS = {
    "How long have you had this episode of back pain?": "6 to 12 weeks",
    "Have you had back pain like this before?": "Yes, it has happened before",
    "Did this back pain start after a fall or a knock, even a small one?": "No",
    "Have you ever had an operation on your back?": "No",
    "Have you seen a physiotherapist or doctor about this episode?": "No",
    "Are you pregnant?": "No",
}


def group(page: Any, name: str) -> Any:
    return page.get_by_role("group", name=name)


def continue_(page: Any) -> None:
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_load_state()


def shoot(page: Any, name: str, url: str | None = None) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1280, 900), (375, 812)):
        page.set_viewport_size({"width": width, "height": height})
        if url:
            page.goto(url)
        page.screenshot(path=str(SHOTS / f"rehab-{name}-{width}.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
        assert overflow is False, f"{name} overflows at {width}px"
    page.set_viewport_size({"width": 1280, "height": 900})


def answer_wizard_up_to_red_flags(page: Any, base: str, shots: bool = False) -> None:
    page.goto(f"{base}/rehab/")
    page.get_by_role("heading", name="Before we start").wait_for()
    page.get_by_label("I understand that Backstride gives education").check()
    page.get_by_label("I agree that Backstride may store").check()
    page.get_by_role("button", name="Agree and continue").click()
    page.get_by_role("heading", name="Your back pain so far").wait_for()
    page.get_by_label("How old are you?").fill("40")
    for question, answer in ANSWERS.items():
        pick(page, question, answer)
    continue_(page)
    page.get_by_role("heading", name="Your pain").wait_for()
    pick(page, "Your back or leg pain right now", "5")
    pick(page, "Your average pain over the last 7 days", "4")
    if shots:
        shoot(page, "wizard-pain")
    pick(page, "Your worst pain in the last 7 days", "7")
    continue_(page)
    page.get_by_role("heading", name="Leg symptoms").wait_for()
    page.get_by_text("Pain that goes below the knee").click()
    continue_(page)
    page.get_by_text("Sitting", exact=True).first.click()
    group(page, "What makes it better? Tick all that apply.").get_by_text(
        "Walking", exact=True
    ).click()
    continue_(page)
    pick(page, "When did you last run?", "1 to 3 months ago")
    page.get_by_label("How many years have you been running?").fill("4")
    page.get_by_label("Before the back pain, how many kilometres").fill("20")
    continue_(page)
    page.get_by_role("heading", name="Walking and fitness tests").wait_for()
    page.get_by_label("How many minutes can you walk briskly").fill("15")
    continue_(page)
    pick(page, "What's your running goal?", "Run 10 km")
    continue_(page)
    page.get_by_role("heading", name="Safety questions").wait_for()


def answer_all_no(page: Any) -> None:
    for fieldset in page.locator("fieldset.question").all():
        fieldset.get_by_text("No", exact=True).click()


def test_new_athlete_assessment_to_phase_1_session_and_check_in(
    page: Any, live_server: Any, athlete: Any
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    base = live_server.url
    login_in_browser(page, live_server, athlete.email)
    answer_wizard_up_to_red_flags(page, base, shots=True)
    # skipping a safety question is not possible
    page.get_by_role("button", name="Finish").click()
    page.get_by_text("We can't skip safety questions.").first.wait_for()
    assert serious(Axe().run(page)) == []
    answer_all_no(page)
    shoot(page, "wizard-red-flags")
    page.get_by_role("button", name="Finish").click()
    page.get_by_role("heading", name="You're starting in Phase 1: Settle").wait_for()
    page.get_by_text("Why this phase?").click()
    page.get_by_text("Your pain right now is 3/10 or less").first.wait_for()

    # baseline outcome scores
    page.get_by_role("link", name="Record my starting scores").click()
    pick(page, "Your average back or leg pain over the last 7 days", "5")
    page.get_by_label("Activity 1").fill("Sitting through a meeting")
    pick(page, "How well can you do activity 1 today?", "3")
    page.get_by_role("button", name="Save scores").click()
    page.get_by_role("heading", name="Pain and function scores").wait_for()

    # today's session with a working timer
    page.goto(f"{base}/rehab/today/")
    page.get_by_role("heading", name="Today's session").wait_for()
    assert serious(Axe().run(page)) == []
    tilt = page.locator("#ex-pelvic_tilt")
    tilt.get_by_role("button", name="Start hold timer").click()
    label = tilt.locator("[data-label]")
    assert "Set 1 of 2" in label.inner_text() and "hold" in label.inner_text()
    first = tilt.locator("[data-time]").inner_text()
    page.wait_for_timeout(1300)
    assert tilt.locator("[data-time]").inner_text() != first  # counting down, no reload
    tilt.get_by_role("button", name="Pause").click()
    paused = tilt.locator("[data-time]").inner_text()
    page.wait_for_timeout(1200)
    assert tilt.locator("[data-time]").inner_text() == paused
    shoot(page, "today-session")
    for box in page.locator(".done-check input").all()[:4]:
        box.check()
    page.get_by_role("button", name="I've finished today's session").click()

    # post-session check-in
    page.get_by_role("heading", name="How did it go?").wait_for()
    answer_checkin_page(page, before="2", during="3", after="3", stiffness="4", effort="5")
    shoot(page, "checkin")
    page.get_by_role("button", name="Save check-in").click()
    # the answer comes on the spot: colour (word and icon), meaning, next step, safety net
    page.get_by_role("heading", name="Check-in saved").wait_for()
    page.get_by_text("Green", exact=True).wait_for()
    page.get_by_text("If you get worse:").wait_for()
    assert serious(Axe().run(page)) == []
    shoot(page, "checkin-result")
    page.get_by_role("link", name="Back to today").click()
    page.get_by_role("heading", name="Done for today").wait_for()

    from backstride.rehab.models import CheckIn, SessionLog

    log = SessionLog.objects.get(user=athlete)
    assert len(log.exercises_done) == 4
    assert CheckIn.objects.get(user=athlete).pain_now == 3

    # the dashboard card says what to do today
    page.goto(f"{base}/today/")
    page.get_by_role("heading", name="Today's session is done").wait_for()


def test_cauda_equina_answer_gets_the_emergency_stop_page(
    page: Any, live_server: Any, other_athlete: Any
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    base = live_server.url
    login_in_browser(page, live_server, other_athlete.email)
    answer_wizard_up_to_red_flags(page, base)
    answer_all_no(page)
    saddle = default_protocol().red_flag("ces_saddle_numbness").question
    group(page, saddle).get_by_text("Yes", exact=True).click()
    page.get_by_role("button", name="Finish").click()
    page.get_by_role("heading", name="Get emergency help now").wait_for()
    assert page.get_by_text("Emergency", exact=False).first.is_visible()
    page.get_by_text("Numbness in the saddle area is one of the main warning signs").wait_for()
    assert serious(Axe().run(page)) == []
    page.emulate_media(color_scheme="dark")
    assert serious(Axe().run(page)) == []
    page.emulate_media(color_scheme="light")
    shoot(page, "stop")
    # going back and answering differently does not bypass it
    page.go_back()
    page.wait_for_load_state()
    if page.locator("fieldset.question").count():
        answer_all_no(page)
    if page.get_by_role("button", name="Finish").count():
        page.get_by_role("button", name="Finish").click()
    page.get_by_role("heading", name="Get emergency help now").wait_for()
    page.goto(f"{base}/rehab/today/")
    page.get_by_role("heading", name="Get emergency help now").wait_for()


def test_screenshots_of_outcome_chart_and_runner_pages(page: Any, live_server: Any) -> None:
    from axe_playwright_python.sync_playwright import Axe

    from backstride.rehab.demo import load_demo

    load_demo_people()
    load_demo(StringIO())
    base = live_server.url
    login_in_browser(page, live_server, "runner@example.com", "backstride-demo")
    for name, path in (
        ("outcomes", "/rehab/outcomes/"),
        ("progress", "/rehab/progress/"),
        ("runner-today", "/rehab/today/"),
        ("dashboard", "/today/"),
    ):
        response = page.goto(base + path)
        assert response.status == 200, name
        assert serious(Axe().run(page)) == [], name
        shoot(page, name, base + path)
    page.goto(base + "/rehab/outcomes/")
    assert page.locator("svg.chart-svg line.mcid").count() == 2
    assert page.locator("table.data").count() == 2

    # the linked clinician's read-only view of the runner
    from backstride.accounts.models import User

    runner = User.objects.get(email="runner@example.com")
    page.context.clear_cookies()
    login_in_browser(page, live_server, "clinician@example.com", "backstride-demo")
    url = f"{base}/rehab/athlete/{runner.pk}/"
    assert page.goto(url).status == 200
    page.get_by_role("heading", name="Riley Runner: rehab").wait_for()
    assert serious(Axe().run(page)) == []
    shoot(page, "clinician-view", url)
