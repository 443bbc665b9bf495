"""Background tasks of the publication (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from .publishing import recompute_related, run_due_side_effects


@task()
def publish_due() -> dict[str, list[str]]:
    """Run the side effects of everything that has gone live (exactly once per item).

    Enqueued with ``run_after`` = the publish time when an item is scheduled, and right away
    when it is published now. Running it early, late or twice is harmless.
    """
    report = run_due_side_effects()
    return {
        "articles": [a.slug for a in report.articles],
        "episodes": [e.slug for e in report.episodes],
    }


@task()
def recompute_related_articles() -> int:
    """Refresh the precomputed related-articles table after an article changed."""
    return recompute_related()
