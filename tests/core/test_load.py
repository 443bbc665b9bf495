"""Load maths: daily series, weekly totals in the athlete's zone (across DST), acute:chronic."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backstride.core.load import WeekTotal, acute_chronic, daily_series, week_start, weekly_totals

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def test_daily_series_sums_days_and_ignores_outside() -> None:
    start, end = date(2024, 3, 1), date(2024, 3, 5)
    items = [
        (date(2024, 3, 1), 5.0),
        (date(2024, 3, 1), 2.5),
        (date(2024, 3, 5), 1.0),
        (date(2024, 3, 6), 9.0),
        (date(2024, 2, 29), 9.0),
    ]
    assert daily_series(items, start, end) == [7.5, 0.0, 0.0, 0.0, 1.0]
    assert daily_series(items, end, start) == []


def test_weeks_are_counted_monday_start_in_the_athletes_zone_across_spring_dst() -> None:
    # UK clocks go forward at 01:00 UTC on Sunday 31 March 2024.
    items = [
        (
            datetime(2024, 3, 31, 22, 30, tzinfo=UTC),
            5000.0,
            1800.0,
        ),  # Sun 23:30 BST -> week of 25 Mar
        (
            datetime(2024, 3, 31, 23, 30, tzinfo=UTC),
            3000.0,
            1200.0,
        ),  # Mon 00:30 BST -> week of 1 Apr
        (
            datetime(2024, 3, 25, 0, 30, tzinfo=UTC),
            2000.0,
            600.0,
        ),  # Mon 00:30 GMT -> week of 25 Mar
        (
            datetime(2024, 3, 24, 23, 59, tzinfo=UTC),
            1000.0,
            300.0,
        ),  # Sun 23:59 GMT -> week of 18 Mar
    ]
    weeks = weekly_totals(items, LONDON, 3, today=date(2024, 4, 3))
    assert weeks == [
        WeekTotal(date(2024, 3, 18), 1.0, 5.0, 1),
        WeekTotal(date(2024, 3, 25), 7.0, 40.0, 2),
        WeekTotal(date(2024, 4, 1), 3.0, 20.0, 1),
    ]


def test_weeks_across_autumn_dst_in_new_york() -> None:
    # US clocks go back at 06:00 UTC on Sunday 3 November 2024.
    items = [
        (datetime(2024, 11, 4, 4, 30, tzinfo=UTC), 10_000.0, 3600.0),  # Sun 23:30 EST
        (datetime(2024, 11, 4, 5, 30, tzinfo=UTC), 4000.0, 1500.0),  # Mon 00:30 EST
        (datetime(2024, 11, 3, 5, 30, tzinfo=UTC), 1000.0, 600.0),  # Sun 01:30 EDT (first of two)
    ]
    weeks = weekly_totals(items, NEW_YORK, 2, today=date(2024, 11, 6))
    assert [(w.week_start, w.distance_km, w.runs) for w in weeks] == [
        (date(2024, 10, 28), 11.0, 2),
        (date(2024, 11, 4), 4.0, 1),
    ]


def test_weekly_totals_rejects_naive_datetimes_and_handles_no_weeks() -> None:
    naive = datetime(2024, 1, 1, 8, 0)  # deliberately naive
    with pytest.raises(ValueError, match="aware"):
        weekly_totals([(naive, 1.0, 1.0)], LONDON, 4, date(2024, 1, 2))
    assert weekly_totals([], LONDON, 0, date(2024, 1, 2)) == []
    empty = weekly_totals([], LONDON, 2, date(2024, 1, 3))
    assert [w.week_start for w in empty] == [date(2023, 12, 25), date(2024, 1, 1)]
    assert week_start(date(2024, 1, 7)) == date(2024, 1, 1)


def test_acute_chronic_steady_load_gives_ratio_one() -> None:
    rows = acute_chronic([10.0] * 60)
    assert rows[0] == (10.0, 2.5, 4.0)  # day one: no history yet
    assert rows[27] == (70.0, 70.0, 1.0)
    assert rows[-1] == (70.0, 70.0, 1.0)


def test_acute_chronic_spike_and_zero_chronic() -> None:
    load = [0.0] * 30 + [5.0] * 21 + [20.0] * 7
    rows = acute_chronic(load)
    assert rows[0] == (0.0, 0.0, None)
    assert rows[29][2] is None
    acute, chronic, ratio = rows[-1]
    assert acute == 140.0
    assert chronic == pytest.approx((21 * 5 + 140) / 4)
    assert ratio == pytest.approx(140 / ((21 * 5 + 140) / 4))
    assert acute_chronic([]) == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=500, allow_nan=False), max_size=80))
def test_acute_chronic_matches_a_naive_rolling_window(load: list[float]) -> None:
    rows = acute_chronic(load)
    assert len(rows) == len(load)
    for i, (acute, chronic, ratio) in enumerate(rows):
        a = sum(load[max(0, i - 6) : i + 1])
        c = sum(load[max(0, i - 27) : i + 1]) / 4
        assert acute == pytest.approx(a, abs=1e-6)
        assert chronic == pytest.approx(c, abs=1e-6)
        assert (ratio is None) == (c <= 1e-9) or ratio == pytest.approx(a / c, rel=1e-6)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.datetimes(
                min_value=datetime(2023, 1, 1),
                max_value=datetime(2024, 12, 31),
                timezones=st.just(UTC),
            ),
            st.floats(0, 50_000),
            st.floats(0, 20_000),
        ),
        max_size=40,
    )
)
def test_weekly_totals_conserve_everything_inside_the_window(
    items: list[tuple[datetime, float, float]],
) -> None:
    today = date(2025, 1, 1)
    weeks = weekly_totals(items, NEW_YORK, 120, today)
    first = weeks[0].week_start
    inside = [i for i in items if i[0].astimezone(NEW_YORK).date() >= first]
    assert sum(w.runs for w in weeks) == len(inside)
    assert sum(w.distance_km for w in weeks) == pytest.approx(sum(i[1] for i in inside) / 1000)
    assert all(w.week_start.weekday() == 0 for w in weeks)
    assert all(
        b.week_start - a.week_start == timedelta(days=7) for a, b in itertools.pairwise(weeks)
    )
