from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from .models import CareLink, ConsentRecord, Invitation, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "role", "email_verified_at", "is_active", "is_demo"]
    list_filter = ["role", "is_active", "is_staff", "is_demo"]
    search_fields = ["email", "display_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("display_name", "role", "timezone", "email_verified_at")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "is_demo", "groups")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "password1", "password2", "role")}),
    )


@admin.register(CareLink)
class CareLinkAdmin(admin.ModelAdmin):
    list_display = ["clinician", "athlete", "consented_at", "revoked_at"]


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """An admin that lists and shows rows but never adds, changes or deletes one."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdmin):
    """Every consent (accounts and newsletter), read-only: the history is evidence."""

    list_display = ["created_at", "kind", "action", "user", "wording_version", "source"]
    list_filter = ["kind", "action", "wording_version", "source"]
    search_fields = ["user__email", "email_hash"]
    readonly_fields = [f.name for f in ConsentRecord._meta.fields]
    list_select_related = ["user"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "direction", "inviter", "email", "accepted_at", "cancelled_at"]
    list_filter = ["direction"]
    search_fields = ["email", "inviter__email"]
    # The nonce is the secret half of the emailed link: never shown.
    readonly_fields = [f.name for f in Invitation._meta.fields if f.name not in {"id", "nonce"}]
    fields = tuple(readonly_fields)
    list_select_related = ["inviter"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
