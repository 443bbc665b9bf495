"""Activity pages: thin views over ``services``, ``uploads``, ``exports`` and ``training_load``.

The athlete's own pages live at ``/activities/...``; a clinician with a consented care
link reads a client's runs (read-only) at ``/activities/athlete/<id>/...``. Someone
else's activity is a 404, never a 403, so ids reveal nothing.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from backstride.accounts.permissions import Scope, athlete_required
from backstride.lib.files import StorageUnavailable
from backstride.lib.uploads import UploadCapHandler, install_cap
from backstride.running import checkins as running_checkins
from backstride.running.services import longest_run_check

from . import exports, services, uploads
from .exports import activity_gpx
from .files import MB, ROUTE_HEIGHT, ROUTE_WIDTH
from .forms import ImportedActivityForm, ManualActivityForm, UploadForm
from .models import Activity, ActivityFile, ImportBatch, ImportItem
from .training_load import load_context, this_week


def _own(request: HttpRequest) -> Scope:
    return Scope.own("activities", request)


def _client(request: HttpRequest, athlete_id: int, what: str) -> Scope:
    return Scope.client("activities", request, athlete_id, what)


def _own_activity(request: HttpRequest, pk: int) -> Activity:
    return get_object_or_404(Activity, pk=pk, user=request.user)


# --- Lists and detail ------------------------------------------------------------------
def _render_list(request: HttpRequest, scope: Scope) -> HttpResponse:
    activities = Activity.objects.filter(user=scope.owner).select_related("original")
    page = Paginator(activities, 30).get_page(request.GET.get("page"))
    for activity in page.object_list:
        activity.url = scope.detail_url(activity)  # type: ignore[attr-defined]
    context = {
        "scope": scope,
        "owner": scope.owner,
        "page": page,
        "week": this_week(scope.owner),
        "recent_batches": (
            ImportBatch.objects.filter(user=scope.owner)[:3] if not scope.read_only else []
        ),
    }
    return render(request, "activities/list.html", context)


@athlete_required
@require_GET
def activity_list(request: HttpRequest) -> HttpResponse:
    return _render_list(request, _own(request))


@login_required
@require_GET
def client_list(request: HttpRequest, athlete_id: int) -> HttpResponse:
    return _render_list(request, _client(request, athlete_id, "runs"))


def _render_detail(request: HttpRequest, scope: Scope, activity: Activity) -> HttpResponse:
    try:
        original: ActivityFile | None = activity.original
    except ActivityFile.DoesNotExist:
        original = None
    splits = activity.splits or []
    context = {
        "scope": scope,
        "owner": scope.owner,
        "activity": activity,
        "original": original,
        "splits": splits,
        "splits_have_hr": any(s.get("avg_hr") is not None for s in splits),
        "splits_have_climb": activity.elevation_gain_m is not None,
        "route_viewbox": f"-10 -10 {ROUTE_WIDTH + 20} {ROUTE_HEIGHT + 20}",
        "run_checkin": running_checkins.checkin_for(activity),
        "checkin_due": running_checkins.needs_checkin(activity),
        "stopped_s": max(0.0, activity.elapsed_s - activity.moving_s),
        "longest": longest_run_check(activity),
        "route_ends": services.route_ends(activity.route_svg),
    }
    return render(request, "activities/detail.html", context)


@athlete_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _own(request), _own_activity(request, pk))


@login_required
@require_GET
def client_detail(request: HttpRequest, athlete_id: int, pk: int) -> HttpResponse:
    scope = _client(request, athlete_id, "a run")
    activity = get_object_or_404(Activity, pk=pk, user=scope.owner)
    return _render_detail(request, scope, activity)


# --- Log, edit, delete -------------------------------------------------------------------
MORE_FIELDS = ("avg_hr", "max_hr", "avg_cadence", "elevation_gain_m")


def _form_context(form: Any, editing: Activity | None, manual: bool) -> dict[str, Any]:
    """The optional measurements sit in a disclosure, open when they hold something."""
    more_open = manual and any(
        form[name].errors or form[name].value() not in (None, "") for name in MORE_FIELDS
    )
    return {
        "form": form,
        "editing": editing,
        "manual": manual,
        "more_fields": MORE_FIELDS,
        "more_open": more_open,
    }


@athlete_required
@require_http_methods(["GET", "POST"])
def log_activity(request: HttpRequest) -> HttpResponse:
    zone = request.user.tzinfo  # type: ignore[union-attr]
    form = ManualActivityForm(request.POST if request.method == "POST" else None, zone=zone)
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.save_manual_activity(request.user, form.activity_fields())
        except services.DuplicateActivity as dup:
            form.add_error(None, dup.reason)
        else:
            messages.success(request, "Saved. Well done for logging it.")
            return redirect(activity)
    return render(request, "activities/form.html", _form_context(form, None, manual=True))


@athlete_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _own_activity(request, pk)
    form: ManualActivityForm | ImportedActivityForm
    if activity.is_file:
        form = ImportedActivityForm(
            request.POST if request.method == "POST" else None, instance=activity
        )
    else:
        form = ManualActivityForm(
            request.POST if request.method == "POST" else None,
            zone=activity.zone,  # type: ignore[arg-type]
            initial=ManualActivityForm.initial_from(activity),
        )
    if request.method == "POST" and form.is_valid():
        fields = (
            form.activity_fields()
            if isinstance(form, ManualActivityForm)
            else {k: form.cleaned_data[k] for k in ImportedActivityForm.Meta.fields}
        )
        try:
            services.update_activity(activity, fields)
        except services.DuplicateActivity as dup:
            form.add_error(None, dup.reason)
        else:
            messages.success(request, "Changes saved.")
            return redirect(activity)
    return render(
        request, "activities/form.html", _form_context(form, activity, manual=not activity.is_file)
    )


@athlete_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _own_activity(request, pk)
    if request.method == "POST":
        services.delete_activity(activity)
        messages.success(request, "The activity and its original file were deleted.")
        return redirect("activities:list")
    return render(request, "activities/confirm_delete.html", {"activity": activity})


# --- Files out ---------------------------------------------------------------------------
def _download_name(activity: Activity, ext: str) -> str:
    return f"backstride-{activity.local_start:%Y-%m-%d-%H%M}-{activity.sport}.{ext}"


@athlete_required
@require_GET
def download_original(request: HttpRequest, pk: int) -> Any:
    activity = _own_activity(request, pk)
    try:
        original = activity.original
    except ActivityFile.DoesNotExist:
        raise Http404("This activity was logged by hand; there is no original file.") from None
    try:
        fh = default_storage.open(str(original.file.name), "rb")
    except FileNotFoundError:
        raise Http404("The original file is missing from storage.") from None
    return FileResponse(
        fh,
        as_attachment=True,
        filename=_download_name(activity, original.format or "bin"),
        content_type="application/octet-stream",
    )


@athlete_required
@require_GET
def download_gpx(request: HttpRequest, pk: int) -> Any:
    activity = _own_activity(request, pk)
    response = StreamingHttpResponse(
        activity_gpx(activity), content_type="application/gpx+xml; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_download_name(activity, "gpx")}"'
    return response


@athlete_required
@require_GET
def export_json(request: HttpRequest) -> Any:
    response = StreamingHttpResponse(
        exports.export_json(request.user), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="backstride-activities.json"'
    return response


@athlete_required
@require_GET
def export_csv(request: HttpRequest) -> Any:
    response = StreamingHttpResponse(
        exports.export_csv(request.user), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="backstride-activities.csv"'
    return response


# --- Upload and import progress ------------------------------------------------------------
def _too_large(request: HttpRequest, limit: int) -> HttpResponse:
    return render(
        request,
        "activities/upload.html",
        {
            "form": UploadForm(max_files=settings.ACTIVITIES_MAX_UPLOAD_FILES),
            "limits": _limits(),
            "error": (
                f"That upload is too large: the limit is {limit // MB} MB in one go. "
                "Split a large export into several .zip files."
            ),
        },
        status=413,
    )


def _limits() -> dict[str, int]:
    return {
        "file_mb": settings.ACTIVITIES_MAX_FILE_BYTES // MB,
        "upload_mb": settings.ACTIVITIES_MAX_UPLOAD_BYTES // MB,
        "files": settings.ACTIVITIES_MAX_UPLOAD_FILES,
    }


@csrf_exempt
def upload(request: HttpRequest) -> HttpResponse:
    """Check the size before Django reads the body (CSRF is checked right after)."""
    limit = settings.ACTIVITIES_MAX_UPLOAD_BYTES
    cap: UploadCapHandler | None = None
    if request.method == "POST" and request.user.is_authenticated:
        cap = install_cap(request, limit)
        if cap is None:
            return _too_large(request, limit)
    return _upload(request, cap)


@athlete_required
@csrf_protect
@require_http_methods(["GET", "POST"])
def _upload(request: HttpRequest, cap: UploadCapHandler | None) -> HttpResponse:
    max_files = settings.ACTIVITIES_MAX_UPLOAD_FILES
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, max_files=max_files)
    else:
        form = UploadForm(max_files=max_files)
    if cap is not None and cap.exceeded:
        return _too_large(request, settings.ACTIVITIES_MAX_UPLOAD_BYTES)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            batch = uploads.create_batch(request.user, form.cleaned_data["upload"])
        except StorageUnavailable:
            form.add_error(None, StorageUnavailable.message)
            status = 503
        else:
            return redirect(batch)
    context = {"form": form, "limits": _limits()}
    return render(request, "activities/upload.html", context, status=status)


def _batch_context(batch: ImportBatch) -> dict[str, Any]:
    progress = uploads.batch_progress(batch)
    items = list(batch.items.filter(parent__isnull=True).select_related("activity"))
    for item in items:
        if item.kind != ImportItem.Kind.ARCHIVE:
            continue
        entries = item.entries.select_related("activity")
        if progress.finished or item.is_finished:
            shown = list(entries.order_by("index")[:ARCHIVE_ROWS])
        else:  # while importing, the latest few
            shown = list(entries.order_by("-index")[:25])[::-1]
        item.entry_list = shown  # type: ignore[attr-defined]
        item.entries_hidden = max(0, entries.count() - len(shown))  # type: ignore[attr-defined]
    return {"batch": batch, "items": items, "progress": progress}


ARCHIVE_ROWS = 2000


@athlete_required
@require_GET
def import_batch(request: HttpRequest, batch_id: uuid.UUID) -> HttpResponse:
    batch = get_object_or_404(ImportBatch, pk=batch_id, user=request.user)
    return render(request, "activities/batch.html", _batch_context(batch))


@athlete_required
@require_GET
def import_status(request: HttpRequest, batch_id: uuid.UUID) -> HttpResponse:
    batch = get_object_or_404(ImportBatch, pk=batch_id, user=request.user)
    response = render(request, "activities/_batch_status.html", _batch_context(batch))
    response["Cache-Control"] = "no-store"
    return response


# --- Load ----------------------------------------------------------------------------------
def _render_load(request: HttpRequest, scope: Scope) -> HttpResponse:
    try:
        weeks = max(4, min(52, int(request.GET.get("weeks", "12"))))
    except ValueError:
        weeks = 12
    context = load_context(scope.owner, weeks=weeks)
    context.update(scope=scope, owner=scope.owner)
    return render(request, "activities/load.html", context)


@athlete_required
@require_GET
def load(request: HttpRequest) -> HttpResponse:
    return _render_load(request, _own(request))


@login_required
@require_GET
def client_load(request: HttpRequest, athlete_id: int) -> HttpResponse:
    return _render_load(request, _client(request, athlete_id, "training load"))
