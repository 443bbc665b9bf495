"""Episode audio is served with byte ranges, byte-exact, and cached as immutable."""

from __future__ import annotations

import pytest

from .conftest import make_episode

pytestmark = pytest.mark.django_db


@pytest.fixture
def episode(mp3_bytes):
    return make_episode()


def get(client, episode, **headers):
    return client.get(episode.audio_url, headers=headers)


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_full_file_is_200_with_accept_ranges(client, episode, mp3_bytes):
    response = get(client, episode)
    assert response.status_code == 200
    assert body(response) == mp3_bytes
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "audio/mpeg"
    assert response["Content-Length"] == str(len(mp3_bytes))
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["ETag"] == f'"{episode.audio_sha256}"'


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 99),  # the first bytes
        ("bytes=1000-1999", 1000, 1999),  # the middle
        ("bytes=-500", None, None),  # the last 500 bytes
        ("bytes=5000-", 5000, None),  # open-ended
        ("bytes=0-0", 0, 0),
    ],
)
def test_ranges_return_exactly_the_asked_bytes(client, episode, mp3_bytes, header, start, end):
    size = len(mp3_bytes)
    if header == "bytes=-500":
        start, end = size - 500, size - 1
    if end is None:
        end = size - 1
    response = get(client, episode, Range=header)
    assert response.status_code == 206
    assert body(response) == mp3_bytes[start : end + 1]
    assert response["Content-Range"] == f"bytes {start}-{end}/{size}"
    assert response["Content-Length"] == str(end - start + 1)
    assert response["Content-Type"] == "audio/mpeg"
    assert response["Accept-Ranges"] == "bytes"


def test_unsatisfiable_range_is_416_with_the_size(client, episode, mp3_bytes):
    response = get(client, episode, Range=f"bytes={len(mp3_bytes)}-")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(mp3_bytes)}"


def test_multiple_ranges_are_served_as_the_whole_file(client, episode, mp3_bytes):
    response = get(client, episode, Range="bytes=0-9,20-29")
    assert response.status_code == 200
    assert body(response) == mp3_bytes


def test_head_gives_headers_without_a_body(client, episode, mp3_bytes):
    response = client.head(episode.audio_url, headers={"Range": "bytes=0-99"})
    assert response.status_code == 206
    assert response["Content-Length"] == "100"
    assert response["Content-Range"] == f"bytes 0-99/{len(mp3_bytes)}"
    assert body(response) == b""


def test_if_none_match_gives_304(client, episode):
    etag = get(client, episode)["ETag"]
    assert get(client, episode, **{"If-None-Match": etag}).status_code == 304


def test_stale_if_range_ignores_the_range(client, episode, mp3_bytes):
    response = get(client, episode, Range="bytes=0-9", **{"If-Range": '"something-else"'})
    assert response.status_code == 200
    assert body(response) == mp3_bytes
    response = get(client, episode, Range="bytes=0-9", **{"If-Range": response["ETag"]})
    assert response.status_code == 206


def test_draft_audio_is_not_public(client, client_for, editor):
    draft = make_episode(
        "Draft talk",
        status="draft",
        published_at=None,
        number=2,
        audio=b"ID3" + b"\0" * 7 + b"x" * 100,
    )
    assert client.get(draft.audio_url).status_code == 404
    assert client_for(editor).get(draft.audio_url).status_code == 200


def test_unknown_audio_is_404(client, episode):
    assert client.get("/podcast/audio/" + "0" * 32 + ".mp3").status_code == 404


def test_x_accel_redirect_hands_bytes_to_nginx(client, episode, settings):
    settings.PUBLICATION_X_ACCEL_REDIRECT = "/protected-media/"
    response = get(client, episode, Range="bytes=0-9")
    assert response["X-Accel-Redirect"] == f"/protected-media/{episode.audio.name}"
    assert response.content == b""
