"""Mark demo accounts made before the flag existed, and store every address in one spelling."""

from typing import Any

from django.db import migrations, models

from backstride.accounts.identity import normalise_email

# The addresses `backstride demo` has always used (example.com is reserved: RFC 2606, so no
# real person can have one of these).
DEMO_EMAILS = [
    "athlete@example.com",
    "runner@example.com",
    "clinician@example.com",
    "editor@example.com",
    "admin@example.com",
]


def mark_demo_accounts_and_normalise_emails(apps: Any, schema_editor: Any) -> None:
    User = apps.get_model("accounts", "User")
    User.objects.filter(email__in=DEMO_EMAILS).update(is_demo=True)
    for pk, email in User.objects.values_list("pk", "email"):
        wanted = normalise_email(email)
        # Two accounts that differ only in case cannot both keep their address: such a
        # pair is left as it is for an administrator to merge.
        if wanted != email and not User.objects.filter(email=wanted).exists():
            User.objects.filter(pk=pk).update(email=wanted)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="is_demo",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "Made by `backstride demo` with the public demo password: refused when "
                    "DEBUG is off."
                ),
                verbose_name="demo account",
            ),
        ),
        migrations.RunPython(mark_demo_accounts_and_normalise_emails, migrations.RunPython.noop),
    ]
