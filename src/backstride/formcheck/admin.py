"""Admin: look at form checks (read-mostly; runners manage their own)."""

from __future__ import annotations

from django.contrib import admin

from backstride.accounts.admin_audit import AuditedAdmin

from .models import FormCheck


@admin.register(FormCheck)
class FormCheckAdmin(AuditedAdmin):
    audit_athlete = "athlete"
    audit_what = "running-form checks"
    list_display = ["pk", "athlete", "status", "view", "slowmo_factor", "created_at"]
    list_filter = ["status", "view"]
    readonly_fields = ["report", "video_info", "error", "attempts", "started_at", "finished_at"]
    exclude = ["landmarks"]
