import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from backstride.core.publication.podcast import (
    PODCAST_GUID_NAMESPACE,
    format_itunes_duration,
    next_weekday_at,
    podcast_guid,
    rfc2822,
    sniff_audio,
    validate_chapters,
)


def test_namespace_is_the_one_the_spec_fixes():
    assert str(PODCAST_GUID_NAMESPACE) == "ead4c236-bf58-58c6-a2c6-a6b28d128cb6"


@pytest.mark.parametrize(
    "url",
    [
        "podnews.net/rss",
        "https://podnews.net/rss",
        "http://podnews.net/rss/",
        "https://podnews.net/rss///",
    ],
)
def test_guid_matches_the_spec_example_vector(url):
    # The Podcasting 2.0 spec's worked example for <podcast:guid>: the feed
    # "https://podnews.net/rss" -> "podnews.net/rss" -> 9b024349-ccf0-5f69-a609-6b82873eab3c
    assert podcast_guid(url) == uuid.UUID("9b024349-ccf0-5f69-a609-6b82873eab3c")


def test_guid_matches_the_specs_second_example():
    # The spec's other example feed, the Podcasting 2.0 show itself.
    assert podcast_guid("https://mp3s.nashownotes.com/pc20rss.xml") == uuid.UUID(
        "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    )


def test_the_namespace_url_itself_is_not_the_spec_vector():
    # A brief once paired "podcastindex.org/namespace/1.0" with the podnews vector; it is not.
    assert podcast_guid("podcastindex.org/namespace/1.0") != uuid.UUID(
        "9b024349-ccf0-5f69-a609-6b82873eab3c"
    )


def test_guid_differs_for_a_different_feed():
    assert podcast_guid("https://example.com/podcast/feed.xml") != podcast_guid(
        "https://example.org/podcast/feed.xml"
    )
    assert podcast_guid("https://example.com/podcast/feed.xml").version == 5


def test_guid_of_empty_url_is_an_error():
    with pytest.raises(ValueError):
        podcast_guid("https://")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "00:00"), (59.4, "00:59"), (59.6, "01:00"), (754, "12:34"), (3600, "1:00:00"),
     (3723, "1:02:03"), (36000, "10:00:00")],
)  # fmt: skip
def test_itunes_duration(seconds, text):
    assert format_itunes_duration(seconds) == text


def test_rfc2822_dates_are_gmt():
    moment = datetime(2025, 3, 30, 7, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))  # CEST, +2
    assert rfc2822(moment) == "Sun, 30 Mar 2025 05:00:00 GMT"
    with pytest.raises(ValueError):
        rfc2822(datetime(2025, 1, 1))


def test_next_sunday_seven_keeps_wall_clock_across_dst():
    tz = ZoneInfo("Europe/Amsterdam")
    wednesday = datetime(2025, 3, 26, 12, 0, tzinfo=tz)  # DST starts Sunday 30 March
    sunday = next_weekday_at(wednesday)
    assert (sunday.year, sunday.month, sunday.day, sunday.hour) == (2025, 3, 30, 7)
    assert sunday.utcoffset().total_seconds() == 7200
    assert sunday.astimezone(UTC).hour == 5


def test_next_sunday_on_a_sunday():
    tz = ZoneInfo("Europe/London")
    early = datetime(2025, 6, 1, 6, 59, tzinfo=tz)
    assert next_weekday_at(early).day == 1
    late = datetime(2025, 6, 1, 7, 0, tzinfo=tz)
    assert next_weekday_at(late).day == 8


def test_sniff_audio():
    assert sniff_audio(b"ID3\x04\x00\x00\x00\x00\x00\x00").mime == "audio/mpeg"
    assert sniff_audio(b"\xff\xfb\x90\x64" + b"\x00" * 10).mime == "audio/mpeg"
    assert sniff_audio(b"\x00\x00\x00\x20ftypM4A \x00\x00").mime == "audio/mp4"
    assert sniff_audio(b"\x89PNG\r\n\x1a\n\x00\x00") is None
    assert sniff_audio(b"<script>alert(1)</script>") is None
    assert sniff_audio(b"\x00\x00\x00\x20ftypqt  \x00\x00") is None  # a QuickTime video
    assert sniff_audio(b"\xff\xfb\xf0\x64") is None  # bitrate index 15 is invalid


def test_valid_chapters():
    doc = {
        "version": "1.2.0",
        "chapters": [
            {"startTime": 0, "title": "Intro"},
            {"startTime": 65.5, "title": "Walking", "url": "https://example.com"},
        ],
    }
    assert validate_chapters(doc) == []


@pytest.mark.parametrize(
    ("doc", "fragment"),
    [
        ([], "JSON object"),
        ({"chapters": []}, '"version"'),
        ({"version": "1.2.0"}, '"chapters"'),
        ({"version": "1.2.0", "chapters": [{"title": "x"}]}, "startTime"),
        ({"version": "1.2.0", "chapters": [{"startTime": -1}]}, "startTime"),
        ({"version": "1.2.0", "chapters": [{"startTime": 10}, {"startTime": 5}]}, "before"),
        ({"version": "1.2.0", "chapters": [{"startTime": 1, "colour": "red"}]}, "unknown"),
        ({"version": "1.2.0", "chapters": [{"startTime": 5, "endTime": 1}]}, "endTime"),
    ],
)
def test_invalid_chapters_explain_why(doc, fragment):
    problems = validate_chapters(doc)
    assert problems
    assert any(fragment in p for p in problems)
