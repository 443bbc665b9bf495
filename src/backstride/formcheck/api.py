"""Form-check JSON API: upload a clip, poll its analysis, read the report.

Mounted by ``backstride.api`` at ``/api/formcheck/``. The same form, service functions and
permission checks as the pages; errors are ``{"detail": ...}`` — 413 for a file over the
limit, 422 for anything else wrong with it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from ninja import Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.errors import HttpError
from ninja.responses import Status

from backstride.accounts.models import User
from backstride.accounts.permissions import athlete_or_404, user_in_role
from backstride.api.pagination import Page
from backstride.api.uploads import multipart_body

from . import services
from .forms import UploadForm
from .models import ContactFrame, FormCheck
from .report import ReportView
from .uploads import install_cap

router = Router(tags=["formcheck"])

WHAT_LIST = "running-form checks"
WHAT_CHECK = "a running-form check"


class CheckOut(Schema):
    id: int
    athlete_id: int
    status: str
    progress: float
    error: str
    view: str
    slowmo_factor: float
    slowmo_from_video: bool
    runner_height_cm: float | None
    video_kept: bool
    created_at: datetime
    finished_at: datetime | None
    page_url: str


class SourceOut(Schema):
    short: str
    citation: str
    url: str


class MetricOut(Schema):
    metric: str
    label: str
    value: float | None
    value_text: str
    verdict: str
    verdict_text: str
    range_text: str
    sources: list[SourceOut]
    quality: float
    quality_text: str
    quality_notes: list[str]
    not_measured_because: str


class SuggestionOut(Schema):
    text: str
    why: str
    sources: list[SourceOut]


class ContactOut(Schema):
    foot: str
    frame: int
    time_s: float


class ContactFrameOut(Schema):
    index: int
    foot: str
    time_s: float
    width: int
    height: int
    image_url: str
    points: list[list[float]]


class ReportOut(Schema):
    check_id: int
    metrics: list[MetricOut]
    suggestions: list[SuggestionOut]
    warnings: list[str]
    contacts: list[ContactOut]
    contact_frames: list[ContactFrameOut]
    frames: int
    frames_with_pose: int
    ranges_version: str


# --- Helpers -------------------------------------------------------------------------------
def _own(request: HttpRequest) -> Any:
    return user_in_role(
        request, User.Role.ATHLETE, refusal="Only runners have form checks.", admins=True
    )


def _athlete(request: HttpRequest, athlete_id: int, what: str) -> Any:
    return athlete_or_404(request, athlete_id, what=what)


def _check(owner: Any, check_id: int) -> FormCheck:
    check = FormCheck.objects.defer("landmarks").filter(pk=check_id, athlete=owner).first()
    if check is None:
        raise HttpError(404, "No such form check.")
    return check


def _page_url(request: HttpRequest, check: FormCheck) -> str:
    if check.athlete_id == request.user.pk:
        return reverse("formcheck:detail", args=[check.pk])
    return reverse("formcheck:client_detail", args=[check.athlete_id, check.pk])


def _frame_url(request: HttpRequest, check: FormCheck, index: int) -> str:
    if check.athlete_id == request.user.pk:
        return reverse("api:formcheck_frame", args=[check.pk, index])
    return reverse("api:formcheck_client_frame", args=[check.athlete_id, check.pk, index])


def _frame_response(check: FormCheck, index: int) -> HttpResponse:
    frame = ContactFrame.objects.filter(form_check=check, index=index).first()
    if frame is None:
        raise HttpError(404, "No such picture.")
    response = HttpResponse(bytes(frame.image), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _check_out(request: HttpRequest, check: FormCheck) -> dict[str, Any]:
    return {
        "id": check.pk,
        "athlete_id": check.athlete_id,
        "status": check.status,
        "progress": 1.0 if check.is_finished else round(check.progress, 3),
        "error": check.error,
        "view": check.view,
        "slowmo_factor": check.slowmo_factor,
        "slowmo_from_video": check.slowmo_from_video,
        "runner_height_cm": check.runner_height_cm,
        "video_kept": check.has_video and check.keep_video,
        "created_at": check.created_at,
        "finished_at": check.finished_at,
        "page_url": _page_url(request, check),
    }


def _sources(rows: Any) -> list[dict[str, str]]:
    return [{"short": s.short, "citation": s.citation, "url": s.url} for s in rows]


def _report_out(request: HttpRequest, check: FormCheck) -> dict[str, Any]:
    report: ReportView | None = services.report_of(check)
    if report is None:
        if check.status == FormCheck.Status.FAILED:
            raise HttpError(409, f"This video could not be analysed: {check.error}")
        raise HttpError(409, "The analysis has not finished yet; poll the check and try again.")
    frames = ContactFrame.objects.filter(form_check=check).defer("image")
    return {
        "check_id": check.pk,
        "metrics": [
            {
                "metric": m.metric,
                "label": m.label,
                "value": m.value,
                "value_text": m.value_text,
                "verdict": m.verdict,
                "verdict_text": m.verdict_text,
                "range_text": m.range_text,
                "sources": _sources(m.sources),
                "quality": m.quality,
                "quality_text": m.quality_text,
                "quality_notes": list(m.quality_notes),
                "not_measured_because": m.refusal if m.value is None else "",
            }
            for m in report.metrics
        ],
        "suggestions": [
            {"text": s.text, "why": s.why, "sources": _sources(s.sources)}
            for s in report.suggestions
        ],
        "warnings": list(report.warnings),
        "contacts": [
            {"foot": c.foot, "frame": c.frame, "time_s": c.time_s} for c in report.contacts
        ],
        "contact_frames": [
            {
                "index": f.index,
                "foot": f.foot,
                "time_s": f.time_s,
                "width": f.width,
                "height": f.height,
                "image_url": _frame_url(request, check, f.index),
                "points": f.points,
            }
            for f in frames
        ],
        "frames": report.frames,
        "frames_with_pose": report.frames_with_pose,
        "ranges_version": report.ranges_version,
    }


def _list(request: HttpRequest, owner: Any, page: Page) -> list[dict[str, Any]]:
    return [_check_out(request, c) for c in page.apply(services.check_queryset(owner))]


# --- Upload --------------------------------------------------------------------------------
def _capped(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Refuse a body over the limit before anything reads it (before auth parses a form)."""

    @wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST":
            cap = install_cap(request)
            if cap is None:
                return JsonResponse({"detail": services.too_big_message()}, status=413)
            request._formcheck_cap = cap  # type: ignore[attr-defined]
        return run(request, *args, **kwargs)

    return wrapper


UPLOAD_SCHEMA = multipart_body(
    ["video"],
    {
        "video": {"type": "string", "format": "binary"},
        "view": {"type": "string", "enum": ["side", "rear"], "default": "side"},
        "slowmo": {
            "type": "integer",
            "enum": [1, 4, 8],
            "default": 1,
            "description": "Used only when the file does not say itself.",
        },
        "height_cm": {"type": "integer", "minimum": 100, "maximum": 230},
        "keep_video": {"type": "boolean", "default": False},
    },
)


@router.post(
    "/",
    response={202: CheckOut},
    summary="Upload a clip (multipart) to be analysed",
    openapi_extra=UPLOAD_SCHEMA,
)
@decorate_view(_capped)
def upload(request: HttpRequest) -> Any:
    owner = _own(request)
    cap = getattr(request, "_formcheck_cap", None)
    data = request.POST.copy()
    data.setdefault("view", "side")
    data.setdefault("slowmo", "1")
    files = request.FILES
    if cap is not None and cap.exceeded:
        raise HttpError(413, services.too_big_message())
    form = UploadForm(data, files)
    if not form.is_valid():
        messages = [str(e) for errors in form.errors.values() for e in errors]
        raise HttpError(422, " ".join(messages))
    try:
        check = services.create_check(owner, form.cleaned_data["video"], form.options())
    except services.Rejected as exc:
        raise HttpError(exc.status, exc.message) from None
    return Status(202, _check_out(request, check))


# --- Reading -------------------------------------------------------------------------------
@router.get("/", response=list[CheckOut], summary="The signed-in runner's form checks")
def list_checks(request: HttpRequest, page: Query[Page]) -> Any:
    return _list(request, _own(request), page)


@router.get("/{check_id}", response=CheckOut, summary="One check: poll its status")
def get_check(request: HttpRequest, check_id: int) -> Any:
    return _check_out(request, _check(_own(request), check_id))


@router.get("/{check_id}/report", response=ReportOut, summary="The report of a finished check")
def get_report(request: HttpRequest, check_id: int) -> Any:
    return _report_out(request, _check(_own(request), check_id))


@router.get(
    "/{check_id}/frames/{index}.jpg",
    url_name="formcheck_frame",
    summary="One foot-contact picture (JPEG); its landmarks are in the report",
    response={200: None},
)
def get_frame(request: HttpRequest, check_id: int, index: int) -> Any:
    return _frame_response(_check(_own(request), check_id), index)


@router.delete("/{check_id}", response={204: None}, summary="Delete a check and its files")
def delete_check(request: HttpRequest, check_id: int) -> Any:
    services.delete_check(_check(_own(request), check_id))
    return Status(204, None)


@router.get(
    "/athlete/{athlete_id}/",
    response=list[CheckOut],
    summary="A client's form checks (the athlete, or a clinician they share with)",
)
def client_checks(request: HttpRequest, athlete_id: int, page: Query[Page]) -> Any:
    return _list(request, _athlete(request, athlete_id, WHAT_LIST), page)


@router.get("/athlete/{athlete_id}/{check_id}", response=CheckOut, summary="A client's check")
def client_check(request: HttpRequest, athlete_id: int, check_id: int) -> Any:
    return _check_out(request, _check(_athlete(request, athlete_id, WHAT_CHECK), check_id))


@router.get(
    "/athlete/{athlete_id}/{check_id}/report",
    response=ReportOut,
    summary="A client's report",
)
def client_report(request: HttpRequest, athlete_id: int, check_id: int) -> Any:
    return _report_out(request, _check(_athlete(request, athlete_id, WHAT_CHECK), check_id))


@router.get(
    "/athlete/{athlete_id}/{check_id}/frames/{index}.jpg",
    url_name="formcheck_client_frame",
    summary="One foot-contact picture of a client's check (JPEG)",
    response={200: None},
)
def client_frame(request: HttpRequest, athlete_id: int, check_id: int, index: int) -> Any:
    owner = _athlete(request, athlete_id, WHAT_CHECK)
    return _frame_response(_check(owner, check_id), index)
