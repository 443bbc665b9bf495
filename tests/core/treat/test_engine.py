"""The engine's rules, one test each (DESIGN §3, issue 11)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from backstride.core.treat import (
    Audience,
    ChangeRecord,
    Colour,
    History,
    Kind,
    PaceBand,
    PastRun,
    ReadinessResult,
    Status,
    prescribe,
)

from .helpers import (
    AMBER,
    GREEN,
    LEG,
    RED,
    TODAY,
    at_rung,
    history,
    ladder,
    passed,
    profile,
    protocol,
    running,
    session,
)


def rx_for(h: History, audience: Audience = Audience.RETURNING, **kw: object):
    return prescribe(protocol(), replace(profile(audience), **kw), h, TODAY)  # type: ignore[arg-type]


def next_rung(rx) -> int:
    lad = ladder()
    return lad.index[rx.sessions[0].rung_id]


def test_red_flag_stop_prescribes_nothing() -> None:
    rx = rx_for(replace(at_rung(3), red_flag_stop=True))
    assert rx.status is Status.STOPPED and not rx.sessions
    assert rx.reasons[0].rule_id == "red-flag-stop" and rx.reasons[0].source


def test_no_run_before_phase_3() -> None:
    rx = rx_for(at_rung(3), phase=2)
    assert rx.status is Status.NOT_YET and not rx.runs
    assert rx.reasons[0].rule_id == running().gate.id


def test_no_run_before_the_readiness_tests_are_passed() -> None:
    rx = rx_for(history(session(TODAY - timedelta(days=2), 0), ready=False))
    assert rx.status is Status.READINESS
    assert not rx.runs and rx.sessions
    assert all(s.kind is Kind.CROSS_TRAINER for s in rx.sessions)
    assert set(rx.readiness_pending) == {t.id for t in running().readiness}


@pytest.mark.parametrize(
    ("value_offset", "rose", "passes"),
    [(0, False, True), (-1, False, False), (0, True, False), (0, None, False)],
)
def test_readiness_test_pass_rules(value_offset: float, rose: bool | None, passes: bool) -> None:
    first = running().readiness[0]
    mine = ReadinessResult(first.id, TODAY - timedelta(days=5), first.at_least + value_offset, rose)
    results = (*(r for r in passed() if r.test_id != first.id), mine)
    h = History(sessions=(session(TODAY - timedelta(days=2), 0),), readiness=results)
    rx = rx_for(h)
    assert (rx.status is Status.LADDER) is passes
    assert (first.id in rx.readiness_pending) is not passes


def test_green_response_moves_to_the_next_rung() -> None:
    rx = rx_for(at_rung(3, GREEN))
    assert next_rung(rx) == 4
    assert rx.change is not None and rx.change.to_rung == ladder().rungs[4].id
    assert rx.sessions[0].is_test and rx.last_colour is Colour.GREEN


def test_amber_response_repeats_the_rung() -> None:
    rx = rx_for(at_rung(3, AMBER))
    assert next_rung(rx) == 3 and rx.change is None
    assert rx.last_colour is Colour.AMBER
    why = rx.reasons[1].text
    assert why.startswith("Repeat this step") and "amber" in why and "5/10" in why


def test_red_response_steps_back_two_rungs() -> None:
    rx = rx_for(at_rung(5, RED))
    assert next_rung(rx) == 3 and rx.change is None
    assert rx.last_colour is Colour.RED
    assert any(r.rule_id == "treat-colours" and "red" in r.text for r in rx.reasons)


def test_red_near_the_start_goes_to_cross_trainer_only() -> None:
    rx = rx_for(at_rung(1, RED))
    assert next_rung(rx) == 0 and not rx.runs


def test_new_leg_symptoms_go_back_to_cross_trainer_only() -> None:
    rx = rx_for(at_rung(6, LEG))
    assert next_rung(rx) == 0 and not rx.runs


def test_repeated_reds_suggest_a_clinician() -> None:
    h = at_rung(5, RED, days_ago=2)
    h = replace(
        h, sessions=(*h.sessions[:-1], replace(h.sessions[-2], response=RED), h.sessions[-1])
    )
    rx = rx_for(h)
    assert rx.see_clinician
    assert any("see your physiotherapist" in r.text for r in rx.reasons)


def test_more_reds_go_back_to_phase_2_work() -> None:
    limit = running().treat.adjust.phase_back_after_reds
    base = at_rung(1, GREEN, days_ago=2 * limit + 2)
    reds = tuple(session(TODAY - timedelta(days=2 * i), 0, RED) for i in range(limit, 0, -1))
    rx = rx_for(replace(base, sessions=(*base.sessions, *reds)))
    assert rx.status is Status.BACK_TO_PHASE and not rx.sessions
    assert rx.back_to_phase == running().treat.adjust.phase_back_to and rx.see_clinician


@pytest.mark.parametrize(
    ("days_off", "expected_rung", "rule"),
    [
        (7, 4, ""),  # a normal week's rhythm: no step down, next rung
        (8, 3, "treat-gap-missed-week"),
        (14, 2, "treat-gap-14-days"),
        (28, 0, "treat-gap-28-days"),
    ],
)
def test_a_gap_of_missed_sessions_steps_down(days_off: int, expected_rung: int, rule: str) -> None:
    rx = rx_for(at_rung(4, GREEN, days_ago=days_off))
    assert rx.rung_index == expected_rung
    assert any(r.rule_id == rule for r in rx.reasons) is bool(rule)


def test_after_four_weeks_off_the_readiness_tests_are_redone() -> None:
    rx = rx_for(at_rung(4, GREEN, days_ago=30))
    assert rx.status is Status.READINESS and not rx.runs


def test_no_new_rung_while_another_change_is_judged() -> None:
    h = replace(
        at_rung(3, GREEN),
        other_changes=(ChangeRecord(TODAY - timedelta(days=1), "side plank level 3"),),
    )
    rx = rx_for(h)
    first = rx.sessions[0]
    assert first.rung_id == ladder().rungs[3].id and not first.is_test
    assert rx.change is None or rx.change.on >= TODAY + timedelta(days=1)
    assert any(r.rule_id == "treat-one-change" and "side plank" in r.text for r in rx.reasons)


def test_the_next_change_waits_the_minimum_spacing() -> None:
    rx = rx_for(at_rung(3, GREEN, days_ago=1))
    assert rx.change is not None
    assert rx.change.on >= TODAY - timedelta(days=1) + timedelta(
        hours=running().treat.spacing.min_hours
    )


def test_only_one_change_in_a_plan() -> None:
    rx = rx_for(at_rung(2, GREEN))
    assert sum(s.is_test for s in rx.sessions) == 1
    assert len({s.rung_id for s in rx.sessions}) == 1


def test_weekly_km_stays_within_the_allowed_increase_and_the_ceiling() -> None:
    rx = rx_for(at_rung(10, GREEN))
    lad = ladder()
    for week in rx.weeks:
        assert week.total_km <= week.allowed_km + 1e-9 <= lad.weekly_ceiling_km + 1e-9
        assert week.ceiling_km == lad.weekly_ceiling_km


def test_longest_run_guard_limits_every_run() -> None:
    h = at_rung(9, GREEN)
    longest = max(
        s.distance_km for s in h.sessions if s.kind.is_run and s.on >= TODAY - timedelta(days=30)
    )
    rx = rx_for(h)
    assert rx.longest_run_limit_km == pytest.approx(longest * 1.1)
    assert rx.runs and all(s.distance_km <= rx.longest_run_limit_km for s in rx.runs)
    assert any(r.rule_id == "run-longest-run-guard" for r in rx.reasons)


def test_a_long_first_run_is_cut_to_the_guard() -> None:
    # after 28+ days the window is empty: the first walk-run rung's distance is the allowance
    lad = ladder()
    entry = prescribe(protocol(), profile(), at_rung(1, GREEN), TODAY).longest_run_limit_km
    assert entry is not None
    rx = rx_for(at_rung(1, GREEN))
    assert all(s.distance_km <= entry + 1e-9 for s in rx.runs)
    assert lad.rungs[lad.first_run].is_run


def test_no_long_slow_runs() -> None:
    limit = running().no_long_slow.max_session_min
    for rung in range(ladder().top + 1):
        rx = rx_for(at_rung(rung, GREEN))
        assert all(s.duration_min <= limit for s in rx.runs)
        assert all(s.pace is not None and s.pace.low_kmh >= running().pace.min_kmh for s in rx.runs)


def test_the_cross_trainer_is_always_a_valid_substitute() -> None:
    rx = rx_for(at_rung(4, GREEN))
    assert all(s.substitute.startswith("or the cross-trainer") for s in rx.runs)
    assert any(r.rule_id == "run-cross-trainer-substitute" for r in rx.reasons)
    # doing the cross-trainer instead of a run is not a missed session and is no test
    h = at_rung(4, GREEN)
    swapped = replace(h.sessions[-1], kind=Kind.CROSS_TRAINER, distance_km=0.0)
    rx2 = rx_for(replace(h, sessions=(*h.sessions[:-1], swapped)))
    assert not any(r.rule_id.startswith("treat-gap") for r in rx2.reasons)
    # the change was not tried that day: the run rung is still the next one to test
    assert rx2.rung_index == 3 and next_rung(rx2) == 4 and rx2.sessions[0].is_test


def test_every_run_has_post_run_care() -> None:
    rx = rx_for(at_rung(4, GREEN))
    care = running().post_run
    for s in rx.runs:
        assert s.post_run is not None and s.cool_down_min == care.cool_down_walk_min
        assert "ice" in s.post_run.routine and "eat" in s.post_run.alternative


def test_beginner_ladder_starts_lower_and_never_shows_the_ceiling() -> None:
    beginner, returning = ladder(Audience.BEGINNER), ladder()
    assert beginner.weekly_start_km_max < returning.weekly_start_km_max
    first_b = beginner.rungs[beginner.first_run]
    first_r = returning.rungs[returning.first_run]
    assert first_b.run_s < first_r.run_s
    assert 20 * 60 <= beginner.rungs[-1].run_s <= 30 * 60
    h = History(
        sessions=(session(TODAY - timedelta(days=2), 0, GREEN, Audience.BEGINNER),),
        readiness=passed(),
    )
    rx = rx_for(h, Audience.BEGINNER)
    assert rx.runs and all(w.ceiling_km is None for w in rx.weeks)
    assert not any(f"{returning.weekly_ceiling_km:g} km" in r.text for r in rx.reasons)


def test_pace_is_a_band_around_the_practice_default() -> None:
    rx = rx_for(at_rung(3))
    pace = running().pace
    assert rx.pace is not None
    assert rx.pace.low_kmh < pace.default_kmh < rx.pace.high_kmh
    assert rx.pace.cue == pace.talk_test


def test_pace_is_personalised_from_recent_runs() -> None:
    runs = tuple(PastRun(TODAY - timedelta(days=20 + i), 8.0, 40.0) for i in range(3))  # 12 km/h
    rx = rx_for(at_rung(3), recent_runs=runs)
    assert rx.pace is not None and rx.pace.low_kmh < 12 < rx.pace.high_kmh
    assert any("your own recent runs" in r.text for r in rx.reasons)


def test_a_clinicians_pace_band_wins() -> None:
    rx = rx_for(at_rung(3), pace=PaceBand(8.0, 9.0))
    assert rx.pace is not None and (rx.pace.low_kmh, rx.pace.high_kmh) == (8.0, 9.0)


def test_every_reason_names_its_rule_and_source() -> None:
    rx = rx_for(at_rung(3, AMBER))
    assert rx.reasons
    for reason in rx.reasons:
        assert reason.rule_id and reason.text and reason.source


def test_same_history_in_any_order_gives_the_same_plan() -> None:
    h = at_rung(5, AMBER)
    shuffled = replace(h, sessions=tuple(reversed(h.sessions)))
    assert rx_for(h) == rx_for(shuffled)
