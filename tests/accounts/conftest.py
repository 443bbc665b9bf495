"""Helpers for the invitation and sharing tests: sending one, and reading its link back."""

from __future__ import annotations

import re
from email.message import EmailMessage
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from backstride.accounts.models import Invitation
from tests.conftest import email_text


@pytest.fixture(autouse=True)
def _site(settings: Any) -> None:
    settings.SITE_URL = "https://backstride.example"


def invitation_path_in(message: EmailMessage) -> str:
    """The path of the invitation link in an email's plain-text part."""
    match = re.search(
        r"https://backstride\.example(/accounts/invitations/[^/\s]+/)", email_text(message)
    )
    assert match, "no invitation link in the email"
    return match.group(1)


def send_invitation(client: Client, email: str, *, as_athlete: bool = False) -> Invitation:
    """Invite ``email`` through the page (the athlete's form needs the consent box)."""
    if as_athlete:
        response = client.post(
            reverse("accounts:invite_clinician"), {"email": email, "consent": "on"}
        )
    else:
        response = client.post(reverse("accounts:invite_client"), {"email": email})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Invitation.objects.filter(email=email.strip().lower()).latest("created_at")
