"""Safe, streaming XML reading shared by the GPX and TCX parsers.

* ``lxml.etree.iterparse`` with entity resolution, DTD loading and network access off and
  ``huge_tree`` off; a document that *declares* entities is refused outright (activity files never
  do), so neither XXE nor "billion laughs" can expand.
* Elements are released as soon as they are read (:func:`release`), so memory stays flat.
* A document cut off at the end (a watch whose battery died) keeps what was read before the cut:
  :attr:`XmlStream.truncated` is set instead of raising.
* Point values are collected as strings in small batches and converted to numpy in bulk
  (:class:`PointBuffer`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import IO, Any

import numpy as np
from lxml import etree

from .model import ParseError

BATCH = 4096
_CONTINUATION_BYTES = bytes(range(0x80, 0xC0))


class CountingReader:
    """Wrap a binary stream; count bytes and lines so a parse error can be placed at the end."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.nbytes = 0
        self.nlines = 1
        self.last_line_chars = 0
        self.eof = False

    def read(self, size: int = -1) -> bytes:
        chunk = self.raw.read(size)
        if not chunk:
            self.eof = True
            return b""
        self.nbytes += len(chunk)
        newlines = chunk.count(b"\n")
        if newlines:
            self.nlines += newlines
            tail = chunk[chunk.rfind(b"\n") + 1 :]
            self.last_line_chars = len(tail.translate(None, _CONTINUATION_BYTES))
        else:
            self.last_line_chars += len(chunk.translate(None, _CONTINUATION_BYTES))
        return chunk


class XmlStream:
    """Iterate the *end* events of ``tags`` (``"{*}name"`` form) of an XML document safely.

    After iteration, ``truncated`` tells whether the document stopped early (data kept) and
    ``trailing_junk`` whether bytes followed a complete document (ignored). The consumer calls
    :meth:`done` when it sees the root element end (cheaper than checking every element).
    """

    def __init__(self, source: IO[bytes], tags: Sequence[str], kind: str) -> None:
        self.reader = CountingReader(source)
        self.tags = tuple(tags)
        self.kind = kind
        self.truncated = False
        self.trailing_junk = False
        self.complete = False
        self.root_tag: str | None = None
        self.last: Any = None  #: the last element yielded (still attached to the partial tree)

    def __iter__(self) -> Iterator[Any]:
        it = etree.iterparse(
            self.reader,
            events=("end",),
            tag=self.tags,
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
            remove_blank_text=True,
        )
        checked = False
        try:
            for _event, el in it:
                if not checked:
                    _refuse_entities(el.getroottree(), self.kind)
                    checked = True
                self.last = el
                yield el
        except etree.XMLSyntaxError as exc:
            if self.complete:
                self.trailing_junk = True
                return
            if "entit" in str(exc).lower():
                raise ParseError(_ENTITIES.format(kind=self.kind)) from None
            if self._cut_at_end(exc):
                self.truncated = True
                return
            raise ParseError(f"{self.kind} file is not valid XML ({_describe(exc)})") from None
        except etree.LxmlError as exc:  # pragma: no cover - other libxml2 failures
            raise ParseError(f"{self.kind} file could not be read as XML ({exc})") from None
        root = getattr(it, "root", None)
        if root is not None:
            if not checked:
                _refuse_entities(root.getroottree(), self.kind)
            self.root_tag = root.tag

    def done(self, root: Any) -> None:
        """The root element has ended: anything after it is junk, not a truncation."""
        self.complete = True
        self.root_tag = root.tag

    def _cut_at_end(self, exc: etree.XMLSyntaxError) -> bool:
        """True when the syntax error sits at the very end of the data (the file was cut off)."""
        if not self.reader.eof or self.reader.nbytes == 0:
            return False
        line, col = exc.position
        return line >= self.reader.nlines and col >= self.reader.last_line_chars

    def cut_note(self) -> str:
        return f"file is cut off after {self.reader.nbytes:,} bytes (the XML ends mid-document)"


_ENTITIES = (
    "{kind} file declares or uses XML entities (a DOCTYPE with <!ENTITY>); activity files "
    "never do, so it was refused for safety"
)


def _refuse_entities(tree: Any, kind: str) -> None:
    dtd = tree.docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise ParseError(_ENTITIES.format(kind=kind))


def _describe(exc: etree.XMLSyntaxError) -> str:
    msg = str(getattr(exc, "msg", "") or exc).split(", line ")[0]
    line, col = exc.position
    return f"line {line}, column {col}: {msg}" if line else msg


def release(el: Any) -> None:
    """Free an element we are done with, and any earlier siblings (constant memory)."""
    el.clear(keep_tail=False)
    parent = el.getparent()
    if parent is not None:
        while el.getprevious() is not None:
            del parent[0]


def local_name(tag: Any) -> str:
    """``{ns}name`` -> ``name``; non-element nodes (entities, comments) give ``""``."""
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def parse_time(text: str | None) -> float:
    """ISO 8601 -> POSIX seconds (naive times are UTC, per GPX/TCX); NaN when unreadable."""
    if not text:
        return float("nan")
    try:
        d = datetime.fromisoformat(text)
    except ValueError:
        d2 = _lenient_time(text)
        if d2 is None:
            return float("nan")
        d = d2
    if d.tzinfo is None:
        d = d.replace(tzinfo=UTC)
    try:
        return d.timestamp()
    except (OverflowError, OSError, ValueError):
        return float("nan")


def _lenient_time(text: str) -> datetime | None:
    s = text.strip().replace(" ", "T", 1)
    if s.endswith(("z", "Z")):
        s = s[:-1] + "+00:00"
    # More than 6 fractional digits: Python 3.11 copes, but trim defensively.
    try:
        return datetime.fromisoformat(s)
    except ValueError:
        return None


def parse_times(values: Sequence[str | None]) -> np.ndarray:
    """Vector of :func:`parse_time` results."""
    fromiso = datetime.fromisoformat
    out: list[float] = []
    append = out.append
    nan = float("nan")
    for s in values:
        if s is None:
            append(nan)
            continue
        try:
            d = fromiso(s)
            append(d.timestamp() if d.tzinfo is not None else parse_time(s))
        except (ValueError, OverflowError, OSError):
            append(parse_time(s))
    return np.array(out, dtype=np.float64)


def to_floats(values: Sequence[str | None]) -> tuple[np.ndarray, int]:
    """Strings -> float64 (None -> NaN). Returns the array and how many values were unreadable."""
    try:
        return np.array(values, dtype=np.float64), 0
    except (ValueError, TypeError):
        bad = 0
        out = np.empty(len(values), dtype=np.float64)
        for i, v in enumerate(values):
            try:
                out[i] = float(v) if v is not None else np.nan
            except (ValueError, TypeError):
                out[i] = np.nan
                bad += 1
        return out, bad


class PointBuffer:
    """Points as float blocks: each batch of string columns is converted at once."""

    def __init__(self, ncols: int, time_col: int) -> None:
        self.ncols = ncols
        self.time_col = time_col
        self.blocks: list[np.ndarray] = []
        self.count = 0
        self.bad_values = 0

    def add_columns(self, columns: Sequence[Sequence[str | None] | None], k: int) -> None:
        """Add ``k`` points given column by column (``None`` = column absent)."""
        if not k:
            return
        block = np.full((k, self.ncols), np.nan, dtype=np.float64)
        for j, col in enumerate(columns):
            if col is None:
                continue
            if j == self.time_col:
                block[:, j] = parse_times(col)
            else:
                block[:, j], bad = to_floats(col)
                self.bad_values += bad
        self.blocks.append(block)
        self.count += k

    def add_rows(self, rows: list[list[Any]]) -> None:
        if rows:
            self.add_columns(list(zip(*rows, strict=True)), len(rows))

    def array(self) -> np.ndarray:
        """All points as one ``(n, ncols)`` float array."""
        if not self.blocks:
            return np.empty((0, self.ncols), dtype=np.float64)
        if len(self.blocks) > 1:
            self.blocks = [np.concatenate(self.blocks)]
        return self.blocks[0]

    def reset(self) -> None:
        self.blocks = []
        self.count = 0


POINT = -2  # column marker: the element is a point itself


class PointBatcher:
    """Read point elements in bulk instead of one by one.

    The parser only counts completed point elements (:meth:`point_ended`); every ``BATCH``
    points, and whenever something else ends, the pending points are read from their container
    and deleted in one slice (so memory stays bounded by one batch).

    Reading is column by column: one C-driven ``iter(tag)`` pass over the container per value
    tag gives that column for every point at once. A column present in only some points is read
    point by point; a partial batch at a truncation is read element by element (exact). Freeing
    subtrees element by element and touching every element's ``tag`` is what makes lxml slow.
    """

    def __init__(
        self,
        buf: PointBuffer,
        point_tag: str,
        value_tags: Sequence[tuple[str, int]],
        attrs: Sequence[tuple[str, int]] = (),
    ) -> None:
        self.buf = buf
        self.point_tag = point_tag
        self.value_tags = tuple(value_tags)
        self.attrs = tuple(attrs)
        self.pending = 0
        self.parent: Any = None
        self.last: Any = None

    def point_ended(self, el: Any) -> None:
        if not self.pending:
            self.parent = el.getparent()
        self.pending += 1
        self.last = el
        if self.pending >= BATCH:
            self.extract()

    def extract(self, *, complete: bool = True) -> None:
        """Read the pending points. ``complete=False`` after a truncation: the container may end
        with a partial point, so only the first ``pending`` points are read."""
        k = self.pending
        container, last = self.parent, self.last
        self.pending = 0
        self.parent = self.last = None
        if not k or container is None:
            return
        cols = self._columns(container, k) if complete else None
        if cols is None:
            self.buf.add_rows(self._rows(container, k))
        else:
            self.buf.add_columns(cols, k)
        if complete and last is not None and last.getparent() is container:
            del container[: container.index(last) + 1]

    def _columns(self, container: Any, k: int) -> list[list[Any] | None] | None:
        """Column by column. The container may already hold a few points past the ``k``
        completed ones (libxml2 parses ahead in chunks), so only the first ``k`` are taken:
        a column found once in every point child is sliced from one C-driven pass; columns
        found in only some points are read together in one pass over points and those tags."""
        points = list(container.iterchildren(self.point_tag))
        n = len(points)
        if n < k:
            return None
        first = points[:k] if n != k else points
        cols: list[list[Any] | None] = [None] * self.buf.ncols
        for name, c in self.attrs:
            cols[c] = [p.get(name) for p in first]
        partial: list[tuple[str, int]] = []
        for tag, c in self.value_tags:
            if cols[c] is not None:
                continue  # an alias of this column was found already
            values = [e.text for e in container.iter(tag)]
            if len(values) == n:
                cols[c] = values[:k] if n != k else values
            elif values:
                partial.append((tag, c))
        if partial:
            rows = self._rows(container, k, partial)
            if len(rows) != k:
                return None
            for _tag, c in partial:
                if cols[c] is None:
                    cols[c] = [r[c] for r in rows]
        return cols

    def _rows(
        self, container: Any, k: int, value_tags: Sequence[tuple[str, int]] | None = None
    ) -> list[list[Any]]:
        """Element by element, exact (the first ``k`` points only)."""
        tags = self.value_tags if value_tags is None else value_tags
        lookup = {t.rpartition("}")[2]: c for t, c in reversed(tags)}
        point_name = local_name(self.point_tag)
        ncols = self.buf.ncols
        rows: list[list[Any]] = []
        row: list[Any] | None = None
        cache: dict[Any, int] = {}
        for e in container.iter(self.point_tag, *(t for t, _ in tags)):
            tag = e.tag
            col = cache.get(tag)
            if col is None:
                name = local_name(tag)
                col = cache[tag] = POINT if name == point_name else lookup.get(name, -1)
            if col == POINT:
                if len(rows) == k:
                    break
                row = [None] * ncols
                for attr, c in self.attrs:
                    row[c] = e.get(attr)
                rows.append(row)
            elif col >= 0 and row is not None and row[col] is None:
                row[col] = e.text
        return rows
