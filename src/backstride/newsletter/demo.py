"""Demo subscribers with consent records (idempotent: safe to run again)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from backstride.accounts.models import ConsentRecord

from . import privacy
from .models import Source, Subscriber
from .services import CONSENT_VERSION

DEMO_SUBSCRIBERS = [
    ("athlete@example.com", "Sam", Source.HOME, 70),
    ("runner@example.com", "Riley", Source.EPISODE, 56),
    ("maya@example.com", "Maya", Source.ARTICLE, 40),
    ("tom@example.com", "Tom", Source.HOME, 21),
    ("priya@example.com", "Priya", Source.EPISODE, 9),
    ("lee@example.com", "", Source.ARTICLE, 3),
]


@transaction.atomic
def load_demo(stdout: Any) -> None:
    now = timezone.now()
    created = 0
    for email, first_name, source, days_ago in DEMO_SUBSCRIBERS:
        asked = now - timedelta(days=days_ago, hours=2)
        confirmed = asked + timedelta(minutes=7)
        subscriber, is_new = Subscriber.objects.get_or_create(
            email=email,
            defaults={
                "first_name": first_name,
                "source": source,
                "status": Subscriber.Status.CONFIRMED,
                "created_at": asked,
                "confirmed_at": confirmed,
            },
        )
        if not is_new:
            continue
        created += 1
        email_hash = privacy.email_hash(email)
        for action, at in (
            (ConsentRecord.Action.REQUESTED, asked),
            (ConsentRecord.Action.CONFIRMED, confirmed),
        ):
            ConsentRecord.objects.create(
                kind=ConsentRecord.Kind.NEWSLETTER,
                subscriber_id=subscriber.pk,
                email_hash=email_hash,
                action=action,
                wording_version=CONSENT_VERSION,
                source=source,
                ip_prefix="192.0.2.0/24",
                detail="demo data",
                created_at=at,
            )
    stdout.write(
        f"newsletter: {created} demo subscribers added ({len(DEMO_SUBSCRIBERS)} in total)\n"
    )
