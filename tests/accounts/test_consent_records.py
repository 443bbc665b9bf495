"""One consent model for everyone: append-only, one list of kinds and sources, and the
migration that moved the newsletter's consent rows into it without losing anything."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from backstride.accounts.models import ConsentRecord, ConsentSource
from backstride.newsletter import models as newsletter_models
from backstride.newsletter import services as newsletter


@pytest.mark.django_db
def test_consent_records_are_append_only(athlete):
    record = ConsentRecord.objects.create(user=athlete, kind="terms", wording_version="1")
    record.detail = "changed"
    with pytest.raises(PermissionError):
        record.save()
    with pytest.raises(PermissionError):
        record.delete()
    with pytest.raises(PermissionError):
        ConsentRecord.objects.filter(pk=record.pk).update(detail="changed")
    with pytest.raises(PermissionError):
        ConsentRecord.objects.filter(pk=record.pk).delete()
    assert ConsentRecord.objects.get().detail == ""


@pytest.mark.django_db
def test_deleting_a_person_still_removes_their_consents(athlete):
    ConsentRecord.objects.create(user=athlete, kind="terms", wording_version="1")
    athlete.delete()
    assert not ConsentRecord.objects.exists()


@pytest.mark.django_db
def test_a_consent_names_an_account_or_an_address():
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsentRecord.objects.create(kind="newsletter", action="requested")


def test_the_newsletter_uses_the_one_source_list():
    assert newsletter_models.Source is ConsentSource
    assert ConsentRecord.Source is ConsentSource
    assert {"home", "article", "episode", "page", "signup", "invitation", "api"} <= set(
        ConsentSource.values
    )


@pytest.mark.django_db
def test_a_deleted_subscriber_keeps_an_unlinked_history():
    result = newsletter.request_subscription("keep@example.org", source="home", ip="192.0.2.9")
    subscriber = result.subscriber
    assert ConsentRecord.objects.get().subscriber_id == subscriber.pk
    subscriber.delete()  # as the admin would
    kept = ConsentRecord.objects.get()
    assert kept.subscriber_id is None and kept.kind == "newsletter"
    assert kept.ip_prefix == "192.0.2.0/24" and kept.email_hash


# --- The migration ------------------------------------------------------------------------------
BEFORE = [("accounts", "0003_audit_log"), ("newsletter", "0003_prune_schedule")]


def latest(executor: MigrationExecutor) -> list[tuple[str, str]]:
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_newsletter_consents_and_keeps_yes_and_no():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    User = old.get_model("accounts", "User")
    OldAccounts = old.get_model("accounts", "ConsentRecord")
    OldNewsletter = old.get_model("newsletter", "ConsentRecord")
    Subscriber = old.get_model("newsletter", "Subscriber")
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    try:
        user = User.objects.create(email="old@example.org", password="!")
        OldAccounts.objects.create(user=user, kind="terms", wording_version="t1", given=True)
        OldAccounts.objects.create(user=user, kind="health_data", wording_version="h1", given=False)
        subscriber = Subscriber.objects.create(email="reader@example.org", source="home")
        OldNewsletter.objects.create(
            subscriber=subscriber,
            email_hash="a" * 64,
            action="confirmed",
            wording_version="2026-01",
            source="home",
            ip_prefix="203.0.113.0/24",
            detail="",
            created_at=at,
        )
        OldNewsletter.objects.create(
            subscriber=None, email_hash="b" * 64, action="erased", created_at=at
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest(executor))

    rows = {(r.kind, r.action, r.wording_version): r for r in ConsentRecord.objects.all()}
    assert set(rows) == {
        ("terms", "given", "t1"),
        ("health_data", "withdrawn", "h1"),
        ("newsletter", "confirmed", "2026-01"),
        ("newsletter", "erased", ""),
    }
    confirmed = rows[("newsletter", "confirmed", "2026-01")]
    assert confirmed.subscriber_id == subscriber.pk and confirmed.email_hash == "a" * 64
    assert confirmed.source == "home" and confirmed.ip_prefix == "203.0.113.0/24"
    assert confirmed.created_at == at and confirmed.user_id is None
    assert rows[("newsletter", "erased", "")].subscriber_id is None
    assert rows[("terms", "given", "t1")].user_id == user.pk
