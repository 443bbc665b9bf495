"""The migrations match the models, and an install of 0.1 upgrades onto the squashed chains."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

from backstride.lib.upgrade import half_applied_squashes

# What 0.1 shipped, in order: the rows a database migrated by 0.1 holds.
OLD_CHAINS = {
    "accounts": (
        "0001_squashed_0007_records_change",
        [
            "0001_initial",
            "0002_demo_accounts_and_one_email_spelling",
            "0003_audit_log",
            "0004_invitations_and_one_consent_model",
            "0005_consent_action_from_given",
            "0006_remove_consent_given",
            "0007_records_change",
        ],
    ),
    "api": (
        "0001_squashed_0003_token_scope_and_expiry",
        ["0001_initial", "0002_token_role", "0003_token_scope_and_expiry"],
    ),
    "newsletter": (
        "0001_squashed_0005_delete_newsletter_consentrecord",
        [
            "0001_initial",
            "0002_outbox_handed_over",
            "0003_prune_schedule",
            "0004_consent_records_move_to_accounts",
            "0005_delete_newsletter_consentrecord",
        ],
    ),
    "rehab": (
        "0001_squashed_0004_advicereminder",
        [
            "0001_initial",
            "0002_seencliniciandeclaration",
            "0003_checkin_pain_48h_checkin_pain_before_and_more",
            "0004_advicereminder",
        ],
    ),
}


def as_old_install(upto: dict[str, int] | None = None) -> None:
    """Make django_migrations look like 0.1's: the old steps and no squash (only the first
    ``upto[app]`` steps for an app left part-way). A squash applied to a new database records
    its old steps too, so a new install already holds them."""
    rows = MigrationRecorder.Migration.objects
    for app, (_, steps) in OLD_CHAINS.items():
        rows.filter(app=app).delete()
        for name in steps[: (upto or {}).get(app, len(steps))]:
            rows.create(app=app, name=name)


def pending() -> list[str]:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{m.app_label}.{m.name}" for m, _ in plan]


@pytest.mark.django_db
def test_the_migrations_match_the_models():
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


@pytest.mark.django_db
def test_each_squash_replaces_exactly_the_chain_0_1_shipped():
    executor = MigrationExecutor(connection)
    for app, (squash, steps) in OLD_CHAINS.items():
        migration = executor.loader.disk_migrations[(app, squash)]
        assert migration.replaces == [(app, step) for step in steps]
        assert [name for a, name in executor.loader.disk_migrations if a == app] == [squash]


@pytest.mark.django_db
def test_a_database_migrated_by_0_1_upgrades_without_running_anything():
    as_old_install()
    assert half_applied_squashes() == []
    assert pending() == []
    call_command("migrate", interactive=False, verbosity=0)
    recorded = set(MigrationRecorder.Migration.objects.values_list("app", "name"))
    assert {(app, squash) for app, (squash, _) in OLD_CHAINS.items()} <= recorded


@pytest.mark.django_db
def test_a_database_stopped_part_way_is_refused_in_words_before_anything_runs():
    as_old_install(upto={"accounts": 3})
    before = list(MigrationRecorder.Migration.objects.values_list("app", "name"))
    [problem] = half_applied_squashes()
    assert problem.startswith("accounts is at 0003_audit_log")
    with pytest.raises(CommandError) as refused:
        call_command("migrate", interactive=False, verbosity=0)
    message = str(refused.value)
    assert "part-way" in message and "install Backstride 0.1.0" in message
    assert list(MigrationRecorder.Migration.objects.values_list("app", "name")) == before
