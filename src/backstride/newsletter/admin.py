from django.contrib import admin

from .models import ConsentRecord, Issue, OutboxMessage, Subscriber, Suppression


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ("email", "first_name", "status", "weekly_episodes", "source", "confirmed_at")
    list_filter = ("status", "weekly_episodes", "source")
    search_fields = ("email", "first_name")
    readonly_fields = ("public_id", "created_at", "updated_at", "confirmed_at", "unsubscribed_at")


@admin.register(ConsentRecord)
class ConsentRecordAdmin(admin.ModelAdmin):
    list_display = ("created_at", "action", "wording_version", "source", "ip_prefix", "subscriber")
    list_filter = ("action", "wording_version", "source")
    readonly_fields = [f.name for f in ConsentRecord._meta.fields]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    list_display = ("email_hash", "reason", "created_at")
    list_filter = ("reason",)


@admin.register(Issue)
class IssueAdmin(admin.ModelAdmin):
    list_display = ("subject", "episode_id", "recipients", "created_at")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("pk", "kind", "subscriber", "issue", "status", "attempts", "sent_at")
    list_filter = ("kind", "status")
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    list_select_related = ("subscriber", "issue")
