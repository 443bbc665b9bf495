"""Background work for accounts."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from .emails import build_invitation_email, build_signup_attempt_email, build_verification_email
from .models import Invitation, User


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


@task()
def send_invitation_email(invitation_id: int, nonce: str) -> bool:
    """Email an invitation's newest link. Returns False when there is nothing to send.

    Nothing is sent for a cancelled, accepted or replaced invitation (a newer send has its
    own job), nor twice for the same link when a job is retried after the email went out.
    """
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("inviter")
            .filter(
                pk=invitation_id,
                nonce=nonce,
                emailed_at__isnull=True,
                accepted_at__isnull=True,
                cancelled_at__isnull=True,
            )
            .first()
        )
        if invitation is None or not invitation.inviter.is_active:
            return False
        build_invitation_email(invitation).send()
        invitation.emailed_at = timezone.now()
        invitation.save(update_fields=["emailed_at"])
    return True
