"""``backstride protocol check [FILE] [--json]``: validate a protocol file.

Prints a summary, or every problem as ``file:line: where: problem`` and exits non-zero. A file
other than the shipped default is also checked against the locked safety minimum
(``core.safety_floor``): every default red flag at its urgency or higher, the re-screens.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backstride.core.protocol import DEFAULT_PROTOCOL_PATH, ProtocolError, load_protocol
from backstride.core.safety_floor import check_tailored_file


class Command(BaseCommand):
    help = "Work with rehab protocol files. `check [FILE] [--json]` validates one."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        check = sub.add_parser("check", help="Validate a protocol file (default: the shipped one).")
        check.add_argument(
            "file", nargs="?", help=f"TOML file (default: {DEFAULT_PROTOCOL_PATH.name})"
        )
        check.add_argument("--json", action="store_true", help="Print the summary as JSON.")
        check.add_argument(
            "--strict", action="store_true", help="Also fail when a rule has no source."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "check":
            self.check_file(options.get("file"), options["json"], options["strict"])

    def check_file(self, path: str | None, as_json: bool, strict: bool) -> None:
        name = path or str(DEFAULT_PROTOCOL_PATH)
        try:
            protocol = load_protocol(path)
            if path is not None:
                # A copy may tailor numbers and words, never the locked safety minimum.
                check_tailored_file(path)
        except ProtocolError as exc:
            if as_json:
                payload = {"file": name, "ok": False, "errors": [i.as_dict() for i in exc.issues]}
                self.stdout.write(json.dumps(payload, indent=2))
            for issue in exc.issues:
                self.stderr.write(str(issue))
            count = len(exc.issues)
            raise CommandError(
                f"{name}: {count} problem{'s' if count != 1 else ''} found", returncode=1
            ) from None
        summary = protocol.summary()
        if as_json:
            self.stdout.write(json.dumps(summary, indent=2))
        else:
            self.stdout.write(
                f"{name}: OK — {protocol.title} ({protocol.id} {protocol.version})\n"
                f"  red flags: {summary['red_flags']}\n"
                f"  phases:    {summary['phases']}\n"
                f"  exercises: {summary['exercises']}\n"
                f"  rules:     {summary['rules']}\n"
                f"  rules without a source: "
                f"{', '.join(summary['rules_without_source']) or 'none'}"
            )
        if strict and summary["rules_without_source"]:
            raise CommandError(
                f"{name}: {len(summary['rules_without_source'])} rule(s) without a source: "
                + ", ".join(summary["rules_without_source"]),
                returncode=1,
            )
