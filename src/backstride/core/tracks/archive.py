"""Reading export archives (a zip of many activity files, some gzipped) safely, in memory.

Nothing is written to disk. Limits are enforced on the bytes actually produced while
decompressing (headers are only used to refuse early): entries, bytes per entry, bytes in total
and the expansion ratio. Unsafe member names (absolute paths, ``..``) are reported, not used.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO

from .api import SNIFF_BYTES, gunzip, sniff_format
from .model import ParseError, TooLarge, size_text

MB = 1024 * 1024
ACTIVITY_SUFFIXES = (".gpx", ".tcx", ".fit", ".gpx.gz", ".tcx.gz", ".fit.gz")
_CHUNK = 1 * MB


@dataclass
class ArchiveLimits:
    max_entries: int = 20000
    max_entry_bytes: int = 200 * MB
    max_total_bytes: int = 2048 * MB
    max_ratio: float = 200.0


@dataclass
class ArchiveEntry:
    """One activity file from the archive: ``data`` (gunzipped) or an ``error`` saying why not."""

    name: str
    data: bytes | None
    error: str | None
    warnings: list[str] = field(default_factory=list)  #: e.g. a gzip member cut off early
    index: int = 0  #: position among the archive's activity entries (stable, for resuming)
    total: int | None = None  #: how many activity entries the archive holds
    format: str = ""  #: "gpx" | "tcx" | "fit" sniffed from the content ("" when unknown)
    #: set (to the per-file limit) when the file is larger than that once unpacked
    too_large: int | None = None


def _mb(n: float) -> str:
    return f"{n / MB:.0f} MB"


def _declared_entries(fileobj: IO[bytes]) -> tuple[int, int]:
    """(entry count, central directory size) from the end-of-central-directory record."""
    fileobj.seek(0, 2)
    size = fileobj.tell()
    tail_len = min(size, 22 + 65535 + 20)
    fileobj.seek(size - tail_len)
    tail = fileobj.read(tail_len)
    i = tail.rfind(b"PK\x05\x06")
    if i < 0 or len(tail) - i < 22:
        raise ParseError(
            "not a valid zip archive (its directory at the end is missing; truncated?)"
        )
    _sig, _d1, _d2, _n1, total, cd_size, _cd_off, _clen = struct.unpack_from("<4s4H2LH", tail, i)
    if (
        (total == 0xFFFF or cd_size == 0xFFFFFFFF)
        and i >= 20
        and tail[i - 20 : i - 16] == b"PK\x06\x07"
    ):
        (z64_off,) = struct.unpack_from("<Q", tail, i - 20 + 8)
        fileobj.seek(z64_off)
        rec = fileobj.read(56)
        if len(rec) == 56 and rec[:4] == b"PK\x06\x06":
            total, cd_size = (
                struct.unpack_from("<QQ", rec, 32)[0],
                struct.unpack_from("<Q", rec, 40)[0],
            )
    fileobj.seek(0)
    return int(total), int(cd_size)


def _is_dir(info: zipfile.ZipInfo) -> bool:
    """A directory member (``ZipInfo.is_dir`` fails on an empty name)."""
    return info.filename.endswith("/")


def unsafe_name(name: str) -> bool:
    """True for names that would escape a target directory (absolute, drive, ``..``, NUL)."""
    if not name or "\x00" in name:
        return True
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return True
    parts = name.replace("\\", "/").split("/")
    return any(p == ".." for p in parts)


def iter_archive(
    fileobj: IO[bytes],
    limits: ArchiveLimits | None = None,
    *,
    on_skip: Callable[[str, str], None] | None = None,
) -> Iterator[ArchiveEntry]:
    """Yield the activity files of a zip archive one by one (gzipped ones decompressed).

    Directories and non-activity members (CSV, JSON, images, nested zips...) are skipped; pass
    ``on_skip(name, reason)`` to hear about them. Raises :class:`ParseError` when the archive
    itself is unreadable or has more entries than allowed."""
    lim = limits or ArchiveLimits()
    try:
        declared, cd_size = _declared_entries(fileobj)
    except OSError as exc:
        raise ParseError(f"archive cannot be read ({exc})") from None
    if declared > lim.max_entries or cd_size > lim.max_entries * 4096:
        raise ParseError(
            f"archive lists {declared:,} files, more than the limit of {lim.max_entries:,}; refused"
        )
    try:
        zf = zipfile.ZipFile(fileobj)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        ValueError,
        EOFError,
        NotImplementedError,  # e.g. an unsupported zip version
        struct.error,
    ) as exc:
        raise ParseError(f"not a valid zip archive ({exc})") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > lim.max_entries:
            raise ParseError(
                f"archive holds {len(infos):,} files, more than the limit of {lim.max_entries:,}"
            )
        candidates = [
            info
            for info in infos
            if not _is_dir(info)
            and (unsafe_name(info.filename) or info.filename.lower().endswith(ACTIVITY_SUFFIXES))
        ]
        if on_skip is not None:
            chosen = {id(info) for info in candidates}
            for info in infos:
                if not _is_dir(info) and id(info) not in chosen:
                    low = info.filename.lower()
                    on_skip(
                        info.filename,
                        "nested archives are not opened"
                        if low.endswith(".zip")
                        else "not an activity file",
                    )
        count = len(candidates)
        produced_total = 0
        for index, info in enumerate(candidates):
            entry, produced, stop = _entry(zf, info, lim, produced_total)
            produced_total += produced
            entry.index = index
            entry.total = count
            if entry.data is not None:
                entry.format = _sniff(entry.data, entry.name)
            yield entry
            if stop:
                return


def _sniff(data: bytes, name: str) -> str:
    try:
        kind = sniff_format(data[:SNIFF_BYTES], name)
    except ParseError:
        return ""
    return kind if kind in ("gpx", "tcx", "fit") else ""


def _entry(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, lim: ArchiveLimits, total: int
) -> tuple[ArchiveEntry, int, bool]:
    """Checks from the headers first (cheap refusals), then the counted read."""
    name = info.filename
    if unsafe_name(name):
        return (
            ArchiveEntry(name, None, "unsafe file name (absolute path or '..'); skipped"),
            0,
            False,
        )
    if info.flag_bits & 0x1:
        return ArchiveEntry(name, None, "file is encrypted in the archive"), 0, False
    if info.file_size > lim.max_entry_bytes:
        return _too_large(name, lim.max_entry_bytes), 0, False
    if info.file_size > MB and info.file_size > lim.max_ratio * max(info.compress_size, 1):
        msg = "compressed far too well to be real (zip bomb?); skipped"
        return ArchiveEntry(name, None, msg), 0, False
    return _read_member(zf, info, lim, total)


def _too_large(name: str, limit: int) -> ArchiveEntry:
    msg = f"file is larger than {size_text(limit)} once unpacked (the limit per file); skipped"
    return ArchiveEntry(name, None, msg, too_large=limit)


def _read_member(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, lim: ArchiveLimits, total: int
) -> tuple[ArchiveEntry, int, bool]:
    """Read one member counting bytes as they come. Returns (entry, bytes produced, stop all)."""
    name = info.filename
    out = bytearray()
    ratio_cap = lim.max_ratio * max(info.compress_size, 1)
    try:
        with zf.open(info) as fh:
            while True:
                chunk = fh.read(_CHUNK)
                if not chunk:
                    break
                out += chunk
                if total + len(out) > lim.max_total_bytes:
                    return (
                        ArchiveEntry(
                            name,
                            None,
                            f"the archive expands beyond {_mb(lim.max_total_bytes)} in total; "
                            "this and the remaining files were not read",
                        ),
                        len(out),
                        True,
                    )
                if len(out) > lim.max_entry_bytes:
                    return _too_large(name, lim.max_entry_bytes), len(out), False
                if len(out) > MB and len(out) > ratio_cap:
                    return (
                        ArchiveEntry(name, None, "file expands far too much (zip bomb?); skipped"),
                        len(out),
                        False,
                    )
    except zipfile.BadZipFile as exc:
        return ArchiveEntry(name, None, f"file is damaged in the archive ({exc})"), len(out), False
    except (zlib.error, EOFError, OSError, ValueError) as exc:
        return ArchiveEntry(name, None, f"file cannot be decompressed ({exc})"), len(out), False
    except NotImplementedError as exc:
        return ArchiveEntry(name, None, f"unsupported compression ({exc})"), len(out), False
    except RuntimeError as exc:  # e.g. encrypted
        return ArchiveEntry(name, None, f"file cannot be read ({exc})"), len(out), False
    data = bytes(out)
    produced = len(data)
    if name.lower().endswith(".gz"):
        budget = min(lim.max_entry_bytes, lim.max_total_bytes - total - produced)
        try:
            data, gz_warnings = gunzip(data, max_bytes=max(budget, 0), max_ratio=lim.max_ratio)
        except TooLarge as exc:
            if budget >= lim.max_entry_bytes:
                return _too_large(name, lim.max_entry_bytes), produced, False
            return ArchiveEntry(name, None, str(exc)), produced, False
        except ParseError as exc:
            return ArchiveEntry(name, None, str(exc)), produced, False
        produced += len(data)
        return ArchiveEntry(name, data, None, gz_warnings), produced, False
    if not data:
        return ArchiveEntry(name, None, "file is empty"), produced, False
    return ArchiveEntry(name, data, None), produced, False
