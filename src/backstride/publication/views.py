"""Public pages: articles, the podcast, feeds, audio and images with byte ranges, SEO files.

The editor's pages are in :mod:`.editor`."""

from __future__ import annotations

import json
import mimetypes
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_GET, require_http_methods

from backstride.accounts.permissions import can_edit_content
from backstride.core.publication.http_range import (
    ByteRange,
    Ignore,
    Unsatisfiable,
    content_range,
    if_range_allows,
    parse_range,
)

from . import services
from .models import Article, Episode, PodcastShow, Tag

PAGE_SIZE = 12


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def _visible(request: HttpRequest, queryset: Any) -> Any:
    """Editors may preview drafts and future items; everyone else sees live ones only."""
    return queryset if can_edit_content(request.user) else queryset.live()


# --- articles ---------------------------------------------------------------------------


@require_GET
def article_list(request: HttpRequest, tag: str | None = None) -> HttpResponse:
    articles = Article.objects.live().select_related("author").prefetch_related("tags")
    current_tag = None
    if tag is not None:
        current_tag = get_object_or_404(Tag, slug=tag)
        articles = articles.filter(tags=current_tag)
    page = Paginator(articles, PAGE_SIZE).get_page(request.GET.get("page"))
    tags = Tag.objects.filter(articles__in=Article.objects.live()).distinct()
    title = f"Articles tagged “{current_tag.name}”" if current_tag else "Articles"
    meta = {
        "title": title,
        "description": "Practical, evidence-informed articles on lower back pain, core "
        "stability and getting back to running.",
        "url": absolute(request.path),
    }
    return render(
        request,
        "publication/article_list.html",
        {"page": page, "tag": current_tag, "tags": tags, "meta": meta},
    )


@require_GET
def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(
        _visible(request, Article.objects.select_related("author").prefetch_related("tags")),
        slug=slug,
    )
    episode = _visible(request, Episode.objects.filter(article=article)).first()
    return render(
        request,
        "publication/article_detail.html",
        {
            "article": article,
            "related": services.related_articles(article),
            "episode": episode,
            "is_preview": not article.is_live(),
            "json_ld": article_json_ld(article),
            "meta": {
                "title": article.title,
                "description": article.summary,
                "url": absolute(article.get_absolute_url()),
                "type": "article",
                "image": _image_url(article.hero_image) or cover_url(),
                "image_alt": article.hero_alt if article.hero_image else "",
                "large_image": bool(article.hero_image),
                "noindex": not article.is_live(),
            },
        },
    )


def _image_url(field: Any) -> str | None:
    if not field:
        return None
    return absolute(reverse("publication:media", args=[field.name.rsplit("/", 1)[-1]]))


def cover_url() -> str:
    return services.cover_url()


def article_json_ld(article: Article) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "mainEntity": {"@type": "Article", "headline": article.title},
        "headline": article.title,
        "name": article.title,
        "description": article.summary,
        "url": absolute(article.get_absolute_url()),
        "author": {"@type": "Person", "name": article.author_name},
        "publisher": {"@type": "Organization", "name": settings.SITE_NAME},
        "dateModified": article.updated_at.isoformat(),
        "keywords": ", ".join(t.name for t in article.tags.all()),
        "wordCount": article.word_count,
        "inLanguage": "en-GB",
        "audience": {"@type": "PeopleAudience", "audienceType": "Patient"},
    }
    if article.published_at:
        data["datePublished"] = article.published_at.isoformat()
    image = _image_url(article.hero_image)
    if image:
        data["image"] = image
    return data


# --- podcast pages ------------------------------------------------------------------------


@require_GET
def podcast_list(request: HttpRequest) -> HttpResponse:
    show = PodcastShow.get()
    episodes = Episode.objects.live().select_related("article")
    page = Paginator(episodes, PAGE_SIZE).get_page(request.GET.get("page"))
    feed_url = absolute(reverse("publication:podcast_feed"))
    json_ld = {
        "@context": "https://schema.org",
        "@type": "PodcastSeries",
        "name": show.title,
        "description": show.description,
        "url": absolute(reverse("publication:podcast_list")),
        "webFeed": feed_url,
        "image": cover_url(),
        "author": {"@type": "Organization", "name": show.author},
    }
    return render(
        request,
        "publication/podcast_list.html",
        {
            "show": show,
            "page": page,
            "feed_url": feed_url,
            "cover_url": cover_url(),
            "json_ld": json_ld,
            "meta": {
                "title": show.title,
                "description": show.description,
                "url": absolute(request.path),
                "image": cover_url(),
            },
        },
    )


@require_GET
def episode_detail(request: HttpRequest, slug: str) -> HttpResponse:
    episode = get_object_or_404(
        _visible(request, Episode.objects.select_related("article", "author")), slug=slug
    )
    show = PodcastShow.get()
    article = episode.article if episode.article and episode.article.is_live() else None
    if episode.article and can_edit_content(request.user):
        article = episode.article
    json_ld: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "PodcastEpisode",
        "name": episode.title,
        "description": episode.summary,
        "url": absolute(episode.get_absolute_url()),
        "timeRequired": f"PT{round(episode.duration_seconds)}S",
        "associatedMedia": {
            "@type": "MediaObject",
            "contentUrl": absolute(episode.audio_url),
            "encodingFormat": episode.audio_mime,
            "contentSize": str(episode.audio_size),
        },
        "partOfSeries": {
            "@type": "PodcastSeries",
            "name": show.title,
            "url": absolute(reverse("publication:podcast_list")),
        },
    }
    if episode.number:
        json_ld["episodeNumber"] = episode.number
    if episode.published_at:
        json_ld["datePublished"] = episode.published_at.isoformat()
    return render(
        request,
        "publication/episode_detail.html",
        {
            "episode": episode,
            "show": show,
            "article": article,
            "cover_url": cover_url(),
            "is_preview": not episode.is_live(),
            "json_ld": json_ld,
            "meta": {
                "title": episode.title,
                "description": episode.summary,
                "url": absolute(episode.get_absolute_url()),
                "type": "website",
                "image": cover_url(),
                "noindex": not episode.is_live(),
            },
        },
    )


@require_GET
def episode_transcript(request: HttpRequest, slug: str, ext: str) -> HttpResponse:
    episode = get_object_or_404(
        _visible(request, Episode.objects.exclude(transcript="")), slug=slug
    )
    if (ext == "vtt") != episode.transcript_is_vtt:
        raise Http404("No transcript in that format.")
    response = HttpResponse(
        episode.transcript, content_type=f"{episode.transcript_mime}; charset=utf-8"
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def episode_chapters(request: HttpRequest, slug: str) -> HttpResponse:
    episode = get_object_or_404(
        _visible(request, Episode.objects.filter(chapters__isnull=False)), slug=slug
    )
    response = HttpResponse(
        json.dumps(episode.chapters, ensure_ascii=False, indent=1),
        content_type="application/json+chapters; charset=utf-8",
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


# --- files with byte ranges -------------------------------------------------------------

CHUNK = 64 * 1024


def _file_chunks(path: Path, start: int, length: int) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        fh.seek(start)
        remaining = length
        while remaining > 0:
            data = fh.read(min(CHUNK, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data


def serve_ranged(
    request: HttpRequest, path: Path, content_type: str, etag_seed: str
) -> HttpResponseBase:
    """Serve a file with RFC 9110 byte ranges: 200, 206, 304 or 416, HEAD included.

    Names are content-addressed, so the response may be cached for a year as immutable.
    With ``PUBLICATION_X_ACCEL_REDIRECT`` set (e.g. ``/protected-media/``), nginx does the
    byte serving instead and this only authorises the request.
    """
    stat = path.stat()
    size = stat.st_size
    etag = f'"{etag_seed}"'
    last_modified = datetime.fromtimestamp(int(stat.st_mtime), tz=UTC)
    accel = getattr(settings, "PUBLICATION_X_ACCEL_REDIRECT", "")
    headers = {
        "Accept-Ranges": "bytes",
        "ETag": etag,
        "Last-Modified": http_date(last_modified.timestamp()),
        "Cache-Control": "public, max-age=31536000, immutable",
    }
    if accel:
        response = HttpResponse(content_type=content_type)
        rel = os.path.relpath(path, settings.MEDIA_ROOT)
        response["X-Accel-Redirect"] = accel.rstrip("/") + "/" + rel
        for key, value in headers.items():
            response[key] = value
        return response
    conditional = get_conditional_response(
        request, etag=etag, last_modified=int(last_modified.timestamp())
    )
    if conditional is not None:
        for key, value in headers.items():
            conditional[key] = value
        return conditional

    result: ByteRange | Ignore | Unsatisfiable = Ignore("no Range header")
    if if_range_allows(request.headers.get("If-Range"), etag, last_modified):
        result = parse_range(request.headers.get("Range"), size)

    if isinstance(result, Unsatisfiable):
        response = HttpResponse(status=416)
        response["Content-Range"] = content_range(result)
        response["Accept-Ranges"] = "bytes"
        return response
    if isinstance(result, ByteRange):
        status, start, length = 206, result.start, result.length
    else:
        status, start, length = 200, 0, size

    response_obj: HttpResponseBase
    if request.method == "HEAD":
        response_obj = HttpResponse(status=status, content_type=content_type)
    else:
        response_obj = StreamingHttpResponse(
            _file_chunks(path, start, length), status=status, content_type=content_type
        )
    for key, value in headers.items():
        response_obj[key] = value
    response_obj["Content-Length"] = str(length)
    if isinstance(result, ByteRange):
        response_obj["Content-Range"] = content_range(result)
    return response_obj


@require_http_methods(["GET", "HEAD"])
def episode_audio(request: HttpRequest, name: str) -> HttpResponseBase:
    episode = (
        _visible(request, Episode.objects.filter(audio=f"publication/audio/{name}"))
        .only("audio", "audio_mime", "audio_sha256")
        .first()
    )
    if episode is None:
        raise Http404("No such episode audio.")
    path = services.media_path(episode.audio.name)
    if path is None:  # remote storage (S3): let it serve ranges itself
        return redirect(episode.audio.url)
    if not path.exists():
        raise Http404("The audio file is missing.")
    return serve_ranged(request, path, episode.audio_mime, episode.audio_sha256 or name)


@require_http_methods(["GET", "HEAD"])
def media(request: HttpRequest, name: str) -> HttpResponseBase:
    """Article hero images and the podcast cover (content-addressed, immutable)."""
    stored = f"publication/images/{name}"
    in_use = (
        _visible(request, Article.objects.filter(hero_image=stored)).exists()
        or PodcastShow.objects.filter(image=stored).exists()
    )
    if not in_use:
        raise Http404("No such image.")
    path = services.media_path(stored)
    if path is None:
        from django.core.files.storage import default_storage

        return redirect(default_storage.url(stored))
    if not path.exists():
        raise Http404("The image file is missing.")
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return serve_ranged(request, path, content_type, name.rsplit(".", 1)[0])


# --- feeds --------------------------------------------------------------------------------


def _conditional_cached(
    request: HttpRequest, cache_name: str, render_body: Any, content_type: str
) -> HttpResponseBase:
    key, last_modified = services.feed_state()
    etag = f'"{cache_name}-{key}"'
    lm = int(last_modified.timestamp()) if last_modified else None
    not_modified = get_conditional_response(request, etag=etag, last_modified=lm)
    if not_modified is not None:
        return not_modified
    cache_key = f"publication:{cache_name}:{key}"
    body = cache.get(cache_key)
    if body is None:
        body = render_body()
        cache.set(cache_key, body, 60 * 60 * 24)
    response = HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    if lm is not None:
        response["Last-Modified"] = http_date(lm)
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_http_methods(["GET", "HEAD"])
def podcast_feed(request: HttpRequest) -> HttpResponseBase:
    def render_body() -> bytes:
        from .feeds import render_podcast_feed

        return render_podcast_feed()

    response = _conditional_cached(
        request, "podcast-feed", render_body, "application/rss+xml; charset=utf-8"
    )
    return response


@require_http_methods(["GET", "HEAD"])
def article_feed(request: HttpRequest) -> HttpResponseBase:
    def render_body() -> bytes:
        from .feeds import render_article_feed

        return render_article_feed()

    return _conditional_cached(
        request, "article-feed", render_body, "application/atom+xml; charset=utf-8"
    )


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /editor/",
        "Disallow: /accounts/",
        "Disallow: /admin/",
        "Disallow: /today/",
        "Allow: /",
        "",
        f"Sitemap: {absolute(reverse('publication:sitemap'))}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
