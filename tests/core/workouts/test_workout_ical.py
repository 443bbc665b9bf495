"""The iCalendar feed of planned sessions, parsed back with the icalendar package."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backstride.core.workouts.ical import calendar
from backstride.core.workouts.model import PlannedEvent

LONDON = ZoneInfo("Europe/London")
STAMP = datetime(2025, 3, 28, 9, 0, tzinfo=UTC)
FEED_URL = "https://backstride.example/plan/feed/abc123.ics"
REASONS = (
    "Why this session: your last walk–run was green (pain 2/10 during, back to baseline by "
    "next morning), so rung 3 is the one change you test — 90 s run; 90 s walk, 6 times.\n"
    "Rule: treat.adjust.green, source: Silbernagel 2007 (pain monitoring in Achilles "
    "tendinopathy — an analogy for backs). Keep the rest of the day ordinary; no long walk.\n"
    "Afterwards: cool-down walk, then rolled towel and ice 10–15 min (heat is a fine "
    "alternative). Path C:\\plans\\, a comma, and a semicolon; all escaped."
)

EVENTS = {
    "day before the clocks change": PlannedEvent(
        "run-2025-03-29@backstride.example",
        datetime(2025, 3, 29, 7, 0, tzinfo=LONDON),
        "Walk–run rung 3 🏃",
        timedelta(minutes=45),
        REASONS,
        "https://backstride.example/plan/2025-03-29/",
    ),
    "the morning the clocks go forward": PlannedEvent(
        "run-2025-03-30@backstride.example",
        datetime(2025, 3, 30, 7, 0, tzinfo=LONDON),
        "Läufchen, Stufe 3; ruhig",
        timedelta(minutes=45),
        "Zügig und kontrolliert — 9,5–11 km/h.",
    ),
    "spanning the change itself": PlannedEvent(
        "cross-2025-03-30@backstride.example",
        datetime(2025, 3, 30, 0, 30, tzinfo=LONDON),
        "Cross-trainer (night shift)",
        timedelta(hours=2),
    ),
    "all-day rest": PlannedEvent(
        "rest-2025-03-31@backstride.example", date(2025, 3, 31), "Rest day — ordinary day"
    ),
    "the first 01:30 when the clocks go back": PlannedEvent(
        "early-2025-10-26@backstride.example",
        datetime(2025, 10, 26, 1, 30, tzinfo=LONDON),  # fold=0: the first 01:30, in BST
        "Early run",
        timedelta(minutes=20),
    ),
    "the clocks go back": PlannedEvent(
        "run-2025-10-26@backstride.example",
        datetime(2025, 10, 26, 1, 30, tzinfo=LONDON, fold=1),  # the second 01:30, in GMT
        "Run 20 min",
        timedelta(minutes=30),
    ),
    "ending in the repeated hour": PlannedEvent(
        "late-2025-10-25@backstride.example",
        datetime(2025, 10, 26, 0, 30, tzinfo=LONDON),  # BST
        "Late cross-trainer",
        timedelta(minutes=90),  # ends at the second 01:00, in GMT
    ),
    "in UTC": PlannedEvent(
        "utc@backstride.example",
        datetime(2025, 4, 2, 6, 0, tzinfo=UTC),
        "Run in UTC",
        timedelta(minutes=30),
    ),
    "fixed offset, no zone name": PlannedEvent(
        "offset@backstride.example",
        datetime(2025, 4, 3, 8, 0, tzinfo=timezone(timedelta(hours=2))),
        "Run abroad",
        timedelta(minutes=30),
    ),
}

# (UTC start, UTC end or the all-day dates, TZID written or None)
EXPECTED: dict[str, tuple[object, object, str | None]] = {
    "day before the clocks change": (
        datetime(2025, 3, 29, 7, 0, tzinfo=UTC),
        datetime(2025, 3, 29, 7, 45, tzinfo=UTC),
        "Europe/London",
    ),
    "the morning the clocks go forward": (
        datetime(2025, 3, 30, 6, 0, tzinfo=UTC),
        datetime(2025, 3, 30, 6, 45, tzinfo=UTC),
        "Europe/London",
    ),
    "spanning the change itself": (
        datetime(2025, 3, 30, 0, 30, tzinfo=UTC),
        datetime(2025, 3, 30, 2, 30, tzinfo=UTC),  # 03:30 BST: two real hours
        "Europe/London",
    ),
    "all-day rest": (date(2025, 3, 31), date(2025, 4, 1), None),
    "the first 01:30 when the clocks go back": (
        datetime(2025, 10, 26, 0, 30, tzinfo=UTC),
        datetime(2025, 10, 26, 0, 50, tzinfo=UTC),
        "Europe/London",
    ),
    "the clocks go back": (  # a TZID time would mean the first 01:30, so UTC says it
        datetime(2025, 10, 26, 1, 30, tzinfo=UTC),
        datetime(2025, 10, 26, 2, 0, tzinfo=UTC),
        None,
    ),
    "ending in the repeated hour": (
        datetime(2025, 10, 25, 23, 30, tzinfo=UTC),
        datetime(2025, 10, 26, 1, 0, tzinfo=UTC),
        "Europe/London",
    ),
    "in UTC": (datetime(2025, 4, 2, 6, tzinfo=UTC), datetime(2025, 4, 2, 6, 30, tzinfo=UTC), None),
    "fixed offset, no zone name": (
        datetime(2025, 4, 3, 6, tzinfo=UTC),
        datetime(2025, 4, 3, 6, 30, tzinfo=UTC),
        None,
    ),
}


@pytest.fixture(scope="module")
def feed() -> bytes:
    return calendar(EVENTS.values(), "Backstride — Sam's plan", FEED_URL, stamp=STAMP)


@pytest.fixture(scope="module")
def parsed(feed: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(feed)


def _vevent(parsed: icalendar.Calendar, uid: str) -> icalendar.Event:
    (found,) = [e for e in parsed.events if str(e["UID"]) == uid]
    return found


@pytest.mark.parametrize("key", EVENTS, ids=EVENTS.keys())
def test_each_event_reads_back_with_its_uid_times_and_text(
    parsed: icalendar.Calendar, key: str
) -> None:
    event = EVENTS[key]
    start, end, tzid = EXPECTED[key]
    vevent = _vevent(parsed, event.uid)
    assert vevent.decoded("DTSTAMP") == STAMP
    assert str(vevent["SUMMARY"]) == event.title
    assert str(vevent.get("DESCRIPTION", "")) == event.description
    assert vevent.get("URL") == event.url
    got_start, got_end = vevent.decoded("DTSTART"), vevent.decoded("DTEND")
    if isinstance(start, datetime):
        assert isinstance(got_start, datetime) and isinstance(got_end, datetime)
        assert got_start.astimezone(UTC) == start
        assert got_end.astimezone(UTC) == end
        assert vevent["DTSTART"].params.get("TZID") == tzid
    else:
        assert (got_start, got_end) == (start, end)
        assert not isinstance(got_start, datetime)
        assert vevent["DTSTART"].params.get("VALUE") == "DATE"
        assert str(vevent["TRANSP"]) == "TRANSPARENT"


def test_feed_has_every_event_once_in_order(parsed: icalendar.Calendar) -> None:
    assert [str(e["UID"]) for e in parsed.walk("VEVENT")] == [e.uid for e in EVENTS.values()]


def test_feed_names_itself_and_links_back(parsed: icalendar.Calendar) -> None:
    assert str(parsed["VERSION"]) == "2.0"
    assert str(parsed["PRODID"]).startswith("-//Backstride//")
    assert str(parsed["NAME"]) == "Backstride — Sam's plan"
    assert str(parsed["X-WR-CALNAME"]) == "Backstride — Sam's plan"
    assert str(parsed["URL"]) == FEED_URL
    assert parsed["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert parsed.decoded("REFRESH-INTERVAL") > timedelta(0)


def test_vtimezone_for_london_gives_both_offsets_around_the_change(
    parsed: icalendar.Calendar,
) -> None:
    (vtimezone,) = parsed.timezones
    assert str(vtimezone["TZID"]) == "Europe/London"
    tz = vtimezone.to_tz()  # built from the VTIMEZONE rules alone, not the system database
    assert datetime(2025, 3, 29, 7, tzinfo=tz).utcoffset() == timedelta(0)
    assert datetime(2025, 3, 30, 7, tzinfo=tz).utcoffset() == timedelta(hours=1)
    assert datetime(2025, 10, 27, 7, tzinfo=tz).utcoffset() == timedelta(0)


def test_an_end_in_the_repeated_hour_is_written_in_utc(feed: bytes) -> None:
    event_lines = _event_lines(feed, "late-2025-10-25@backstride.example")
    assert "DTSTART;TZID=Europe/London:20251026T003000" in event_lines
    assert "DTEND:20251026T010000Z" in event_lines


def test_only_named_zones_get_a_vtimezone() -> None:
    only_utc = calendar([EVENTS["in UTC"], EVENTS["all-day rest"]], "Plan", stamp=STAMP)
    assert b"BEGIN:VTIMEZONE" not in only_utc
    assert b"DTSTART:20250402T060000Z" in only_utc


def test_lines_end_in_crlf_and_fold_at_75_octets_without_splitting_characters(
    feed: bytes,
) -> None:
    assert feed.endswith(b"\r\n")
    lines = feed.split(b"\r\n")[:-1]
    assert b"\n" not in b"".join(lines) and b"\r" not in b"".join(lines)
    for line in lines:
        assert len(line) <= 75, line
        line.decode("utf-8")  # a fold inside a character would make this fail
    assert any(line.startswith(b" ") for line in lines), "the long description must be folded"


def _unfolded(feed: bytes) -> list[str]:
    return re.sub(r"\r\n[ \t]", "", feed.decode("utf-8")).split("\r\n")


def _event_lines(feed: bytes, uid: str) -> list[str]:
    blocks: list[list[str]] = []
    for line in _unfolded(feed):
        if line == "BEGIN:VEVENT":
            blocks.append([])
        elif blocks and line != "END:VEVENT":
            blocks[-1].append(line)
    (found,) = [b for b in blocks if f"UID:{uid}" in b]
    return found


def test_commas_semicolons_backslashes_and_newlines_are_escaped(feed: bytes) -> None:
    lines = _unfolded(feed)
    (description,) = [x for x in lines if x.startswith("DESCRIPTION:Why this session")]
    assert r"no long walk.\nAfterwards" in description
    assert r"Path C:\\plans\\\, a comma\, and a semicolon\; all escaped." in description
    (summary,) = [x for x in lines if x.startswith("SUMMARY:Läufchen")]
    assert summary == r"SUMMARY:Läufchen\, Stufe 3\; ruhig"


def test_same_plan_and_stamp_give_identical_bytes(feed: bytes) -> None:
    again = calendar(EVENTS.values(), "Backstride — Sam's plan", FEED_URL, stamp=STAMP)
    assert again == feed


def test_stamp_is_written_in_utc(feed: bytes) -> None:
    later = calendar([EVENTS["all-day rest"]], "P", stamp=STAMP.astimezone(LONDON))
    assert b"DTSTAMP:20250328T090000Z" in later
    assert b"DTSTAMP:20250328T090000Z" in feed


def test_control_characters_are_dropped_and_crlf_becomes_a_newline() -> None:
    event = PlannedEvent("c@x", date(2025, 4, 1), "Run\x07 day", description="one\r\ntwo\rthree")
    vevent = _vevent(icalendar.Calendar.from_ical(calendar([event], "P", stamp=STAMP)), "c@x")
    assert str(vevent["SUMMARY"]) == "Run day"
    assert str(vevent["DESCRIPTION"]) == "one\ntwo\nthree"


def test_an_empty_plan_is_still_a_calendar() -> None:
    parsed = icalendar.Calendar.from_ical(calendar([], "Paused plan", FEED_URL, stamp=STAMP))
    assert parsed.walk("VEVENT") == []
    assert str(parsed["X-WR-CALNAME"]) == "Paused plan"


@pytest.mark.parametrize(
    ("events", "stamp", "message"),
    [
        ([EVENTS["in UTC"], EVENTS["in UTC"]], STAMP, "share the uid"),
        ([EVENTS["in UTC"]], datetime(2025, 3, 28, 9), "time-zone-aware"),
        (["not an event"], STAMP, "expected PlannedEvent"),
    ],
    ids=["duplicate uid", "naive stamp", "not an event"],
)
def test_bad_feeds_are_refused(events: list[PlannedEvent], stamp: datetime, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        calendar(events, "P", stamp=stamp)


printable = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")) | st.sampled_from("\n,;\\:\"'"),
    min_size=1,
    max_size=300,
)


@given(title=printable.filter(str.strip), description=printable)
@settings(max_examples=150, deadline=None)
def test_any_text_survives_the_round_trip_within_75_octet_lines(
    title: str, description: str
) -> None:
    event = PlannedEvent(
        "p@x", datetime(2025, 3, 30, 7, tzinfo=LONDON), title, timedelta(hours=1), description
    )
    feed = calendar([event], title, stamp=STAMP)
    assert all(len(line) <= 75 for line in feed.split(b"\r\n"))
    parsed = icalendar.Calendar.from_ical(feed)
    assert str(parsed["X-WR-CALNAME"]) == " ".join(title.split())  # a name is one line
    vevent = _vevent(parsed, "p@x")
    assert str(vevent["SUMMARY"]) == title
    assert str(vevent["DESCRIPTION"]) == description
