"""Data exports (one zip of everything, built in the background) and the deletion log.

A :class:`DataExport` is the athlete's own request: its zip lives in the default storage
under a name fixed by its id, so a job that runs twice overwrites one file instead of making
two. A :class:`DeletionLog` says that an account was erased and how much went, and nothing
about whose it was: no id, email or name of the person.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class DataExport(models.Model):
    """One request to download everything, and where its zip is while it may be downloaded."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        BUILDING = "building", "Being put together"
        READY = "ready", "Ready to download"
        FAILED = "failed", "Could not be made"
        EXPIRED = "expired", "Expired"

    ACTIVE = (Status.QUEUED, Status.BUILDING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    step = models.CharField(max_length=120, blank=True, help_text="What the job is doing now.")
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    file_name = models.CharField(max_length=200, blank=True, help_text="Name in the storage.")
    size = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One export at a time per person: a double click or a retried request
            # finds the one already under way instead of starting a second.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status__in=["queued", "building"]),
                name="one_active_export_per_user",
            ),
            models.CheckConstraint(
                condition=Q(done__lte=models.F("total")), name="export_done_le_total"
            ),
        ]

    def __str__(self) -> str:
        return f"export {self.pk} of {self.user_id}: {self.status}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def percent(self) -> int:
        if self.status == self.Status.READY:
            return 100
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def is_downloadable(self) -> bool:
        return (
            self.status == self.Status.READY
            and bool(self.file_name)
            and self.expires_at is not None
            and self.expires_at > timezone.now()
        )


class DeletionLog(models.Model):
    """That an account was erased, when, and how many rows and files went: no content.

    The id is random and is not the person's id; nothing here can be traced back to them.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    rows = models.JSONField(default=dict, help_text="Rows deleted, by table.")
    files = models.PositiveIntegerField(default=0, help_text="Stored files deleted.")

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        state = "done" if self.completed_at else "pending"
        return f"deletion {self.pk} ({state})"
