"""Public pages: visibility, article furniture, related articles, SEO, valid HTML."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from io import StringIO

import html5lib
import pytest
from django.utils import timezone
from lxml import etree

from backstride.publication import publishing, services
from backstride.publication.demo import load_demo
from backstride.publication.models import Article, Episode

from .conftest import make_article, make_episode

pytestmark = pytest.mark.django_db

LONG_BODY = "\n\n".join(
    f"## Section {n}\n\n" + ("Walking and core work help most backs. " * 40) for n in range(1, 5)
)


def strict_parse(html: str) -> None:
    """html5lib in strict mode raises on any parse error (unclosed tags, bad nesting...)."""
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)


def json_ld_blocks(html: str) -> list[dict]:
    return [
        json.loads(m)
        for m in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    ]


def test_draft_and_future_articles_are_404_for_the_public(client, client_for, athlete, editor):
    draft = make_article("Draft", status="draft", published_at=None)
    future = make_article(
        "Future", status="scheduled", published_at=timezone.now() + timedelta(days=1)
    )
    for user in (None, athlete):
        for article in (draft, future):
            assert client_for(user).get(article.get_absolute_url()).status_code == 404
    preview = client_for(editor).get(draft.get_absolute_url())
    assert preview.status_code == 200
    assert "only editors can see it" in preview.content.decode()
    assert b'name="robots" content="noindex"' in preview.content


def test_draft_episode_is_404_for_the_public(client):
    episode = make_episode(status="draft", published_at=None)
    assert client.get(episode.get_absolute_url()).status_code == 404


def test_article_page_has_reading_time_author_dates_tags_and_toc(client, editor):
    article = make_article("A long read", body=LONG_BODY, tags=("core stability",), author=editor)
    html = client.get(article.get_absolute_url()).content.decode()
    assert f"{article.reading_minutes} min read" in html
    assert article.reading_minutes >= 3
    assert "By Erin" in html
    assert f'datetime="{article.published_at.isoformat()}"' in html or "<time" in html
    assert 'href="/articles/tag/core-stability/"' in html
    assert 'aria-labelledby="toc-heading"' in html
    assert '<a href="#section-2">Section 2</a>' in html
    strict_parse(html)


def test_short_article_has_no_toc(client):
    article = make_article()
    assert (
        'aria-labelledby="toc-heading"'
        not in client.get(article.get_absolute_url()).content.decode()
    )


def test_tag_page_lists_only_live_articles_with_that_tag(client):
    make_article("Run short", tags=("running",))
    make_article("Sleep", tags=("sleep",))
    make_article("Secret run", tags=("running",), status="draft", published_at=None)
    html = client.get("/articles/tag/running/").content.decode()
    assert "Run short" in html and "Sleep" not in html and "Secret run" not in html
    assert client.get("/articles/tag/nope/").status_code == 404


def test_seo_meta_canonical_og_twitter_and_json_ld(client, editor):
    article = make_article("Walking as medicine", author=editor, tags=("walking",))
    html = client.get(article.get_absolute_url()).content.decode()
    url = "https://backstride.example/articles/walking-as-medicine/"
    assert f'<link rel="canonical" href="{url}">' in html
    assert f'<meta property="og:url" content="{url}">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta name="twitter:card"' in html
    assert '<meta property="og:image" content="https://backstride.example/' in html
    [ld] = json_ld_blocks(html)
    assert ld["@type"] == "MedicalWebPage"
    assert ld["headline"] == "Walking as medicine"
    assert ld["author"]["name"] == "Erin"


def test_json_ld_cannot_be_broken_out_of(client):
    article = make_article("Tricky </script><script>alert(1)</script>", slug="tricky")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in html
    assert json_ld_blocks(html)[0]["headline"].startswith("Tricky </script>")


def test_episode_page_has_player_transcript_chapters_and_json_ld(client):
    article = make_article("Returning to running")
    episode = make_episode(
        article=article,
        transcript="WEBVTT\n\n1\n00:00:00.000 --> 00:00:03.000\nWelcome back.\n",
        chapters={
            "version": "1.2.0",
            "chapters": [
                {"startTime": 0, "title": "Welcome"},
                {"startTime": 65, "title": "Ladder"},
            ],
        },
    )
    html = client.get(episode.get_absolute_url()).content.decode()
    assert f'<audio controls preload="metadata" src="{episode.audio_url}"' in html
    assert '<track kind="captions"' in html
    assert "Welcome back." in html and "00:00:00.000" not in html.split("Transcript")[1]
    assert "01:05" in html and "Ladder" in html
    assert 'href="/articles/returning-to-running/"' in html
    [ld] = json_ld_blocks(html)
    assert ld["@type"] == "PodcastEpisode"
    assert ld["partOfSeries"]["@type"] == "PodcastSeries"
    strict_parse(html)
    vtt = client.get(episode.transcript_url)
    assert vtt["Content-Type"].startswith("text/vtt")
    chapters = client.get(episode.chapters_url)
    assert chapters["Content-Type"].startswith("application/json+chapters")
    assert json.loads(chapters.content)["chapters"][1]["startTime"] == 65


def test_podcast_list_has_series_json_ld_and_is_valid(client):
    make_episode()
    html = client.get("/podcast/").content.decode()
    assert json_ld_blocks(html)[0]["@type"] == "PodcastSeries"
    assert "https://backstride.example/podcast/feed.xml" in html
    strict_parse(html)


def test_sitemap_lists_live_pages_only(client):
    live = make_article("Live one")
    make_article("Hidden one", status="draft", published_at=None)
    episode = make_episode()
    root = etree.fromstring(client.get("/sitemap.xml").content)
    locs = [e.text for e in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert f"https://backstride.example{live.get_absolute_url()}" in locs
    assert f"https://backstride.example{episode.get_absolute_url()}" in locs
    assert "https://backstride.example/podcast/" in locs
    assert not any("hidden-one" in loc for loc in locs)


def test_robots_txt_points_at_the_sitemap_and_hides_private_pages(client):
    text = client.get("/robots.txt").content.decode()
    assert "Sitemap: https://backstride.example/sitemap.xml" in text
    assert "Disallow: /editor/" in text


def test_homepage_shows_latest_episode_and_articles(client):
    make_article("The newest article")
    make_episode("The newest episode")
    make_episode(
        "Hidden future",
        number=2,
        status="scheduled",
        published_at=timezone.now() + timedelta(days=1),
    )
    html = client.get("/").content.decode()
    assert "Latest podcast episode" in html and "The newest episode" in html
    assert "The newest article" in html
    assert "Hidden future" not in html
    strict_parse(html)


def test_homepage_context_service():
    article = make_article()
    episode = make_episode()
    ctx = services.homepage_context()
    assert ctx["latest_episode"] == episode
    assert ctx["latest_articles"] == [article]


# --- related articles -------------------------------------------------------------------


def test_related_core_stability_prefers_core_stability_over_podcast_news(client):
    stdout = StringIO()
    load_demo(stdout)
    make_article(
        "Our podcast has a new home",
        summary="Subscribe to the show in your favourite podcast app.",
        body="The podcast feed moved. Subscribe in any podcast app; new episodes every Sunday.",
        tags=("podcast", "news"),
    )
    make_article(
        "Five core stability exercises for runners",
        summary="Planks, side planks, bird dogs and bridges: a core stability routine.",
        body="Core stability for runners: plank, side plank, bird dog and single-leg bridge. "
        "Hold each for short sets; core endurance matters more than strength.",
        tags=("core stability", "exercise"),
    )
    publishing.recompute_related()
    core = Article.objects.get(slug="core-stability-without-the-myths")
    related = [a.title for a in services.related_articles(core)]
    assert related[0] == "Five core stability exercises for runners"
    assert "Our podcast has a new home" not in related
    assert 3 <= len(related) <= 5
    html = client.get(core.get_absolute_url()).content.decode()
    assert "Related articles" in html and "Five core stability exercises" in html


def test_related_pins_come_first_and_drafts_future_and_self_are_excluded():
    a = make_article("Core A", body="core plank bridge", tags=("core",))
    b = make_article("Core B", body="core plank bridge bird dog", tags=("core",))
    pinned = make_article("Sleep", body="pillow night", tags=("sleep",))
    draft = make_article(
        "Core draft", body="core plank bridge", tags=("core",), status="draft", published_at=None
    )
    future = make_article(
        "Core future",
        body="core plank bridge",
        tags=("core",),
        status="scheduled",
        published_at=timezone.now() + timedelta(days=1),
    )
    a.pinned_related.add(pinned, draft)
    publishing.recompute_related()
    related = services.related_articles(a)
    assert related[0] == pinned
    assert b in related
    assert a not in related and draft not in related and future not in related


def test_demo_is_idempotent_and_has_enough_content():
    load_demo(StringIO())
    counts = (Article.objects.count(), Episode.objects.count())
    load_demo(StringIO())
    assert (Article.objects.count(), Episode.objects.count()) == counts
    assert Article.objects.live().count() >= 8
    assert Episode.objects.live().count() >= 4
    scheduled = Episode.objects.exclude(pk__in=Episode.objects.live())
    assert scheduled.count() == 1
    ep = scheduled.get()
    assert ep.article is not None and ep.article.published_at == ep.published_at
    for article in Article.objects.all():
        assert 400 <= article.word_count <= 900, (article.slug, article.word_count)
    for episode in Episode.objects.all():
        assert episode.article is not None
        assert episode.duration_seconds > 10
        assert episode.transcript.startswith("WEBVTT")


def test_article_list_and_tag_pages_are_valid_html(client):
    load_demo(StringIO())
    for path in ("/articles/", "/articles/tag/running/", "/articles/treat-explained/"):
        response = client.get(path)
        assert response.status_code == 200
        strict_parse(response.content.decode())
