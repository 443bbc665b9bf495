"""Demo people. Their password is the well-known demo password, so they are marked ``is_demo``
and refused whenever DEBUG is off (``User.check_password``, the middleware, the API)."""

from __future__ import annotations

from typing import TextIO

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import CareLink, User

DEMO_USERS = [
    ("athlete@example.com", "Alex Athlete", User.Role.ATHLETE),
    ("runner@example.com", "Riley Runner", User.Role.ATHLETE),
    ("clinician@example.com", "Dr Casey Clinician", User.Role.CLINICIAN),
    ("editor@example.com", "Eden Editor", User.Role.EDITOR),
    ("admin@example.com", "Ada Admin", User.Role.ADMIN),
]


@transaction.atomic
def load_demo(stdout: TextIO) -> None:
    """Create the demo people (marked as demo accounts) and link the clinician to both athletes."""
    now = timezone.now()
    users: dict[str, User] = {}
    for email, name, role in DEMO_USERS:
        user, created = User.objects.get_or_create(
            email=email,
            defaults={
                "display_name": name,
                "role": role,
                "email_verified_at": now,
                "is_demo": True,
            },
        )
        if created:
            user.set_password(settings.DEMO_PASSWORD)
            if role == User.Role.ADMIN:
                user.is_staff = user.is_superuser = True
            user.save()
        users[email] = user
    for athlete in ("athlete@example.com", "runner@example.com"):
        CareLink.objects.get_or_create(
            clinician=users["clinician@example.com"],
            athlete=users[athlete],
            defaults={"consented_at": now},
        )
    stdout.write("Demo people ready.\n")
