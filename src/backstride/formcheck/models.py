"""A running-form check: one uploaded clip, its analysis, and the pictures of its foot contacts.

The video is temporary: it is deleted once the analysis has finished (or failed) unless the
runner ticked "keep my video". What stays is the report (``report``, JSON written by
``report.report_to_json``), the landmarks compressed (``landmarks``, zlib'd JSON, so the
figures can be recomputed when the reference ranges change), and a few small JPEGs of foot
contacts with the landmark points drawn over them (``ContactFrame``).
"""

from __future__ import annotations

import json
import uuid
import zlib
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.timezone import now


def video_upload_to(instance: FormCheck, filename: str) -> str:
    # Never the runner's file name: a random one under a fixed folder.
    return f"formcheck/videos/{uuid.uuid4().hex}"


class FormCheck(models.Model):
    """One clip of a runner, queued, analysed, and reported."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting"
        PROCESSING = "processing", "Analysing"
        DONE = "done", "Done"
        FAILED = "failed", "Could not be analysed"

    class View(models.TextChoices):
        SIDE = "side", "From the side"
        REAR = "rear", "From behind"

    FINISHED = (Status.DONE, Status.FAILED)

    athlete = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="form_checks"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    progress = models.FloatField(default=0.0, help_text="0–1 while analysing.")
    video = models.FileField(upload_to=video_upload_to, max_length=200, blank=True)
    video_name = models.CharField(max_length=255, blank=True, help_text="Display only.")
    video_size = models.PositiveBigIntegerField(default=0)
    keep_video = models.BooleanField(default=False)
    view = models.CharField(max_length=4, choices=View.choices, default=View.SIDE)
    slowmo_factor = models.FloatField(default=1.0)
    slowmo_from_video = models.BooleanField(
        default=False, help_text="True when the file itself said how slow it plays."
    )
    runner_height_cm = models.FloatField(null=True, blank=True)
    video_info = models.JSONField(default=dict, blank=True)
    report = models.JSONField(null=True, blank=True)
    landmarks = models.BinaryField(null=True, blank=True, editable=False)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["athlete", "created_at"], name="formcheck_athlete_created")]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=1), name="formcheck_progress_0_1"
            ),
            models.CheckConstraint(condition=Q(slowmo_factor__gte=1), name="formcheck_slowmo_ge_1"),
        ]

    def __str__(self) -> str:
        return f"form check {self.pk} of {self.athlete_id}: {self.status}"

    def get_absolute_url(self) -> str:
        return reverse("formcheck:detail", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def percent(self) -> int:
        return 100 if self.is_finished else round(100 * self.progress)

    @property
    def has_video(self) -> bool:
        return bool(self.video and self.video.name)

    # --- Landmarks, compressed ------------------------------------------------------------
    def set_landmarks(self, clip_json: dict[str, Any]) -> None:
        raw = json.dumps(clip_json, separators=(",", ":")).encode()
        self.landmarks = zlib.compress(raw, 6)

    def get_landmarks(self) -> dict[str, Any] | None:
        if not self.landmarks:
            return None
        data: dict[str, Any] = json.loads(zlib.decompress(bytes(self.landmarks)))
        return data


class ContactFrame(models.Model):
    """One foot contact's picture (a small JPEG) and the pose drawn over it."""

    form_check = models.ForeignKey(FormCheck, on_delete=models.CASCADE, related_name="frames")
    index = models.PositiveSmallIntegerField(help_text="Order in the strip, from 0.")
    frame = models.PositiveIntegerField(help_text="Video frame number.")
    foot = models.CharField(max_length=5)  # left | right
    time_s = models.FloatField(help_text="Real time into the clip, in seconds.")
    image = models.BinaryField(editable=False)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    points = models.JSONField(
        default=list, blank=True, help_text="The 33 landmarks [x, y, visibility], or empty."
    )

    class Meta:
        ordering = ["form_check", "index"]
        constraints = [
            models.UniqueConstraint(
                fields=["form_check", "index"], name="contactframe_unique_index"
            )
        ]

    def __str__(self) -> str:
        return f"contact {self.index} of check {self.form_check_id}"
