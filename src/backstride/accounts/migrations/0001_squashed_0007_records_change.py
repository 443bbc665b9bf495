"""The accounts tables as they stand after 0007_records_change, in one step.

Replaces 0001_initial … 0007_records_change: a database migrated by Backstride 0.1 (to the end of
that chain) counts this as applied; a new database runs only this. A database left
part-way through the old chain is refused with instructions (accounts/checks.py).
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import backstride.accounts.models


class Migration(migrations.Migration):
    initial = True

    replaces = [
        ("accounts", "0001_initial"),
        ("accounts", "0002_demo_accounts_and_one_email_spelling"),
        ("accounts", "0003_audit_log"),
        ("accounts", "0004_invitations_and_one_consent_model"),
        ("accounts", "0005_consent_action_from_given"),
        ("accounts", "0006_remove_consent_given"),
        ("accounts", "0007_records_change"),
    ]

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.CreateModel(
            name="User",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("password", models.CharField(max_length=128, verbose_name="password")),
                (
                    "last_login",
                    models.DateTimeField(blank=True, null=True, verbose_name="last login"),
                ),
                (
                    "is_superuser",
                    models.BooleanField(
                        default=False,
                        help_text="Designates that this user has all permissions without explicitly assigning them.",
                        verbose_name="superuser status",
                    ),
                ),
                (
                    "first_name",
                    models.CharField(blank=True, max_length=150, verbose_name="first name"),
                ),
                (
                    "last_name",
                    models.CharField(blank=True, max_length=150, verbose_name="last name"),
                ),
                (
                    "is_staff",
                    models.BooleanField(
                        default=False,
                        help_text="Designates whether the user can log into this admin site.",
                        verbose_name="staff status",
                    ),
                ),
                (
                    "is_active",
                    models.BooleanField(
                        default=True,
                        help_text="Designates whether this user should be treated as active. Unselect this instead of deleting accounts.",
                        verbose_name="active",
                    ),
                ),
                (
                    "date_joined",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="date joined"
                    ),
                ),
                (
                    "email",
                    models.EmailField(max_length=254, unique=True, verbose_name="email address"),
                ),
                ("display_name", models.CharField(blank=True, max_length=80)),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("athlete", "Athlete"),
                            ("clinician", "Clinician"),
                            ("editor", "Editor"),
                            ("admin", "Administrator"),
                        ],
                        default="athlete",
                        max_length=16,
                    ),
                ),
                ("timezone", models.CharField(default="Europe/London", max_length=64)),
                ("email_verified_at", models.DateTimeField(blank=True, null=True)),
                (
                    "is_demo",
                    models.BooleanField(
                        default=False,
                        help_text="Made by `backstride demo` with the public demo password: refused when DEBUG is off.",
                        verbose_name="demo account",
                    ),
                ),
                (
                    "groups",
                    models.ManyToManyField(
                        blank=True,
                        help_text="The groups this user belongs to. A user will get all permissions granted to each of their groups.",
                        related_name="user_set",
                        related_query_name="user",
                        to="auth.group",
                        verbose_name="groups",
                    ),
                ),
                (
                    "user_permissions",
                    models.ManyToManyField(
                        blank=True,
                        help_text="Specific permissions for this user.",
                        related_name="user_set",
                        related_query_name="user",
                        to="auth.permission",
                        verbose_name="user permissions",
                    ),
                ),
            ],
            options={
                "ordering": ["email"],
            },
            managers=[
                ("objects", backstride.accounts.models.UserManager()),
            ],
        ),
        migrations.CreateModel(
            name="CareLink",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("consented_at", models.DateTimeField(blank=True, null=True)),
                ("revoked_at", models.DateTimeField(blank=True, null=True)),
                (
                    "athlete",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="clinician_links",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "clinician",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="client_links",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="ConsentRecord",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "email_hash",
                    models.CharField(
                        blank=True,
                        db_index=True,
                        help_text="Keyed hash of the address, for consents of people without an account.",
                        max_length=64,
                    ),
                ),
                (
                    "subscriber_id",
                    models.PositiveBigIntegerField(blank=True, db_index=True, null=True),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("terms", "Terms of use"),
                            ("health_data", "Use of your health data"),
                            ("share_with_clinician", "Sharing your record with a clinician"),
                            ("newsletter", "Newsletter emails"),
                        ],
                        max_length=32,
                    ),
                ),
                (
                    "action",
                    models.CharField(
                        choices=[
                            ("given", "Agreed"),
                            ("withdrawn", "Withdrew"),
                            ("requested", "Asked to subscribe"),
                            ("confirmed", "Confirmed (double opt-in)"),
                            ("preferences", "Changed preferences"),
                            ("suppressed", "Suppressed (bounce or complaint)"),
                            ("erased", "Data erased"),
                        ],
                        default="given",
                        max_length=12,
                    ),
                ),
                ("wording_version", models.CharField(blank=True, max_length=32)),
                (
                    "source",
                    models.CharField(
                        blank=True,
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
                        max_length=12,
                    ),
                ),
                (
                    "ip_prefix",
                    models.CharField(
                        blank=True,
                        help_text="Truncated client network (IPv4 /24, IPv6 /48).",
                        max_length=50,
                    ),
                ),
                ("detail", models.CharField(blank=True, max_length=200)),
                (
                    "created_at",
                    models.DateTimeField(db_index=True, default=django.utils.timezone.now),
                ),
                (
                    "care_link",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="consents",
                        to="accounts.carelink",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="consents",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["created_at", "pk"],
            },
        ),
        migrations.CreateModel(
            name="EmailToken",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("purpose", models.CharField(choices=[("verify", "Verify email")], max_length=16)),
                ("nonce", models.CharField(max_length=64, unique=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("used_at", models.DateTimeField(blank=True, null=True)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="Invitation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "direction",
                    models.CharField(
                        choices=[
                            ("client", "A clinician invites a client"),
                            ("clinician", "An athlete invites their clinician"),
                        ],
                        max_length=12,
                    ),
                ),
                (
                    "email",
                    models.EmailField(
                        help_text="Stored in its one spelling.",
                        max_length=254,
                        verbose_name="email address",
                    ),
                ),
                ("nonce", models.CharField(max_length=64, unique=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "sent_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now,
                        help_text="When the newest link was made.",
                    ),
                ),
                ("expires_at", models.DateTimeField()),
                ("send_count", models.PositiveSmallIntegerField(default=1)),
                (
                    "emailed_at",
                    models.DateTimeField(
                        blank=True,
                        help_text="When the email with the newest link went out.",
                        null=True,
                    ),
                ),
                ("accepted_at", models.DateTimeField(blank=True, null=True)),
                ("cancelled_at", models.DateTimeField(blank=True, null=True)),
                (
                    "accepted_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "care_link",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="invitations",
                        to="accounts.carelink",
                    ),
                ),
                (
                    "inviter",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="invitations_sent",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="RecordsChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="AuditEvent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("actor_label", models.CharField(max_length=200)),
                (
                    "action",
                    models.CharField(
                        choices=[
                            ("read", "Looked at"),
                            ("change", "Changed"),
                            ("export", "Exported"),
                            ("refused", "Was refused"),
                        ],
                        max_length=16,
                    ),
                ),
                (
                    "channel",
                    models.CharField(
                        choices=[
                            ("web", "Website"),
                            ("api", "API"),
                            ("admin", "Admin site"),
                            ("task", "Background job"),
                        ],
                        max_length=16,
                    ),
                ),
                ("what", models.CharField(max_length=120)),
                ("path", models.CharField(blank=True, max_length=300)),
                ("ip", models.GenericIPAddressField(blank=True, null=True)),
                ("request_id", models.CharField(blank=True, max_length=64)),
                (
                    "created_at",
                    models.DateTimeField(db_index=True, default=django.utils.timezone.now),
                ),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "athlete",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="audit_events",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-pk"],
                "indexes": [
                    models.Index(fields=["athlete", "-created_at"], name="audit_athlete_time")
                ],
            },
        ),
        migrations.AddConstraint(
            model_name="carelink",
            constraint=models.UniqueConstraint(
                fields=("clinician", "athlete"), name="unique_care_link"
            ),
        ),
        migrations.AddConstraint(
            model_name="carelink",
            constraint=models.CheckConstraint(
                condition=models.Q(("clinician", models.F("athlete")), _negated=True),
                name="no_self_link",
            ),
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
        migrations.AddIndex(
            model_name="invitation",
            index=models.Index(fields=["inviter", "-created_at"], name="invitation_inviter_time"),
        ),
        migrations.AddIndex(
            model_name="invitation",
            index=models.Index(fields=["email"], name="invitation_email"),
        ),
        migrations.AddIndex(
            model_name="recordschange",
            index=models.Index(fields=["user", "id"], name="records_change_user"),
        ),
    ]
