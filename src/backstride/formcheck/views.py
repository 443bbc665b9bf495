"""Form-check pages: thin views over ``services``.

The runner's own pages live at ``/form-check/...``; a clinician with a consented care link
reads a client's checks (read-only) at ``/form-check/athlete/<id>/...``. Someone else's
check is a 404, never a 403, so ids reveal nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from backstride.accounts.permissions import Scope, athlete_required

from . import services
from .charts import frame_overlay, hip_chart
from .forms import UploadForm
from .models import ContactFrame, FormCheck
from .uploads import UploadCapHandler, install_cap

#: What the access log says a clinician looked at.
WHAT_LIST = "running-form checks"
WHAT_CHECK = "a running-form check"


def _own(request: HttpRequest) -> Scope:
    return Scope.own("formcheck", request)


def _client(request: HttpRequest, athlete_id: int, what: str) -> Scope:
    return Scope.client("formcheck", request, athlete_id, what)


def _check(scope: Scope, pk: int) -> FormCheck:
    return get_object_or_404(FormCheck.objects.defer("landmarks"), pk=pk, athlete=scope.owner)


# --- List -------------------------------------------------------------------------------
def _render_list(request: HttpRequest, scope: Scope) -> HttpResponse:
    checks = services.checks_for(scope.owner)
    for check in checks:
        check.url = scope.detail_url(check)  # type: ignore[attr-defined]
    context = {
        "scope": scope,
        "owner": scope.owner,
        "checks": checks,
        "comparison": services.comparison(scope.owner),
    }
    return render(request, "formcheck/list.html", context)


@athlete_required
@require_GET
def check_list(request: HttpRequest) -> HttpResponse:
    return _render_list(request, _own(request))


@login_required
@require_GET
def client_list(request: HttpRequest, athlete_id: int) -> HttpResponse:
    return _render_list(request, _client(request, athlete_id, WHAT_LIST))


# --- One check: progress, then the report --------------------------------------------------
def _detail_context(scope: Scope, check: FormCheck) -> dict[str, Any]:
    report = services.report_of(check)
    frames = []
    chart = None
    if report is not None:
        for frame in ContactFrame.objects.filter(form_check=check).defer("image"):
            frames.append(
                {
                    "frame": frame,
                    "url": scope.url("frame", check.pk, frame.index),
                    "overlay": frame_overlay(frame.points, frame.width, frame.height),
                }
            )
        chart = hip_chart(report.hip_trace, report.contacts)
    return {
        "scope": scope,
        "owner": scope.owner,
        "check": check,
        "report": report,
        "frames": frames,
        "chart": chart,
        "status_url": scope.url("status", check.pk),
        "list_url": scope.list_url(),
    }


def _render_detail(request: HttpRequest, scope: Scope, check: FormCheck) -> HttpResponse:
    return render(request, "formcheck/detail.html", _detail_context(scope, check))


def _render_status(request: HttpRequest, scope: Scope, check: FormCheck) -> HttpResponse:
    if check.is_finished and request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = scope.detail_url(check)
    else:
        response = render(request, "formcheck/_status.html", _detail_context(scope, check))
    response["Cache-Control"] = "no-store"
    return response


@athlete_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = _own(request)
    return _render_detail(request, scope, _check(scope, pk))


@athlete_required
@require_GET
def status(request: HttpRequest, pk: int) -> HttpResponse:
    scope = _own(request)
    return _render_status(request, scope, _check(scope, pk))


@login_required
@require_GET
def client_detail(request: HttpRequest, athlete_id: int, pk: int) -> HttpResponse:
    scope = _client(request, athlete_id, WHAT_CHECK)
    return _render_detail(request, scope, _check(scope, pk))


@login_required
@require_GET
def client_status(request: HttpRequest, athlete_id: int, pk: int) -> HttpResponse:
    scope = _client(request, athlete_id, WHAT_CHECK)
    return _render_status(request, scope, _check(scope, pk))


def _frame_response(scope: Scope, pk: int, index: int) -> HttpResponse:
    frame = get_object_or_404(
        ContactFrame, form_check_id=pk, form_check__athlete=scope.owner, index=index
    )
    response = HttpResponse(bytes(frame.image), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@athlete_required
@require_GET
def frame(request: HttpRequest, pk: int, index: int) -> HttpResponse:
    return _frame_response(_own(request), pk, index)


@login_required
@require_GET
def client_frame(request: HttpRequest, athlete_id: int, pk: int, index: int) -> HttpResponse:
    return _frame_response(_client(request, athlete_id, WHAT_CHECK), pk, index)


@athlete_required
@require_GET
def video(request: HttpRequest, pk: int) -> Any:
    """The runner's own kept video, as a download."""
    check = _check(_own(request), pk)
    if not check.has_video or not check.keep_video:
        raise Http404("This video was not kept.")
    try:
        fh = default_storage.open(str(check.video.name), "rb")
    except FileNotFoundError:
        raise Http404("The video is missing from storage.") from None
    return FileResponse(fh, as_attachment=True, filename=check.video_name or "video")


@athlete_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    check = _check(_own(request), pk)
    if request.method == "POST":
        services.delete_check(check)
        messages.success(request, "The check, its pictures and its video were deleted.")
        return redirect("formcheck:list")
    return render(request, "formcheck/confirm_delete.html", {"check": check})


# --- Upload --------------------------------------------------------------------------------
def _upload_page(
    request: HttpRequest, form: UploadForm, error: str = "", status: int = 200
) -> HttpResponse:
    context = {
        "form": form,
        "error": error,
        "max_mb": services.max_upload_bytes() // services.MB,
        "analyser": services.analyser_ready(),
    }
    return render(request, "formcheck/upload.html", context, status=status)


@csrf_exempt
def upload(request: HttpRequest) -> HttpResponse:
    """Check the size before Django reads the body (CSRF is checked right after)."""
    cap: UploadCapHandler | None = None
    if request.method == "POST" and request.user.is_authenticated:
        cap = install_cap(request)
        if cap is None:
            return _upload_page(request, UploadForm(), services.too_big_message(), status=413)
    return _upload(request, cap)


@athlete_required
@csrf_protect
@require_http_methods(["GET", "POST"])
def _upload(request: HttpRequest, cap: UploadCapHandler | None) -> HttpResponse:
    if request.method != "POST":
        return _upload_page(request, UploadForm())
    form = UploadForm(request.POST, request.FILES)
    if cap is not None and cap.exceeded:
        return _upload_page(request, UploadForm(), services.too_big_message(), status=413)
    if not form.is_valid():
        return _upload_page(request, form, status=422)
    try:
        check = services.create_check(request.user, form.cleaned_data["video"], form.options())
    except services.Rejected as exc:
        return _upload_page(request, form, exc.message, status=exc.status)
    return redirect(check)
