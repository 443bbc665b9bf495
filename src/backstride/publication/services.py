"""Publication services: the one place views, tasks, commands and other apps call."""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from backstride.core.publication.audio import AudioInfo, probe_audio
from backstride.core.publication.related import Doc, related_for_all

from .models import Article, Episode, PodcastShow, RelatedArticle, Status
from .signals import episode_published

log = logging.getLogger("backstride.publication")

RELATED_TOP_K = 10
RELATED_SHOWN = 5
RELATED_MIN = 3

#: Largest audio upload accepted (bytes); ``PUBLICATION_MAX_AUDIO_BYTES`` overrides it.
DEFAULT_MAX_AUDIO_BYTES = 200 * 1024 * 1024
DEFAULT_MAX_IMAGE_BYTES = 8 * 1024 * 1024


def max_audio_bytes() -> int:
    return int(getattr(settings, "PUBLICATION_MAX_AUDIO_BYTES", DEFAULT_MAX_AUDIO_BYTES))


def max_image_bytes() -> int:
    return int(getattr(settings, "PUBLICATION_MAX_IMAGE_BYTES", DEFAULT_MAX_IMAGE_BYTES))


# --- time -------------------------------------------------------------------------------


def site_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def default_publish_time(now: datetime | None = None) -> datetime:
    """Next Sunday 07:00 in the site's time zone (``PUBLICATION_PUBLISH_WEEKDAY`` / ``_HOUR``)."""
    from backstride.core.publication.podcast import next_weekday_at

    moment = (now or timezone.now()).astimezone(site_tz())
    return next_weekday_at(
        moment,
        weekday=int(getattr(settings, "PUBLICATION_PUBLISH_WEEKDAY", 6)),
        hour=int(getattr(settings, "PUBLICATION_PUBLISH_HOUR", 7)),
    )


# --- homepage -----------------------------------------------------------------------------


def cover_url(show: PodcastShow | None = None) -> str:
    """Absolute URL of the podcast cover: the uploaded image, or the built-in 1400 px PNG."""
    from django.templatetags.static import static
    from django.urls import reverse

    show = show or PodcastShow.get()
    if show.image:
        name = str(show.image.name).rsplit("/", 1)[-1]
        return settings.SITE_URL + reverse("publication:media", args=[name])
    return settings.SITE_URL + static("publication/podcast-cover.png")


def homepage_context(article_count: int = 3) -> dict[str, Any]:
    """What the homepage shows from the publication: the latest live episode and articles.

    Keys: ``latest_episode`` (Episode or None), ``latest_articles`` (list of Article),
    ``podcast_show`` (PodcastShow), ``podcast_cover_url`` (str).
    """
    show = PodcastShow.get()
    episode = Episode.objects.live().select_related("article").first()
    articles = list(
        Article.objects.live().select_related("author").prefetch_related("tags")[:article_count]
    )
    return {
        "latest_episode": episode,
        "latest_articles": articles,
        "podcast_show": show,
        "podcast_cover_url": cover_url(show),
    }


# --- related articles ------------------------------------------------------------------


def related_articles(article: Article, limit: int = RELATED_SHOWN) -> list[Article]:
    """Editor pins first, then the precomputed similar articles; only live ones, never itself."""
    live = Article.objects.live().exclude(pk=article.pk)
    pinned = list(live.filter(pk__in=article.pinned_related.values("pk")).order_by("-published_at"))
    chosen = {a.pk for a in pinned}
    result = pinned[:limit]
    if len(result) < limit:
        scored = (
            RelatedArticle.objects.filter(article=article, related__in=live)
            .exclude(related_id__in=chosen)
            .select_related("related")
            .order_by("rank")[: limit - len(result)]
        )
        result += [row.related for row in scored]
    return result


def _article_docs(articles: list[Article]) -> list[Doc]:
    return [
        Doc(
            id=a.pk,
            title=a.title,
            summary=a.summary,
            body=a.body,
            tags=frozenset(t.name.lower() for t in a.tags.all()),
        )
        for a in articles
    ]


def related_backend_name() -> str:
    return str(getattr(settings, "RELATED_BACKEND", os.environ.get("RELATED_BACKEND", "tfidf")))


def recompute_related(now: datetime | None = None) -> int:
    """Recompute the top-k table for every article (drafts included, filtered at read time)."""
    articles = list(Article.objects.prefetch_related("tags").order_by("pk"))
    docs = _article_docs(articles)
    vectors = None
    backend = "tfidf"
    if related_backend_name() == "semantic":
        from . import semantic

        vectors = semantic.vectors(docs)
        if vectors is not None:
            backend = "semantic"
    ranked = related_for_all(docs, k=RELATED_TOP_K, vectors=vectors)
    moment = now or timezone.now()
    rows = [
        RelatedArticle(
            article_id=int(str(doc_id)),
            related_id=int(str(other_id)),
            score=score,
            rank=rank,
            backend=backend,
            computed_at=moment,
        )
        for doc_id, items in ranked.items()
        for rank, (other_id, score) in enumerate(items, start=1)
    ]
    with transaction.atomic():
        RelatedArticle.objects.all().delete()
        RelatedArticle.objects.bulk_create(rows)
    return len(rows)


# --- going live: side effects, exactly once -----------------------------------------------


@dataclass
class PublishReport:
    articles: list[Article]
    episodes: list[Episode]

    def __bool__(self) -> bool:
        return bool(self.articles or self.episodes)


def _claim(model: type[Article] | type[Episode], pk: int, now: datetime) -> bool:
    """Claim the side effects of one item with a conditional UPDATE: of several workers
    racing, exactly one sees ``1`` here."""
    claimed = model.objects.due_side_effects(now).filter(pk=pk).update(side_effects_done_at=now)
    return claimed == 1


def run_due_side_effects(now: datetime | None = None) -> PublishReport:
    """Run the side effects of every item that has gone live and not had them yet.

    Each item is claimed in its own transaction; the effects (related articles, the
    ``episode_published`` signal) run inside it, so an error rolls back the claim and the
    next run retries. Idempotent: a second call finds nothing to do.
    """
    moment = now or timezone.now()
    report = PublishReport([], [])
    article_ids = list(Article.objects.due_side_effects(moment).values_list("pk", flat=True))
    episode_ids = list(
        Episode.objects.due_side_effects(moment)
        .order_by("published_at")
        .values_list("pk", flat=True)
    )
    if article_ids:
        with transaction.atomic():
            claimed = [pk for pk in article_ids if _claim(Article, pk, moment)]
            if claimed:
                recompute_related(moment)
                report.articles = list(Article.objects.filter(pk__in=claimed))
    for pk in episode_ids:
        with transaction.atomic():
            if not _claim(Episode, pk, moment):
                continue
            episode = Episode.objects.select_related("article").get(pk=pk)
            episode_published.send(sender=Episode, episode=episode)
            report.episodes.append(episode)
    for item in [*report.articles, *report.episodes]:
        log.info("published %s %s", type(item).__name__.lower(), item.slug)
    return report


def schedule_side_effects(item: Article | Episode) -> None:
    """Queue the side-effects task for ``item``'s publish time (now, if it is already live).

    Called after every save by the editor pages. A task for an outdated time does nothing
    when it runs (the claim finds nothing due), so rescheduling needs no cancelling.
    """
    from .tasks import publish_due

    if item.status == Status.DRAFT or item.published_at is None:
        return
    backend = publish_due.get_backend()
    if item.published_at > timezone.now():
        if not backend.supports_defer:
            return  # `backstride publish` (cron) or the next save picks it up
        task = publish_due.using(run_after=item.published_at)
    else:
        task = publish_due
    if backend.__class__.__name__ == "DatabaseBackend":
        task.enqueue()
    else:
        transaction.on_commit(task.enqueue)


def content_changed(article: Article) -> None:
    """An article was created or edited: refresh the related-articles table in the background."""
    from .tasks import recompute_related_articles

    if recompute_related_articles.get_backend().__class__.__name__ == "DatabaseBackend":
        recompute_related_articles.enqueue()
    else:
        transaction.on_commit(recompute_related_articles.enqueue)


# --- uploads ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredFile:
    name: str  # storage name
    size: int
    sha256: str
    created: bool  # False when an identical file was already stored


def _hash_file(fh: Any) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    fh.seek(0)
    for chunk in iter(lambda: fh.read(1024 * 1024), b""):
        digest.update(chunk)
        size += len(chunk)
    fh.seek(0)
    return digest.hexdigest(), size


def store_content_addressed(fh: Any, folder: str, extension: str) -> StoredFile:
    """Store a file under a name made from its SHA-256, so URLs can be cached forever."""
    sha, size = _hash_file(fh)
    name = f"{folder}/{sha[:32]}.{extension}"
    if default_storage.exists(name):
        return StoredFile(name, size, sha, created=False)
    saved = default_storage.save(name, File(fh))
    return StoredFile(saved, size, sha, created=True)


def probe_uploaded_audio(upload: UploadedFile) -> AudioInfo:
    """Validate an uploaded file as audio (content sniff + mutagen); raises NotAudioError."""
    path = getattr(upload, "temporary_file_path", None)
    if path is not None:
        return probe_audio(path())
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".upload") as tmp:
        upload.seek(0)
        for chunk in upload.chunks():
            tmp.write(chunk)
        tmp.flush()
        upload.seek(0)
        return probe_audio(tmp.name)


def remove_if_unreferenced(name: str) -> None:
    """Delete a stored audio or image file that no row uses any more."""
    if not name:
        return
    used = (
        Episode.objects.filter(audio=name).exists()
        or Article.objects.filter(hero_image=name).exists()
        or PodcastShow.objects.filter(image=name).exists()
    )
    if not used and default_storage.exists(name):
        default_storage.delete(name)


def media_path(name: str) -> Path | None:
    """Local path of a stored file, or None for remote storage."""
    try:
        return Path(default_storage.path(name))
    except NotImplementedError:
        return None


# --- feed cache key -------------------------------------------------------------------


def feed_state() -> tuple[str, datetime | None]:
    """A key that changes whenever the podcast feed's content can change, and the feed's
    last-modified time. Visibility is time-based, so the key counts live episodes too."""
    now = timezone.now()
    episodes = Episode.objects.live(now).aggregate(
        n=Count("pk"), updated=Max("updated_at"), published=Max("published_at")
    )
    articles = Article.objects.aggregate(updated=Max("updated_at"))
    show = PodcastShow.get()
    parts = [
        str(episodes["n"]),
        str(episodes["updated"]),
        str(episodes["published"]),
        str(articles["updated"]),
        str(show.updated_at),
        settings.SITE_URL,
    ]
    key = hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]
    candidates = [d for d in (episodes["updated"], episodes["published"], show.updated_at) if d]
    return key, max(candidates) if candidates else None
