"""`backstride activity stats|import|recompute` — activity files from the command line.

* ``stats FILE [FILE...] [--json]`` parses files without touching the database and prints one
  line per file (one JSON object per line with ``--json``); unreadable files give an ``error``
  and the command carries on, exiting 1 at the end if any failed.
* ``import FILE_OR_ZIP [...] --user EMAIL`` imports files or export archives for an athlete,
  through the same code as web uploads (duplicates are reported, never stored twice).
* ``recompute [--all] [--user EMAIL]`` re-runs the summaries of imported activities from their
  stored original files — those made by an older track algorithm, or all with ``--all``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from backstride.activities import imports, uploads
from backstride.activities.files import Rejected
from backstride.activities.models import Activity, ImportItem, Source
from backstride.core.tracks import file_stats
from backstride.core.tracks.cli import stats_output


class Command(BaseCommand):
    help = "Activity files: stats (no database), import, recompute."
    requires_system_checks: list[str] = []  # `stats` must work without a database

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(
            dest="action", required=True, metavar="{stats,import,recompute}"
        )

        stats = sub.add_parser("stats", help="Parse files and print their numbers (no database).")
        stats.add_argument("files", nargs="+", metavar="FILE")
        stats.add_argument("--json", action="store_true", help="One JSON object per line.")

        imp = sub.add_parser("import", help="Import activity files or a zip export for a user.")
        imp.add_argument("files", nargs="+", metavar="FILE_OR_ZIP")
        imp.add_argument("--user", required=True, metavar="EMAIL")
        imp.add_argument(
            "--background",
            action="store_true",
            help="Queue the import for the worker instead of running it now.",
        )

        rec = sub.add_parser("recompute", help="Recompute summaries from the original files.")
        rec.add_argument(
            "--all", action="store_true", help="Every imported activity, not only stale ones."
        )
        rec.add_argument("--user", metavar="EMAIL", help="Only this athlete's activities.")

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = int(options.get("verbosity", 1))
        action = options["action"]
        if action == "stats":
            self.stats(options["files"], as_json=options["json"])
        elif action == "import":
            self.import_files(options["files"], options["user"], options["background"])
        else:
            self.recompute(options["all"], options["user"])

    # --- stats -------------------------------------------------------------------------
    def stats(self, files: list[str], as_json: bool) -> None:
        """The same lines as the Django-free path (`backstride.core.tracks.cli`), which
        `backstride activity stats FILE... [--json]` normally takes."""
        failed = 0
        for name in files:
            result = file_stats(name)
            failed += "error" in result
            self.stdout.write(stats_output(result, as_json))
            self.stdout.flush()
        if failed:
            raise CommandError(f"{failed} of {len(files)} files could not be read.", returncode=1)

    # --- import ------------------------------------------------------------------------
    def import_files(self, files: list[str], email: str, background: bool) -> None:
        User = get_user_model()
        try:
            user = User.objects.get(email__iexact=email)
        except User.DoesNotExist:
            raise CommandError(f"No user with the email address {email}.") from None
        paths = [Path(f) for f in files]
        for path in paths:
            if not path.is_file():
                raise CommandError(f"{path}: not a file.")
        handles = [path.open("rb") for path in paths]
        try:
            batch = uploads.create_batch(
                user,
                [(p.name, fh, p.stat().st_size) for p, fh in zip(paths, handles, strict=True)],
                via="cli",
                enqueue=background,
            )
        finally:
            for fh in handles:
                fh.close()
        if background:
            self.stdout.write(f"Queued import {batch.pk}; a worker will import it.")
            return
        for item in batch.items.filter(parent__isnull=True, status=ImportItem.Status.PENDING):
            imports.run_import_item(item.pk)
        rejected = 0
        for item in batch.items.filter(parent__isnull=True).order_by("index"):
            self._report(item)
            entries = item.entries.order_by("index")
            for entry in entries:
                if entry.status != ImportItem.Status.IMPORTED or self.verbosity > 1:
                    self._report(entry, indent="  ")
            rejected += entries.filter(status=ImportItem.Status.REJECTED).count()
            rejected += item.status == ImportItem.Status.REJECTED
        progress = uploads.batch_progress(batch)
        self.stdout.write(
            f"{progress.imported} imported, {progress.duplicates} already there, "
            f"{progress.rejected} not imported."
        )
        if rejected:
            raise CommandError(f"{rejected} file(s) could not be imported.", returncode=1)

    def _report(self, item: Any, indent: str = "") -> None:
        line = f"{indent}{item.name}: {item.get_status_display().lower()}"
        if item.reason:
            line += f" — {item.reason}"
        self.stdout.write(line)
        for warning in item.warnings:
            self.stdout.write(f"{indent}  warning: {warning}")

    # --- recompute ---------------------------------------------------------------------
    def recompute(self, everything: bool, email: str | None) -> None:
        activities = (
            Activity.objects.filter(source=Source.FILE)
            if everything
            else imports.stale_activities()
        )
        if email:
            activities = activities.filter(user__email__iexact=email)
        checked = changed = failed = 0
        for activity in activities.select_related("original").iterator(chunk_size=200):
            checked += 1
            try:
                changed += imports.recompute(activity)
            except (Rejected, FileNotFoundError) as exc:
                failed += 1
                self.stderr.write(f"activity {activity.pk}: {exc}")
        self.stdout.write(
            f"Recomputed {checked} activit{'y' if checked == 1 else 'ies'}: {changed} changed, "
            f"{failed} failed."
        )
        if failed:
            raise CommandError(f"{failed} activities could not be recomputed.", returncode=1)
