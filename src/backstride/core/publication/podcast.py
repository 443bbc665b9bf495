"""Podcast feed maths: Podcasting 2.0 ``podcast:guid``, iTunes durations, RFC 2822 dates,
the JSON chapters format, and a content sniff for uploaded audio."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

__all__ = [
    "PODCAST_GUID_NAMESPACE",
    "AudioKind",
    "format_itunes_duration",
    "next_weekday_at",
    "podcast_guid",
    "rfc2822",
    "sniff_audio",
    "validate_chapters",
]

#: The namespace the Podcasting 2.0 spec fixes for ``podcast:guid`` (a UUIDv5 of the
#: "podcast" namespace itself, ``uuid5(NAMESPACE_URL, "https://podcastindex.org/namespace/1.0")``).
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def podcast_guid(feed_url: str) -> uuid.UUID:
    """The ``podcast:guid`` for a feed URL: UUIDv5 of the URL without its scheme ("https://")
    and without trailing slashes, in the Podcasting 2.0 namespace.

    Compute it once when the show is created and store it: the guid must never change, even
    when the feed moves.
    """
    value = _SCHEME.sub("", feed_url.strip()).rstrip("/")
    if not value:
        raise ValueError("feed URL is empty")
    return uuid.uuid5(PODCAST_GUID_NAMESPACE, value)


def format_itunes_duration(seconds: float | int) -> str:
    """``itunes:duration`` as ``H:MM:SS`` (an hour or more) or ``MM:SS``; rounds to the second."""
    total = round(seconds)
    if total < 0:
        raise ValueError("duration must not be negative")
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes:02d}:{secs:02d}"


def rfc2822(moment: datetime) -> str:
    """An RFC 2822 date for RSS ``pubDate`` (always in GMT). ``moment`` must be aware."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a naive datetime has no defined instant")
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def next_weekday_at(now: datetime, weekday: int = 6, hour: int = 7, minute: int = 0) -> datetime:
    """The next ``weekday`` (Monday 0 … Sunday 6) at ``hour:minute`` strictly after ``now``, in
    ``now``'s time zone (a ``ZoneInfo``). The wall-clock time is kept across a DST change."""
    if now.tzinfo is None:
        raise ValueError("now must be aware")
    days = (weekday - now.weekday()) % 7
    candidate = datetime.combine(
        now.date() + timedelta(days=days),
        datetime.min.time().replace(hour=hour, minute=minute),
        tzinfo=now.tzinfo,
    )
    if candidate <= now:
        candidate = datetime.combine(candidate.date() + timedelta(days=7), candidate.timetz())
    return candidate


# --- audio sniffing -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AudioKind:
    mime: str
    extension: str


MP3 = AudioKind("audio/mpeg", "mp3")
M4A = AudioKind("audio/mp4", "m4a")
_M4A_BRANDS = {b"M4A ", b"M4B ", b"mp42", b"isom", b"iso2", b"mp41", b"dash"}


def _mpeg_frame_sync(head: bytes, offset: int) -> bool:
    if len(head) < offset + 4:
        return False
    b1, b2, b3 = head[offset + 1], head[offset + 2], head[offset + 3]
    if head[offset] != 0xFF or (b1 & 0xE0) != 0xE0:
        return False
    version = (b1 >> 3) & 0x03
    layer = (b1 >> 1) & 0x03
    bitrate = (b2 >> 4) & 0x0F
    rate = (b2 >> 2) & 0x03
    del b3
    return version != 1 and layer != 0 and bitrate not in (0, 15) and rate != 3


def sniff_audio(head: bytes) -> AudioKind | None:
    """Recognise MP3 (ID3v2 tag or an MPEG audio frame header) or MP4/M4A audio (``ftyp`` box)
    from the first bytes of a file; ``None`` for anything else. The file name and the
    browser-sent content type are never trusted."""
    if head[:3] == b"ID3" and len(head) >= 10:
        return MP3
    if _mpeg_frame_sync(head, 0):
        return MP3
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in _M4A_BRANDS:
        return M4A
    return None


# --- Podcasting 2.0 JSON chapters -----------------------------------------------------------

_CHAPTER_KEYS = {"startTime", "endTime", "title", "img", "url", "toc", "location"}


def validate_chapters(data: Any) -> list[str]:
    """Check a document against the Podcasting 2.0 JSON chapters format (version 1.2.0).

    Returns human-readable problems; an empty list means the document is valid.
    """
    problems: list[str] = []
    if not isinstance(data, Mapping):
        return ['Chapters must be a JSON object with "version" and "chapters".']
    if not isinstance(data.get("version"), str):
        problems.append('"version" is required and must be a string such as "1.2.0".')
    chapters = data.get("chapters")
    if not isinstance(chapters, list):
        problems.append('"chapters" is required and must be a list.')
        return problems
    previous = -1.0
    for number, chapter in enumerate(chapters, start=1):
        where = f"Chapter {number}"
        if not isinstance(chapter, Mapping):
            problems.append(f"{where} must be an object.")
            continue
        start = chapter.get("startTime")
        if isinstance(start, bool) or not isinstance(start, int | float) or start < 0:
            problems.append(f'{where}: "startTime" is required, in seconds, not negative.')
            continue
        if start < previous:
            problems.append(f"{where} starts before the chapter above it.")
        previous = float(start)
        end = chapter.get("endTime")
        if end is not None and (
            isinstance(end, bool) or not isinstance(end, int | float) or end < start
        ):
            problems.append(f'{where}: "endTime" must be a number after "startTime".')
        for key in ("title", "img", "url"):
            if key in chapter and not isinstance(chapter[key], str):
                problems.append(f'{where}: "{key}" must be a string.')
        unknown = set(chapter) - _CHAPTER_KEYS
        if unknown:
            problems.append(f"{where}: unknown field(s) {', '.join(sorted(unknown))}.")
    return problems
