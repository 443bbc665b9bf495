"""The slow-motion hint read from a phone video's own metadata (``backstride.pose.container``)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from backstride import pose
from backstride.pose import container

from .conftest import estimator_python


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def meta(entries: dict[str, tuple[int, bytes]], iso: bool = False) -> bytes:
    """A QuickTime-style ``meta`` box as Android writes it: ``hdlr`` mdta, ``keys``, ``ilst``."""
    names = list(entries)
    keys = struct.pack(">II", 0, len(names)) + b"".join(
        struct.pack(">I4s", 8 + len(n.encode()), b"mdta") + n.encode() for n in names
    )
    items = b"".join(
        box(struct.pack(">I", i + 1), box(b"data", struct.pack(">II", kind, 0) + raw))
        for i, (kind, raw) in enumerate(entries.values())
    )
    hdlr = box(b"hdlr", bytes(8) + b"mdta" + bytes(13))
    body = hdlr + box(b"keys", keys) + box(b"ilst", items)
    return box(b"meta", (bytes(4) if iso else b"") + body)


def with_moov_child(video: Path, child: bytes, out: Path) -> Path:
    """``video`` (whose ``moov`` is its last box, as OpenCV writes it) with ``child`` added."""
    data = bytearray(video.read_bytes())
    at = data.rindex(b"moov") - 4
    size = struct.unpack(">I", data[at : at + 4])[0]
    assert at + size == len(data), "moov is not the last box"
    data[at : at + 4] = struct.pack(">I", size + len(child))
    out.write_bytes(bytes(data) + child)
    return out


def capture(fps: float) -> tuple[int, bytes]:
    return (23, struct.pack(">f", fps))


@pytest.mark.parametrize("iso", [False, True], ids=["quicktime-meta", "iso-meta"])
def test_a_capture_rate_key_is_read_from_moov_meta(tmp_path: Path, iso: bool) -> None:
    head = box(b"ftyp", b"isom" + bytes(4)) + box(b"mdat", bytes(100))
    udta = box(
        b"udta",
        meta({"com.android.version": (1, b"14"), "com.android.capture.fps": capture(240.0)}, iso),
    )
    path = tmp_path / "clip.mp4"
    path.write_bytes(head + box(b"moov", udta))
    assert container.metadata(path)["com.android.version"] == "14"
    assert container.capture_fps(path) == 240.0
    assert container.slowmo_hint(path, 30.0) == 8.0
    assert container.slowmo_hint(path, 240.0) is None  # stored at the rate it was filmed


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x00\x00\x00\x01moov",
        b"\x00\x00\x00\x10moov\x00\x00\x00\xffmeta",
        bytes(range(256)) * 4,
    ],
    ids=["empty", "short-largesize", "child-overruns", "noise"],
)
def test_broken_or_missing_metadata_means_the_file_does_not_say(tmp_path, content) -> None:
    path = tmp_path / "odd.mp4"
    path.write_bytes(content)
    assert container.capture_fps(path) is None
    assert container.capture_fps(tmp_path / "absent.mp4") is None


def test_probe_gives_the_slow_motion_hint_of_a_phone_clip(make_video, tmp_path) -> None:
    plain = make_video("person", seconds=1, fps=30)
    assert pose.probe(plain, python=estimator_python()).slowmo_factor_hint is None
    tagged = with_moov_child(
        plain, meta({"com.android.capture.fps": capture(120.0)}), tmp_path / "slow.mp4"
    )
    info = pose.probe(tagged, python=estimator_python())
    assert info.frame_count == 30 and info.slowmo_factor_hint == 4.0
    # An unplayable moov edit would have shown here: the picture is still read whole.
    shots = pose.frames_at(tagged, [0, 29], python=estimator_python())
    assert len(shots) == 2


def test_a_frame_larger_than_4k_is_refused_by_the_probe(make_video) -> None:
    with pytest.raises(pose.VideoError) as caught:
        pose.probe(
            make_video("empty", seconds=1, fps=2, width=4200, height=2400),
            python=estimator_python(),
        )
    assert caught.value.code == "too_large" and "larger than 4K" in str(caught.value)
