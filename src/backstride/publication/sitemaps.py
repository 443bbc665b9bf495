"""sitemap.xml: live articles, live episodes, tag pages and the list pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Article, Episode, Tag

T = TypeVar("T")
Published = TypeVar("Published", Article, Episode)


class SiteSitemap(Sitemap[T]):
    """Absolute URLs from ``SITE_URL`` (not the request's Host header)."""

    def get_protocol(self, protocol: str | None = None) -> str:
        return urlsplit(settings.SITE_URL).scheme or "https"

    def get_domain(self, site: Any = None) -> str:
        return urlsplit(settings.SITE_URL).netloc


class LiveSitemap(SiteSitemap[Published]):
    """The live items of ``model`` (articles or episodes), newest first."""

    model: type[Published]
    changefreq = "monthly"

    def items(self) -> Any:
        return self.model.objects.live().order_by("-published_at")  # type: ignore[attr-defined]

    def lastmod(self, item: Published) -> datetime:
        return item.updated_at


class ArticleSitemap(LiveSitemap[Article]):
    model = Article
    priority = 0.8


class EpisodeSitemap(LiveSitemap[Episode]):
    model = Episode
    priority = 0.7


class TagSitemap(SiteSitemap[Tag]):
    changefreq = "weekly"
    priority = 0.4

    def items(self) -> Any:
        return Tag.objects.filter(articles__in=Article.objects.live()).distinct()


class PagesSitemap(SiteSitemap[str]):
    changefreq = "daily"
    priority = 1.0

    def items(self) -> list[str]:
        return ["web:home", "publication:article_list", "publication:podcast_list"]

    def location(self, item: str) -> str:
        return reverse(item)


SITEMAPS = {
    "pages": PagesSitemap,
    "articles": ArticleSitemap,
    "episodes": EpisodeSitemap,
    "tags": TagSitemap,
}
