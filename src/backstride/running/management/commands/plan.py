"""``backstride plan --athlete EMAIL [--json] [--fit-dir DIR] [--ics FILE]``.

Prints the athlete's current prescription with its reasons (rule and source); ``--json``
prints it as JSON (the API's schema, with a ``reasons`` list). ``--fit-dir`` writes the
coming week's planned runs as FIT workouts; ``--ics`` writes the plan as an iCalendar file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse
from django.utils import timezone

from backstride.accounts.models import User
from backstride.running import exports, services
from backstride.running.api import prescription_out


class Command(BaseCommand):
    help = "Show an athlete's running prescription; write FIT workouts and a calendar file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--athlete", required=True, metavar="EMAIL")
        parser.add_argument("--json", action="store_true", help="Print the plan as JSON.")
        parser.add_argument("--fit-dir", metavar="DIR", help="Write the coming week's runs here.")
        parser.add_argument("--ics", metavar="FILE", help="Write the plan as an iCalendar file.")

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["athlete"].strip()
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"No account with the email {email}.")
        rx = services.prescription_for(user)
        now = timezone.now()
        written: list[str] = []
        if options["fit_dir"]:
            folder = Path(options["fit_dir"])
            folder.mkdir(parents=True, exist_ok=True)
            for item in exports.week_workouts(rx, now=now):
                (folder / item.filename).write_bytes(item.data)
                written.append(str(folder / item.filename))
        if options["ics"]:
            path = Path(options["ics"])
            url = settings.SITE_URL + reverse("running:plan")
            data = exports.plan_calendar(
                rx, user.pk, name=f"{settings.SITE_NAME} running plan", now=now, url=url
            )
            path.write_bytes(data)
            written.append(str(path))
        if options["json"]:
            payload = prescription_out(rx).model_dump(mode="json")
            payload["files"] = written
            self.stdout.write(json.dumps(payload, indent=2))
            return
        self.stdout.write(f"{user.email}: {rx.status.value} (plan for {rx.today})")
        for s in rx.sessions:
            flag = " [tries the next step]" if s.is_test else ""
            self.stdout.write(f"  {s.on} {s.label}{flag}")
        self.stdout.write("Why:")
        for r in rx.reasons:
            self.stdout.write(f"  - {r.text} ({r.rule_id}; {r.source})")
        for path_text in written:
            self.stdout.write(f"wrote {path_text}")
