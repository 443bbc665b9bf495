"""The `backstride` command: Django's management commands under one name.

`backstride serve`, `worker`, `run`, `migrate`, `demo`, `createsuperuser`, `check --deploy`,
and each app's own commands (`backstride activity stats FILE`, `backstride protocol check`).

`activity stats FILE... [--json]` needs no database or settings: it runs straight from the pure
core (:mod:`backstride.core.tracks.cli`) before Django is imported, with the same output and
exit codes; any other form of it (``--help``, Django's options) goes through Django.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv if argv is None else argv)
    if args[1:3] == ["activity", "stats"]:
        from backstride.core.tracks.cli import main as stats_main

        code = stats_main(args[3:])
        if code is not None:
            sys.exit(code)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backstride.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 — load the settings now, to refuse clearly
    except ImproperlyConfigured as exc:
        sys.exit(f"backstride: {exc}")

    args[0] = "backstride"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
