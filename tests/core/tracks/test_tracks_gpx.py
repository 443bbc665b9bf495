"""GPX parsing: versions, namespaces, segments, routes, missing data, safety, truncation."""

from __future__ import annotations

import math
import resource
from datetime import timedelta

import numpy as np
import pytest
from trackfixtures import T0, Pt, make_gpx, track, walk_east

from backstride.core.tracks import ParseError, parse_bytes, summarise


@pytest.mark.parametrize("version", ["1.0", "1.1"])
@pytest.mark.parametrize("namespace", [True, False])
def test_gpx_versions_and_namespaces_parse_the_same(version: str, namespace: bool) -> None:
    data = make_gpx(
        [track(61, step_m=3.0, hr=150, cad=85)],
        version=version,
        namespace=namespace,
        sport="running",
    )
    (act,) = parse_bytes(data, "run.gpx")
    assert act.source_format == "gpx"
    assert act.sport == "run"
    assert act.points == 61
    assert act.start == T0
    assert act.t is not None and act.t[-1] == 60.0
    assert act.hr is not None and np.all(act.hr == 150)
    # Per-leg GPX cadence (85) is recognised and reported in steps per minute.
    assert act.cadence is not None and np.all(act.cadence == 170)
    s = summarise(act)
    assert s.distance_m == pytest.approx(180.0, rel=1e-6)
    assert s.elapsed_s == 60.0
    assert s.distance_source == "gps"


def test_prefixed_gpx_namespace() -> None:
    data = make_gpx([track(5)], prefix="g:")
    (act,) = parse_bytes(data)
    assert act.points == 5


def test_distance_is_not_counted_across_segment_gaps() -> None:
    seg1 = track(11, step_m=10.0)
    far = walk_east(11, 10.0, lat=46.01)  # ~1.1 km north of the first segment
    seg2 = [Pt(la, lo, 100.0, T0 + timedelta(seconds=100 + i)) for i, (la, lo) in enumerate(far)]
    (act,) = parse_bytes(make_gpx([seg1, [], seg2]))
    assert act.points == 22
    assert act.segment_starts is not None and list(act.segment_starts) == [11]
    s = summarise(act)
    assert s.distance_m == pytest.approx(200.0, rel=1e-6)
    assert s.elapsed_s == 110.0
    assert s.moving_s == 20.0  # the 90 s jump between the segments is a pause


def test_several_tracks_become_one_activity_with_a_warning() -> None:
    body = make_gpx([track(3)]).decode()
    doubled = body.replace(
        "</trk>",
        "</trk><trk><trkseg>" + body.split("<trkseg>")[1].split("</trkseg>")[0] + "</trkseg></trk>",
        1,
    )
    (act,) = parse_bytes(doubled.encode())
    assert act.points == 6
    assert any("2 tracks" in w for w in act.warnings)


def test_route_only_gpx_is_read_with_a_warning() -> None:
    route = [Pt(la, lo) for la, lo in walk_east(4, 100.0)]
    (act,) = parse_bytes(make_gpx([], route=route))
    assert act.points == 4
    assert act.t is None
    assert any("route" in w for w in act.warnings)
    s = summarise(act)
    assert s.distance_m == pytest.approx(300.0, rel=1e-6)
    assert s.elapsed_s == 0 and s.moving_s == 0 and s.avg_pace_s_per_km is None


def test_track_wins_over_route() -> None:
    route = [Pt(la, lo) for la, lo in walk_east(4, 100.0)]
    (act,) = parse_bytes(make_gpx([track(7)], route=route))
    assert act.points == 7


def test_no_timestamps_gives_distance_and_zero_times() -> None:
    pts = [Pt(la, lo, 5.0) for la, lo in walk_east(20, 5.0)]
    (act,) = parse_bytes(make_gpx([pts]))
    assert act.t is None and act.start is None
    s = summarise(act)
    assert s.distance_m == pytest.approx(95.0, rel=1e-6)
    assert (s.elapsed_s, s.moving_s, s.splits) == (0.0, 0.0, [])
    assert any("timestamp" in w for w in s.warnings)


def test_a_few_missing_times_are_interpolated() -> None:
    pts = track(20)
    pts[5].time = None
    (act,) = parse_bytes(make_gpx([pts]))
    assert act.t is not None and act.t[5] == 5.0
    assert any("interpolated" in w for w in act.warnings)


def test_times_with_offsets_and_fractions_are_utc() -> None:
    pts = track(3)
    pts[0].time = "2024-03-31T01:30:00.250+02:00"
    pts[1].time = "2024-03-30T23:30:01.2500000Z"  # 7 fractional digits
    pts[2].time = "2024-03-30T23:30:02"  # naive: GPX times are UTC
    (act,) = parse_bytes(make_gpx([pts]))
    assert act.start is not None and act.start.isoformat() == "2024-03-30T23:30:00.250000+00:00"
    assert act.t is not None and list(act.t) == pytest.approx([0.0, 1.0, 1.75])


def test_sea_level_elevation_zero_counts() -> None:
    pts = track(40, step_m=3.0)
    for i, p in enumerate(pts):
        p.ele = 0.0 if i < 20 else 10.0  # a sea wall: 0 m then a 10 m step
    (act,) = parse_bytes(make_gpx([pts]))
    assert act.ele is not None and act.ele[0] == 0.0 and not np.isnan(act.ele).any()
    s = summarise(act)
    assert s.elevation_gain_m == pytest.approx(10.0, abs=1.01)


def test_empty_segment_and_bom_and_unicode() -> None:
    data = "\ufeff".encode() + make_gpx([[], track(4)]).replace(b"Test run", "Běh ☃".encode())
    (act,) = parse_bytes(data, "weird.gpx")
    assert act.points == 4
    assert act.name == "Běh ☃"


def test_utf16_gpx() -> None:
    data = make_gpx([track(4)]).decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    (act,) = parse_bytes(data.encode("utf-16"))
    assert act.points == 4


def test_waypoints_only_is_a_clear_error() -> None:
    data = b'<?xml version="1.0"?><gpx><wpt lat="1" lon="2"><name>x</name></wpt></gpx>'
    with pytest.raises(ParseError, match="no track or route points"):
        parse_bytes(data, "w.gpx")


def test_unreadable_numbers_are_ignored_with_a_warning() -> None:
    pts = track(5)
    data = make_gpx([pts]).replace(b"<ele>100.0</ele>", b"<ele>high</ele>", 1)
    (act,) = parse_bytes(data)
    assert act.ele is not None and math.isnan(act.ele[0]) and act.ele[1] == 100.0
    assert any("unreadable" in w for w in act.warnings)


def test_impossible_positions_are_dropped() -> None:
    pts = track(5)
    pts[2].lat, pts[2].lon = 123.0, 14.0
    (act,) = parse_bytes(make_gpx([pts]))
    assert act.lat is not None and math.isnan(act.lat[2])
    assert any("impossible" in w for w in act.warnings)


# --- Truncation ------------------------------------------------------------------------------
@pytest.mark.parametrize("newline", ["\n", ""])
@pytest.mark.parametrize("fraction", [0.35, 0.5, 0.77, 0.999])
def test_truncated_gpx_keeps_the_data_before_the_cut(newline: str, fraction: float) -> None:
    full = make_gpx([track(300)], newline=newline)
    cut = full[: int(len(full) * fraction)]
    (act,) = parse_bytes(cut, "battery-died.gpx")
    complete = cut.count(b"</trkpt>")
    assert act.points == complete
    assert act.t is not None
    last = (T0 + timedelta(seconds=float(act.t[-1]))).strftime("%H:%M:%S")
    assert act.warnings[0] == (
        f"file is cut off after {len(cut):,} bytes (the XML ends mid-document); "
        f"data up to {last} UTC kept"
    )


def test_truncated_before_any_point_is_an_error() -> None:
    full = make_gpx([track(3)])
    with pytest.raises(ParseError, match="cut off"):
        parse_bytes(full[: full.index(b"<trkpt")], "x.gpx")


def test_damage_in_the_middle_is_an_error_not_a_truncation() -> None:
    full = bytearray(make_gpx([track(300)]))
    full[len(full) // 2] = ord("<")
    with pytest.raises(ParseError, match="not valid XML"):
        parse_bytes(bytes(full), "x.gpx")


def test_junk_after_the_document_is_ignored() -> None:
    (act,) = parse_bytes(make_gpx([track(5)]) + b"\x00\x00garbage<")
    assert act.points == 5
    assert any("after the end" in w for w in act.warnings)


def test_not_gpx_root_is_rejected() -> None:
    with pytest.raises(ParseError):
        parse_bytes(b"<?xml version='1.0'?><kml><trkpt lat='1' lon='1'/></kml>", "x.gpx")


# --- XML attacks ---------------------------------------------------------------------------
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE gpx [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<gpx xmlns="http://www.topografix.com/GPX/1/1"><trk><name>&lol9;</name><trkseg>
<trkpt lat="46.0" lon="14.0"><ele>&lol9;</ele><time>2024-01-01T00:00:00Z</time></trkpt>
<trkpt lat="46.001" lon="14.0"><ele>1</ele><time>2024-01-01T00:00:10Z</time></trkpt>
</trkseg></trk></gpx>"""


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_billion_laughs_does_not_expand() -> None:
    before = _maxrss_mb()
    with pytest.raises(ParseError, match="entities") as err:
        parse_bytes(BILLION_LAUGHS, "bomb.gpx")
    assert "lol" not in str(err.value)
    assert _maxrss_mb() - before < 50  # an expansion would need gigabytes


def test_billion_laughs_is_not_expanded_even_by_the_low_level_stream() -> None:
    import io

    from backstride.core.tracks.xmlstream import XmlStream

    texts = []
    stream = XmlStream(io.BytesIO(BILLION_LAUGHS), ("{*}name", "{*}ele"), "GPX")
    with pytest.raises(ParseError, match="entities"), stream:
        for _event, el in stream.events:
            if not stream.checked:
                stream.check(el)
            texts.append(el.text)
    assert texts == []


@pytest.mark.parametrize(
    "decl",
    [
        '<!DOCTYPE gpx [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE gpx [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/leak">]>',
        '<!DOCTYPE gpx [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>',
    ],
)
def test_xxe_is_refused_and_nothing_is_read(decl: str) -> None:
    data = (
        f'<?xml version="1.0"?>{decl}<gpx xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>'
        '<trkpt lat="46" lon="14"><name>&xxe;</name></trkpt>'
        '<trkpt lat="46.001" lon="14"><name>&xxe;</name></trkpt></trkseg></trk></gpx>'
    ).encode()
    with pytest.raises(ParseError) as err:
        parse_bytes(data, "xxe.gpx")
    assert "root:" not in str(err.value)


def test_external_dtd_is_not_fetched() -> None:
    data = (
        b'<?xml version="1.0"?><!DOCTYPE gpx SYSTEM "http://127.0.0.1:9/gpx.dtd">'
        + make_gpx([track(3)]).split(b"?>", 1)[1]
    )
    (act,) = parse_bytes(data, "dtd.gpx")  # no entities declared: parsed, DTD never loaded
    assert act.points == 3
