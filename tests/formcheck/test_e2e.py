"""In headless Chromium: upload a generated running video, watch the progress, read the report
with its figures, contact strip and hip chart. Screenshots at 1280 and 375 px go to /tmp/shots
(or $SCREENSHOT_DIR); axe-core checks each page."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from backstride.formcheck.models import FormCheck
from tests.conftest import login_in_browser, serious, shoot_at_two_widths

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def pictures_loaded(page) -> bool:
    """Every contact picture has arrived and decoded (evaluated without eval: strict CSP)."""
    return bool(
        page.evaluate(
            "() => [...document.querySelectorAll('.contact-strip img')]"
            ".every(i => i.complete && i.naturalWidth > 0)"
        )
    )


def shoot(page, name: str) -> None:
    shoot_at_two_widths(page, f"formcheck-{name}")


def test_upload_a_video_wait_for_the_report_and_see_figures_and_contacts(
    page, live_server, athlete, run_tasks, videos, wait_until
):
    video = videos.runner(seconds=8)
    login_in_browser(page, live_server, athlete.email)
    page.goto(f"{live_server.url}/activities/")
    page.get_by_role("link", name="Form check").click()
    page.get_by_role("link", name="Check my form").first.click()
    page.wait_for_url("**/form-check/new/")
    assert serious(Axe().run(page)) == []
    shoot(page, "upload")

    page.get_by_label("Your video").set_input_files(str(video))
    page.get_by_label("From the side").check()
    page.get_by_label("Your height in cm").fill("174")
    page.get_by_role("button", name="Upload and analyse").click()
    page.wait_for_url("**/form-check/*/")
    page.get_by_text("Waiting to be analysed").wait_for()

    # show a check half-way through, as a runner would see it while the worker runs
    check = FormCheck.objects.get(athlete=athlete)
    FormCheck.objects.filter(pk=check.pk).update(status="processing", progress=0.42)
    page.get_by_text("Analysing your video").wait_for()
    assert page.locator("progress").get_attribute("value") == "42"
    assert serious(Axe().run(page)) == []
    shoot(page, "progress")
    FormCheck.objects.filter(pk=check.pk).update(status="queued", progress=0.0)

    assert run_tasks() == 1  # the real worker, while the page polls
    page.get_by_role("heading", name="Your figures").wait_for(timeout=30_000)
    figures = page.locator(".metric-list")
    assert "Cadence" in figures.inner_text()
    assert "steps a minute" in figures.inner_text()
    strip = page.locator(".contact-strip img")
    assert strip.count() >= 2
    strip.last.scroll_into_view_if_needed()
    wait_until(lambda: pictures_loaded(page))
    assert page.locator(".contact-strip svg line").count() > 0
    points = page.locator("svg.hip-chart polyline").get_attribute("points")
    assert points is not None and len(points.split()) > 50
    assert page.locator("svg.hip-chart .contact-mark").count() >= 8
    assert serious(Axe().run(page)) == []
    shoot(page, "report")


def test_a_clinician_reads_the_report_read_only(page, live_server, athlete, clinician, wait_until):
    from .conftest import make_done_check

    check = make_done_check(athlete)
    login_in_browser(page, live_server, clinician.email)
    page.goto(f"{live_server.url}/form-check/athlete/{athlete.pk}/{check.pk}/")
    assert page.get_by_text("This view is read-only").is_visible()
    assert page.get_by_role("link", name="Delete this check").count() == 0
    wait_until(lambda: pictures_loaded(page))
    page.goto(f"{live_server.url}/form-check/athlete/{athlete.pk}/")
    assert page.get_by_role("link", name="Check of").count() == 1
    shoot(page, "clinician-list")
