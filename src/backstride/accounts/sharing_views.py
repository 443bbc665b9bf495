"""Invitations, the consent screen and the Sharing page (thin: the rules are in invitations.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from backstride.core.invitations import Direction
from backstride.lib.network import client_ip

from . import forms, invitations, sharing
from .invitations import InvitationError
from .models import CareLink, ConsentRecord, Invitation, User


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _posted(request: HttpRequest) -> QueryDict | None:
    """The form data of a POST (even an empty one: an unticked box still gets its message)."""
    return request.POST if request.method == "POST" else None


def _error(request: HttpRequest, exc: InvitationError, **context: Any) -> HttpResponse:
    return render(
        request,
        "accounts/invitation_error.html",
        {"error": exc.message, "refusal": exc.refusal.value, **context},
        status=exc.status_code,
    )


# --- Sending -----------------------------------------------------------------------------------
@login_required
def invite_client(request: HttpRequest) -> HttpResponse:
    """A clinician invites a client by email, and sees the invitations they sent."""
    user = _user(request)
    if not user.is_clinician:
        raise PermissionDenied("Only clinicians invite clients.")
    form = forms.InviteClientForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            invitations.invite(user, form.cleaned_data["email"], ip=client_ip(request))
        except InvitationError as exc:
            form.add_error("email", exc.message)
        else:
            messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
            return redirect("accounts:invite_client")
    context = {"form": form, "sent": sharing.sent_by(user), "here": request.path}
    return render(request, "accounts/invite_client.html", context)


@login_required
def invite_clinician(request: HttpRequest) -> HttpResponse:
    """An athlete invites their clinician, agreeing here to share their record with them."""
    user = _user(request)
    if not user.is_athlete:
        raise PermissionDenied("Only athletes invite a clinician to see their record.")
    form = forms.InviteClinicianForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            invitations.invite(
                user,
                form.cleaned_data["email"],
                consent=form.cleaned_data["consent"],
                source=ConsentRecord.Source.SHARING,
                ip=client_ip(request),
            )
        except InvitationError as exc:
            form.add_error("email", exc.message)
        else:
            messages.success(
                request,
                f"Invitation sent to {form.cleaned_data['email']}. Your record is shared once "
                "they accept.",
            )
            return redirect("accounts:sharing")
    context = {"form": form, "shared": invitations.WHAT_IS_SHARED}
    return render(request, "accounts/invite_clinician.html", context)


def _back(request: HttpRequest, user: User) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return redirect(target)
    return redirect("accounts:invite_client" if user.is_clinician else "accounts:sharing")


def _change_invitation(
    request: HttpRequest,
    pk: int,
    change: Callable[[User, int], Invitation],
    level: int,
    done: Callable[[Invitation], str],
) -> HttpResponse:
    """Resend or cancel one of the user's invitations, say how it went, and go back.

    Someone else's invitation is a 404; a refused change is an error message.
    """
    user = _user(request)
    try:
        invitation = change(user, pk)
    except Invitation.DoesNotExist as exc:
        raise Http404("No such invitation.") from exc
    except InvitationError as exc:
        messages.error(request, exc.message)
    else:
        messages.add_message(request, level, done(invitation))
    return _back(request, user)


@login_required
@require_POST
def resend_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    return _change_invitation(
        request,
        pk,
        invitations.resend,
        messages.SUCCESS,
        lambda sent: f"Sent again to {sent.email}; the earlier link no longer works.",
    )


@login_required
@require_POST
def cancel_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    return _change_invitation(
        request,
        pk,
        invitations.cancel,
        messages.INFO,
        lambda cancelled: f"The invitation to {cancelled.email} is cancelled.",
    )


# --- Accepting ---------------------------------------------------------------------------------
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the email. Signed out: sign up or sign in. Signed in: the consent screen.

    GET only shows (link scanners follow GETs); accepting is a POST with the consent box.
    """
    try:
        found = invitations.read(token)
    except InvitationError as exc:
        return _error(request, exc)
    for_client = found.direction == Direction.CLIENT
    context: dict[str, Any] = {
        "invitation": found,
        "inviter": found.inviter,
        "for_client": for_client,
        "token": token,
        "shared": invitations.WHAT_IS_SHARED,
    }
    if not request.user.is_authenticated:
        refusal = invitations.closed(found)
        if refusal is not None:
            return _error(request, invitations.error_for(found, refusal))
        context["has_account"] = User.objects.filter(email=found.email).exists()
        context["login_url"] = (
            reverse("accounts:login") + "?" + urlencode({"next": request.get_full_path()})
        )
        return render(request, "accounts/invitation_welcome.html", context)
    user = _user(request)
    refusal = invitations.refusal_for(found, user)
    if refusal is not None:
        return _error(request, invitations.error_for(found, refusal), signed_in_as=user.email)
    # A client agrees with the box; a clinician accepts an athlete's consent given already.
    form = forms.ShareConsentForm(_posted(request)) if for_client else None
    if request.method == "POST" and (form is None or form.is_valid()):
        consent = bool(form.cleaned_data["consent"]) if form is not None else False
        try:
            result = invitations.accept(token, user, consent=consent, ip=client_ip(request))
        except InvitationError as exc:
            return _error(request, exc)
        if for_client:
            messages.success(
                request, f"{invitations.person(found.inviter)} can now see your record."
            )
            return redirect("accounts:sharing")
        messages.success(
            request,
            f"You can now see {invitations.person(result.link.athlete)}'s record.",
        )
        return redirect("web:dashboard")
    context["form"] = form
    return render(request, "accounts/invitation_consent.html", context)


def invitation_signup(request: HttpRequest, token: str) -> HttpResponse:
    """Create an account from a client invitation, then go straight to the consent screen.

    The invitation reached this inbox, so the address is confirmed by it: no second email.
    """
    try:
        found = invitations.read(token)
    except InvitationError as exc:
        return _error(request, exc)
    accept_path = reverse("accounts:invitation", args=[token])
    if request.user.is_authenticated or found.direction != Direction.CLIENT:
        return redirect(accept_path)
    refusal = invitations.closed(found)
    if refusal is not None:
        return _error(request, invitations.error_for(found, refusal))
    if User.objects.filter(email=found.email).exists():
        messages.info(request, "You already have an account: log in to see the invitation.")
        return redirect(reverse("accounts:login") + "?" + urlencode({"next": accept_path}))
    form = forms.InvitationSignupForm(_posted(request), email=found.email)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            if User.objects.select_for_update().filter(email=found.email).exists():
                return redirect(reverse("accounts:login") + "?" + urlencode({"next": accept_path}))
            user = User.objects.create_user(
                email=found.email,
                password=form.cleaned_data["password"],
                display_name=form.cleaned_data["display_name"],
                email_verified_at=timezone.now(),
            )
            ConsentRecord.objects.create(
                user=user,
                kind=ConsentRecord.Kind.TERMS,
                wording_version=forms.TERMS_VERSION,
                source=ConsentRecord.Source.INVITATION,
            )
        auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(accept_path)
    context = {"form": form, "invitation": found, "inviter": found.inviter, "token": token}
    return render(request, "accounts/invitation_signup.html", context)


# --- The athlete's Sharing page ----------------------------------------------------------------
@login_required
def sharing_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not user.is_athlete:
        raise PermissionDenied("The Sharing page is for athletes sharing their own record.")
    context = {"sharing": sharing.sharing_for(user), "here": request.path}
    return render(request, "accounts/sharing.html", context)


@login_required
def revoke_sharing(request: HttpRequest, link_id: int) -> HttpResponse:
    """GET asks to confirm; POST stops sharing with that clinician."""
    user = _user(request)
    link = CareLink.objects.select_related("clinician").filter(pk=link_id, athlete=user).first()
    if link is None:
        raise Http404("No such sharing link.")
    if request.method == "POST":
        invitations.revoke(user, link_id, ip=client_ip(request))
        messages.info(
            request, f"{invitations.person(link.clinician)} can no longer see your record."
        )
        return redirect("accounts:sharing")
    if link.revoked_at is not None:
        return redirect("accounts:sharing")
    return render(request, "accounts/sharing_revoke.html", {"link": link})


@login_required
def consent_link(request: HttpRequest, link_id: int) -> HttpResponse:
    """Consent to a link made for the athlete (by an administrator) that still waits for it."""
    user = _user(request)
    link = (
        CareLink.objects.select_related("clinician")
        .filter(pk=link_id, athlete=user, consented_at__isnull=True, revoked_at__isnull=True)
        .first()
    )
    if link is None:
        raise Http404("No link waiting for your consent.")
    form = forms.ShareConsentForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        invitations.consent_to(user, link.pk, ip=client_ip(request))
        messages.success(request, f"{invitations.person(link.clinician)} can now see your record.")
        return redirect("accounts:sharing")
    context = {
        "form": form,
        "inviter": link.clinician,
        "for_client": True,
        "shared": invitations.WHAT_IS_SHARED,
        "action": request.path,
    }
    return render(request, "accounts/invitation_consent.html", context)
