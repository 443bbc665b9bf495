"""The newsletter tables as they stand after 0005_delete_newsletter_consentrecord, in one step.

Replaces 0001_initial … 0005_delete_newsletter_consentrecord: a database migrated by Backstride 0.1 (to the end of
that chain) counts this as applied; a new database runs only this. A database left
part-way through the old chain is refused with instructions (accounts/checks.py).
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

import backstride.newsletter.models


class Migration(migrations.Migration):
    initial = True

    replaces = [
        ("newsletter", "0001_initial"),
        ("newsletter", "0002_outbox_handed_over"),
        ("newsletter", "0003_prune_schedule"),
        ("newsletter", "0004_consent_records_move_to_accounts"),
        ("newsletter", "0005_delete_newsletter_consentrecord"),
    ]

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Issue",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("episode_id", models.PositiveIntegerField(blank=True, null=True, unique=True)),
                ("subject", models.CharField(max_length=200)),
                ("body_html", models.TextField()),
                ("body_text", models.TextField()),
                ("url", models.URLField(blank=True, max_length=500)),
                (
                    "created_at",
                    models.DateTimeField(db_index=True, default=django.utils.timezone.now),
                ),
                ("recipients", models.PositiveIntegerField(default=0)),
            ],
            options={
                "ordering": ["-created_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="PruneSchedule",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("due_at", models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.CreateModel(
            name="Subscriber",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "public_id",
                    models.CharField(
                        default=backstride.newsletter.models.new_public_id,
                        editable=False,
                        max_length=32,
                        unique=True,
                    ),
                ),
                (
                    "email",
                    models.EmailField(
                        help_text="Stored in lower case.", max_length=254, unique=True
                    ),
                ),
                ("first_name", models.CharField(blank=True, max_length=80)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Waiting for confirmation"),
                            ("confirmed", "Subscribed"),
                            ("unsubscribed", "Unsubscribed"),
                            ("bounced", "Bounced"),
                            ("complained", "Marked as spam"),
                        ],
                        db_index=True,
                        default="pending",
                        max_length=12,
                    ),
                ),
                (
                    "weekly_episodes",
                    models.BooleanField(default=True, help_text="Send the weekly episode email."),
                ),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("signup", "Sign-up page"),
                            ("rehab", "Rehab consent page"),
                            ("invitation", "Invitation"),
                            ("sharing", "Sharing page"),
                            ("api", "API"),
                            ("home", "Homepage"),
                            ("article", "Article page"),
                            ("episode", "Episode page"),
                            ("page", "Newsletter page"),
                            ("preferences", "Preferences page"),
                            ("email", "Email or mail provider"),
                            ("demo", "Demo data"),
                            ("other", "Other"),
                        ],
                        default="other",
                        max_length=12,
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(db_index=True, default=django.utils.timezone.now),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("confirmed_at", models.DateTimeField(blank=True, db_index=True, null=True)),
                ("unsubscribed_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "ordering": ["-created_at"],
            },
        ),
        migrations.CreateModel(
            name="Suppression",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("email_hash", models.CharField(max_length=64, unique=True)),
                (
                    "reason",
                    models.CharField(
                        choices=[
                            ("bounced", "Hard bounce"),
                            ("complained", "Spam complaint"),
                            ("erased", "Erased on request"),
                            ("manual", "Added by an editor"),
                        ],
                        max_length=12,
                    ),
                ),
                ("detail", models.CharField(blank=True, max_length=200)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
        ),
        migrations.CreateModel(
            name="SweepSchedule",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("due_at", models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.CreateModel(
            name="SignupAttempt",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(choices=[("address", "Address"), ("ip", "IP")], max_length=8),
                ),
                ("key_hash", models.CharField(max_length=64)),
                (
                    "created_at",
                    models.DateTimeField(db_index=True, default=django.utils.timezone.now),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["kind", "key_hash", "created_at"], name="nl_attempt_lookup"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ConfirmationToken",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "nonce",
                    models.CharField(
                        default=backstride.newsletter.models.new_nonce,
                        editable=False,
                        max_length=64,
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("used_at", models.DateTimeField(blank=True, null=True)),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("signup", "Sign-up page"),
                            ("rehab", "Rehab consent page"),
                            ("invitation", "Invitation"),
                            ("sharing", "Sharing page"),
                            ("api", "API"),
                            ("home", "Homepage"),
                            ("article", "Article page"),
                            ("episode", "Episode page"),
                            ("page", "Newsletter page"),
                            ("preferences", "Preferences page"),
                            ("email", "Email or mail provider"),
                            ("demo", "Demo data"),
                            ("other", "Other"),
                        ],
                        default="other",
                        max_length=12,
                    ),
                ),
                ("wording_version", models.CharField(max_length=20)),
                ("first_name", models.CharField(blank=True, max_length=80)),
                (
                    "subscriber",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="tokens",
                        to="newsletter.subscriber",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="OutboxMessage",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("confirmation", "Confirmation"),
                            ("already", "Already subscribed notice"),
                            ("welcome", "Welcome with the manual"),
                            ("issue", "Weekly episode"),
                        ],
                        max_length=12,
                    ),
                ),
                ("batch", models.CharField(max_length=32)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("sending", "Sending"),
                            ("sent", "Sent"),
                            ("failed", "Failed"),
                            ("cancelled", "Cancelled"),
                        ],
                        default="pending",
                        max_length=10,
                    ),
                ),
                ("attempts", models.PositiveIntegerField(default=0)),
                ("last_error", models.TextField(blank=True)),
                ("claim_token", models.CharField(blank=True, max_length=32)),
                ("claimed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "handed_over_at",
                    models.DateTimeField(
                        blank=True,
                        help_text="Recorded just before the final '.' of SMTP DATA (the commit point).",
                        null=True,
                    ),
                ),
                ("next_attempt_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "issue",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="messages",
                        to="newsletter.issue",
                    ),
                ),
                (
                    "token",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="newsletter.confirmationtoken",
                    ),
                ),
                (
                    "subscriber",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="outbox",
                        to="newsletter.subscriber",
                    ),
                ),
            ],
            options={
                "ordering": ["pk"],
                "indexes": [
                    models.Index(fields=["batch", "status"], name="nl_outbox_batch"),
                    models.Index(fields=["status", "next_attempt_at"], name="nl_outbox_due"),
                    models.Index(fields=["status", "claimed_at"], name="nl_outbox_claims"),
                    models.Index(fields=["claimed_at"], name="nl_outbox_claimed_at"),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("issue__isnull", False)),
                        fields=("issue", "subscriber"),
                        name="nl_outbox_one_per_issue_and_subscriber",
                    )
                ],
            },
        ),
    ]
