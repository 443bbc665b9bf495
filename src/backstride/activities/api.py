"""Activities JSON API: the same services, validation and permission checks as the pages.

Mounted by ``backstride.api`` at ``/api/activities/``. File uploads stay on the web page (they
are queued and reported per file there); the API lists, reads and logs activities by hand.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from backstride.accounts.permissions import viewable_athlete
from backstride.api.pagination import Page

from . import services
from .exports import export_row
from .forms import ManualActivityForm, format_duration_input
from .models import Activity
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


class WeekOut(Schema):
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
    weeks: list[WeekOut]


def _out(activity: Activity) -> dict[str, Any]:
    return export_row(activity)


def _athlete_scope(request: HttpRequest, athlete_id: int, what: str) -> Any:
    athlete = viewable_athlete(request, athlete_id, what=what)
    if athlete is None:
        raise HttpError(404, "No such athlete.")
    return athlete


def _own(request: HttpRequest) -> Any:
    user: Any = request.user
    if not (user.is_athlete or user.is_admin_role):
        raise HttpError(403, "Only athletes have activities.")
    return user


def _list(owner: Any, page: Page) -> list[dict[str, Any]]:
    qs = Activity.objects.filter(user=owner).select_related("original")
    return [_out(a) for a in page.apply(qs)]


def _detail(activity: Activity) -> dict[str, Any]:
    row = _out(activity)
    row.update(
        splits=activity.splits, warnings=activity.warnings, route_svg_points=activity.route_svg
    )
    return row


@router.get("/", response=list[ActivityOut], summary="The signed-in athlete's activities")
def list_activities(request: HttpRequest, page: Query[Page]) -> Any:
    return _list(_own(request), page)


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
        errors = {k: [str(e) for e in v] for k, v in form.errors.items()}
        raise HttpError(422, str(errors))
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
def client_activities(request: HttpRequest, athlete_id: int, page: Query[Page]) -> Any:
    return _list(_athlete_scope(request, athlete_id, "runs"), page)


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
