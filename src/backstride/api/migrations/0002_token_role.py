"""Tokens record the role they were made under; existing tokens get their owner's role now."""

from typing import Any

from django.db import migrations, models


def stamp_existing_tokens(apps: Any, schema_editor: Any) -> None:
    ApiToken = apps.get_model("api", "ApiToken")
    for token in ApiToken.objects.select_related("user"):
        user = token.user
        token.role = "admin" if user.is_superuser else user.role
        token.save(update_fields=["role"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_demo_accounts_and_one_email_spelling"),
        ("api", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="role",
            field=models.CharField(blank=True, max_length=16),
        ),
        migrations.RunPython(stamp_existing_tokens, migrations.RunPython.noop),
    ]
