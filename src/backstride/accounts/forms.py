"""Account forms with messages a person understands."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm

from .identity import normalise_email
from .models import User
from .policy import DEMO_REFUSED

TERMS_VERSION = "2026-11"


class SignupForm(forms.Form):
    email = forms.EmailField(label="Email address", max_length=254)
    display_name = forms.CharField(label="Your name", max_length=80, required=False)
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 10 characters; not a common password.",
    )
    terms = forms.BooleanField(
        label=(
            "I understand that Backstride educates and structures exercise; "
            "it does not diagnose or replace a clinician."
        ),
        error_messages={"required": "Please confirm you have read this to continue."},
    )

    def clean_email(self) -> str:
        # Whether the address already has an account is not said here: the view answers
        # the same way for both and emails the owner (no account enumeration).
        return normalise_email(self.cleaned_data["email"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password = cleaned.get("password")
        if password:
            probe = User(
                email=cleaned.get("email", ""), display_name=cleaned.get("display_name", "")
            )
            try:
                password_validation.validate_password(password, probe)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return cleaned


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email address",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        "invalid_login": (
            "That email and password don't match an account. Check both and try again."
        ),
        "inactive": "This account is not active.",
        "demo_account": DEMO_REFUSED,
    }

    def clean_username(self) -> str:
        """The address in its one stored spelling, as django-axes counts it."""
        return normalise_email(self.cleaned_data["username"])

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except forms.ValidationError:
            username = self.cleaned_data.get("username")
            demo = User.objects.filter(email=username, is_demo=True).first() if username else None
            if demo is not None and demo.demo_refused:
                raise forms.ValidationError(
                    self.error_messages["demo_account"], code="demo_account"
                ) from None
            raise


class TokenForm(forms.Form):
    token = forms.CharField(
        label="6-digit code from your authenticator app",
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}
        ),
    )

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError("The code is made of digits only.")
        return token


def _timezone_choices() -> list[tuple[str, str]]:
    return [(z, z) for z in sorted(zoneinfo.available_timezones()) if "/" in z or z == "UTC"]


class ProfileForm(forms.ModelForm):
    timezone = forms.ChoiceField(label="Time zone", choices=_timezone_choices)

    class Meta:
        model = User
        fields = ["display_name", "timezone"]
        labels = {"display_name": "Your name"}


class ResendVerificationForm(forms.Form):
    email = forms.EmailField(label="Email address")
