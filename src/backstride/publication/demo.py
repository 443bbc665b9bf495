"""Demo content: ten articles and five podcast episodes written by the project (CC BY 4.0).

Idempotent: items are matched by slug and never overwritten, so an editor's changes to demo
content survive a second ``backstride demo``.
"""

from __future__ import annotations

import tomllib
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any, TextIO

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from backstride.accounts.models import User
from backstride.core.publication.audio import probe_audio

from . import publishing, services
from .models import Article, Episode, PodcastShow, Status, Tag

CONTENT = Path(__file__).resolve().parent / "demo_content"
EDITOR_EMAIL = "editor@example.com"


def read_item(path: Path) -> tuple[dict[str, Any], str]:
    """A Markdown file with TOML front matter between ``+++`` lines."""
    text = path.read_text(encoding="utf-8")
    _, front, body = text.split("+++", 2)
    return tomllib.loads(front), body.strip() + "\n"


def _published_at(meta: dict[str, Any], now: datetime) -> tuple[str, datetime]:
    if meta.get("scheduled"):
        return Status.SCHEDULED, services.default_publish_time(now)
    day = (now - timedelta(days=int(meta["days_ago"]))).astimezone(services.site_tz()).date()
    return Status.PUBLISHED, datetime.combine(day, time(7, 0), tzinfo=services.site_tz())


def vtt_from_script(script: str, duration: float) -> str:
    """A WebVTT transcript from the spoken script, cue times shared out by sentence length."""
    sentences = [" ".join(s.split()) for s in script.strip().splitlines() if s.strip()]
    total = sum(len(s) for s in sentences) or 1
    cues, start = ["WEBVTT", ""], 0.0
    for n, sentence in enumerate(sentences, start=1):
        end = min(duration, start + duration * len(sentence) / total)
        cues += [str(n), f"{_ts(start)} --> {_ts(end)}", sentence, ""]
        start = end
    return "\n".join(cues)


def _ts(seconds: float) -> str:
    ms = round(seconds * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


@transaction.atomic
def load_demo(stdout: TextIO) -> None:
    now = timezone.now()
    author = User.objects.filter(email=EDITOR_EMAIL).first()
    PodcastShow.get()
    created_articles = created_episodes = 0
    new_live: list[Article | Episode] = []
    for path in sorted((CONTENT / "articles").glob("*.md")):
        meta, body = read_item(path)
        if Article.objects.filter(slug=meta["slug"]).exists():
            continue
        status, when = _published_at(meta, now)
        article = Article.objects.create(
            title=meta["title"],
            slug=meta["slug"],
            summary=meta["summary"],
            body=body,
            status=status,
            published_at=when,
            author=author,
        )
        tags = []
        for name in meta.get("tags", []):
            tag, _ = Tag.objects.get_or_create(slug=slugify(name), defaults={"name": name})
            tags.append(tag)
        article.tags.set(tags)
        created_articles += 1
        if article.is_live(now):
            new_live.append(article)
        else:
            services.schedule_side_effects(article)

    for path in sorted((CONTENT / "episodes").glob("*.md")):
        meta, notes = read_item(path)
        if Episode.objects.filter(slug=meta["slug"]).exists():
            continue
        audio_path = CONTENT / "audio" / f"episode-{path.stem}.mp3"
        info = probe_audio(audio_path)
        with open(audio_path, "rb") as fh:
            stored = services.store_content_addressed(fh, "publication/audio", "mp3")
        status, when = _published_at(meta, now)
        chapters = meta.get("chapters")
        episode = Episode(
            title=meta["title"],
            slug=meta["slug"],
            summary=meta["summary"],
            show_notes=notes,
            number=meta.get("number"),
            season=meta.get("season"),
            episode_type=meta.get("episode_type", "full"),
            audio_size=stored.size,
            audio_sha256=stored.sha256,
            audio_mime=info.kind.mime,
            duration_seconds=info.duration,
            transcript=vtt_from_script(meta.get("transcript", ""), info.duration)
            if meta.get("transcript")
            else "",
            chapters={"version": "1.2.0", "chapters": chapters} if chapters else None,
            article=Article.objects.filter(slug=meta.get("article", "")).first(),
            status=status,
            published_at=when,
            author=author,
        )
        episode.audio.name = stored.name
        episode.save()
        created_episodes += 1
        if episode.is_live(now):
            new_live.append(episode)
        else:
            services.schedule_side_effects(episode)

    # Past demo items are history: mark their side effects done without announcing them
    # (no newsletter for episodes "published" weeks ago), then compute related articles.
    for item in new_live:
        type(item).objects.filter(pk=item.pk).update(
            side_effects_done_at=now, created_at=item.published_at, updated_at=item.published_at
        )
    if created_articles:
        publishing.recompute_related(now)
    stdout.write(
        f"Publication: {created_articles} articles and {created_episodes} episodes added "
        f"({Article.objects.count()} articles, {Episode.objects.count()} episodes in all).\n"
    )
