"""Entry points: sniff a file's format from its content, parse it, summarise it."""

from __future__ import annotations

import io
import os
import zlib
from pathlib import Path
from typing import IO, Any

from .fit import parse_fit
from .gpx import parse_gpx
from .model import Activity, ParseError, TooLarge, size_text
from .stats import combine, summarise
from .tcx import parse_tcx

MAX_FILE_BYTES = 200 * 1024 * 1024  #: largest single activity file accepted (after gunzip)
MAX_RATIO = 200.0  #: largest expansion accepted when decompressing
SNIFF_BYTES = 4096
_EXT = {".gpx": "gpx", ".tcx": "tcx", ".fit": "fit", ".gz": "gzip", ".zip": "zip"}


def _ext_hint(filename: str) -> str | None:
    name = filename.lower()
    for ext, kind in _EXT.items():
        if name.endswith(ext):
            return kind
    return None


def sniff_format(head: bytes, filename: str = "") -> str:
    """Identify a file from its first bytes: ``"gpx"``, ``"tcx"``, ``"fit"``, ``"gzip"`` or
    ``"zip"``. The content decides; the file name is only a tie-breaker for XML whose root
    element is not within the first bytes. Raises :class:`ParseError` when unknown."""
    if not head:
        raise ParseError("file is empty")
    if head[:2] == b"\x1f\x8b":
        return "gzip"
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"
    if len(head) >= 12 and head[0] in (12, 14) and head[8:12] == b".FIT":
        return "fit"
    text = _xml_text(head)
    if text is not None:
        low = text.lower()
        i_gpx = low.find("<gpx")
        i_tcx = low.find("<trainingcenterdatabase")
        if i_tcx < 0:
            i_tcx = low.find(":trainingcenterdatabase")
        if i_gpx < 0:
            i_gpx = low.find(":gpx ")
        found = [(i, k) for i, k in ((i_gpx, "gpx"), (i_tcx, "tcx")) if i >= 0]
        if found:
            return min(found)[1]
        hint = _ext_hint(filename)
        if hint in ("gpx", "tcx"):
            return hint
        raise ParseError(
            "an XML file, but neither GPX nor TCX (no <gpx> or <TrainingCenterDatabase>)"
        )
    hint = _ext_hint(filename)
    if head[8:12] == b".FIT" or (hint == "fit" and head[0] in (12, 14)):
        return "fit"  # a damaged FIT header: the FIT parser says what is wrong
    suffix = f" (despite the .{hint} name)" if hint in ("gpx", "tcx", "fit") else ""
    raise ParseError(f"not a GPX, TCX or FIT file{suffix}: the content is not recognised")


def _xml_text(head: bytes) -> str | None:
    """Decode the head of a file if it looks like XML (any usual encoding, BOM or not)."""
    for bom, enc in (
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if head.startswith(bom):
            text = head[len(bom) :].decode(enc, errors="ignore")
            break
    else:
        if head[:2] == b"<\x00":
            text = head.decode("utf-16-le", errors="ignore")
        elif head[:2] == b"\x00<":
            text = head.decode("utf-16-be", errors="ignore")
        else:
            text = head.decode("utf-8", errors="ignore")
    stripped = text.lstrip()
    return stripped if stripped.startswith("<") else None


def gunzip(
    data: bytes, max_bytes: int = MAX_FILE_BYTES, max_ratio: float = MAX_RATIO
) -> tuple[bytes, list[str]]:
    """Decompress gzip data (all members), counting output as it is produced: never more than
    ``max_bytes`` (:class:`TooLarge` past it, whatever the gzip trailer claims), nor more than
    ``max_ratio`` times the input beyond the first MB (a gzip bomb stops early). A cut-off
    stream yields what could be decompressed, with a warning."""
    out = bytearray()
    warnings: list[str] = []
    rest = data
    while True:
        d = zlib.decompressobj(wbits=31)
        buf = rest
        try:
            while True:
                chunk = d.decompress(buf, max_bytes + 1 - len(out))
                out += chunk
                if len(out) > max_bytes:
                    raise TooLarge(
                        f"decompressed file is larger than {size_text(max_bytes)}; refused",
                        max_bytes,
                    )
                if len(out) > (1 << 20) and len(out) > max_ratio * len(data):
                    raise ParseError(
                        f"gzip data expands more than {max_ratio:.0f} times (a decompression "
                        "bomb?); refused"
                    )
                progressed = bool(chunk) or len(d.unconsumed_tail) < len(buf)
                buf = d.unconsumed_tail
                if d.eof or not buf or not progressed:
                    break
        except zlib.error as exc:
            if not out:
                raise ParseError(f"gzip data is corrupt ({exc})") from None
            warnings.append("gzip data is damaged near the end; the readable part was used")
            break
        if not d.eof:
            if not out:
                raise ParseError("gzip data is cut off before any content")
            warnings.append("gzip data is cut off before its end; the readable part was used")
            break
        rest = d.unused_data
        if not rest or rest[:2] != b"\x1f\x8b":
            break  # no further member (trailing padding is ignored)
    if not out:
        raise ParseError("gzip file is empty")
    return bytes(out), warnings


def parse_bytes(data: bytes, filename: str = "") -> list[Activity]:
    """Parse one activity file held in memory (``.gz`` handled transparently)."""
    if not data:
        raise ParseError("file is empty")
    kind = sniff_format(data[:SNIFF_BYTES], filename)
    extra: list[str] = []
    if kind == "gzip":
        data, extra = gunzip(data)
        inner = filename[:-3] if filename.lower().endswith(".gz") else ""
        kind = sniff_format(data[:SNIFF_BYTES], inner)
        if kind in ("gzip", "zip"):
            raise ParseError(f"a {kind} archive inside a gzip file is not supported")
    if len(data) > MAX_FILE_BYTES:
        raise ParseError(f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; refused")
    activities = _parse_kind(kind, data, io.BytesIO(data), len(data))
    if extra:
        activities[-1].warnings[:0] = extra
    return activities


def _parse_kind(
    kind: str, data: bytes | None, stream: IO[bytes] | None, size: int | None = None
) -> list[Activity]:
    try:
        if kind == "gpx":
            assert stream is not None
            return parse_gpx(stream, size)
        if kind == "tcx":
            assert stream is not None
            return parse_tcx(stream, size)
        if kind == "fit":
            assert data is not None
            return parse_fit(data)
    except ParseError:
        raise
    except (ValueError, IndexError, KeyError, TypeError, OverflowError, MemoryError) as exc:
        # Defensive: malformed input must only ever surface as a ParseError.
        raise ParseError(f"{kind.upper()} file could not be read ({type(exc).__name__})") from None
    if kind == "zip":
        raise ParseError(
            "this is a zip archive, not a single activity file; import it as an archive"
        )
    raise ParseError(f"unsupported format {kind!r}")


def parse_file(path: str | os.PathLike[str]) -> list[Activity]:
    """Parse an activity file on disk. GPX/TCX stream from the file (memory stays flat)."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        raise ParseError("file not found") from None
    except OSError as exc:
        raise ParseError(f"file cannot be read ({exc.strerror})") from None
    if p.is_dir():
        raise ParseError("is a directory, not a file")
    if size == 0:
        raise ParseError("file is empty")
    if size > MAX_FILE_BYTES:
        raise ParseError(
            f"file is {size / (1024 * 1024):.0f} MB, larger than the "
            f"{MAX_FILE_BYTES // (1024 * 1024)} MB limit; refused"
        )
    try:
        with p.open("rb") as fh:
            head = fh.read(SNIFF_BYTES)
            kind = sniff_format(head, p.name)
            if kind in ("gpx", "tcx"):
                fh.seek(0)
                return _parse_kind(kind, None, fh, size)
            fh.seek(0)
            data = fh.read()
    except OSError as exc:
        raise ParseError(f"file cannot be read ({exc.strerror or exc})") from None
    return parse_bytes(data, p.name)


def file_stats(path: str | os.PathLike[str]) -> dict[str, Any]:
    """What ``backstride activity stats FILE --json`` prints for one file. Never raises.

    A multi-sport file gives one line that sums its parts (``sports`` lists them)."""
    name = str(path)
    try:
        activities = parse_file(path)
        summary = combine([summarise(a) for a in activities])
    except ParseError as exc:
        return {"file": name, "error": str(exc)}
    except Exception as exc:
        return {"file": name, "error": f"could not read the file ({type(exc).__name__}: {exc})"}
    out: dict[str, Any] = {"file": name}
    d = summary.to_dict()
    d.pop("splits", None)
    out.update(d)
    out["format"] = activities[0].source_format if activities else None
    out["activities"] = len(activities)
    return out
