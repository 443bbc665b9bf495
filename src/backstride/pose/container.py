"""What an MP4 or QuickTime file's own metadata says about how it was filmed (stdlib only).

OpenCV reads the stored frame rate but not the rate the camera captured at. Phones that film
slow motion and store it at a normal playback rate say so in the container: Android writes
the key ``com.android.capture.fps`` into the QuickTime-style metadata (``moov/meta`` with a
``keys`` list and an ``ilst`` of values). :func:`capture_fps` reads any key ending in
``capture.fps`` from there, so a 240 fps capture stored at 30 fps gives a slow-motion hint
of 8. Only box headers and the ``moov`` box (small: its sample tables) are read, never the
picture data; anything unexpected means "the file does not say" (``None``), never an error.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Final

#: The ``moov`` box holds only tables (tens of KB for a short clip); past this, don't read it.
MAX_MOOV_BYTES: Final = 32 * 1024 * 1024
#: Boxes that hold other boxes, on the way from ``moov`` to a ``meta``.
CONTAINERS: Final = (b"moov", b"udta", b"trak", b"meta")
#: Below this ratio of capture rate to stored rate, the clip is not slowed down.
MIN_FACTOR: Final = 1.5
CAPTURE_KEY_SUFFIX: Final = "capture.fps"


def _top_level(f: BinaryIO, file_size: int) -> Iterator[tuple[bytes, int, int]]:
    """``(type, payload_start, payload_size)`` of each top-level box, reading headers only."""
    offset = 0
    while offset + 8 <= file_size:
        f.seek(offset)
        header = f.read(16)
        if len(header) < 8:
            return
        size, kind = struct.unpack(">I4s", header[:8])
        head = 8
        if size == 1:
            if len(header) < 16:
                return
            size = struct.unpack(">Q", header[8:16])[0]
            head = 16
        elif size == 0:
            size = file_size - offset
        if size < head:
            return
        yield kind, offset + head, size - head
        offset += size


def _children(
    data: bytes, start: int = 0, end: int | None = None
) -> Iterator[tuple[bytes, int, int]]:
    """``(type, payload_start, payload_end)`` of the boxes packed in ``data[start:end]``."""
    end = len(data) if end is None else end
    offset = start
    while offset + 8 <= end:
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        head = 8
        if size == 1 and offset + 16 <= end:
            size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
            head = 16
        elif size == 0:
            size = end - offset
        if size < head or offset + size > end:
            return
        yield kind, offset + head, offset + size
        offset += size


def _meta_values(data: bytes, start: int, end: int) -> dict[str, object]:
    """Key → value of one QuickTime-style ``meta`` box (``keys`` + ``ilst``)."""
    # ISO 'meta' is a full box (4 bytes of version and flags first); QuickTime's is not.
    if data[start + 4 : start + 8] not in (b"hdlr", b"keys", b"ilst"):
        start += 4
    keys: list[str] = []
    values: dict[str, object] = {}
    boxes = list(_children(data, start, end))
    for kind, a, b in boxes:
        if kind == b"keys" and b - a >= 8:
            count = struct.unpack(">I", data[a + 4 : a + 8])[0]
            offset = a + 8
            for _ in range(count):
                if offset + 8 > b:
                    break
                size = struct.unpack(">I", data[offset : offset + 4])[0]
                if size < 8 or offset + size > b:
                    break
                keys.append(data[offset + 8 : offset + size].decode("utf-8", "replace"))
                offset += size
    for kind, a, b in boxes:
        if kind != b"ilst":
            continue
        for item, ia, ib in _children(data, a, b):
            index = struct.unpack(">I", item)[0]
            if not 1 <= index <= len(keys):
                continue
            for dkind, da, db in _children(data, ia, ib):
                if dkind == b"data" and db - da >= 8:
                    value = _data_value(data[da:db])
                    if value is not None:
                        values[keys[index - 1]] = value
    return values


def _data_value(payload: bytes) -> object | None:
    """The value of a ``data`` box: 4 bytes of type, 4 of locale, then the value."""
    kind = int.from_bytes(payload[1:4], "big")
    raw = payload[8:]
    if kind == 1:
        return raw.decode("utf-8", "replace")
    if kind == 23 and len(raw) == 4:
        return struct.unpack(">f", raw)[0]
    if kind == 24 and len(raw) == 8:
        return struct.unpack(">d", raw)[0]
    if kind in (21, 22) and 1 <= len(raw) <= 8:
        return int.from_bytes(raw, "big", signed=kind == 21)
    return None


def metadata(path: str | Path) -> dict[str, object]:
    """Every QuickTime-style metadata key and value in the file's ``moov`` (empty if none)."""
    p = Path(path)
    try:
        size = p.stat().st_size
        with p.open("rb") as f:
            moov = next(((a, n) for kind, a, n in _top_level(f, size) if kind == b"moov"), None)
            if moov is None or moov[1] > MAX_MOOV_BYTES:
                return {}
            f.seek(moov[0])
            data = f.read(moov[1])
    except OSError:
        return {}
    found: dict[str, object] = {}
    try:
        _walk(data, 0, len(data), found, depth=0)
    except (struct.error, IndexError):
        return found
    return found


def _walk(data: bytes, start: int, end: int, found: dict[str, object], depth: int) -> None:
    if depth > 4:
        return
    for kind, a, b in _children(data, start, end):
        if kind == b"meta":
            found.update(_meta_values(data, a, b))
        elif kind in CONTAINERS:
            _walk(data, a, b, found, depth + 1)


def capture_fps(path: str | Path) -> float | None:
    """The frame rate the camera captured at, when the container says (Android slow motion)."""
    for key, value in metadata(path).items():
        if not key.endswith(CAPTURE_KEY_SUFFIX) or not isinstance(value, int | float):
            continue
        if 0 < value <= 2000:
            return float(value)
    return None


def slowmo_hint(path: str | Path, stored_fps: float) -> float | None:
    """How many times slower than real life the file plays, from its capture rate, or ``None``."""
    captured = capture_fps(path)
    if captured is None or stored_fps <= 0 or captured < MIN_FACTOR * stored_fps:
        return None
    return round(captured / stored_fps, 2)
