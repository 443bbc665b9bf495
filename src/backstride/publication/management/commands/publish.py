"""`backstride publish`: run the side effects of everything that has gone live (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from backstride.publication.models import Article, Episode
from backstride.publication.publishing import run_due_side_effects


class Command(BaseCommand):
    help = (
        "Run due publishing side effects (related articles, the episode_published signal that "
        "sends the newsletter). Safe to run any number of times, e.g. from cron every minute."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Only list what is due; change nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        if options["dry_run"]:
            for model in (Article, Episode):
                for item in model.objects.due_side_effects(now):
                    self.stdout.write(f"due: {model.__name__.lower()} {item.slug}")
            return
        report = run_due_side_effects(now)
        for article in report.articles:
            self.stdout.write(f"published article {article.slug}")
        for episode in report.episodes:
            self.stdout.write(f"published episode {episode.slug}")
        if not report:
            self.stdout.write("Nothing due.")
