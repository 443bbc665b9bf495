"""Parse an HTTP ``Range`` request header for one representation (RFC 9110 §14).

Only single byte ranges are served. A header with several ranges (``bytes=0-9,20-29``) is
*ignored* and the whole file is sent with 200: RFC 9110 §14.2 lets a server ignore ``Range``,
and podcast players and browsers only ever ask for one range. A syntactically invalid header,
or one in a unit other than ``bytes``, is ignored the same way. A well-formed single range
that starts at or past the end of the file is *unsatisfiable* (416).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

__all__ = [
    "ByteRange",
    "Ignore",
    "RangeResult",
    "Unsatisfiable",
    "content_range",
    "if_range_allows",
    "parse_range",
]

_SPEC = re.compile(r"^(?P<first>\d*)-(?P<last>\d*)$")


@dataclass(frozen=True, slots=True)
class ByteRange:
    """Inclusive byte positions ``start``..``end`` of a representation of ``size`` bytes."""

    start: int
    end: int
    size: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1


@dataclass(frozen=True, slots=True)
class Ignore:
    """No usable range: answer 200 with the full representation."""

    reason: str


@dataclass(frozen=True, slots=True)
class Unsatisfiable:
    """Answer 416 with ``Content-Range: bytes */size``."""

    size: int


RangeResult = ByteRange | Ignore | Unsatisfiable


def parse_range(header: str | None, size: int) -> RangeResult:
    """Decide what to send for ``header`` against a representation of ``size`` bytes."""
    if size < 0:
        raise ValueError("size must not be negative")
    if header is None or not header.strip():
        return Ignore("no Range header")
    unit, sep, spec_list = header.strip().partition("=")
    if not sep or unit.strip().lower() != "bytes":
        return Ignore("not a bytes range")
    specs = [s.strip() for s in spec_list.split(",")]
    specs = [s for s in specs if s]  # RFC 9110 list syntax allows empty elements
    if not specs:
        return Ignore("empty range set")
    if len(specs) > 1:
        return Ignore("multiple ranges are served as the full representation")
    match = _SPEC.match(specs[0])
    if match is None:
        return Ignore("malformed range")
    first, last = match.group("first"), match.group("last")
    if not first and not last:
        return Ignore("malformed range")
    if not first:
        # suffix-range: the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            return Unsatisfiable(size)
        start = max(size - suffix, 0)
        return ByteRange(start, size - 1, size)
    start = int(first)
    if last:
        end = int(last)
        if end < start:
            return Ignore("last byte before first byte")
    else:
        end = size - 1
    if start >= size:
        return Unsatisfiable(size)
    return ByteRange(start, min(end, size - 1), size)


def content_range(result: ByteRange | Unsatisfiable) -> str:
    """The ``Content-Range`` header value for a 206 or a 416 response."""
    if isinstance(result, Unsatisfiable):
        return f"bytes */{result.size}"
    return f"bytes {result.start}-{result.end}/{result.size}"


def if_range_allows(if_range: str | None, etag: str, last_modified: datetime | None) -> bool:
    """Whether a ``Range`` may be honoured given an ``If-Range`` precondition (RFC 9110 §13.1.5).

    ``etag`` is the strong entity tag (with quotes) of the current representation. A weak tag
    in ``If-Range`` never matches; a date matches only when it equals ``last_modified`` to the
    second. When ``If-Range`` is absent the range applies.
    """
    if if_range is None:
        return True
    value = if_range.strip()
    if value.startswith('"'):
        return value == etag and not etag.startswith("W/")
    if value.startswith("W/"):
        return False
    if last_modified is None:
        return False
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return False
    if when.tzinfo is None or last_modified.tzinfo is None:
        return False
    return int(when.timestamp()) == int(last_modified.timestamp())
