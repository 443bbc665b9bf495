"""The podcast RSS feed (Apple Podcasts + Podcasting 2.0) and the Atom feed of articles.

Built with lxml, so every value is escaped by the XML library rather than a template. Every
value also goes through :func:`xml_safe` on its way in, so a control character stored in the
database (a title pasted from a word processor) can never make a feed fail for everyone.

RSS readers treat ``<description>`` and ``<itunes:summary>`` as HTML, so the plain-text
summaries written there are HTML-escaped first (:func:`_plain_text_as_html`): a ``<script>``
typed in a summary reaches readers as the words, never as markup. Atom ``<summary>`` is sent as
``type="text"`` (the default) and needs no such step. The fields that are HTML (show notes,
article bodies) are sanitised again with nh3 as they are written (a row stored some other
way than the editor is still clean), show notes in a CDATA section.
"""

from __future__ import annotations

import html
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from backstride.core.publication.markdown import sanitize_html
from backstride.core.publication.podcast import format_itunes_duration, rfc2822
from backstride.core.publication.text import xml_safe

from . import services
from .models import Article, Episode, EpisodeType, PodcastShow

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
ATOM = "http://www.w3.org/2005/Atom"
PODCAST = "https://podcastindex.org/namespace/1.0"
NSMAP = {"itunes": ITUNES, "content": CONTENT, "atom": ATOM, "podcast": PODCAST}


def _abs(path: str) -> str:
    return settings.SITE_URL + path


def _sub(parent: Any, tag: str, value: str | None = None, **attrib: str) -> Any:
    """A child element with text ``value`` and attributes ``attrib``, both made XML-safe."""
    el = etree.SubElement(parent, tag, {name: xml_safe(v) for name, v in attrib.items()})
    if value is not None:
        el.text = xml_safe(value)
    return el


def _plain_text_as_html(text: str) -> str:
    """Plain text for an element readers render as HTML: ``<``, ``>`` and ``&`` escaped."""
    return html.escape(text, quote=False)


def _it(name: str) -> str:
    return f"{{{ITUNES}}}{name}"


def _pc(name: str) -> str:
    return f"{{{PODCAST}}}{name}"


def _cdata(markup: str) -> Any:
    """Sanitised HTML as a CDATA section (escaped text when it contains ``]]>``)."""
    markup = xml_safe(markup)
    try:
        return etree.CDATA(markup)
    except ValueError:  # contains "]]>": fall back to escaped text
        return markup


def render_podcast_feed() -> bytes:
    show = PodcastShow.get()
    feed_url = _abs(reverse("publication:podcast_feed"))
    site_link = _abs(reverse("publication:podcast_list"))
    image = services.cover_url(show)
    rss = etree.Element("rss", nsmap=NSMAP, version="2.0")
    ch = _sub(rss, "channel")
    _sub(ch, f"{{{ATOM}}}link", href=feed_url, rel="self", type="application/rss+xml")
    _sub(ch, "title", show.title)
    _sub(ch, "link", site_link)
    _sub(ch, "description", _plain_text_as_html(show.description))
    _sub(ch, "language", show.language)
    _sub(ch, "copyright", show.copyright)
    _sub(ch, "generator", "Backstride")
    _sub(ch, "lastBuildDate", rfc2822(timezone.now()))
    img = _sub(ch, "image")
    _sub(img, "url", image)
    _sub(img, "title", show.title)
    _sub(img, "link", site_link)
    _sub(ch, _it("image"), href=image)
    category = _sub(ch, _it("category"), text=show.category)
    if show.subcategory:
        _sub(category, _it("category"), text=show.subcategory)
    _sub(ch, _it("explicit"), "true" if show.explicit else "false")
    _sub(ch, _it("author"), show.author)
    owner = _sub(ch, _it("owner"))
    _sub(owner, _it("name"), show.owner_name)
    _sub(owner, _it("email"), show.owner_email)
    _sub(ch, _it("type"), "episodic")
    _sub(ch, _it("summary"), _plain_text_as_html(show.description))
    _sub(ch, _pc("guid"), str(show.podcast_guid))
    _sub(ch, _pc("locked"), "yes" if show.locked else "no", owner=show.owner_email)

    episodes = Episode.objects.live().select_related("article").order_by("-published_at", "-pk")
    for ep in episodes:
        link = _abs(ep.get_absolute_url())
        item = _sub(ch, "item")
        _sub(item, "title", ep.title)
        _sub(item, _it("title"), ep.title)
        _sub(item, "link", link)
        notes = sanitize_html(ep.show_notes_html)
        if ep.article is not None and ep.article.is_live():
            article_url = _abs(ep.article.get_absolute_url())
            title = html.escape(ep.article.title)
            notes += f'<p>In depth: <a href="{html.escape(article_url)}">{title}</a></p>'
        _sub(item, "description", _plain_text_as_html(ep.summary))
        _sub(item, _it("summary"), _plain_text_as_html(ep.summary))
        content = _sub(item, f"{{{CONTENT}}}encoded")
        content.text = _cdata(notes)
        _sub(item, "guid", str(ep.guid), isPermaLink="false")
        assert ep.published_at is not None
        _sub(item, "pubDate", rfc2822(ep.published_at))
        _sub(
            item,
            "enclosure",
            url=_abs(ep.audio_url),
            length=str(ep.audio_size),
            type=ep.audio_mime,
        )
        _sub(item, _it("duration"), format_itunes_duration(ep.duration_seconds))
        _sub(item, _it("explicit"), "true" if ep.explicit else "false")
        if ep.number:
            _sub(item, _it("episode"), str(ep.number))
        if ep.season:
            _sub(item, _it("season"), str(ep.season))
        _sub(item, _it("episodeType"), ep.episode_type or EpisodeType.FULL)
        _sub(item, _it("image"), href=image)
        if ep.transcript:
            _sub(
                item,
                _pc("transcript"),
                url=_abs(ep.transcript_url),
                type=ep.transcript_mime,
                language=show.language,
            )
        if ep.chapters:
            _sub(item, _pc("chapters"), url=_abs(ep.chapters_url), type="application/json+chapters")
    return bytes(etree.tostring(rss, xml_declaration=True, encoding="UTF-8"))


def render_article_feed(limit: int = 50) -> bytes:
    atom = f"{{{ATOM}}}"
    feed = etree.Element(f"{atom}feed", nsmap={None: ATOM})
    feed_url = _abs(reverse("publication:article_feed"))
    _sub(feed, f"{atom}title", f"{settings.SITE_NAME} articles")
    _sub(feed, f"{atom}subtitle", "Practical, evidence-informed articles on back pain and running.")
    _sub(feed, f"{atom}link", href=feed_url, rel="self", type="application/atom+xml")
    _sub(feed, f"{atom}link", href=_abs(reverse("publication:article_list")), rel="alternate")
    _sub(feed, f"{atom}id", feed_url)
    articles = list(
        Article.objects.live().select_related("author").prefetch_related("tags")[:limit]
    )
    updated = max((a.updated_at for a in articles), default=timezone.now())
    _sub(feed, f"{atom}updated", updated.isoformat())
    for a in articles:
        entry = _sub(feed, f"{atom}entry")
        url = _abs(a.get_absolute_url())
        _sub(entry, f"{atom}title", a.title)
        _sub(entry, f"{atom}link", href=url, rel="alternate", type="text/html")
        _sub(entry, f"{atom}id", f"{settings.SITE_URL}/articles/id/{a.pk}")
        assert a.published_at is not None
        _sub(entry, f"{atom}published", a.published_at.isoformat())
        _sub(entry, f"{atom}updated", max(a.updated_at, a.published_at).isoformat())
        author = _sub(entry, f"{atom}author")
        _sub(author, f"{atom}name", a.author_name)
        for tag in a.tags.all():
            _sub(entry, f"{atom}category", term=tag.slug, label=tag.name)
        _sub(entry, f"{atom}summary", a.summary)
        _sub(entry, f"{atom}content", sanitize_html(a.body_html), type="html")
    return bytes(etree.tostring(feed, xml_declaration=True, encoding="UTF-8"))
