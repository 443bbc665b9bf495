"""The engine's speed-ups change speed, never results: memos and the fast constructor."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings

from backstride.core.running_protocol.rules import Ladder
from backstride.core.treat import (
    Audience,
    History,
    Intervals,
    Kind,
    PaceBand,
    PlannedSession,
    Prescription,
    SessionRecord,
    Status,
    prescribe,
)
from backstride.core.treat.compiled import build, defaults_of
from backstride.core.treat.replay import phase_sessions

from .helpers import GREEN, TODAY, passed, profile, protocol, session
from .test_properties import histories

D = date(2025, 6, 2)
PACE = PaceBand(9.3, 10.8, "talk")


@pytest.mark.parametrize(
    ("cls", "values"),
    [
        (PlannedSession, {"on": D, "kind": Kind.CROSS_TRAINER, "rung_id": "ct", "label": "CT"}),
        (
            PlannedSession,
            {
                "on": D,
                "kind": Kind.WALK_RUN,
                "rung_id": "wr",
                "label": "walk-run",
                "intervals": Intervals(60, 90, 8),
                "pace": PACE,
                "distance_km": 2.1,
                "is_test": True,
            },
        ),
        (Prescription, {"status": Status.LADDER, "today": D, "sessions": (), "reasons": ()}),
        (
            Prescription,
            {"status": Status.READINESS, "today": D, "sessions": (), "reasons": (), "pace": PACE},
        ),
    ],
)
def test_build_gives_what_the_constructor_gives(cls: type, values: dict[str, object]) -> None:
    fast: object = build(cls, defaults_of(cls), values)
    usual = cls(**values)
    assert type(fast) is cls
    assert fast == usual and hash(fast) == hash(usual) and repr(fast) == repr(usual)
    with pytest.raises(AttributeError):  # still frozen
        setattr(fast, "today", D)  # noqa: B010


@pytest.mark.parametrize("cls", [SessionRecord, Ladder])
def test_build_refuses_classes_that_check_or_derive_their_values(cls: type) -> None:
    with pytest.raises(TypeError):
        defaults_of(cls)


@pytest.mark.parametrize(
    ("days", "sorted_already"),
    [((1, 3, 5), True), ((5, 3, 1), False), ((1, 1, 2), False), ((), True)],
)
def test_phase_sessions_are_in_order_whatever_the_input_order(
    days: tuple[int, ...], sorted_already: bool
) -> None:
    start = TODAY - timedelta(days=10)
    sessions = tuple(session(start + timedelta(days=d), 1, GREEN) for d in days)
    got = phase_sessions(sessions, start, TODAY)
    key = [(s.on, s.kind, s.rung_id, s.distance_km, s.duration_min) for s in got]
    assert key == sorted(key) and sorted(got, key=id) == sorted(sessions, key=id)
    if sessions:  # in order already: the same tuple back, nothing sorted
        assert (got is sessions) is sorted_already


@settings(max_examples=60, deadline=None)
@given(histories())
def test_a_history_grown_session_by_session_gives_what_a_fresh_engine_gives(
    case: tuple[Audience, History],
) -> None:
    audience, history = case
    prof = profile(audience)
    warm = protocol()  # its memos hold the walks of every shorter history
    for n in range(len(history.sessions) + 1):
        part = replace(history, sessions=history.sessions[:n])
        day = part.sessions[-1].on + timedelta(days=1) if n else TODAY
        fresh = copy.copy(warm)  # another protocol object: compiled afresh, empty memos
        assert prescribe(warm, prof, part, day) == prescribe(fresh, prof, part, day)


def test_memos_do_not_leak_between_athletes_with_the_same_last_session() -> None:
    prof = profile()
    last = session(TODAY - timedelta(days=1), 1, GREEN)
    a = History((session(TODAY - timedelta(days=3), 1, GREEN), last), passed())
    b = History((session(TODAY - timedelta(days=20), 1, GREEN), last), passed())
    first_a = prescribe(protocol(), prof, a, TODAY)
    assert prescribe(protocol(), prof, b, TODAY) == prescribe(copy.copy(protocol()), prof, b, TODAY)
    assert prescribe(protocol(), prof, a, TODAY) == first_a
