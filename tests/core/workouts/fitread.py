"""Read our FIT workout files back with two independent decoders, into one comparable shape.

Enums come back as the decoders' own profile names ("time", "speed", "warmup"), so a wrong
number in our encoder shows up as a wrong name here. Numbers are the raw stored integers
(ms, mm/s, counts). :func:`rebuild` turns the flat step list back into Step/Repeat trees.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import fitdecode
from garmin_fit_sdk import Decoder, Stream

from backstride.core.workouts.model import Item, Repeat, SpeedBand, Step, StepKind


@dataclass(frozen=True)
class DecodedStep:
    index: int
    name: str | None
    duration_type: str
    duration_value: int
    target_type: str
    target_value: int | None
    low: int | None
    high: int | None
    intensity: str | None
    notes: str | None


@dataclass(frozen=True)
class DecodedFile:
    file_type: str
    manufacturer: str
    serial_number: int
    time_created: datetime
    sport: str
    sub_sport: str
    name: str | None
    description: str | None
    num_valid_steps: int
    steps: tuple[DecodedStep, ...]


def _none_if_empty(value: object) -> object:
    return None if value in ("", None) else value


def with_fitdecode(data: bytes) -> DecodedFile:
    """Decode with fitdecode, raising on any CRC or format problem."""
    by_name: dict[str, list[dict[int, tuple[object, object]]]] = {}
    with fitdecode.FitReader(
        io.BytesIO(data),
        check_crc=fitdecode.CrcCheck.RAISE,
        error_handling=fitdecode.ErrorHandling.RAISE,
    ) as reader:
        for frame in reader:
            if isinstance(frame, fitdecode.FitDataMessage):
                fields = {f.def_num: (f.value, f.raw_value) for f in frame.fields}
                by_name.setdefault(frame.name, []).append(fields)
    (file_id,) = by_name["file_id"]
    (workout,) = by_name["workout"]

    def value(fields: dict[int, tuple[object, object]], num: int) -> object:
        return _none_if_empty(fields.get(num, (None, None))[0])

    def raw(fields: dict[int, tuple[object, object]], num: int) -> object:
        return fields.get(num, (None, None))[1]

    steps = tuple(
        DecodedStep(
            index=raw(s, 254),  # type: ignore[arg-type]
            name=value(s, 0),  # type: ignore[arg-type]
            duration_type=value(s, 1),  # type: ignore[arg-type]
            duration_value=raw(s, 2),  # type: ignore[arg-type]
            target_type=value(s, 3),  # type: ignore[arg-type]
            target_value=raw(s, 4),  # type: ignore[arg-type]
            low=raw(s, 5),  # type: ignore[arg-type]
            high=raw(s, 6),  # type: ignore[arg-type]
            intensity=value(s, 7),  # type: ignore[arg-type]
            notes=value(s, 8),  # type: ignore[arg-type]
        )
        for s in by_name.get("workout_step", [])
    )
    return DecodedFile(
        file_type=value(file_id, 0),  # type: ignore[arg-type]
        manufacturer=value(file_id, 1),  # type: ignore[arg-type]
        serial_number=raw(file_id, 3),  # type: ignore[arg-type]
        time_created=value(file_id, 4),  # type: ignore[arg-type]
        sport=value(workout, 4),  # type: ignore[arg-type]
        sub_sport=value(workout, 11),  # type: ignore[arg-type]
        name=value(workout, 8),  # type: ignore[arg-type]
        description=value(workout, 17),  # type: ignore[arg-type]
        num_valid_steps=raw(workout, 6),  # type: ignore[arg-type]
        steps=steps,
    )


def sdk_integrity(data: bytes) -> bool:
    """Garmin's own check of header, sizes, header CRC and file CRC."""
    return bool(Decoder(Stream.from_byte_array(bytearray(data))).check_integrity())


def with_garmin_sdk(data: bytes) -> DecodedFile:
    """Decode with Garmin's FIT SDK after its integrity check; any decode error fails."""
    assert sdk_integrity(data), "garmin_fit_sdk integrity check failed"
    decoder: Any = Decoder(Stream.from_byte_array(bytearray(data)))  # its stubs are too narrow
    messages, errors = decoder.read(enable_crc_check=True)
    assert errors == [], errors
    (file_id,) = messages["file_id_mesgs"]
    (workout,) = messages["workout_mesgs"]
    steps = tuple(
        DecodedStep(
            index=s["message_index"],
            name=_none_if_empty(s.get("wkt_step_name")),  # type: ignore[arg-type]
            duration_type=s["duration_type"],
            duration_value=s["duration_value"],
            target_type=s["target_type"],
            target_value=s.get("target_value"),
            low=s.get("custom_target_value_low"),
            high=s.get("custom_target_value_high"),
            intensity=s.get("intensity"),
            notes=_none_if_empty(s.get("notes")),  # type: ignore[arg-type]
        )
        for s in messages.get("workout_step_mesgs", [])
    )
    return DecodedFile(
        file_type=file_id["type"],
        manufacturer=file_id["manufacturer"],
        serial_number=file_id["serial_number"],
        time_created=file_id["time_created"],
        sport=workout["sport"],
        sub_sport=workout["sub_sport"],
        name=_none_if_empty(workout.get("wkt_name")),  # type: ignore[arg-type]
        description=_none_if_empty(workout.get("wkt_description")),  # type: ignore[arg-type]
        num_valid_steps=workout["num_valid_steps"],
        steps=steps,
    )


def decode_both(data: bytes) -> DecodedFile:
    """Both decoders must agree; returns what they read."""
    a, b = with_fitdecode(data), with_garmin_sdk(data)
    assert a == b, f"decoders disagree:\n{a}\n{b}"
    return a


INVALID_U32 = 0xFFFFFFFF


def rebuild(steps: tuple[DecodedStep, ...]) -> tuple[Item, ...]:
    """Decoded flat steps back into a Step/Repeat tree (the inverse of FIT's flattening)."""
    stack: list[tuple[int, Item]] = []  # (index of the first flat step the item covers, item)
    for s in steps:
        if s.duration_type == "repeat_until_steps_cmplt":
            first = s.duration_value
            inner = [item for start, item in stack if start >= first]
            assert inner, f"repeat at {s.index} points at nothing ({first})"
            assert any(start == first for start, _ in stack), "repeat must start at an item"
            stack = [(start, item) for start, item in stack if start < first]
            assert s.target_value is not None
            stack.append((first, Repeat(s.target_value, tuple(inner))))
            continue
        assert s.duration_type == "time", s
        target = None
        if s.target_type == "speed":
            assert s.target_value == 0, "custom band: speed zone 0"
            assert s.low is not None and s.high is not None
            target = SpeedBand(s.low / 1000, s.high / 1000)
        else:
            assert s.target_type == "open", s
            assert s.low in (None, INVALID_U32) and s.high in (None, INVALID_U32)
        assert s.intensity is not None
        step = Step(
            StepKind(s.intensity), s.duration_value / 1000, target, s.name or "", s.notes or ""
        )
        stack.append((s.index, step))
    return tuple(item for _, item in stack)
