"""Home, the signed-in dashboard, the health check and /favicon.ico."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from backstride.lib.snapshot import reading
from backstride.publication.services import homepage_context
from backstride.rehab.records import stopping_screen

from . import health


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", homepage_context())


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    if getattr(user, "is_clinician", False):
        return redirect("clinic:caseload")  # a clinician's day starts at their caseload
    # The cards (rehab, running, this week) each ask for the protocol, the profile and any
    # stop: one read snapshot answers them all once, for this request only.
    with reading():
        # A red-flag stop pauses everything: no training prompts (runs, activity logging).
        context: dict[str, Any] = {"training_paused": training_paused(user)}
        return render(request, "web/dashboard.html", context)


def training_paused(user: Any) -> bool:
    """True while a red-flag screen stops the athlete's program (not yet cleared)."""
    return stopping_screen(user) is not None


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the task queue answer and a worker's heartbeat is fresh
    (where tasks need a worker); 503 otherwise, the body saying which part is down."""
    database = health.check_database()
    if database["ok"]:
        queue = health.check_queue()
        worker = health.check_worker()
    else:
        queue = {"ok": False, "error": "database down"}
        worker = health.WorkerCheck("unknown", "The database is down.")
    ok = database["ok"] and queue["ok"] and worker.ok
    body = {
        "status": "ok" if ok else "error",
        "database": database,
        "queue": queue,
        "worker": worker.as_json(),
    }
    return JsonResponse(body, status=200 if ok else 503)


#: How long browsers may keep the /favicon.ico redirect (a year: its target never moves).
FAVICON_REDIRECT_MAX_AGE = 365 * 24 * 3600


@require_safe
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """/favicon.ico, which browsers and feed readers ask for without reading our pages: a
    permanent, long-cached redirect to the SVG icon's stable (unfingerprinted) static URL, so
    a cached redirect stays right whatever the next deploy's file hashes are."""
    response = HttpResponsePermanentRedirect(f"{settings.STATIC_URL}img/favicon.svg")
    patch_cache_control(response, public=True, max_age=FAVICON_REDIRECT_MAX_AGE)
    return response
