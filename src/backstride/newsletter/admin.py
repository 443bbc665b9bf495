from django.contrib import admin

from .models import Issue, OutboxMessage, Subscriber, Suppression


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ("email", "first_name", "status", "weekly_episodes", "source", "confirmed_at")
    list_filter = ("status", "weekly_episodes", "source")
    search_fields = ("email", "first_name")
    readonly_fields = ("public_id", "created_at", "updated_at", "confirmed_at", "unsubscribed_at")


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
