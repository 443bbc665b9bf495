"""Return-to-running persistence: only what the athlete did and said.

- :class:`RunCheckIn`: how one run (or cross-trainer session) went, one per activity; the
  next-morning and 48-hour answers are filled in later;
- :class:`ReadinessResult`: one readiness test as the athlete recorded it;
- :class:`CalendarToken`: the secret in a private calendar-feed URL, revocable.

Where the athlete stands on the ladder, each change tested and its verdict are *derived* from
these rows by the pure engine (``backstride.core.treat``): the same history always gives the
same plan, so nothing computed is stored. A computed plan may be reused from the cache only
under the athlete's records token (``accounts/freshness.py``), which every write replaces.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

SCORE = [MinValueValidator(0), MaxValueValidator(10)]
PAIN_FIELDS = ("pain_during", "pain_after", "pain_evening", "pain_next_morning", "pain_48h")


def _score_constraints(prefix: str, names: tuple[str, ...]) -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(
            condition=Q(**{f"{n}__isnull": True}) | Q(**{f"{n}__gte": 0, f"{n}__lte": 10}),
            name=f"{prefix}_{n}_0_10",
        )
        for n in names
    ]


class RunCheckIn(models.Model):
    """The athlete's answers about one session: pain (0-10) during, straight after and that
    evening, leg symptoms and stiffness; the next-morning and 48-hour answers come later."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="run_checkins"
    )
    activity = models.OneToOneField(
        "activities.Activity", on_delete=models.CASCADE, related_name="run_checkin"
    )
    pain_during = models.PositiveSmallIntegerField(validators=SCORE)
    pain_after = models.PositiveSmallIntegerField(validators=SCORE)
    pain_evening = models.PositiveSmallIntegerField(validators=SCORE, null=True, blank=True)
    leg_new = models.BooleanField()
    leg_spreading = models.BooleanField()
    stiffness = models.PositiveSmallIntegerField(validators=SCORE, null=True, blank=True)
    pain_next_morning = models.PositiveSmallIntegerField(validators=SCORE, null=True, blank=True)
    next_morning_at = models.DateTimeField(null=True, blank=True)
    pain_48h = models.PositiveSmallIntegerField(validators=SCORE, null=True, blank=True)
    h48_at = models.DateTimeField(null=True, blank=True)
    morning_reminded_at = models.DateTimeField(null=True, blank=True)
    h48_reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            *_score_constraints("run_checkin", (*PAIN_FIELDS, "stiffness")),
            models.CheckConstraint(
                condition=Q(pain_next_morning__isnull=True) | Q(next_morning_at__isnull=False),
                name="run_checkin_morning_has_time",
            ),
            models.CheckConstraint(
                condition=Q(pain_48h__isnull=True) | Q(h48_at__isnull=False),
                name="run_checkin_48h_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} activity {self.activity_id}: {self.pain_during}/{self.pain_after}"


class ReadinessResult(models.Model):
    """One readiness test (``[[running.readiness]]`` in the protocol) as recorded."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="readiness_results"
    )
    test_id = models.CharField(max_length=64)
    day = models.DateField()
    value = models.FloatField(validators=[MinValueValidator(0)])
    symptoms_rose = models.BooleanField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day", "-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="readiness_value_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.test_id}={self.value:g} on {self.day}"


def new_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarToken(models.Model):
    """The secret in a private calendar-feed URL. Revoking it ends the old URL for good;
    at most one token per athlete is live at a time."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_tokens"
    )
    token = models.CharField(max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(revoked_at__isnull=True),
                name="one_live_calendar_token",
            )
        ]

    def __str__(self) -> str:
        return f"calendar token of {self.user_id}{' (revoked)' if self.revoked_at else ''}"
