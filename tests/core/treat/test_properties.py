"""Invariants of the engine for any history (hypothesis)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from backstride.core.treat import (
    Audience,
    Colour,
    History,
    Kind,
    Response,
    SessionRecord,
    Status,
    prescribe,
)

from .helpers import GREEN, RED, START, TODAY, ladder, passed, profile, protocol, session

pain = st.one_of(st.none(), st.integers(0, 10))
responses = st.one_of(
    st.none(),
    st.builds(
        Response,
        pain_during=pain,
        pain_after=pain,
        pain_evening=pain,
        pain_next_morning=pain,
        pain_48h=pain,
        leg_new=st.one_of(st.none(), st.booleans()),
        leg_spreading=st.one_of(st.none(), st.booleans()),
        stiffness=pain,
    ),
)


@st.composite
def histories(draw: st.DrawFn) -> tuple[Audience, History]:
    audience = draw(st.sampled_from(list(Audience)))
    lad = ladder(audience)
    n = draw(st.integers(0, 25))
    day = START + timedelta(days=draw(st.integers(0, 60)))
    sessions = []
    for _ in range(n):
        day += timedelta(days=draw(st.integers(1, 16)))
        if day > TODAY:
            break
        rung = lad.rungs[draw(st.integers(0, lad.top))]
        kind = draw(st.sampled_from(list(Kind)[:3]))
        km = draw(st.floats(0, 12, allow_nan=False)) if kind.is_run else 0.0
        sessions.append(SessionRecord(day, kind, rung.id, km, rung.block_s / 60, draw(responses)))
    ready = draw(st.booleans())
    return audience, History(sessions=tuple(sessions), readiness=passed() if ready else ())


@settings(max_examples=150, deadline=None)
@given(histories())
def test_weekly_km_never_above_the_ceiling_nor_the_allowed_increase(
    case: tuple[Audience, History],
) -> None:
    audience, history = case
    rx = prescribe(protocol(), profile(audience), history, TODAY)
    lad = ladder(audience)
    for week in rx.weeks:
        if week.planned_km:
            assert week.total_km <= week.allowed_km + 1e-9
            assert week.total_km <= lad.weekly_ceiling_km + 1e-9
    assert all(s.distance_km <= (rx.longest_run_limit_km or 0) + 1e-9 for s in rx.runs)
    if rx.status is not Status.LADDER:
        assert not rx.runs


@settings(max_examples=150, deadline=None)
@given(histories())
def test_every_prescription_has_a_reason_and_one_change_at_most(
    case: tuple[Audience, History],
) -> None:
    audience, history = case
    rx = prescribe(protocol(), profile(audience), history, TODAY)
    assert rx.reasons and all(r.rule_id and r.source for r in rx.reasons)
    assert sum(s.is_test for s in rx.sessions) <= 1
    tests = [i for i, s in enumerate(rx.sessions) if s.is_test]
    if tests and rx.change is not None:  # every session after the test stays on the new rung
        assert all(
            s.rung_id == rx.change.to_rung for s in rx.sessions[tests[0] + 1 :] if s.kind.is_run
        )
    run_rungs = {s.rung_id for s in rx.sessions if s.kind.is_run}
    assert len(run_rungs) <= 2


@settings(max_examples=100, deadline=None)
@given(histories(), st.randoms(use_true_random=False))
def test_identical_histories_give_identical_plans(case: tuple[Audience, History], rnd) -> None:
    audience, history = case
    shuffled = list(history.sessions)
    rnd.shuffle(shuffled)
    a = prescribe(protocol(), profile(audience), history, TODAY)
    b = prescribe(protocol(), profile(audience), replace(history, sessions=tuple(shuffled)), TODAY)
    assert a == b


@settings(max_examples=100, deadline=None)
@given(histories())
def test_one_red_never_leads_to_progression(case: tuple[Audience, History]) -> None:
    audience, history = case
    history = replace(
        history, sessions=tuple(s for s in history.sessions if s.on < TODAY - timedelta(days=2))
    )
    lad = ladder(audience)
    prof = profile(audience)
    before = prescribe(protocol(), prof, history, TODAY - timedelta(days=2))
    rung = lad.rungs[before.rung_index]
    red = SessionRecord(TODAY - timedelta(days=1), Kind(rung.kind), rung.id, 0.5, 10, RED)
    after = prescribe(protocol(), prof, replace(history, sessions=(*history.sessions, red)), TODAY)
    assert after.last_colour is Colour.RED
    assert after.rung_index <= before.rung_index
    assert after.change is None
    assert all(lad.index[s.rung_id] <= before.rung_index for s in after.sessions)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(list(Audience)), st.data())
def test_a_run_of_greens_from_any_rung_reaches_continuous_running(
    audience: Audience, data: st.DataObject
) -> None:
    lad = ladder(audience)
    start = data.draw(st.integers(0, lad.top))
    prof = replace(profile(audience), phase_since=date(2025, 1, 1))
    day = date(2025, 1, 10)
    sessions = [session(day, start, GREEN, audience)]
    history = History(sessions=tuple(sessions), readiness=passed(date(2025, 1, 2)))
    for _ in range(6 * (lad.top + 1)):
        rx = prescribe(protocol(), prof, history, day + timedelta(days=1))
        if rx.rung_index >= lad.first_continuous:
            break
        nxt = rx.sessions[0]
        sessions.append(
            SessionRecord(nxt.on, nxt.kind, nxt.rung_id, nxt.distance_km, nxt.duration_min, GREEN)
        )
        history = replace(history, sessions=tuple(sessions))
        day = nxt.on
    assert rx.rung_index >= lad.first_continuous
