"""``backstride protocol check [FILE] [--json]``: validate a protocol file.

Prints a summary, or every problem as ``file:line: where: problem`` and exits non-zero. A file
other than the shipped default is also checked against the locked safety minimum
(``core.safety_floor``): every default red flag at its urgency or higher, the re-screens.
A running-form file (one with a ``[form]`` table, like ``protocols/form.toml``) is checked
as form ranges instead.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backstride.core.form.ranges import load_form_ranges
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
        if path is not None and _is_form_file(path):
            self.check_form_file(path, as_json)
            return
        try:
            protocol = load_protocol(path)
            if path is not None:
                # A copy may tailor numbers and words, never the locked safety minimum.
                check_tailored_file(path)
        except ProtocolError as exc:
            self._refuse(name, exc, as_json)
        summary = protocol.summary()
        self._print_summary(
            summary,
            as_json,
            f"{name}: OK — {protocol.title} ({protocol.id} {protocol.version})\n"
            f"  red flags: {summary['red_flags']}\n"
            f"  phases:    {summary['phases']}\n"
            f"  exercises: {summary['exercises']}\n"
            f"  rules:     {summary['rules']}\n"
            f"  rules without a source: "
            f"{', '.join(summary['rules_without_source']) or 'none'}",
        )
        if strict and summary["rules_without_source"]:
            raise CommandError(
                f"{name}: {len(summary['rules_without_source'])} rule(s) without a source: "
                + ", ".join(summary["rules_without_source"]),
                returncode=1,
            )

    def check_form_file(self, path: str, as_json: bool) -> None:
        """Validate running-form ranges (``protocols/form.toml`` or a copy)."""
        try:
            ranges = load_form_ranges(path)
        except ProtocolError as exc:
            self._refuse(path, exc, as_json)
        unverified = [k for k, s in ranges.sources.items() if not s.verified]
        summary = {
            "ranges": len(ranges.ranges),
            "advice_rules": len(ranges.rules),
            "sources": len(ranges.sources),
            "sources_not_verified": unverified,
        }
        self._print_summary(
            summary,
            as_json,
            f"{path}: OK — running-form ranges ({ranges.id} {ranges.version})\n"
            f"  ranges:       {summary['ranges']}\n"
            f"  advice rules: {summary['advice_rules']}\n"
            f"  sources not verified against the published text: "
            f"{', '.join(unverified) or 'none'}",
        )

    def _print_summary(self, summary: dict[str, Any], as_json: bool, text: str) -> None:
        """A file that checked out: its summary as JSON, or ``text`` for people."""
        self.stdout.write(json.dumps(summary, indent=2) if as_json else text)

    def _refuse(self, name: str, exc: ProtocolError, as_json: bool) -> NoReturn:
        """Every problem of a file that did not check out (also as JSON), then exit 1."""
        if as_json:
            payload = {"file": name, "ok": False, "errors": [i.as_dict() for i in exc.issues]}
            self.stdout.write(json.dumps(payload, indent=2))
        for issue in exc.issues:
            self.stderr.write(str(issue))
        count = len(exc.issues)
        raise CommandError(
            f"{name}: {count} problem{'s' if count != 1 else ''} found", returncode=1
        ) from None


def _is_form_file(path: str) -> bool:
    """Whether ``path`` has a top-level ``[form]`` table (unreadable: the protocol check says)."""
    try:
        return "form" in tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
