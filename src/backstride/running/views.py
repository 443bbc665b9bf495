"""Return-to-running pages: thin views over :mod:`.services` and :mod:`.pages`.

The athlete's own pages live at ``/running/...`` (plan, ladder, history, calendar link, FIT
downloads); a linked clinician reads a client's plan, ladder and history at
``/running/athletes/<id>/...`` (read-only). Someone else's session or check-in is a 404. The
calendar feed at ``/running/calendar/<token>.ics`` needs no login: the token is the secret.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from backstride.accounts.models import User
from backstride.accounts.permissions import athlete_or_404, athlete_required
from backstride.activities.models import Activity
from backstride.core.workouts.fit import encode_workout, suggested_filename

from . import checkins, exports, pages, services
from .forms import FortyEightHourForm, MorningForm, ReadinessForm, RunCheckInForm
from .models import CalendarToken, RunCheckIn

#: how long a calendar app may keep the feed before asking again (seconds)
FEED_MAX_AGE = 900


def _me(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _errors_to_form(form: Form, exc: ValidationError) -> None:
    """Put a service's refusal on the form, field by field (``__all__`` at the top)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(None if field not in form.fields else field, errors)
    else:
        form.add_error(None, exc.messages)


def _subject(request: HttpRequest, athlete_id: int | None, what: str) -> tuple[User, bool]:
    """The athlete a page is about and whether it is read-only: yourself (athlete pages), or
    a client you may see (404 for anyone else, whatever the reason)."""
    if athlete_id is None:
        return _me(request), False
    athlete = athlete_or_404(request, athlete_id, what=what)
    return athlete, athlete.pk != request.user.pk


def _common(request: HttpRequest, athlete: User, read_only: bool) -> dict[str, Any]:
    viewer = request.user
    return {
        "athlete": athlete,
        "read_only": read_only,
        # rule ids are for clinicians; patients see plain words and the source
        "show_rule_ids": isinstance(viewer, User) and viewer.is_clinician,
        "links": _links(athlete, read_only),
    }


def _links(athlete: User, read_only: bool) -> dict[str, str]:
    if read_only:
        args = [athlete.pk]
        return {
            "plan": reverse("running:athlete_plan", args=args),
            "ladder": reverse("running:athlete_ladder", args=args),
            "history": reverse("running:athlete_history", args=args),
            "load": reverse("activities:client_load", args=args),
        }
    return {
        "plan": reverse("running:plan"),
        "ladder": reverse("running:ladder"),
        "history": reverse("running:history"),
        "load": reverse("activities:load"),
        "calendar": reverse("running:calendar"),
    }


def _plan_context(request: HttpRequest, athlete: User, read_only: bool) -> dict[str, Any]:
    rx = services.prescription_for(athlete)
    today = pages.today_session(rx)
    protocol = services.protocol_for(athlete)
    return {
        **_common(request, athlete, read_only),
        "rx": rx,
        "position": services.ladder_position(athlete, rx),
        "today_session": today,
        "timer_steps": pages.timer_steps(today) if today else None,
        "today_minutes": pages.total_minutes(today) if today else 0,
        "next_session": next((s for s in rx.sessions if s.on > rx.today), None),
        "care": pages.care_card(protocol),
        "spacing_hours": protocol.running.treat.spacing.min_hours if protocol.running else 48,
        "history": checkins.session_verdicts(athlete, rx.today)[:5],
        "pending": [] if read_only else checkins.pending_checkins(athlete, rx.today),
        "followups": [] if read_only else checkins.due_followups(athlete, rx.today),
        "has_live_calendar": CalendarToken.objects.filter(
            user=athlete, revoked_at__isnull=True
        ).exists(),
    }


@athlete_required
@require_GET
def plan(request: HttpRequest) -> HttpResponse:
    return render(request, "running/plan.html", _plan_context(request, _me(request), False))


@login_required
@require_GET
def athlete_plan(request: HttpRequest, athlete_id: int) -> HttpResponse:
    athlete, read_only = _subject(request, athlete_id, "running plan")
    return render(request, "running/plan.html", _plan_context(request, athlete, read_only))


def _ladder(request: HttpRequest, athlete_id: int | None) -> HttpResponse:
    athlete, read_only = _subject(request, athlete_id, "running ladder")
    rx = services.prescription_for(athlete)
    ladder = services.ladder_for(athlete)
    protocol = services.protocol_for(athlete)
    context = {
        **_common(request, athlete, read_only),
        "rx": rx,
        "ladder": ladder,
        "rows": pages.ladder_rows(athlete, rx),
        "ladder_source": protocol.cite(ladder.sources),
        "ladder_sources": protocol.citations(ladder.sources),
    }
    return render(request, "running/ladder.html", context)


@athlete_required
@require_GET
def ladder(request: HttpRequest) -> HttpResponse:
    return _ladder(request, None)


@login_required
@require_GET
def athlete_ladder(request: HttpRequest, athlete_id: int) -> HttpResponse:
    return _ladder(request, athlete_id)


def _history(request: HttpRequest, athlete_id: int | None) -> HttpResponse:
    athlete, read_only = _subject(request, athlete_id, "running history")
    today = services.local_today(athlete)
    context = {
        **_common(request, athlete, read_only),
        "changes": pages.changes_tested(athlete, today),
        "sessions": checkins.session_verdicts(athlete, today),
    }
    return render(request, "running/history.html", context)


@athlete_required
@require_GET
def history(request: HttpRequest) -> HttpResponse:
    return _history(request, None)


@login_required
@require_GET
def athlete_history(request: HttpRequest, athlete_id: int) -> HttpResponse:
    return _history(request, athlete_id)


# --- Out of the app: FIT workouts and the calendar feed ---------------------------------------
@athlete_required
@require_GET
def workout_fit(request: HttpRequest, day: str) -> HttpResponse:
    """The planned run of ``day`` (YYYY-MM-DD) as a FIT workout file for a watch."""
    try:
        on = date.fromisoformat(day)
    except ValueError:
        raise Http404("Not a date.") from None
    rx = services.prescription_for(_me(request))
    session = next((s for s in rx.sessions if s.on == on and s.kind.is_run), None)
    if session is None:
        raise Http404("No run is planned that day.")
    workout = exports.workout_for(session)
    data = encode_workout(workout, time_created=timezone.now())
    response = HttpResponse(data, content_type="application/vnd.ant.fit")
    response["Content-Disposition"] = (
        f'attachment; filename="{suggested_filename(workout, session.on)}"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _live_token(user: User) -> CalendarToken | None:
    return CalendarToken.objects.filter(user=user, revoked_at__isnull=True).first()


@athlete_required
@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    """The private calendar link: create it, copy it, revoke it."""
    token = _live_token(_me(request))
    feed_url = (
        request.build_absolute_uri(reverse("running:calendar_feed", args=[token.token]))
        if token
        else ""
    )
    context = {
        **_common(request, _me(request), False),
        "token": token,
        "feed_url": feed_url,
        "webcal_url": "webcal://" + feed_url.split("://", 1)[1] if feed_url else "",
    }
    return render(request, "running/calendar.html", context)


@athlete_required
@require_POST
def calendar_create(request: HttpRequest) -> HttpResponse:
    had = _live_token(_me(request)) is not None
    services.issue_calendar_token(_me(request))
    messages.success(
        request,
        "New calendar link made: the old one no longer works."
        if had
        else "Your private calendar link is ready.",
    )
    return redirect("running:calendar")


@athlete_required
@require_POST
def calendar_revoke(request: HttpRequest) -> HttpResponse:
    if services.revoke_calendar_tokens(_me(request)):
        messages.success(request, "Calendar link turned off: calendars using it stop updating.")
    return redirect("running:calendar")


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The athlete's planned sessions as iCalendar; an unknown or revoked token is a 404."""
    athlete = services.athlete_for_calendar_token(token)
    if athlete is None:
        raise Http404("No such calendar.")
    rx = services.prescription_for(athlete)
    stamp = datetime.combine(rx.today, time(), tzinfo=athlete.tzinfo)  # stable for the day
    body = exports.plan_calendar(
        rx,
        athlete.pk,
        name="Backstride running plan",
        now=stamp,
        url=request.build_absolute_uri(reverse("running:plan")),
    )
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="backstride-plan.ics"'
    response["ETag"] = etag
    response["Cache-Control"] = f"private, max-age={FEED_MAX_AGE}"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


@athlete_required
@require_http_methods(["GET", "POST"])
def checkin(request: HttpRequest, activity_id: int) -> HttpResponse:
    user = _me(request)
    activity = get_object_or_404(Activity, pk=activity_id, user=user)
    existing = checkins.checkin_for(activity)
    if existing is not None:
        return redirect("running:checkin_result", existing.pk)
    form = RunCheckInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        answers = checkins.CheckInAnswers(**form.cleaned_data)
        try:
            saved = checkins.record_checkin(user, activity, answers)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            return redirect("running:checkin_result", saved.pk)
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "activity": activity, "on": services.run_day(activity, user)}
    return render(request, "running/checkin.html", context, status=status)


@athlete_required
@require_GET
def checkin_result(request: HttpRequest, pk: int) -> HttpResponse:
    checkin = get_object_or_404(
        RunCheckIn.objects.select_related("activity", "user"), pk=pk, user=_me(request)
    )
    return render(
        request, "running/checkin_result.html", {"outcome": checkins.checkin_outcome(checkin)}
    )


def _followup(request: HttpRequest, pk: int, window: str) -> HttpResponse:
    user = _me(request)
    checkin = get_object_or_404(RunCheckIn.objects.select_related("activity"), pk=pk, user=user)
    answered = checkin.pain_next_morning if window == "next_morning" else checkin.pain_48h
    if answered is not None:
        return redirect("running:checkin_result", checkin.pk)
    form: Form = (MorningForm if window == "next_morning" else FortyEightHourForm)(
        request.POST or None
    )
    if request.method == "POST" and form.is_valid():
        try:
            if window == "next_morning":
                checkins.record_morning(
                    user,
                    checkin,
                    form.cleaned_data["pain"],
                    form.cleaned_data["stiffness"],
                    form.cleaned_data["pain_evening"],
                )
            else:
                checkins.record_48h(user, checkin, form.cleaned_data["pain"])
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            return redirect("running:checkin_result", checkin.pk)
    context = {
        "form": form,
        "checkin": checkin,
        "window": window,
        "on": services.run_day(checkin.activity, user),
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "running/followup.html", context, status=status)


@athlete_required
@require_http_methods(["GET", "POST"])
def morning(request: HttpRequest, pk: int) -> HttpResponse:
    return _followup(request, pk, "next_morning")


@athlete_required
@require_http_methods(["GET", "POST"])
def h48(request: HttpRequest, pk: int) -> HttpResponse:
    return _followup(request, pk, "h48")


@athlete_required
@require_http_methods(["GET", "POST"])
def readiness(request: HttpRequest) -> HttpResponse:
    user = _me(request)
    protocol = services.protocol_for(user)
    assert protocol.running is not None
    form = ReadinessForm(protocol.running.readiness, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_readiness(user, form.results(), services.local_today(user))
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            return redirect("running:readiness")
    context = {"form": form, "rows": services.readiness_rows(user)}
    status = 422 if request.method == "POST" else 200
    return render(request, "running/readiness.html", context, status=status)
