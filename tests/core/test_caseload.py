"""The caseload's reasons and order (pure): who needs the clinician first, and why."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from backstride.core.caseload import (
    DEFAULT_PATH,
    ClientFacts,
    Kind,
    RunResponse,
    Thresholds,
    assess,
    expected_sessions,
    load_thresholds,
    parse_thresholds,
    rank,
)
from backstride.core.checkins import CheckIn
from backstride.core.protocol import default_protocol
from backstride.core.tables import ProtocolError
from backstride.core.treat import Response

TODAY = date(2025, 3, 20)
P = default_protocol()
T = load_thresholds()


def facts(**kw: object) -> ClientFacts:
    base = ClientFacts(
        client_id=1,
        name="Alice",
        today=TODAY,
        linked_on=TODAY - timedelta(days=60),
        phase=1,
        phase_started_on=TODAY - timedelta(days=40),
        session_days=frozenset(TODAY - timedelta(days=d) for d in range(0, 40)),
        last_checkin=TODAY,
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def kinds(f: ClientFacts) -> list[Kind]:
    return [r.kind for r in assess(f, P, T).reasons]


def test_a_client_doing_every_session_and_checking_in_needs_nothing() -> None:
    assert kinds(facts()) == []


def test_a_red_flag_pause_is_the_first_reason() -> None:
    f = facts(paused_on=TODAY - timedelta(days=1), last_checkin=TODAY - timedelta(days=20))
    attention = assess(f, P, T)
    assert attention.top is Kind.RED_FLAG
    assert "red-flag" in attention.reasons[0].text
    # while paused, missed sessions and silence are expected, not reasons
    assert kinds(f) == [Kind.RED_FLAG]


def test_a_red_rehab_checkin_in_the_window_is_a_reason() -> None:
    red = CheckIn(day=TODAY - timedelta(days=2), pain_now=7)
    amber = CheckIn(day=TODAY - timedelta(days=1), pain_now=4)
    attention = assess(facts(checkins=(red, amber)), P, T)
    assert attention.top is Kind.RED_RESPONSE
    assert attention.reasons[0].text.startswith("1 red rehab check-in")


def test_a_red_checkin_older_than_the_protocols_window_is_not() -> None:
    window = P.progression.red_day_window_days
    old = CheckIn(day=TODAY - timedelta(days=window), pain_now=8)
    assert Kind.RED_RESPONSE not in kinds(facts(checkins=(old,)))


def test_spreading_leg_symptoms_after_a_run_make_a_red_run_checkin() -> None:
    run = RunResponse(TODAY - timedelta(days=1), Response(2, 2, 2, 2, None, True, False, 2))
    attention = assess(facts(runs=(run,)), P, T)
    assert attention.top is Kind.RED_RESPONSE
    assert "run check-in" in attention.reasons[0].text


def test_a_green_run_is_not_a_reason() -> None:
    run = RunResponse(TODAY - timedelta(days=3), Response(2, 2, 1, 1, None, False, False, 1))
    assert kinds(facts(runs=(run,))) == []


def test_pain_worse_by_the_mcid_is_a_reason_and_less_is_not() -> None:
    # 2 points or 30 % (either) in the shipped protocol: from 6, 7 is neither, 8 is both
    mcid = P.outcomes.nprs.mcid_points
    worse = ((TODAY - timedelta(days=14), 6.0), (TODAY, 6.0 + mcid))
    slightly = ((TODAY - timedelta(days=14), 6.0), (TODAY, 6.0 + mcid - 1))
    assert kinds(facts(nprs=worse)) == [Kind.OUTCOME_WORSE]
    assert kinds(facts(nprs=slightly)) == []


def test_function_falling_by_the_psfs_mcid_is_a_reason() -> None:
    drop = P.outcomes.psfs.mcid_points_average
    series = (
        (TODAY - timedelta(days=28), 6.0),
        (TODAY - timedelta(days=14), 7.0),
        (TODAY, 7 - drop),
    )
    attention = assess(facts(psfs=series), P, T)
    assert [r.kind for r in attention.reasons] == [Kind.OUTCOME_WORSE]
    assert "Function (PSFS)" in attention.reasons[0].text


def test_improving_scores_are_not_a_reason() -> None:
    better = ((TODAY - timedelta(days=14), 7.0), (TODAY, 2.0))
    assert kinds(facts(nprs=better)) == []


def test_missed_sessions_follow_the_phase_schedule() -> None:
    # Phase 1 has a session every day: none done in the last week → all missed.
    done = frozenset(TODAY - timedelta(days=d) for d in range(8, 40))
    attention = assess(facts(session_days=done), P, T)
    missed = [r for r in attention.reasons if r.kind is Kind.MISSED_SESSIONS]
    assert missed and missed[0].count == T.missed_window_days
    # two missed is under the threshold of three
    almost = frozenset(TODAY - timedelta(days=d) for d in range(0, 40) if d not in (2, 3))
    assert Kind.MISSED_SESSIONS not in kinds(facts(session_days=almost))


def test_expected_sessions_count_from_the_phase_start_every_n_days() -> None:
    start = date(2025, 3, 1)
    assert expected_sessions(start, date(2025, 3, 7), start, 2) == [
        date(2025, 3, 1),
        date(2025, 3, 3),
        date(2025, 3, 5),
        date(2025, 3, 7),
    ]
    assert expected_sessions(start, date(2025, 3, 7), date(2025, 3, 6), 1) == [
        date(2025, 3, 6),
        date(2025, 3, 7),
    ]
    assert expected_sessions(start, date(2025, 3, 7), None, 1) == []


def test_falling_adherence_compares_the_last_two_weeks_with_the_two_before() -> None:
    # Today is not over, so the last fortnight ends yesterday: every other day in it, and
    # every day in the fortnight before.
    before = {TODAY - timedelta(days=d) for d in range(15, 29)}
    recent = {TODAY - timedelta(days=d) for d in range(1, 15, 2)}
    attention = assess(facts(session_days=frozenset(before | recent)), P, T)
    falling = [r for r in attention.reasons if r.kind is Kind.ADHERENCE_FALLING]
    assert falling and "from 100 % to 50 %" in falling[0].text
    steady = frozenset(before | {TODAY - timedelta(days=d) for d in range(1, 15) if d != 3})
    assert Kind.ADHERENCE_FALLING not in kinds(facts(session_days=steady))


def test_no_checkin_for_the_threshold_days_is_a_reason() -> None:
    quiet = facts(last_checkin=TODAY - timedelta(days=T.no_checkin_days))
    recent = facts(last_checkin=TODAY - timedelta(days=T.no_checkin_days - 1))
    assert kinds(quiet) == [Kind.NO_CHECKIN]
    assert kinds(recent) == []


def test_never_checked_in_counts_from_the_phase_start() -> None:
    f = facts(last_checkin=None, phase_started_on=TODAY - timedelta(days=10))
    attention = assess(f, P, T)
    assert attention.top is Kind.NO_CHECKIN and "No check-in yet" in attention.reasons[0].text


def test_not_started_a_week_after_consenting() -> None:
    new = facts(phase=None, phase_started_on=None, linked_on=TODAY - timedelta(days=2))
    stalled = replace(new, linked_on=TODAY - timedelta(days=T.not_started_days))
    assert kinds(new) == []
    assert kinds(stalled) == [Kind.NOT_STARTED]


def test_the_caseload_puts_a_pause_before_a_red_response_before_quiet_clients() -> None:
    quiet = facts(client_id=1, name="Ann", last_checkin=TODAY - timedelta(days=30))
    red = facts(client_id=2, name="Bea", checkins=(CheckIn(day=TODAY, pain_now=9),))
    paused = facts(client_id=3, name="Cy", paused_on=TODAY)
    fine = facts(client_id=4, name="Al")
    order = [a.facts.name for a in rank(assess(f, P, T) for f in (quiet, fine, red, paused))]
    assert order == ["Cy", "Bea", "Ann", "Al"]


def test_more_reasons_come_first_then_the_most_recent_then_the_name() -> None:
    red_day = CheckIn(day=TODAY - timedelta(days=1), pain_now=9)
    one = facts(client_id=1, name="Zed", checkins=(red_day,))
    two = facts(
        client_id=2,
        name="Yan",
        checkins=(red_day,),
        nprs=((TODAY - timedelta(days=14), 2.0), (TODAY, 6.0)),
    )
    older = facts(
        client_id=3, name="Abe", checkins=(replace(red_day, day=TODAY - timedelta(days=4)),)
    )
    same = facts(client_id=4, name="Bob", checkins=(red_day,))
    order = [a.facts.name for a in rank(assess(f, P, T) for f in (older, one, same, two))]
    assert order == ["Yan", "Bob", "Zed", "Abe"]


def test_the_shipped_thresholds_load_with_sources() -> None:
    t = load_thresholds(DEFAULT_PATH)
    assert t.no_checkin_days >= 1 and t.missed_min >= 1
    assert t.version


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (("days = 7", "days = 0"), "no_checkin.days"),
        (("drop_points = 30", "drop_points = 300"), "adherence.drop_points"),
        (
            (
                '[red_responses]\nmin_reds = 1\nsource = ["silbernagel2007", "expert default"]',
                '[red_responses]\nmin_reds = 1\nsource = ["nobody2020"]',
            ),
            "red_responses.source",
        ),
        (
            ("window_days = 7\nmin_missed = 3", "window_days = 7\nmin_missed = 3\nextra = 1"),
            "missed_sessions.extra",
        ),
    ],
)
def test_a_broken_thresholds_file_names_the_key(change: tuple[str, str], where: str) -> None:
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    assert change[0] in text
    with pytest.raises(ProtocolError) as exc:
        parse_thresholds(text.replace(change[0], change[1], 1), "copy.toml")
    assert any(i.path.startswith(where) for i in exc.value.issues), exc.value.issues


def test_thresholds_are_read_from_the_file_not_the_code() -> None:
    text = DEFAULT_PATH.read_text(encoding="utf-8").replace(
        'days = 7\nsource = "expert default"\nnote = "The practice\'s choice: a week without',
        'days = 3\nsource = "expert default"\nnote = "The practice\'s choice: a week without',
        1,
    )
    t = parse_thresholds(text)
    assert t.no_checkin_days == 3
    quiet = facts(last_checkin=TODAY - timedelta(days=3))
    assert kinds(quiet) == []
    assert [r.kind for r in assess(quiet, P, t).reasons] == [Kind.NO_CHECKIN]
    assert isinstance(T, Thresholds)
