"""Builders for small activity files used by the unit tests (GPX, TCX and FIT written here)."""

from __future__ import annotations

import math
import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.deps import missing_dependency

REPO = Path(__file__).resolve().parents[3]
FIT_EPOCH = 631065600
T0 = datetime(2024, 3, 30, 23, 30, tzinfo=UTC)


def shared_activities() -> Path:
    """``../shared/data/activities`` (or $BACKSTRIDE_SHARED_DATA / $BACKSTRIDE_SHARED), or skip."""
    env = os.environ.get("BACKSTRIDE_SHARED_DATA")
    if env:
        base = Path(env)
        path = base / "activities" if (base / "activities").is_dir() else base
    else:
        shared = Path(os.environ.get("BACKSTRIDE_SHARED", REPO / ".." / "shared"))
        path = shared / "data" / "activities"
    if not path.is_dir():
        missing_dependency(f"shared activity files not found at {path} (they sit beside the repo)")
    return path.resolve()


# --- Geometry -----------------------------------------------------------------------------
def walk_east(
    n: int, step_m: float, lat: float = 46.0, lon: float = 14.0
) -> list[tuple[float, float]]:
    """``n`` points going east along a parallel, ``step_m`` metres apart (haversine exact)."""
    r = 6_371_000.0
    dlon = math.degrees(
        2 * math.asin(min(1.0, math.sin(step_m / (2 * r)) / math.cos(math.radians(lat))))
    )
    return [(lat, lon + i * dlon) for i in range(n)]


# --- GPX ----------------------------------------------------------------------------------
@dataclass
class Pt:
    lat: float | None = None
    lon: float | None = None
    ele: float | None = None
    time: datetime | str | None = None
    hr: float | None = None
    cad: float | None = None
    dist: float | None = None


def iso(t: datetime | str | None) -> str | None:
    if t is None or isinstance(t, str):
        return t
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def gpx_point(p: Pt, tag: str = "trkpt", prefix: str = "") -> str:
    parts = [f'<{prefix}{tag} lat="{p.lat}" lon="{p.lon}">']
    if p.ele is not None:
        parts.append(f"<{prefix}ele>{p.ele}</{prefix}ele>")
    if p.time is not None:
        parts.append(f"<{prefix}time>{iso(p.time)}</{prefix}time>")
    if p.hr is not None or p.cad is not None:
        parts.append(f"<{prefix}extensions><gpxtpx:TrackPointExtension>")
        if p.hr is not None:
            parts.append(f"<gpxtpx:hr>{p.hr}</gpxtpx:hr>")
        if p.cad is not None:
            parts.append(f"<gpxtpx:cad>{p.cad}</gpxtpx:cad>")
        parts.append(f"</gpxtpx:TrackPointExtension></{prefix}extensions>")
    parts.append(f"</{prefix}{tag}>")
    return "".join(parts)


def make_gpx(
    segments: Sequence[Sequence[Pt]],
    *,
    version: str = "1.1",
    sport: str | None = None,
    prefix: str = "",
    namespace: bool = True,
    route: Sequence[Pt] = (),
    newline: str = "\n",
) -> bytes:
    ns = f"http://www.topografix.com/GPX/{version.replace('.', '/')}"
    decl = f' xmlns{":" + prefix[:-1] if prefix else ""}="{ns}"' if namespace else ""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<{prefix}gpx version="{version}" creator="test"{decl} '
        'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">',
    ]
    if segments:
        lines.append(f"<{prefix}trk><{prefix}name>Test run</{prefix}name>")
        if sport:
            lines.append(f"<{prefix}type>{sport}</{prefix}type>")
        for seg in segments:
            lines.append(f"<{prefix}trkseg>")
            lines.extend(gpx_point(p, prefix=prefix) for p in seg)
            lines.append(f"</{prefix}trkseg>")
        lines.append(f"</{prefix}trk>")
    if route:
        lines.append(f"<{prefix}rte>")
        lines.extend(gpx_point(p, "rtept", prefix) for p in route)
        lines.append(f"</{prefix}rte>")
    lines.append(f"</{prefix}gpx>")
    return newline.join(lines).encode("utf-8")


def track(n: int, step_m: float = 3.0, dt: float = 1.0, **kw: Any) -> list[Pt]:
    """A simple straight track: ``n`` points, ``step_m`` apart, ``dt`` seconds apart."""
    pts = []
    for i, (la, lo) in enumerate(walk_east(n, step_m)):
        pts.append(
            Pt(
                la,
                lo,
                kw.get("ele", 100.0),
                T0 + timedelta(seconds=i * dt),
                kw.get("hr"),
                kw.get("cad"),
            )
        )
    return pts


# --- TCX ----------------------------------------------------------------------------------
def make_tcx(
    laps: Sequence[Sequence[Pt]],
    *,
    sport: str = "Running",
    run_cadence: Sequence[float] | None = None,
    course: bool = False,
    activities: int = 1,
) -> bytes:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<TrainingCenterDatabase "
        'xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2" '
        'xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2">',
    ]
    out.append("<Courses>" if course else "<Activities>")
    k = 0
    for a in range(activities):
        if course:
            out.append(f"<Course><Name>Course {a}</Name>")
        else:
            first = next((p.time for lap in laps for p in lap if p.time), T0)
            out.append(f'<Activity Sport="{sport}"><Id>{iso(first)}</Id>')
        for lap in laps:
            dist = sum(1 for _ in lap)
            start = iso(lap[0].time) if lap and lap[0].time else iso(T0)
            tag = "<Lap>" if course else f'<Lap StartTime="{start}">'
            out.append(
                f"{tag}<TotalTimeSeconds>{len(lap)}</TotalTimeSeconds><DistanceMeters>{dist}</DistanceMeters>"
            )
            if course:
                out.append("</Lap>")
            out.append("<Track>")
            for p in lap:
                out.append("<Trackpoint>")
                if p.time is not None:
                    out.append(f"<Time>{iso(p.time)}</Time>")
                if p.lat is not None:
                    out.append(
                        f"<Position><LatitudeDegrees>{p.lat}</LatitudeDegrees>"
                        f"<LongitudeDegrees>{p.lon}</LongitudeDegrees></Position>"
                    )
                if p.ele is not None:
                    out.append(f"<AltitudeMeters>{p.ele}</AltitudeMeters>")
                if p.dist is not None:
                    out.append(f"<DistanceMeters>{p.dist}</DistanceMeters>")
                if p.hr is not None:
                    out.append(f"<HeartRateBpm><Value>{p.hr}</Value></HeartRateBpm>")
                if run_cadence is not None:
                    out.append(
                        f"<Extensions><ns3:TPX><ns3:RunCadence>{run_cadence[k % len(run_cadence)]}"
                        "</ns3:RunCadence></ns3:TPX></Extensions>"
                    )
                out.append("</Trackpoint>")
                k += 1
            out.append("</Track>")
            if not course:
                out.append("</Lap>")
        out.append("</Course>" if course else "</Activity>")
    out.append("</Courses>" if course else "</Activities>")
    out.append("</TrainingCenterDatabase>")
    return "\n".join(out).encode("utf-8")


# --- FIT ----------------------------------------------------------------------------------
def fit_crc(data: bytes, crc: int = 0) -> int:
    """The CRC exactly as the FIT SDK documents it (nibble table), independent of our code."""
    table = [0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
             0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400]  # fmt: skip
    for byte in data:
        tmp = table[crc & 0xF]
        crc = (crc >> 4) & 0x0FFF
        crc = crc ^ tmp ^ table[byte & 0xF]
        tmp = table[crc & 0xF]
        crc = (crc >> 4) & 0x0FFF
        crc = crc ^ tmp ^ table[(byte >> 4) & 0xF]
    return crc


BASE = {"enum": (0x00, "B"), "sint8": (0x01, "b"), "uint8": (0x02, "B"), "sint16": (0x83, "h"),
        "uint16": (0x84, "H"), "sint32": (0x85, "i"), "uint32": (0x86, "I"), "string": (0x07, "s"),
        "uint8z": (0x0A, "B"), "byte": (0x0D, "B"), "float32": (0x88, "f")}  # fmt: skip


class FitWriter:
    """Write FIT messages: definitions (any endianness, with developer fields) and data."""

    def __init__(self) -> None:
        self.body = bytearray()
        self.formats: dict[int, tuple[str, int]] = {}

    def define(
        self,
        local: int,
        gnum: int,
        fields: Sequence[tuple[int, str] | tuple[int, str, int]],
        *,
        big: bool = False,
        dev: Sequence[tuple[int, int, int]] = (),
    ) -> None:
        header = 0x40 | local | (0x20 if dev else 0)
        endian = ">" if big else "<"
        out = bytearray([header, 0, 1 if big else 0])
        out += struct.pack(endian + "H", gnum)
        out.append(len(fields))
        fmt = endian
        for f in fields:
            num, typ = f[0], f[1]
            base, code = BASE[typ]
            count = f[2] if len(f) > 2 else 1  # type: ignore[misc]
            size = struct.calcsize("<" + code) * count
            out += bytes([num, size, base])
            fmt += f"{count}{code}" if code != "s" else f"{count}s"
        dev_size = 0
        if dev:
            out.append(len(dev))
            for num, size, idx in dev:
                out += bytes([num, size, idx])
                dev_size += size
        self.body += out
        self.formats[local] = (fmt, dev_size)

    def data(
        self, local: int, *values: Any, compressed_offset: int | None = None, dev: bytes = b""
    ) -> None:
        fmt, dev_size = self.formats[local]
        if compressed_offset is None:
            self.body.append(local)
        else:
            self.body.append(0x80 | (local << 5) | (compressed_offset & 0x1F))
        self.body += struct.pack(fmt, *values)
        self.body += dev if dev else bytes(dev_size)

    def to_bytes(
        self, *, header_size: int = 14, data_size: int | None = None, header_crc: bool = True
    ) -> bytes:
        size = len(self.body) if data_size is None else data_size
        hdr = struct.pack("<BBHI4s", header_size, 0x20, 2132, size, b".FIT")
        if header_size == 14:
            hdr += struct.pack("<H", fit_crc(hdr) if header_crc else 0)
        blob = hdr + bytes(self.body)
        return blob + struct.pack("<H", fit_crc(blob))


def activity_fit() -> FitWriter:
    """A writer that has written a bare file_id saying "activity" (local message 0)."""
    w = FitWriter()
    w.define(0, 0, [(0, "enum")])
    w.data(0, 4)
    return w


def fit_time(t: datetime) -> int:
    return int(t.timestamp()) - FIT_EPOCH


def semicircles(deg: float) -> int:
    return round(deg * 2**31 / 180)


RECORD_FIELDS = [
    (253, "uint32"),
    (0, "sint32"),
    (1, "sint32"),
    (2, "uint16"),
    (3, "uint8"),
    (4, "uint8"),
    (5, "uint32"),
]


def simple_fit(
    points: Sequence[Pt],
    *,
    sport: int = 1,
    sub_sport: int = 0,
    session: bool = True,
    writer: FitWriter | None = None,
) -> FitWriter:
    """file_id + records (+ a session) for ``points`` (``lat=None`` -> invalid position)."""
    w = writer or FitWriter()
    w.define(0, 0, [(0, "enum"), (4, "uint32")])
    w.data(0, 4, fit_time(T0))
    w.define(1, 20, RECORD_FIELDS)
    for p in points:
        t = p.time if isinstance(p.time, datetime) else T0
        w.data(
            1,
            fit_time(t),
            semicircles(p.lat) if p.lat is not None else 0x7FFFFFFF,
            semicircles(p.lon) if p.lon is not None else 0x7FFFFFFF,
            round((p.ele + 500) * 5) if p.ele is not None else 0xFFFF,
            int(p.hr) if p.hr is not None else 0xFF,
            int(p.cad) if p.cad is not None else 0xFF,
            round(p.dist * 100) if p.dist is not None else 0xFFFFFFFF,
        )
    if session:
        first = points[0].time if points and isinstance(points[0].time, datetime) else T0
        last = points[-1].time if points and isinstance(points[-1].time, datetime) else T0
        w.define(
            2,
            18,
            [
                (253, "uint32"),
                (2, "uint32"),
                (5, "enum"),
                (6, "enum"),
                (7, "uint32"),
                (9, "uint32"),
            ],
        )
        total = points[-1].dist if points and points[-1].dist is not None else None
        w.data(
            2,
            fit_time(last),
            fit_time(first),
            sport,
            sub_sport,
            round((last - first).total_seconds() * 1000),
            round(total * 100) if total is not None else 0xFFFFFFFF,
        )
    return w
