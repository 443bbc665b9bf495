"""The publication's background work: going live exactly once, and related articles.

The tasks in ``tasks.py`` call these; ``services.py`` enqueues the tasks. Nothing here
enqueues anything, so services → tasks → publishing has no loop.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backstride.core.publication.related import Doc, related_for_all

from .models import Article, Episode, RelatedArticle
from .signals import episode_published

log = logging.getLogger(__name__)

RELATED_TOP_K = 10


def _article_docs(articles: list[Article]) -> list[Doc]:
    return [
        Doc(
            id=a.pk,
            title=a.title,
            summary=a.summary,
            body=a.body,
            tags=frozenset(t.name.lower() for t in a.tags.all()),
        )
        for a in articles
    ]


def related_backend_name() -> str:
    return str(settings.RELATED_BACKEND)


def recompute_related(now: datetime | None = None) -> int:
    """Recompute the top-k table for every article (drafts included, filtered at read time)."""
    articles = list(Article.objects.prefetch_related("tags").order_by("pk"))
    docs = _article_docs(articles)
    vectors = None
    backend = "tfidf"
    if related_backend_name() == "semantic":
        from . import semantic

        vectors = semantic.vectors(docs)
        if vectors is not None:
            backend = "semantic"
    ranked = related_for_all(docs, k=RELATED_TOP_K, vectors=vectors)
    moment = now or timezone.now()
    rows = [
        RelatedArticle(
            article_id=int(str(doc_id)),
            related_id=int(str(other_id)),
            score=score,
            rank=rank,
            backend=backend,
            computed_at=moment,
        )
        for doc_id, items in ranked.items()
        for rank, (other_id, score) in enumerate(items, start=1)
    ]
    with transaction.atomic():
        RelatedArticle.objects.all().delete()
        RelatedArticle.objects.bulk_create(rows)
    return len(rows)


# --- going live: side effects, exactly once -----------------------------------------------


@dataclass
class PublishReport:
    articles: list[Article]
    episodes: list[Episode]

    def __bool__(self) -> bool:
        return bool(self.articles or self.episodes)


def _claim(model: type[Article] | type[Episode], pk: int, now: datetime) -> bool:
    """Claim the side effects of one item with a conditional UPDATE: of several workers
    racing, exactly one sees ``1`` here."""
    claimed = model.objects.due_side_effects(now).filter(pk=pk).update(side_effects_done_at=now)
    return claimed == 1


def run_due_side_effects(now: datetime | None = None) -> PublishReport:
    """Run the side effects of every item that has gone live and not had them yet.

    Each item is claimed in its own transaction; the effects (related articles, the
    ``episode_published`` signal) run inside it, so an error rolls back the claim and the
    next run retries. Idempotent: a second call finds nothing to do.
    """
    moment = now or timezone.now()
    report = PublishReport([], [])
    article_ids = list(Article.objects.due_side_effects(moment).values_list("pk", flat=True))
    episode_ids = list(
        Episode.objects.due_side_effects(moment)
        .order_by("published_at")
        .values_list("pk", flat=True)
    )
    if article_ids:
        with transaction.atomic():
            claimed = [pk for pk in article_ids if _claim(Article, pk, moment)]
            if claimed:
                recompute_related(moment)
                report.articles = list(Article.objects.filter(pk__in=claimed))
    for pk in episode_ids:
        with transaction.atomic():
            if not _claim(Episode, pk, moment):
                continue
            episode = Episode.objects.select_related("article").get(pk=pk)
            episode_published.send(sender=Episode, episode=episode)
            report.episodes.append(episode)
    for item in [*report.articles, *report.episodes]:
        log.info("published %s %s", type(item).__name__.lower(), item.slug)
    return report
