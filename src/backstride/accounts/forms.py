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


# --- Invitations and sharing ---------------------------------------------------------------------
SHARE_CONSENT_LABEL = (
    "I agree to share my record, as listed above, with this clinician. I know each time they "
    "open it is logged for me to see, and that I can stop sharing at any time."
)


def _invited_email(label: str, help_text: str) -> forms.EmailField:
    return forms.EmailField(
        label=label,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        help_text=help_text,
    )


def _share_consent() -> forms.BooleanField:
    """The box that consents to sharing the record with a clinician (one wording, one message)."""
    return forms.BooleanField(
        label=SHARE_CONSENT_LABEL,
        error_messages={"required": "Please tick the box to agree, or leave this page."},
    )


class _InviteForm(forms.Form):
    """An invitation by email: the address is compared and stored normalised."""

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])


class InviteClientForm(_InviteForm):
    email = _invited_email(
        "Your client's email address",
        "They get an email with a link; nothing is shared until they agree.",
    )


class InviteClinicianForm(_InviteForm):
    email = _invited_email(
        "Your clinician's email address",
        "Use the address of their clinician account on this site, if you know it.",
    )
    consent = _share_consent()


class ShareConsentForm(forms.Form):
    consent = _share_consent()


class InvitationSignupForm(SignupForm):
    """Sign-up from an invitation: the address is the invited one, so it is not asked for."""

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invited_email = email
        del self.fields["email"]

    def clean(self) -> dict[str, Any]:
        self.cleaned_data["email"] = self.invited_email
        return super().clean()
