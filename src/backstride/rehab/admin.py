from django.contrib import admin

from backstride.accounts.admin_audit import AuditedAdmin

from .models import (
    Assessment,
    CheckIn,
    ObjectiveTestResult,
    OutcomeScore,
    PhaseChange,
    RedFlagClearance,
    RedFlagScreen,
    RehabProfile,
    SessionLog,
)


@admin.register(RehabProfile)
class RehabProfileAdmin(AuditedAdmin):
    audit_what = "rehab programme"
    list_display = ["user", "phase", "paused", "pending_screen", "phase_started_on"]
    list_filter = ["phase", "paused"]


@admin.register(RedFlagScreen)
class RedFlagScreenAdmin(AuditedAdmin):
    audit_what = "red-flag screens"
    list_display = ["user", "kind", "stop", "urgency", "created_at"]
    list_filter = ["kind", "stop", "urgency"]
    readonly_fields = ["answers", "triggered"]


@admin.register(RedFlagClearance)
class RedFlagClearanceAdmin(AuditedAdmin):
    audit_athlete = "screen__user"
    audit_what = "red-flag clearances"
    list_display = ["screen", "clinician", "created_at"]


@admin.register(PhaseChange)
class PhaseChangeAdmin(AuditedAdmin):
    audit_what = "phase changes"
    list_display = ["user", "action", "from_phase", "to_phase", "created_at"]
    list_filter = ["action"]


# The rest with the default pages, each read and change written to the athlete's access log.
admin.site.register(
    [Assessment, SessionLog, CheckIn, ObjectiveTestResult, OutcomeScore], AuditedAdmin
)
