"""Nothing cached from an athlete's records is staler than the records (accounts/freshness.py):
the running prescription, the rehab phase decision and the day's rehab plan."""

from __future__ import annotations

import ast
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from backstride.accounts import freshness
from backstride.accounts.models import ConsentRecord, RecordsChange, User
from backstride.activities.models import Activity, Sport
from backstride.activities.training_load import load_context, this_week
from backstride.rehab import services as rehab
from backstride.rehab.guide import today_summary
from backstride.rehab.models import RedFlagClearance, RedFlagScreen, SeenClinicianDeclaration
from backstride.rehab.records import profile_for, protocol_for
from backstride.running import services
from backstride.running.templatetags.running import running_today
from tests.web.test_query_budget import demo_runner

pytestmark = pytest.mark.django_db
SRC = Path(__file__).resolve().parents[2] / "src" / "backstride"


@pytest.fixture
def runner() -> Any:
    cache.clear()
    return demo_runner(0)


def fresh(user: Any) -> Any:
    """The plan computed from the rows, bypassing the cache."""
    cache.clear()
    return services.prescription_for(user)


def computations(user: Any) -> dict[str, Any]:
    today = services.local_today(user)
    profile, protocol = profile_for(user), protocol_for(user)
    return {
        "running plan": lambda: services.prescription_for(user, today),
        "rehab decision": lambda: rehab.current_decision(user, today),
        "rehab plan": lambda: rehab.today_plan(user, profile, protocol, today),
        "today card": lambda: today_summary(user),
        "running today": lambda: running_today(user),
        "this week": lambda: this_week(user),
        "load page": lambda: load_context(user),
    }


NAMES = [
    "running plan",
    "rehab decision",
    "rehab plan",
    "today card",
    "running today",
    "this week",
    "load page",
]


@pytest.mark.parametrize("name", NAMES)
def test_every_table_a_cached_answer_reads_is_tracked(runner, name):
    tracked = {apps.get_model(label)._meta.db_table for label in freshness.TRACKED}
    # the athlete's own row: the one field the answers read, the time zone, is in the key
    allowed = tracked | {RecordsChange._meta.db_table, User._meta.db_table}
    compute = computations(runner)[name]
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        compute()
    read = {
        table
        for q in captured.captured_queries
        for table in re.findall(r'(?:FROM|JOIN) "(\w+)"', q["sql"])
    }
    assert len(read) >= 3, read  # the answer really was computed here
    assert read <= allowed, f"{name} reads {read - allowed}: track them (freshness.track)"


@pytest.mark.parametrize("name", NAMES)
def test_a_second_ask_reads_only_the_token_the_stop_and_the_phase(runner, name):
    compute = computations(runner)[name]
    first = compute()
    with CaptureQueriesContext(connection) as captured:
        again = compute()
    assert again == first
    read = {
        table
        for q in captured.captured_queries
        for table in re.findall(r'(?:FROM|JOIN) "(\w+)"', q["sql"])
    }
    stop = {"rehab_redflagscreen", "rehab_redflagclearance"}  # the stop (a join)
    assert read <= {"accounts_recordschange", "rehab_rehabprofile", *stop}, read
    assert len(captured) <= 3


@pytest.mark.parametrize("label", sorted(freshness.TRACKED))
def test_each_save_and_delete_of_an_input_replaces_the_token(runner, clinician, label):
    def token() -> Any:
        return freshness.token(runner)

    model = apps.get_model(label)
    if model is RedFlagClearance:  # the demo has none: a clinician clears a stop
        screen = RedFlagScreen.objects.create(user=runner, kind="weekly", stop=True)
        row = RedFlagClearance.objects.create(screen=screen, clinician=clinician, reason="x" * 12)
    elif model is SeenClinicianDeclaration:  # nor this: the athlete saw a GP about "soon"
        screen = RedFlagScreen.objects.create(user=runner, kind="weekly", stop=True)
        row = SeenClinicianDeclaration.objects.create(screen=screen)
    else:
        row = model.objects.filter(user=runner).first()
        assert row is not None, f"the demo runner has no {label}"
    before = token()
    if model is ConsentRecord:  # append-only: consent changes by a new row
        ConsentRecord.objects.create(
            user=runner, kind=row.kind, action=ConsentRecord.Action.WITHDRAWN
        )
        assert token() != before
        return
    row.save()
    after_save = token()
    assert after_save != before
    row.delete()
    assert token() not in (before, after_save)


def test_a_logged_run_reaches_the_plan_at_once(runner):
    cached_before = services.prescription_for(runner)
    day = services.local_today(runner) - timedelta(days=1)
    last = Activity.objects.filter(user=runner).order_by("-start").first()
    Activity.objects.create(
        user=runner,
        sport=Sport.RUN,
        start=last.start.replace(year=day.year, month=day.month, day=day.day),
        timezone=runner.timezone,
        distance_m=3000,
        elapsed_s=1200,
        moving_s=1200,
    )
    cached_after = services.prescription_for(runner)
    assert cached_after == fresh(runner)
    assert cached_after != cached_before


def test_a_rolled_back_write_leaves_no_plan_behind(runner):
    services.prescription_for(runner)
    with pytest.raises(RuntimeError), transaction.atomic():
        Activity.objects.filter(user=runner).order_by("-start").first().delete()
        services.prescription_for(runner)  # computed, and cached, under the doomed token
        raise RuntimeError("rolled back")
    Activity.objects.filter(user=runner).order_by("start").first().save()  # a new token
    assert services.prescription_for(runner) == fresh(runner)


def test_a_red_flag_stop_shows_at_once_even_when_written_without_signals(runner):
    """``bulk_create`` sends no signal, so the token stays; the stop is in the key itself."""
    before = services.prescription_for(runner)
    RedFlagScreen.objects.bulk_create(
        [RedFlagScreen(user=runner, kind="weekly", stop=True, urgency="emergency")]
    )
    after = services.prescription_for(runner)
    assert after.status != before.status
    assert after.status.value == "stopped"
    assert after == fresh(runner)


def test_another_athlete_plan_is_not_touched(runner, other_athlete):
    theirs = freshness.token(other_athlete)
    Activity.objects.filter(user=runner).first().save()
    assert freshness.token(other_athlete) == theirs


def test_a_change_is_an_insert_so_two_writers_never_wait_on_one_row(runner):
    with CaptureQueriesContext(connection) as captured:
        Activity.objects.filter(user=runner).first().save()
    sql = [q["sql"] for q in captured.captured_queries if "accounts_recordschange" in q["sql"]]
    assert len(sql) == 1 and sql[0].startswith("INSERT"), sql


def test_nothing_is_cached_inside_a_transaction(runner):
    calls = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    day = services.local_today(runner)
    with transaction.atomic():
        assert freshness.cached(runner, "probe", day, compute) == 1
        assert freshness.cached(runner, "probe", day, compute) == 2
    assert freshness.cached(runner, "probe", day, compute) == 3
    assert freshness.cached(runner, "probe", day, compute) == 3  # outside: kept


def test_no_code_changes_an_input_without_a_signal():
    """``update()``, ``bulk_create()`` and ``bulk_update()`` on an input model send no signal;
    the source must save rows one by one (or call ``freshness.bump``)."""
    names = {label.split(".")[1] for label in freshness.TRACKED}
    # Writes that touch no column the plan reads, each with why.
    allowed = {
        ("running/reminders.py", "RunCheckIn"): "claims a reminder: only *_reminded_at",
    }
    found = []
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("update", "bulk_create", "bulk_update")
            ):
                continue
            chain = ast.unparse(node.func.value)
            model = re.match(r"(\w+)\.objects\b", chain)
            where = (str(path.relative_to(SRC)), model.group(1) if model else "")
            if model and model.group(1) in names and where not in allowed:
                found.append(f"{path.relative_to(SRC)}:{node.lineno} {chain[:60]}")
    assert found == []


def test_deleting_an_athlete_takes_their_change_rows_and_adds_none(runner):
    assert RecordsChange.objects.filter(user_id=runner.pk).exists()
    User.objects.filter(pk=runner.pk).delete()  # cascades through every tracked model
    assert not RecordsChange.objects.filter(user_id=runner.pk).exists()
    runner.pk = None


def test_a_cache_that_is_down_slows_the_page_never_breaks_it(runner, settings):
    """The scale-out shape keeps the cards in Redis; with Redis down they are computed afresh."""
    from django.core.cache import caches

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens on the discard port
        }
    }
    assert "Redis" in type(caches["default"]).__name__  # the settings fixture swapped it
    assert freshness.cached(runner, "probe", services.local_today(runner), lambda: 42) == 42
