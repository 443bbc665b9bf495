"""Output: the route as an SVG polyline (no tile server) and a GPX 1.1 export."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from .model import ALGORITHM_VERSION, Activity


def escape(text: str) -> str:
    """``&``, ``<`` and ``>`` as XML entities (as :func:`xml.sax.saxutils.escape`, which would
    import ``urllib.request`` and ``http.client`` into every ``activity stats`` run)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quoteattr(text: str) -> str:
    """An XML attribute value with its quotes, as :func:`xml.sax.saxutils.quoteattr` gives."""
    text = escape(text).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' in text:
        if "'" in text:
            return '"{}"'.format(text.replace('"', "&quot;"))
        return f"'{text}'"
    return f'"{text}"'


def _rdp(pts: np.ndarray, eps: float) -> np.ndarray:
    """Ramer-Douglas-Peucker simplification (iterative, numpy per segment)."""
    n = len(pts)
    if n < 3:
        return pts
    keep = np.zeros(n, dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        a, b = stack.pop()
        if b <= a + 1:
            continue
        p, q = pts[a], pts[b]
        seg = pts[a + 1 : b]
        dx, dy = q - p
        norm = math.hypot(dx, dy)
        if norm == 0:
            d = np.hypot(seg[:, 0] - p[0], seg[:, 1] - p[1])
        else:
            d = np.abs(dy * (seg[:, 0] - p[0]) - dx * (seg[:, 1] - p[1])) / norm
        i = int(np.argmax(d))
        if d[i] > eps:
            k = a + 1 + i
            keep[k] = True
            stack.append((a, k))
            stack.append((k, b))
    return pts[keep]


def route_polyline(
    activity: Activity, width: int = 300, height: int = 200, max_points: int = 500
) -> str | None:
    """The route as SVG polyline ``points`` ("x,y x,y ..."), fitted into ``width`` x ``height``
    with north up (equirectangular projection around the route's mean latitude), simplified to
    at most ``max_points``. ``None`` when the activity has no GPS track."""
    lat, lon = activity.lat, activity.lon
    if lat is None or lon is None:
        return None
    ok = ~np.isnan(lat) & ~np.isnan(lon)
    if np.count_nonzero(ok) < 2:
        return None
    la, lo = lat[ok], lon[ok]
    # Unwrap longitudes so a route crossing the antimeridian stays in one piece.
    lo = np.degrees(np.unwrap(np.radians(lo)))
    x = lo * math.cos(math.radians(float(np.mean(la))))
    y = -la
    x0, y0 = float(x.min()), float(y.min())
    spanx, spany = float(x.max()) - x0, float(y.max()) - y0
    scale = min(width / spanx if spanx > 0 else math.inf, height / spany if spany > 0 else math.inf)
    if not math.isfinite(scale):
        scale = 1.0
    offx = (width - spanx * scale) / 2
    offy = (height - spany * scale) / 2
    pts = np.column_stack(((x - x0) * scale + offx, (y - y0) * scale + offy))
    # Drop consecutive points that fall on the same half-pixel, then simplify.
    q = np.round(pts * 2)
    same = np.zeros(len(q), dtype=bool)
    same[1:] = (q[1:] == q[:-1]).all(axis=1)
    same[-1] = False
    pts = pts[~same]
    eps = 0.5
    max_points = max(2, max_points)
    while len(pts) > max_points and eps < max(width, height):
        pts = _rdp(pts, eps)
        eps *= 2
    if len(pts) > max_points:  # pragma: no cover - only for absurd max_points
        pts = pts[np.linspace(0, len(pts) - 1, max_points).round().astype(int)]
    return " ".join(f"{px:.1f},{py:.1f}" for px, py in pts.tolist())


def _iso(ts: datetime) -> str:
    ts = ts.astimezone(UTC)
    if ts.microsecond:
        return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def _get(obj: Any, name: str) -> Any:
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


#: Points written per chunk of a streamed GPX.
CHUNK_POINTS = 8192


@dataclass
class PointChunk:
    """Consecutive points of one track, tidied: float arrays, NaN (or a ``None`` column) where
    a value is missing."""

    lat: np.ndarray
    lon: np.ndarray
    t: np.ndarray | None = None  #: seconds since the track's ``start``
    ele: np.ndarray | None = None
    hr: np.ndarray | None = None
    cadence: np.ndarray | None = None  #: steps (or revolutions) per minute


class _InMemory:
    """An :class:`Activity`, or any object/dict with its attributes, read in chunks."""

    def __init__(self, obj: Any) -> None:
        self.obj = obj
        self.start: datetime | None = _get(obj, "start")
        self.sport: str = _get(obj, "sport") or "other"
        self.name: str = _get(obj, "name") or ""

    def chunks(self) -> Iterator[PointChunk]:
        lat, lon = _get(self.obj, "lat"), _get(self.obj, "lon")
        if lat is None or lon is None:
            return
        lat_a = np.asarray(lat, dtype=np.float64)
        lon_a = np.asarray(lon, dtype=np.float64)
        if len(lat_a) != len(lon_a):
            raise ValueError("lat and lon differ in length")
        cols = {k: _get(self.obj, k) for k in ("t", "ele", "hr", "cadence")}
        arrays = {
            k: None if v is None else np.asarray(v, dtype=np.float64) for k, v in cols.items()
        }
        for a in range(0, len(lat_a), CHUNK_POINTS):
            sl = slice(a, a + CHUNK_POINTS)
            part = {k: None if v is None else v[sl] for k, v in arrays.items()}
            yield PointChunk(lat=lat_a[sl], lon=lon_a[sl], **part)


def _title(track: Any) -> str:
    start = track.start
    sport = track.sport or "other"
    return track.name or f"{sport} {start.date().isoformat() if start else ''}".strip()


def to_gpx(activity_like: Any, *, creator: str = "Backstride") -> bytes:
    """GPX 1.1 bytes for an :class:`Activity` (or any object/dict with the same attributes), or
    for a list of them (a multi-sport file: one ``<trk>`` per part). See :func:`iter_gpx`."""
    return b"".join(iter_gpx(activity_like, creator=creator))


def iter_gpx(track_like: Any, *, creator: str = "Backstride") -> Iterator[bytes]:
    """GPX 1.1 as UTF-8 chunks of at most :data:`CHUNK_POINTS` points each, never the whole
    document at once. ``track_like`` is an :class:`Activity` (or object/dict with the same
    attributes), something with ``start``, ``sport``, ``name`` and ``chunks()`` giving
    :class:`PointChunk` s, or a list of either (a multi-sport file: one ``<trk>`` per part).

    Heart rate and cadence go in Garmin's TrackPointExtension; running/walking cadence is written
    per leg (as watches and other apps write it). Points without a position are left out (GPX
    requires one), so a treadmill run gives a track with no points but its metadata."""
    items = list(track_like) if isinstance(track_like, (list, tuple)) else [track_like]
    parts = [p if hasattr(p, "chunks") else _InMemory(p) for p in items]
    first = parts[0] if parts else _InMemory({})
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<gpx version="1.1" creator={quoteattr(creator + " " + ALGORITHM_VERSION)} '
        'xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://www.topografix.com/GPX/1/1 '
        'http://www.topografix.com/GPX/1/1/gpx.xsd">\n',
        " <metadata>\n",
        f"  <name>{escape(str(_title(first)))}</name>\n",
    ]
    if first.start is not None:
        out.append(f"  <time>{_iso(first.start)}</time>\n")
    out.append(" </metadata>\n")
    for part in parts:
        out.append(" <trk>\n")
        out.append(
            f"  <name>{escape(str(_title(part)))}</name>\n"
            f"  <type>{escape(str(part.sport or 'other'))}</type>\n"
        )
        out.append("  <trkseg>\n")
        yield "".join(out).encode("utf-8")
        out = []
        base = part.start.astimezone(UTC) if part.start is not None else None
        per_leg = (part.sport or "other") in ("run", "walk")
        for chunk in part.chunks():
            yield _points(chunk, base, per_leg).encode("utf-8")
        out.append("  </trkseg>\n </trk>\n")
    out.append("</gpx>\n")
    yield "".join(out).encode("utf-8")


def _points(chunk: PointChunk, base: datetime | None, per_leg: bool) -> str:
    n = len(chunk.lat)

    def col(values: np.ndarray | None) -> list[Any]:
        if values is None:
            return [None] * n
        return [None if v != v else v for v in np.asarray(values, dtype=np.float64).tolist()]

    times, eles, hrs, cads = col(chunk.t), col(chunk.ele), col(chunk.hr), col(chunk.cadence)
    out: list[str] = []
    lats = np.asarray(chunk.lat, dtype=np.float64).tolist()
    lons = np.asarray(chunk.lon, dtype=np.float64).tolist()
    for i, (la, lo) in enumerate(zip(lats, lons, strict=True)):
        if la != la or lo != lo:
            continue
        out.append(f'   <trkpt lat="{la:.7f}" lon="{lo:.7f}">')
        if eles[i] is not None:
            out.append(f"<ele>{eles[i]:.1f}</ele>")
        if base is not None and times[i] is not None:
            out.append(f"<time>{_iso(base + timedelta(seconds=times[i]))}</time>")
        h, c = hrs[i], cads[i]
        if h is not None or c is not None:
            out.append("<extensions><gpxtpx:TrackPointExtension>")
            if h is not None:
                out.append(f"<gpxtpx:hr>{round(h)}</gpxtpx:hr>")
            if c is not None:
                out.append(f"<gpxtpx:cad>{round(c / 2 if per_leg else c)}</gpxtpx:cad>")
            out.append("</gpxtpx:TrackPointExtension></extensions>")
        out.append("</trkpt>\n")
    return "".join(out)
