"""Entry points: sniffing, gzip, wrong extensions, file errors, the CLI's file_stats, memory."""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from tests.deps import missing_dependency
from trackfixtures import REPO, make_gpx, make_tcx, simple_fit, track

from backstride.core.tracks import (
    ParseError,
    file_stats,
    gunzip,
    parse_bytes,
    parse_file,
    sniff_format,
)
from backstride.core.tracks import api as api_module

GPX = make_gpx([track(30)])
TCX = make_tcx([track(30)])
FIT = simple_fit(track(30)).to_bytes()


@pytest.mark.parametrize(
    ("data", "name", "kind"),
    [
        (GPX, "a.gpx", "gpx"),
        (GPX, "a.fit", "gpx"),  # content wins over the extension
        (GPX, "", "gpx"),
        (TCX, "a.gpx", "tcx"),
        (FIT, "a.tcx", "fit"),
        (FIT, "noext", "fit"),
        (gzip.compress(GPX), "a.gpx.gz", "gzip"),
        (b"PK\x03\x04rest", "a.zip", "zip"),
        (b"\xef\xbb\xbf  \n" + GPX, "bom.gpx", "gpx"),
        (b"<?xml version='1.0'?>\n<!-- a very long comment -->", "x.tcx", "tcx"),
    ],
)
def test_sniff_from_content(data: bytes, name: str, kind: str) -> None:
    assert sniff_format(data[:4096], name) == kind


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "a.gpx", "empty"),
        (b"hello world", "a.gpx", "despite the .gpx name"),
        (b"\x89PNG\r\n\x1a\n", "photo.fit", "not a GPX, TCX or FIT"),
        (b"<?xml version='1.0'?><kml/>", "a.kml", "neither GPX nor TCX"),
    ],
)
def test_sniff_unknown_is_a_clear_error(data: bytes, name: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        sniff_format(data, name)


@pytest.mark.parametrize(("data", "name"), [(GPX, "run.fit"), (TCX, "run.gpx"), (FIT, "run.tcx")])
def test_wrong_extension_still_parses(data: bytes, name: str) -> None:
    (act,) = parse_bytes(data, name)
    assert act.points == 30


def test_gzipped_files_parse_transparently() -> None:
    for data in (GPX, TCX, FIT):
        (act,) = parse_bytes(gzip.compress(data), "x.gz")
        assert act.points == 30


def test_multi_member_gzip() -> None:
    half = len(GPX) // 2
    (act,) = parse_bytes(gzip.compress(GPX[:half]) + gzip.compress(GPX[half:]))
    assert act.points == 30


def test_truncated_gzip_keeps_what_it_can_with_warnings() -> None:
    big = make_gpx([track(3000)])
    z = gzip.compress(big)
    (act,) = parse_bytes(z[: len(z) * 2 // 3], "cut.gpx.gz")
    assert 0 < act.points < 3000
    assert "gzip data is cut off" in act.warnings[0]
    assert any("cut off after" in w for w in act.warnings)


def test_gzip_bomb_is_refused_early() -> None:
    bomb = gzip.compress(b"\x00" * (50 * 1024 * 1024))
    with pytest.raises(ParseError, match="expands more than"):
        parse_bytes(bomb, "bomb.gpx.gz")
    with pytest.raises(ParseError, match="larger than 1 MB"):
        gunzip(
            gzip.compress(b"<gpx>" + b" " * (3 * 1024 * 1024)), max_bytes=1024 * 1024, max_ratio=1e9
        )


def test_corrupt_gzip() -> None:
    with pytest.raises(ParseError, match="gzip"):
        parse_bytes(b"\x1f\x8b\x08\x00garbage-garbage", "x.gz")


def test_zip_given_to_parse_bytes_is_explained() -> None:
    with pytest.raises(ParseError, match="zip archive"):
        parse_bytes(b"PK\x05\x06" + bytes(18), "export.zip")


def test_parse_file_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ParseError, match="not found"):
        parse_file(tmp_path / "missing.gpx")
    with pytest.raises(ParseError, match="directory"):
        parse_file(tmp_path)
    empty = tmp_path / "empty.fit"
    empty.write_bytes(b"")
    with pytest.raises(ParseError, match="empty"):
        parse_file(empty)
    big = tmp_path / "big.gpx"
    big.write_bytes(GPX)
    monkeypatch.setattr(api_module, "MAX_FILE_BYTES", 1000)
    with pytest.raises(ParseError, match="limit"):
        parse_file(big)


def test_parse_file_streams_xml_and_reads_fit(tmp_path: Path) -> None:
    for name, data in (
        ("a.gpx", GPX),
        ("a.tcx", TCX),
        ("a.fit", FIT),
        ("a.gpx.gz", gzip.compress(GPX)),
    ):
        p = tmp_path / name
        p.write_bytes(data)
        (act,) = parse_file(p)
        assert act.points == 30


def test_file_stats_success_and_failure(tmp_path: Path) -> None:
    good = tmp_path / "good.gpx"
    good.write_bytes(GPX)
    bad = tmp_path / "bad.fit"
    bad.write_bytes(b"\x0e\x10" + bytes(20))
    out = file_stats(good)
    json.dumps(out, allow_nan=False)
    for key in (
        "file",
        "distance_m",
        "elapsed_s",
        "moving_s",
        "elevation_gain_m",
        "points",
        "sport",
        "start",
        "warnings",
    ):
        assert key in out
    assert out["file"] == str(good) and out["points"] == 30 and out["elapsed_s"] == 29.0
    assert out["start"] == "2024-03-30T23:30:00+00:00"
    assert "splits" not in out
    err = file_stats(bad)
    assert set(err) == {"file", "error"} and err["error"]
    assert file_stats(tmp_path / "nope.gpx") == {
        "file": str(tmp_path / "nope.gpx"),
        "error": "file not found",
    }


def test_file_stats_never_raises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(_: object) -> None:
        raise RuntimeError("unexpected")

    monkeypatch.setattr(api_module, "parse_file", boom)
    out = file_stats(tmp_path / "x.gpx")
    assert out["error"].startswith("could not read the file")


def test_parse_memory_growth_is_bounded_for_100k_points(tmp_path: Path) -> None:
    """Peak RSS growth while parsing a ~100k-point GPX (in a fresh process) stays under 60 MB."""
    path = tmp_path / "big.gpx"
    with path.open("wb") as fh:
        fh.write(make_gpx([track(100_000, hr=140, cad=85)]))
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(REPO / "src")!r})
        from backstride.core.tracks import parse_file, summarise

        def rss(field):
            for line in open("/proc/self/status"):
                if line.startswith(field):
                    return int(line.split()[1]) / 1024
        parse_file({str(tmp_path / "warm.gpx")!r})  # warm up imports and caches
        before = rss("VmRSS:")
        (act,) = parse_file({str(path)!r})
        assert act.points == 100_000
        print(rss("VmHWM:") - before)
        """
    )
    (tmp_path / "warm.gpx").write_bytes(GPX)
    if not Path("/proc/self/status").exists():
        missing_dependency("needs /proc to read the process memory")
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ.copy(),
    )
    growth_mb = float(out.stdout.strip())
    assert growth_mb < 60, f"parse grew memory by {growth_mb:.0f} MB"


class _Pipe:
    """A read-only, non-seekable stream (like a socket or a pipe)."""

    def __init__(self, data: bytes) -> None:
        self._buf = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._buf.read(min(size, 1000) if size and size > 0 else 1000)

    def seekable(self) -> bool:
        return False


@pytest.mark.parametrize("fraction", [1.0, 0.6])
def test_xml_from_a_non_seekable_stream_matches_bytes(fraction: float) -> None:
    from backstride.core.tracks.gpx import parse_gpx
    from backstride.core.tracks.tcx import parse_tcx

    for data, parse in ((make_gpx([track(500)]), parse_gpx), (make_tcx([track(500)]), parse_tcx)):
        data = data[: int(len(data) * fraction)]
        (piped,) = parse(_Pipe(data))  # type: ignore[arg-type]
        (direct,) = parse_bytes(data)
        assert piped.points == direct.points
        assert piped.warnings == direct.warnings
        for col in ("t", "lat", "lon", "ele", "hr", "cadence", "dist"):
            a, b = getattr(piped, col), getattr(direct, col)
            assert (a is None) == (b is None)
            if a is not None:
                np.testing.assert_array_equal(a, b)
        if fraction < 1:
            assert piped.warnings[0].startswith("file is cut off after")


@pytest.mark.parametrize("kind", ["gpx", "tcx"])
def test_large_documents_stream_in_batches_and_keep_a_cut_off_end(kind: str) -> None:
    """Over 4 MB, points are read and freed in batches of 4096 (iterparse); a cut keeps
    exactly the complete points, as for small files."""
    n = 14_000 if kind == "tcx" else 22_000
    pts = track(n, hr=150)
    for i, p in enumerate(pts):
        p.dist = i * 3.0
    data = make_gpx([pts]) if kind == "gpx" else make_tcx([pts])
    assert len(data) > 4 * 1024 * 1024
    (full,) = parse_bytes(data)
    assert full.points == n
    assert full.hr is not None and np.all(full.hr == 150)
    cut = data[: int(len(data) * 0.77)]
    (part,) = parse_bytes(cut)
    closing = b"</trkpt>" if kind == "gpx" else b"</Trackpoint>"
    assert part.points == cut.count(closing)
    assert part.t is not None and np.array_equal(part.t, full.t[: part.points])
    assert part.warnings[0].startswith(f"file is cut off after {len(cut):,} bytes")
