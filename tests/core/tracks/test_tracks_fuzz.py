"""Fuzzing: mutated real files (truncated, flipped, inserted, deleted bytes) never raise anything
but ParseError, and whatever parses can be summarised, drawn and exported."""

from __future__ import annotations

import gzip
import io
import struct
import zipfile
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from trackfixtures import Pt, fit_crc, make_gpx, make_tcx, simple_fit, track

from backstride.core.tracks import ParseError, parse_bytes, route_polyline, summarise, to_gpx
from backstride.core.tracks.archive import ArchiveLimits, iter_archive


def _tcx_points() -> list[Pt]:
    pts = track(40, hr=150)
    for i, p in enumerate(pts):
        p.dist = i * 3.0
    return pts


SEEDS = {
    "gpx": make_gpx([track(40, hr=140, cad=85), track(5)], sport="running"),
    "tcx": make_tcx([_tcx_points()[:20], _tcx_points()[20:]], run_cadence=[85.0]),
    "fit": simple_fit(_tcx_points()).to_bytes(),
}
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

op = st.one_of(
    st.tuples(st.just("truncate"), st.floats(0, 1)),
    st.tuples(st.just("flip"), st.floats(0, 1), st.integers(0, 255)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("delete"), st.floats(0, 1), st.integers(1, 16)),
)


def mutate(data: bytes, ops: list[tuple[Any, ...]]) -> bytes:
    buf = bytearray(data)
    for o in ops:
        pos = int(o[1] * len(buf)) if buf else 0
        if o[0] == "truncate":
            del buf[pos:]
        elif o[0] == "flip" and pos < len(buf):
            buf[pos] = o[2]
        elif o[0] == "insert":
            buf[pos:pos] = o[2]
        elif o[0] == "delete":
            del buf[pos : pos + o[2]]
    return bytes(buf)


def repair_fit(data: bytes) -> bytes:
    """Make the header and file CRCs valid again so the decoder itself meets the damage."""
    if len(data) < 16 or data[0] != 14:
        return data
    body = bytearray(data[:-2])
    struct.pack_into("<I", body, 4, len(body) - 14)
    struct.pack_into("<H", body, 12, fit_crc(bytes(body[:12])))
    return bytes(body) + struct.pack("<H", fit_crc(bytes(body)))


def check(data: bytes, name: str) -> None:
    try:
        activities = parse_bytes(data, name)
    except ParseError as exc:
        assert str(exc)
        return
    assert activities
    for act in activities:
        s = summarise(act)
        s.to_dict()
        route_polyline(act)
        to_gpx(act)


@pytest.mark.parametrize("kind", ["gpx", "tcx", "fit"])
@FUZZ
@given(ops=st.lists(op, min_size=1, max_size=4))
def test_fuzz_file(kind: str, ops: list[tuple[Any, ...]]) -> None:
    check(mutate(SEEDS[kind], ops), f"fuzz.{kind}")


@FUZZ
@given(st.lists(op, min_size=1, max_size=4))
def test_fuzz_fit_past_the_crc(ops: list[tuple[Any, ...]]) -> None:
    check(repair_fit(mutate(SEEDS["fit"], ops)), "fuzz.fit")


@FUZZ
@given(st.sampled_from(sorted(SEEDS)), st.lists(op, min_size=1, max_size=3))
def test_fuzz_gzip(kind: str, ops: list[tuple[Any, ...]]) -> None:
    check(mutate(gzip.compress(SEEDS[kind]), ops), f"fuzz.{kind}.gz")


@FUZZ
@given(st.binary(max_size=300), st.sampled_from(["x.gpx", "x.tcx", "x.fit", "x", "x.gz"]))
def test_fuzz_random_bytes(data: bytes, name: str) -> None:
    check(data, name)


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for kind, data in SEEDS.items():
            zf.writestr(f"a/{kind}.{kind}", data)
        zf.writestr("a/x.gpx.gz", gzip.compress(SEEDS["gpx"]))
    return buf.getvalue()


ZIP = _zip()


@FUZZ
@given(st.lists(op, min_size=1, max_size=4))
def test_fuzz_archive(ops: list[tuple[Any, ...]]) -> None:
    try:
        for entry in iter_archive(io.BytesIO(mutate(ZIP, ops)), ArchiveLimits(max_entries=50)):
            assert (entry.data is None) != (entry.error is None)
            if entry.data is not None:
                check(entry.data, entry.name)
    except ParseError as exc:
        assert str(exc)
