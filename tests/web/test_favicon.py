"""/favicon.ico (asked for by browsers, feed readers and bookmarks without reading our pages)
answers with the site's icon instead of a 404."""

import pytest

YEAR = 365 * 24 * 3600


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "head"])
def test_favicon_ico_redirects_permanently_to_the_svg_icon_with_a_long_cache(client, method):
    response = getattr(client, method)("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/img/favicon.svg"
    cache = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"public", f"max-age={YEAR}"} <= cache


@pytest.mark.django_db
def test_the_favicon_is_served(client):
    response = client.get("/favicon.ico", follow=True)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body.startswith(b"<svg")
