"""Export archives: bombs, traversal names, entry caps, gzip inside, corrupt zips, skipping."""

from __future__ import annotations

import gzip
import io
import struct
import zipfile

import pytest
from trackfixtures import make_gpx, make_tcx, simple_fit, track

from backstride.core.tracks import ParseError, parse_bytes
from backstride.core.tracks.archive import ArchiveLimits, iter_archive, unsafe_name

GPX = make_gpx([track(20)])
FIT = simple_fit(track(20)).to_bytes()


def make_zip(members: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> io.BytesIO:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members:
            zf.writestr(zipfile.ZipInfo(name) if name.endswith("/") else name, data)
    buf.seek(0)
    return buf


def test_strava_like_export_with_gzip_inside_and_other_files() -> None:
    members = [
        ("activities/", b""),
        ("activities/1.gpx", GPX),
        ("activities/2.fit.gz", gzip.compress(FIT)),
        ("activities/3.tcx.gz", gzip.compress(make_tcx([track(20)]))),
        ("activities.csv", b"id,name\n1,run\n"),
        ("profile.json", b"{}"),
        ("media/photo.jpg", b"\xff\xd8\xff"),
        ("nested/other.zip", b"PK\x05\x06" + bytes(18)),
    ]
    skipped: list[tuple[str, str]] = []
    entries = list(iter_archive(make_zip(members), on_skip=lambda n, r: skipped.append((n, r))))
    assert [e.name for e in entries] == [
        "activities/1.gpx",
        "activities/2.fit.gz",
        "activities/3.tcx.gz",
    ]
    assert [e.index for e in entries] == [0, 1, 2] and {e.total for e in entries} == {3}
    assert [e.format for e in entries] == ["gpx", "fit", "tcx"]
    assert all(e.error is None and e.data for e in entries)
    assert entries[1].data == FIT  # gunzipped
    for e in entries:
        assert parse_bytes(e.data or b"", e.name)[0].points == 20
    assert ("nested/other.zip", "nested archives are not opened") in skipped
    assert ("activities.csv", "not an activity file") in skipped
    assert all(not n.endswith("/") for n, _ in skipped)


@pytest.mark.parametrize(
    "name",
    [
        "../evil.gpx",
        "/etc/evil.gpx",
        "a/../../evil.gpx",
        "..\\evil.gpx",
        "C:\\evil.gpx",
        "\\evil.gpx",
    ],
)
def test_path_traversal_names_are_rejected(name: str) -> None:
    assert unsafe_name(name)
    (entry,) = list(iter_archive(make_zip([(name, GPX)])))
    assert entry.data is None and entry.error is not None and "unsafe" in entry.error


def test_safe_names_are_fine() -> None:
    assert not unsafe_name("activities/2019..run.gpx")
    assert not unsafe_name("a/b/c.fit")


def test_zip_bomb_entry_is_stopped_by_ratio_and_size() -> None:
    bomb = b"<gpx>" + b" " * (60 * 1024 * 1024)
    (entry,) = list(iter_archive(make_zip([("bomb.gpx", bomb)])))
    assert entry.data is None and entry.error is not None and "zip bomb" in entry.error
    limits = ArchiveLimits(max_entry_bytes=5 * 1024 * 1024, max_ratio=1e9)
    (entry,) = list(iter_archive(make_zip([("bomb.gpx", bomb)]), limits))
    assert entry.error is not None and "limit" in entry.error


def _lie_about_sizes(buf: io.BytesIO, file_size: int) -> io.BytesIO:
    """Rewrite the central directory and local header to claim a small uncompressed size."""
    data = bytearray(buf.getvalue())
    for sig, off in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):
        i = data.find(sig)
        struct.pack_into("<I", data, i + off, file_size)
    return io.BytesIO(bytes(data))


def test_bytes_are_counted_while_extracting_not_taken_from_headers() -> None:
    bomb = b"<gpx>" + b" " * (30 * 1024 * 1024)
    lying = _lie_about_sizes(make_zip([("bomb.gpx", bomb)]), 1000)
    (entry,) = list(iter_archive(lying, ArchiveLimits(max_ratio=1e9)))
    # The header claims 1000 bytes: the read stops there and fails the CRC (or counting stops it).
    assert entry.data is None and entry.error is not None


def test_gzip_bomb_inside_zip() -> None:
    inner = gzip.compress(b"\x00" * (40 * 1024 * 1024))
    (entry,) = list(iter_archive(make_zip([("x.fit.gz", inner)], zipfile.ZIP_STORED)))
    assert entry.data is None and entry.error is not None and "expands" in entry.error


def test_total_size_cap_stops_the_archive() -> None:
    members = [(f"{i}.gpx", GPX) for i in range(10)]
    limits = ArchiveLimits(max_total_bytes=len(GPX) * 3 + 10)
    entries = list(iter_archive(make_zip(members), limits))
    assert [e.error is None for e in entries] == [True, True, True, False]
    assert "remaining files" in (entries[-1].error or "")


def test_thousands_of_entries_are_capped() -> None:
    members = [(f"a/{i}.gpx", b"x") for i in range(3000)]
    buf = make_zip(members, zipfile.ZIP_STORED)
    with pytest.raises(ParseError, match="more than the limit of 2,000"):
        list(iter_archive(buf, ArchiveLimits(max_entries=2000)))
    buf.seek(0)
    assert sum(1 for _ in iter_archive(buf)) == 3000


def test_corrupt_and_truncated_zip() -> None:
    with pytest.raises(ParseError, match="not a valid zip"):
        list(iter_archive(io.BytesIO(b"PK\x03\x04 this is not a zip at all")))
    good = make_zip([("a.gpx", GPX), ("b.gpx", GPX)]).getvalue()
    with pytest.raises(ParseError):
        list(iter_archive(io.BytesIO(good[: len(good) // 2])))
    # A damaged member: its bytes flipped inside the compressed stream -> per-entry error.
    damaged = bytearray(good)
    i = damaged.find(b"a.gpx") + 5 + 20
    damaged[i : i + 8] = b"\xff" * 8
    entries = list(iter_archive(io.BytesIO(bytes(damaged))))
    assert entries[0].error is not None and entries[1].error is None


def test_empty_archive_and_empty_member() -> None:
    assert list(iter_archive(make_zip([]))) == []
    (entry,) = list(iter_archive(make_zip([("empty.gpx", b"")])))
    assert entry.error == "file is empty"


def test_member_with_an_empty_name_is_reported_not_fatal() -> None:
    buf = make_zip([("a.gpx", GPX), ("b.gpx", GPX)])
    data = buf.getvalue().replace(b"b.gpx", b"\x00\x00\x00\x00\x00")  # becomes a name of NULs
    names = [(e.name, e.error is not None) for e in iter_archive(io.BytesIO(data))]
    assert names[0] == ("a.gpx", False)
    assert all(err for _name, err in names[1:])


@pytest.mark.parametrize("gzipped", [False, True])
def test_member_over_the_per_file_cap_is_flagged_too_large_while_reading(gzipped: bool) -> None:
    big = make_gpx([track(2000)])
    small = 8 * 1024
    assert len(big) > 4 * small
    name, data = ("big.gpx.gz", gzip.compress(big)) if gzipped else ("big.gpx", big)
    entries = list(
        iter_archive(
            make_zip([(name, data), ("ok.gpx", GPX)]),
            ArchiveLimits(max_entry_bytes=small + len(GPX)),
        )
    )
    assert entries[0].data is None and entries[0].too_large == small + len(GPX)
    assert "once unpacked" in (entries[0].error or "")
    assert entries[1].data == GPX and entries[1].too_large is None
