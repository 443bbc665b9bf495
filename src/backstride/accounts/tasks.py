"""Background work for accounts."""

from __future__ import annotations

from django_tasks import task

from .emails import build_verification_email
from .models import User


@task()
def send_verification_email(user_id: int) -> bool:
    """Send (or re-send) the email-verification message. Returns False if nothing to do."""
    user = User.objects.filter(pk=user_id, email_verified_at__isnull=True).first()
    if user is None:
        return False
    build_verification_email(user).send()
    return True
