"""Signup and preferences forms."""

from __future__ import annotations

from typing import Any

from django import forms

from . import services
from .validation import check_address


class SignupForm(forms.Form):
    email = forms.CharField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(
            attrs={"autocomplete": "email", "inputmode": "email", "spellcheck": "false"}
        ),
        error_messages={"required": "Please enter your email address."},
    )
    first_name = forms.CharField(
        label="First name (optional)",
        required=False,
        max_length=80,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    consent = forms.BooleanField(
        label=services.consent_text(),
        error_messages={
            "required": "Please tick the box to say you'd like these emails — we only send "
            "them with your clear yes."
        },
    )
    source = forms.CharField(required=False, widget=forms.HiddenInput)
    # A honeypot for simple bots: hidden from people and from assistive technology.
    website = forms.CharField(
        required=False,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args: Any, prefix_id: str = "nl", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.auto_id = f"{prefix_id}-%s"

    def clean_email(self) -> str:
        return check_address(self.cleaned_data["email"])

    @property
    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("website"))


class PreferencesForm(forms.Form):
    weekly_episodes = forms.BooleanField(
        label="The weekly episode email (Sundays)",
        required=False,
        help_text="The new podcast episode with its in-depth article, once a week.",
    )


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label="Yes, erase my newsletter data",
        error_messages={"required": "Tick the box to confirm — erasing cannot be undone."},
    )
