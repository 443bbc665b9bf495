"""The FIT decoder: integrity checks, truncation, message features, sessions, odd input."""

from __future__ import annotations

import os
import struct
from datetime import timedelta

import numpy as np
import pytest
from trackfixtures import (
    RECORD_FIELDS,
    T0,
    FitWriter,
    Pt,
    activity_fit,
    fit_crc,
    fit_time,
    simple_fit,
    track,
)

from backstride.core.tracks import ParseError, parse_bytes, summarise
from backstride.core.tracks.fitcrc import crc16


def _points(n: int = 100, step: float = 3.0) -> list[Pt]:
    pts = track(n, step_m=step, hr=150, cad=85)
    for i, p in enumerate(pts):
        p.dist = i * step
        p.ele = 0.0 if i < n // 2 else 12.0
    return pts


@pytest.mark.parametrize("n", [0, 1, 13, 8191, 8192, 10_000, 300_001])
def test_crc_matches_the_fit_sdk_algorithm(n: int) -> None:
    data = os.urandom(n)
    assert crc16(data) == fit_crc(data)
    assert crc16(data, 0xBEEF) == fit_crc(data, 0xBEEF)


def test_basic_activity() -> None:
    pts = _points()
    (act,) = parse_bytes(simple_fit(pts).to_bytes(), "run.fit")
    assert act.source_format == "fit"
    assert act.sport == "run"
    assert act.points == 100
    assert act.start == T0
    assert act.lat is not None and act.lon is not None
    assert act.lat[3] == pytest.approx(pts[3].lat, abs=1e-7)
    assert act.lon[3] == pytest.approx(pts[3].lon, abs=1e-7)
    assert act.ele is not None and act.ele[0] == 0.0  # zero is a value
    assert act.cadence is not None and np.all(act.cadence == 170)  # per-leg 85 rpm doubled
    assert act.device_totals["total_distance"] == pytest.approx(297.0)
    s = summarise(act)
    assert s.distance_m == pytest.approx(297.0)
    assert s.elapsed_s == 99.0
    assert s.elevation_gain_m == pytest.approx(12.0, abs=1.01)


def test_twelve_byte_header() -> None:
    (act,) = parse_bytes(simple_fit(_points(5)).to_bytes(header_size=12))
    assert act.points == 5


def test_header_crc_zero_means_unchecked() -> None:
    (act,) = parse_bytes(simple_fit(_points(5)).to_bytes(header_crc=False))
    assert act.points == 5


def test_bad_header_crc() -> None:
    data = bytearray(simple_fit(_points(5)).to_bytes())
    data[12] ^= 0xFF
    with pytest.raises(ParseError, match=r"FIT file header is corrupt \(bad CRC\)"):
        parse_bytes(bytes(data))


def test_bad_file_crc_is_refused_before_decoding() -> None:
    data = bytearray(simple_fit(_points(50)).to_bytes())
    data[len(data) // 2] ^= 0x01
    with pytest.raises(ParseError, match=r"bad file CRC"):
        parse_bytes(bytes(data))


def test_absurd_declared_size_fails_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refused from the header alone: no CRC over the data, no decoding."""
    from backstride.core.tracks import fit_decode as fit

    crc_bytes: list[int] = []
    real_crc = fit.crc16
    monkeypatch.setattr(fit, "crc16", lambda d, c=0: crc_bytes.append(len(d)) or real_crc(d, c))

    def no_decoding(*_: object) -> None:
        raise AssertionError("must not decode")

    monkeypatch.setattr(fit, "_decode_messages", no_decoding)
    data = simple_fit(_points(5)).to_bytes(data_size=2 * 1024**3)
    with pytest.raises(ParseError, match=r"declares 2\.0 GB of data"):
        parse_bytes(data)
    assert crc_bytes == [12]  # only the header was checked


def test_bad_signature_or_size_in_the_header() -> None:
    good = simple_fit(_points(5)).to_bytes()
    with pytest.raises(ParseError, match="header is corrupt"):
        parse_bytes(good[:8] + b".FIX" + good[12:], "x.fit")
    with pytest.raises(ParseError):
        parse_bytes(bytes([13]) + good[1:], "x.fit")


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95, -1, -2])
def test_truncated_file_keeps_complete_records(keep: float) -> None:
    pts = _points(200)
    full = simple_fit(pts).to_bytes()
    n = len(full) + int(keep) if keep < 0 else int(len(full) * keep)
    cut = full[:n]
    (act,) = parse_bytes(cut, "battery.fit")
    header, record = 14, 1 + struct.calcsize("<IiiHBBI")
    defs = (1 + 5 + 2 * 3 + 1 + 4) + (1 + 5 + 3 * len(RECORD_FIELDS))
    complete = min(200, (n - header - defs) // record)
    assert act.points == complete
    last = (T0 + timedelta(seconds=complete - 1)).strftime("%H:%M:%S")
    assert act.warnings[0] == (
        f"file ends after {n:,} of {len(full):,} bytes (cut off before the end); "
        f"data up to {last} UTC kept"
    )


def test_truncated_before_any_record_is_a_clear_error() -> None:
    full = simple_fit(_points(5)).to_bytes()
    with pytest.raises(ParseError, match="no activity data"):
        parse_bytes(full[:20])
    with pytest.raises(ParseError, match="too short"):
        parse_bytes(full[:10], "x.fit")


def test_settings_only_file() -> None:
    w = FitWriter()
    w.define(0, 0, [(0, "enum")])
    w.data(0, 2)  # file type: settings
    w.define(1, 3, [(1, "uint8")])  # user_profile
    w.data(1, 30)
    with pytest.raises(ParseError, match=r"no activity data \(it is a settings file\)"):
        parse_bytes(w.to_bytes())


def test_undefined_local_message_in_a_valid_file_is_corrupt() -> None:
    w = simple_fit(_points(3))
    w.body += bytes([0x07, 1, 2, 3])
    with pytest.raises(ParseError, match="before defining it"):
        parse_bytes(w.to_bytes())


def test_invalid_values_are_missing() -> None:
    pts = _points(4)
    pts[1].lat = pts[1].lon = None
    pts[2].hr = None
    pts[3].ele = None
    (act,) = parse_bytes(simple_fit(pts).to_bytes())
    assert act.lat is not None and np.isnan(act.lat[1]) and not np.isnan(act.lat[0])
    assert act.hr is not None and np.isnan(act.hr[2])
    assert act.ele is not None and np.isnan(act.ele[3]) and act.ele[0] == 0.0


def test_treadmill_without_positions() -> None:
    pts = [Pt(time=T0 + timedelta(seconds=i), dist=i * 3.0, hr=130, cad=88) for i in range(400)]
    (act,) = parse_bytes(simple_fit(pts, sub_sport=1).to_bytes())
    assert act.lat is None and act.sub_sport == "treadmill"
    s = summarise(act)
    assert (s.has_gps, s.distance_source) == (False, "device")
    assert s.distance_m == pytest.approx(1197.0)
    assert len(s.splits) == 2 and s.splits[0].elapsed_s == pytest.approx(1000 / 3, abs=0.01)


def test_compressed_timestamps_roll_over() -> None:
    w = activity_fit()
    w.define(1, 20, [(253, "uint32"), (3, "uint8")])
    w.define(2, 20, [(3, "uint8")])  # no timestamp field: used with compressed headers
    base = fit_time(T0) | 0x1F  # the low 5 bits at their maximum, so the next one rolls over
    w.data(1, base, 100)
    for k in range(1, 70):
        w.data(2, 100 + k % 50, compressed_offset=(base + k) & 0x1F)
    (act,) = parse_bytes(w.to_bytes())
    assert act.points == 70
    assert act.t is not None and list(act.t) == list(range(70))


def test_developer_fields_and_big_endian_definitions() -> None:
    w = activity_fit()
    w.define(
        3, 20, [(253, "uint32"), (3, "uint8"), (5, "uint32")], big=True, dev=[(0, 4, 0), (1, 2, 0)]
    )
    for i in range(10):
        w.data(3, fit_time(T0) + i, 120 + i, i * 250, dev=b"\xde\xad\xbe\xef\xff\xff")
    (act,) = parse_bytes(w.to_bytes())
    assert act.hr is not None and list(act.hr) == [120 + i for i in range(10)]
    assert act.dist is not None and list(act.dist) == [i * 2.5 for i in range(10)]


def test_enhanced_altitude_and_speed_win() -> None:
    w = activity_fit()
    w.define(1, 20, [(253, "uint32"), (2, "uint16"), (6, "uint16"), (73, "uint32"), (78, "uint32")])
    w.data(1, fit_time(T0), (100 + 500) * 5, 2000, 3000, (9000 + 500) * 5)  # 9000 m needs enhanced
    w.data(1, fit_time(T0) + 1, (100 + 500) * 5, 2000, 0xFFFFFFFF, 0xFFFFFFFF)
    (act,) = parse_bytes(w.to_bytes())
    assert act.ele is not None and list(act.ele) == [9000.0, 100.0]
    assert act.speed is not None and list(act.speed) == [3.0, 2.0]


def test_compressed_speed_distance() -> None:
    w = activity_fit()
    w.define(1, 20, [(253, "uint32"), (8, "byte", 3)])
    dist16 = 0
    for i in range(300):
        dist16 += 40  # 2.5 m per second, rolling over 4096/16 = 256 m
        raw = dist16 % 4096
        speed = 250  # 2.5 m/s in 1/100
        b0 = speed & 0xFF
        b1 = (speed >> 8) | ((raw & 0x0F) << 4)
        b2 = raw >> 4
        w.data(1, fit_time(T0) + i, b0, b1, b2)
    (act,) = parse_bytes(w.to_bytes())
    assert act.dist is not None and act.dist[-1] == pytest.approx(750.0)
    assert act.speed is not None and np.allclose(act.speed, 2.5)
    assert summarise(act).distance_m == pytest.approx(750.0)


def _session(w: FitWriter, local: int, start: int, end: int, sport: int, dist_m: float) -> None:
    w.define(local, 18, [(253, "uint32"), (2, "uint32"), (5, "enum"), (7, "uint32"), (9, "uint32")])
    w.data(local, end, start, sport, (end - start) * 1000, round(dist_m * 100))


def test_multi_sport_file_gives_one_activity_per_session() -> None:
    w = activity_fit()
    w.define(1, 20, [(253, "uint32"), (5, "uint32")])
    t0 = fit_time(T0)
    for i in range(100):  # run 3 m/s, then ride 8 m/s on the same odometer
        w.data(1, t0 + i, round((i * 3 if i < 50 else 150 + (i - 50) * 8) * 100))
    _session(w, 2, t0, t0 + 49, 1, 147)
    _session(w, 3, t0 + 50, t0 + 99, 2, 542 - 147)
    run, ride = parse_bytes(w.to_bytes(), "tri.fit")
    assert (run.sport, ride.sport) == ("run", "cycle")
    assert (run.points, ride.points) == (50, 50)
    assert ride.start == T0 + timedelta(seconds=50)
    assert summarise(run).distance_m == pytest.approx(147.0)
    # The ride starts where the run's odometer stopped.
    assert summarise(ride).distance_m == pytest.approx(542.0 - 147.0)


def test_chained_fit_files_are_read_together() -> None:
    first = activity_fit()
    first.define(1, 20, [(253, "uint32"), (3, "uint8")])
    for i in range(10):
        first.data(1, fit_time(T0) + i, 100)
    second = FitWriter()
    second.define(0, 18, [(253, "uint32"), (2, "uint32"), (5, "enum")])  # local 0 redefined
    second.data(0, fit_time(T0) + 9, fit_time(T0), 11)
    (act,) = parse_bytes(first.to_bytes() + second.to_bytes())
    assert act.points == 10
    assert act.sport == "walk"


def test_garbage_after_the_fit_data_is_ignored_with_a_warning() -> None:
    data = simple_fit(_points(5)).to_bytes() + b"\x0c\x10not a fit header"
    (act,) = parse_bytes(data)
    assert act.points == 5
    assert any("do not start a valid FIT file" in w for w in act.warnings)


def test_records_without_session_take_the_sport_message() -> None:
    w = simple_fit(_points(5), session=False)
    w.define(5, 12, [(0, "enum"), (1, "enum")])
    w.data(5, 11, 0)
    (act,) = parse_bytes(w.to_bytes())
    assert act.sport == "walk"
    assert any("no session" in x for x in act.warnings)


def test_device_relative_timestamps() -> None:
    w = activity_fit()
    w.define(1, 20, [(253, "uint32"), (5, "uint32")])
    for i in range(10):
        w.data(1, 1000 + i, i * 300)
    (act,) = parse_bytes(w.to_bytes())
    assert act.start is None
    assert act.t is not None and act.t[-1] == 9.0
    assert any("device-relative" in x for x in act.warnings)


def test_elliptical_is_cross_trainer() -> None:
    pts = [Pt(time=T0 + timedelta(seconds=i), hr=120) for i in range(5)]
    (act,) = parse_bytes(simple_fit(pts, sport=4, sub_sport=15).to_bytes())
    assert act.sport == "cross_trainer"
    s = summarise(act)
    assert s.distance_m == 0 and s.moving_s == 4.0 and s.distance_source == "none"


def test_repeated_definitions_on_other_local_types_keep_record_order() -> None:
    w = activity_fit()
    for i in range(30):  # some devices re-send the same definition, here on alternating slots
        local = 1 + i % 2
        w.define(local, 20, [(253, "uint32"), (3, "uint8")])
        w.data(local, fit_time(T0) + i, 100 + i)
        if i % 3 == 0:
            w.define(3, 20, [(253, "uint32"), (5, "uint32"), (3, "uint8")])  # another layout
            w.data(3, fit_time(T0) + i, i * 100, 200)
    (act,) = parse_bytes(w.to_bytes())
    assert act.t is not None and bool(np.all(np.diff(act.t) >= 0))  # file order kept
    assert act.hr is not None and list(act.hr[:3]) == [100, 200, 101]
    assert act.points == 30 + 10
