"""Statistics: geodesic distance, moving time, elevation, splits, summaries, SVG route, GPX out."""

from __future__ import annotations

import json
import math
import random
from datetime import timedelta

import gpxpy
import gpxpy.geo
import numpy as np
import pytest
from lxml import etree
from trackfixtures import T0, Pt, activity_fit, fit_time, make_gpx, track, walk_east

from backstride.core.tracks import (
    ALGORITHM_VERSION,
    Activity,
    combine,
    parse_bytes,
    route_polyline,
    summarise,
    to_gpx,
)
from backstride.core.tracks.stats import STOP_SPEED_M_S, elevation_profile, haversine


def test_haversine_matches_gpxpy() -> None:
    rng = random.Random(4)
    for _ in range(200):
        a = (rng.uniform(-80, 80), rng.uniform(-180, 180))
        b = (a[0] + rng.uniform(-1, 1), a[1] + rng.uniform(-1, 1))
        ours = float(
            haversine(np.array([a[0]]), np.array([a[1]]), np.array([b[0]]), np.array([b[1]]))[0]
        )
        ref = gpxpy.geo.haversine_distance(a[0], a[1], b[0], b[1])
        # Same formula; gpxpy uses the equatorial radius, we use the mean radius (0.11 % apart).
        assert ours * gpxpy.geo.EARTH_RADIUS / 6_371_000.0 == pytest.approx(ref, rel=1e-9)
        assert ours == pytest.approx(ref, rel=0.002)


def test_track_length_agrees_with_gpxpy_length_2d() -> None:
    rng = random.Random(7)
    lat, lon = 51.5, -0.1
    pts = []
    for i in range(2000):
        lat += rng.uniform(-3e-5, 3e-5)
        lon += rng.uniform(-3e-5, 3e-5)
        pts.append(Pt(lat, lon, 20.0, T0 + timedelta(seconds=i)))
    data = make_gpx([pts])
    ours = summarise(parse_bytes(data)[0]).distance_m
    assert ours == pytest.approx(gpxpy.parse(data.decode()).length_2d(), rel=0.005)


def _activity(
    speeds: list[float], sport: str = "run", jitter_m: float = 0.0, seed: int = 1
) -> Activity:
    """1 Hz track at the given speeds (m/s), optionally with GPS jitter."""
    rng = random.Random(seed)
    r = 6_371_000.0
    x = 0.0
    lat, lon = [], []
    for v in speeds:
        x += v
        jx, jy = rng.uniform(-jitter_m, jitter_m), rng.uniform(-jitter_m, jitter_m)
        lat.append(46.0 + math.degrees(jy / r))
        lon.append(14.0 + math.degrees((x + jx) / (r * math.cos(math.radians(46.0)))))
    n = len(speeds)
    return Activity(
        sport=sport,
        start=T0,
        t=np.arange(n, dtype=float),
        lat=np.array(lat),
        lon=np.array(lon),
        source_format="gpx",
    )


def test_walk_breaks_of_a_walk_run_count_as_moving_but_stops_do_not() -> None:
    speeds = [3.0] * 300 + [1.1] * 120 + [3.0] * 300 + [0.0] * 180 + [3.0] * 100
    s = summarise(_activity(speeds, jitter_m=1.0))
    assert s.elapsed_s == len(speeds) - 1
    assert s.moving_s == pytest.approx(820, abs=12)  # 180 s standing still at a crossing excluded
    assert s.avg_pace_s_per_km == pytest.approx(s.moving_s / (s.distance_m / 1000))


def test_stop_threshold_depends_on_sport() -> None:
    speeds = [0.8] * 300  # a slow walk: moving for a walker, stopped for a cyclist
    assert summarise(_activity(speeds, "walk")).moving_s == pytest.approx(299)
    assert summarise(_activity(speeds, "cycle")).moving_s == 0
    assert STOP_SPEED_M_S["run"] < 1.0  # walking pace must never stop a run's clock
    assert summarise(
        _activity(speeds, "cycle"), moving_threshold_m_s=0.5
    ).moving_s == pytest.approx(299)


def test_elevation_noise_is_ignored_and_climbs_count() -> None:
    rng = random.Random(3)
    n = 1200
    t = np.arange(n, dtype=float)
    flat = np.array([10.0 + rng.uniform(-0.4, 0.4) for _ in range(n)])
    prof = elevation_profile(flat, t)
    assert prof is not None and float(np.abs(np.diff(prof)).sum()) < 1.0
    climb = np.linspace(0.0, 60.0, n) + np.array([rng.uniform(-0.4, 0.4) for _ in range(n)])
    prof = elevation_profile(climb, t)
    assert prof is not None
    gain = float(np.clip(np.diff(prof), 0, None).sum())
    assert gain == pytest.approx(60.0, abs=2.0)


def test_elevation_all_zero_is_sea_level_not_missing() -> None:
    act = _activity([3.0] * 60)
    act.ele = np.zeros(60)
    s = summarise(act)
    assert s.elevation_gain_m == 0.0 and s.elevation_loss_m == 0.0
    act.ele = None
    assert summarise(act).elevation_gain_m is None


def test_splits_per_km_with_moving_pace_and_partial_last() -> None:
    speeds = [4.0] * 400 + [0.0] * 60 + [2.5] * 800  # 1596 m, a stop, then 2000 m
    act = _activity(speeds)
    act.hr = np.array([140.0] * 400 + [120.0] * 60 + [160.0] * 800)
    act.ele = np.concatenate((np.linspace(0, 30, 400), np.full(860, 30.0)))
    s = summarise(act)
    assert s.distance_m == pytest.approx(3596.0, rel=1e-6)
    assert [sp.index for sp in s.splits] == [1, 2, 3, 4]
    assert s.splits[0].pace_s_per_km == pytest.approx(250, abs=1)
    assert s.splits[2].pace_s_per_km == pytest.approx(400, abs=1)
    assert s.splits[3].distance_m == pytest.approx(596.0, rel=1e-6)
    assert s.splits[3].pace_s_per_km == pytest.approx(400, abs=1)
    assert s.splits[1].elapsed_s > s.splits[1].moving_s + 50  # the stop is in km 2
    assert s.splits[0].avg_hr == pytest.approx(140)
    assert s.splits[-1].avg_hr == pytest.approx(160)
    assert sum(sp.ele_gain_m for sp in s.splits) == pytest.approx(s.elevation_gain_m, abs=0.01)
    assert s.splits[2].ele_gain_m == 0.0
    assert sum(sp.distance_m for sp in s.splits) == pytest.approx(s.distance_m)
    assert sum(sp.elapsed_s for sp in s.splits) == pytest.approx(s.elapsed_s)
    assert sum(sp.moving_s for sp in s.splits) == pytest.approx(s.moving_s)


def test_tiny_final_remainder_is_not_a_split() -> None:
    s = summarise(_activity([2.0] * 502))  # 1004 m
    assert len(s.splits) == 1


def test_summary_to_dict_is_json_safe() -> None:
    act = _activity([3.0] * 100)
    act.hr = np.full(100, np.nan)
    d = summarise(act).to_dict()
    json.dumps(d, allow_nan=False)
    assert d["avg_hr"] is None
    assert d["algorithm_version"] == ALGORITHM_VERSION
    assert d["start"] == T0.isoformat()


def test_combine_sums_parts_and_spans_elapsed() -> None:
    a = summarise(_activity([3.0] * 101, "run"))
    b_act = _activity([8.0] * 201, "cycle")
    b_act.start = T0 + timedelta(seconds=130)
    b = summarise(b_act)
    c = combine([a, b])
    assert c.distance_m == pytest.approx(a.distance_m + b.distance_m)
    assert c.moving_s == pytest.approx(a.moving_s + b.moving_s)
    assert c.elapsed_s == pytest.approx(330.0)
    assert c.sports == ["run", "cycle"] and c.sport == "cycle"
    assert c.start == T0
    assert "multi-sport" in c.warnings[0]
    assert combine([a]) == a and combine([a]) is not a
    with pytest.raises(ValueError):
        combine([])


def test_session_without_records_uses_device_totals() -> None:
    w = activity_fit()
    w.define(
        1,
        18,
        [(253, "uint32"), (2, "uint32"), (5, "enum"), (7, "uint32"), (8, "uint32"), (9, "uint32")],
    )
    w.data(1, fit_time(T0) + 1800, fit_time(T0), 5, 1800_000, 1700_000, 150_000)
    (act,) = parse_bytes(w.to_bytes())
    s = summarise(act)
    assert (s.sport, s.points, s.distance_m, s.elapsed_s, s.moving_s) == (
        "swim",
        0,
        1500.0,
        1800.0,
        1700.0,
    )
    assert any("device's summary" in x for x in s.warnings)


# --- Route ------------------------------------------------------------------------------------
def test_route_polyline_fits_and_points_north_up() -> None:
    pts = [Pt(46.0 + i * 1e-4, 14.0) for i in range(50)]  # due north
    act = parse_bytes(make_gpx([pts]))[0]
    poly = route_polyline(act, 300, 200)
    assert poly is not None
    xy = [tuple(map(float, p.split(","))) for p in poly.split()]
    assert all(0 <= x <= 300 and 0 <= y <= 200 for x, y in xy)
    assert xy[0][1] > xy[-1][1]  # first point lower on the page than the last
    assert xy[0][1] == pytest.approx(200) and xy[-1][1] == pytest.approx(0)


def test_route_polyline_is_simplified() -> None:
    n = 100_000
    ang = np.linspace(0, 6 * np.pi, n)
    act = Activity(lat=46 + 0.01 * np.sin(ang), lon=14 + 0.01 * np.cos(ang) * (1 + ang / 20))
    poly = route_polyline(act, max_points=500)
    assert poly is not None and 2 <= len(poly.split()) <= 500


def test_route_polyline_none_without_gps() -> None:
    assert route_polyline(Activity(t=np.arange(5.0), dist=np.arange(5.0))) is None


# --- GPX export -------------------------------------------------------------------------------
def test_to_gpx_round_trip() -> None:
    src = parse_bytes(make_gpx([track(300, step_m=3.0, hr=150, cad=86)], sport="run"))[0]
    out = to_gpx(src)
    etree.fromstring(out)  # well-formed
    back = parse_bytes(out, "export.gpx")[0]
    a, b = summarise(src), summarise(back)
    assert b.distance_m == pytest.approx(a.distance_m, rel=1e-5)  # 7 decimals of a degree
    assert b.elapsed_s == a.elapsed_s and b.start == a.start
    assert b.avg_hr == a.avg_hr and b.avg_cadence == a.avg_cadence == 172
    assert back.sport == "run"
    assert gpxpy.parse(out.decode()).length_2d() == pytest.approx(a.distance_m, rel=0.005)


def test_to_gpx_for_multi_part_and_treadmill() -> None:
    part1 = parse_bytes(make_gpx([track(10)]))[0]
    treadmill = Activity(sport="run", start=T0, t=np.arange(10.0), dist=np.arange(10.0) * 3)
    out = to_gpx([part1, treadmill])
    root = etree.fromstring(out)
    ns = {"g": "http://www.topografix.com/GPX/1/1"}
    assert len(root.findall("g:trk", ns)) == 2
    assert len(root.findall(".//g:trkpt", ns)) == 10


def test_walk_east_helper_is_exact() -> None:
    (a, b) = walk_east(2, 1000.0)
    d = haversine(np.array([a[0]]), np.array([a[1]]), np.array([b[0]]), np.array([b[1]]))
    assert float(d[0]) == pytest.approx(1000.0, rel=1e-9)
