"""Editor pages: who may use them, and clear messages for every kind of bad input."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from backstride.publication.models import Article, Episode

from .conftest import make_article

pytestmark = pytest.mark.django_db

EDITOR_URLS = [
    "/editor/",
    "/editor/articles/new/",
    "/editor/episodes/new/",
]


def local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def article_data(**overrides):
    data = {
        "title": "Walking as medicine",
        "slug": "",
        "summary": "Why walking helps.",
        "body": "## Start small\n\nWalk for ten minutes.",
        "hero_alt": "",
        "tags_text": "walking, Phase 1, walking",
        "status": "published",
        "published_at": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("role", ["anonymous", "athlete", "clinician"])
@pytest.mark.parametrize("url", EDITOR_URLS)
def test_only_editors_reach_the_editor(role, url, request, client_for):
    user = None if role == "anonymous" else request.getfixturevalue(role)
    response = client_for(user).get(url)
    if user is None:
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ["editor", "admin_user"])
@pytest.mark.parametrize("url", EDITOR_URLS)
def test_editors_and_admins_reach_the_editor(role, url, request, client_for):
    response = client_for(request.getfixturevalue(role)).get(url)
    assert response.status_code == 200


def test_athlete_cannot_post_an_article(client_for, athlete):
    response = client_for(athlete).post("/editor/articles/new/", article_data())
    assert response.status_code == 403
    assert not Article.objects.exists()


def test_editor_creates_an_article_with_slug_and_tags(client_for, editor):
    response = client_for(editor).post("/editor/articles/new/", article_data())
    assert response.status_code == 302
    article = Article.objects.get()
    assert article.slug == "walking-as-medicine"
    assert sorted(t.name for t in article.tags.all()) == ["phase 1", "walking"]
    assert article.is_live()
    assert '<h2 id="start-small">' in article.body_html
    assert client_for(None).get("/articles/walking-as-medicine/").status_code == 200


def test_slug_clash_says_which_article_has_it(client_for, editor):
    make_article("Walking as medicine")
    response = client_for(editor).post("/editor/articles/new/", article_data())
    assert response.status_code == 400
    assert "already uses the address /articles/walking-as-medicine/" in response.content.decode()
    assert Article.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "what"),
    [
        ("Hi <script>alert(1)</script>", "&lt;script&gt; elements are not allowed"),
        ("[x](javascript:alert(1))", "javascript: links are not allowed"),
        ('<img src="x.png" onerror="alert(1)">', "onerror= are not allowed"),
    ],
)
def test_unsafe_markdown_is_refused_with_a_reason(client_for, editor, body, what):
    response = client_for(editor).post("/editor/articles/new/", article_data(body=body))
    assert response.status_code == 400
    assert what in response.content.decode()
    assert not Article.objects.exists()


def test_unsafe_markdown_saved_another_way_is_still_sanitised(client):
    article = make_article(
        body='<script>alert(1)</script>[x](javascript:alert(2)) <b onclick="x()">b</b>'
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert "alert(1)" not in html and "javascript:alert" not in html and "onclick" not in html


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "Walking\x0b as medicine"),
        ("summary", "Why walking\x1f helps."),
        ("body", "## Start small\n\nWalk\x08 for ten minutes."),
        ("tags_text", "walking, \x1bphase 1"),
        ("slug", "walking\x7f-as-medicine"),
    ],
)
def test_a_control_character_in_any_article_field_is_refused(client_for, editor, field, value):
    response = client_for(editor).post("/editor/articles/new/", article_data(**{field: value}))
    assert response.status_code == 400
    assert "an invisible control character, usually pasted in from another program" in (
        response.content.decode()
    )
    assert not Article.objects.exists()


def test_the_control_character_message_says_which_and_where(client_for, editor):
    data = article_data(summary="Why walking\x1f helps.")
    text = client_for(editor).post("/editor/articles/new/", data).content.decode()
    assert "This contains a unit separator (U+001F) at character 12" in text


def test_tabs_and_line_breaks_are_fine_in_markdown_but_not_in_a_title(client_for, editor):
    client = client_for(editor)
    body = "## Start small\r\n\r\n\tWalk for ten minutes.\r\n"
    assert client.post("/editor/articles/new/", article_data(body=body)).status_code == 302
    response = client.post(
        "/editor/articles/new/", article_data(title="Walking\tfar", slug="walking-far")
    )
    assert response.status_code == 400
    assert "This is a one-line field, so it cannot contain a tab (U+0009)" in (
        response.content.decode()
    )


def png_upload() -> SimpleUploadedFile:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(buf, "PNG")
    return SimpleUploadedFile("hero.png", buf.getvalue(), content_type="image/png")


@pytest.fixture
def failing_save_client(client_for, editor, monkeypatch):
    """An editor's client whose saves fail after any upload is stored (a 500, not raised)."""
    from backstride.publication import services

    def boom(item):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "schedule_side_effects", boom)
    client = client_for(editor)
    client.raise_request_exception = False
    return client


def test_hero_image_needs_alt_text(client_for, editor, tmp_path):
    image = png_upload()
    client = client_for(editor)
    response = client.post("/editor/articles/new/", {**article_data(), "hero_image": image})
    assert response.status_code == 400
    assert "alt text is required" in response.content.decode()
    assert not Article.objects.exists()

    image.seek(0)
    data = {**article_data(hero_alt="A person walking on a beach"), "hero_image": image}
    assert client.post("/editor/articles/new/", data).status_code == 302
    article = Article.objects.get()
    assert article.hero_image.name.startswith("publication/images/")
    page = client_for(None).get(article.get_absolute_url()).content.decode()
    assert 'alt="A person walking on a beach"' in page
    image_url = page.split('<figure class="pub-hero"><img src="')[1].split('"')[0]
    assert client_for(None).get(image_url).status_code == 200


def test_scheduling_in_the_past_is_refused(client_for, editor):
    past = local(timezone.now() - timedelta(hours=1))
    response = client_for(editor).post(
        "/editor/articles/new/", article_data(status="scheduled", published_at=past)
    )
    assert response.status_code == 400
    assert "This time has already passed" in response.content.decode()


def test_scheduled_without_a_time_defaults_to_next_sunday_seven(client_for, editor, settings):
    client_for(editor).post("/editor/articles/new/", article_data(status="scheduled"))
    article = Article.objects.get()
    when = timezone.localtime(
        article.published_at, timezone=__import__("zoneinfo").ZoneInfo(settings.TIME_ZONE)
    )
    assert (when.weekday(), when.hour, when.minute) == (6, 7, 0)
    assert not article.is_live()


def test_preview_renders_sanitised_markdown_for_htmx(client_for, editor, athlete):
    response = client_for(editor).post(
        "/editor/preview/", {"body": "## Hi\n\n<script>x()</script>"}
    )
    html = response.content.decode()
    assert '<h2 id="hi">Hi</h2>' in html
    assert "<script>" not in html
    assert "Removed for safety" in html
    assert client_for(athlete).post("/editor/preview/", {"body": "x"}).status_code == 403


# --- episodes -------------------------------------------------------------------------


def episode_data(audio, **overrides):
    data = {
        "title": "Your first run back",
        "slug": "",
        "summary": "From readiness checks to running.",
        "show_notes": "- Readiness\n- The ladder",
        "number": "4",
        "season": "1",
        "episode_type": "full",
        "transcript": "",
        "chapters_text": "",
        "status": "published",
        "published_at": "",
        "audio": audio,
    }
    data.update(overrides)
    return data


def media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_editor_uploads_an_episode_and_its_length_is_read(client_for, editor, mp3_bytes, settings):
    audio = SimpleUploadedFile("talk.mp3", mp3_bytes, content_type="audio/mpeg")
    response = client_for(editor).post("/editor/episodes/new/", episode_data(audio))
    assert response.status_code == 302, response.content.decode()[:3000]
    episode = Episode.objects.get()
    assert 30 < episode.duration_seconds < 45
    assert episode.audio_size == len(mp3_bytes)
    assert episode.audio_mime == "audio/mpeg"
    assert episode.audio.name == f"publication/audio/{episode.audio_sha256[:32]}.mp3"
    assert client_for(None).get(episode.audio_url).status_code == 200


def test_a_file_that_is_not_audio_is_refused_and_leaves_no_file(client_for, editor, settings):
    fake = SimpleUploadedFile(
        "talk.mp3", b"<html>not audio</html>" * 100, content_type="audio/mpeg"
    )
    response = client_for(editor).post("/editor/episodes/new/", episode_data(fake))
    assert response.status_code == 400
    assert "This file is not MP3 or M4A audio" in response.content.decode()
    assert not Episode.objects.exists()
    assert media_files(settings) == []


def test_a_png_renamed_to_mp3_is_refused(client_for, editor, settings):
    png = SimpleUploadedFile(
        "talk.mp3", b"\x89PNG\r\n\x1a\n" + b"\0" * 500, content_type="audio/mpeg"
    )
    response = client_for(editor).post("/editor/episodes/new/", episode_data(png))
    assert "not MP3 or M4A audio" in response.content.decode()


def test_an_oversized_upload_is_refused_with_the_limit(client_for, editor, mp3_bytes, settings):
    settings.PUBLICATION_MAX_AUDIO_BYTES = 10_000
    audio = SimpleUploadedFile("talk.mp3", mp3_bytes, content_type="audio/mpeg")
    response = client_for(editor).post("/editor/episodes/new/", episode_data(audio))
    assert response.status_code == 400
    text = response.content.decode()
    assert "the largest audio file accepted is 9.8\xa0KB" in text
    assert media_files(settings) == []


def test_a_failed_save_removes_the_stored_audio(failing_save_client, mp3_bytes, settings):
    audio = SimpleUploadedFile("talk.mp3", mp3_bytes, content_type="audio/mpeg")
    response = failing_save_client.post("/editor/episodes/new/", episode_data(audio))
    assert response.status_code == 500
    assert not Episode.objects.exists()
    assert media_files(settings) == []


def test_a_failed_save_removes_the_stored_hero_image(failing_save_client, settings):
    data = {**article_data(hero_alt="A person walking on a beach"), "hero_image": png_upload()}
    response = failing_save_client.post("/editor/articles/new/", data)
    assert response.status_code == 500
    assert not Article.objects.exists()
    assert media_files(settings) == []


def test_bad_chapters_json_is_explained(client_for, editor, mp3_bytes):
    audio = SimpleUploadedFile("talk.mp3", mp3_bytes, content_type="audio/mpeg")
    data = episode_data(audio, chapters_text='{"version": "1.2.0", "chapters": [{"title": "x"}]}')
    response = client_for(editor).post("/editor/episodes/new/", data)
    assert response.status_code == 400
    assert "startTime" in response.content.decode()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "Your first\x0b run back"),
        ("summary", "From readiness\x1f checks."),
        ("show_notes", "- Readiness\x0c checks"),
        ("transcript", "Hello\x00 there"),
        ("chapters_text", '{"version": "1.2.0", "chapters": [{"startTime": 0, "title": "\x01"}]}'),
    ],
)
def test_a_control_character_in_any_episode_field_is_refused(
    client_for, editor, mp3_bytes, field, value
):
    audio = SimpleUploadedFile("talk.mp3", mp3_bytes, content_type="audio/mpeg")
    data = episode_data(audio, **{field: value})
    response = client_for(editor).post("/editor/episodes/new/", data)
    assert response.status_code == 400
    assert "an invisible control character, usually pasted in from another program" in (
        response.content.decode()
    )
    assert not Episode.objects.exists()


def test_episode_number_clash_is_explained(client_for, editor, mp3_bytes):
    from .conftest import make_episode

    make_episode("Older", number=4)
    audio = SimpleUploadedFile("talk.mp3", mp3_bytes, content_type="audio/mpeg")
    response = client_for(editor).post("/editor/episodes/new/", episode_data(audio))
    assert "Season 1 already has an episode 4" in response.content.decode()


def test_scheduling_an_episode_schedules_its_article_too(client_for, editor, mp3_bytes):
    article = make_article("Returning to running", status="draft", published_at=None)
    when = timezone.now() + timedelta(days=2)
    audio = SimpleUploadedFile("talk.mp3", mp3_bytes, content_type="audio/mpeg")
    data = episode_data(
        audio, status="scheduled", published_at=local(when), article=str(article.pk),
        publish_article_too="on",
    )  # fmt: skip
    assert client_for(editor).post("/editor/episodes/new/", data).status_code == 302
    article.refresh_from_db()
    episode = Episode.objects.get()
    assert article.status == "scheduled"
    assert article.published_at == episode.published_at


def test_editing_an_episode_keeps_audio_when_none_is_uploaded(client_for, editor):
    from .conftest import make_episode

    episode = make_episode()
    data = episode_data("", title="Renamed", slug=episode.slug, number="1")
    data.pop("audio")
    response = client_for(editor).post(f"/editor/episodes/{episode.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    episode.refresh_from_db()
    assert episode.title == "Renamed"
    assert episode.audio_size > 0
