"""The one form of the app: confirming an account's deletion."""

from __future__ import annotations

from typing import Any

from django import forms

from backstride.accounts.identity import normalise_email
from backstride.accounts.models import User


class DeleteAccountForm(forms.Form):
    """Type your email address and your password: both, so nobody deletes by accident or
    from a session left open on someone else's computer."""

    email = forms.CharField(
        label="Type your email address",
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_email(self) -> str:
        email = normalise_email(self.cleaned_data["email"])
        if email != self.user.email:
            raise forms.ValidationError("That isn't the email address of this account.")
        return email

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That password isn't right.")
        return password
