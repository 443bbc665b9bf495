"""Deferred tasks never start before they are due, even on RQ's whole-second schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from backstride.lib.queue import not_before


def test_not_before_rounds_up_to_the_next_whole_second() -> None:
    assert not_before(datetime(2026, 12, 6, 7, 0, 0, 700_000, tzinfo=UTC)) == datetime(
        2026, 12, 6, 7, 0, 1, tzinfo=UTC
    )
    exact = datetime(2026, 12, 6, 7, 0, 0, tzinfo=UTC)
    assert not_before(exact) == exact


@pytest.mark.django_db
def test_a_scheduled_publish_is_queued_for_no_earlier_than_its_time() -> None:
    from django_tasks_db.models import DBTaskResult

    from backstride.publication import services
    from backstride.publication.models import Article, Status

    when = timezone.now().replace(microsecond=250_000) + timedelta(days=2)
    article = Article.objects.create(
        title="Later", slug="later", summary="s", body="b", status=Status.SCHEDULED,
        published_at=when,
    )  # fmt: skip
    DBTaskResult.objects.all().delete()
    services.schedule_side_effects(article)
    [row] = DBTaskResult.objects.filter(task_path__endswith="publish_due")
    assert row.run_after >= when and row.run_after.microsecond == 0
