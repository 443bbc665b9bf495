"""The rate-limit ledger prunes itself: recording an attempt schedules one pruning task (through
the task queue, like the outbox sweep), which deletes expired rows and re-arms while rows
remain. The table stays as small as the windows it serves."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from backstride.newsletter.models import SignupAttempt

from .conftest import signup

pytestmark = pytest.mark.django_db

PRUNE_TASK = "backstride.newsletter.tasks.prune_signup_attempts"


def queued_prunes() -> int:
    return DBTaskResult.objects.filter(status="READY", task_path=PRUNE_TASK).count()


def test_expired_attempts_are_removed_when_the_scheduled_prune_runs(
    client: Client, smtp_server, run_tasks
) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        signup(client, "first@example.org", ip="192.0.2.10")
        signup(client, "second@example.org", ip="192.0.2.11")
    # One IP and one address row for each signup; one prune queued however many rows.
    assert SignupAttempt.objects.count() == 4
    assert queued_prunes() == 1

    with time_machine.travel(start + timedelta(minutes=30), tick=False):
        signup(client, "third@example.org", ip="192.0.2.12")
        run_tasks()  # sends the confirmations; the prune is not due yet
    assert SignupAttempt.objects.count() == 6
    assert queued_prunes() == 1

    with time_machine.travel(start + timedelta(hours=1, minutes=1), tick=False):
        run_tasks()
    # The IP rows of the first two signups expired (1 h window); the rest are still needed.
    assert SignupAttempt.objects.filter(kind="ip").count() == 1
    assert SignupAttempt.objects.filter(kind="address").count() == 3
    assert queued_prunes() == 1  # re-armed for the next expiry

    with time_machine.travel(start + timedelta(days=1, hours=1), tick=False):
        run_tasks()
    assert not SignupAttempt.objects.exists()
    assert queued_prunes() == 0  # nothing left to prune: nothing queued


def test_pruning_keeps_the_rate_limit_working(client: Client, run_tasks) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for i in range(10):
            assert signup(client, f"p{i}@example.org", ip="192.0.2.50").status_code == 200
    with time_machine.travel(start + timedelta(minutes=59), tick=False):
        run_tasks()
        assert signup(client, "late@example.org", ip="192.0.2.50").status_code == 429
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        run_tasks()
        assert signup(client, "later@example.org", ip="192.0.2.50").status_code == 200


def test_backstride_newsletter_prune_deletes_expired_rows_now(client: Client) -> None:
    from io import StringIO

    from django.core.management import call_command

    start = timezone.now()
    with time_machine.travel(start, tick=False):
        signup(client, "first@example.org", ip="192.0.2.10")
    out = StringIO()
    with time_machine.travel(start + timedelta(hours=2), tick=False):
        call_command("newsletter", "prune", stdout=out)
    assert out.getvalue().strip() == "deleted 1 expired rate-limit rows"
    assert list(SignupAttempt.objects.values_list("kind", flat=True)) == ["address"]


def test_signup_works_and_prunes_with_the_immediate_task_backend(
    client: Client, settings, smtp_server, django_capture_on_commit_callbacks
) -> None:
    # The immediate backend cannot defer a task: the prune (and the outbox sweep) run at
    # once, after commit, instead of failing the signup; still at most once per window.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    start = timezone.now()
    with time_machine.travel(start, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert signup(client, "first@example.org", ip="192.0.2.10").status_code == 200
    assert SignupAttempt.objects.count() == 2
    with (
        time_machine.travel(start + timedelta(days=2), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert signup(client, "second@example.org", ip="192.0.2.11").status_code == 200
    assert SignupAttempt.objects.count() == 2  # the first signup's rows were pruned
    smtp_server.wait_for(2)
