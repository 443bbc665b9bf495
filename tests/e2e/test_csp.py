"""The key pages work in a real browser under the enforced Content-Security-Policy.

Every page is loaded with a listener for ``securitypolicyviolation`` installed before any
script runs; each page's own behaviour (timer, chart, htmx preview, API docs) is then used,
so a script or style the policy blocks shows up as a violation or as a feature that fails.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from tests.conftest import RECORD_CSP_VIOLATIONS, SHOTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def login_as(page: Any, live_server: Any, email: str) -> None:
    """Put a logged-in session cookie into the browser (demo passwords are refused here)."""
    from backstride.accounts.models import User

    client = Client()
    client.force_login(
        User.objects.get(email=email), backend="django.contrib.auth.backends.ModelBackend"
    )
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def visit(page: Any, url: str, problems: list[str]) -> None:
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    response = page.goto(url)
    assert response is not None and response.status == 200, f"{url}: {response and response.status}"
    assert response.headers.get("content-security-policy"), f"{url} has no CSP header"
    page.wait_for_load_state("networkidle")
    problems.extend(f"{url}: {v}" for v in page.evaluate("window.__csp"))
    problems.extend(f"{url}: console: {c}" for c in console if "Content Security Policy" in c)


@pytest.fixture
def demo(settings: Any, tmp_path: Any, live_server: Any) -> None:
    from backstride.accounts.models import User

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = live_server.url  # absolute links (podcast cover) on this origin
    call_command("demo", force=True, verbosity=0)
    # Demo accounts never authenticate with DEBUG off; here they stand for real people.
    User.objects.filter(is_demo=True).update(is_demo=False)


def test_key_pages_work_under_the_content_security_policy(
    page: Any, live_server: Any, demo: None
) -> None:
    from backstride.activities.models import Activity
    from backstride.publication.models import Article, Episode

    page.add_init_script(RECORD_CSP_VIOLATIONS)
    problems: list[str] = []
    base = live_server.url

    # Public pages.
    for path in ["/", "/articles/", "/podcast/", "/newsletter/", "/accounts/login/"]:
        visit(page, base + path, problems)
    article = Article.objects.live().first()
    visit(page, base + article.get_absolute_url(), problems)
    episode = Episode.objects.live().first()
    visit(page, base + episode.get_absolute_url(), problems)
    assert page.locator("audio").count() >= 1

    # The runner: today, the session timer, the load chart, a run's route.
    login_as(page, live_server, "runner@example.com")
    visit(page, f"{base}/today/", problems)
    visit(page, f"{base}/rehab/today/", problems)
    start = page.locator('[data-action="start"]').first
    if start.count():
        before = page.locator("[data-time]").first.inner_text()
        start.click()
        page.wait_for_timeout(1500)
        assert page.locator("[data-time]").first.inner_text() != before, "timer did not run"
    visit(page, f"{base}/activities/load/", problems)
    page.locator(".uplot canvas").first.wait_for()  # uPlot drew the chart
    run = Activity.objects.filter(user__email="runner@example.com").order_by("-pk").first()
    visit(page, f"{base}/activities/{run.pk}/", problems)

    # API docs: Swagger UI from our own static files renders the operations.
    visit(page, f"{base}/api/docs", problems)
    page.locator(".opblock").first.wait_for()

    # The editor: the htmx preview renders Markdown as you type.
    page.context.clear_cookies()
    login_as(page, live_server, "editor@example.com")
    visit(page, f"{base}/editor/articles/new/", problems)
    page.locator("#id_body").fill("## Hello from the preview")
    page.locator("#preview h2", has_text="Hello from the preview").wait_for()
    problems.extend(f"editor: {v}" for v in page.evaluate("window.__csp"))

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "csp-editor.png"))
    assert problems == []
