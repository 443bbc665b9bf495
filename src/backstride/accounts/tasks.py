"""Background work for accounts."""

from __future__ import annotations

from django_tasks import task

from .emails import build_signup_attempt_email, build_verification_email
from .models import User


@task()
def send_verification_email(user_id: int) -> bool:
    """Send (or re-send) the email-verification message. Returns False if nothing to do."""
    user = User.objects.filter(pk=user_id, email_verified_at__isnull=True).first()
    if user is None:
        return False
    build_verification_email(user).send()
    return True


@task()
def send_signup_attempt_email(user_id: int) -> bool:
    """Tell the owner of an address that someone tried to sign up with it again."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    build_signup_attempt_email(user).send()
    return True
