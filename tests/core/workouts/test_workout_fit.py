"""FIT workout files: every file we write is read back by fitdecode and Garmin's FIT SDK."""

from __future__ import annotations

import struct
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backstride.core.workouts.fit import (
    MAX_STEPS,
    MAX_UINT32,
    encode_workout,
    suggested_filename,
)
from backstride.core.workouts.model import Repeat, SpeedBand, Sport, Step, StepKind, Workout

from .fitread import DecodedStep, decode_both, rebuild, sdk_integrity, with_fitdecode

CREATED = datetime(2025, 3, 30, 6, 15, tzinfo=UTC)
RUN_BAND = SpeedBand.from_kmh(9.5, 11)  # stored as 2639–3056 mm/s
STEADY = SpeedBand.from_kmh(10, 11.5)  # stored as 2778–3194 mm/s
U32 = 0xFFFFFFFF

WALK_RUN = Workout(
    "Walk-run rung 1",
    Sport.RUNNING,
    (
        Step(StepKind.WARMUP, 300, name="Warm-up walk"),
        Repeat(
            8,
            (
                Step(StepKind.ACTIVE, 60, RUN_BAND, name="Run", notes="Brisk, good form"),
                Step(StepKind.RECOVERY, 90, name="Walk"),
            ),
        ),
        Step(StepKind.COOLDOWN, 300, name="Cool-down walk"),
    ),
    notes="Then towel and ice",
)
CONTINUOUS = Workout(
    "Run 20 min",
    Sport.RUNNING,
    (
        Step(StepKind.WARMUP, 300, name="Walk"),
        Step(StepKind.ACTIVE, 1200, STEADY, name="Run 20 min"),
        Step(StepKind.COOLDOWN, 300, name="Walk"),
    ),
)
CROSS_TRAINER = Workout(
    "Crosstrainer • 25 min",  # the 3-byte bullet straddles the 15-byte limit
    Sport.CROSS_TRAINER,
    (
        Step(StepKind.WARMUP, 180),
        Step(StepKind.ACTIVE, 1500, name="Steady"),
        Step(StepKind.REST, 60, name="Stop, stretch"),
        Step(StepKind.COOLDOWN, 120),
    ),
)
LONG_NAMES = Workout(
    "Walk–run rung 3 — 6 × (2 min run, 1 min walk)",
    Sport.WALKING,
    (
        Step(
            StepKind.ACTIVE,
            45.5,
            name="Ünterwegs-Spaziergang mit Hund",
            notes="Aufwärmen: zügig gehen, aufrecht, locker in den Schultern – das Tempo hältst du",
        ),
    ),
)


@dataclass(frozen=True)
class Case:
    workout: Workout
    sport: str
    sub_sport: str
    name: str
    description: str | None
    steps: tuple[DecodedStep, ...]


def time_step(
    i: int,
    name: str | None,
    ms: int,
    intensity: str,
    band: tuple[int, int] | None = None,
    notes: str | None = None,
) -> DecodedStep:
    return DecodedStep(
        index=i,
        name=name,
        duration_type="time",
        duration_value=ms,
        target_type="speed" if band else "open",
        target_value=0,
        low=band[0] if band else None,
        high=band[1] if band else None,
        intensity=intensity,
        notes=notes,
    )


def repeat_step(i: int, first: int, times: int) -> DecodedStep:
    return DecodedStep(
        index=i,
        name=None,
        duration_type="repeat_until_steps_cmplt",
        duration_value=first,
        target_type="open",
        target_value=times,
        low=None,
        high=None,
        intensity=None,
        notes=None,
    )


CASES = {
    "walk_run_rung": Case(
        WALK_RUN,
        "running",
        "generic",
        "Walk-run rung 1",
        "Then towel and ice",
        (
            time_step(0, "Warm-up walk", 300_000, "warmup"),
            time_step(1, "Run", 60_000, "active", (2639, 3056), "Brisk, good form"),
            time_step(2, "Walk", 90_000, "recovery"),
            repeat_step(3, first=1, times=8),
            time_step(4, "Cool-down walk", 300_000, "cooldown"),
        ),
    ),
    "continuous_20_min_run": Case(
        CONTINUOUS,
        "running",
        "generic",
        "Run 20 min",
        None,
        (
            time_step(0, "Walk", 300_000, "warmup"),
            time_step(1, "Run 20 min", 1_200_000, "active", (2778, 3194)),
            time_step(2, "Walk", 300_000, "cooldown"),
        ),
    ),
    "cross_trainer": Case(
        CROSS_TRAINER,
        "fitness_equipment",
        "elliptical",
        "Crosstrainer",
        None,
        (
            time_step(0, None, 180_000, "warmup"),
            time_step(1, "Steady", 1_500_000, "active"),
            time_step(2, "Stop, stretch", 60_000, "rest"),
            time_step(3, None, 120_000, "cooldown"),
        ),
    ),
    "long_names_cut_to_field_size": Case(
        LONG_NAMES,
        "walking",
        "generic",
        "Walk–run rung",  # 15 of 16 bytes: "Walk–run rung 3" would need 17
        None,
        (
            time_step(
                0,
                "Ünterwegs-Spaz",  # 15 bytes (Ü is two)
                45_500,
                "active",
                notes="Aufwärmen: zügig gehen, aufrecht, locker in den",  # 49 bytes
            ),
        ),
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_every_step_field_reads_back_in_both_decoders(case: Case) -> None:
    data = encode_workout(case.workout, time_created=CREATED)
    decoded = decode_both(data)
    assert decoded.file_type == "workout"
    assert decoded.manufacturer == "development"
    assert decoded.time_created == CREATED
    assert decoded.sport == case.sport
    assert decoded.sub_sport == case.sub_sport
    assert decoded.name == case.name
    assert decoded.description == case.description
    assert decoded.num_valid_steps == len(case.steps)
    assert decoded.steps == case.steps


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_header_sizes_and_crcs_are_right(case: Case) -> None:
    data = encode_workout(case.workout, time_created=CREATED)
    size, protocol, _profile, data_size, magic = struct.unpack_from("<BBHI4s", data)
    assert (size, magic) == (14, b".FIT")
    assert protocol >> 4 in (1, 2)
    assert data_size == len(data) - 14 - 2
    assert sdk_integrity(data)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_strings_are_valid_utf8_within_their_field(case: Case) -> None:
    decoded = decode_both(encode_workout(case.workout, time_created=CREATED))
    limits = [(decoded.name, 15), (decoded.description, 49)]
    limits += [(s.name, 15) for s in decoded.steps] + [(s.notes, 49) for s in decoded.steps]
    for text, limit in limits:
        if text:
            assert "\ufffd" not in text
            assert len(text.encode()) <= limit, text


def test_walk_run_rung_rebuilds_to_the_same_plan_with_stored_precision() -> None:
    rebuilt = rebuild(decode_both(encode_workout(WALK_RUN, time_created=CREATED)).steps)
    run = Step(StepKind.ACTIVE, 60, SpeedBand(2.639, 3.056), "Run", "Brisk, good form")
    assert rebuilt == (
        Step(StepKind.WARMUP, 300, None, "Warm-up walk"),
        Repeat(8, (run, Step(StepKind.RECOVERY, 90, None, "Walk"))),
        Step(StepKind.COOLDOWN, 300, None, "Cool-down walk"),
    )
    assert abs(RUN_BAND.kmh[0] - 9.5) < 1e-9 and abs(RUN_BAND.kmh[1] - 11) < 1e-9


def test_nested_repeats_point_at_their_first_step() -> None:
    inner = Repeat(3, (Step(StepKind.ACTIVE, 30), Step(StepKind.RECOVERY, 30)))
    workout = Workout(
        "Nested",
        Sport.RUNNING,
        (Step(StepKind.WARMUP, 60), Repeat(2, (inner, Step(StepKind.REST, 120)))),
    )
    steps = decode_both(encode_workout(workout, time_created=CREATED)).steps
    assert [(s.duration_type, s.duration_value, s.target_value) for s in steps] == [
        ("time", 60_000, 0),
        ("time", 30_000, 0),
        ("time", 30_000, 0),
        ("repeat_until_steps_cmplt", 1, 3),
        ("time", 120_000, 0),
        ("repeat_until_steps_cmplt", 1, 2),
    ]
    assert rebuild(steps) == workout.steps


def test_same_workout_gives_identical_bytes() -> None:
    first = encode_workout(WALK_RUN, time_created=CREATED)
    assert first == encode_workout(WALK_RUN, time_created=CREATED)


def test_different_workouts_made_together_get_different_serial_numbers() -> None:
    # Watches and Garmin Connect identify a file by (serial number, time created).
    serials = [
        with_fitdecode(encode_workout(c.workout, time_created=CREATED)).serial_number
        for c in CASES.values()
    ]
    assert len(set(serials)) == len(serials)
    assert all(serials)


def test_time_created_keeps_its_instant_from_any_zone() -> None:
    local = CREATED.astimezone(timezone(timedelta(hours=-5)))
    assert with_fitdecode(encode_workout(CONTINUOUS, time_created=local)).time_created == CREATED


@given(position=st.integers(min_value=0), flip=st.integers(min_value=1, max_value=255))
@settings(max_examples=60, deadline=None)
def test_any_corrupted_byte_fails_the_integrity_check(position: int, flip: int) -> None:
    data = bytearray(encode_workout(WALK_RUN, time_created=CREATED))
    data[position % len(data)] ^= flip
    assert not sdk_integrity(bytes(data))


def _steps(n: int) -> tuple[Step, ...]:
    return tuple(Step(StepKind.ACTIVE, 1) for _ in range(n))


ENCODER_ERRORS = {
    "step shorter than a millisecond": (
        Workout("x", Sport.RUNNING, (Step(StepKind.ACTIVE, 0.0004),)),
        "at least 1 ms",
    ),
    "step longer than a uint32 of ms": (
        Workout("x", Sport.RUNNING, (Step(StepKind.ACTIVE, MAX_UINT32 / 1000 + 1),)),
        "longer than a FIT step",
    ),
    "more repeats than a uint32": (
        Workout("x", Sport.RUNNING, (Repeat(MAX_UINT32 + 1, (Step(StepKind.ACTIVE, 60),)),)),
        "more than FIT allows",
    ),
    "more steps than message_index holds": (
        Workout("x", Sport.RUNNING, _steps(MAX_STEPS + 1)),
        f"more than {MAX_STEPS} steps",
    ),
    "repeat markers count as steps": (
        Workout(
            "x", Sport.RUNNING, (*_steps(MAX_STEPS - 1), Repeat(2, (Step(StepKind.ACTIVE, 1),)))
        ),
        f"more than {MAX_STEPS} steps",
    ),
    "speed beyond a uint32 of mm/s": (
        Workout("x", Sport.RUNNING, (Step(StepKind.ACTIVE, 60, SpeedBand(1, 5e6)),)),
        "maximum speed",
    ),
}


@pytest.mark.parametrize(("workout", "message"), ENCODER_ERRORS.values(), ids=ENCODER_ERRORS)
def test_what_fit_cannot_hold_is_a_value_error(workout: Workout, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        encode_workout(workout, time_created=CREATED)


def test_largest_step_count_and_repeat_still_encode() -> None:
    big = Workout(
        "x",
        Sport.RUNNING,
        (*_steps(MAX_STEPS - 2), Repeat(MAX_UINT32, (Step(StepKind.ACTIVE, 1),))),
    )
    decoded = with_fitdecode(encode_workout(big, time_created=CREATED))
    assert decoded.num_valid_steps == MAX_STEPS
    assert decoded.steps[-1].target_value == MAX_UINT32


@pytest.mark.parametrize(
    "created",
    [datetime(2025, 1, 1), datetime(1989, 12, 30, tzinfo=UTC), date(2025, 1, 1)],
    ids=["naive", "before FIT epoch", "a date"],
)
def test_time_created_must_be_an_aware_datetime_fit_can_date(created: datetime) -> None:
    with pytest.raises(ValueError, match="time_created"):
        encode_workout(CONTINUOUS, time_created=created)


def test_only_workouts_are_encoded() -> None:
    with pytest.raises(ValueError, match="expected a Workout"):
        encode_workout(Step(StepKind.ACTIVE, 60), time_created=CREATED)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "on", "expected"),
    [
        ("Walk–run rung 3", date(2025, 3, 4), "2025-03-04-walk-run-rung-3.fit"),
        ("Überlauf 20′", None, "uberlauf-20.fit"),
        ("🏃‍♀️", None, "workout.fit"),
        ("../../etc/passwd", None, "etc-passwd.fit"),
    ],
)
def test_suggested_filename_is_safe(name: str, on: date | None, expected: str) -> None:
    assert (
        suggested_filename(Workout(name, Sport.RUNNING, (Step(StepKind.ACTIVE, 60),)), on)
        == expected
    )


# ---- property: any valid workout encodes and decodes back to the same steps ----------------


def _fits(limit: int) -> st.SearchStrategy[str]:
    chars = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Co", "Cn"))
    return st.text(chars, max_size=limit).filter(
        lambda s: (
            len(s.encode()) <= limit and s == s.strip() and unicodedata.normalize("NFC", s) == s
        )
    )


bands = st.one_of(
    st.none(),
    st.tuples(st.integers(1, 12_000), st.integers(0, 3_000)).map(
        lambda t: SpeedBand(t[0] / 1000, (t[0] + t[1]) / 1000)
    ),
)
steps = st.builds(
    Step,
    kind=st.sampled_from(StepKind),
    duration_s=st.integers(1, 36_000_000).map(lambda ms: ms / 1000),
    target=bands,
    name=_fits(15),
    notes=_fits(49),
)
items = st.recursive(
    steps,
    lambda inner: st.builds(
        Repeat,
        times=st.one_of(st.integers(1, 100), st.just(MAX_UINT32)),
        steps=st.lists(inner, min_size=1, max_size=4).map(tuple),
    ),
    max_leaves=12,
)
workouts = st.builds(
    Workout,
    name=_fits(15).filter(str.strip),
    sport=st.sampled_from(Sport),
    steps=st.lists(items, min_size=1, max_size=6).map(tuple),
    notes=_fits(49),
)


@given(workout=workouts)
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_valid_workout_decodes_back_to_the_same_steps(workout: Workout) -> None:
    decoded = decode_both(encode_workout(workout, time_created=CREATED))
    assert decoded.name == workout.name
    assert (decoded.description or "") == workout.notes
    assert [s.index for s in decoded.steps] == list(range(decoded.num_valid_steps))
    assert rebuild(decoded.steps) == workout.steps
