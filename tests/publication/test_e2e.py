"""Key public pages in headless Chromium: axe-core finds no serious or critical problems, the
audio player plays a range-served file, and screenshots at desktop and phone widths."""

from __future__ import annotations

from io import StringIO

import pytest

from tests.conftest import SHOTS, load_demo_people, login_in_browser, serious

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PAGES = {
    "home": "/",
    "article": "/articles/core-stability-without-the-myths/",
    "articles": "/articles/",
    "podcast": "/podcast/",
    "episode": "/podcast/your-first-run-back/",
}


@pytest.fixture
def demo_site(live_server, settings):
    from backstride.publication.demo import load_demo

    settings.SITE_URL = live_server.url
    load_demo_people()
    load_demo(StringIO())
    return live_server


@pytest.mark.parametrize("name", list(PAGES))
def test_key_pages_have_no_serious_accessibility_violations(page, demo_site, name):
    from axe_playwright_python.sync_playwright import Axe

    response = page.goto(demo_site.url + PAGES[name])
    assert response.status == 200
    assert serious(Axe().run(page)) == []
    # Dark mode has its own colours; check contrast there too.
    page.emulate_media(color_scheme="dark")
    assert serious(Axe().run(page)) == []


def test_audio_player_loads_metadata_through_the_ranged_view(page, demo_site):
    page.goto(demo_site.url + PAGES["episode"])
    duration = page.wait_for_function(
        "() => { const a = document.querySelector('audio'); "
        "return a && a.readyState >= 1 && isFinite(a.duration) ? a.duration : null; }"
    ).json_value()
    assert 30 < duration < 45


def test_screenshots_at_desktop_and_phone_width(page, demo_site):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1280, 900), (375, 812)):
        page.set_viewport_size({"width": width, "height": height})
        for name, path in PAGES.items():
            page.goto(demo_site.url + path)
            page.screenshot(path=str(SHOTS / f"publication-{name}-{width}.png"), full_page=True)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth > document.documentElement.clientWidth"
            )
            assert not overflow, f"{name} scrolls sideways at {width}px"


def test_editor_live_preview_updates_as_you_type(page, demo_site):
    from axe_playwright_python.sync_playwright import Axe

    login_in_browser(page, demo_site, "editor@example.com", "backstride-demo")
    page.goto(demo_site.url + "/editor/articles/new/")
    page.get_by_label("Body").fill("## Walking first\n\nTen minutes, <script>alert(1)</script>")
    page.locator("#preview h2#walking-first").wait_for()
    assert "Removed for safety" in page.locator("#preview").inner_text()
    assert page.locator("#preview script").count() == 0
    assert serious(Axe().run(page)) == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "publication-editor-1280.png"), full_page=True)
