"""Your data: who looked at it, download all of it, delete all of it.

Thin views over :mod:`.exports`, :mod:`.deletion` and the access log; the athlete only ever
sees their own.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from backstride.accounts.models import AuditEvent, CareLink, User
from backstride.lib.signing import LinkError

from . import deletion, exports
from .forms import DeleteAccountForm
from .models import DataExport

ACCESS_LOG_PAGE = 50


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # @login_required
    return user


def _export_context(export: DataExport | None) -> dict[str, Any]:
    return {
        "export": export,
        "download_url": (
            reverse("privacy:export_download", args=[exports.download_token(export)])
            if export is not None and export.is_downloadable
            else ""
        ),
        "status_url": reverse("privacy:export_status", args=[export.pk]) if export else "",
    }


@login_required
@require_GET
def your_data(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    links = CareLink.objects.filter(athlete=user, revoked_at__isnull=True).select_related(
        "clinician"
    )
    context = {"links": links, **_export_context(exports.latest(user))}
    return render(request, "privacy/your_data.html", context)


@login_required
@require_GET
def access_log(request: HttpRequest) -> HttpResponse:
    """Who looked at my data: every read or change of your record by someone else, newest first."""
    user = _user(request)
    events = AuditEvent.objects.filter(athlete=user).only(
        "actor_label", "action", "channel", "what", "created_at"
    )
    page = Paginator(events, ACCESS_LOG_PAGE).get_page(request.GET.get("page"))
    return render(request, "privacy/access_log.html", {"page": page, "tz": user.tzinfo})


@login_required
@require_POST
def export_start(request: HttpRequest) -> HttpResponse:
    try:
        export = exports.request_export(_user(request))
    except exports.ExportRefused as exc:
        messages.error(request, str(exc))
        return redirect("privacy:your_data")
    return redirect("privacy:export_detail", export.pk)


def _own_export(request: HttpRequest, pk: Any) -> DataExport:
    try:
        return exports.own_export(_user(request), pk)
    except DataExport.DoesNotExist as exc:
        raise Http404("No such download.") from exc


@login_required
@require_GET
def export_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    export = _own_export(request, pk)
    return render(request, "privacy/export.html", _export_context(export))


@login_required
@require_GET
def export_status(request: HttpRequest, pk: Any) -> HttpResponse:
    """The progress card alone, polled by htmx until the export is ready or has failed."""
    export = _own_export(request, pk)
    return render(request, "privacy/_export_status.html", _export_context(export))


@login_required
@require_GET
def export_download(request: HttpRequest, token: str) -> HttpResponseBase:
    user = _user(request)
    try:
        export = exports.export_for_token(user, token)
    except LinkError as exc:
        context = {"error": str(exc)}
        return render(
            request,
            "privacy/link_error.html",
            context,
            status=410 if exc.reason == "expired" else 400,
        )
    except DataExport.DoesNotExist as exc:
        raise Http404("No such download.") from exc
    try:
        handle = default_storage.open(export.file_name, "rb")
    except FileNotFoundError as exc:
        raise Http404("This download is no longer there.") from exc
    stamp = export.finished_at.strftime("%Y-%m-%d") if export.finished_at else "export"
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"backstride-data-{stamp}.zip",
        content_type="application/zip",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def delete_account(request: HttpRequest) -> HttpResponse:
    """Confirm with your email address and password; the job does the rest."""
    user = _user(request)
    form = DeleteAccountForm(user, request.POST or None)
    reasons = deletion.blockers(user)
    if request.method == "POST" and not reasons and form.is_valid():
        try:
            deletion.request_deletion(user)
        except deletion.DeletionRefused as exc:
            form.add_error(None, str(exc))
        else:
            auth_logout(request)
            return redirect("privacy:deleted")
    context = {"form": form, "amounts": deletion.what_goes(user), "blockers": reasons}
    status = 422 if request.method == "POST" else 200
    return render(request, "privacy/delete.html", context, status=status)


@require_GET
def deleted(request: HttpRequest) -> HttpResponse:
    return render(request, "privacy/deleted.html")
