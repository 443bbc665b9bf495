"""TCX parsing: activities, laps, run cadence, treadmill (no positions), courses, truncation."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from trackfixtures import T0, Pt, make_tcx, track

from backstride.core.tracks import ParseError, parse_bytes, summarise


def _with_dist(pts: list[Pt], step: float) -> list[Pt]:
    for i, p in enumerate(pts):
        p.dist = round(i * step, 3)
    return pts


def test_tcx_activity_with_laps_and_run_cadence() -> None:
    pts = _with_dist(track(120, step_m=3.0, hr=140), 3.0)
    (act,) = parse_bytes(make_tcx([pts[:60], pts[60:]], run_cadence=[84.0, 86.0]), "run.tcx")
    assert act.source_format == "tcx"
    assert act.sport == "run"
    assert act.points == 120
    assert len(act.laps) == 2 and act.laps[0].start == T0
    assert act.device_totals["total_timer_time"] == 120.0
    # RunCadence is per leg: reported doubled, in steps per minute.
    assert act.cadence is not None and set(act.cadence.tolist()) == {168.0, 172.0}
    s = summarise(act)
    assert s.distance_source == "device"
    assert s.distance_m == pytest.approx(357.0)
    assert s.gps_distance_m == pytest.approx(357.0, rel=1e-6)
    assert s.avg_hr == 140.0 and s.max_hr == 140.0
    assert s.avg_cadence == pytest.approx(170.0)


def test_treadmill_without_positions_uses_device_distance() -> None:
    pts = [Pt(time=T0 + timedelta(seconds=i), dist=i * 2.5, hr=120) for i in range(1201)]
    (act,) = parse_bytes(make_tcx([pts], sport="Running"), "treadmill.tcx")
    assert act.lat is None and act.lon is None
    assert not act.has_gps
    s = summarise(act)
    assert s.has_gps is False
    assert s.distance_m == pytest.approx(3000.0)
    assert s.elapsed_s == 1200.0 and s.moving_s == 1200.0
    assert s.avg_pace_s_per_km == pytest.approx(400.0)
    assert [round(x.distance_m) for x in s.splits] == [1000, 1000, 1000]
    assert [round(x.elapsed_s) for x in s.splits] == [400, 400, 400]


def test_several_activities_in_one_tcx() -> None:
    pts = _with_dist(track(10), 3.0)
    acts = parse_bytes(make_tcx([pts], activities=2, sport="Biking"))
    assert [a.sport for a in acts] == ["cycle", "cycle"]
    assert [a.points for a in acts] == [10, 10]


def test_tcx_course_is_read_with_a_warning() -> None:
    pts = _with_dist(track(10), 3.0)
    (act,) = parse_bytes(make_tcx([pts], course=True))
    assert act.points == 10
    assert any("course" in w for w in act.warnings)


def test_time_only_trackpoints_count_for_elapsed_time() -> None:
    pts = _with_dist(track(10), 3.0)
    lead = [Pt(time=T0 - timedelta(seconds=6 - i)) for i in range(6)]
    (act,) = parse_bytes(make_tcx([lead + pts]))
    s = summarise(act)
    assert s.elapsed_s == 15.0
    assert act.start == T0 - timedelta(seconds=6)


def test_truncated_tcx_keeps_points_and_says_where() -> None:
    pts = _with_dist(track(200), 3.0)
    full = make_tcx([pts], sport="Running")
    cut = full[: int(len(full) * 0.6)]
    (act,) = parse_bytes(cut, "cut.tcx")
    assert act.sport == "run"  # read from the still-open <Activity>
    assert act.points == cut.count(b"</Trackpoint>")
    assert act.t is not None
    last = (T0 + timedelta(seconds=float(act.t[-1]))).strftime("%H:%M:%S")
    assert act.warnings[0].startswith(f"file is cut off after {len(cut):,} bytes")
    assert act.warnings[0].endswith(f"data up to {last} UTC kept")


def test_tcx_without_trackpoints_is_an_error() -> None:
    data = make_tcx([[]])
    with pytest.raises(ParseError, match="no activity"):
        parse_bytes(data, "empty.tcx")


def test_cadence_column_for_a_bike_is_not_doubled() -> None:
    pts = _with_dist(track(10), 3.0)
    data = make_tcx([pts], sport="Biking").replace(
        b"</Trackpoint>", b"<Cadence>90</Cadence></Trackpoint>"
    )
    (act,) = parse_bytes(data)
    assert act.cadence is not None and np.all(act.cadence == 90)
