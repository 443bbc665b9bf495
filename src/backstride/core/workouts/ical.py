"""An iCalendar (RFC 5545) feed of planned sessions, written with the ``icalendar`` package.

``icalendar`` does the fiddly parts of the format: escaping of ``, ; \\`` and newlines, folding
lines at 75 octets without splitting a UTF-8 character, CRLF line ends, and VTIMEZONE blocks
built from the IANA database for every zone a timed event uses. This module decides what goes in:
one VEVENT per :class:`~.model.PlannedEvent` with its stable UID, a DTSTAMP, an all-day date or
a zoned start, the title, the reasons and a link back to the app; plus the feed's name (RFC 7986
``NAME`` and the widely read ``X-WR-CALNAME``), its URL and a refresh hint for subscribers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vDuration

from .model import PlannedEvent

PRODID = "-//Backstride//Planned sessions//EN"
REFRESH = timedelta(hours=6)  # how often a subscribed client should re-read the feed
_TZ_MARGIN = timedelta(days=366)  # VTIMEZONE rules cover the events' span plus this each side


_UTC_KEYS = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Zulu", "Etc/Zulu", "Universal"})
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _text(value: str) -> str:
    """Text as RFC 5545 can carry it: newlines as LF (escaped on output), no other controls."""
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def _zoned(moment: datetime) -> datetime:
    """The same instant as iCalendar can say it without doubt.

    In an IANA zone it stays local (written with its TZID), unless it is the second occurrence
    of a repeated hour when the clocks go back: a local time with a TZID means the first one
    (RFC 5545 §3.3.5), so that instant is written in UTC. Any other zone becomes UTC (``Z``).
    """
    tz = moment.tzinfo
    if isinstance(tz, ZoneInfo) and tz.key not in _UTC_KEYS:
        local = moment.astimezone(UTC).astimezone(tz)  # a wall time that exists, fold set
        if local.fold == 0 or local.replace(fold=0).utcoffset() == local.utcoffset():
            return local
    return moment.astimezone(UTC)


def _vevent(event: PlannedEvent, stamp: datetime) -> Event:
    vevent = Event()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", stamp)
    if isinstance(event.start, datetime):
        # Exact elapsed time, even across a DST change, shown in the start's own zone.
        end = (event.start.astimezone(UTC) + event.duration).astimezone(event.start.tzinfo)
        vevent.add("dtstart", _zoned(event.start))
        vevent.add("dtend", _zoned(end))
    else:
        vevent.add("dtstart", event.start)
        vevent.add("dtend", event.start + event.duration)
        vevent.add("transp", "TRANSPARENT")  # a planned day does not make the person busy
    vevent.add("summary", _text(event.title))
    if event.description:
        vevent.add("description", _text(event.description))
    if event.url:
        vevent.add("url", event.url)
    return vevent


def calendar(
    events: Iterable[PlannedEvent], name: str, url: str | None = None, *, stamp: datetime
) -> bytes:
    """The feed as bytes (UTF-8, CRLF line ends), events in the order given.

    ``stamp`` (time-zone aware, usually now) is every event's DTSTAMP, so the same plan and
    stamp always give the same bytes. Raises ``ValueError`` for a naive stamp or two events
    with one UID.
    """
    if not isinstance(stamp, datetime) or stamp.tzinfo is None or stamp.utcoffset() is None:
        raise ValueError("the calendar stamp must be a time-zone-aware datetime")
    stamp = stamp.astimezone(UTC)
    events = list(events)
    seen: set[str] = set()
    for event in events:
        if not isinstance(event, PlannedEvent):
            raise ValueError(f"expected PlannedEvent, got {event!r}")
        if event.uid in seen:
            raise ValueError(f"two events share the uid {event.uid!r}; each needs its own")
        seen.add(event.uid)

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    if name.strip():
        one_line = " ".join(_text(name).split())
        cal.add("name", one_line)
        cal.add("x-wr-calname", one_line)
    if url:
        cal.add("url", url)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(REFRESH).to_ical().decode())  # the same, for Outlook
    for event in events:
        cal.add_component(_vevent(event, stamp))

    timed = [e.start for e in events if isinstance(e.start, datetime)]
    if timed:
        first = min(d.astimezone(UTC) for d in timed).date() - _TZ_MARGIN
        last = max(d.astimezone(UTC) for d in timed).date() + _TZ_MARGIN
        cal.add_missing_timezones(first_date=max(first, date(1970, 1, 1)), last_date=last)
    return cal.to_ical()
