"""Account emails, sent through the task queue after the transaction commits."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from backstride.lib.mail import templated_email

from .models import Invitation, User
from .tokens import invitation_url, make_token


def build_verification_email(user: User) -> EmailMultiAlternatives:
    token = make_token(user, "verify")
    link = settings.SITE_URL + reverse("accounts:verify", args=[token])
    return templated_email(
        "accounts/email/verify",
        f"Confirm your email for {settings.SITE_NAME}",
        user.email,
        {"user": user, "link": link},
    )


def build_signup_attempt_email(user: User) -> EmailMultiAlternatives:
    """Tell an account's owner that someone tried to sign up with their address."""
    context = {
        "user": user,
        "login_link": settings.SITE_URL + reverse("accounts:login"),
        "reset_link": settings.SITE_URL + reverse("accounts:password_reset"),
        "resend_link": settings.SITE_URL + reverse("accounts:resend_verification"),
    }
    return templated_email(
        "accounts/email/signup_attempt",
        f"Someone tried to sign up to {settings.SITE_NAME} with your address",
        user.email,
        context,
    )


def build_invitation_email(invitation: Invitation) -> EmailMultiAlternatives:
    """The invitation with its link; worded for the direction (client or clinician)."""
    inviter = invitation.inviter
    name = inviter.display_name or inviter.email
    for_client = invitation.direction == Invitation.Direction.CLIENT
    context = {
        "inviter_name": name,
        "inviter_email": inviter.email,
        "for_client": for_client,
        "link": invitation_url(invitation),
        "days": settings.INVITE_MAX_AGE_DAYS,
    }
    subject = (
        f"{name} invited you to share your rehab record on {settings.SITE_NAME}"
        if for_client
        else f"{name} invited you to see their rehab record on {settings.SITE_NAME}"
    )
    return templated_email(
        "accounts/email/invitation", subject, invitation.email, context, reply_to=[inviter.email]
    )
