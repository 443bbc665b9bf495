"""Point values for the GPX and TCX parsers: times and numbers read as strings in batches and
converted to numpy in bulk (:class:`PointBuffer`), with lenient time parsing for odd devices."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import IO, Any

import numpy as np

BATCH = 4096


def parse_time(text: str | None) -> float:
    """ISO 8601 -> POSIX seconds (naive times are UTC, per GPX/TCX); NaN when unreadable."""
    if not text:
        return float("nan")
    try:
        d = datetime.fromisoformat(text)
    except ValueError:
        d2 = _lenient_time(text)
        if d2 is None:
            return float("nan")
        d = d2
    if d.tzinfo is None:
        d = d.replace(tzinfo=UTC)
    try:
        return d.timestamp()
    except (OverflowError, OSError, ValueError):
        return float("nan")


def _lenient_time(text: str) -> datetime | None:
    s = text.strip().replace(" ", "T", 1)
    if s.endswith(("z", "Z")):
        s = s[:-1] + "+00:00"
    # More than 6 fractional digits: Python 3.11 copes, but trim defensively.
    try:
        return datetime.fromisoformat(s)
    except ValueError:
        return None


def parse_times(values: Sequence[str | None]) -> np.ndarray:
    """Vector of :func:`parse_time` results (``fromisoformat`` is C: ~0.2 µs a value)."""
    fromiso = datetime.fromisoformat
    out: list[float] = []
    append = out.append
    nan = float("nan")
    for s in values:
        if s is None:
            append(nan)
            continue
        try:
            d = fromiso(s)
            append(d.timestamp() if d.tzinfo is not None else parse_time(s))
        except (ValueError, OverflowError, OSError):
            append(parse_time(s))
    return np.array(out, dtype=np.float64)


def to_floats(values: Sequence[str | None]) -> tuple[np.ndarray, int]:
    """Strings -> float64 (None -> NaN). Returns the array and how many values were unreadable."""
    try:
        return np.array(values, dtype=np.float64), 0
    except (ValueError, TypeError):
        bad = 0
        out = np.empty(len(values), dtype=np.float64)
        for i, v in enumerate(values):
            try:
                out[i] = float(v) if v is not None else np.nan
            except (ValueError, TypeError):
                out[i] = np.nan
                bad += 1
        return out, bad


class PointBuffer:
    """Points as float blocks. String columns are gathered batch by batch and converted to
    numpy once enough points are pending (few numpy calls even for files of many short laps)."""

    def __init__(self, ncols: int, time_col: int, spill: IO[bytes] | None = None) -> None:
        self.ncols = ncols
        self.time_col = time_col
        self.blocks: list[np.ndarray] = []
        self.chunks: list[tuple[Sequence[Sequence[str | None] | None], int]] = []
        self.pending = 0
        self.count = 0
        self.bad_values = 0
        #: With ``spill`` (a temporary file), converted blocks go to that file instead of memory
        #: and :meth:`array` maps them back read-only, so memory stays flat however many points.
        self.spill = spill
        self.spill_start = spill.seek(0, 2) if spill is not None else 0
        self.spilled = 0

    def add_columns(self, columns: Sequence[Sequence[str | None] | None], k: int) -> None:
        """Add ``k`` points given column by column (``None`` = column absent)."""
        if not k:
            return
        self.chunks.append((columns, k))
        self.pending += k
        self.count += k
        if self.pending >= BATCH:
            self.convert()

    def add_rows(self, rows: list[list[Any]]) -> None:
        if rows:
            self.add_columns(list(zip(*rows, strict=True)), len(rows))

    def convert(self) -> None:
        """Turn the pending string columns into one float block."""
        if not self.pending:
            return
        k = self.pending
        block = np.full((k, self.ncols), np.nan, dtype=np.float64)
        for j in range(self.ncols):
            parts = [(col[j], n) for col, n in self.chunks]
            if all(p is None for p, _ in parts):
                continue
            if len(parts) == 1:
                values: Sequence[str | None] = parts[0][0]  # type: ignore[assignment]
            else:
                merged: list[str | None] = []
                for p, n in parts:
                    if p is None:
                        merged.extend([None] * n)
                    else:
                        merged.extend(p)
                values = merged
            if j == self.time_col:
                block[:, j] = parse_times(values)
            else:
                block[:, j], bad = to_floats(values)
                self.bad_values += bad
        if self.spill is not None:
            self.spill.write(block.tobytes())
            self.spilled += k
        else:
            self.blocks.append(block)
        self.chunks = []
        self.pending = 0

    def array(self) -> np.ndarray:
        """All points as one ``(n, ncols)`` float array."""
        self.convert()
        if self.spill is not None:
            if not self.spilled:
                return np.empty((0, self.ncols), dtype=np.float64)
            self.spill.flush()
            return np.memmap(
                self.spill,
                dtype=np.float64,
                mode="r",
                offset=self.spill_start,
                shape=(self.spilled, self.ncols),
            )
        if not self.blocks:
            return np.empty((0, self.ncols), dtype=np.float64)
        if len(self.blocks) > 1:
            self.blocks = [np.concatenate(self.blocks)]
        return self.blocks[0]

    def reset(self) -> None:
        self.blocks = []
        self.chunks = []
        self.pending = 0
        self.count = 0
        if self.spill is not None:  # the next activity's points follow in the same file
            self.spill_start = self.spill.seek(0, 2)
            self.spilled = 0
