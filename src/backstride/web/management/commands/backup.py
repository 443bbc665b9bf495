"""Back up the database and the media folder into one timestamped archive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from backstride.web.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Write backstride-<time>.tar.gz (database via SQLite's online backup or pg_dump, the "
        "media folder, a manifest with checksums) into --output (default $BACKUP_DIR). Safe "
        "while the site runs. Prints the archive's path."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, default=None, help="Folder for the archive.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            archive = backup(options["output"] or Path(settings.BACKUP_DIR))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(archive))
