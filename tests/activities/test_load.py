"""Weekly volume, acute:chronic load and pain — weeks counted in the athlete's own time zone."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from backstride.activities.training_load import load_context
from backstride.rehab.models import CheckIn

from .conftest import make_activity

pytestmark = pytest.mark.django_db


def run_at(user, when: datetime, km: float, sport: str = "run"):
    return make_activity(
        user, start=when, distance_m=km * 1000, elapsed_s=km * 360, moving_s=km * 360, sport=sport
    )


def row_for(context, monday: date):
    return next(r for r in context["rows"] if r.start == monday)


def test_weeks_are_counted_in_the_athletes_zone_across_the_spring_dst_change(athlete):
    # Europe/London: clocks go forward at 01:00 UTC on Sunday 30 March 2025.
    athlete.timezone = "Europe/London"
    # Monday 31 March, 00:30 BST = Sunday 30 March 23:30 UTC: belongs to the week of 31 March.
    run_at(athlete, datetime(2025, 3, 30, 23, 30, tzinfo=UTC), 5)
    # Sunday 30 March, 23:30 BST = 22:30 UTC: the week of 24 March.
    run_at(athlete, datetime(2025, 3, 30, 22, 30, tzinfo=UTC), 3)
    # Sunday 30 March, 00:30 GMT (before the change) = 00:30 UTC: week of 24 March.
    run_at(athlete, datetime(2025, 3, 30, 0, 30, tzinfo=UTC), 2)
    ctx = load_context(athlete, weeks=4, now=datetime(2025, 4, 2, 12, tzinfo=UTC))
    assert row_for(ctx, date(2025, 3, 24)).running_km == pytest.approx(5)
    assert row_for(ctx, date(2025, 3, 31)).running_km == pytest.approx(5)
    assert row_for(ctx, date(2025, 3, 31)).sessions == 1


def test_weeks_follow_the_zone_across_the_autumn_change_in_new_york(athlete):
    athlete.timezone = "America/New_York"  # clocks go back 2 November 2025, 06:00 UTC
    # Sunday 2 November 23:30 EST = Monday 3 November 04:30 UTC: still the week of 27 October.
    run_at(athlete, datetime(2025, 11, 3, 4, 30, tzinfo=UTC), 4)
    # Monday 3 November 00:30 EST = 05:30 UTC: the week of 3 November.
    run_at(athlete, datetime(2025, 11, 3, 5, 30, tzinfo=UTC), 6)
    ctx = load_context(athlete, weeks=3, now=datetime(2025, 11, 5, 12, tzinfo=UTC))
    assert row_for(ctx, date(2025, 10, 27)).running_km == pytest.approx(4)
    assert row_for(ctx, date(2025, 11, 3)).running_km == pytest.approx(6)
    # In UTC both would have fallen on Monday 3 November.


def test_weekly_distance_counts_running_and_time_counts_everything(athlete):
    monday = datetime(2025, 5, 5, 7, tzinfo=UTC)
    run_at(athlete, monday, 5)
    run_at(athlete, monday + timedelta(days=2), 4, sport="walk_run")
    run_at(athlete, monday + timedelta(days=3), 0, sport="cross_trainer")
    make_activity(
        athlete, start=monday + timedelta(days=4), sport="cross_trainer", distance_m=0,
        elapsed_s=1800, moving_s=1800,
    )  # fmt: skip
    run_at(athlete, monday + timedelta(days=5), 6, sport="walk")
    ctx = load_context(athlete, weeks=1, now=monday + timedelta(days=6))
    week = ctx["rows"][-1]
    assert week.running_km == pytest.approx(9)  # the walk and the cross-trainer don't count
    assert week.all_km == pytest.approx(15)
    assert week.sessions == 5
    assert week.moving_s == pytest.approx((5 + 4 + 6) * 360 + 1800)


def test_acute_chronic_ratio_from_four_steady_weeks_and_a_bigger_one(athlete):
    first_monday = datetime(2025, 6, 2, 7, tzinfo=UTC)
    for week in range(5):
        km = 15 if week == 4 else 10
        for day in (0, 2, 4):
            run_at(athlete, first_monday + timedelta(weeks=week, days=day), km / 3)
    sunday = first_monday + timedelta(weeks=4, days=6, hours=12)
    ctx = load_context(athlete, weeks=5, now=sunday)
    last = ctx["rows"][-1]
    assert last.acute_km == pytest.approx(15)
    assert last.chronic_km == pytest.approx((10 + 10 + 10 + 15) / 4)
    assert last.ratio == pytest.approx(15 / 11.25)
    assert ctx["ratio_band"]["word"] == "More than usual"
    assert ctx["rows"][0].ratio == pytest.approx(10 / 2.5)  # no history before week 1


def test_no_history_means_no_ratio(athlete):
    ctx = load_context(athlete, weeks=4)
    assert all(r.ratio is None for r in ctx["rows"])
    assert ctx["ratio_band"] is None


def test_pain_from_the_rehab_app_lands_on_the_same_weeks(athlete, other_athlete):
    for user, day, pain in [
        (athlete, date(2025, 6, 3), 2),
        (athlete, date(2025, 6, 5), 4),
        (athlete, date(2025, 6, 10), 1),
        (other_athlete, date(2025, 6, 10), 9),  # someone else's check-in counts for nothing
        (athlete, date(2025, 5, 20), 8),  # before the first week shown
    ]:
        CheckIn.objects.create(user=user, day=day, pain_now=pain, leg_symptoms="none")
    ctx = load_context(athlete, weeks=2, now=datetime(2025, 6, 12, tzinfo=UTC))
    assert [r.pain_avg for r in ctx["rows"]] == [3.0, 1.0]
    assert [r.pain_max for r in ctx["rows"]] == [4, 1]
    assert ctx["chart"]["pain"] == [3.0, 1.0]


@time_machine.travel(datetime(2025, 6, 12, 12, tzinfo=UTC), tick=False)
def test_load_page_has_a_chart_and_the_same_figures_as_a_table(athlete, client_for):
    run_at(athlete, datetime(2025, 6, 10, 7, tzinfo=UTC), 5.5)
    response = client_for(athlete).get(reverse("activities:load") + "?weeks=8")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="load-chart"' in page and "uPlot.iife.min.js" in page
    assert "<table" in page and "5.5 km" in page
    assert "context, not a rule" in page
    data = json.loads(
        page.split('id="load-data" type="application/json">')[1].split("</script>")[0]
    )
    assert len(data["labels"]) == 8
    assert data["running_km"][-1] == 5.5
    assert data["ceiling_km"] == [20.0] * 8


def test_this_week_on_the_dashboard_card(athlete, client_for):
    with time_machine.travel(datetime(2025, 6, 12, 12, tzinfo=UTC), tick=False):
        run_at(athlete, datetime(2025, 6, 9, 7, tzinfo=UTC), 4)
        run_at(athlete, datetime(2025, 6, 11, 7, tzinfo=UTC), 3.5, sport="walk_run")
        run_at(athlete, datetime(2025, 6, 8, 7, tzinfo=UTC), 9)  # last week
        page = client_for(athlete).get(reverse("web:dashboard")).content.decode()
    assert "Running this week" in page
    assert "7.5 km" in page and "of about 20 km" in page
    assert "Last:" in page and "3.50 km" in page
