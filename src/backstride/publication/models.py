"""Articles, podcast episodes, the podcast show, tags and precomputed related articles.

Visibility is decided at query time: an item is public when its status is *scheduled* or
*published* and its ``published_at`` is in the past, so content goes live on time even
when no worker runs. The side effects of going live (related articles, the
``episode_published`` signal) run once, claimed through ``side_effects_done_at``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from backstride.core.publication.markdown import RenderedMarkdown, TocEntry, render_markdown
from backstride.core.publication.podcast import podcast_guid

if TYPE_CHECKING:
    from django_stubs_ext.db.models.manager import RelatedManager


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SCHEDULED = "scheduled", "Scheduled"
    PUBLISHED = "published", "Published"


class PublishableQuerySet(models.QuerySet[Any]):
    def live(self, now: datetime | None = None) -> PublishableQuerySet:
        """Items the public may see right now."""
        moment = now or timezone.now()
        return self.filter(
            status__in=[Status.SCHEDULED, Status.PUBLISHED], published_at__lte=moment
        )

    def due_side_effects(self, now: datetime | None = None) -> PublishableQuerySet:
        return self.live(now).filter(side_effects_done_at__isnull=True)


class Publishable(models.Model):
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    summary = models.TextField(
        max_length=400, help_text="One or two sentences for lists, search results and sharing."
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    side_effects_done_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = PublishableQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering: ClassVar[list[str]] = ["-published_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def is_live(self, now: datetime | None = None) -> bool:
        moment = now or timezone.now()
        return (
            self.status in {Status.SCHEDULED, Status.PUBLISHED}
            and self.published_at is not None
            and self.published_at <= moment
        )

    @property
    def author_name(self) -> str:
        if self.author is None:
            return settings.SITE_NAME
        return str(self.author.display_name or self.author.email.split("@")[0])

    @property
    def public_status(self) -> str:
        """What an editor needs to know: Draft, Scheduled (future) or Live."""
        if self.is_live():
            return "Live"
        if self.status == Status.DRAFT:
            return "Draft"
        return "Scheduled"


def _toc_to_json(entries: tuple[TocEntry, ...]) -> list[dict[str, Any]]:
    return [
        {"level": e.level, "id": e.id, "title": e.title, "children": _toc_to_json(e.children)}
        for e in entries
    ]


class Tag(models.Model):
    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("publication:article_tag", args=[self.slug])


class Article(Publishable):
    body = models.TextField(help_text="Markdown. Headings with ## become the table of contents.")
    body_html = models.TextField(editable=False, default="")
    toc = models.JSONField(editable=False, default=list)
    word_count = models.PositiveIntegerField(editable=False, default=0)
    hero_image = models.ImageField(upload_to="publication/images/", blank=True)
    hero_alt = models.CharField(
        "hero image alt text",
        max_length=250,
        blank=True,
        help_text="Describe the image for people who cannot see it.",
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles")
    pinned_related = models.ManyToManyField(
        "self",
        blank=True,
        symmetrical=False,
        related_name="+",
        help_text="Shown first under Related articles, before the automatic suggestions.",
    )

    if TYPE_CHECKING:
        related_scores: RelatedManager[RelatedArticle]

    def save(self, *args: Any, **kwargs: Any) -> None:
        rendered = render_markdown(self.body)
        self.body_html = rendered.html
        self.toc = _toc_to_json(rendered.toc)
        self.word_count = rendered.words
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("publication:article_detail", args=[self.slug])

    @cached_property
    def rendered(self) -> RenderedMarkdown:
        return RenderedMarkdown(
            html=self.body_html, toc=_toc_from_json(self.toc), words=self.word_count
        )

    @property
    def reading_minutes(self) -> int:
        return self.rendered.reading_minutes

    @property
    def show_toc(self) -> bool:
        return self.rendered.show_toc


def _toc_from_json(items: list[dict[str, Any]]) -> tuple[TocEntry, ...]:
    return tuple(
        TocEntry(
            level=int(i["level"]),
            id=str(i["id"]),
            title=str(i["title"]),
            children=_toc_from_json(i.get("children", [])),
        )
        for i in items
    )


class RelatedArticle(models.Model):
    """Precomputed top-k similar articles (all statuses; filtered to live ones at read time)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="related_scores")
    related = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    rank = models.PositiveSmallIntegerField()
    backend = models.CharField(max_length=20, default="tfidf")
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["article", "rank"]
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["article", "related"], name="related_article_once"),
            models.CheckConstraint(
                condition=~Q(article=models.F("related")), name="related_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article_id} → {self.related_id} ({self.score:.3f})"


class PodcastShow(models.Model):
    """The one podcast this site publishes (a single row, ``PodcastShow.get()``).

    ``podcast_guid`` is computed from the feed URL when the row is created and then never
    recomputed: the guid must survive a move to another domain.
    """

    title = models.CharField(max_length=200, default="The Backstride Podcast")
    description = models.TextField(
        default=(
            "A weekly, practical show about getting back to running after lower back pain: "
            "what the evidence says, the T.R.E.A.T. method, and one safe step at a time. "
            "Education, not a diagnosis."
        )
    )
    author = models.CharField(max_length=200, default="Backstride")
    owner_name = models.CharField(max_length=200, default="Backstride editors")
    owner_email = models.EmailField(default="podcast@example.com")
    language = models.CharField(max_length=10, default="en-gb")
    category = models.CharField(max_length=100, default="Health & Fitness")
    subcategory = models.CharField(max_length=100, default="Fitness", blank=True)
    explicit = models.BooleanField(default=False)
    locked = models.BooleanField(
        default=True, help_text="podcast:locked — other platforms may not import the feed."
    )
    copyright = models.CharField(max_length=200, default="CC BY 4.0, the Backstride project")
    image = models.ImageField(
        upload_to="publication/images/",
        blank=True,
        help_text="Square, 1400–3000 px, JPEG or PNG. Empty uses the built-in cover art.",
    )
    podcast_guid = models.UUIDField(editable=False)
    guid_source_url = models.URLField(editable=False, max_length=500)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.title

    @classmethod
    def get(cls) -> PodcastShow:
        show = cls.objects.order_by("pk").first()
        if show is None:
            feed_url = settings.SITE_URL + reverse("publication:podcast_feed")
            show = cls.objects.create(podcast_guid=podcast_guid(feed_url), guid_source_url=feed_url)
        return show


class EpisodeType(models.TextChoices):
    FULL = "full", "Full episode"
    TRAILER = "trailer", "Trailer"
    BONUS = "bonus", "Bonus"


class Episode(Publishable):
    number = models.PositiveIntegerField(null=True, blank=True)
    season = models.PositiveIntegerField(null=True, blank=True, default=1)
    episode_type = models.CharField(
        max_length=10, choices=EpisodeType.choices, default=EpisodeType.FULL
    )
    show_notes = models.TextField(help_text="Markdown.")
    show_notes_html = models.TextField(editable=False, default="")
    audio = models.FileField(upload_to="publication/audio/", max_length=200)
    audio_size = models.PositiveBigIntegerField(editable=False, default=0)
    audio_mime = models.CharField(max_length=40, editable=False, default="audio/mpeg")
    audio_sha256 = models.CharField(max_length=64, editable=False, default="")
    duration_seconds = models.FloatField(editable=False, default=0)
    transcript = models.TextField(
        blank=True,
        help_text="Optional. Plain text, or WebVTT (starting with WEBVTT) for captions.",
    )
    chapters = models.JSONField(
        null=True, blank=True, help_text="Optional Podcasting 2.0 JSON chapters."
    )
    article = models.ForeignKey(
        Article,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="episodes",
        help_text="The in-depth article for this episode.",
    )
    explicit = models.BooleanField(default=False)
    guid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta(Publishable.Meta):
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["season", "number"],
                condition=Q(number__isnull=False),
                name="episode_number_unique_in_season",
            )
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.show_notes_html = render_markdown(self.show_notes).html
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("publication:episode_detail", args=[self.slug])

    @property
    def audio_name(self) -> str:
        return str(self.audio.name).rsplit("/", 1)[-1]

    @property
    def audio_url(self) -> str:
        return reverse("publication:episode_audio", args=[self.audio_name])

    @property
    def transcript_is_vtt(self) -> bool:
        return self.transcript.lstrip("\ufeff").lstrip().startswith("WEBVTT")

    @property
    def transcript_url(self) -> str:
        ext = "vtt" if self.transcript_is_vtt else "txt"
        return reverse("publication:episode_transcript", args=[self.slug, ext])

    @property
    def transcript_mime(self) -> str:
        return "text/vtt" if self.transcript_is_vtt else "text/plain"

    @property
    def transcript_text(self) -> str:
        """The transcript for reading on the page (cue timings and headers removed)."""
        if not self.transcript_is_vtt:
            return self.transcript
        lines: list[str] = []
        for block in self.transcript.replace("\r\n", "\n").split("\n\n"):
            rows = [r for r in block.strip().split("\n") if r]
            if not rows or rows[0].startswith(("WEBVTT", "NOTE", "STYLE")):
                continue
            text = [r for r in rows if "-->" not in r and not r.strip().isdigit()]
            lines.append(" ".join(text))
        return "\n\n".join(lines)

    @property
    def chapters_url(self) -> str:
        return reverse("publication:episode_chapters", args=[self.slug])

    @property
    def label(self) -> str:
        parts = []
        if self.season:
            parts.append(f"Season {self.season}")
        if self.number:
            parts.append(f"episode {self.number}" if parts else f"Episode {self.number}")
        if self.episode_type != EpisodeType.FULL:
            parts.append(self.get_episode_type_display())
        return ", ".join(parts)
