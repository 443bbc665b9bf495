"""Builders for the T.R.E.A.T. engine tests."""

from __future__ import annotations

from datetime import date, timedelta

from backstride.core.protocol import Protocol, default_protocol
from backstride.core.running_protocol.schema import Ladder, RunningProtocol
from backstride.core.treat import (
    Audience,
    History,
    Kind,
    Profile,
    ReadinessResult,
    Response,
    SessionRecord,
)

TODAY = date(2025, 6, 4)  # a Wednesday
START = TODAY - timedelta(days=150)

GREEN = Response(1, 1, 1, 0, None, False, False, 1)
AMBER = Response(5, 2, 2, 0, None, False, False, 2)
RED = Response(7, 5, 5, 3, 2, False, False, 4)
LEG = Response(2, 2, 2, 1, None, True, False, 2)


def protocol() -> Protocol:
    return default_protocol()


def running() -> RunningProtocol:
    r = protocol().running
    assert r is not None
    return r


def ladder(audience: Audience = Audience.RETURNING) -> Ladder:
    return running().ladder_for(audience)


def profile(audience: Audience = Audience.RETURNING, phase: int = 3) -> Profile:
    return Profile(phase=phase, phase_since=START, audience=audience)


def passed(on: date = START) -> tuple[ReadinessResult, ...]:
    return tuple(ReadinessResult(t.id, on, t.at_least, False) for t in running().readiness)


def session(
    on: date, rung: int, response: Response | None = GREEN, audience: Audience = Audience.RETURNING
) -> SessionRecord:
    lad = ladder(audience)
    r = lad.rungs[rung]
    kind = Kind(r.kind)
    km = 0.0
    if r.is_run:
        km = r.repeats * (r.run_s * 10 + r.walk_s * 5.5) / 3600
    return SessionRecord(on, kind, r.id, round(km, 3), r.block_s / 60, response)


def history(*sessions: SessionRecord, ready: bool = True) -> History:
    return History(sessions=tuple(sessions), readiness=passed() if ready else ())


def at_rung(rung: int, last: Response | None = GREEN, days_ago: int = 2) -> History:
    """A history that put the athlete on ``rung`` and then one session there answered ``last``.

    Greens up the ladder every other day, then the last session at ``rung``.
    """
    lad = ladder()
    sessions = []
    day = TODAY - timedelta(days=days_ago)
    # walk backwards: the last session at ``rung`` answered ``last``; before it, the greens
    # (as many as each rung needs) that brought the athlete there
    sessions.append(session(day, rung, last))
    for r in range(rung - 1, -1, -1):
        for _ in range(lad.rungs[r].greens_to_progress):
            day -= timedelta(days=2)
            sessions.append(session(day, r, GREEN))
    return history(*reversed(sessions))
