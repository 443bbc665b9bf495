"""GPX export of a stored activity file in constant memory.

A GPX or TCX original is parsed once with its points spilled to a temporary file
(:class:`~.xmlstream.PointBuffer` with ``spill``), then read back a chunk at a time: the same
tidying :func:`.build.build_activity` does (ranges, missing times, per-leg cadence), done chunk
by chunk with the few whole-run facts it needs gathered first. The output is byte for byte what
:func:`.render.to_gpx` gives for the parsed activity (the tests compare them).

Other formats (FIT, gzip) are parsed in memory as before; their GPX is still written a chunk of
points at a time.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from .api import SNIFF_BYTES, sniff_format
from .raw import RawPart
from .render import PointChunk, iter_gpx


@dataclass
class StreamedTrack:
    """What :func:`.render.iter_gpx` writes for one :class:`RawPart`."""

    raw: RawPart
    start: datetime | None
    times: str
    first: float

    @property
    def sport(self) -> str:
        return self.raw.sport

    @property
    def name(self) -> str:
        return self.raw.name

    def chunks(self) -> Iterator[PointChunk]:
        return self.raw.chunks(self.times, self.first)


class FileExport:
    """A GPX or TCX file opened for a constant-memory GPX export (a context manager: the
    temporary spill file goes when it closes). ``tracks`` is empty when the file can't be read
    this way (another format, or unreadable): export it from the parsed activity instead."""

    def __init__(self, source: IO[bytes], filename: str = "") -> None:
        # Closed by __exit__ (this class is the context manager).
        self.spill: IO[bytes] = tempfile.TemporaryFile(prefix="backstride-gpx-")  # noqa: SIM115
        self.tracks: list[StreamedTrack] = []
        self.source = source
        self.filename = filename

    def __enter__(self) -> FileExport:
        from .gpx import raw_gpx
        from .tcx import raw_tcx

        head = self.source.read(SNIFF_BYTES)
        self.source.seek(0)
        try:
            kind = sniff_format(head, self.filename) if head else ""
        except Exception:
            kind = ""
        reader = {"gpx": raw_gpx, "tcx": raw_tcx}.get(kind)
        if reader is not None:
            try:
                parts = reader(self.source, self.spill)
            except Exception:
                parts = []  # the caller falls back to the in-memory path, which says why
            for part in parts:
                start, times, first = part.start_and_times()
                self.tracks.append(StreamedTrack(part, start, times, first))
        return self

    def __exit__(self, *exc: object) -> None:
        self.tracks = []
        self.spill.close()

    @property
    def start(self) -> datetime | None:
        """When the activity started (the earliest part's start), None without times."""
        starts = [t.start for t in self.tracks if t.start is not None]
        return min(starts) if starts else None

    def iter_gpx(self, names: list[str] | None = None) -> Iterator[bytes]:
        """The GPX, a chunk at a time; ``names`` replace empty part names (the activity title)."""
        for track, name in zip(self.tracks, names or [], strict=False):
            track.raw.name = track.raw.name or name
        return iter_gpx(self.tracks[0] if len(self.tracks) == 1 else list(self.tracks))


def gpx_bytes_from_file(data: bytes, filename: str = "") -> bytes:
    """The whole streamed export of ``data`` (for tests and small files)."""
    with FileExport(io.BytesIO(data), filename) as export:
        return b"".join(export.iter_gpx())
