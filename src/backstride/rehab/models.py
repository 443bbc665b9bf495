"""Rehab persistence: the athlete's program state, assessments, red-flag screens, sessions,
check-ins, objective tests, outcome scores and every phase change with its reasons.

The rules live in ``backstride.core``; these models only store inputs and decisions. Every
stored decision keeps the protocol id, version and digest that produced it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

SCORE = [MinValueValidator(0), MaxValueValidator(10)]
HEALTH_CONSENT_KIND = "health_data"


class Screen(models.TextChoices):
    INITIAL = "initial", "Self-assessment"
    PHASE_CHANGE = "phase_change", "Phase change"
    WEEKLY = "weekly", "Weekly check"


class RehabProfile(models.Model):
    """One athlete's place in the program."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rehab_profile"
    )
    phase = models.PositiveSmallIntegerField(null=True, blank=True)
    phase_started_at = models.DateTimeField(null=True, blank=True)
    phase_started_on = models.DateField(null=True, blank=True)
    paused = models.BooleanField(default=False)
    pending_screen = models.CharField(max_length=16, choices=Screen.choices, blank=True)
    pending_phase = models.PositiveSmallIntegerField(null=True, blank=True)
    # A clinician's tailored copy of the protocol (validated TOML); empty = the default file.
    protocol_text = models.TextField(blank=True)
    protocol_id = models.CharField(max_length=64, blank=True)
    protocol_version = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user} · phase {self.phase or '-'}{' (paused)' if self.paused else ''}"

    @property
    def placed(self) -> bool:
        return self.phase is not None


class Assessment(models.Model):
    """The self-assessment wizard: answers saved step by step so a person can resume."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rehab_assessments"
    )
    data = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    placed_phase = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(completed_at__isnull=True),
                name="one_open_assessment_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"Assessment {self.pk} for {self.user_id}"

    def answers(self, step: str) -> dict[str, Any]:
        value = self.data.get(step)
        return dict(value) if isinstance(value, dict) else {}


class RedFlagScreen(models.Model):
    """One completed red-flag screen and what it decided."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rehab_screens"
    )
    kind = models.CharField(max_length=16, choices=Screen.choices)
    assessment = models.ForeignKey(
        Assessment, null=True, blank=True, on_delete=models.SET_NULL, related_name="screens"
    )
    answers = models.JSONField(default=dict)
    stop = models.BooleanField(default=False)
    urgency = models.CharField(max_length=16, blank=True)
    triggered = models.JSONField(default=list, blank=True)
    protocol_id = models.CharField(max_length=64)
    protocol_version = models.CharField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} screen {self.pk} ({'stop' if self.stop else 'clear'})"

    @property
    def cleared(self) -> bool:
        return hasattr(self, "clearance")


class RedFlagClearance(models.Model):
    """A clinician's explicit, recorded decision that a stopped program may resume."""

    screen = models.OneToOneField(RedFlagScreen, on_delete=models.CASCADE, related_name="clearance")
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rehab_clearances"
    )
    reason = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Screen {self.screen_id} cleared by {self.clinician_id}"


class SeenClinicianDeclaration(models.Model):
    """The athlete's own record that they have seen a GP or clinician about a "soon" red flag
    (which advises but does not pause the program). Lifts the daily reminder; kept for the
    clinician and the audit trail."""

    screen = models.OneToOneField(
        RedFlagScreen, on_delete=models.CASCADE, related_name="declaration"
    )
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Screen {self.screen_id}: seen a clinician (self-declared)"


class PhaseChange(models.Model):
    """Placement and every move up or down, with the reasons shown to the athlete."""

    class Action(models.TextChoices):
        PLACEMENT = "placement", "Placed"
        PROGRESS = "progress", "Moved up"
        STEP_BACK = "step_back", "Stepped back"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rehab_phase_changes"
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    from_phase = models.PositiveSmallIntegerField(null=True, blank=True)
    to_phase = models.PositiveSmallIntegerField()
    reasons = models.JSONField(default=list)
    rule_ids = models.JSONField(default=list)
    see_clinician = models.BooleanField(default=False)
    protocol_id = models.CharField(max_length=64)
    protocol_version = models.CharField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.action} {self.from_phase} → {self.to_phase}"


class SessionLog(models.Model):
    """A session the athlete did (one per local day)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rehab_sessions"
    )
    day = models.DateField()
    phase = models.PositiveSmallIntegerField()
    session_id = models.CharField(max_length=64)
    exercises_done = models.JSONField(default=list, blank=True)
    completed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="one_session_per_day")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day} {self.session_id}"


class CheckIn(models.Model):
    """How the athlete responded to a session, plus the next-morning pain asked a day later."""

    class Leg(models.TextChoices):
        NONE = "none", "No leg symptoms"
        BETTER = "better", "Better than before"
        SAME = "same", "About the same"
        WORSE = "worse", "New, worse or spreading"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rehab_checkins"
    )
    session = models.OneToOneField(
        SessionLog, null=True, blank=True, on_delete=models.SET_NULL, related_name="checkin"
    )
    day = models.DateField()
    pain_now = models.PositiveSmallIntegerField(validators=SCORE)
    leg_symptoms = models.CharField(max_length=8, choices=Leg.choices)
    stiffness = models.PositiveSmallIntegerField(validators=SCORE, null=True, blank=True)
    effort = models.PositiveSmallIntegerField(validators=SCORE, null=True, blank=True)
    pain_next_morning = models.PositiveSmallIntegerField(validators=SCORE, null=True, blank=True)
    next_morning_at = models.DateTimeField(null=True, blank=True)
    pain_before = models.PositiveSmallIntegerField(validators=SCORE, null=True, blank=True)
    pain_during = models.PositiveSmallIntegerField(validators=SCORE, null=True, blank=True)
    # asked two days later, only after a session whose response was not green
    pain_48h = models.PositiveSmallIntegerField(validators=SCORE, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="one_checkin_per_day"),
            models.CheckConstraint(condition=Q(pain_now__lte=10), name="checkin_pain_0_10"),
            models.CheckConstraint(
                condition=Q(pain_next_morning__isnull=True) | Q(pain_next_morning__lte=10),
                name="checkin_morning_0_10",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day} pain {self.pain_now}"


class ObjectiveTestResult(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rehab_tests"
    )
    test_id = models.CharField(max_length=64)
    value = models.FloatField(validators=[MinValueValidator(0)])
    day = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day", "-created_at"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.test_id}={self.value:g} on {self.day}"


class OutcomeScore(models.Model):
    """NPRS or PSFS, scored on a given day. PSFS keeps its activities and ratings."""

    class Measure(models.TextChoices):
        NPRS = "nprs", "Pain rating (NPRS)"
        PSFS = "psfs", "Patient-Specific Functional Scale"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rehab_outcomes"
    )
    measure = models.CharField(max_length=8, choices=Measure.choices)
    day = models.DateField()
    score = models.FloatField(validators=SCORE)
    items = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["day", "created_at"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.measure} {self.score:g} on {self.day}"


class OutcomeReminder(models.Model):
    """Reminder emails sent, so each due date is reminded at most once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rehab_reminders"
    )
    due_on = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "due_on"], name="one_reminder_per_due_date")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} reminded for {self.due_on}"


class AdviceReminder(models.Model):
    """ "See your GP" reminder emails of a screen's "soon" advice, one per due date: claimed
    before the email is sent, so a job that runs twice sends once."""

    screen = models.ForeignKey(
        RedFlagScreen, on_delete=models.CASCADE, related_name="advice_reminders"
    )
    due_on = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["screen", "due_on"], name="one_advice_reminder_per_due_date"
            )
        ]

    def __str__(self) -> str:
        return f"screen {self.screen_id} reminded for {self.due_on}"
