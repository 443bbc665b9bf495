"""Builders for the pure rehab core tests."""

from __future__ import annotations

from datetime import date, timedelta

from backstride.core.checkins import CheckIn
from backstride.core.protocol import Protocol, default_protocol

TODAY = date(2025, 3, 14)


def protocol() -> Protocol:
    return default_protocol()


def all_no(p: Protocol, screen: str = "initial") -> dict[str, str]:
    return {f.id: "no" for f in p.red_flags_for(screen)}


def week(
    pain: int = 1,
    morning: int | None = 1,
    leg: str = "none",
    stiffness: int | None = 2,
    effort: int | None = 4,
    days: int = 7,
    today: date = TODAY,
) -> list[CheckIn]:
    """``days`` daily check-ins ending ``today``, all alike."""
    return [
        CheckIn(
            day=today - timedelta(days=i),
            pain_now=pain,
            pain_next_morning=morning,
            leg_symptoms=leg,
            stiffness=stiffness,
            effort=effort,
        )
        for i in range(days)
    ]


PHASE1_EXIT_TESTS = {"brisk_walk_min": 20}
PHASE2_EXIT_TESTS = {
    "brisk_walk_min": 30,
    "plank_hold_s": 60,
    "side_plank_left_s": 45,
    "side_plank_right_s": 45,
    "sl_bridge_left_reps": 15,
    "sl_bridge_right_reps": 15,
}
