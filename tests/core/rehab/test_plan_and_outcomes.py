"""Today's session and outcome measures."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backstride.core.checkins import CheckIn, latest_tests, response_light
from backstride.core.outcomes import (
    nprs_change,
    nprs_score,
    nprs_threshold,
    outcome_due,
    psfs_change,
    psfs_score,
    psfs_threshold,
)
from backstride.core.phases import plan_today

from .helpers import TODAY, protocol

DAY = timedelta(days=1)


# --- today's session -------------------------------------------------------------------------
def test_first_day_gets_the_first_session() -> None:
    plan = plan_today(protocol(), 1, 0, None, TODAY)
    assert plan.kind == "session" and plan.session is not None
    assert plan.session.id == "settle-a"


def test_sessions_rotate_by_sessions_done_not_by_date() -> None:
    p = protocol()
    ids = [plan_today(p, 2, n, TODAY - DAY, TODAY).session.id for n in range(4)]  # type: ignore[union-attr]
    assert ids == ["stabilise-a", "stabilise-b", "stabilise-c", "stabilise-a"]


def test_missed_days_do_not_break_the_plan() -> None:
    p = protocol()
    plan = plan_today(p, 1, 5, TODAY - 9 * DAY, TODAY)
    assert plan.kind == "session"
    assert (
        plan.session is not None and plan.session.id == "settle-b"
    )  # the 6th session, nothing skipped
    assert plan.reasons[0].rule_id == "missed-days"


def test_session_done_today() -> None:
    plan = plan_today(protocol(), 1, 1, TODAY, TODAY)
    assert plan.kind == "done"


def test_phase_3_strength_days_need_48_hours_so_the_next_day_is_a_rest_day() -> None:
    p = protocol()
    plan = plan_today(p, 3, 1, TODAY - DAY, TODAY)
    assert plan.kind == "rest"
    assert plan.next_session_on == TODAY + DAY
    assert plan.reasons[0].rule_id == "strengthen-schedule"
    assert "48 hours" in plan.reasons[0].text and plan.reasons[0].source
    assert plan_today(p, 3, 1, TODAY - 2 * DAY, TODAY).kind == "session"


def test_phases_1_and_2_have_a_session_every_day() -> None:
    for phase in (1, 2):
        assert plan_today(protocol(), phase, 3, TODAY - DAY, TODAY).kind == "session"


# --- check-in helpers --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("checkin", "light"),
    [
        (CheckIn(TODAY, pain_now=2, pain_next_morning=2), "green"),
        (CheckIn(TODAY, pain_now=4), "amber"),
        (CheckIn(TODAY, pain_now=2, pain_next_morning=5), "amber"),
        (CheckIn(TODAY, pain_now=6), "red"),
        (CheckIn(TODAY, pain_now=1, leg_symptoms="worse"), "red"),
    ],
)
def test_response_light_follows_the_protocol_thresholds(checkin: CheckIn, light: str) -> None:
    assert response_light(protocol(), checkin) == light


def test_latest_tests_takes_the_most_recent_value() -> None:
    records = [
        (TODAY - 3 * DAY, "plank_hold_s", 40.0),
        (TODAY - DAY, "plank_hold_s", 55.0),
        (TODAY - 2 * DAY, "brisk_walk_min", 20.0),
        (TODAY + DAY, "plank_hold_s", 90.0),
    ]
    assert latest_tests(records, TODAY) == {"plank_hold_s": 55.0, "brisk_walk_min": 20.0}


# --- outcome measures ---------------------------------------------------------------------------
def test_nprs_two_points_is_a_meaningful_improvement() -> None:
    change = nprs_change(protocol(), 7, 5)
    assert change.meaningful and change.direction == "better" and change.improvement == 2
    assert change.label == "Clinically important improvement"
    assert "Childs" in change.source


def test_nprs_30_percent_is_meaningful_even_below_two_points() -> None:
    change = nprs_change(protocol(), 3, 2)  # 1 point, 33 %
    assert change.meaningful and change.percent == pytest.approx(33.3)


def test_nprs_small_change_is_not_meaningful() -> None:
    change = nprs_change(protocol(), 8, 7)  # 1 point, 12.5 %
    assert not change.meaningful
    assert change.label == "No clinically important change yet"


def test_nprs_worsening_is_flagged_too() -> None:
    change = nprs_change(protocol(), 3, 6)
    assert change.meaningful and change.direction == "worse"
    assert change.label == "Clinically important worsening"


def test_nprs_threshold_is_the_score_to_reach() -> None:
    assert nprs_threshold(protocol(), 8) == 6.0  # 2 points (30 % would be 5.6)
    assert nprs_threshold(protocol(), 5) == 3.5  # 30 % (2 points would be 3)
    assert nprs_threshold(protocol(), 0) == 0.0


def test_psfs_is_the_average_of_the_activities() -> None:
    assert psfs_score(protocol(), [2, 3, 5]) == pytest.approx(3.3)
    assert psfs_score(protocol(), [10]) == 10


@pytest.mark.parametrize("ratings", [[], [1, 2, 3, 4, 5, 6], [11], [-1, 2], [2.5]])
def test_psfs_rejects_bad_input(ratings: list) -> None:
    with pytest.raises(ValueError):
        psfs_score(protocol(), ratings)


def test_psfs_two_points_on_the_average_is_meaningful() -> None:
    assert psfs_change(protocol(), 3.0, 5.0).meaningful
    assert not psfs_change(protocol(), 3.0, 4.7).meaningful
    assert psfs_threshold(protocol(), 3.0) == 5.0
    assert psfs_threshold(protocol(), 9.0) == 10.0


@pytest.mark.parametrize("bad", [11, -1, True, "5", 2.5])
def test_nprs_rejects_bad_scores(bad: object) -> None:
    with pytest.raises(ValueError):
        nprs_score(bad)  # type: ignore[arg-type]


def test_outcomes_are_due_at_start_then_every_two_weeks_and_overdue_after_four() -> None:
    p = protocol()
    assert outcome_due(p, None, TODAY).due
    assert not outcome_due(p, TODAY - 13 * DAY, TODAY).due
    due = outcome_due(p, TODAY - 14 * DAY, TODAY)
    assert due.due and not due.overdue and due.next_due == TODAY
    assert outcome_due(p, TODAY - 28 * DAY, TODAY).overdue
