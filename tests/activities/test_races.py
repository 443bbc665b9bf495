"""The same activity is never stored twice, even when two saves race (threads, own connections)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection

from backstride.activities import services
from backstride.activities.models import Activity

START = datetime(2025, 3, 10, 7, 30, tzinfo=UTC)


def race(monkeypatch: pytest.MonkeyPatch, *jobs: Callable[[], Any]) -> list[Any]:
    """Run ``jobs`` at once in threads; the duplicate check is slowed down to widen the window."""
    real = services.find_duplicate

    def slow_find_duplicate(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        time.sleep(0.3)  # both threads would pass the check here without the lock
        return found

    monkeypatch.setattr(services, "find_duplicate", slow_find_duplicate)
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(i: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[i] = job()
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def fields(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "sport": "run",
        "start": START,
        "timezone": "Europe/London",
        "distance_m": 5000.0,
        "elapsed_s": 1800.0,
        "moving_s": 1800.0,
    }
    data.update(overrides)
    return data


@pytest.mark.django_db(transaction=True)
def test_two_racing_saves_of_the_same_run_store_it_once(athlete, monkeypatch):
    results = race(
        monkeypatch,
        lambda: services.save_manual_activity(athlete, fields()),
        # 40 s later and 1 % longer: the same run logged from another device.
        lambda: services.save_manual_activity(
            athlete, fields(start=START + timedelta(seconds=40), distance_m=5050.0)
        ),
    )
    assert Activity.objects.filter(user=athlete).count() == 1
    kinds = sorted(type(r).__name__ for r in results)
    assert kinds == ["Activity", "DuplicateActivity"]


@pytest.mark.django_db(transaction=True)
def test_racing_saves_of_different_runs_both_store(athlete, other_athlete, monkeypatch):
    results = race(
        monkeypatch,
        lambda: services.save_manual_activity(athlete, fields()),
        lambda: services.save_manual_activity(athlete, fields(distance_m=8000.0)),
        lambda: services.save_manual_activity(other_athlete, fields()),
    )
    assert all(isinstance(r, Activity) for r in results), results
    assert Activity.objects.count() == 3
