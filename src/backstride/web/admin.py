"""Admin: worker heartbeats, with the task queue's depth and the workers' state on top."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from . import health
from .models import WorkerHeartbeat


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    """Read-only list of workers (a stale row may be deleted) under a queue/worker summary."""

    list_display = ("hostname", "pid", "started_at", "last_seen", "age_seconds")
    readonly_fields = ("worker_id", "hostname", "pid", "started_at", "last_seen")
    change_list_template = "admin/web/workerheartbeat/change_list.html"

    @admin.display(description="heartbeat age (s)")
    def age_seconds(self, obj: WorkerHeartbeat) -> int:
        return int((timezone.now() - obj.last_seen).total_seconds())

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = {
            **(extra_context or {}),
            "queue": health.check_queue(),
            "worker": health.check_worker(),
            "heartbeat_max_age": health.heartbeat_max_age(),
        }
        return super().changelist_view(request, extra_context=context)
