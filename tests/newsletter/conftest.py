"""Newsletter fixtures: subscribers in each state, a small stand-in manual, helpers."""

from __future__ import annotations

import re
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfWriter

from backstride.newsletter import emails, services
from backstride.newsletter.models import Subscriber


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = "https://backstride.example"
    settings.DEFAULT_FROM_EMAIL = "Backstride <hello@backstride.example>"


@pytest.fixture
def fake_manual(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A tiny 2-page PDF in place of the real manual (the e2e test uses the real one)."""
    path = tmp_path / "manual.pdf"
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_blank_page(width=595, height=842)
    with path.open("wb") as fh:
        writer.write(fh)
    monkeypatch.setattr(emails, "manual_pdf_path", lambda: path)
    return path


def make_subscriber(email: str, status: str = "confirmed", **extra: Any) -> Subscriber:
    from django.utils import timezone

    if status == "confirmed":
        extra.setdefault("confirmed_at", timezone.now())
    return Subscriber.objects.create(email=email, status=status, **extra)


@pytest.fixture
def confirmed(db: None) -> Subscriber:
    return make_subscriber("reader@example.org", first_name="Robin")


def body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None, f"no text/{subtype} part"
    return str(part.get_content())


def link_in(message: EmailMessage, path_fragment: str) -> str:
    """The first https link containing ``path_fragment`` in the plain-text part."""
    match = re.search(rf"https?://\S*{re.escape(path_fragment)}\S*", body(message, "plain"))
    assert match, f"no {path_fragment} link in the email"
    return match.group(0)


def path_of(url: str) -> str:
    """``https://host/newsletter/x/`` → ``/newsletter/x/``."""
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def signup(
    client: Any, email: str = "new@example.org", ip: str = "203.0.113.7", **extra: Any
) -> Any:
    data = {"email": email, "first_name": "Nia", "consent": "on", "source": "home", **extra}
    return client.post("/newsletter/", data, REMOTE_ADDR=ip)


__all__ = ["body", "link_in", "make_subscriber", "path_of", "services", "signup"]
