"""Admin: look at activities and imports (read-mostly; athletes manage their own)."""

from __future__ import annotations

from django.contrib import admin

from backstride.accounts.admin_audit import AuditedAdmin

from .models import Activity, ActivityFile, ImportBatch, ImportItem


class ActivityFileInline(admin.StackedInline):
    model = ActivityFile
    extra = 0
    readonly_fields = ["file", "format", "original_name", "size", "sha256", "created_at"]
    can_delete = False


@admin.register(Activity)
class ActivityAdmin(AuditedAdmin):
    audit_what = "runs and activities"
    list_display = ["start", "user", "sport", "distance_m", "moving_s", "source", "has_gps"]
    list_filter = ["sport", "source", "has_gps", "summary_version"]
    search_fields = ["user__email", "title"]
    date_hierarchy = "start"
    raw_id_fields = ["user"]
    readonly_fields = ["content_hash", "summary_version", "points", "created_at", "updated_at"]
    inlines = [ActivityFileInline]


class ImportItemInline(admin.TabularInline):
    model = ImportItem
    extra = 0
    fields = ["index", "name", "kind", "status", "reason", "activity"]
    readonly_fields = ["index", "name", "kind", "status", "reason", "activity"]
    can_delete = False
    show_change_link = True


@admin.register(ImportBatch)
class ImportBatchAdmin(AuditedAdmin):
    audit_what = "run-file uploads"
    list_display = ["created_at", "user", "via"]
    raw_id_fields = ["user"]
    inlines = [ImportItemInline]

    def get_inlines(self, request, obj):  # type: ignore[no-untyped-def]
        return self.inlines if obj is None or obj.items.count() <= 500 else []
