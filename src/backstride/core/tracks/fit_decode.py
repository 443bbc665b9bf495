"""A small, fast FIT decoder (Garmin's binary activity format), written for this project;
:mod:`.fit` turns the decoded messages into activities.

Integrity first: each FIT file's header (size, signature, header CRC) and file CRC are checked
before any message is decoded. A CRC mismatch is an error, except when the file is merely shorter
than its header says (a watch whose battery died): then the complete messages are kept and a
warning says where the file was cut.

Decoding precompiles one ``struct.Struct`` per local message definition that unpacks only the
fields we use (everything else, including developer fields, is skipped as padding), and keeps
records per definition as tuples that numpy converts in bulk. Handles compressed-timestamp
headers, per-definition endianness, invalid sentinels, chained FIT files and multi-sport sessions.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

from .fitcrc import crc16
from .model import ParseError

FIT_EPOCH = 631065600  # 1989-12-31T00:00:00Z as POSIX seconds
RELATIVE_LIMIT = 0x10000000  # FIT timestamps below this are device-relative, not absolute
MAX_DATA_SIZE = 256 * 1024 * 1024  # no activity file is anywhere near this
SEMICIRCLE = 180.0 / 2**31

# base type number -> (struct code, size, invalid value); 0x07 (string) and 0x0D (byte) are skipped.
BASE_TYPES: dict[int, tuple[str, int, int | None]] = {
    0x00: ("B", 1, 0xFF),  # enum
    0x01: ("b", 1, 0x7F),
    0x02: ("B", 1, 0xFF),
    0x03: ("h", 2, 0x7FFF),
    0x04: ("H", 2, 0xFFFF),
    0x05: ("i", 4, 0x7FFFFFFF),
    0x06: ("I", 4, 0xFFFFFFFF),
    0x08: ("f", 4, None),  # float32: invalid is all-ones, a NaN
    0x09: ("d", 8, None),
    0x0A: ("B", 1, 0x00),  # uint8z
    0x0B: ("H", 2, 0x0000),
    0x0C: ("I", 4, 0x00000000),
    0x0D: ("B", 1, 0xFF),  # byte (arrays of it are unpacked element-wise)
    0x0E: ("q", 8, 0x7FFFFFFFFFFFFFFF),
    0x0F: ("Q", 8, 0xFFFFFFFFFFFFFFFF),
    0x10: ("Q", 8, 0x0000000000000000),
}

# Global message numbers we read.
FILE_ID, SPORT, SESSION, LAP, RECORD, EVENT, ACTIVITY = 0, 12, 18, 19, 20, 21, 34
TIMESTAMP = 253

# Record columns: field number -> column name.
RECORD_FIELDS = {
    0: "lat",
    1: "lon",
    2: "alt",
    3: "hr",
    4: "cad",
    5: "dist",
    6: "speed",
    8: "csd",  # compressed_speed_distance: 3 bytes
    53: "fcad",
    73: "espeed",
    78: "ealt",
}
WANTED: dict[int, set[int]] = {
    FILE_ID: {0, 4},
    SPORT: {0, 1},
    SESSION: {2, 5, 6, 7, 8, 9, 16, 17, 22, 23},
    LAP: {2, 7, 8, 9, 25},
    RECORD: set(RECORD_FIELDS),
    ACTIVITY: {5},
}
KIND_OTHER, KIND_RECORD, KIND_MISC = 0, 1, 2

FILE_TYPES = {
    1: "device",
    2: "settings",
    3: "sport settings",
    4: "activity",
    5: "workout",
    6: "course",
    7: "schedules",
    9: "weight",
    10: "totals",
    11: "goals",
    14: "blood pressure",
    15: "monitoring",
    20: "activity summary",
    28: "daily monitoring",
    32: "monitoring",
    34: "segment",
    35: "segment list",
}
SPORT_NAMES = {
    0: "generic",
    1: "running",
    2: "cycling",
    3: "transition",
    4: "fitness_equipment",
    5: "swimming",
    10: "training",
    11: "walking",
    15: "rowing",
    17: "hiking",
    18: "multisport",
    19: "paddling",
    21: "e_biking",
    37: "stand_up_paddleboarding",
}
SUB_SPORT_NAMES = {1: "treadmill", 2: "street", 3: "trail", 4: "track", 6: "indoor_cycling",
                   15: "elliptical", 17: "lap_swimming", 18: "open_water"}  # fmt: skip


def map_sport(sport: int | None, sub_sport: int | None) -> str:
    """FIT sport/sub_sport enums -> our sport names."""
    if sport == 1:
        return "run"
    if sport in (11, 17):
        return "walk"
    if sport in (2, 21):
        return "cycle"
    if sport == 5:
        return "swim"
    if sub_sport == 15:  # elliptical (fitness equipment or training)
        return "cross_trainer"
    return "other"


class _Corrupt(Exception):
    """Internal: the message stream is inconsistent at ``pos``."""

    def __init__(self, pos: int, reason: str) -> None:
        super().__init__(reason)
        self.pos = pos
        self.reason = reason


@dataclass
class _Def:
    kind: int
    gnum: int
    size: int
    unpack: Any  # bound Struct.unpack_from
    ts_idx: int  # index of field 253 in the unpacked tuple, or -1
    fields: list[tuple[int, int, int | None, str]]  # (field number, tuple index, invalid, code)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    gidx: list[int] = field(default_factory=list)


@dataclass
class _Decoded:
    """Everything read from the chained FIT files of one upload."""

    rec_defs: list[_Def] = field(default_factory=list)
    rec_ts: list[float] = field(default_factory=list)
    misc: list[tuple[int, dict[int, Any], float]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    cut: str | None = None  #: where and why decoding stopped early (truncated/damaged file)
    def_cache: dict[bytes, _Def] = field(default_factory=dict)
    file_type: int | None = None


def _build_def(gnum: int, arch: int, fields: list[tuple[int, int, int]], dev_size: int) -> _Def:
    wanted = WANTED.get(gnum, set())
    fmt = [">" if arch else "<"]
    out: list[tuple[int, int, int | None, str]] = []
    ts_idx = -1
    idx = 0
    for num, size, base in fields:
        bt = BASE_TYPES.get(base & 0x1F)
        want = num == TIMESTAMP or num in wanted
        if want and gnum == RECORD and num == 8 and size == 3:  # compressed speed/distance
            fmt.append("3B")
            out.append((num, idx, None, "3B"))
            idx += 3
            continue
        if want and bt is not None and size == bt[1]:
            code, _size, invalid = bt
            if num == TIMESTAMP:
                if code != "I":
                    fmt.append(f"{size}x")
                    continue
                ts_idx = idx
            fmt.append(code)
            out.append((num, idx, invalid, code))
            idx += 1
        elif size:
            fmt.append(f"{size}x")
    if dev_size:
        fmt.append(f"{dev_size}x")
    st = struct.Struct("".join(fmt))
    if gnum == RECORD:
        kind = KIND_RECORD
    elif out and (gnum in WANTED or gnum == EVENT):
        kind = KIND_MISC
    else:
        kind = KIND_OTHER
    return _Def(kind, gnum, st.size, st.unpack_from, ts_idx, out)


def _decode_messages(
    data: bytes, pos: int, end: int, dec: _Decoded, last_ts: int | None
) -> tuple[int, int | None]:
    """Decode messages in ``data[pos:end]``. Returns the position reached (stops at the first
    incomplete message) and the last timestamp. Raises :class:`_Corrupt` on inconsistencies."""
    defs: dict[int, _Def] = {}
    rec_ts = dec.rec_ts
    rec_ts_append = rec_ts.append
    misc_append = dec.misc.append
    nan = float("nan")
    ts_now: float
    while pos < end:
        start = pos
        h = data[pos]
        if h & 0x80:  # compressed timestamp header
            d = defs.get((h >> 5) & 0x03)
            if d is None:
                raise _Corrupt(
                    start, f"a message uses local type {(h >> 5) & 3} before defining it"
                )
            if pos + 1 + d.size > end:
                return start, last_ts
            vals = d.unpack(data, pos + 1)
            pos += 1 + d.size
            if last_ts is not None:
                offset = h & 0x1F
                last_ts = last_ts + ((offset - last_ts) & 0x1F)
                ts_now = last_ts
            else:
                ts_now = nan
        elif h & 0x40:  # definition message
            if pos + 6 > end:
                return start, last_ts
            arch = data[pos + 2]
            if arch > 1:
                raise _Corrupt(start, f"a definition has an unknown byte order ({arch})")
            gnum = (
                (data[pos + 4] << 8 | data[pos + 3])
                if arch == 0
                else (data[pos + 3] << 8 | data[pos + 4])
            )
            nfields = data[pos + 5]
            p = pos + 6
            if p + 3 * nfields > end:
                return start, last_ts
            fields = [(data[q], data[q + 1], data[q + 2]) for q in range(p, p + 3 * nfields, 3)]
            p += 3 * nfields
            dev_size = 0
            if h & 0x20:
                if p + 1 > end:
                    return start, last_ts
                ndev = data[p]
                p += 1
                if p + 3 * ndev > end:
                    return start, last_ts
                dev_size = sum(data[q + 1] for q in range(p, p + 3 * ndev, 3))
                p += 3 * ndev
            # Devices often repeat the same definition: reuse its compiled layout (and rows).
            key = bytes((h & 0x20,)) + data[pos + 1 : p]
            cached = dec.def_cache.get(key)
            if cached is None:
                cached = dec.def_cache[key] = _build_def(gnum, arch, fields, dev_size)
                if cached.kind == KIND_RECORD:
                    dec.rec_defs.append(cached)
            defs[h & 0x0F] = cached
            pos = p
            continue
        else:
            d = defs.get(h & 0x0F)
            if d is None:
                raise _Corrupt(start, f"a message uses local type {h & 0x0F} before defining it")
            if pos + 1 + d.size > end:
                return start, last_ts
            if d.kind == KIND_OTHER and d.ts_idx < 0:
                pos += 1 + d.size
                continue
            vals = d.unpack(data, pos + 1)
            pos += 1 + d.size
            ts_now = nan
            if d.ts_idx >= 0:
                v = vals[d.ts_idx]
                if v != 0xFFFFFFFF:
                    last_ts = v
                    ts_now = v
        kind = d.kind
        if kind == KIND_RECORD:
            d.rows.append(vals)
            d.gidx.append(len(rec_ts))
            rec_ts_append(ts_now)
        elif kind == KIND_MISC:
            misc_append((d.gnum, {num: vals[i] for num, i, _inv, _c in d.fields}, ts_now))
    return pos, last_ts


def _human_bytes(n: int) -> str:
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} bytes"


def _header(data: bytes, pos: int) -> tuple[int, int]:
    """Validate a FIT file header at ``pos``; return (header size, data size)."""
    if len(data) - pos < 12:
        raise ParseError("FIT file header is incomplete (the file is too short)")
    hs = data[pos]
    if hs not in (12, 14) or data[pos + 8 : pos + 12] != b".FIT":
        raise ParseError("FIT file header is corrupt (bad size or missing .FIT signature)")
    if len(data) - pos < hs:
        raise ParseError("FIT file header is incomplete (the file is too short)")
    data_size = struct.unpack_from("<I", data, pos + 4)[0]
    if hs == 14:
        stored = struct.unpack_from("<H", data, pos + 12)[0]
        if stored and crc16(data[pos : pos + 12]) != stored:
            raise ParseError("FIT file header is corrupt (bad CRC)")
    if data_size > MAX_DATA_SIZE:
        raise ParseError(
            f"FIT header declares {_human_bytes(data_size)} of data, far more than any activity "
            "file; the file is corrupt"
        )
    return hs, data_size


def decode(data: bytes) -> _Decoded:
    """Check and decode every chained FIT file in ``data``."""
    dec = _Decoded()
    pos = 0
    part = 0
    last_ts: int | None = None
    while pos < len(data):
        if part:
            try:
                hs, data_size = _header(data, pos)
            except ParseError as exc:
                dec.warnings.append(
                    f"ignored {len(data) - pos:,} bytes after the end of the FIT data "
                    f"(byte {pos:,}): they do not start a valid FIT file ({exc})"
                )
                break
        else:
            hs, data_size = _header(data, pos)
        body = pos + hs
        declared_end = body + data_size
        verified = False
        note = None
        if data_size == 0:
            end = len(data)
            note = "the FIT header gives no data size (the file was not closed properly)"
        elif declared_end + 2 <= len(data):
            end = declared_end
            stored = struct.unpack_from("<H", data, end)[0]
            actual = crc16(memoryview(data)[pos:end])
            if stored and stored != actual:
                if part:
                    dec.warnings.append(
                        f"ignored a second FIT file at byte {pos:,} that fails its CRC check"
                    )
                    break
                raise ParseError("FIT file is corrupt (bad file CRC)")
            verified = bool(stored)
        else:
            end = min(declared_end, len(data))
            note = (
                f"file ends after {len(data):,} of {declared_end + 2:,} bytes "
                "(cut off before the end)"
            )
        try:
            reached, last_ts = _decode_messages(data, body, end, dec, last_ts)
        except _Corrupt as exc:
            if verified:
                raise ParseError(f"FIT file is corrupt: {exc.reason} (byte {exc.pos:,})") from None
            reached = exc.pos
            note = (note + "; " if note else "") + f"data damaged at byte {exc.pos:,}"
        except struct.error as exc:  # pragma: no cover - sizes are checked before unpacking
            raise ParseError(f"FIT file is corrupt ({exc})") from None
        if note is None and reached < end:
            raise ParseError(f"FIT file is corrupt: a message overruns the data (byte {reached:,})")
        if note is not None:
            dec.cut = note
            break
        pos = end + 2
        part += 1
    return dec
