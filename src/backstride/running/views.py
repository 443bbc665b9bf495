"""Return-to-running pages: thin views over :mod:`.services`.

The athlete's own pages live at ``/running/...``; a linked clinician reads a client's plan at
``/running/athletes/<id>/`` (read-only). Someone else's session or check-in is a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from backstride.accounts.models import User
from backstride.accounts.permissions import athlete_required, viewable_athlete
from backstride.activities.models import Activity

from . import checkins, services
from .forms import FortyEightHourForm, MorningForm, ReadinessForm, RunCheckInForm
from .models import RunCheckIn


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


def _plan_context(athlete: User, read_only: bool) -> dict[str, Any]:
    rx = services.prescription_for(athlete)
    return {
        "athlete": athlete,
        "read_only": read_only,
        "rx": rx,
        "position": services.ladder_position(athlete, rx),
        "history": checkins.session_verdicts(athlete, rx.today)[:10],
        "pending": [] if read_only else checkins.pending_checkins(athlete, rx.today),
        "followups": [] if read_only else checkins.due_followups(athlete, rx.today),
    }


@athlete_required
@require_GET
def plan(request: HttpRequest) -> HttpResponse:
    return render(request, "running/plan.html", _plan_context(_me(request), False))


@login_required
@require_GET
def athlete_plan(request: HttpRequest, athlete_id: int) -> HttpResponse:
    athlete = viewable_athlete(request.user, athlete_id)
    if athlete is None:
        raise Http404("No such athlete.")
    return render(request, "running/plan.html", _plan_context(athlete, athlete != request.user))


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
