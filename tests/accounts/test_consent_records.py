"""One consent model for everyone: append-only, one list of kinds and sources. (The 0.1
migration that moved the newsletter's consent rows into it was squashed away in 0.2, with
its test: tests/test_migrations.py covers the upgrade.)"""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

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
