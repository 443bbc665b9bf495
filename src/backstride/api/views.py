"""Token management for people who use the API."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from backstride.accounts.models import User

from .models import ApiToken


class TokenForm(forms.Form):
    name = forms.CharField(label="What is this token for?", max_length=80)
    scope = forms.ChoiceField(
        label="What may it do?",
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        widget=forms.RadioSelect,
    )
    expires_days = forms.IntegerField(
        label="Expires after (days)",
        required=False,
        min_value=1,
        max_value=3650,
        help_text="Leave empty for a token that works until you revoke it.",
    )

    def expires_at(self) -> datetime | None:
        days = self.cleaned_data.get("expires_days")
        return timezone.now() + timedelta(days=days) if days else None


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = TokenForm(request.POST or None)
    raw = None
    if request.method == "POST" and form.is_valid():
        _, raw = ApiToken.issue(
            user, form.cleaned_data["name"], form.cleaned_data["scope"], form.expires_at()
        )
        form = TokenForm()
    context = {
        "form": form,
        "raw": raw,
        "tokens": ApiToken.objects.filter(user=user, revoked_at__isnull=True),
        "now": timezone.now(),
    }
    return render(request, "api/tokens.html", context)


@login_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user_id=request.user.pk, revoked_at__isnull=True)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    messages.info(request, f"Token “{token.name}” is revoked.")
    return redirect("api_tokens")
