"""Data-rights JSON API: your own access log, and downloading everything.

Mounted by ``backstride.api`` at ``/api/me/``. Only ever the caller's own data, so there is no
athlete id to get wrong. The same services as the pages; errors are ``{"detail": ...}``.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from backstride.accounts.models import AuditEvent, User
from backstride.api.pagination import Dates, Page
from backstride.lib.fields import from_attributes

from . import exports
from .models import DataExport

router = Router(tags=["data rights"])


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # the API's auth classes guarantee a signed-in person
    return user


class AccessEvent(Schema):
    at: datetime
    who: str
    action: str
    what: str
    channel: str


@router.get(
    "/access-log",
    response=list[AccessEvent],
    summary="Who looked at my data: reads and changes of your record by anyone else",
)
def access_log(request: HttpRequest, page: Query[Page], dates: Query[Dates]) -> list[AccessEvent]:
    user = _user(request)
    events = dates.apply(AuditEvent.objects.filter(athlete=user), "created_at", user.tzinfo)
    return [
        AccessEvent(
            at=e.created_at, who=e.actor_label, action=e.action, what=e.what, channel=e.channel
        )
        for e in page.apply(events)
    ]


class ExportOut(Schema):
    id: UUID
    status: str
    percent: int
    step: str
    error: str
    size: int
    created_at: datetime
    finished_at: datetime | None
    expires_at: datetime | None
    download_url: str


def _out(request: HttpRequest, export: DataExport) -> ExportOut:
    url = (
        request.build_absolute_uri(reverse("api:privacy_export_download", args=[export.pk]))
        if export.is_downloadable
        else ""
    )
    return from_attributes(ExportOut, export, download_url=url)


@router.post(
    "/exports",
    response={202: ExportOut},
    summary="Ask for a zip of everything (or get the one already being made)",
)
def export_start(request: HttpRequest) -> Status[ExportOut]:
    try:
        export = exports.request_export(_user(request))
    except exports.ExportRefused as exc:
        raise HttpError(409, str(exc)) from exc
    return Status(202, _out(request, export))


@router.get("/exports", response=list[ExportOut], summary="Your downloads, newest first")
def export_list(request: HttpRequest, page: Query[Page]) -> list[ExportOut]:
    found = DataExport.objects.filter(user=_user(request))
    return [_out(request, e) for e in page.apply(found)]


def _own(request: HttpRequest, export_id: UUID) -> DataExport:
    try:
        return exports.own_export(_user(request), export_id)
    except DataExport.DoesNotExist as exc:
        raise HttpError(404, "No such download.") from exc


@router.get("/exports/{export_id}", response=ExportOut, summary="One download and its progress")
def export_detail(request: HttpRequest, export_id: UUID) -> ExportOut:
    return _out(request, _own(request, export_id))


@router.get(
    "/exports/{export_id}/download",
    response={200: None},
    url_name="privacy_export_download",
    summary="The zip itself (application/zip), while its link has not expired",
)
def export_download(request: HttpRequest, export_id: UUID) -> FileResponse:
    export = _own(request, export_id)
    if export.status == DataExport.Status.EXPIRED or (
        export.status == DataExport.Status.READY and not export.is_downloadable
    ):
        raise HttpError(410, exports.EXPIRED_LINK)
    if not export.is_downloadable:
        raise HttpError(409, "This download is not ready yet.")
    try:
        handle = default_storage.open(export.file_name, "rb")
    except FileNotFoundError as exc:
        raise HttpError(410, exports.EXPIRED_LINK) from exc
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"backstride-data-{export.pk}.zip",
        content_type="application/zip",
    )
