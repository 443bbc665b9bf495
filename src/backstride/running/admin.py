from django.contrib import admin

from backstride.accounts.admin_audit import AuditedAdmin

from .models import CalendarToken, ReadinessResult, RunCheckIn


@admin.register(RunCheckIn)
class RunCheckInAdmin(AuditedAdmin):
    audit_what = "run check-ins"
    list_display = (
        "user",
        "activity",
        "pain_during",
        "pain_after",
        "pain_next_morning",
        "created_at",
    )
    raw_id_fields = ("user", "activity")


@admin.register(ReadinessResult)
class ReadinessResultAdmin(AuditedAdmin):
    audit_what = "readiness tests"
    list_display = ("user", "test_id", "value", "symptoms_rose", "day")
    raw_id_fields = ("user",)


@admin.register(CalendarToken)
class CalendarTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "created_at", "revoked_at")
    raw_id_fields = ("user",)
    exclude = ("token",)
