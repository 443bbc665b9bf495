"""The podcast feed: every Apple and Podcasting 2.0 tag, read by three real parsers."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta
from email.utils import parsedate_to_datetime

import feedparser
import podcastparser
import pytest
from django.utils import timezone
from lxml import etree
from PIL import Image

from backstride.core.publication.podcast import podcast_guid
from backstride.publication.models import Episode, PodcastShow

from .conftest import make_article, make_episode

pytestmark = pytest.mark.django_db

NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "atom": "http://www.w3.org/2005/Atom",
    "podcast": "https://podcastindex.org/namespace/1.0",
}
FEED = "/podcast/feed.xml"
N = 500


@pytest.fixture
def many_episodes(db):
    """500 live episodes (and a draft and a future one that must not appear)."""
    base = make_episode(
        "Episode zero",
        number=None,
        transcript="WEBVTT\n\n1\n00:00:00.000 --> 00:00:02.000\nHello\n",
        chapters={"version": "1.2.0", "chapters": [{"startTime": 0, "title": "Hi"}]},
    )
    now = timezone.now()
    rows = []
    for n in range(1, N):
        ep = Episode(
            title=f"Episode {n}: walking & <running>",
            slug=f"episode-{n}",
            summary=f"Summary {n}",
            show_notes=f"Notes {n}",
            show_notes_html=f"<p>Notes <strong>{n}</strong></p>",
            number=n,
            season=1 + n // 100,
            episode_type=["full", "trailer", "bonus"][n % 3],
            status="published",
            published_at=now - timedelta(hours=n),
            audio_size=base.audio_size,
            audio_sha256=base.audio_sha256,
            audio_mime="audio/mpeg",
            duration_seconds=60 * n + 5,
            transcript="Plain transcript" if n % 2 else "",
        )
        ep.audio.name = base.audio.name
        rows.append(ep)
    Episode.objects.bulk_create(rows)
    make_episode("Secret draft", number=9001, status="draft", published_at=None)
    make_episode(
        "Next Sunday", number=9002, status="scheduled", published_at=now + timedelta(days=3)
    )
    return Episode.objects.live()


def test_feed_of_500_episodes_has_every_required_tag(client, many_episodes):
    response = client.get(FEED)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    xml = response.content
    root = etree.fromstring(xml)  # well-formed XML
    channel = root.find("channel")
    show = PodcastShow.get()

    # Channel: Apple's required tags
    assert channel.findtext("title") == show.title
    assert channel.findtext("description")
    assert channel.findtext("language") == "en-gb"
    assert channel.findtext("link") == "https://backstride.example/podcast/"
    image = channel.find("itunes:image", NS).get("href")
    assert image.startswith("https://backstride.example/")
    category = channel.find("itunes:category", NS)
    assert category.get("text") == "Health & Fitness"
    assert category.find("itunes:category", NS).get("text") == "Fitness"
    assert channel.findtext("itunes:explicit", namespaces=NS) in {"true", "false"}
    assert channel.findtext("itunes:author", namespaces=NS)
    owner = channel.find("itunes:owner", NS)
    assert owner.findtext("itunes:name", namespaces=NS)
    assert "@" in owner.findtext("itunes:email", namespaces=NS)
    self_link = channel.find("atom:link", NS)
    assert (self_link.get("rel"), self_link.get("href")) == (
        "self",
        "https://backstride.example/podcast/feed.xml",
    )
    assert self_link.get("type") == "application/rss+xml"
    # Podcasting 2.0
    assert channel.findtext("podcast:guid", namespaces=NS) == str(show.podcast_guid)
    assert channel.findtext("podcast:locked", namespaces=NS) in {"yes", "no"}
    assert channel.find("podcast:locked", NS).get("owner") == show.owner_email

    items = channel.findall("item")
    assert len(items) == N
    guids = set()
    for item in items:
        assert item.findtext("title")
        enclosure = item.find("enclosure")
        assert enclosure.get("url").startswith("https://backstride.example/podcast/audio/")
        assert int(enclosure.get("length")) == many_episodes.first().audio_size
        assert enclosure.get("type") == "audio/mpeg"
        guid = item.find("guid")
        assert guid.get("isPermaLink") == "false"
        guids.add(guid.text)
        when = parsedate_to_datetime(item.findtext("pubDate"))
        assert when.tzinfo is not None
        assert item.findtext("itunes:duration", namespaces=NS)
        assert item.findtext("itunes:episodeType", namespaces=NS) in {"full", "trailer", "bonus"}
        assert item.findtext("itunes:explicit", namespaces=NS) in {"true", "false"}
        assert item.findtext("content:encoded", namespaces=NS).startswith("<p>")
    assert len(guids) == N  # unique
    numbered = [i for i in items if i.find("itunes:episode", NS) is not None]
    assert len(numbered) == N - 1
    assert all(i.find("itunes:season", NS) is not None for i in items)
    transcripts = root.findall(".//podcast:transcript", NS)
    assert {t.get("type") for t in transcripts} == {"text/vtt", "text/plain"}
    assert root.find(".//podcast:chapters", NS).get("type") == "application/json+chapters"
    assert b"Secret draft" not in xml and b"Next Sunday" not in xml


def test_feedparser_reads_the_feed(client, many_episodes):
    parsed = feedparser.parse(client.get(FEED).content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == "The Backstride Podcast"
    assert parsed.feed.image.href
    assert parsed.feed.author_detail.email == PodcastShow.get().owner_email
    assert len(parsed.entries) == N
    entry = next(e for e in parsed.entries if e.title.startswith("Episode 42:"))
    assert entry.title == "Episode 42: walking & <running>"
    assert entry.itunes_duration == "42:05"
    assert entry.itunes_episode == "42"
    assert entry.enclosures[0].type == "audio/mpeg"
    assert entry.guidislink is False
    assert entry.published_parsed is not None
    assert any("<strong>42</strong>" in c.value for c in entry.content)


def test_podcastparser_reads_the_feed(client, many_episodes):
    parsed = podcastparser.parse(
        "https://backstride.example/podcast/feed.xml", io.BytesIO(client.get(FEED).content)
    )
    assert parsed["title"] == "The Backstride Podcast"
    assert parsed["cover_url"].startswith("https://")
    assert parsed["type"] == "episodic"
    assert len(parsed["episodes"]) == N
    ep = next(e for e in parsed["episodes"] if e["title"].startswith("Episode 7:"))
    assert ep["total_time"] == 7 * 60 + 5
    assert ep["number"] == 7
    assert ep["enclosures"][0]["mime_type"] == "audio/mpeg"
    assert ep["enclosures"][0]["file_size"] > 0
    assert ep["published"] > 0
    # podcastparser 0.6 only knows the podcast namespace by an old GitHub URL, not the
    # spec's https://podcastindex.org/namespace/1.0, so podcast:* tags are checked with lxml.
    assert len({e["guid"] for e in parsed["episodes"]}) == N


def test_cover_art_is_a_square_png_between_1400_and_3000_px(client):
    from django.contrib.staticfiles import finders

    path = finders.find("publication/podcast-cover.png")
    with Image.open(path) as img:
        assert img.format == "PNG"
        assert img.width == img.height
        assert 1400 <= img.width <= 3000


def test_episode_guid_never_changes_when_title_or_slug_change(client):
    episode = make_episode()
    before = etree.fromstring(client.get(FEED).content).findtext(".//item/guid")
    episode.title, episode.slug = "A new title", "a-new-slug"
    episode.save()
    after = etree.fromstring(client.get(FEED).content)
    assert after.findtext(".//item/title") == "A new title"
    assert after.findtext(".//item/guid") == before == str(episode.guid)


def test_podcast_guid_is_computed_once_and_kept_when_the_site_moves(settings):
    show = PodcastShow.get()
    assert show.podcast_guid == podcast_guid("https://backstride.example/podcast/feed.xml")
    settings.SITE_URL = "https://new-home.example"
    assert PodcastShow.get().podcast_guid == show.podcast_guid
    assert isinstance(show.podcast_guid, uuid.UUID)


def test_conditional_get_answers_304(client):
    make_episode()
    first = client.get(FEED)
    etag, modified = first["ETag"], first["Last-Modified"]
    assert client.get(FEED, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(FEED, headers={"If-Modified-Since": modified}).status_code == 304


def test_feed_changes_when_an_episode_changes_or_goes_live(client, time_machine):
    make_episode("First")
    later = make_episode(
        "Later", number=2, status="scheduled", published_at=timezone.now() + timedelta(hours=2)
    )
    first = client.get(FEED)
    assert b"Later" not in first.content
    time_machine.move_to(later.published_at + timedelta(minutes=1))
    second = client.get(FEED, headers={"If-None-Match": first["ETag"]})
    assert second.status_code == 200
    assert b"Later" in second.content


def test_linked_article_is_in_the_show_notes(client):
    article = make_article("Returning to running")
    make_episode(article=article)
    notes = etree.fromstring(client.get(FEED).content).findtext(".//content:encoded", namespaces=NS)
    assert "https://backstride.example/articles/returning-to-running/" in notes


def test_article_feed_is_atom_with_live_articles_only(client):
    make_article("Walking as medicine", tags=("walking",))
    make_article("Draft piece", status="draft", published_at=None)
    parsed = feedparser.parse(client.get("/articles/feed.xml").content)
    assert not parsed.bozo
    assert [e.title for e in parsed.entries] == ["Walking as medicine"]
    assert parsed.entries[0].link == "https://backstride.example/articles/walking-as-medicine/"
    assert parsed.entries[0].tags[0].term == "walking"
