"""FIT's CRC-16 (CRC-16/ARC: reflected polynomial 0xA001, initial value 0), fast.

A byte-at-a-time loop in Python costs ~0.1 µs per byte (0.3 s for a 3 MB file), so large inputs are
split into equal rows whose CRCs are computed in parallel with numpy, then folded together: with a
zero initial value the CRC is linear over GF(2), so ``crc(A + B) = shift_len(B)(crc(A)) ^ crc(B)``,
and leading zero bytes do not change it (rows can be zero-padded at the front).
"""

from __future__ import annotations

from functools import cache

import numpy as np


def _make_table() -> list[int]:
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0xA001 if c & 1 else c >> 1
        table.append(c)
    return table


TABLE = _make_table()
_TABLE_NP = np.array(TABLE, dtype=np.uint16)
_SMALL = 8192


def crc16_py(data: bytes | memoryview, crc: int = 0) -> int:
    """Reference byte-at-a-time CRC (used for short inputs)."""
    table = TABLE
    for b in bytes(data):
        crc = (crc >> 8) ^ table[(crc ^ b) & 0xFF]
    return crc


def _apply(images: tuple[int, ...], value: int) -> int:
    out = 0
    k = 0
    while value:
        if value & 1:
            out ^= images[k]
        value >>= 1
        k += 1
    return out


@cache
def _shift_images(nbytes: int) -> tuple[int, ...]:
    """Images of the 16 basis states after feeding ``nbytes`` zero bytes (a linear map)."""
    if nbytes == 1:
        return tuple((1 << k >> 8) ^ TABLE[(1 << k) & 0xFF] for k in range(16))
    half = _shift_images(nbytes // 2)
    twice = tuple(_apply(half, half[k]) for k in range(16))
    if nbytes % 2:
        one = _shift_images(1)
        twice = tuple(_apply(one, twice[k]) for k in range(16))
    return twice


@cache
def _shift_tables(nbytes: int) -> tuple[list[int], list[int]]:
    images = _shift_images(nbytes)
    lo = [_apply(images, b) for b in range(256)]
    hi = [_apply(images, b << 8) for b in range(256)]
    return lo, hi


def crc16(data: bytes | memoryview, crc: int = 0) -> int:
    """CRC of ``data`` continuing from ``crc`` (0 for a fresh CRC)."""
    n = len(data)
    if n < _SMALL:
        return crc16_py(data, crc)
    width = 256 if n < 1 << 18 else 1024
    pad = (-n) % width
    buf = np.zeros(n + pad, dtype=np.uint8)
    buf[pad:] = np.frombuffer(data, dtype=np.uint8)
    cols = np.ascontiguousarray(buf.reshape(-1, width).T)
    state = np.zeros(cols.shape[1], dtype=np.uint16)
    table = _TABLE_NP
    for j in range(width):
        state = (state >> 8) ^ table[(state ^ cols[j]) & 0xFF]
    lo, hi = _shift_tables(width)
    rows = state.tolist()
    # The continuation state goes through the padded first row as if it were leading data.
    if crc:
        lo_n, hi_n = _shift_tables(n)
        total = lo_n[crc & 0xFF] ^ hi_n[crc >> 8]
        acc = 0
    else:
        total = 0
        acc = 0
    for r in rows:
        acc = lo[acc & 0xFF] ^ hi[acc >> 8] ^ r
    return total ^ acc
