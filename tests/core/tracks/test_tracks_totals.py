"""Issue 14: the figures a watch shows.

* A device's recorded total distance (session, else lap totals, else the last record
  distance) is the activity's distance; GPS is the fallback; the parts add up to the whole.
* A partly timed GPX takes its times from the timed points (first to last timed point,
  stretches without times are pauses); only a file with no usable times has no duration.

Files are built here (``trackfixtures``) and read back with fitdecode and gpxpy as references.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta

import fitdecode
import gpxpy
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from trackfixtures import T0, FitWriter, Pt, fit_time, gpx_point, semicircles, walk_east

from backstride.core.tracks import Activity, Lap, combine, parse_bytes, summarise
from backstride.core.tracks.stats import recorded_distance

# --- Multi-sport FIT with session totals --------------------------------------------------
RUN, CYCLE, TRANSITION = 1, 2, 3


@dataclass
class Part:
    sport: int
    seconds: int
    speed: float  #: metres per second along the GPS track
    record_distance: bool  #: whether records carry the device's distance
    device_factor: float  #: session total = GPS length x this (footpod, wheel sensor, ...)


# Run / cycle with transitions, as a duathlon watch records it: 7 sessions. Transitions record
# no distance field (GPS only), so summing the parts' own figures mixes sources.
DUATHLON = [
    Part(RUN, 600, 3.2, True, 1.02),
    Part(TRANSITION, 60, 1.0, False, 1.10),
    Part(CYCLE, 900, 8.0, True, 0.99),
    Part(TRANSITION, 45, 1.2, False, 0.95),
    Part(RUN, 500, 3.0, True, 1.03),
    Part(TRANSITION, 30, 1.0, False, 1.20),
    Part(RUN, 300, 3.1, True, 1.01),
]


def multisport_fit(parts: list[Part], *, sessions: bool = True, laps: bool = False) -> bytes:
    """Records (1 s, positions, the odometer where the part records one) then one session per
    part whose total is the part's GPS length times its ``device_factor`` (what the watch
    shows); with ``laps``, one lap per part carries the same total instead of the session."""
    w = FitWriter()
    w.define(0, 0, [(0, "enum"), (4, "uint32")])
    w.data(0, 4, fit_time(T0))
    w.define(1, 20, [(253, "uint32"), (0, "sint32"), (1, "sint32"), (5, "uint32")])
    t = fit_time(T0)
    odometer = 0.0
    lat, lon = 46.0, 14.0
    summaries = []
    for part in parts:
        pts = walk_east(part.seconds + 1, part.speed, lat, lon)
        start = t
        for i, (la, lo) in enumerate(pts[:-1]):
            dist = round((odometer + i * part.speed * part.device_factor) * 100)
            w.data(
                1, t, semicircles(la), semicircles(lo), dist if part.record_distance else 0xFFFFFFFF
            )
            t += 1
        lat, lon = pts[-1]
        total = part.seconds * part.speed * part.device_factor
        odometer += total
        summaries.append((start, t, part.sport, total))
    fields = [(253, "uint32"), (2, "uint32"), (5, "enum"), (7, "uint32"), (9, "uint32")]
    if laps:
        w.define(3, 19, [(253, "uint32"), (2, "uint32"), (7, "uint32"), (9, "uint32")])
        for start, end, _sport, total in summaries:
            w.data(3, end, start, (end - start) * 1000, round(total * 100))
    if sessions:
        w.define(2, 18, fields)
        for start, end, sport, total in summaries:
            w.data(
                2,
                end,
                start,
                sport,
                (end - start) * 1000,
                0xFFFFFFFF if laps else round(total * 100),
            )
    return w.to_bytes()


def fitdecode_session_totals(data: bytes) -> list[float]:
    out = []
    with fitdecode.FitReader(io.BytesIO(data)) as reader:
        for frame in reader:
            if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "session":
                out.append(float(frame.get_value("total_distance")))
    return out


def test_multisport_fit_distance_is_the_sum_of_the_session_totals() -> None:
    data = multisport_fit(DUATHLON)
    reference = fitdecode_session_totals(data)
    assert len(reference) == 7
    parts = parse_bytes(data, "duathlon.fit")
    summaries = [summarise(p) for p in parts]
    whole = combine(summaries)
    assert whole.distance_m == pytest.approx(sum(reference), abs=0.1)
    assert whole.distance_source == "device"
    assert [s.distance_m for s in summaries] == pytest.approx(reference, abs=0.01)
    assert whole.distance_m == pytest.approx(sum(s.distance_m for s in summaries))
    # GPS is still reported beside it, and differs (the watch's sensors do).
    assert whole.gps_distance_m is not None
    assert abs(whole.gps_distance_m - whole.distance_m) > 50


def test_multisport_fit_lap_totals_stand_in_for_missing_session_totals() -> None:
    data = multisport_fit(DUATHLON, laps=True)
    expected = sum(p.seconds * p.speed * p.device_factor for p in DUATHLON)
    whole = combine([summarise(p) for p in parse_bytes(data, "duathlon.fit")])
    assert whole.distance_m == pytest.approx(expected, abs=0.1)
    assert whole.distance_source == "device"


def _activity(**kw: object) -> Activity:
    """A straight 1 km GPS track at 1 s, 250 points (4 m apart), plus ``kw``."""
    pts = walk_east(251, 4.0)
    base: dict[str, object] = {
        "sport": "run",
        "start": T0,
        "t": np.arange(251, dtype=float),
        "lat": np.array([p[0] for p in pts]),
        "lon": np.array([p[1] for p in pts]),
    }
    base.update(kw)
    return Activity(**base)  # type: ignore[arg-type]


ODOMETER = np.arange(251, dtype=float) * 4.1  # 1,025 m by the footpod


@pytest.mark.parametrize(
    ("case", "kw", "distance", "source", "warning"),
    [
        (
            "session total wins over everything",
            {
                "device_totals": {"total_distance": 1010.0},
                "dist": ODOMETER,
                "laps": [Lap(distance_m=990.0)],
            },
            1010.0,
            "device",
            None,
        ),
        (
            "lap totals without a session total",
            {"laps": [Lap(distance_m=600.0), Lap(distance_m=405.0)], "dist": ODOMETER},
            1005.0,
            "device",
            None,
        ),
        ("last record distance without totals", {"dist": ODOMETER}, 1025.0, "device", None),
        ("GPS without any device distance", {}, 1000.0, "gps", None),
        (
            "a total under half the GPS track is not believed",
            {"device_totals": {"total_distance": 400.0}},
            1000.0,
            "gps",
            "does not fit",
        ),
        (
            "a total over twice the track is not believed",
            {"device_totals": {"total_distance": 2500.0}},
            1000.0,
            "gps",
            "does not fit",
        ),
    ],
    ids=lambda v: v.replace(" ", "-") if isinstance(v, str) and " " in v else None,
)
def test_recorded_total_rule(
    case: str, kw: dict[str, object], distance: float, source: str, warning: str | None
) -> None:
    s = summarise(_activity(**kw))
    assert s.distance_m == pytest.approx(distance, rel=1e-6), case
    assert s.distance_source == source
    assert any(warning in w for w in s.warnings) if warning else not s.warnings


def test_splits_add_up_to_the_recorded_total() -> None:
    s = summarise(_activity(device_totals={"total_distance": 1020.0}))
    assert sum(x.distance_m for x in s.splits) == pytest.approx(1020.0)
    assert [round(x.distance_m) for x in s.splits] == [1000, 20]


def test_a_total_without_points_still_counts() -> None:
    act = _activity(lat=None, lon=None, device_totals={"total_distance": 5000.0})
    s = summarise(act)
    assert (s.distance_m, s.distance_source) == (5000.0, "device")
    assert recorded_distance(Activity()) is None


@settings(max_examples=40, deadline=None)
@given(factors=st.lists(st.floats(0.6, 1.6), min_size=2, max_size=7))
def test_parts_always_add_up_to_the_whole(factors: list[float]) -> None:
    parts = [
        Part(RUN if k % 2 == 0 else TRANSITION, 40, 3.0, k % 2 == 0, f)
        for k, f in enumerate(factors)
    ]
    summaries = [summarise(p) for p in parse_bytes(multisport_fit(parts), "m.fit")]
    whole = combine(summaries)
    assert whole.distance_m == pytest.approx(sum(s.distance_m for s in summaries))
    recorded = sum(p.seconds * p.speed * p.device_factor for p in parts)
    assert whole.distance_m == pytest.approx(recorded, abs=0.01 * len(parts))


# --- Partly timed GPX ---------------------------------------------------------------------
def handheld_gpx(tracks: list[tuple[int, bool, float]]) -> bytes:
    """GPX 1.0 with one ``<trk>`` per (points, timed, pause before it in s); 2 m every 2 s
    (a walk) with a little noise in the timing; untimed tracks carry positions only."""
    ns = "http://www.topografix.com/GPX/1/0"
    out = ['<?xml version="1.0"?>', f'<gpx version="1.0" creator="handheld" xmlns="{ns}">']
    t = T0
    lat, lon = 46.0, 14.0
    for k, (n, timed, pause) in enumerate(tracks):
        t += timedelta(seconds=pause)
        pts = walk_east(n + 1, 2.0, lat, lon)
        lat, lon = pts[-1]
        out.append(f"<trk><name>ACTIVE LOG {k}</name><trkseg>")
        for i, (la, lo) in enumerate(pts[:-1]):
            when = t + timedelta(seconds=2 * i + (i % 3) * 0.5) if timed else None
            out.append(gpx_point(Pt(la, lo, 300.0 + (i % 7), when)))
        out.append("</trkseg></trk>")
        if timed:
            t += timedelta(seconds=2 * n)
    out.append("</gpx>")
    return "\n".join(out).encode()


def gpxpy_times(data: bytes) -> tuple[float, float]:
    g = gpxpy.parse(data.decode())
    bounds = g.get_time_bounds()
    elapsed = (bounds.end_time - bounds.start_time).total_seconds() if bounds.start_time else 0.0
    return elapsed, g.get_moving_data().moving_time


# (points, timed, pause before) per track
HANDHELD = [(300, True, 0.0), (158, False, 0.0), (213, True, 900.0), (200, False, 0.0)]


@pytest.mark.parametrize(
    ("tracks", "untimed"),
    [
        (HANDHELD, 358),  # 4 tracks, 871 points, 513 timed (the handheld of issue 14)
        ([(150, False, 0.0), (400, True, 0.0)], 150),  # times only after an untimed start
        ([(200, True, 0.0), (200, False, 0.0), (200, True, 3600.0)], 200),  # an hour's stop
    ],
    ids=["handheld-4-tracks", "untimed-first", "untimed-middle"],
)
def test_partly_timed_gpx_takes_times_from_its_timed_points(
    tracks: list[tuple[int, bool, float]], untimed: int
) -> None:
    data = handheld_gpx(tracks)
    ref_elapsed, ref_moving = gpxpy_times(data)
    (act,) = parse_bytes(data, "handheld.gpx")
    s = summarise(act)
    total = sum(n for n, _, _ in tracks)
    assert s.points == total
    assert s.elapsed_s == pytest.approx(ref_elapsed, abs=1.0)
    assert s.moving_s == pytest.approx(ref_moving, rel=0.02)
    assert s.moving_s > 0 and s.avg_pace_s_per_km is not None
    # Pace is over the timed stretches: 2 m per 2 s (~1 m/s), not sped up by untimed ones.
    assert s.avg_pace_s_per_km == pytest.approx(1000.0, rel=0.05)
    assert f"{untimed} of {total} points have no timestamp" in " ".join(s.warnings)
    assert s.distance_m == pytest.approx(2.0 * total - 2.0, rel=0.01)


def test_handheld_gpx_matches_the_issue() -> None:
    data = handheld_gpx(HANDHELD)
    (act,) = parse_bytes(data, "handheld.gpx")
    assert act.t is not None and int(np.count_nonzero(~np.isnan(act.t))) == 513
    assert act.points == 871


@pytest.mark.parametrize(
    ("tracks", "text"),
    [
        ([(50, False, 0.0)], "no point has a timestamp"),
        ([(1, True, 0.0), (60, False, 0.0)], "all the same"),
    ],
    ids=["no-times", "one-timed-point"],
)
def test_only_a_file_without_usable_times_has_no_duration(
    tracks: list[tuple[int, bool, float]], text: str
) -> None:
    (act,) = parse_bytes(handheld_gpx(tracks), "x.gpx")
    s = summarise(act)
    assert (s.elapsed_s, s.moving_s, s.avg_pace_s_per_km) == (0.0, 0.0, None)
    assert any(text in w for w in s.warnings), s.warnings
    assert s.distance_m > 0


def test_partly_timed_export_keeps_only_the_recorded_times() -> None:
    from backstride.core.tracks import to_gpx
    from backstride.core.tracks.export import gpx_bytes_from_file

    data = handheld_gpx(HANDHELD)
    (act,) = parse_bytes(data, "handheld.gpx")
    out = to_gpx(act)
    assert out.count(b"<time>") == 513 + 1  # the points' times plus the metadata time
    assert gpx_bytes_from_file(data, "handheld.gpx") == out
