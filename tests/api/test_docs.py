"""/api/docs works without the internet and under the site's Content-Security-Policy: Swagger UI
comes from our own static files (django-ninja's, with "ninja" in INSTALLED_APPS), and its
start-up code is a static .js file, not an inline script."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import RECORD_CSP_VIOLATIONS

DOCS = "/api/docs"


@pytest.fixture
def ninja_installed(settings: Any) -> None:
    """The docs need "ninja" in INSTALLED_APPS (its templates and static files); without it
    django-ninja falls back to a page that loads Swagger UI from a CDN with an inline script.
    A bridge until settings.py lists "ninja": then this changes nothing."""
    if "ninja" not in settings.INSTALLED_APPS:
        settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "ninja"]


class Assets(HTMLParser):
    """Every URL a page loads (scripts, stylesheets, icons, images) and its inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts: list[str] = []
        self._in_script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script":
            if found.get("src"):
                self.urls.append(str(found["src"]))
            else:
                self._in_script = found
        elif tag == "link" and found.get("href"):
            self.urls.append(str(found["href"]))
        elif tag in {"img", "iframe", "source"} and found.get("src"):
            self.urls.append(str(found["src"]))
        handlers = [name for name, _ in attrs if name.startswith("on")]
        assert not handlers, f"<{tag}> has an inline event handler: {handlers}"

    def handle_data(self, data: str) -> None:
        if self._in_script is not None and self._in_script.get("type") != "application/json":
            self.inline_scripts.append(data.strip())

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = None


def assets_of(html: str) -> Assets:
    parser = Assets()
    parser.feed(html)
    return parser


@pytest.mark.django_db
def test_api_docs_load_only_same_origin_files_and_each_is_served(client, ninja_installed):
    response = client.get(DOCS)
    assert response.status_code == 200
    assets = assets_of(response.content.decode())
    assert any(url.endswith(".js") for url in assets.urls)
    assert any(url.endswith(".css") for url in assets.urls)
    for url in assets.urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, f"{url} is not on this site"
        assert url.startswith("/static/"), url
        served = client.get(url)
        assert served.status_code == 200, url
        assert b"".join(served.streaming_content) if served.streaming else served.content


@pytest.mark.django_db
def test_api_docs_have_no_inline_script(client, ninja_installed):
    assets = assets_of(client.get(DOCS).content.decode())
    assert [s for s in assets.inline_scripts if s] == []


# --- in a real browser, offline, under the site's Content-Security-Policy ------------------


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_api_docs_render_offline_under_the_csp(page, live_server, ninja_installed):
    outside: list[str] = []

    def only_this_site(route: Any) -> None:
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_site)
    page.add_init_script(RECORD_CSP_VIOLATIONS)
    response = page.goto(live_server.url + DOCS)
    assert response is not None and response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.locator(".opblock-summary-path", has_text="/api/me").first.wait_for()
    assert page.locator(".info .title").inner_text().startswith("Backstride API")
    assert page.evaluate("window.__csp") == []
    assert outside == []


def test_no_two_schemas_share_a_name():
    """OpenAPI keys schemas by class name: two ``WeekOut`` classes of different shapes would
    silently merge into one, and clients would be told the wrong shape for one of them."""
    import json

    from pydantic import BaseModel

    from backstride.api.api import api

    seen: dict[str, dict[str, str]] = {}
    visited: set[int] = set()

    def visit(model: object) -> None:
        if isinstance(model, type) and issubclass(model, BaseModel) and id(model) not in visited:
            visited.add(id(model))
            if model.__module__.startswith("backstride."):
                shape = json.dumps(model.model_json_schema(), sort_keys=True)
                where = f"{model.__module__}.{model.__qualname__}"
                seen.setdefault(model.__name__, {})[shape] = where
            for field in model.model_fields.values():
                for inner in _types_in(field.annotation):
                    visit(inner)

    for _, router in api._routers:
        for path_view in router.path_operations.values():
            for op in path_view.operations:
                for response in op.response_models.values():
                    for inner in _types_in(response):
                        visit(inner)
                for inner in op.models or []:
                    if "Query" not in inner.__name__:  # query models become plain parameters
                        visit(inner)
    clashes = {name: sorted(w.values()) for name, w in seen.items() if len(w) > 1}
    assert clashes == {}, f"rename one of each: {clashes}"


def _types_in(annotation: object) -> list[object]:
    from typing import get_args

    found = [annotation]
    for arg in get_args(annotation):
        found.extend(_types_in(arg))
    return found
