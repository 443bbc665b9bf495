"""FIT workout files (Garmin's binary format) from a :class:`~.model.Workout`, via ``struct``.

A workout file is a 14-byte header, then three kinds of message, each announced by a
definition message (local types 0–2): ``file_id`` (type workout, manufacturer development,
a serial derived from the content, time created), one ``workout`` (sport, sub-sport, number
of steps, name) and one ``workout_step`` per step. Repeats are flattened the way the FIT
profile describes: the steps inside come first, then a step whose duration type is
``repeat_until_steps_cmplt``, whose ``duration_value`` is the message index of the first step
to repeat and whose ``target_value`` is the number of times. A file CRC closes the file.

Message and field numbers, base types, enum values and scales come from the FIT profile
(``garmin_fit_sdk.profile``, profile 21.218); the numbers are written out below so nothing
from the SDK is needed at run time. Only protocol 1.0 features are used (no developer
fields, no 64-bit types), so the header says protocol 1.0 and any FIT reader can load it.
"""

from __future__ import annotations

import re
import struct
import unicodedata
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime

from ..tracks.fitcrc import crc16
from .model import Item, Repeat, SpeedBand, Sport, Step, StepKind, Workout

PROTOCOL_VERSION = 0x10  # FIT protocol 1.0
PROFILE_VERSION = 21 * 1000 + 218  # written as the SDK writes it: major × 1000 + minor
FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)

# Global message numbers (profile "mesg_num").
MESG_FILE_ID, MESG_WORKOUT, MESG_WORKOUT_STEP = 0, 26, 27
FILE_WORKOUT = 5  # "file" type: workout
MANUFACTURER_DEVELOPMENT = 255

# Base types: (FIT base type byte, struct code, size, invalid value).
ENUM = (0x00, "B", 1, 0xFF)
UINT16 = (0x84, "H", 2, 0xFFFF)
UINT32 = (0x86, "I", 4, 0xFFFFFFFF)
UINT32Z = (0x8C, "I", 4, 0)
STRING = 0x07

# "wkt_step_duration", "wkt_step_target" and "intensity" enums.
DURATION_TIME, DURATION_REPEAT_UNTIL_STEPS_CMPLT = 0, 6
TARGET_SPEED, TARGET_OPEN = 0, 2
INTENSITY = {
    StepKind.ACTIVE: 0,
    StepKind.REST: 1,
    StepKind.WARMUP: 2,
    StepKind.COOLDOWN: 3,
    StepKind.RECOVERY: 4,
}
# Our sports as FIT (sport, sub_sport): the cross-trainer is fitness equipment / elliptical.
SPORTS = {
    Sport.RUNNING: (1, 0),
    Sport.WALKING: (11, 0),
    Sport.CROSS_TRAINER: (4, 15),
}

TIME_SCALE = 1000  # duration_time: ms
SPEED_SCALE = 1000  # custom_target_speed_low/high: mm/s
MAX_UINT32 = 0xFFFFFFFE  # 0xFFFFFFFF means "invalid"
# message_index carries the step index in its low 12 bits (the high bits are flags).
MAX_STEPS = 0x0FFF + 1

# String budgets in bytes, terminator included. FIT gives each string field a size in its
# definition; the FIT C SDK's example profile allocates 16 bytes to the workout name (so watches
# show at most 15 bytes) and we use the same for step names; notes get 50.
WKT_NAME_SIZE = 16
STEP_NAME_SIZE = 16
NOTES_SIZE = 50


def fit_string(text: str, size: int) -> bytes:
    """``text`` as UTF-8 cut to fit ``size`` bytes with its terminator, never mid-character."""
    raw = unicodedata.normalize("NFC", text).replace("\x00", "").strip().encode("utf-8")
    return raw[: size - 1].decode("utf-8", "ignore").rstrip().encode("utf-8")


@dataclass(frozen=True, slots=True)
class _Row:
    """One ``workout_step`` message's values (raw, before encoding)."""

    name: bytes
    duration_type: int
    duration_value: int
    target_type: int
    target_value: int
    low: int
    high: int
    intensity: int
    notes: bytes


def _speed(value: float, what: str) -> int:
    scaled = round(value * SPEED_SCALE)
    if scaled > MAX_UINT32:
        raise ValueError(f"{what} {value} m/s is beyond what a FIT speed target can hold")
    return scaled


def _step_row(step: Step, where: str) -> _Row:
    ms = round(step.duration_s * TIME_SCALE)
    if ms < 1:
        raise ValueError(f"{where}: a step must last at least 1 ms, got {step.duration_s} s")
    if ms > MAX_UINT32:
        raise ValueError(
            f"{where}: {step.duration_s} s is longer than a FIT step can last"
            f" ({MAX_UINT32 // TIME_SCALE} s)"
        )
    band: SpeedBand | None = step.target
    if band is None:
        target_type, low, high = TARGET_OPEN, UINT32[3], UINT32[3]
    else:
        target_type = TARGET_SPEED
        low = _speed(band.min_speed_mps, f"{where}: minimum speed")
        high = _speed(band.max_speed_mps, f"{where}: maximum speed")
    return _Row(
        name=fit_string(step.name, STEP_NAME_SIZE),
        duration_type=DURATION_TIME,
        duration_value=ms,
        target_type=target_type,
        target_value=0,  # with a speed target, zone 0 means "use the custom low/high"
        low=low,
        high=high,
        intensity=INTENSITY[step.kind],
        notes=fit_string(step.notes, NOTES_SIZE),
    )


def _check_count(rows: list[_Row], where: str) -> None:
    if len(rows) > MAX_STEPS:
        raise ValueError(
            f"{where} has more than {MAX_STEPS} steps once repeats are counted;"
            " FIT cannot hold more (and a watch shows far fewer)"
        )


def _flatten(items: tuple[Item, ...], rows: list[_Row], where: str) -> None:
    for n, item in enumerate(items, 1):
        here = f"{where} step {n}"
        if isinstance(item, Step):
            rows.append(_step_row(item, here))
            _check_count(rows, where)
            continue
        if not isinstance(item, Repeat):  # the model checks this; a file must never be half-made
            raise ValueError(f"{here}: expected Step or Repeat, got {item!r}")
        if item.times > MAX_UINT32:
            raise ValueError(f"{here}: {item.times} repeats is more than FIT allows ({MAX_UINT32})")
        first = len(rows)
        _flatten(item.steps, rows, f"{here} (repeat)")
        rows.append(
            _Row(
                name=b"",
                duration_type=DURATION_REPEAT_UNTIL_STEPS_CMPLT,
                duration_value=first,
                target_type=TARGET_OPEN,
                target_value=item.times,
                low=UINT32[3],
                high=UINT32[3],
                intensity=ENUM[3],
                notes=b"",
            )
        )
        _check_count(rows, where)


Field = tuple[int, tuple[int, str, int, int] | int, int]  # (number, base type, size)


def _definition(local: int, global_num: int, fields: list[Field]) -> bytes:
    out = struct.pack("<BBBHB", 0x40 | local, 0, 0, global_num, len(fields))
    for number, base, size in fields:
        out += struct.pack("<BBB", number, size, base if isinstance(base, int) else base[0])
    return out


def _data(local: int, fields: list[Field], values: list[int | bytes]) -> bytes:
    out = bytearray([local])
    for (_number, base, size), value in zip(fields, values, strict=True):
        if isinstance(base, int):  # string: zero-padded to the field size
            assert isinstance(value, bytes)
            out += value.ljust(size, b"\x00")
        else:
            out += struct.pack("<" + base[1], value)
    return bytes(out)


def _message(local: int, global_num: int, spec: list[tuple[Field, int | bytes]]) -> bytes:
    fields = [f for f, _ in spec]
    return _definition(local, global_num, fields) + _data(local, fields, [v for _, v in spec])


def _string_field(number: int, values: list[bytes]) -> Field | None:
    longest = max((len(v) for v in values), default=0)
    return (number, STRING, longest + 1) if longest else None


def encode_workout(workout: Workout, *, time_created: datetime) -> bytes:
    """The FIT workout file for ``workout``, the same bytes for the same arguments.

    ``time_created`` (time-zone aware, usually now) goes into ``file_id``. Raises
    ``ValueError`` for what FIT cannot hold: more than 4096 steps once repeats are flattened,
    a step shorter than 1 ms or longer than ~49 days, more repeats than a uint32 holds.
    """
    if not isinstance(workout, Workout):
        raise ValueError(f"expected a Workout, got {workout!r}")
    created = time_created
    if not isinstance(created, datetime) or created.tzinfo is None or created.utcoffset() is None:
        raise ValueError("time_created must be time-zone aware")
    fit_seconds = int((created - FIT_EPOCH).total_seconds())
    if not 0 <= fit_seconds <= MAX_UINT32:
        raise ValueError(f"time_created {created.isoformat()} is outside what FIT can date")

    rows: list[_Row] = []
    _flatten(workout.steps, rows, f"workout {workout.name!r}")

    sport, sub_sport = SPORTS[workout.sport]
    name = fit_string(workout.name, WKT_NAME_SIZE)
    notes = fit_string(workout.notes, NOTES_SIZE)
    workout_spec: list[tuple[Field, int | bytes]] = [
        ((4, ENUM, 1), sport),
        ((11, ENUM, 1), sub_sport),
        ((6, UINT16, 2), len(rows)),
    ]
    if name:
        workout_spec.insert(0, ((8, STRING, len(name) + 1), name))
    if notes:  # wkt_description
        workout_spec.append(((17, STRING, len(notes) + 1), notes))
    body = _message(1, MESG_WORKOUT, workout_spec)

    step_fields: list[Field] = [
        (254, UINT16, 2),  # message_index
        (1, ENUM, 1),  # duration_type
        (2, UINT32, 4),  # duration_value
        (3, ENUM, 1),  # target_type
        (4, UINT32, 4),  # target_value
        (5, UINT32, 4),  # custom_target_value_low
        (6, UINT32, 4),  # custom_target_value_high
        (7, ENUM, 1),  # intensity
    ]
    name_field = _string_field(0, [r.name for r in rows])  # wkt_step_name
    notes_field = _string_field(8, [r.notes for r in rows])  # notes
    step_fields += [f for f in (name_field, notes_field) if f is not None]
    body += _definition(2, MESG_WORKOUT_STEP, step_fields)
    for index, r in enumerate(rows):
        values: list[int | bytes] = [
            index,
            r.duration_type,
            r.duration_value,
            r.target_type,
            r.target_value,
            r.low,
            r.high,
            r.intensity,
        ]
        if name_field is not None:
            values.append(r.name)
        if notes_field is not None:
            values.append(r.notes)
        body += _data(2, step_fields, values)

    serial = zlib.crc32(body) or 1  # uint32z: 0 is "invalid"
    file_id = _message(
        0,
        MESG_FILE_ID,
        [
            ((0, ENUM, 1), FILE_WORKOUT),
            ((1, UINT16, 2), MANUFACTURER_DEVELOPMENT),
            ((2, UINT16, 2), 0),  # product
            ((3, UINT32Z, 4), serial),
            ((4, UINT32, 4), fit_seconds),  # time_created
        ],
    )
    data = file_id + body
    header = struct.pack("<BBHI4s", 14, PROTOCOL_VERSION, PROFILE_VERSION, len(data), b".FIT")
    header += struct.pack("<H", crc16(header))
    out = header + data
    return out + struct.pack("<H", crc16(out))


def suggested_filename(workout: Workout, on: date | None = None) -> str:
    """A safe file name for the workout, e.g. ``2025-03-04-walk-run-rung-3.fit``."""
    decomposed = unicodedata.normalize("NFKD", workout.name)  # "Ü" -> "U" + a combining mark
    ascii_name = "".join(
        c if c.isascii() else "" if unicodedata.combining(c) else " " for c in decomposed
    )
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60].strip("-") or "workout"
    return f"{on.isoformat()}-{slug}.fit" if on else f"{slug}.fit"
