"""Clinician workspace pages: the caseload, a client's record, notes, tailoring, clearing a
pause; and the athlete's side of tailoring (what their clinician changed).

Every page about a client goes through ``viewable_athlete(..., what=...)``, which writes the
access log (and logs a refusal); every change also writes a CHANGE entry (in services).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from backstride.accounts import audit
from backstride.accounts.models import User
from backstride.accounts.permissions import athlete_required, role_required, viewable_athlete
from backstride.rehab import charts
from backstride.rehab.records import protocol_for
from backstride.rehab.scoring import outcome_series

from . import caseload as caseload_service
from . import services, timeline
from .forms import ClearForm, NoteForm, TailorForm

clinician_required = role_required(User.Role.CLINICIAN)


def client_or_404(
    request: HttpRequest, athlete_id: int, what: str, action: str = audit.Action.READ
) -> User:
    """The client when the signed-in clinician shares their care (logged), else 404.

    The athlete themself gets 404 too: this workspace holds clinicians' private notes.
    """
    athlete = viewable_athlete(request, athlete_id, what=what, action=action)
    viewer: Any = request.user
    if athlete is None or not viewer.is_clinician or athlete.pk == viewer.pk:
        raise Http404("No such client.")
    return athlete


def _int(value: str | None, lo: int, hi: int) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if lo <= number <= hi else None


def invite_url() -> str:
    """The invitation page, once the accounts app offers one."""
    try:
        return reverse("accounts:invite_client")
    except NoReverseMatch:
        return ""


@clinician_required
def caseload(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "all")
    if show not in caseload_service.SHOW_CHOICES:
        show = "all"
    phase = _int(request.GET.get("phase"), 1, 3)
    q = request.GET.get("q", "").strip()[:100]
    page = _int(request.GET.get("page"), 1, 100_000) or 1
    assert isinstance(request.user, User)
    found = caseload_service.caseload(request.user, show=show, phase=phase, q=q, page=page)
    caseload_service.log_reads(request, [row.athlete for row in found.rows])
    return render(
        request,
        "clinic/caseload.html",
        {
            "caseload": found,
            "show_choices": caseload_service.SHOW_CHOICES,
            "phases": (1, 2, 3),
            "invite_url": invite_url(),
            "query": request.GET.copy(),
        },
    )


def _record(
    request: HttpRequest,
    athlete: User,
    *,
    note_form: NoteForm | None = None,
    clear_form: ClearForm | None = None,
    status: int = 200,
) -> HttpResponse:
    assert isinstance(request.user, User)
    protocol = protocol_for(athlete)
    series = outcome_series(athlete)
    kind = request.GET.get("kind", "")
    kind = kind if kind in timeline.KINDS else ""
    limit = _int(request.GET.get("limit"), 1, 1000) or 60
    profile = getattr(athlete, "rehab_profile", None)
    phase = protocol.phase(profile.phase) if profile and profile.phase else None
    events = timeline.timeline(athlete, kind=kind, limit=limit + 1)
    return render(
        request,
        "clinic/client.html",
        {
            "athlete": athlete,
            "phase": phase,
            "profile": profile,
            "protocol": protocol,
            "attention": caseload_service.attention_for(request.user, athlete),
            "pausing": services.pausing_screen(athlete),
            "clear_form": clear_form or ClearForm(),
            "notes": services.visible_notes(athlete),
            "note_form": note_form or NoteForm(),
            "events": events[:limit],
            "more": len(events) > limit,
            "next_limit": limit + 60,
            "kind": kind,
            "kinds": timeline.KINDS,
            "changes": services.changes_for(athlete, limit=5),
            "nprs_chart": charts.outcome_chart(protocol, "nprs", series["nprs"]),
            "psfs_chart": charts.outcome_chart(protocol, "psfs", series["psfs"]),
        },
        status=status,
    )


@login_required
def client(request: HttpRequest, athlete_id: int) -> HttpResponse:
    athlete = client_or_404(request, athlete_id, "client record")
    return _record(request, athlete)


@login_required
def export(request: HttpRequest, athlete_id: int) -> HttpResponse:
    """The client's record as one JSON file (logged as an export in their access log)."""
    athlete = client_or_404(request, athlete_id, "client record", audit.Action.EXPORT)
    response = JsonResponse(timeline.client_export(athlete), json_dumps_params={"indent": 1})
    day = timezone.now().date().isoformat()
    response["Content-Disposition"] = f'attachment; filename="client-{athlete.pk}-{day}.json"'
    return response


@login_required
@require_POST
def note_add(request: HttpRequest, athlete_id: int) -> HttpResponse:
    athlete = client_or_404(request, athlete_id, "client record")
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.add_note(request, athlete, form.cleaned_data["text"])
        except services.Invalid as exc:
            for field, msgs in exc.errors.items():
                for m in msgs:
                    form.add_error(field if field in form.fields else None, m)
        else:
            messages.success(request, "Note saved. Only clinicians see it.")
            return redirect(reverse("clinic:client", args=[athlete.pk]) + "#notes")
    return _record(request, athlete, note_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def note_edit(request: HttpRequest, athlete_id: int, note_id: int) -> HttpResponse:
    athlete = client_or_404(request, athlete_id, "clinician note")
    note = services.own_note(request, athlete, note_id)
    if note is None:
        raise Http404("No such note of yours.")
    if request.method == "POST" and "delete" in request.POST:
        services.delete_note(request, note)
        messages.success(request, "Note deleted.")
        return redirect(reverse("clinic:client", args=[athlete.pk]) + "#notes")
    form = NoteForm(request.POST or None, initial={"text": note.text})
    form.fields["text"].label = "Your note"
    if request.method == "POST" and form.is_valid():
        services.edit_note(request, note, form.cleaned_data["text"])
        messages.success(request, "Note updated.")
        return redirect(reverse("clinic:client", args=[athlete.pk]) + "#notes")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "clinic/note_edit.html",
        {"athlete": athlete, "note": note, "form": form},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def tailor(request: HttpRequest, athlete_id: int) -> HttpResponse:
    athlete = client_or_404(request, athlete_id, "tailored protocol")
    shown = services.tailoring_form(athlete)
    form = TailorForm(shown, request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        form.is_valid()
        # The protocol's own checks run even when only the reason is missing, so every
        # problem is shown at once.
        if not any(name in form.errors for name in form.keys):
            try:
                change = services.tailor(
                    request,
                    athlete,
                    values=form.values(),
                    exercises_on=form.exercises_on(),
                    reason=request.POST.get("reason", ""),
                    based_on=request.POST.get("based_on", ""),
                )
            except services.Invalid as exc:
                if "reason" in form.errors:
                    exc.errors.pop("reason", None)
                form.add_service_errors(exc.errors)
            else:
                count = len(change.diff)
                messages.success(
                    request,
                    f"Saved {count} change{'s' if count != 1 else ''}. "
                    f"{athlete.name} will see what changed and why.",
                )
                return redirect("clinic:client", athlete.pk)
    return render(
        request,
        "clinic/tailor.html",
        {
            "athlete": athlete,
            "form": form,
            "shown": shown,
            "changes": services.changes_for(athlete, limit=20),
        },
        status=status,
    )


@login_required
@require_POST
def clear(request: HttpRequest, athlete_id: int) -> HttpResponse:
    athlete = client_or_404(request, athlete_id, "red-flag pause")
    form = ClearForm(request.POST)
    screen_id = _int(request.POST.get("screen"), 1, 2**31 - 1)
    if form.is_valid():
        try:
            services.clear_pause(request, athlete, form.cleaned_data["reason"], screen_id)
        except LookupError as exc:
            messages.info(request, str(exc))
            return redirect("clinic:client", athlete.pk)
        except services.Invalid as exc:
            for msgs in exc.errors.values():
                for m in msgs:
                    form.add_error("reason", m)
        else:
            messages.success(request, f"Cleared. {athlete.name}'s program can resume.")
            return redirect("clinic:client", athlete.pk)
    return _record(request, athlete, clear_form=form, status=400)


# --- The athlete's side ------------------------------------------------------------------
@athlete_required
def my_changes(request: HttpRequest) -> HttpResponse:
    """What the athlete's clinicians changed in their plan, and why (their own data)."""
    assert isinstance(request.user, User)
    return render(
        request,
        "clinic/my_changes.html",
        {"changes": services.changes_for(request.user, limit=100)},
    )


@athlete_required
@require_POST
def my_changes_seen(request: HttpRequest) -> HttpResponse:
    """Dismiss the notice of plan changes (they stay listed on the changes page)."""
    assert isinstance(request.user, User)
    services.mark_seen(request.user)
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("web:dashboard")
