"""sitemap.xml: live articles, live episodes, tag pages and the list pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Article, Episode, Tag

PROTOCOL = urlsplit(settings.SITE_URL).scheme or "https"


class ArticleSitemap(Sitemap[Article]):
    changefreq = "monthly"
    priority = 0.8
    protocol = PROTOCOL

    def items(self) -> Any:
        return Article.objects.live().order_by("-published_at")

    def lastmod(self, item: Article) -> datetime:
        return item.updated_at


class EpisodeSitemap(Sitemap[Episode]):
    changefreq = "monthly"
    priority = 0.7
    protocol = PROTOCOL

    def items(self) -> Any:
        return Episode.objects.live().order_by("-published_at")

    def lastmod(self, item: Episode) -> datetime:
        return item.updated_at


class TagSitemap(Sitemap[Tag]):
    changefreq = "weekly"
    priority = 0.4
    protocol = PROTOCOL

    def items(self) -> Any:
        return Tag.objects.filter(articles__in=Article.objects.live()).distinct()


class PagesSitemap(Sitemap[str]):
    changefreq = "daily"
    priority = 1.0
    protocol = PROTOCOL

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
