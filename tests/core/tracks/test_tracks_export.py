"""The constant-memory GPX export writes exactly what the in-memory export writes."""

from __future__ import annotations

import io
import math
import random
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree
from trackfixtures import shared_activities

from backstride.core.tracks import FileExport, ParseError, parse_bytes, to_gpx
from backstride.core.tracks.export import gpx_bytes_from_file
from backstride.core.tracks.render import CHUNK_POINTS

T0 = datetime(2024, 5, 4, 6, 0, tzinfo=UTC)


def in_memory(data: bytes, name: str) -> bytes:
    parts = parse_bytes(data, name)
    return to_gpx(parts[0] if len(parts) == 1 else parts)


def gpx(n: int, *, seed: int = 1, kind: str = "running", **opts: float) -> bytes:
    """A run of ``n`` points with the oddities real files have, chosen by ``opts``."""
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        lat, lon = 46.0 + i * 1e-5, 14.0 + 3e-4 * math.sin(i / 50)
        if rnd.random() < opts.get("bad_pos", 0):
            lat, lon = rnd.choice([(0.0, 0.0), (95.0, 14.0), (46.0, 200.0)])
        t = T0 + timedelta(seconds=i)
        if rnd.random() < opts.get("same_time", 0):
            t = T0
        time = f"<time>{t:%Y-%m-%dT%H:%M:%SZ}</time>"
        if rnd.random() < opts.get("no_time", 0) or i < opts.get("lead_untimed", 0):
            time = ""
        if (
            n - i <= opts.get("tail_untimed", 0)
            or opts.get("gap", n) <= i < opts.get("gap", n) + 300
        ):
            time = ""
        ele = f"<ele>{rnd.choice([0.0, 12.5, -3.0, 20000.0])}</ele>" if i % 3 else ""
        cad = opts.get("cadence", 0) + rnd.randint(-4, 4) if opts.get("cadence") else None
        ext = ""
        if cad is not None or i % 7 == 0:
            hr = rnd.choice([0, 130, 150, 320])
            ext = f"<extensions><hr>{hr}</hr>" + (f"<cad>{cad}</cad>" if cad else "")
            ext += "</extensions>"
        rows.append(f'<trkpt lat="{lat:.7f}" lon="{lon:.7f}">{ele}{time}{ext}</trkpt>')
        if i and i % 5000 == 0:
            rows.append("</trkseg><trkseg>")
    return (
        '<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk><name>Odd run</name><type>{kind}</type><trkseg>"
        + "".join(rows)
        + "</trkseg></trk></gpx>"
    ).encode()


AWKWARD = {
    "plain": {},
    "missing-times-across-chunks": {
        "no_time": 0.04,
        "lead_untimed": 3,
        "tail_untimed": 20,
        "gap": CHUNK_POINTS - 100,
    },
    "too-few-times": {"no_time": 0.2},
    "same-times": {"same_time": 1.0},
    "bad-positions": {"bad_pos": 0.1},
    "per-leg-cadence": {"cadence": 88},
    "per-step-cadence": {"cadence": 172},
    "cadence-at-the-threshold": {"cadence": 120},
}


@pytest.mark.parametrize("opts", AWKWARD.values(), ids=AWKWARD.keys())
def test_streamed_gpx_is_byte_identical_for_awkward_tracks(opts):
    data = gpx(2 * CHUNK_POINTS + 1234, **opts)
    streamed = gpx_bytes_from_file(data, "odd.gpx")
    assert streamed == in_memory(data, "odd.gpx")
    doc = etree.fromstring(streamed)  # well-formed
    if opts.get("gap"):  # every point has a time again, interpolated across the chunk edge
        points = doc.findall(".//{*}trkpt")
        assert len(points) > 2 * CHUNK_POINTS
        assert all(p.find("{*}time") is not None for p in points)


def test_streamed_gpx_of_a_walk_and_of_a_ride_too():
    for kind in ("walking", "cycling"):
        data = gpx(3000, kind=kind, cadence=90, no_time=0.03)
        assert gpx_bytes_from_file(data, "x.gpx") == in_memory(data, "x.gpx")


def tcx(activities: list[tuple[str, int, str]]) -> bytes:
    out = []
    for k, (sport, n, cad_tag) in enumerate(activities):
        start = T0 + timedelta(hours=k)
        pts = "".join(
            f"<Trackpoint><Time>{start + timedelta(seconds=i):%Y-%m-%dT%H:%M:%SZ}</Time>"
            f"<Position><LatitudeDegrees>{46 + i * 1e-5:.7f}</LatitudeDegrees>"
            f"<LongitudeDegrees>14.0</LongitudeDegrees></Position>"
            f"<AltitudeMeters>{i % 5}</AltitudeMeters><DistanceMeters>{i * 2.8}</DistanceMeters>"
            f"<HeartRateBpm><Value>{140 + i % 9}</Value></HeartRateBpm>"
            + (f"<{cad_tag}>{86 + i % 5}</{cad_tag}>" if cad_tag else "")
            + "</Trackpoint>"
            for i in range(n)
        )
        out.append(
            f'<Activity Sport="{sport}"><Id>{start:%Y-%m-%dT%H:%M:%SZ}</Id>'
            f'<Lap StartTime="{start:%Y-%m-%dT%H:%M:%SZ}"><Track>{pts}</Track></Lap></Activity>'
        )
    return (
        '<?xml version="1.0"?><TrainingCenterDatabase xmlns="http://www.garmin.com/'
        'xmlschemas/TrainingCenterDatabase/v2"><Activities>'
        + "".join(out)
        + "</Activities></TrainingCenterDatabase>"
    ).encode()


def test_streamed_tcx_with_several_activities_and_both_cadences():
    data = tcx([("Running", CHUNK_POINTS + 10, "Cadence"), ("Biking", 500, ""), ("Other", 40, "")])
    assert gpx_bytes_from_file(data, "multi.tcx") == in_memory(data, "multi.tcx")


def _shared_xml_files() -> list:
    try:
        base = shared_activities()
    except BaseException:  # skipped (outside CI) when the shared data is absent
        return []
    return sorted(p for p in base.rglob("*") if p.suffix in (".gpx", ".tcx"))


@pytest.mark.parametrize("path", _shared_xml_files(), ids=lambda p: p.name)
def test_streamed_gpx_is_byte_identical_for_every_shared_file(path):
    data = path.read_bytes()
    try:
        expected = in_memory(data, path.name)
    except ParseError:  # nothing to stream: the export falls back (see the service tests)
        with FileExport(io.BytesIO(data), path.name) as export:
            assert export.tracks == []
        return
    assert gpx_bytes_from_file(data, path.name) == expected
