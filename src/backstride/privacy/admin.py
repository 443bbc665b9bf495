"""Admin: read-only lists of data exports and of account deletions (which hold no content)."""

from __future__ import annotations

from django.contrib import admin

from backstride.accounts.admin import ReadOnlyAdmin

from .models import DataExport, DeletionLog


@admin.register(DataExport)
class DataExportAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "status", "size", "expires_at", "attempts"]
    list_filter = ["status"]
    exclude = ["file_name"]


@admin.register(DeletionLog)
class DeletionLogAdmin(ReadOnlyAdmin):
    list_display = ["id", "requested_at", "completed_at", "files"]
