"""Sign up, verify, log in (with optional TOTP), profile and two-factor setup."""

from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.hashers import make_password
from django.contrib.auth.views import LoginView
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from backstride.lib.queue import enqueue_after_commit

from . import forms
from .identity import normalise_email
from .middleware import LOGIN_NOTICE_KEY
from .models import ConsentRecord, User
from .tasks import send_signup_attempt_email, send_verification_email
from .tokens import LinkError, peek_token, use_token

PENDING_2FA_KEY = "pending_2fa_user"


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("web:dashboard")
    form = forms.SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        with transaction.atomic():
            existing = User.objects.filter(email=email).first()
            if existing is not None:
                # Same answer as for a new address, so the form cannot be used to find out
                # who has an account; the owner hears about it by email. Hash the password
                # anyway so both answers take as long.
                make_password(form.cleaned_data["password"])
                enqueue_after_commit(send_signup_attempt_email, existing.pk)
            else:
                user = User.objects.create_user(
                    email=email,
                    password=form.cleaned_data["password"],
                    display_name=form.cleaned_data["display_name"],
                )
                ConsentRecord.objects.create(
                    user=user,
                    kind=ConsentRecord.Kind.TERMS,
                    wording_version=forms.TERMS_VERSION,
                    source=ConsentRecord.Source.SIGNUP,
                )
                enqueue_after_commit(send_verification_email, user.pk)
        request.session["signup_email"] = email
        return redirect("accounts:verify_sent")
    return render(request, "accounts/signup.html", {"form": form})


def verify_sent(request: HttpRequest) -> HttpResponse:
    return render(
        request, "accounts/verify_sent.html", {"email": request.session.get("signup_email", "")}
    )


def verify(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (link scanners only GET); POST confirms."""
    try:
        record = peek_token(token, "verify")
    except LinkError as exc:
        return render(request, "accounts/verify.html", {"error": str(exc)}, status=400)
    if request.method == "POST":
        try:
            user, _first = use_token(token, "verify")
        except LinkError as exc:
            return render(request, "accounts/verify.html", {"error": str(exc)}, status=400)
        if user.email_verified_at is None:
            user.email_verified_at = timezone.now()
            user.save(update_fields=["email_verified_at"])
        return render(request, "accounts/verify.html", {"done": True, "verified_user": user})
    if record.used_at is not None or record.user.email_verified:
        return render(request, "accounts/verify.html", {"done": True, "verified_user": record.user})
    return render(request, "accounts/verify.html", {"token": token, "verified_user": record.user})


def resend_verification(request: HttpRequest) -> HttpResponse:
    form = forms.ResendVerificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = User.objects.filter(
            email=normalise_email(form.cleaned_data["email"]), email_verified_at__isnull=True
        ).first()
        if user is not None:
            with transaction.atomic():
                enqueue_after_commit(send_verification_email, user.pk)
        # Same answer either way: don't reveal which addresses have accounts.
        messages.info(
            request, "If that address has an unconfirmed account, a new link is on its way."
        )
        return redirect("accounts:login")
    return render(request, "accounts/resend.html", {"form": form})


class Login(LoginView):
    """Password first; a second step for people with an authenticator app."""

    form_class = forms.LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # Set by RequireTwoFactorMiddleware when it ended a session it had to refuse.
        context["notice"] = self.request.session.pop(LOGIN_NOTICE_KEY, None)
        return context

    def form_valid(self, form: forms.LoginForm) -> HttpResponse:  # type: ignore[override]
        user = form.get_user()
        assert isinstance(user, User)
        if not user.email_verified:
            messages.warning(
                self.request,
                "Please confirm your email address first — we've sent you a link. "
                "You can ask for a new one below.",
            )
            return redirect("accounts:resend_verification")
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            self.request.session[PENDING_2FA_KEY] = user.pk
            self.request.session["pending_2fa_next"] = self.get_success_url()
            return redirect("accounts:login_two_factor")
        return super().form_valid(form)


def login_two_factor(request: HttpRequest) -> HttpResponse:
    user_id = request.session.get(PENDING_2FA_KEY)
    user = User.objects.filter(pk=user_id).first() if user_id else None
    if user is None:
        return redirect("accounts:login")
    form = forms.TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = _match_device(user, form.cleaned_data["token"])
        if device is not None:
            next_url = request.session.get("pending_2fa_next") or reverse("web:dashboard")
            auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            otp_login(request, device)
            if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
                next_url = reverse("web:dashboard")
            return HttpResponseRedirect(next_url)
        form.add_error(
            "token", "That code didn't match. Codes change every 30 seconds; try the current one."
        )
    return render(request, "accounts/login_two_factor.html", {"form": form})


def _match_device(user: User, token: str) -> TOTPDevice | None:
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(token):
            return device
    return None


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    messages.info(request, "You have logged out.")
    return redirect(settings.LOGOUT_REDIRECT_URL)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = forms.ProfileForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your profile is saved.")
        return redirect("accounts:profile")
    context: dict[str, Any] = {
        "form": form,
        "has_2fa": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        "consents": user.consents.order_by("-created_at", "-pk")[:10],
    }
    return render(request, "accounts/profile.html", context)


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        and not getattr(request.user, "is_verified", lambda: False)()
    ):
        # Has a device but this session hasn't used it yet: verify, don't set up again.
        request.session[PENDING_2FA_KEY] = user.pk
        request.session["pending_2fa_next"] = reverse("web:dashboard")
        auth_logout(request)
        request.session[PENDING_2FA_KEY] = user.pk
        return redirect("accounts:login_two_factor")
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": "Authenticator app"}
    )
    form = forms.TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            with transaction.atomic():
                TOTPDevice.objects.filter(user=user, confirmed=True).delete()
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            otp_login(request, device)
            messages.success(request, "Two-factor sign-in is on.")
            return redirect("accounts:profile")
        form.add_error(
            "token",
            "That code didn't match. Check the time on your phone and try the current code.",
        )
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4, omitsize=False)
    secret = _base32_secret(device)
    return render(
        request,
        "accounts/two_factor_setup.html",
        {"form": form, "qr_svg": qr_svg, "secret": secret, "required": user.needs_two_factor},
    )


def _base32_secret(device: TOTPDevice) -> str:
    import base64

    raw = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


@login_required
@require_POST
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if user.needs_two_factor and settings.REQUIRE_2FA_FOR_STAFF:
        messages.error(request, "Two-factor sign-in is required for your role.")
        return redirect("accounts:profile")
    TOTPDevice.objects.filter(user=user).delete()
    messages.info(request, "Two-factor sign-in is off.")
    return redirect("accounts:profile")
