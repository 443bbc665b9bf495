"""Runs and other activities, the original files they came from, and import batches.

Numbers measured from a file (distance, times, splits…) are computed by the pure core
(``backstride.core.tracks``); ``summary_version`` records which version of that algorithm
produced them, so ``backstride activity recompute`` can refresh them from the original.
"""

from __future__ import annotations

import uuid
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.timezone import now


class Sport(models.TextChoices):
    RUN = "run", "Run"
    WALK_RUN = "walk_run", "Walk–run"
    CROSS_TRAINER = "cross_trainer", "Cross-trainer"
    WALK = "walk", "Walk"
    OTHER = "other", "Other"


class Source(models.TextChoices):
    MANUAL = "manual", "Logged by hand"
    FILE = "file", "Imported file"


#: Fields a list or a weekly sum never needs: the route's SVG, the splits, import warnings.
BULKY_FIELDS = ("route_svg", "splits", "warnings", "notes")


class ActivityQuerySet(models.QuerySet["Activity"]):
    def for_user(self, user: object) -> ActivityQuerySet:
        return self.filter(user=user)

    def summaries(self) -> ActivityQuerySet:
        """Without the bulky fields (route, splits, warnings, notes) that lists and sums
        never read; a deferred field still loads if something does read it."""
        return self.defer(*BULKY_FIELDS)


class Activity(models.Model):
    """One session: a run, a walk–run, a cross-trainer session, a walk…

    ``start`` is stored in UTC; ``timezone`` is the IANA zone it happened in (the athlete's
    zone at the time: we never geocode a route to find it). Elapsed and moving time are
    both kept; pace is always *moving* pace.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="activities"
    )
    sport = models.CharField(max_length=16, choices=Sport.choices, default=Sport.RUN)
    title = models.CharField(max_length=120, blank=True)
    start = models.DateTimeField(help_text="Start time, stored in UTC.")
    timezone = models.CharField(max_length=64, default="UTC")
    distance_m = models.FloatField(default=0.0)
    elapsed_s = models.FloatField(default=0.0)
    moving_s = models.FloatField(default=0.0)
    elevation_gain_m = models.FloatField(null=True, blank=True)
    elevation_loss_m = models.FloatField(null=True, blank=True)
    avg_hr = models.FloatField(null=True, blank=True)
    max_hr = models.FloatField(null=True, blank=True)
    avg_cadence = models.FloatField(null=True, blank=True, help_text="Steps per minute.")
    perceived_effort = models.PositiveSmallIntegerField(null=True, blank=True)
    notes = models.TextField(blank=True)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.MANUAL)
    has_gps = models.BooleanField(default=False)
    points = models.PositiveIntegerField(default=0)
    route_svg = models.TextField(blank=True, help_text="SVG polyline points of the route.")
    splits = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    summary_version = models.CharField(max_length=32, blank=True)
    content_hash = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        ordering = ["-start", "-pk"]
        verbose_name_plural = "activities"
        indexes = [models.Index(fields=["user", "start"], name="activity_user_start")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "content_hash"],
                condition=~Q(content_hash=""),
                name="activity_unique_file_per_user",
            ),
            models.CheckConstraint(
                condition=Q(distance_m__gte=0) & Q(elapsed_s__gte=0) & Q(moving_s__gte=0),
                name="activity_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(perceived_effort__isnull=True)
                | Q(perceived_effort__gte=1, perceived_effort__lte=10),
                name="activity_effort_1_10",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_sport_display()} {self.start:%Y-%m-%d} ({self.distance_km:.2f} km)"

    def get_absolute_url(self) -> str:
        return reverse("activities:detail", args=[self.pk])

    # --- Display helpers -------------------------------------------------------
    @property
    def zone(self) -> tzinfo:
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    @property
    def local_start(self) -> datetime:
        return self.start.astimezone(self.zone)

    @property
    def distance_km(self) -> float:
        return self.distance_m / 1000.0

    @property
    def moving_pace_s_per_km(self) -> float | None:
        """Moving time per km: the only pace we label "pace"."""
        if self.distance_m < 10 or self.moving_s <= 0:
            return None
        return self.moving_s / (self.distance_m / 1000.0)

    @property
    def elapsed_pace_s_per_km(self) -> float | None:
        if self.distance_m < 10 or self.elapsed_s <= 0:
            return None
        return self.elapsed_s / (self.distance_m / 1000.0)

    @property
    def display_title(self) -> str:
        return self.title or self.get_sport_display()

    @property
    def is_file(self) -> bool:
        return self.source == Source.FILE


def original_upload_to(instance: ActivityFile, filename: str) -> str:
    # Never the user's file name: a random one under a fixed folder.
    return f"activities/originals/{uuid.uuid4().hex}"


class ActivityFile(models.Model):
    """The original file an activity was imported from, kept for download and recompute."""

    activity = models.OneToOneField(Activity, on_delete=models.CASCADE, related_name="original")
    file = models.FileField(upload_to=original_upload_to, max_length=200)
    format = models.CharField(max_length=8)  # gpx | tcx | fit
    original_name = models.CharField(max_length=255, blank=True, help_text="Display only.")
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=now)

    def __str__(self) -> str:
        return f"{self.format} for activity {self.activity_id}"


class ImportBatch(models.Model):
    """One upload (or one `activity import` run): some files and/or archives."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_batches"
    )
    created_at = models.DateTimeField(default=now)
    via = models.CharField(max_length=8, default="web")  # web | cli

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "import batches"

    def __str__(self) -> str:
        return f"import {self.id} by {self.user_id}"

    def get_absolute_url(self) -> str:
        return reverse("activities:import_batch", args=[self.pk])


class ImportItem(models.Model):
    """One uploaded file, or one entry of an uploaded archive, and what became of it."""

    class Kind(models.TextChoices):
        FILE = "file", "Activity file"
        ARCHIVE = "archive", "Archive"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        PROCESSING = "processing", "Importing"
        IMPORTED = "imported", "Imported"
        DUPLICATE = "duplicate", "Already imported"
        REJECTED = "rejected", "Not imported"
        DONE = "done", "Done"  # an archive whose entries have all been handled

    FINISHED = (Status.IMPORTED, Status.DUPLICATE, Status.REJECTED, Status.DONE)

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="items")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="entries"
    )
    index = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=255, help_text="Display only; never used as a path.")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.FILE)
    upload = models.FileField(max_length=200, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    format = models.CharField(max_length=8, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    reason = models.TextField(blank=True)
    warnings = models.JSONField(default=list, blank=True)
    activity = models.ForeignKey(
        Activity, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    entries_total = models.PositiveIntegerField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["index", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "index"],
                condition=Q(parent__isnull=True),
                name="import_item_unique_top_level",
            ),
            models.UniqueConstraint(
                fields=["parent", "index"],
                condition=Q(parent__isnull=False),
                name="import_item_unique_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.status}"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED
