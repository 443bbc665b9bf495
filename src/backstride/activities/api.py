"""Activities JSON API: the same services, validation and permission checks as the pages.

Mounted by ``backstride.api`` at ``/api/activities/``: list, read and log activities by hand,
and upload files (GPX, TCX, FIT, or a .zip of them) into the same queued import as the upload
page, answered 202 with a status resource that reports progress and each file's outcome.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time
from typing import Any
from uuid import UUID

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from ninja import Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.errors import HttpError
from ninja.responses import Status

from backstride.accounts.models import User
from backstride.accounts.permissions import athlete_or_404, user_in_role
from backstride.api.forms import form_errors
from backstride.api.pagination import Dates, Page
from backstride.api.uploads import capped_body, multipart_body, refuse_if_over_cap
from backstride.lib.files import StorageUnavailable

from . import services, uploads
from .exports import export_row
from .files import MB
from .forms import ManualActivityForm, UploadForm, format_duration_input
from .models import Activity, ImportBatch, ImportItem
from .training_load import load_context

router = Router(tags=["activities"])


class SplitOut(Schema):
    index: int
    distance_m: float | None
    elapsed_s: float | None
    moving_s: float | None
    pace_s_per_km: float | None
    ele_gain_m: float | None
    avg_hr: float | None


class ActivityOut(Schema):
    id: int
    sport: str
    title: str
    start: datetime
    timezone: str
    local_start: str
    distance_m: float
    elapsed_s: float
    moving_s: float
    moving_pace_s_per_km: float | None
    elevation_gain_m: float | None
    elevation_loss_m: float | None
    avg_hr: float | None
    max_hr: float | None
    avg_cadence: float | None
    perceived_effort: int | None
    notes: str
    source: str
    has_gps: bool
    points: int
    summary_version: str
    original_format: str | None


class ActivityDetailOut(ActivityOut):
    splits: list[SplitOut]
    warnings: list[str]
    route_svg_points: str


class ManualIn(Schema):
    sport: str = "run"
    date: date
    start_time: time
    distance_km: float
    duration_s: int
    perceived_effort: int | None = None
    avg_hr: int | None = None
    max_hr: int | None = None
    avg_cadence: int | None = None
    elevation_gain_m: int | None = None
    title: str = ""
    notes: str = ""


class LoadWeekOut(Schema):
    week_start: date
    running_km: float
    all_km: float
    moving_s: float
    sessions: int
    acute_km: float
    chronic_km: float
    ratio: float | None
    pain_avg: float | None


class LoadOut(Schema):
    timezone: str
    ceiling_km: float | None
    weeks: list[LoadWeekOut]


def _out(activity: Activity) -> dict[str, Any]:
    return export_row(activity)


def _athlete_scope(request: HttpRequest, athlete_id: int, what: str) -> Any:
    return athlete_or_404(request, athlete_id, what=what)


def _own(request: HttpRequest) -> Any:
    return user_in_role(
        request, User.Role.ATHLETE, refusal="Only athletes have activities.", admins=True
    )


def _list(owner: Any, page: Page, dates: Dates) -> list[dict[str, Any]]:
    qs = Activity.objects.filter(user=owner).select_related("original")
    return [_out(a) for a in page.apply(dates.apply(qs, "start", owner.tzinfo))]


def _detail(activity: Activity) -> dict[str, Any]:
    row = _out(activity)
    row.update(
        splits=activity.splits, warnings=activity.warnings, route_svg_points=activity.route_svg
    )
    return row


@router.get("/", response=list[ActivityOut], summary="The signed-in athlete's activities")
def list_activities(request: HttpRequest, page: Query[Page], dates: Query[Dates]) -> Any:
    return _list(_own(request), page, dates)


@router.get("/load", response=LoadOut, summary="Weekly running, acute:chronic load and pain")
def load(request: HttpRequest, weeks: int = 12) -> Any:
    return _load(_own(request), weeks)


@router.get("/{activity_id}", response=ActivityDetailOut, summary="One activity with splits")
def get_activity(request: HttpRequest, activity_id: int) -> Any:
    activity = Activity.objects.filter(pk=activity_id, user=_own(request)).first()
    if activity is None:
        raise HttpError(404, "No such activity.")
    return _detail(activity)


@router.post("/", response={201: ActivityDetailOut}, summary="Log an activity by hand")
def log_activity(request: HttpRequest, payload: ManualIn) -> Any:
    user = _own(request)
    data = payload.dict()
    form = ManualActivityForm(
        {
            "sport": data["sport"],
            "date": data["date"].isoformat(),
            "start_time": data["start_time"].strftime("%H:%M"),
            "distance_km": str(data["distance_km"]),
            "duration": format_duration_input(data["duration_s"]),
            "perceived_effort": data["perceived_effort"] or "",
            "avg_hr": data["avg_hr"] or "",
            "max_hr": data["max_hr"] or "",
            "avg_cadence": data["avg_cadence"] or "",
            "elevation_gain_m": data["elevation_gain_m"] or "",
            "title": data["title"],
            "notes": data["notes"],
        },
        zone=user.tzinfo,
    )
    if not form.is_valid():
        raise form_errors(form)
    try:
        activity = services.save_manual_activity(user, form.activity_fields())
    except services.DuplicateActivity as dup:
        raise HttpError(409, dup.reason) from None
    return Status(201, _detail(activity))


@router.get(
    "/athlete/{athlete_id}/",
    response=list[ActivityOut],
    summary="A client's activities (the athlete, or a clinician they share with)",
)
def client_activities(
    request: HttpRequest, athlete_id: int, page: Query[Page], dates: Query[Dates]
) -> Any:
    return _list(_athlete_scope(request, athlete_id, "runs"), page, dates)


@router.get("/athlete/{athlete_id}/load", response=LoadOut, summary="A client's load")
def client_load(request: HttpRequest, athlete_id: int, weeks: int = 12) -> Any:
    return _load(_athlete_scope(request, athlete_id, "training load"), weeks)


def _load(owner: Any, weeks: int) -> dict[str, Any]:
    ctx = load_context(owner, weeks=max(1, min(weeks, 52)))
    return {
        "timezone": ctx["zone"],
        "ceiling_km": ctx["ceiling_km"],
        "weeks": [
            {
                "week_start": r.start,
                "running_km": round(r.running_km, 3),
                "all_km": round(r.all_km, 3),
                "moving_s": round(r.moving_s, 1),
                "sessions": r.sessions,
                "acute_km": round(r.acute_km, 3),
                "chronic_km": round(r.chronic_km, 3),
                "ratio": round(r.ratio, 3) if r.ratio is not None else None,
                "pain_avg": r.pain_avg,
            }
            for r in ctx["rows"]
        ],
    }


# --- File uploads and their status ---------------------------------------------------------
class ImportEntryOut(Schema):
    index: int
    name: str
    format: str
    status: str
    status_text: str
    error: str
    warnings: list[str]
    activity_id: int | None


class ImportFileOut(ImportEntryOut):
    kind: str
    size: int
    entries: list[ImportEntryOut]


class ImportOut(Schema):
    id: UUID
    status: str
    finished: bool
    percent: int
    total: int
    processed: int
    imported: int
    duplicates: int
    rejected: int
    created_at: datetime
    url: str
    page_url: str
    created_activity_ids: list[int]
    files: list[ImportFileOut]


def _upload_too_large() -> str:
    limit = settings.ACTIVITIES_MAX_UPLOAD_BYTES
    return (
        f"That upload is too large: the limit is {limit // MB} MB in one go. "
        "Split a large export into several .zip files."
    )


def _entry(item: ImportItem) -> dict[str, Any]:
    return {
        "index": item.index,
        "name": item.name,
        "format": item.format,
        "status": item.status,
        "status_text": item.get_status_display(),
        "error": item.reason if item.status == ImportItem.Status.REJECTED else "",
        "warnings": [str(w) for w in item.warnings or []],
        "activity_id": item.activity_id,
    }


def _import_out(batch: ImportBatch) -> dict[str, Any]:
    """The status resource: progress, what was created, and each file's outcome (2 queries
    plus the progress counts, however many files)."""
    progress = uploads.batch_progress(batch)
    items = list(batch.items.all())
    entries: dict[int, list[ImportItem]] = defaultdict(list)
    for item in items:
        if item.parent_id is not None:
            entries[item.parent_id].append(item)
    files = [
        {
            **_entry(item),
            "kind": item.kind,
            "size": item.size,
            "entries": [_entry(e) for e in sorted(entries[item.pk], key=lambda e: e.index)],
        }
        for item in items
        if item.parent_id is None
    ]
    created = [
        i.activity_id
        for i in items
        if i.status == ImportItem.Status.IMPORTED and i.activity_id is not None
    ]
    processing = any(i.status == ImportItem.Status.PROCESSING for i in items)
    state = "finished" if progress.finished else ("importing" if processing else "queued")
    return {
        "id": batch.pk,
        "status": state,
        "finished": progress.finished,
        "percent": progress.percent,
        "total": progress.total,
        "processed": progress.processed,
        "imported": progress.imported,
        "duplicates": progress.duplicates,
        "rejected": progress.rejected,
        "created_at": batch.created_at,
        "url": reverse("api:activities_import", args=[batch.pk]),
        "page_url": batch.get_absolute_url(),
        "created_activity_ids": sorted(created),
        "files": files,
    }


UPLOAD_SCHEMA = multipart_body(
    ["files"],
    {
        "files": {
            "type": "array",
            "items": {"type": "string", "format": "binary"},
            "description": (
                "GPX, TCX or FIT files (also .gz), or .zip exports; "
                "repeat the field for several files."
            ),
        },
    },
)


@router.post(
    "/imports/",
    response={202: ImportOut},
    summary="Upload activity files (multipart) to be imported in the background",
    description=(
        "Answers 202 at once with the import's status resource (also in the Location header); "
        "poll it until `finished`. A file imported before is reported as a duplicate of the "
        "activity it matches, never imported twice."
    ),
    openapi_extra=UPLOAD_SCHEMA,
)
@decorate_view(capped_body(lambda: settings.ACTIVITIES_MAX_UPLOAD_BYTES, _upload_too_large))
def upload_files(request: HttpRequest, response: HttpResponse) -> Any:
    user = _own(request)
    files = request.FILES.getlist("files")
    refuse_if_over_cap(request, _upload_too_large())
    form = UploadForm(
        {},
        MultiValueDict({"upload": files}),
        max_files=settings.ACTIVITIES_MAX_UPLOAD_FILES,
    )
    if not form.is_valid():
        raise HttpError(422, " ".join(str(e) for e in form.errors.get("upload", [])))
    try:
        batch = uploads.create_batch(user, form.cleaned_data["upload"], via="api")
    except StorageUnavailable:
        raise HttpError(503, StorageUnavailable.message) from None
    out = _import_out(batch)
    response["Location"] = out["url"]
    return Status(202, out)


@router.get("/imports/", response=list[ImportOut], summary="Your uploads, newest first")
def list_imports(request: HttpRequest, page: Query[Page], dates: Query[Dates]) -> Any:
    user = _own(request)
    batches = dates.apply(ImportBatch.objects.filter(user=user), "created_at", user.tzinfo)
    return [_import_out(b) for b in page.apply(batches)]


@router.get(
    "/imports/{batch_id}",
    response=ImportOut,
    url_name="activities_import",
    summary="One upload: progress, created activities and each file's outcome",
)
def get_import(request: HttpRequest, batch_id: UUID) -> Any:
    batch = ImportBatch.objects.filter(pk=batch_id, user=_own(request)).first()
    if batch is None:
        raise HttpError(404, "No such upload.")
    return _import_out(batch)
