"""Load demo content (idempotent): people, rehab history, runs, articles, episodes, subscribers."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from backstride.accounts import demo as accounts_demo
from backstride.activities import demo as activities_demo
from backstride.newsletter import demo as newsletter_demo
from backstride.publication import demo as publication_demo
from backstride.rehab import demo as rehab_demo
from backstride.running import demo as running_demo

# In order: people first, then what they did, then the publication.
DEMO_LOADERS = [
    accounts_demo.load_demo,
    rehab_demo.load_demo,
    activities_demo.load_demo,
    running_demo.load_demo,
    publication_demo.load_demo,
    newsletter_demo.load_demo,
]


class Command(BaseCommand):
    help = "Load demo content. Safe to run again; refused when DEBUG is off unless --force."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Allow with DEBUG off (demo passwords!)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "Demo content has well-known passwords, so it is refused when DEBUG is off. "
                "Use --force only on a throwaway machine."
            )
        for load_demo in DEMO_LOADERS:
            load_demo(self.stdout)
        self.stdout.write(
            self.style.SUCCESS(f"\nDemo logins (password: {settings.DEMO_PASSWORD}):")
        )
        for email, what in [
            ("athlete@example.com", "new athlete, Phase 1"),
            ("runner@example.com", "Phase 3, a few weeks of history"),
            ("clinician@example.com", "clinician linked to both athletes"),
            ("editor@example.com", "writes articles and episodes"),
            ("admin@example.com", "administrator (also /admin/)"),
        ]:
            self.stdout.write(f"  {email:<24} {what}")
        if not settings.DEBUG:
            self.stdout.write(
                self.style.WARNING(
                    "DEBUG is off, so these demo logins are refused: demo accounts only work "
                    "in a development install (DEBUG=1)."
                )
            )
