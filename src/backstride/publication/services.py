"""Publication services: the one place views, tasks, commands and other apps call."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count, Max
from django.utils import timezone

from backstride.core.publication.audio import AudioInfo, probe_audio
from backstride.lib.files import local_path
from backstride.lib.queue import enqueue_after_commit, not_before

from . import tasks
from .models import Article, Episode, PodcastShow, RelatedArticle, Status

log = logging.getLogger("backstride.publication")

RELATED_SHOWN = 5
RELATED_MIN = 3


def max_audio_bytes() -> int:
    """Largest audio upload accepted (bytes)."""
    return int(settings.PUBLICATION_MAX_AUDIO_BYTES)


def max_image_bytes() -> int:
    return int(settings.PUBLICATION_MAX_IMAGE_BYTES)


# --- time -------------------------------------------------------------------------------


def site_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def default_publish_time(now: datetime | None = None) -> datetime:
    """Next Sunday 07:00 in the site's time zone (``PUBLICATION_PUBLISH_WEEKDAY`` / ``_HOUR``)."""
    from backstride.core.publication.podcast import next_weekday_at

    moment = (now or timezone.now()).astimezone(site_tz())
    return next_weekday_at(
        moment,
        weekday=settings.PUBLICATION_PUBLISH_WEEKDAY,
        hour=settings.PUBLICATION_PUBLISH_HOUR,
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


def schedule_side_effects(item: Article | Episode) -> None:
    """Queue the side-effects task for ``item``'s publish time (now, if it is already live).

    Called after every save by the editor pages. A task for an outdated time does nothing
    when it runs (the claim finds nothing due), so rescheduling needs no cancelling.
    """
    if item.status == Status.DRAFT or item.published_at is None:
        return
    task = tasks.publish_due
    if item.published_at > timezone.now():
        if not task.get_backend().supports_defer:
            return  # `backstride publish` (cron) or the next save picks it up
        task = task.using(run_after=not_before(item.published_at))
    enqueue_after_commit(task)


def content_changed(article: Article) -> None:
    """An article was created or edited: refresh the related-articles table in the background."""
    enqueue_after_commit(tasks.recompute_related_articles)


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
    path = local_path(name)
    return Path(path) if path is not None else None


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
