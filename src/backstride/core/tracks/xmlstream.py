"""Safe, streaming XML reading shared by the GPX and TCX parsers.

* ``lxml.etree.iterparse`` with entity resolution, DTD loading and network access off and
  ``huge_tree`` off; a document that *declares* entities is refused outright (activity files never
  do), so neither XXE nor "billion laughs" can expand.
* Elements are released as soon as they are read (:func:`release`), so memory stays flat.
* A document cut off at the end (a watch whose battery died) keeps what was read before the cut:
  :attr:`XmlStream.truncated` is set instead of raising.
* Point values are collected as strings in small batches and converted to numpy in bulk
  (:class:`~.xmlvalues.PointBuffer`, in :mod:`.xmlvalues`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import IO, TYPE_CHECKING, Any, TypeVar

from lxml import etree

from .model import ParseError
from .xmlvalues import BATCH, PointBuffer

if TYPE_CHECKING:
    from .raw import RawPart

T = TypeVar("T")

_CONTINUATION_BYTES = bytes(range(0x80, 0xC0))


class CountingReader:
    """Wrap a binary stream; count bytes, and lines when needed, so that a parse error can be
    placed at the very end of the data (a cut-off file) or not.

    For a seekable source, lines are only counted if an error happens (by reading the data
    again); for a pipe they are counted as the data goes by."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.nbytes = 0
        self.eof = False
        self.start: int | None
        try:
            self.start = raw.tell() if raw.seekable() else None
        except (AttributeError, OSError, ValueError):
            self.start = None
        self._lines: list[int] | None = None if self.start is not None else [1, 0]

    def read(self, size: int = -1) -> bytes:
        chunk = self.raw.read(size)
        if not chunk:
            self.eof = True
            return b""
        self.nbytes += len(chunk)
        if self._lines is not None:
            _count_lines(self._lines, chunk)
        return chunk

    def line_stats(self) -> tuple[int, int]:
        """(number of lines, characters on the last line) of the data read so far."""
        if self._lines is not None:
            return self._lines[0], self._lines[1]
        lines = [1, 0]
        assert self.start is not None
        self.raw.seek(self.start)
        left = self.nbytes
        while left > 0:
            chunk = self.raw.read(min(left, 1 << 20))
            if not chunk:
                break
            left -= len(chunk)
            _count_lines(lines, chunk)
        return lines[0], lines[1]


def _count_lines(lines: list[int], chunk: bytes) -> None:
    newlines = chunk.count(b"\n")
    if newlines:
        lines[0] += newlines
        tail = chunk[chunk.rfind(b"\n") + 1 :]
        lines[1] = len(tail.translate(None, _CONTINUATION_BYTES))
    else:
        lines[1] += len(chunk.translate(None, _CONTINUATION_BYTES))


_SAFE: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
    "remove_blank_text": True,
}

#: Documents up to this size are not freed one batch of points at a time: their whole tree is
#: freed at once at the end (libxml2 frees a document faster than lxml unlinks subtrees, and
#: the tree of a few MB of XML is small). Larger documents, or streams of unknown size, free
#: every batch, so memory stays bounded by one batch of points.
FREE_AFTER_BYTES = 4 * 1024 * 1024


class XmlStream:
    """Safe iterparse over the *end* events of ``tags`` (``"{*}name"`` form).

    Use as a context manager around the loop over :attr:`events`; XML errors leaving the loop
    are turned into :class:`ParseError` or, when the document is merely cut off at the end,
    swallowed with :attr:`truncated` set (data read so far is kept). The consumer calls
    :meth:`check` with the first element (refuses entity declarations) and :meth:`done` when
    the root element ends (junk after it is then ignored, with :attr:`trailing_junk` set).
    """

    def __init__(
        self,
        source: IO[bytes],
        tags: Sequence[str],
        kind: str,
        size_hint: int | None = None,
        point_tags: Sequence[str] = (),
        point_events: bool = True,
        point_containers: Sequence[str] = (),
    ) -> None:
        self.reader = CountingReader(source)
        #: free points batch by batch (large or unknown-size input)
        self.freeing = size_hint is None or size_hint > FREE_AFTER_BYTES
        #: With point events (iterparse), every completed point is counted: exact even when the
        #: file is cut off, and points can be freed batch by batch. Without (the fast path for
        #: small documents), the document is parsed in one go with the same safe settings and
        #: walked for container ends; any XML error there makes ``retry`` true, and the caller
        #: parses again with iterparse to say what is wrong or to keep what a cut-off file holds.
        self.point_events = point_events or self.freeing
        self.kind = kind
        self.truncated = False
        self.trailing_junk = False
        self.complete = False
        self.checked = False
        self.retry = False
        self.root_tag: str | None = None
        self.events: Any
        if self.point_events:
            self.events = etree.iterparse(
                self.reader,
                events=("end",),
                tag=(*point_tags, *tags),
                **_SAFE,
            )
            return
        self.events = iter(())
        data = self.reader.read(FREE_AFTER_BYTES + 1)
        if len(data) > FREE_AFTER_BYTES:
            self.retry = True
            return
        try:
            root = etree.fromstring(data, etree.XMLParser(**_SAFE))
        except etree.LxmlError:
            self.retry = True
            return
        if root is None:  # pragma: no cover - libxml2 raises instead
            self.retry = True
            return
        self.check(root)
        self.root_tag = root.tag
        self.events = _walk(root, tuple(tags), frozenset(point_containers))

    def check(self, el: Any) -> None:
        _refuse_entities(el.getroottree(), self.kind)
        self.checked = True

    def named_events(self) -> Iterator[tuple[str, Any]]:
        """``(local name, element)`` for each of :attr:`events`; the first element is checked
        (:meth:`check`) before it is handed out."""
        names: dict[Any, str] = {}
        for _event, el in self.events:
            tag = el.tag
            name = names.get(tag)
            if name is None:
                name = names[tag] = local_name(tag)
                if not self.checked:
                    self.check(el)
            yield name, el

    def check_root(self, name: str) -> None:
        """Refuse a document whose root element is not ``name`` (another kind of XML file)."""
        if self.root_tag is not None and local_name(self.root_tag) != name:
            raise ParseError(
                f"not a {self.kind} file (the XML root element is <{local_name(self.root_tag)}>)"
            )

    def done(self, root: Any) -> None:
        """The root element has ended: anything after it is junk, not a truncation."""
        self.complete = True
        self.root_tag = root.tag

    def __enter__(self) -> XmlStream:
        return self

    def __exit__(self, etype: Any, exc: Any, tb: Any) -> bool:
        if etype is None:
            root = getattr(self.events, "root", None)
            if root is not None:
                if not self.checked:
                    self.check(root)
                self.root_tag = root.tag
            return False
        if issubclass(etype, etree.XMLSyntaxError):
            if self.complete:
                self.trailing_junk = True
                return True
            if "entit" in str(exc).lower():
                raise ParseError(_ENTITIES.format(kind=self.kind)) from None
            if self._cut_at_end(exc):
                self.truncated = True
                return True
            raise ParseError(f"{self.kind} file is not valid XML ({_describe(exc)})") from None
        if issubclass(etype, etree.LxmlError):  # pragma: no cover - other libxml2 failures
            raise ParseError(f"{self.kind} file could not be read as XML ({exc})") from None
        return False

    def _cut_at_end(self, exc: etree.XMLSyntaxError) -> bool:
        """True when the syntax error sits at the very end of the data (the file was cut off)."""
        if not self.reader.eof or self.reader.nbytes == 0:
            return False
        line, col = exc.position
        nlines, last_line_chars = self.reader.line_stats()
        return line >= nlines and col >= last_line_chars

    def cut_note(self) -> str:
        return f"file is cut off after {self.reader.nbytes:,} bytes (the XML ends mid-document)"


_ENTITIES = (
    "{kind} file declares or uses XML entities (a DOCTYPE with <!ENTITY>); activity files "
    "never do, so it was refused for safety"
)


def _walk(root: Any, tags: tuple[str, ...], containers: frozenset[str]) -> Iterator[Any]:
    """The end events of ``tags`` in a parsed tree, without descending into point containers
    (their points are read in bulk by :class:`PointBatcher`, so walking them is wasted)."""
    walker = etree.iterwalk(root, events=("start", "end"), tag=tags)
    for event, el in walker:
        if event == "start":
            if containers and local_name(el.tag) in containers:
                walker.skip_subtree()
            continue
        yield event, el


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


def parse_with_fast_path(
    parse: Callable[[IO[bytes], int | None, bool], T | None],
    source: IO[bytes],
    size_hint: int | None,
) -> T:
    """Run ``parse`` on the fast path (whole document, no point events) when the document is
    small and the source can be re-read; if that gives up (``None``: the XML is not clean),
    parse again with iterparse, counting points."""
    if size_hint is not None and size_hint <= FREE_AFTER_BYTES and _seekable(source):
        start = source.tell()
        result = parse(source, size_hint, False)
        if result is not None:
            return result
        source.seek(start)
    result = parse(source, size_hint, True)
    assert result is not None
    return result


def parse_raw(parse: Callable[..., object], source: IO[bytes], spill: IO[bytes]) -> list[RawPart]:
    """Run ``parse`` (a ``_parse_*`` of :mod:`.gpx` or :mod:`.tcx`) for the file's points as raw
    columns kept in ``spill`` (a temporary file), for a constant-memory export."""
    raw: list[RawPart] = []
    parse_with_fast_path(partial(parse, spill=spill, raw=raw), source, None)
    return raw


def _seekable(source: IO[bytes]) -> bool:
    try:
        return bool(source.seekable())
    except (AttributeError, OSError, ValueError):
        return False


POINT = -2  # column marker: the element is a point itself


class PointBatcher:
    """Read point elements in bulk instead of one by one.

    The parser only counts completed point elements (:meth:`point_ended`). Pending points are
    read when something else ends (their container, usually), and - once the input is large
    (:attr:`XmlStream.freeing`) - every ``BATCH`` points, after which they are deleted in one
    slice, so memory stays bounded by a batch.

    Reading is column by column: one C-driven ``iter(tag)`` pass over the container per value
    tag gives that column for every point at once. libxml2 parses ahead in chunks, so the
    container may already hold points past the completed ones, and earlier points may still be
    there (not freed): the pending points are the window ``[offset, offset + pending)`` of the
    container's point children. A column missing from a few points at the start or end of the
    container is aligned by checking which point holds its first/last value; other partial
    columns, and a cut-off batch, are read element by element.
    """

    def __init__(
        self,
        stream: XmlStream,
        buf: PointBuffer,
        point_tag: str,
        value_tags: Sequence[tuple[str, int]],
        attrs: Sequence[tuple[str, int]] = (),
        fallbacks: dict[int, int] | None = None,
    ) -> None:
        self.stream = stream
        #: column -> column it stands in for: read only when that one is absent (e.g. speed,
        #: which only matters for distance when a file records no distance)
        self.fallbacks = dict(fallbacks or {})
        self.buf = buf
        self.point_tag = point_tag
        self.value_tags = tuple(value_tags)
        self.attrs = tuple(attrs)
        self.pending = 0
        self.container: Any = None
        self.offset = 0  #: point children of ``container`` already read (and not deleted)
        self.last: Any = None

    def point_ended(self, el: Any) -> None:
        if not self.pending:
            parent = el.getparent()
            if parent is not self.container:
                self.container = parent
                self.offset = 0
        self.pending += 1
        self.last = el
        if self.pending >= BATCH and self.stream.freeing:
            self.extract()

    def ended(self, el: Any) -> None:
        """Something other than a point ended: read the points waiting for it."""
        if self.stream.point_events:
            self.extract()
            return
        k = len(list(el.iterchildren(self.point_tag)))
        if k:  # its point children, all complete since the container has ended
            self.container, self.offset, self.pending, self.last = el, 0, k, None
            self.extract()

    def extract(self, *, complete: bool = True) -> None:
        """Read the pending points. ``complete=False`` after a truncation (nothing is freed)."""
        k = self.pending
        container, last, offset = self.container, self.last, self.offset
        if not k or container is None:
            return
        self.pending = 0
        cols = self._columns(container, offset, k)
        if cols is None:
            self.buf.add_rows(self._rows(container, offset, k))
        else:
            self.buf.add_columns(cols, k)
        if complete and self.stream.freeing and last is not None and last.getparent() is container:
            del container[: container.index(last) + 1]
            self.offset = 0
        else:
            self.offset = offset + k

    def _columns(self, container: Any, offset: int, k: int) -> list[list[Any] | None] | None:
        end = offset + k
        points: list[Any] | None = None
        n = len(container)  # C-level; equals the point count when every child is a point
        if n != end:
            points = list(container.iterchildren(self.point_tag))
            n = len(points)
            if n < end:
                return None
        cols: list[list[Any] | None] = [None] * self.buf.ncols
        if self.attrs:
            if points is None:
                points = list(container.iterchildren(self.point_tag))
            window = points[offset:end]
            for name, c in self.attrs:
                cols[c] = [p.get(name) for p in window]
        partial: list[tuple[str, int]] = []
        index: dict[int, int] | None = None
        for tag, c in self.value_tags:
            if cols[c] is not None:
                continue  # an alias of this column was found already
            if c in self.fallbacks and cols[self.fallbacks[c]] is not None:
                continue  # only wanted when the column it stands in for is absent
            texts = [e.text for e in container.iter(tag)]
            if len(texts) == n:
                cols[c] = texts[offset:end] if (offset or end != n) else texts
            elif texts:
                found = list(container.iter(tag))
                if index is None:
                    if points is None:
                        points = list(container.iterchildren(self.point_tag))
                    index = {id(p): i for i, p in enumerate(points)}
                runs = _runs(container, index, found, n)
                if runs is None:
                    partial.append((tag, c))
                    continue
                col: list[Any] = [None] * k
                for a, b, d in runs:  # found[a..b] belong to points[a+d .. b+d]
                    lo, hi = max(a + d, offset), min(b + d, end - 1)
                    if lo <= hi:
                        col[lo - offset : hi - offset + 1] = [
                            e.text for e in found[lo - d : hi - d + 1]
                        ]
                cols[c] = col
        if partial:
            rows = self._rows(container, offset, k, partial)
            if len(rows) != k:
                return None
            for _tag, c in partial:
                if cols[c] is None:
                    cols[c] = [r[c] for r in rows]
        return cols

    def _rows(
        self,
        container: Any,
        offset: int,
        k: int,
        value_tags: Sequence[tuple[str, int]] | None = None,
    ) -> list[list[Any]]:
        """Element by element, exact: points ``[offset, offset + k)`` of the container."""
        tags = self.value_tags if value_tags is None else value_tags
        lookup = {t.rpartition("}")[2]: c for t, c in reversed(tags)}
        point_name = local_name(self.point_tag)
        ncols = self.buf.ncols
        rows: list[list[Any]] = []
        row: list[Any] | None = None
        cache: dict[Any, int] = {}
        seen = 0
        for e in container.iter(self.point_tag, *(t for t, _ in tags)):
            tag = e.tag
            col = cache.get(tag)
            if col is None:
                name = local_name(tag)
                col = cache[tag] = POINT if name == point_name else lookup.get(name, -1)
            if col == POINT:
                if e.getparent() is not container:
                    row = None
                    continue
                seen += 1
                if seen <= offset:
                    row = None
                    continue
                if len(rows) == k:
                    break
                row = [None] * ncols
                for attr, c in self.attrs:
                    row[c] = e.get(attr)
                rows.append(row)
            elif col >= 0 and row is not None and row[col] is None:
                row[col] = e.text
        return rows


MAX_ALIGN_PROBES = 4096


def _runs(
    container: Any, index: dict[int, int], found: list[Any], n: int
) -> list[tuple[int, int, int]] | None:
    """Which point each value element belongs to, as runs ``(a, b, d)``: ``found[a..b]`` sit in
    points ``a+d .. b+d``. Assumes at most one value per point, so ``point(j) - j`` never
    decreases; bisection finds where it steps (a point without the value), probing only
    ``O(missing * log n)`` elements. ``None`` when inconsistent or too scattered."""
    cache: dict[int, int] = {}
    limit = len(found) - 1
    missing = n - len(found)

    def point(j: int) -> int:
        v = cache.get(j)
        if v is None:
            p = _point_of(found[j], container)
            v = cache[j] = index.get(id(p), -1) if p is not None else -1
        return v

    runs: list[tuple[int, int, int]] = []
    stack = [(0, limit)]
    while stack:
        if len(cache) > MAX_ALIGN_PROBES:
            return None
        a, b = stack.pop()
        pa, pb = point(a), point(b)
        if pa < 0 or pb < 0:
            return None
        da, db = pa - a, pb - b
        if da < 0 or db > missing or da > db:
            return None
        if da == db:
            runs.append((a, b, da))
        elif b == a + 1:
            runs.append((a, a, da))
            runs.append((b, b, db))
        else:
            mid = (a + b) // 2
            stack.append((mid + 1, b))  # popped after the left half: runs stay in order
            stack.append((a, mid))
    return runs


def _point_of(el: Any, container: Any) -> Any:
    """The child of ``container`` that holds ``el``."""
    for _ in range(64):
        parent = el.getparent()
        if parent is None:
            return None
        if parent is container:
            return el
        el = parent
    return None
