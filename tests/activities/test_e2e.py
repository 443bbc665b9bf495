"""Runs in headless Chromium: upload GPX and FIT, watch the import, read the run page.

Also axe-core on the activities pages, and screenshots at desktop and phone width in
/tmp/shots (or $SCREENSHOT_DIR) of the runs list, a run, upload results and the load chart.
"""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest

from tests.conftest import SHOTS, load_demo_people, login_in_browser, no_sideways_scroll, serious

from .files import PNG, gpx_run, make_zip

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_upload_a_gpx_and_a_fit_and_see_the_runs_with_splits_and_route(
    page, live_server, athlete, shared_data, run_tasks
):
    gpx = shared_data / "activities/gpx/goldencheetah__Move_2014_01_17_09_33_11.gpx"
    fit = shared_data / "activities/fit/fitparse__activity-small-fenix2-run.fit"
    login_in_browser(page, live_server, athlete.email)
    page.goto(f"{live_server.url}/activities/upload/")
    page.get_by_label("Activity files or an export archive").set_input_files([str(gpx), str(fit)])
    page.get_by_role("button", name="Upload and import").click()
    page.wait_for_url("**/activities/imports/**")
    assert page.get_by_text("Importing…").is_visible()

    assert run_tasks() == 2  # the real worker code, while the page polls
    page.get_by_text("Finished.").wait_for()
    rows = page.locator("ul.results > li")
    assert rows.count() == 2
    assert (
        rows.filter(has_text="fitparse__activity-small-fenix2-run.fit")
        .filter(has_text="Imported")
        .count()
        == 1
    )

    rows.filter(has_text="fenix2").get_by_role("link", name="Open the run").click()
    page.wait_for_url("**/activities/*/")
    assert page.get_by_role("heading", level=1).inner_text() == "Run"
    assert "9.01 km" in page.locator(".stat-grid").inner_text()
    splits = page.locator("table.splits tbody tr")
    assert splits.count() >= 9
    assert "/km" in splits.first.inner_text()
    polyline = page.locator("figure.route-figure svg polyline")
    assert polyline.count() == 1
    assert len(polyline.get_attribute("points").split()) > 20
    box = page.locator("figure.route-figure svg").bounding_box()
    assert box is not None and box["width"] > 100 and box["height"] > 50

    page.goto(f"{live_server.url}/activities/")
    assert page.locator(".activity-row").count() == 2


@pytest.fixture
def runner_site(live_server, settings, media_root):
    from backstride.activities.demo import load_demo
    from backstride.rehab.demo import load_demo as load_rehab

    settings.SITE_URL = live_server.url
    load_demo_people()
    load_rehab(StringIO())
    load_demo(StringIO())
    return live_server


def _mixed_upload(page, url: str, tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    archive.write_bytes(
        make_zip(
            [
                ("activities/old-run.gpx", gpx_run(km=4)),
                ("activities/old-run-again.gpx", gpx_run(km=4)),
                ("activities/../../escape.gpx", gpx_run(km=2)),
                ("activities/photo.fit", PNG),
            ]
        )
    )
    page.goto(f"{url}/activities/upload/")
    page.get_by_label("Activity files or an export archive").set_input_files([str(archive)])
    page.get_by_role("button", name="Upload and import").click()
    page.wait_for_url("**/activities/imports/**")


def test_activity_pages_pass_axe_and_look_right_at_desktop_and_phone(
    page, runner_site, run_tasks, tmp_path
):
    from axe_playwright_python.sync_playwright import Axe

    from backstride.activities.models import Activity

    url = runner_site.url
    login_in_browser(page, runner_site, "runner@example.com", "backstride-demo")
    _mixed_upload(page, url, tmp_path)
    run_tasks()
    page.get_by_text("Finished.").wait_for()
    batch_url = page.url
    gps_run = Activity.objects.filter(user__email="runner@example.com", has_gps=True).first()
    treadmill = Activity.objects.filter(title="Treadmill run").first()
    pages = {
        "runs": "/activities/",
        "run": f"/activities/{gps_run.pk}/",
        "treadmill": f"/activities/{treadmill.pk}/",
        "upload-results": batch_url.removeprefix(url),
        "load": "/activities/load/",
        "log": "/activities/log/",
        "dashboard": "/today/",
    }
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, path in pages.items():
        page.set_viewport_size({"width": 1280, "height": 900})
        response = page.goto(url + path)
        assert response.status == 200, name
        if name == "load":
            page.locator("#load-chart canvas").wait_for()
        assert serious(Axe().run(page)) == [], name
        page.emulate_media(color_scheme="dark")
        assert serious(Axe().run(page)) == [], f"{name} (dark)"
        page.emulate_media(color_scheme="light")
        page.screenshot(path=str(SHOTS / f"activities-{name}-1280.png"), full_page=True)
        page.set_viewport_size({"width": 375, "height": 812})
        page.goto(url + path)
        if name == "load":
            page.locator("#load-chart canvas").wait_for()
            width = page.locator("#load-chart canvas").bounding_box()["width"]
            assert width <= 375, width
        page.screenshot(path=str(SHOTS / f"activities-{name}-375.png"), full_page=True)
        assert no_sideways_scroll(page), f"{name} scrolls sideways at 375 px"
    page.emulate_media(color_scheme="dark")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(url + "/activities/load/")
    page.locator("#load-chart canvas").wait_for()
    page.screenshot(path=str(SHOTS / "activities-load-dark-1280.png"), full_page=True)
