"""Operational state shared by the whole site."""

from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """Each task worker writes here every few seconds, so a stopped worker is visible."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField()

    class Meta:
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        return f"{self.hostname}:{self.pid}"
