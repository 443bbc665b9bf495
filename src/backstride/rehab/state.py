"""Where must this athlete be? One answer for every page, the dashboard and "next".

:func:`athlete_state` reads it once (consent, an open red-flag stop, placement, a pending
re-screen) and :func:`gate` is the view decorator that sends an athlete there before a page
that needs more. Order matters and is the safety order: consent, then a red-flag stop (nothing
else is offered while the program is paused), then the self-assessment, then a re-screen.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from .models import RedFlagScreen, RehabProfile
from .records import has_health_consent, profile_for, stopping_screen


class Stage(enum.Enum):
    """The first thing the athlete must do, in the order it is checked."""

    CONSENT = "consent"  # agree to the health-data terms
    STOPPED = "stopped"  # a red-flag answer paused the program
    ASSESSMENT = "assessment"  # not placed in a phase yet
    SCREEN = "screen"  # safety questions before a phase change or the weekly re-screen
    READY = "ready"  # today's program


@dataclass(frozen=True)
class AthleteState:
    stage: Stage
    profile: RehabProfile | None = None
    stop: RedFlagScreen | None = None

    @property
    def url(self) -> str:
        """The page for this stage (today's page when nothing comes first)."""
        if self.stage is Stage.CONSENT:
            return reverse("rehab:consent")
        if self.stage is Stage.STOPPED:
            return reverse("rehab:stop")
        if self.stage is Stage.ASSESSMENT:
            return reverse("rehab:assessment")
        if self.stage is Stage.SCREEN:
            assert self.profile is not None
            return reverse("rehab:screen", args=[self.profile.pending_screen.replace("_", "-")])
        return reverse("rehab:today")

    def blocks(self, *, placed: bool = True, pending_ok: bool = False) -> bool:
        """Whether a page needing a placed athlete (``placed``), and tolerating a pending
        re-screen (``pending_ok``), must send this athlete elsewhere first."""
        if self.stage in (Stage.CONSENT, Stage.STOPPED):
            return True
        if self.stage is Stage.ASSESSMENT:
            return placed
        if self.stage is Stage.SCREEN:
            return placed and not pending_ok
        return False


def athlete_state(user: Any) -> AthleteState:
    """The athlete's stage, with the profile and the stopping screen when they matter."""
    if not has_health_consent(user):
        return AthleteState(Stage.CONSENT)
    stop = stopping_screen(user)
    if stop is not None:
        return AthleteState(Stage.STOPPED, stop=stop)
    profile = profile_for(user)
    if profile.phase is None:
        return AthleteState(Stage.ASSESSMENT, profile=profile)
    if profile.pending_screen:
        return AthleteState(Stage.SCREEN, profile=profile)
    return AthleteState(Stage.READY, profile=profile)


def redirect_first(
    request: HttpRequest, *, placed: bool = True, pending_ok: bool = False
) -> HttpResponse | None:
    """The redirect :func:`gate` would answer, or ``None`` when the page may go on."""
    state = athlete_state(request.user)
    if state.blocks(placed=placed, pending_ok=pending_ok):
        return redirect(state.url)
    request.athlete_state = state  # type: ignore[attr-defined]
    return None


View = Callable[..., HttpResponse]


def gate(*, placed: bool = True, pending_ok: bool = False) -> Callable[[View], View]:
    """Send the athlete to :attr:`AthleteState.url` when the page needs more than they have
    done (see :meth:`AthleteState.blocks`); the view finds the state on ``request``."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            first = redirect_first(request, placed=placed, pending_ok=pending_ok)
            return first or view(request, *args, **kwargs)

        return wrapper

    return decorator
