"""The admin site writes the access log too: a ModelAdmin mixin for models of health data.

Staff reading or changing an athlete's health data through ``/admin/`` is written to the same
append-only log as a clinician's reads (channel "admin"), so the athlete sees it on "Who
looked at my data":

- a change page shown (GET, or a form sent back with errors) → one READ;
- a list page → one READ per athlete listed, written with one ``bulk_create``;
- an object saved, added or deleted (one or many) → one CHANGE per athlete.

Each admin says how to reach the athlete from its model with ``audit_athlete`` (a field
path such as ``"user"`` or ``"screen__user"``) and may name the data with ``audit_what``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse

from backstride.lib import logs

from . import audit
from .models import AuditEvent


def record_many(
    request: HttpRequest, athlete_ids: Iterable[int | None], *, what: str, action: str
) -> int:
    """One access-log entry per athlete in ``athlete_ids`` (not the reader themself)."""
    actor = request.user
    ids = sorted({i for i in athlete_ids if i is not None and i != actor.pk})
    if not ids:
        return 0
    label = audit.actor_label(actor)
    path = request.get_full_path()[:300]
    ip = request.META.get("REMOTE_ADDR") or None
    rid = logs.request_id.get()[:64]
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                athlete_id=i,
                actor=actor if actor.is_authenticated else None,
                actor_label=label,
                action=action,
                channel=AuditEvent.Channel.ADMIN,
                what=what[:120],
                path=path,
                ip=ip,
                request_id=rid,
            )
            for i in ids
        ]
    )
    return len(ids)


class AuditedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Write every admin read and change of an athlete's health data to the access log."""

    #: Field path from the model to the athlete (a User), e.g. "user" or "screen__user".
    audit_athlete = "user"
    #: What the athlete reads in their log ("… your <what>"); the model's plural by default.
    audit_what = ""

    def audit_label(self) -> str:
        return self.audit_what or str(self.model._meta.verbose_name_plural)

    def athletes_of(self, queryset: QuerySet[Any]) -> list[int]:
        """The athlete ids of the rows in ``queryset`` (sliced or not), in one query."""
        return list(queryset.values_list(self.audit_athlete, flat=True))

    def _record(
        self, request: HttpRequest, athlete_ids: Iterable[int | None], action: str, note: str = ""
    ) -> None:
        """One entry per athlete for this admin's data; ``note`` (" (deleted)") follows its name."""
        record_many(request, athlete_ids, what=self.audit_label() + note, action=action)

    def _athletes_of_objects(self, objs: Iterable[Model]) -> list[int]:
        pks = [o.pk for o in objs if o.pk is not None]
        return self.athletes_of(self.model._default_manager.filter(pk__in=pks)) if pks else []

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if response.status_code == 200 and changelist is not None:
            self._record(
                request,
                self.athletes_of(changelist.result_list),
                AuditEvent.Action.READ,
                " (admin list)",
            )
        return response

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        original = (getattr(response, "context_data", None) or {}).get("original")
        if response.status_code == 200 and original is not None:
            self._record(request, self._athletes_of_objects([original]), AuditEvent.Action.READ)
        return response

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        self._record(request, self._athletes_of_objects([obj]), AuditEvent.Action.CHANGE)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        athletes = self._athletes_of_objects([obj])
        super().delete_model(request, obj)
        self._record(request, athletes, AuditEvent.Action.CHANGE, " (deleted)")

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        athletes = self.athletes_of(queryset)
        super().delete_queryset(request, queryset)
        self._record(request, athletes, AuditEvent.Action.CHANGE, " (deleted)")
