"""Refuse, in words, to migrate a database that stopped part-way through a squashed chain.

Backstride 0.2 replaced the migrations of accounts, api, newsletter and rehab with one
squashed migration each (``replaces`` lists the old ones). A database migrated by 0.1 to the
end of each chain counts the squash as applied, and a new database runs only the squash. A
database left part-way (say at ``accounts.0003``) cannot be finished from here: the old steps
are gone, and Django would fail deep inside the migration with "Related model cannot be
resolved". ``backstride migrate`` (web/management/commands/migrate.py) calls
:func:`refuse_half_applied_squashes` before anything else and stops, saying what to do.
"""

from __future__ import annotations

from django.core.management.base import CommandError
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

LAST_RELEASE_WITH_THE_OLD_CHAINS = "0.1.0 (git commit f844455)"


def half_applied_squashes(using: str = "default") -> list[str]:
    """One sentence per squashed migration whose old steps are applied only in part."""
    recorder = MigrationRecorder(connections[using])
    if not recorder.has_table():
        return []
    applied = set(recorder.applied_migrations())
    problems = []
    disk = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    for (app, name), migration in sorted(disk.items()):
        if all(step in disk for step in migration.replaces):
            continue  # the old steps are still shipped: Django finishes them itself
        done = [step for step in migration.replaces if step in applied]
        if done and len(done) < len(migration.replaces):
            problems.append(
                f"{app} is at {done[-1][1]}, part-way through the steps that {name} replaces "
                f"(it needs all of {migration.replaces[0][1]} … {migration.replaces[-1][1]})"
            )
    return problems


def refuse_half_applied_squashes(using: str = "default") -> None:
    """Raise a :class:`CommandError` that says how to upgrade, if a squash is half applied."""
    problems = half_applied_squashes(using)
    if problems:
        raise CommandError(
            "This database was left part-way through an older Backstride's migrations: "
            + "; ".join(problems)
            + ". This version starts where those steps end. Upgrade in two steps: install "
            f"Backstride {LAST_RELEASE_WITH_THE_OLD_CHAINS}, run `backstride migrate`, then "
            "install this version again and run `backstride migrate`. Your data is unchanged."
        )
