"""Restore a `backstride backup` archive: checksums first, never over data unless --force."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backstride.web.backup import BackupError, read_manifest, restore


class Command(BaseCommand):
    help = (
        "Restore ARCHIVE into the configured database and MEDIA_ROOT. Every checksum is "
        "verified first; a database with tables or a non-empty media folder is refused "
        "unless --force (the old media folder is kept beside the new one). Stop the web "
        "server and workers first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--force", action="store_true", help="Replace an existing database and media."
        )
        parser.add_argument(
            "--check", action="store_true", help="Only verify the archive; change nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["check"]:
                manifest = read_manifest(options["archive"])
                self.stdout.write(
                    f"{options['archive']}: intact ({len(manifest['files'])} files, "
                    f"{manifest['database']['vendor']}, made {manifest['created_at']})."
                )
                return
            done = restore(options["archive"], force=options["force"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the {done.vendor} database and {done.files} media files from a "
                f"backup made {done.created_at}."
            )
        )
        if done.old_media:
            self.stdout.write(f"The previous media folder is kept at {done.old_media}.")
        self.stdout.write("Next: `backstride migrate` (when this code is newer than the backup).")
