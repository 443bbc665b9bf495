"""Public newsletter pages (signup, confirm, unsubscribe, preferences, manual) and editor stats.

Pages behind an emailed link never change anything on GET: they show a button, and only
its POST acts (mail scanners follow links). These views are CSRF-exempt on purpose: the
signed token in the URL is the only authority they use, there is no cookie to ride on,
and RFC 8058 one-click unsubscribe must work as a cookieless POST.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from backstride.accounts.permissions import can_edit_content

from . import emails, services, tokens
from .forms import EraseForm, PreferencesForm, SignupForm
from .models import ConfirmationToken, Source, Subscriber
from .privacy import client_ip

SOURCES = {Source.HOME, Source.ARTICLE, Source.EPISODE, Source.PAGE}


def _source(value: str | None) -> str:
    return value if value in SOURCES else Source.PAGE


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# --------------------------------------------------------------------------- signup


def signup_form(request: HttpRequest, source: str, data: Any = None) -> SignupForm:
    initial: dict[str, Any] = {"source": source}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        initial["email"] = user.email
    return SignupForm(data, initial=initial, prefix_id=f"nl-{source}")


@never_cache
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """GET: the newsletter page. POST: step 1 of double opt-in (htmx partial or full page)."""
    source = _source(request.POST.get("source") or request.GET.get("source"))
    htmx = _is_htmx(request)
    template = "newsletter/_signup_block.html" if htmx else "newsletter/signup.html"
    if request.method == "GET":
        return render(request, template, {"form": signup_form(request, source), "source": source})
    form = signup_form(request, source, request.POST)
    context: dict[str, Any] = {"form": form, "source": source}
    if not form.is_valid():
        # htmx swaps only 2xx answers; the page itself answers 400.
        return render(request, template, context, status=200 if htmx else 400)
    if form.is_bot:
        context["done_email"] = form.cleaned_data["email"]
        return render(request, template, context)
    if not services.ip_allowed(client_ip(request)):
        context["limited"] = True
        return render(request, template, context, status=200 if htmx else 429)
    services.request_subscription(
        form.cleaned_data["email"],
        first_name=form.cleaned_data["first_name"],
        source=source,
        ip=client_ip(request),
    )
    # The same answer whether the address is new, pending, confirmed or rate-limited.
    context["done_email"] = form.cleaned_data["email"]
    return render(request, template, context)


# --------------------------------------------------------------------------- confirm


def _used_token_record(token: str) -> ConfirmationToken | None:
    """For an *expired* link: was it used already? (A repeat visit after success shows success.)"""
    try:
        data = signing.TimestampSigner(salt=tokens.CONFIRM_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("t"), int):
        return None
    record = ConfirmationToken.objects.select_related("subscriber").filter(pk=data["t"]).first()
    if record is None or record.used_at is None:
        return None
    nonce = data.get("n")
    if not isinstance(nonce, str) or not hmac.compare_digest(nonce.encode(), record.nonce.encode()):
        return None
    return record


def _confirmed_page(request: HttpRequest, subscriber: Subscriber, first_time: bool) -> HttpResponse:
    return render(
        request,
        "newsletter/welcome.html",
        {
            "subscriber": subscriber,
            "first_time": first_time,
            "manual_url": emails.manual_url(subscriber),
            "preferences_url": emails.preferences_url(subscriber),
        },
    )


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        checked = tokens.check_confirmation(token)
    except tokens.LinkError as exc:
        record = _used_token_record(token) if exc.reason == "expired" else None
        if record is not None and record.subscriber.is_confirmed:
            return _confirmed_page(request, record.subscriber, False)
        return render(
            request,
            "newsletter/confirm.html",
            {"error": str(exc), "reason": exc.reason, "form": signup_form(request, Source.PAGE)},
            status=400,
        )
    record = checked.record
    subscriber = record.subscriber
    if checked.used or subscriber.is_confirmed:
        if subscriber.is_confirmed:
            return _confirmed_page(request, subscriber, False)
        return render(
            request,
            "newsletter/confirm.html",
            {
                "error": "This link has already been used, and this address isn't subscribed "
                "right now. Sign up again below and we'll send a fresh link.",
                "reason": "used",
                "form": signup_form(request, Source.PAGE),
            },
            status=400,
        )
    if request.method == "POST":
        result = services.confirm(record, ip=client_ip(request))
        return _confirmed_page(request, result.subscriber, result.first_time)
    return render(request, "newsletter/confirm.html", {"email": subscriber.email})


# --------------------------------------------------------------------------- unsubscribe


Answer = HttpResponse | FileResponse
LinkView = Callable[[HttpRequest, "Subscriber | None"], Answer]


def signed_link(
    reader: Callable[[str], str], template: str
) -> Callable[[LinkView], Callable[[HttpRequest, str], Answer]]:
    """A page behind a signed subscriber link: a bad or expired link is ``template`` with the
    reason (400); the view gets the subscriber, or None if they have been erased."""

    def decorator(view: LinkView) -> Callable[[HttpRequest, str], Answer]:
        @wraps(view)
        def wrapper(request: HttpRequest, token: str) -> Answer:
            try:
                public_id = reader(token)
            except tokens.LinkError as exc:
                return render(request, template, {"error": str(exc)}, status=400)
            return view(request, Subscriber.objects.filter(public_id=public_id).first())

        return wrapper

    return decorator


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
@signed_link(tokens.public_id_from_unsubscribe, "newsletter/unsubscribe.html")
def unsubscribe(request: HttpRequest, subscriber: Subscriber | None) -> HttpResponse:
    """GET: a page with a button. POST (the button, or RFC 8058 one-click): unsubscribe → 200."""
    context: dict[str, Any] = {"subscriber": subscriber}
    if subscriber is not None:
        context["preferences_url"] = emails.preferences_url(subscriber)
    if request.method == "POST":
        one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        if subscriber is not None:
            services.unsubscribe(
                subscriber, ip=client_ip(request), how="one-click" if one_click else "page"
            )
        # Always 200 (never a redirect), replays included.
        return render(request, "newsletter/unsubscribe.html", {**context, "done": True})
    done = subscriber is None or subscriber.status in {
        Subscriber.Status.UNSUBSCRIBED,
        Subscriber.Status.BOUNCED,
        Subscriber.Status.COMPLAINED,
    }
    return render(request, "newsletter/unsubscribe.html", {**context, "done": done})


# --------------------------------------------------------------------------- preferences


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
@signed_link(tokens.public_id_from_preferences, "newsletter/preferences.html")
def preferences(request: HttpRequest, subscriber: Subscriber | None) -> HttpResponse:
    if subscriber is None:
        return render(request, "newsletter/preferences.html", {"erased": True})
    ip = client_ip(request)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = PreferencesForm(
        request.POST if action == "save" else None,
        initial={"weekly_episodes": subscriber.weekly_episodes},
    )
    erase_form = EraseForm(request.POST if action == "erase" else None)
    notice = ""
    status = 200
    if action == "save" and form.is_valid():
        services.set_preferences(
            subscriber, weekly_episodes=form.cleaned_data["weekly_episodes"], ip=ip
        )
        notice = "Your preferences are saved."
    elif action == "unsubscribe":
        services.unsubscribe(subscriber, ip=ip, how="preferences")
        notice = "You're unsubscribed. We won't email you again unless you subscribe again."
    elif action == "resubscribe":
        if not services.ip_allowed(ip):
            notice = "Too many requests from your network. Please try again in an hour."
            status = 429
        else:
            services.request_subscription(
                subscriber.email, first_name=subscriber.first_name, source=Source.PREFERENCES, ip=ip
            )
            notice = (
                f"Check your inbox: we've sent a confirmation link to {subscriber.email}. "
                "You're subscribed once you click it."
            )
    elif action == "export":
        data = services.export_data(subscriber)
        response = HttpResponse(
            json.dumps(data, indent=2, ensure_ascii=False),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="newsletter-data.json"'
        return response
    elif action == "erase" and erase_form.is_valid():
        services.erase(subscriber, ip=ip)
        return render(request, "newsletter/preferences.html", {"erased": True, "just_erased": True})
    elif action == "erase":
        status = 400
    subscriber.refresh_from_db()
    form = (
        form
        if form.is_bound and not form.is_valid()
        else PreferencesForm(initial={"weekly_episodes": subscriber.weekly_episodes})
    )
    return render(
        request,
        "newsletter/preferences.html",
        {
            "subscriber": subscriber,
            "form": form,
            "erase_form": erase_form,
            "notice": notice,
        },
        status=status,
    )


# --------------------------------------------------------------------------- manual


@never_cache
@require_http_methods(["GET", "HEAD"])
@signed_link(tokens.public_id_from_manual, "newsletter/manual_error.html")
def manual(request: HttpRequest, subscriber: Subscriber | None) -> Answer:
    """The manual PDF behind a signed, expiring link (also attached to the welcome email)."""
    if subscriber is None or subscriber.confirmed_at is None:
        raise Http404("No manual for this link.")
    try:
        path = emails.manual_pdf_path()
    except emails.ManualUnavailable:
        return render(
            request,
            "newsletter/manual_error.html",
            {"error": "The manual is being prepared. Please try again in a minute."},
            status=503,
        )
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=emails.MANUAL_FILENAME,
        content_type="application/pdf",
    )
    response["X-Robots-Tag"] = "noindex"
    return response


# --------------------------------------------------------------------------- editor


@never_cache
def editor(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not can_edit_content(request.user):
        raise PermissionDenied("Only editors can see newsletter statistics.")
    counts = services.subscriber_counts()
    peak = max([row["confirmed"] for row in counts] + [1])
    for row in counts:
        row["pct"] = round(100 * row["confirmed"] / peak)
    return render(
        request,
        "newsletter/editor.html",
        {
            "counts": counts,
            "totals": services.totals(),
            "rate": services.confirmation_rate(30),
            "rate_90": services.confirmation_rate(90),
            "issues": services.issue_stats(10),
            "site_name": settings.SITE_NAME,
        },
    )
