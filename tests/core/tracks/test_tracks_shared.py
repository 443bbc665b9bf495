"""Every shared sample file against the libraries peers use (read in place from ../shared).

Distances must agree within 0.5 % and elapsed times within 1 s with gpxpy (GPX), tcxreader (TCX)
and fitdecode (FIT: session totals, else record distances). The ``odd/`` files each behave as
the table says. The shared files are never copied into the repository.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from pathlib import Path
from typing import Any

import fitdecode
import gpxpy
import pytest
from tcxreader.tcxreader import TCXReader
from trackfixtures import FIT_EPOCH, shared_activities

from backstride.core.tracks import Activity, ParseError, Summary, combine, parse_file, summarise

REL = 0.005
KINDS = ("gpx", "tcx", "fit", "synth")


def _files(kind: str) -> list[str]:
    try:
        base = shared_activities()
    except (pytest.skip.Exception, pytest.fail.Exception):  # reported by each test
        return ["<shared data absent>"]
    return sorted(p.name for p in (base / kind).iterdir() if p.is_file())


def _path(kind: str, name: str) -> Path:
    base = shared_activities()  # skips with a reason when ../shared is absent
    return base / kind / name


def _ours(path: Path) -> tuple[list[Activity], Summary]:
    parts = parse_file(path)
    return parts, combine([summarise(p) for p in parts])


def gpx_reference(path: Path) -> tuple[float, float]:
    with path.open() as fh:
        g = gpxpy.parse(fh)
    bounds = g.get_time_bounds()
    elapsed = (bounds.end_time - bounds.start_time).total_seconds() if bounds.start_time else 0.0
    return g.length_2d(), elapsed


def tcx_reference(path: Path) -> tuple[float, float]:
    r = TCXReader().read(str(path), only_gps=False)
    return float(r.distance), (r.end_time - r.start_time).total_seconds()


def fit_reference(path: Path) -> dict[str, Any]:
    sessions: list[dict[str, Any]] = []
    times: list[float] = []
    last_dist = None
    with fitdecode.FitReader(str(path)) as reader:
        for frame in reader:
            if not isinstance(frame, fitdecode.FitDataMessage):
                continue
            if frame.name == "session":
                sessions.append(
                    {k: frame.get_value(k, fallback=None) for k in ("total_distance", "start_time")}
                )
            elif frame.name == "record":
                ts = frame.get_value("timestamp", fallback=None)
                if ts is not None:
                    times.append(
                        ts.timestamp() if hasattr(ts, "timestamp") else float(ts) + FIT_EPOCH
                    )
                d = frame.get_value("distance", fallback=None)
                if d is not None:
                    last_dist = float(d)
    totals = [s["total_distance"] for s in sessions if s["total_distance"] is not None]
    distance = float(sum(totals)) if len(totals) == len(sessions) and totals else last_dist
    return {"distance": distance, "elapsed": times[-1] - times[0], "sessions": sessions}


@pytest.mark.parametrize("name", _files("gpx") + [f"synth/{n}" for n in _files("synth")])
def test_gpx_agrees_with_gpxpy(name: str) -> None:
    path = _path("synth", name[6:]) if name.startswith("synth/") else _path("gpx", name)
    ref_dist, ref_elapsed = gpx_reference(path)
    parts, ours = _ours(path)
    assert ours.distance_m == pytest.approx(ref_dist, rel=REL)
    assert ours.elapsed_s == pytest.approx(ref_elapsed, abs=1.0)
    assert ours.points == sum(p.points for p in parts) > 0


@pytest.mark.parametrize("name", _files("tcx"))
def test_tcx_agrees_with_tcxreader(name: str) -> None:
    path = _path("tcx", name)
    ref_dist, ref_elapsed = tcx_reference(path)
    _parts, ours = _ours(path)
    assert ours.distance_m == pytest.approx(ref_dist, rel=REL)
    assert ours.elapsed_s == pytest.approx(ref_elapsed, abs=1.0)


@pytest.mark.parametrize("name", _files("fit"))
def test_fit_agrees_with_fitdecode(name: str) -> None:
    path = _path("fit", name)
    ref = fit_reference(path)
    parts, ours = _ours(path)
    assert ours.distance_m == pytest.approx(ref["distance"], rel=REL)
    assert ours.elapsed_s == pytest.approx(ref["elapsed"], abs=1.0)
    if ref["sessions"]:
        assert len(parts) == len(ref["sessions"])  # one activity per session (multi-sport)
        for part, session in zip(
            parts, sorted(ref["sessions"], key=lambda s: s["start_time"]), strict=True
        ):
            if session["total_distance"] is not None:
                got = summarise(part).distance_m
                assert got == pytest.approx(session["total_distance"], rel=REL, abs=10.0)
            assert (
                part.start is not None
                and abs((part.start - session["start_time"]).total_seconds()) <= 1
            )


FIT_WITH_SESSIONS = [f"fit/{n}" for n in _files("fit")] + [
    "odd/fitparse__sample_mulitple_header.fit"
]


@pytest.mark.parametrize("name", FIT_WITH_SESSIONS)
def test_fit_distance_is_the_device_total(name: str) -> None:
    """The device's own totals (what the watch shows) are the distance, to the centimetre."""
    kind, _, file = name.partition("/")
    path = _path(kind, file)
    ref = fit_reference(path)
    _parts, ours = _ours(path)
    assert ours.distance_m == pytest.approx(ref["distance"], abs=0.05)
    assert ours.distance_source == "device"


# --- odd/ ------------------------------------------------------------------------------------
def _gpx_close(path: Path, s: Summary) -> None:
    assert s.distance_m == pytest.approx(gpx_reference(path)[0], rel=REL)


def _fit_records(path: Path) -> list[Any]:
    """Records fitdecode manages to read before it gives up (it raises on damaged files)."""
    out = []
    try:
        with fitdecode.FitReader(str(path), check_crc=fitdecode.CrcCheck.DISABLED) as reader:
            for frame in reader:
                if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "record":
                    out.append(frame)
    except fitdecode.FitError:
        pass
    return out


def _eof_check(path: Path, parts: list[Activity], s: Summary) -> None:
    recs = _fit_records(path)
    last = recs[-1].get_value("timestamp").astimezone(UTC).strftime("%H:%M:%S")
    size = path.stat().st_size
    assert s.points == len(recs)
    assert parts[0].warnings[0].startswith(f"file ends after {size:,} of ")
    assert parts[0].warnings[0].endswith(f"data up to {last} UTC kept")


def _compressed_check(path: Path, parts: list[Activity], s: Summary) -> None:
    recs = _fit_records(path)
    assert s.points == len(recs)
    assert s.distance_m == pytest.approx(recs[-1].get_value("distance"), rel=REL)
    assert s.start is None and s.elapsed_s > 3000


def _multi_header_check(path: Path, parts: list[Activity], s: Summary) -> None:
    ref = fit_reference(path)
    assert len(parts) == len(ref["sessions"]) == 5
    assert [p.sport for p in parts] == ["swim", "other", "cycle", "other", "run"]
    assert s.distance_m == pytest.approx(ref["distance"], rel=REL)
    assert s.elapsed_s == pytest.approx(ref["elapsed"], abs=1.0)


def _without_times(path: Path, parts: list[Activity], s: Summary) -> None:
    """Only 5 of 296 points are timed: times come from those 5 (as gpxpy counts them)."""
    _gpx_close(path, s)
    with path.open() as fh:
        moving = gpxpy.parse(fh).get_moving_data().moving_time
    assert s.elapsed_s == pytest.approx(gpx_reference(path)[1], abs=1.0) and s.elapsed_s > 0
    assert s.moving_s == pytest.approx(moving, abs=1.0)
    assert any("291 of 296 points have no timestamp" in w for w in s.warnings)


Check = Callable[[Path, list[Activity], Summary], None]
ODD: dict[str, tuple[str, str, Check | None]] = {
    # name: (expected "ok" or "error", text in a warning or the error, extra check)
    "gpxpy__cerknicko-without-times.gpx": ("ok", "timestamp", _without_times),
    "gpxpy__track-with-empty-segment.gpx": ("ok", "", lambda p, a, s: _gpx_close(p, s)),
    "gpxpy__route.gpx": ("ok", "route", lambda p, a, s: s.points == 55 and s.distance_m > 0),
    "gpxpy__unicode_with_bom.gpx": ("error", "no track or route points", None),
    "gpsbabel__course.tcx": (
        "ok",
        "course",
        lambda p, a, s: s.points > 1000 and s.distance_m > 50_000,
    ),
    "fitparse__activity-settings-corruptheader.fit": ("ok", "do not start a valid FIT file", None),
    "fitparse__activity-unexpected-eof.fit": ("ok", "file ends after", _eof_check),
    "fitparse__activity-filecrc.fit": ("error", "FIT file is corrupt (bad file CRC)", None),
    "fitparse__compressed-speed-distance.fit": ("ok", "device-relative", _compressed_check),
    "fitparse__sample_mulitple_header.fit": ("ok", "multi-sport", _multi_header_check),
    "fitparse__Settings.fit": ("error", "no activity data", None),
}


def test_odd_table_covers_every_odd_file() -> None:
    odd = shared_activities() / "odd"
    assert {p.name for p in odd.iterdir() if p.is_file()} == set(ODD)


@pytest.mark.parametrize("name", sorted(ODD))
def test_odd_files_behave(name: str) -> None:
    path = _path("odd", name)
    outcome, text, check = ODD[name]
    if outcome == "error":
        with pytest.raises(ParseError) as err:
            parse_file(path)
        assert text in str(err.value)
        return
    parts, s = _ours(path)
    if text:
        assert any(text in w for w in s.warnings), s.warnings
    if check is not None:
        assert check(path, parts, s) is not False
