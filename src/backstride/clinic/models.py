"""The clinician workspace's own records: private notes and every tailoring of a protocol copy.

Everything else the workspace shows (check-ins, sessions, runs, red-flag screens, phase
changes) belongs to the apps below it and is read through them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ClinicianNote(models.Model):
    """A clinician's private note about a client: never shown to the athlete.

    Read by the clinicians the client currently shares with; edited only by its author.
    """

    athlete = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clinic_notes_about"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clinic_notes_written"
    )
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["athlete", "-created_at"], name="clinic_note_athlete")]

    def __str__(self) -> str:
        return f"note {self.pk} on {self.athlete_id} by {self.author_id}"

    @property
    def edited(self) -> bool:
        return (self.updated_at - self.created_at).total_seconds() > 1


class TailoringChange(models.Model):
    """One saved change to a client's protocol copy: who, when, why, and what changed.

    ``diff`` is a list of ``{"key", "label", "before", "after"}``; ``seen_at`` is when the
    athlete dismissed the notice that shows them the change.
    """

    athlete = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tailoring_changes"
    )
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tailoring_made",
    )
    # Kept when the clinician's account is gone, so the athlete still sees who it was.
    clinician_name = models.CharField(max_length=200)
    reason = models.TextField()
    diff = models.JSONField(default=list)
    protocol_id = models.CharField(max_length=64)
    protocol_version = models.CharField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["athlete", "-created_at"], name="clinic_tailoring_athlete")]

    def __str__(self) -> str:
        return f"tailoring of {self.athlete_id} by {self.clinician_name} ({len(self.diff)} changes)"
