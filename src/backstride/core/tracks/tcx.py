"""Streaming TCX parser (``<Activities>`` and ``<Courses>``); one Activity per ``<Activity>``."""

from __future__ import annotations

from typing import IO, Any

import numpy as np

from .build import build_activity, sport_from_text, steps_per_minute, utc_datetime
from .gpx import truncation_warning
from .model import Activity, Lap, ParseError
from .raw import RawPart
from .xmlstream import (
    PointBatcher,
    XmlStream,
    local_name,
    parse_raw,
    parse_with_fast_path,
    release,
)
from .xmlvalues import PointBuffer, parse_time

TIME, LAT, LON, ALT, DIST, HR, CAD, RUNCAD, SPEED = range(9)
NCOLS = 9
_VALUES = (
    ("{*}Time", TIME),
    ("{*}LatitudeDegrees", LAT),
    ("{*}LongitudeDegrees", LON),
    ("{*}AltitudeMeters", ALT),
    ("{*}DistanceMeters", DIST),
    ("{*}Value", HR),  # inside a Trackpoint, only <HeartRateBpm> has a <Value>
    ("{*}Cadence", CAD),
    ("{*}RunCadence", RUNCAD),
    ("{*}Speed", SPEED),
)
_TAGS = ("{*}Track", "{*}Lap", "{*}Activity", "{*}Course",
         "{*}TrainingCenterDatabase")  # fmt: skip


def _float(text: str | None) -> float | None:
    try:
        v = float(text) if text is not None else None
    except ValueError:
        return None
    return v if v is not None and np.isfinite(v) else None


def parse_tcx(source: IO[bytes], size_hint: int | None = None) -> list[Activity]:
    """Parse a TCX stream. Courses (planned routes) parse too, with a warning."""
    return parse_with_fast_path(_parse_tcx, source, size_hint)


def raw_tcx(source: IO[bytes], spill: IO[bytes]) -> list[RawPart]:
    """Each activity's points as raw columns kept in ``spill`` (a temporary file), for a
    constant-memory export (see :mod:`.export`)."""
    return parse_raw(_parse_tcx, source, spill)


def _parse_tcx(
    source: IO[bytes],
    size_hint: int | None,
    point_events: bool,
    spill: IO[bytes] | None = None,
    raw: list[RawPart] | None = None,
) -> list[Activity] | None:
    stream = XmlStream(
        source, _TAGS, "TCX", size_hint, ("{*}Trackpoint",), point_events, ("Track",)
    )
    buf = PointBuffer(NCOLS, TIME, spill)
    laps: list[Lap] = []
    activities: list[Activity] = []

    def finish(sport_text: str | None, name: str, course: bool) -> None:
        nonlocal laps
        if buf.count == 0 and not laps:
            return
        if raw is not None:
            timed = sum(lap.timer_s for lap in laps if lap.timer_s is not None)
            measured = sum(lap.distance_m for lap in laps if lap.distance_m is not None)
            if buf.count or timed or measured:  # the parts the full parse keeps
                raw.append(_make_raw(buf, sport_text, name))
            activities.append(Activity())  # a placeholder: the count matters below
        else:
            activities.append(_make(buf, sport_text, name, laps, course))
        buf.reset()
        laps = []

    batch = PointBatcher(stream, buf, "{*}Trackpoint", _VALUES, fallbacks={SPEED: DIST})
    with stream:
        for kind, el in stream.named_events():
            if kind == "Trackpoint":
                batch.point_ended(el)
                continue
            batch.ended(el)
            if kind == "Lap":
                laps.append(_lap(el))
            elif kind == "Activity":
                finish(el.get("Sport"), _child_text(el, "Id"), course=False)
                if stream.freeing:
                    release(el)
            elif kind == "Course":
                finish(None, _child_text(el, "Name"), course=True)
                if stream.freeing:
                    release(el)
            elif kind == "TrainingCenterDatabase":
                stream.done(el)
    if stream.retry:
        return None  # not clean XML: parse again with iterparse (exact errors, cut-off files)
    if stream.truncated:  # points completed before the cut are still waiting in their batch
        batch.extract(complete=False)

    stream.check_root("TrainingCenterDatabase")
    if stream.truncated:
        if buf.count:
            note = truncation_warning(stream.cut_note(), buf.array()[:, TIME])
            finish(_open_activity_sport(batch), "", course=False)
            activities[-1].warnings.insert(0, note)
        elif not activities:
            raise ParseError(stream.cut_note() + " before any track point")
    if raw is not None:
        if not raw:
            raise ParseError("TCX file has no activity or course with track points")
        return []
    activities = [
        a
        for a in activities
        if a.points
        or a.device_totals.get("total_distance")
        or a.device_totals.get("total_timer_time")
    ]
    if not activities:
        raise ParseError("TCX file has no activity or course with track points")
    if stream.trailing_junk:
        activities[-1].warnings.append("ignored unreadable bytes after the end of the TCX document")
    return activities


def _open_activity_sport(batch: PointBatcher) -> str | None:
    """Sport of the ``<Activity>`` that was still open when the file was cut off."""
    if batch.container is None:
        return None
    root = batch.container.getroottree().getroot()
    sport = None
    for act in root.iter("{*}Activity"):
        sport = act.get("Sport")
    return sport


def _child_text(el: Any, name: str) -> str:
    for child in el:
        if local_name(child.tag) == name:
            return (child.text or "").strip()
    return ""


def _lap(el: Any) -> Lap:
    lap = Lap()
    start = el.get("StartTime")
    if start:
        ts = parse_time(start)
        if np.isfinite(ts):
            lap.start = utc_datetime(ts)
    for child in el:
        name = local_name(child.tag)
        if name == "TotalTimeSeconds":
            lap.timer_s = _float(child.text)
        elif name == "DistanceMeters":
            lap.distance_m = _float(child.text)
    return lap


def _make_raw(buf: PointBuffer, sport_text: str | None, name: str) -> RawPart:

    col = buf.array().T  # columns of the memory-mapped block
    sport = sport_from_text(sport_text)
    part = RawPart("tcx", sport, name, col[TIME], col[LAT], col[LON], col[ALT], col[HR],
                   col[RUNCAD], per_leg=True)  # fmt: skip
    if part.all_nan(col[RUNCAD]):
        part.cadence, part.per_leg = col[CAD], None
    return part


def _make(
    buf: PointBuffer, sport_text: str | None, name: str, laps: list[Lap], course: bool
) -> Activity:
    block = buf.array()
    sport = sport_from_text(sport_text)
    warnings: list[str] = []
    if course:
        warnings.append("TCX course (a planned route), not a recorded activity")
    if buf.bad_values:
        warnings.append(f"{buf.bad_values} unreadable numbers ignored")
    runcad = block[:, RUNCAD]
    if not np.isnan(runcad).all():
        cadence = steps_per_minute(runcad, sport, per_leg=True)
    else:
        cadence = steps_per_minute(block[:, CAD], sport, per_leg=None)
    totals: dict[str, Any] = {}
    if laps:
        timer = [lap.timer_s for lap in laps if lap.timer_s is not None]
        dist = [lap.distance_m for lap in laps if lap.distance_m is not None]
        if timer:
            totals["total_timer_time"] = float(sum(timer))
        if dist:
            totals["total_distance"] = float(sum(dist))
        totals["laps"] = len(laps)
    return build_activity(
        source_format="tcx",
        sport=sport,
        tabs=block[:, TIME],
        lat=block[:, LAT],
        lon=block[:, LON],
        ele=block[:, ALT],
        hr=block[:, HR],
        cadence=cadence,
        dist=block[:, DIST],
        speed=block[:, SPEED],
        laps=laps,
        warnings=warnings,
        device_totals=totals,
        name=name,
    )
