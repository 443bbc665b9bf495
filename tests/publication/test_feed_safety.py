"""Feeds survive whatever text is in the database: control characters are dropped, and plain
text summaries are escaped so that no reader ever receives them as markup."""

from __future__ import annotations

import feedparser
import pytest
from lxml import etree

from backstride.core.publication.text import find_forbidden_character, xml_safe
from backstride.publication.models import Article, Episode, PodcastShow

from .conftest import make_article, make_episode

pytestmark = pytest.mark.django_db

PODCAST_FEED = "/podcast/feed.xml"
ARTICLE_FEED = "/articles/feed.xml"
HOSTILE = 'Hi <script>alert(1)</script> <img src="x" onerror="alert(2)"> & bye'


def read(client, url: str) -> feedparser.FeedParserDict:
    """Fetch a feed, check it is well-formed XML, and parse it as feedparser does, with its
    own HTML sanitiser off so that the test sees exactly what the feed says."""
    response = client.get(url)
    assert response.status_code == 200
    etree.fromstring(response.content)
    parsed = feedparser.parse(response.content, sanitize_html=False)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def html_content(entry: feedparser.FeedParserDict) -> str:
    """The entry's HTML content (content:encoded, or Atom content type="html")."""
    return next(c.value for c in entry.content if c.type == "text/html")


@pytest.mark.parametrize(
    ("make", "feed", "stored_title", "stored_summary", "title", "summary"),
    [
        pytest.param(
            lambda: make_episode("Your first run back"),
            PODCAST_FEED,
            "Your first\x0b run back",
            "Pace\x1f and patience\ufffe.",
            "Your first run back",
            "Pace and patience.",
            id="episode",
        ),
        pytest.param(
            lambda: make_article("Walking as medicine", tags=("walking",)),
            ARTICLE_FEED,
            "Walking\x0b as medicine",
            "Why\x1f walking helps.",
            "Walking as medicine",
            "Why walking helps.",
            id="article",
        ),
    ],
)
def test_a_feed_survives_control_characters_stored_in_a_title_and_summary(
    client, make, feed, stored_title, stored_summary, title, summary
):
    item = make()
    type(item).objects.filter(pk=item.pk).update(title=stored_title, summary=stored_summary)
    entry = read(client, feed).entries[0]
    assert entry.title == title
    assert entry.summary == summary


def test_podcast_feed_survives_control_characters_in_the_show_and_linked_article(client):
    article = make_article("Returning to running")
    Article.objects.filter(pk=article.pk).update(title="Returning\x08 to running")
    make_episode(article=article)
    PodcastShow.objects.filter(pk=PodcastShow.get().pk).update(
        title="The Backstride\x1b Podcast", description="Weekly\x0c."
    )
    parsed = read(client, PODCAST_FEED)
    assert parsed.feed.title == "The Backstride Podcast"
    assert "Returning to running</a>" in html_content(parsed.entries[0])


def test_episode_summary_never_reaches_a_feed_reader_as_markup(client):
    episode = make_episode("Your first run back")
    Episode.objects.filter(pk=episode.pk).update(summary=HOSTILE)
    response = client.get(PODCAST_FEED)
    item = etree.fromstring(response.content).find(".//item")
    itunes = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
    # Both elements are read as HTML by many readers: the text must be escaped HTML.
    for tag in ("description", f"{itunes}summary"):
        assert item.findtext(tag) == (
            "Hi &lt;script&gt;alert(1)&lt;/script&gt; "
            '&lt;img src="x" onerror="alert(2)"&gt; &amp; bye'
        )
    entry = read(client, PODCAST_FEED).entries[0]
    for value in (entry.summary, *(c.value for c in entry.get("content", []))):
        assert "<script" not in value and "<img" not in value


def test_show_notes_stored_unsanitised_are_cleaned_in_the_feed(client):
    episode = make_episode()
    Episode.objects.filter(pk=episode.pk).update(show_notes_html=f"<p>{HOSTILE}</p>")
    content = html_content(read(client, PODCAST_FEED).entries[0])
    assert "<script" not in content and "onerror" not in content and "<p>Hi" in content


def test_article_body_stored_unsanitised_is_cleaned_in_the_feed(client):
    article = make_article()
    Article.objects.filter(pk=article.pk).update(body_html=f"<p>{HOSTILE}</p>")
    content = html_content(read(client, ARTICLE_FEED).entries[0])
    assert "<script" not in content and "onerror" not in content and "<p>Hi" in content


def test_show_description_never_reaches_a_feed_reader_as_markup(client):
    make_episode()
    PodcastShow.objects.filter(pk=PodcastShow.get().pk).update(description=HOSTILE)
    parsed = read(client, PODCAST_FEED)
    for value in (parsed.feed.subtitle, parsed.feed.get("summary", "")):
        assert "<script" not in value and "<img" not in value


def test_article_summary_never_reaches_a_feed_reader_as_markup(client):
    article = make_article("Walking as medicine")
    Article.objects.filter(pk=article.pk).update(summary=HOSTILE)
    entry = read(client, ARTICLE_FEED).entries[0]
    assert entry.summary_detail.type == "text/plain"
    assert entry.summary == HOSTILE  # shown as the words typed, never run as markup


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("plain words & <tags>", "plain words & <tags>"),
        ("tab\tnew\nline\r\n", "tab\tnew\nline\r\n"),
        ("a\x00b\x0bc\x1fd", "abcd"),
        ("lone \ud800 surrogate, \ufffe and \uffff", "lone  surrogate,  and "),
        ("kept: \x7f \x85 é 🏃", "kept: \x7f \x85 é 🏃"),  # legal in XML 1.0
    ],
)
def test_xml_safe_keeps_exactly_what_xml_1_0_can_carry(text, safe):
    assert xml_safe(text) == safe
    etree.fromstring(f"<x>{xml_safe(text).replace('&', '&amp;').replace('<', '&lt;')}</x>")


def test_forms_refuse_every_control_character_but_line_breaks_in_multiline_text():
    assert find_forbidden_character("two\nlines\tand a tab", multiline=True) is None
    assert find_forbidden_character("two\nlines", multiline=False).position == 4
    assert find_forbidden_character("del\x7f", multiline=True).code == "U+007F"
    assert find_forbidden_character("c1 \x85", multiline=True).code == "U+0085"
    assert find_forbidden_character("non-character \uffff", multiline=True).code == "U+FFFF"
