"""The rehab tables as they stand after 0004_advicereminder, in one step.

Replaces 0001_initial … 0004_advicereminder: a database migrated by Backstride 0.1 (to the end of
that chain) counts this as applied; a new database runs only this. A database left
part-way through the old chain is refused with instructions (accounts/checks.py).
"""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    replaces = [
        ("rehab", "0001_initial"),
        ("rehab", "0002_seencliniciandeclaration"),
        ("rehab", "0003_checkin_pain_48h_checkin_pain_before_and_more"),
        ("rehab", "0004_advicereminder"),
    ]

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Assessment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("data", models.JSONField(blank=True, default=dict)),
                ("started_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("completed_at", models.DateTimeField(blank=True, null=True)),
                ("placed_phase", models.PositiveSmallIntegerField(blank=True, null=True)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="rehab_assessments",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-started_at"],
            },
        ),
        migrations.CreateModel(
            name="ObjectiveTestResult",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("test_id", models.CharField(max_length=64)),
                (
                    "value",
                    models.FloatField(validators=[django.core.validators.MinValueValidator(0)]),
                ),
                ("day", models.DateField()),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="rehab_tests",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-day", "-created_at"],
            },
        ),
        migrations.CreateModel(
            name="OutcomeReminder",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("due_on", models.DateField()),
                ("sent_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="rehab_reminders",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="OutcomeScore",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "measure",
                    models.CharField(
                        choices=[
                            ("nprs", "Pain rating (NPRS)"),
                            ("psfs", "Patient-Specific Functional Scale"),
                        ],
                        max_length=8,
                    ),
                ),
                ("day", models.DateField()),
                (
                    "score",
                    models.FloatField(
                        validators=[
                            django.core.validators.MinValueValidator(0),
                            django.core.validators.MaxValueValidator(10),
                        ]
                    ),
                ),
                ("items", models.JSONField(blank=True, default=list)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="rehab_outcomes",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["day", "created_at"],
            },
        ),
        migrations.CreateModel(
            name="PhaseChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "action",
                    models.CharField(
                        choices=[
                            ("placement", "Placed"),
                            ("progress", "Moved up"),
                            ("step_back", "Stepped back"),
                        ],
                        max_length=16,
                    ),
                ),
                ("from_phase", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("to_phase", models.PositiveSmallIntegerField()),
                ("reasons", models.JSONField(default=list)),
                ("rule_ids", models.JSONField(default=list)),
                ("see_clinician", models.BooleanField(default=False)),
                ("protocol_id", models.CharField(max_length=64)),
                ("protocol_version", models.CharField(max_length=32)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="rehab_phase_changes",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="RedFlagScreen",
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
                            ("initial", "Self-assessment"),
                            ("phase_change", "Phase change"),
                            ("weekly", "Weekly check"),
                        ],
                        max_length=16,
                    ),
                ),
                ("answers", models.JSONField(default=dict)),
                ("stop", models.BooleanField(default=False)),
                ("urgency", models.CharField(blank=True, max_length=16)),
                ("triggered", models.JSONField(blank=True, default=list)),
                ("protocol_id", models.CharField(max_length=64)),
                ("protocol_version", models.CharField(max_length=32)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "assessment",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="screens",
                        to="rehab.assessment",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="rehab_screens",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="RedFlagClearance",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("reason", models.TextField()),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "clinician",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="rehab_clearances",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "screen",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="clearance",
                        to="rehab.redflagscreen",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="AdviceReminder",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("due_on", models.DateField()),
                ("sent_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "screen",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="advice_reminders",
                        to="rehab.redflagscreen",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="RehabProfile",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("phase", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("phase_started_at", models.DateTimeField(blank=True, null=True)),
                ("phase_started_on", models.DateField(blank=True, null=True)),
                ("paused", models.BooleanField(default=False)),
                (
                    "pending_screen",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("initial", "Self-assessment"),
                            ("phase_change", "Phase change"),
                            ("weekly", "Weekly check"),
                        ],
                        max_length=16,
                    ),
                ),
                ("pending_phase", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("protocol_text", models.TextField(blank=True)),
                ("protocol_id", models.CharField(blank=True, max_length=64)),
                ("protocol_version", models.CharField(blank=True, max_length=32)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="rehab_profile",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="SeenClinicianDeclaration",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("note", models.CharField(blank=True, max_length=300)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "screen",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="declaration",
                        to="rehab.redflagscreen",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="SessionLog",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("phase", models.PositiveSmallIntegerField()),
                ("session_id", models.CharField(max_length=64)),
                ("exercises_done", models.JSONField(blank=True, default=list)),
                ("completed_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="rehab_sessions",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-day"],
            },
        ),
        migrations.CreateModel(
            name="CheckIn",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                (
                    "pain_now",
                    models.PositiveSmallIntegerField(
                        validators=[
                            django.core.validators.MinValueValidator(0),
                            django.core.validators.MaxValueValidator(10),
                        ]
                    ),
                ),
                (
                    "leg_symptoms",
                    models.CharField(
                        choices=[
                            ("none", "No leg symptoms"),
                            ("better", "Better than before"),
                            ("same", "About the same"),
                            ("worse", "New, worse or spreading"),
                        ],
                        max_length=8,
                    ),
                ),
                (
                    "stiffness",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(0),
                            django.core.validators.MaxValueValidator(10),
                        ],
                    ),
                ),
                (
                    "effort",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(0),
                            django.core.validators.MaxValueValidator(10),
                        ],
                    ),
                ),
                (
                    "pain_next_morning",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(0),
                            django.core.validators.MaxValueValidator(10),
                        ],
                    ),
                ),
                ("next_morning_at", models.DateTimeField(blank=True, null=True)),
                (
                    "pain_before",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(0),
                            django.core.validators.MaxValueValidator(10),
                        ],
                    ),
                ),
                (
                    "pain_during",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(0),
                            django.core.validators.MaxValueValidator(10),
                        ],
                    ),
                ),
                (
                    "pain_48h",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(0),
                            django.core.validators.MaxValueValidator(10),
                        ],
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="rehab_checkins",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "session",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="checkin",
                        to="rehab.sessionlog",
                    ),
                ),
            ],
            options={
                "ordering": ["-day"],
            },
        ),
        migrations.AddConstraint(
            model_name="assessment",
            constraint=models.UniqueConstraint(
                condition=models.Q(("completed_at__isnull", True)),
                fields=("user",),
                name="one_open_assessment_per_user",
            ),
        ),
        migrations.AddConstraint(
            model_name="outcomereminder",
            constraint=models.UniqueConstraint(
                fields=("user", "due_on"), name="one_reminder_per_due_date"
            ),
        ),
        migrations.AddConstraint(
            model_name="advicereminder",
            constraint=models.UniqueConstraint(
                fields=("screen", "due_on"), name="one_advice_reminder_per_due_date"
            ),
        ),
        migrations.AddConstraint(
            model_name="sessionlog",
            constraint=models.UniqueConstraint(fields=("user", "day"), name="one_session_per_day"),
        ),
        migrations.AddConstraint(
            model_name="checkin",
            constraint=models.UniqueConstraint(fields=("user", "day"), name="one_checkin_per_day"),
        ),
        migrations.AddConstraint(
            model_name="checkin",
            constraint=models.CheckConstraint(
                condition=models.Q(("pain_now__lte", 10)), name="checkin_pain_0_10"
            ),
        ),
        migrations.AddConstraint(
            model_name="checkin",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("pain_next_morning__isnull", True),
                    ("pain_next_morning__lte", 10),
                    _connector="OR",
                ),
                name="checkin_morning_0_10",
            ),
        ),
    ]
