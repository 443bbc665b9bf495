from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("newsletter", "0004_consent_records_move_to_accounts"),
    ]

    operations = [
        migrations.DeleteModel(
            name="ConsentRecord",
        ),
    ]
