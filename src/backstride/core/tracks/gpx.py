"""Streaming GPX 1.0/1.1 parser (tracks, or a route when there is no track)."""

from __future__ import annotations

import tempfile
from typing import IO, Any

from .build import build_activity, fmt_clock, sport_from_text, steps_per_minute
from .model import Activity, ParseError
from .raw import RawPart
from .xmlstream import (
    PointBatcher,
    XmlStream,
    local_name,
    parse_raw,
    parse_with_fast_path,
    release,
)
from .xmlvalues import PointBuffer

# Column order of the point buffer.
LAT, LON, ELE, TIME, HR, CAD, SPEED = range(7)
NCOLS = 7
_VALUES = (  # (tag, column); aliases of one column in order of preference
    ("{*}ele", ELE),
    ("{*}time", TIME),
    ("{*}hr", HR),
    ("{*}heartrate", HR),
    ("{*}cad", CAD),
    ("{*}cadence", CAD),
    # <speed> (GPX 1.0) is not read: the distance comes from the positions.
)
_POINT_TAGS = ("{*}trkpt", "{*}rtept")
_TAGS = ("{*}trkseg", "{*}trk", "{*}rte", "{*}gpx")
_ATTRS = (("lat", LAT), ("lon", LON))


def parse_gpx(source: IO[bytes], size_hint: int | None = None) -> list[Activity]:
    """Parse a GPX stream into one :class:`Activity` (all tracks and segments of the file)."""
    return parse_with_fast_path(_parse_gpx, source, size_hint)


def raw_gpx(source: IO[bytes], spill: IO[bytes]) -> list[RawPart]:
    """The file's points as raw columns kept in ``spill`` (a temporary file), for a
    constant-memory export (see :mod:`.export`)."""
    return parse_raw(_parse_gpx, source, spill)


def _parse_gpx(
    source: IO[bytes],
    size_hint: int | None,
    point_events: bool,
    spill: IO[bytes] | None = None,
    raw: list[RawPart] | None = None,
) -> list[Activity] | None:
    stream = XmlStream(
        source, _TAGS, "GPX", size_hint, _POINT_TAGS, point_events, ("trkseg", "rte")
    )
    # Route points spill to a file of their own (closing it leaves their memory map valid).
    rte_spill = tempfile.TemporaryFile() if spill is not None else None  # noqa: SIM115
    try:
        return _read_gpx(stream, spill, rte_spill, raw)
    finally:
        if rte_spill is not None:
            rte_spill.close()


def _read_gpx(
    stream: XmlStream,
    spill: IO[bytes] | None,
    rte_spill: IO[bytes] | None,
    raw: list[RawPart] | None,
) -> list[Activity] | None:
    trk = PointBuffer(NCOLS, TIME, spill)
    rte = PointBuffer(NCOLS, TIME, rte_spill)
    trk_batch = PointBatcher(stream, trk, "{*}trkpt", _VALUES, _ATTRS)
    rte_batch = PointBatcher(stream, rte, "{*}rtept", _VALUES, _ATTRS)
    segment_starts: list[int] = []
    names: list[str] = []
    types: list[str] = []
    ntracks = 0
    with stream:
        for kind, el in stream.named_events():
            if kind == "trkpt":
                trk_batch.point_ended(el)
                continue
            if kind == "rtept":
                rte_batch.point_ended(el)
                continue
            trk_batch.ended(el)
            rte_batch.ended(el)
            if kind == "trkseg":
                segment_starts.append(trk.count)
            elif kind == "trk":
                ntracks += 1
                segment_starts.append(trk.count)
                for child in el:
                    cname = local_name(child.tag)
                    if cname == "name" and child.text:
                        names.append(child.text.strip())
                    elif cname == "type" and child.text:
                        types.append(child.text.strip())
                if stream.freeing:
                    release(el)
            elif kind == "rte":
                for child in el:
                    if local_name(child.tag) == "name" and child.text:
                        names.append(child.text.strip())
                if stream.freeing:
                    release(el)
            elif kind == "gpx":
                stream.done(el)
    if stream.retry:
        return None  # not clean XML: parse again with iterparse (exact errors, cut-off files)
    if stream.truncated:  # points completed before the cut are still waiting in their batch
        trk_batch.extract(complete=False)
        rte_batch.extract(complete=False)

    stream.check_root("gpx")
    warnings: list[str] = []
    buf = trk
    if trk.count == 0:
        if rte.count == 0:
            if stream.truncated:
                raise ParseError(stream.cut_note() + " before any track point")
            raise ParseError("GPX file has no track or route points")
        buf = rte
        warnings.append("GPX has a route (a planned course) but no recorded track")
        segment_starts = []
    elif ntracks > 1:
        warnings.append(f"GPX has {ntracks} tracks; they were imported as one activity")
    block = buf.array()
    if buf.bad_values:
        warnings.append(f"{buf.bad_values} unreadable numbers ignored")
    sport = sport_from_text(types[0]) if types else "other"
    if raw is not None:
        col = block.T  # columns of the memory-mapped block
        raw.append(
            RawPart("gpx", sport, names[0] if names else "", col[TIME], col[LAT], col[LON],
                    col[ELE], col[HR], col[CAD], per_leg=None)
        )  # fmt: skip
        return []
    activity = build_activity(
        source_format="gpx",
        sport=sport,
        tabs=block[:, TIME],
        lat=block[:, LAT],
        lon=block[:, LON],
        ele=block[:, ELE],
        hr=block[:, HR],
        cadence=steps_per_minute(block[:, CAD], sport, per_leg=None),
        segment_starts=segment_starts,
        warnings=warnings,
        name=names[0] if names else "",
    )
    if stream.truncated:
        activity.warnings.insert(0, truncation_warning(stream.cut_note(), block[:, TIME]))
    if stream.trailing_junk:
        activity.warnings.append("ignored unreadable bytes after the end of the GPX document")
    return [activity]


def truncation_warning(note: str, tabs: Any) -> str:
    """``"<note>; data up to 10:42:13 UTC kept"`` (or the number of points when untimed)."""
    import numpy as np

    valid = tabs[~np.isnan(tabs)] if len(tabs) else tabs
    if len(valid):
        return f"{note}; data up to {fmt_clock(float(valid[-1]))} kept"
    return f"{note}; the first {len(tabs)} points kept"
