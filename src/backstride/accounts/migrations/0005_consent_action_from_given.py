"""Consent records said yes or no with ``given``; they now name the action taken."""

from django.db import migrations


def forwards(apps, schema_editor):
    ConsentRecord = apps.get_model("accounts", "ConsentRecord")
    ConsentRecord._base_manager.filter(given=False).update(action="withdrawn")
    ConsentRecord._base_manager.filter(given=True).update(action="given")


def backwards(apps, schema_editor):
    ConsentRecord = apps.get_model("accounts", "ConsentRecord")
    ConsentRecord._base_manager.filter(action="withdrawn").update(given=False)
    ConsentRecord._base_manager.exclude(action="withdrawn").update(given=True)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_invitations_and_one_consent_model"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
