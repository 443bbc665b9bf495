from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_consent_action_from_given"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="consentrecord",
            name="given",
        ),
        migrations.AddConstraint(
            model_name="consentrecord",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("user__isnull", False),
                    models.Q(("email_hash", ""), _negated=True),
                    _connector="OR",
                ),
                name="consent_names_a_person",
            ),
        ),
    ]
