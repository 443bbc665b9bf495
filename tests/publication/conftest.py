"""Builders for publication tests: articles, episodes with real MP3 audio, a private media root."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

DEMO_AUDIO = (
    Path(__file__).resolve().parents[2]
    / "src/backstride/publication/demo_content/audio/episode-01.mp3"
)


@pytest.fixture(autouse=True)
def _media_and_cache(settings: Any, tmp_path: Path) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = "https://backstride.example"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def mp3_bytes() -> bytes:
    return DEMO_AUDIO.read_bytes()


def make_article(
    title: str = "Core stability without the myths",
    *,
    slug: str | None = None,
    body: str = "Plank, side plank and bird dog train the trunk.",
    summary: str = "What core exercises do for a sore back.",
    tags: tuple[str, ...] = (),
    status: str = "published",
    published_at: Any = "past",
    author: Any = None,
) -> Any:
    from django.utils.text import slugify

    from backstride.publication.models import Article, Tag

    if published_at == "past":
        published_at = timezone.now() - timedelta(days=1)
    article = Article.objects.create(
        title=title,
        slug=slug or slugify(title),
        summary=summary,
        body=body,
        status=status,
        published_at=published_at,
        author=author,
    )
    article.tags.set(
        [Tag.objects.get_or_create(slug=slugify(t), defaults={"name": t})[0] for t in tags]
    )
    return article


def make_episode(
    title: str = "Your first run back",
    *,
    slug: str | None = None,
    number: int | None = 1,
    status: str = "published",
    published_at: Any = "past",
    article: Any = None,
    audio: bytes | None = None,
    transcript: str = "",
    chapters: Any = None,
) -> Any:
    from django.utils.text import slugify

    from backstride.core.publication.audio import probe_audio
    from backstride.publication import services
    from backstride.publication.models import Episode

    if published_at == "past":
        published_at = timezone.now() - timedelta(days=1)
    import io

    data = audio if audio is not None else DEMO_AUDIO.read_bytes()
    stored = services.store_content_addressed(io.BytesIO(data), "publication/audio", "mp3")
    info = probe_audio(DEMO_AUDIO) if audio is None else None
    episode = Episode(
        title=title,
        slug=slug or slugify(title),
        summary=f"About {title.lower()}.",
        show_notes=f"Show notes for **{title}**.",
        number=number,
        season=1,
        status=status,
        published_at=published_at,
        article=article,
        audio_size=stored.size,
        audio_sha256=stored.sha256,
        audio_mime="audio/mpeg",
        duration_seconds=info.duration if info else 60.0,
        transcript=transcript,
        chapters=chapters,
    )
    episode.audio.name = stored.name
    episode.save()
    return episode
