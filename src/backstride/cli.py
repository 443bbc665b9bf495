"""The `backstride` command: Django's management commands under one name.

`backstride serve`, `worker`, `run`, `migrate`, `demo`, `createsuperuser`, `check --deploy`,
and each app's own commands (`backstride activity stats FILE`, `backstride protocol check`).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backstride.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 — load the settings now, to refuse clearly
    except ImproperlyConfigured as exc:
        sys.exit(f"backstride: {exc}")

    args = list(sys.argv if argv is None else argv)
    args[0] = "backstride"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
