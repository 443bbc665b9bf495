"""`backstride newsletter …`: send the outbox now, sweep, prune, stats, export or erase."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backstride.newsletter import services, tasks


class Command(BaseCommand):
    help = "Newsletter tools: send-outbox, sweep, prune, stats, export EMAIL, erase EMAIL."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser(
            "send-outbox", help="Send every due outbox row now, in this process (cron-friendly)."
        )
        sub.add_parser("sweep", help="Release claims of dead workers and re-queue their batches.")
        sub.add_parser(
            "prune",
            help="Delete expired rate-limit rows now (the worker also does this on its own).",
        )
        sub.add_parser("stats", help="Subscriber totals and the last sends.")
        export = sub.add_parser("export", help="Print everything held about an address (JSON).")
        export.add_argument("email")
        erase = sub.add_parser("erase", help="Erase an address (keeps a suppression hash).")
        erase.add_argument("email")
        erase.add_argument("--yes", action="store_true", help="Don't ask for confirmation.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "send-outbox":
            swept = tasks.sweep()
            report = tasks.deliver_due()
            self.stdout.write(
                f"released {swept.reclaimed} stale claims; sent {report.sent}, failed "
                f"{report.failed}, retrying {report.retry}, cancelled {report.cancelled}"
                + (f"; last error: {report.error}" if report.error else "")
            )
        elif action == "sweep":
            swept = tasks.sweep()
            self.stdout.write(
                f"released {swept.reclaimed} stale claims; re-queued {len(swept.batches)} "
                f"batches; {swept.remaining} messages still to send"
            )
        elif action == "prune":
            deleted = tasks.prune()
            self.stdout.write(f"deleted {deleted} expired rate-limit rows")
        elif action == "stats":
            totals = services.totals()
            self.stdout.write(", ".join(f"{k}: {v}" for k, v in totals.items()))
            for s in services.issue_stats(10):
                self.stdout.write(
                    f"{s.issue.created_at:%Y-%m-%d %H:%M}  {s.issue.subject[:50]:<50}  "
                    f"{s.sent}/{s.total} delivered, {s.failed} failed, {s.waiting} waiting"
                )
        elif action in {"export", "erase"}:
            subscriber = services.find(options["email"])
            if subscriber is None:
                raise CommandError("No subscriber with that address.")
            if action == "export":
                self.stdout.write(json.dumps(services.export_data(subscriber), indent=2))
                return
            if not options["yes"]:
                answer = input(f"Erase {subscriber.email}? This cannot be undone. [y/N] ")
                if answer.strip().lower() != "y":
                    raise CommandError("Not erased.")
            services.erase(subscriber)
            self.stdout.write("Erased. A suppression hash and the consent history are kept.")
