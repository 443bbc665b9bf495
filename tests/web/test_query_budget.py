"""The athlete's busiest pages run a fixed number of queries, however long their history:
/today/ and the load page, for the demo runner with its weeks of history plus a year more."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backstride.accounts.models import User
from backstride.activities import demo as activities_demo
from backstride.activities import services as activity_services
from backstride.activities.models import Sport
from backstride.rehab import demo as rehab_demo
from backstride.rehab.models import CheckIn, SessionLog
from backstride.running import demo as running_demo
from tests.conftest import load_demo_people
from tests.running.conftest import checkin_row

pytestmark = pytest.mark.django_db

#: Queries each page may run: what it runs today plus two. A page that needs more must earn
#: it; it must never grow with the athlete's history. /today/ was 43 when its three cards each
#: rebuilt the athlete's state; one read snapshot per request shares it (31), and the cards
#: kept in the cache under the athlete's records token (accounts/freshness.py) leave 5 once
#: warm: the session, the user, the stop, the token, the clinic's notice.
BUDGET = {"/today/": 7, "/activities/load/": 8}
#: The same pages with nothing in the cache (the first look of the day, or after a write).
COLD_BUDGET = {"/today/": 33, "/activities/load/": 8}
PAGES = list(BUDGET)


def demo_runner(extra_weeks: int) -> Any:
    """The demo runner (six weeks of rehab, five of runs, a plan) plus ``extra_weeks`` older
    weeks, each with three logged runs with check-ins and three rehab sessions."""
    load_demo_people()
    out = StringIO()
    for load in (rehab_demo.load_demo, activities_demo.load_demo, running_demo.load_demo):
        load(out)
    runner = User.objects.get(email="runner@example.com")
    first_week = timezone.localdate() - timedelta(weeks=8)
    for week in range(extra_weeks):
        monday = first_week - timedelta(weeks=week, days=first_week.weekday())
        for n, weekday in enumerate((0, 2, 4)):
            day = monday + timedelta(days=weekday)
            start = datetime.combine(day, time(7, 5), tzinfo=UTC)
            run = activity_services.save_manual_activity(
                runner,
                {
                    "sport": Sport.RUN,
                    "title": "Easy run",
                    "start": start,
                    "timezone": runner.timezone,
                    "distance_m": 4000.0 + 100 * n,
                    "elapsed_s": 1500.0,
                    "moving_s": 1450.0,
                },
            )
            checkin_row(runner, run, created_at=start + timedelta(hours=1))
            rehab_day = day + timedelta(days=1)
            session = SessionLog.objects.create(
                user=runner,
                day=rehab_day,
                phase=2,
                session_id="stabilise-a",
                completed_at=start + timedelta(days=1, hours=10),
            )
            CheckIn.objects.create(
                user=runner,
                session=session,
                day=rehab_day,
                pain_now=2,
                leg_symptoms="none",
                stiffness=2,
                effort=5,
                created_at=start + timedelta(days=1, hours=10, minutes=5),
            )
    return runner


def queries_for(client: Any, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("extra_weeks", [0, 52])
@pytest.mark.parametrize("path", PAGES)
def test_page_stays_within_its_query_budget(
    client_for, django_assert_max_num_queries, path, extra_weeks
):
    client = client_for(demo_runner(extra_weeks))
    client.get(path)  # warm per-process caches (protocol file, content types)
    with django_assert_max_num_queries(BUDGET[path]):
        response = client.get(path)
    assert response.status_code == 200


@pytest.mark.parametrize("path", PAGES)
def test_page_with_a_cold_cache_stays_within_its_budget(
    client_for, django_assert_max_num_queries, path
):
    client = client_for(demo_runner(52))
    client.get(path)
    cache.clear()
    with django_assert_max_num_queries(COLD_BUDGET[path]):
        response = client.get(path)
    assert response.status_code == 200


@pytest.mark.parametrize("path", PAGES)
def test_query_count_does_not_grow_with_a_year_more_history(client_for, path):
    client = client_for(demo_runner(0))
    client.get(path)
    short = queries_for(client, path)
    User.objects.all().delete()
    client = client_for(demo_runner(52))  # the same runner with a year of older weeks
    client.get(path)
    assert queries_for(client, path) == short
