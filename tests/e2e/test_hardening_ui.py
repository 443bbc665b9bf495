"""The key pages at phone (375 px) and desktop (1280 px) widths in headless Chromium: nothing
scrolls sideways, the top menu stays on one line on a phone, the stop, result and session pages
use a wide screen sensibly, and screenshots land in SHOTS for a person to look at."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from backstride.core.protocol import default_protocol
from tests.conftest import RECORD_CSP_VIOLATIONS, SHOTS, login_in_browser
from tests.publication.conftest import make_article, make_episode
from tests.rehab.conftest import all_no, finish_assessment

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = (375, 1280, 320)  # a phone, a desktop, the narrowest phone
NARROW = (320, 375)


@pytest.fixture
def site(live_server: Any, settings: Any, tmp_path: Any) -> Any:
    settings.SITE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.REQUIRE_2FA_FOR_STAFF = False
    return live_server


@pytest.fixture
def article(site: Any) -> Any:
    return make_article(
        "Core stability without the myths",
        body="## What the plank trains\n\nPlank, side plank and bird dog train the trunk. "
        "A long link: https://example.org/a/really/long/path/that/does/not/break/anywhere/at/all\n",
    )


@pytest.fixture
def episode(site: Any, article: Any) -> Any:
    return make_episode(
        "Your first run back after a long episode of lower back pain",
        article=article,
        transcript="Welcome to the show.",
        chapters={"version": "1.2.0", "chapters": [{"startTime": 0, "title": "Welcome"}]},
    )


@pytest.fixture
def placed(site: Any, athlete: Any) -> Any:
    client = Client()
    client.force_login(athlete, backend="django.contrib.auth.backends.ModelBackend")
    finish_assessment(client)
    return athlete


@pytest.fixture
def stopped(site: Any, other_athlete: Any) -> Any:
    client = Client()
    client.force_login(other_athlete, backend="django.contrib.auth.backends.ModelBackend")
    flags = all_no() | {"ces_saddle_numbness": "yes", "neuro_progressive_weakness": "unsure"}
    finish_assessment(client, red_flags=flags)
    return other_athlete


def first_exercise_id() -> str:
    return next(iter(default_protocol().exercises))


def no_sideways_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def nav_lines(page: Any) -> int:
    """How many lines the main menu's items sit on."""
    tops = page.evaluate(
        "[...document.querySelectorAll('.main-nav li')]"
        ".map(li => Math.round(li.getBoundingClientRect().top))"
    )
    return len(set(tops))


def visit(page: Any, base: str, name: str, path: str) -> None:
    """Open ``path`` at each width, save a screenshot, check nothing scrolls sideways and
    nothing was blocked by the Content-Security-Policy."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.add_init_script(RECORD_CSP_VIOLATIONS)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        response = page.goto(base + path)
        assert response is not None and response.status == 200, (name, path)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(SHOTS / f"hardening-{name}-{width}.png"), full_page=True)
        assert no_sideways_scroll(page), f"{name} scrolls sideways at {width} px"
        assert page.evaluate("window.__csp") == [], f"{name}: blocked by the CSP"


def uses_a_wide_screen(page: Any, base: str, path: str, selector: str) -> None:
    """At 1280 px the page's content is centred and wider than a single phone-like column."""
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(base + path)
    box = page.evaluate(
        "sel => { const r = document.querySelector(sel).getBoundingClientRect();"
        " return {left: r.left, right: window.innerWidth - r.right, width: r.width}; }",
        selector,
    )
    assert abs(box["left"] - box["right"]) <= 2, f"{path} leans to one side: {box}"
    assert box["width"] >= 800, f"{path} leaves most of the screen empty: {box}"


def test_public_pages_fit_a_phone_and_a_desktop(page: Any, site: Any, article: Any) -> None:
    visit(page, site.url, "home", "/")
    visit(page, site.url, "article", article.get_absolute_url())


def test_athlete_pages_fit_and_the_menu_stays_on_one_line(
    page: Any, site: Any, placed: Any
) -> None:
    login_in_browser(page, site, placed.email)
    pages = {
        "today": "/today/",
        "result": "/rehab/assessment/result/",
        "session": "/rehab/today/",
        "exercise": f"/rehab/exercises/{first_exercise_id()}/",
    }
    for name, path in pages.items():
        visit(page, site.url, name, path)
    for width in NARROW:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(site.url + "/rehab/today/")
        assert nav_lines(page) == 1, f"the menu wraps at {width} px"
    uses_a_wide_screen(page, site.url, "/rehab/assessment/result/", ".result-page")
    uses_a_wide_screen(page, site.url, "/rehab/today/", ".today")
    # On a wide screen the session summary sits beside the exercises, not above them.
    head = page.locator(".session-head").bounding_box()
    first = page.locator(".exercise").first.bounding_box()
    assert head and first and head["x"] > first["x"] + first["width"]


def test_stop_page_fits_a_phone(page: Any, site: Any, stopped: Any) -> None:
    login_in_browser(page, site, stopped.email)
    visit(page, site.url, "stop", "/rehab/stop/")
    uses_a_wide_screen(page, site.url, "/rehab/stop/", ".stop-page")
    # The answers and "your program is paused" sit side by side on a wide screen.
    answers = page.get_by_role("heading", name="The answers that matter").bounding_box()
    paused = page.get_by_role("heading", name="Your program is paused").bounding_box()
    assert answers and paused and paused["x"] > answers["x"] + 300
    assert abs(paused["y"] - answers["y"]) < 5


def test_episode_editor_fits_a_phone(page: Any, site: Any, editor: Any, episode: Any) -> None:
    login_in_browser(page, site, editor.email)
    visit(page, site.url, "episode-editor", f"/editor/episodes/{episode.pk}/")
    for width, lines in ((375, 1), (320, 2)):  # six items: two rows of three at 320 px
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{site.url}/editor/episodes/{episode.pk}/")
        assert nav_lines(page) == lines, f"the editor's menu is untidy at {width} px"
        for field in ("#id_title", "#id_show_notes", "#id_article", "#id_audio"):
            box = page.locator(field).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (
                f"{field} is clipped at {width} px"
            )
