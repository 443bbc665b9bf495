from django.contrib import admin

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
class RehabProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "phase", "paused", "pending_screen", "phase_started_on"]
    list_filter = ["phase", "paused"]


@admin.register(RedFlagScreen)
class RedFlagScreenAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "stop", "urgency", "created_at"]
    list_filter = ["kind", "stop", "urgency"]
    readonly_fields = ["answers", "triggered"]


@admin.register(RedFlagClearance)
class RedFlagClearanceAdmin(admin.ModelAdmin):
    list_display = ["screen", "clinician", "created_at"]


@admin.register(PhaseChange)
class PhaseChangeAdmin(admin.ModelAdmin):
    list_display = ["user", "action", "from_phase", "to_phase", "created_at"]
    list_filter = ["action"]


admin.site.register([Assessment, SessionLog, CheckIn, ObjectiveTestResult, OutcomeScore])
