"""Rehab pages. Thin: parse input, call one service, render.

Athlete pages use ``@athlete_required``; objects are always looked up with the signed-in
user as owner, so another person's ids answer 404. The clinician pages check
``can_view_athlete`` (the one permission layer) and answer 404 to anyone else.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from backstride.accounts.permissions import athlete_or_404, athlete_required
from backstride.core.phases import Decision

from . import charts, forms, guide, records, scoring, services
from .models import CheckIn, PhaseChange, RedFlagScreen, Screen
from .state import gate, redirect_first

STEP_TITLES = {
    "history": "Your back pain so far",
    "pain": "Your pain",
    "legs": "Leg symptoms",
    "activities": "What makes it better or worse",
    "running": "Your running",
    "fitness": "Walking and fitness tests",
    "goal": "Your goal",
    "red-flags": "Safety questions",
}
SCREEN_SLUGS = {"weekly": Screen.WEEKLY, "phase-change": Screen.PHASE_CHANGE}
GET_POST = require_http_methods(["GET", "POST"])


def _data(request: HttpRequest) -> Any:
    """POST data for a bound form (an empty POST is still a submission), else None."""
    return request.POST if request.method == "POST" else None


def _me(request: HttpRequest) -> Any:
    """The signed-in person (every view below is behind a login or role decorator)."""
    return request.user


def _announce(request: HttpRequest, decision: Decision | None) -> None:
    if decision is None:
        return
    if decision.action == "step_back":
        messages.warning(
            request, f"{decision.summary}. Your check-ins show your back needs an easier week."
        )
    elif decision.action == "progress":
        messages.success(request, f"{decision.summary}. A few safety questions first.")
    elif decision.see_clinician:
        messages.warning(
            request, "Please see a physiotherapist or doctor: see why on your Today page."
        )


# --- Entry, consent, wizard -------------------------------------------------------------------
@athlete_required
def index(request: HttpRequest) -> HttpResponse:
    return redirect(guide.next_url(request.user))


@athlete_required
@GET_POST
def consent(request: HttpRequest) -> HttpResponse:
    if records.has_health_consent(request.user):
        return redirect(guide.next_url(request.user))
    form = forms.ConsentForm(_data(request))
    if request.method == "POST" and form.is_valid():
        services.give_health_consent(request.user)
        return redirect("rehab:assessment")
    return render(
        request,
        "rehab/consent.html",
        {"form": form, "wording_version": services.HEALTH_CONSENT_VERSION},
    )


@athlete_required
@gate(placed=False)
def assessment(request: HttpRequest) -> HttpResponse:
    if services.profile_for(request.user).phase is not None:
        return redirect("rehab:today")
    current = services.open_assessment(request.user)
    return redirect("rehab:assessment_step", services.next_step(current))


@athlete_required
@GET_POST
def assessment_step(request: HttpRequest, step: str) -> HttpResponse:
    if step not in services.STEPS:
        raise Http404("No such step.")
    first = redirect_first(request, placed=False)
    if first:
        return first
    user = _me(request)
    if services.profile_for(user).phase is not None:
        messages.info(request, "Your self-assessment is complete.")
        return redirect("rehab:today")
    current = services.open_assessment(user)
    if not services.step_allowed(current, step):
        return redirect("rehab:assessment_step", services.next_step(current))
    protocol = services.protocol_for(user)
    data = request.POST if request.method == "POST" else None
    form: forms.forms.Form
    if step == "red-flags":
        form = forms.RedFlagForm(protocol, "initial", data)
    elif step == "fitness":
        form = forms.FitnessForm(protocol, data, initial=current.answers(step))
    else:
        form = forms.STEP_FORMS[step](data, initial=current.answers(step))
    if request.method == "POST" and form.is_valid():
        if step == "red-flags":
            _screen, result, _placement = services.submit_initial_screen(
                user, current, dict(form.cleaned_data)
            )
            return redirect("rehab:stop" if result.pauses else "rehab:assessment_result")
        answers = form.answers() if isinstance(form, forms.FitnessForm) else form.cleaned_data
        services.save_step(current, step, dict(answers))
        return redirect("rehab:assessment_step", services.STEPS[services.STEPS.index(step) + 1])
    index = services.STEPS.index(step)
    return render(
        request,
        "rehab/assessment_step.html",
        {
            "form": form,
            "step": step,
            "step_title": STEP_TITLES[step],
            "step_number": index + 1,
            "step_count": len(services.STEPS),
            "previous": services.STEPS[index - 1] if index else None,
            "steps": [(s, STEP_TITLES[s]) for s in services.STEPS],
            "is_red_flags": step == "red-flags",
        },
    )


@athlete_required
@gate(placed=True, pending_ok=True)
def assessment_result(request: HttpRequest) -> HttpResponse:
    change = get_object_or_404(
        PhaseChange.objects.filter(user=_me(request), action=PhaseChange.Action.PLACEMENT)[:1]
    )
    protocol = services.protocol_for(request.user)
    return render(
        request,
        "rehab/assessment_result.html",
        {
            "change": change,
            "phase": protocol.phase(change.to_phase),
            "needs_baseline": scoring.last_outcome_day(request.user) is None,
            "advice": _advice(request.user, protocol),
        },
    )


# --- Red flags ---------------------------------------------------------------------------------
@athlete_required
def stop(request: HttpRequest) -> HttpResponse:
    screen = services.stopping_screen(request.user)
    if screen is None:
        return redirect(guide.next_url(request.user))
    protocol = services.protocol_for(request.user)
    return render(
        request,
        "rehab/stop.html",
        {
            "screen": screen,
            "advice": protocol.urgency.get(screen.urgency),
            "cauda_equina": any(t["group"] == "cauda_equina" for t in screen.triggered),
        },
    )


@athlete_required
@GET_POST
def screen(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in SCREEN_SLUGS:
        raise Http404("No such screen.")
    first = redirect_first(request, placed=True, pending_ok=True)
    if first:
        return first
    screen_kind = SCREEN_SLUGS[kind]
    profile = services.profile_for(request.user)
    if profile.pending_screen and profile.pending_screen != screen_kind:
        return redirect("rehab:screen", profile.pending_screen.replace("_", "-"))
    if screen_kind == Screen.PHASE_CHANGE and profile.pending_screen != Screen.PHASE_CHANGE:
        return redirect("rehab:today")
    protocol = services.protocol_for(request.user)
    form = forms.RedFlagForm(protocol, screen_kind, _data(request))
    if request.method == "POST" and form.is_valid():
        _screen, result = services.record_screen(request.user, screen_kind, dict(form.cleaned_data))
        if result.pauses:
            return redirect("rehab:stop")
        if result.stop:
            messages.warning(
                request,
                "Thank you. Your program stays open, but please see your GP about one of your "
                "answers: see why below.",
            )
        else:
            messages.success(request, "Thank you. Nothing in your answers stops your program.")
        return redirect("rehab:today")
    change = None
    if screen_kind == Screen.PHASE_CHANGE:
        change = PhaseChange.objects.filter(user=_me(request)).exclude(action="placement").first()
    return render(
        request,
        "rehab/screen.html",
        {
            "form": form,
            "kind": screen_kind,
            "change": change,
            "pending_phase": profile.pending_phase,
            "leg_rescreen": screen_kind == Screen.WEEKLY
            and profile.pending_screen == Screen.WEEKLY,
        },
    )


# --- Today -------------------------------------------------------------------------------------
@athlete_required
@gate()
def today(request: HttpRequest) -> HttpResponse:
    user = _me(request)
    protocol = services.protocol_for(user)
    day = services.local_today(user)
    if records.weekly_screen_due(user, protocol, day):
        return redirect("rehab:screen", "weekly")
    profile = services.profile_for(user)
    plan = services.today_plan(user, profile, protocol, day)
    exercises = [protocol.exercise(e) for e in plan.session.exercises] if plan.session else []
    last_change = guide.recent_phase_change(user)
    intro = protocol.phase(plan.phase).introduce
    intro_id = intro.id if intro else None
    return render(
        request,
        "rehab/today.html",
        {
            "protocol": protocol,
            "phase": protocol.phase(profile.phase),  # type: ignore[arg-type]
            "plan": plan,
            "exercises": exercises,
            "new_today": protocol.exercise(plan.new_today) if plan.new_today else None,
            "new_today_reasons": [r for r in plan.reasons if r.rule_id == intro_id],
            "plan_reasons": [r for r in plan.reasons if r.rule_id != intro_id],
            "minutes": guide.session_minutes(exercises) if exercises else 0,
            "morning": services.morning_due(user, day),
            "fortyeight": services.fortyeight_due(user, day),
            "fortyeight_form": forms.FortyEightForm(),
            "morning_form": forms.MorningForm(),
            "checkin_due": services.checkin_due(user, day),
            "decision": services.current_decision(user, day),
            "last_change": last_change,
            "today_light": guide.today_light(user, day),
            "advice": _advice(user, protocol),
            "review": guide.no_better(user, day),
            "today": day,
        },
    )


def _advice(user: Any, protocol: Any) -> guide.Advice | None:
    screen = records.open_advice(user)
    return guide.advice_for(protocol, screen) if screen is not None else None


@athlete_required
@require_POST
def seen_clinician(request: HttpRequest, screen_id: int) -> HttpResponse:
    """The athlete records that they have seen a GP or clinician about a "soon" red flag."""
    try:
        services.declare_seen_clinician(_me(request), screen_id, str(request.POST.get("note", "")))
    except RedFlagScreen.DoesNotExist:
        raise Http404("No such advice.") from None
    messages.success(request, "Thank you. We've noted that you have been seen about this.")
    return redirect("rehab:today")


@athlete_required
@require_POST
@gate()
def session_done(request: HttpRequest) -> HttpResponse:
    user = _me(request)
    protocol = services.protocol_for(user)
    ids = [e for phase in protocol.phases for s in phase.sessions for e in s.exercises]
    form = forms.SessionDoneForm(sorted(set(ids)), request.POST)
    if not form.is_valid():
        messages.error(request, "That form didn't look right. Please try again.")
        return redirect("rehab:today")
    try:
        services.complete_session(
            user,
            form.cleaned_data["session_id"],
            form.cleaned_data["done"],
            services.local_today(user),
        )
    except ValueError:
        messages.error(request, "That isn't today's session, or it is already done.")
        return redirect("rehab:today")
    return redirect("rehab:checkin")


@athlete_required
@GET_POST
@gate()
def checkin(request: HttpRequest) -> HttpResponse:
    session = services.checkin_due(request.user, services.local_today(request.user))
    if session is None:
        return redirect("rehab:today")
    form = forms.CheckInForm(_data(request))
    if request.method == "POST" and form.is_valid():
        services.record_checkin(request.user, session, dict(form.cleaned_data))
        # The answer to a check-in is given on the spot: its colour, what it means, what next.
        return redirect("rehab:checkin_result")
    return render(request, "rehab/checkin.html", {"form": form, "session": session})


def _later_pain(
    request: HttpRequest,
    *,
    due: Callable[[Any, date], CheckIn | None],
    form_class: type[django_forms.Form],
    field: str,
    record: Callable[[Any, CheckIn, int, date], Decision | None],
    anchor: str,
    ask: str,
    result_url: Callable[[CheckIn], str],
) -> HttpResponse:
    """A pain score asked on Today some time after a check-in: record it on the check-in
    that is ``due`` and show the result; nothing due goes to Today, a wrong answer back to
    the question (``anchor``) with ``ask``."""
    day = services.local_today(request.user)
    target = due(request.user, day)
    if target is None:
        return redirect("rehab:today")
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, ask)
        return redirect(reverse("rehab:today") + anchor)
    record(request.user, target, form.cleaned_data[field], day)
    return redirect(result_url(target))


@athlete_required
@require_POST
@gate()
def morning(request: HttpRequest) -> HttpResponse:
    """The next-morning pain after yesterday's session."""
    return _later_pain(
        request,
        due=services.morning_due,
        form_class=forms.MorningForm,
        field="pain_next_morning",
        record=services.record_morning,
        anchor="#morning",
        ask="Please choose a number from 0 to 10 for your morning pain.",
        result_url=lambda target: reverse("rehab:checkin_result"),
    )


@athlete_required
@require_POST
@gate()
def fortyeight(request: HttpRequest) -> HttpResponse:
    """The 48-hour pain after a session that was not green."""
    return _later_pain(
        request,
        due=services.fortyeight_due,
        form_class=forms.FortyEightForm,
        field="pain_48h",
        record=services.record_48h,
        anchor="#fortyeight",
        ask="Please choose a number from 0 to 10 for your pain now.",
        result_url=lambda target: (
            reverse("rehab:checkin_result") + f"?day={target.day.isoformat()}"
        ),
    )


@athlete_required
@gate(pending_ok=True)
def checkin_result(request: HttpRequest) -> HttpResponse:
    """After every check-in (and next-morning answer): its colour, what that means, what
    happens next, and the safety-netting line."""
    user = _me(request)
    result = guide.checkin_result(user, request.GET.get("day"))
    if result is None:
        return redirect("rehab:today")
    return render(request, "rehab/checkin_result.html", result.context())


@athlete_required
@GET_POST
@gate()
def tests(request: HttpRequest) -> HttpResponse:
    user = _me(request)
    protocol = services.protocol_for(user)
    form = forms.ObjectiveTestsForm(protocol, _data(request))
    if request.method == "POST" and form.is_valid():
        decision = services.record_tests(user, form.results(), services.local_today(user))
        messages.success(request, "Test results saved.")
        _announce(request, decision)
        return redirect(
            guide.next_url(user) if decision and decision.changes_phase else "rehab:progress"
        )
    profile = services.profile_for(user)
    latest = services.latest_tests(user, services.local_today(user))
    return render(
        request,
        "rehab/tests.html",
        {"form": form, "latest": latest, "groups": form.groups(profile.phase or 1)},
    )


@athlete_required
@gate(pending_ok=True)
def progress(request: HttpRequest) -> HttpResponse:
    user = _me(request)
    protocol = services.protocol_for(user)
    profile = services.profile_for(user)
    day = services.local_today(user)
    decision = services.current_decision(user, day)
    criteria_ids = {c.id for c in decision.criteria} if decision else set()
    plain = [r.text for r in decision.reasons if r.rule_id not in criteria_ids] if decision else []
    return render(
        request,
        "rehab/progress.html",
        {
            "protocol": protocol,
            "phase": protocol.phase(profile.phase),  # type: ignore[arg-type]
            "profile": profile,
            "decision": decision,
            "plain_reasons": plain,
            "changes": PhaseChange.objects.filter(user=user)[:20],
            "tests": services.latest_tests(user, day),
            "outcome_due": guide.outcome_due_for(user, day),
        },
    )


# --- Outcomes ---------------------------------------------------------------------------------
@athlete_required
@gate(pending_ok=True)
def outcomes(request: HttpRequest) -> HttpResponse:
    user = _me(request)
    protocol = services.protocol_for(user)
    series = scoring.outcome_series(user)
    return render(
        request,
        "rehab/outcomes.html",
        {
            "nprs_chart": charts.outcome_chart(protocol, "nprs", series["nprs"]),
            "psfs_chart": charts.outcome_chart(protocol, "psfs", series["psfs"]),
            "changes": scoring.outcome_changes(user),
            "due": guide.outcome_due_for(user, services.local_today(user)),
            "protocol": protocol,
        },
    )


@athlete_required
@GET_POST
@gate(pending_ok=True)
def outcomes_new(request: HttpRequest) -> HttpResponse:
    user = _me(request)
    protocol = services.protocol_for(user)
    form = forms.OutcomeForm(protocol, scoring.psfs_activities(user), _data(request))
    if request.method == "POST" and form.is_valid():
        scoring.record_outcomes(
            user, services.local_today(user), form.cleaned_data["nprs"], form.cleaned_data["items"]
        )
        messages.success(request, "Scores saved. We'll remind you when the next ones are due.")
        return redirect("rehab:outcomes")
    return render(request, "rehab/outcomes_new.html", {"form": form})


# --- Exercise library -----------------------------------------------------------------------------
@login_required
def exercises(request: HttpRequest) -> HttpResponse:
    protocol = services.protocol_for(request.user)
    by_phase = [
        (p, [e for e in protocol.exercises.values() if p.number in e.phases])
        for p in protocol.phases
    ]
    return render(request, "rehab/exercises.html", {"by_phase": by_phase, "protocol": protocol})


@login_required
def exercise(request: HttpRequest, exercise_id: str) -> HttpResponse:
    protocol = services.protocol_for(request.user)
    item = protocol.exercises.get(exercise_id)
    if item is None:
        raise Http404("No such exercise.")
    return render(
        request,
        "rehab/exercise.html",
        {
            "exercise": item,
            "protocol": protocol,
            "regression": protocol.exercises.get(item.regression),
            "progression": protocol.exercises.get(item.progression),
            "dosage_source": protocol.cite(item.dosage.sources),
        },
    )


# --- Clinician ---------------------------------------------------------------------------
def _render_athlete_detail(
    request: HttpRequest,
    athlete: Any,
    *,
    is_clinician: bool,
    clearance_form: forms.ClearanceForm,
    status: int = 200,
) -> HttpResponse:
    overview = guide.athlete_overview(athlete)
    protocol = overview.protocol
    series = overview.outcomes
    return render(
        request,
        "rehab/athlete_detail.html",
        overview.context()
        | {
            "athlete": athlete,
            "is_clinician": is_clinician,
            "clearance_form": clearance_form,
            "nprs_chart": charts.outcome_chart(protocol, "nprs", series["nprs"]),
            "psfs_chart": charts.outcome_chart(protocol, "psfs", series["psfs"]),
        },
        status=status,
    )


@login_required
def athlete_detail(request: HttpRequest, athlete_id: int) -> HttpResponse:
    athlete = athlete_or_404(request, athlete_id, what="rehab record")
    return _render_athlete_detail(
        request,
        athlete,
        is_clinician=getattr(request.user, "is_clinician", False),
        clearance_form=forms.ClearanceForm(),
    )


@login_required
@require_POST
def clear(request: HttpRequest, athlete_id: int, screen_id: int) -> HttpResponse:
    athlete = athlete_or_404(request, athlete_id, what="rehab record")
    if not getattr(request.user, "is_clinician", False):
        raise Http404("Only the person's clinician can clear a red flag.")
    target = get_object_or_404(RedFlagScreen, pk=screen_id, user=athlete, stop=True)
    if target.cleared:
        messages.info(request, "That red flag was already cleared.")
        return redirect("rehab:athlete_detail", athlete.pk)
    form = forms.ClearanceForm(request.POST)
    if form.is_valid():
        services.clear_red_flag(target, request.user, form.cleaned_data["reason"], request)
        messages.success(request, f"Cleared. {athlete.name}'s program can resume.")
        return redirect("rehab:athlete_detail", athlete.pk)
    return _render_athlete_detail(
        request, athlete, is_clinician=True, clearance_form=form, status=400
    )
