"""Account emails, sent through the task queue after the transaction commits."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from .models import Invitation, User
from .tokens import invitation_url, make_token


def build_verification_email(user: User) -> EmailMultiAlternatives:
    token = make_token(user, "verify")
    link = settings.SITE_URL + reverse("accounts:verify", args=[token])
    context = {"user": user, "link": link, "site_name": settings.SITE_NAME}
    message = EmailMultiAlternatives(
        subject=f"Confirm your email for {settings.SITE_NAME}",
        body=render_to_string("accounts/email/verify.txt", context),
        to=[user.email],
    )
    message.attach_alternative(render_to_string("accounts/email/verify.html", context), "text/html")
    return message


def build_signup_attempt_email(user: User) -> EmailMultiAlternatives:
    """Tell an account's owner that someone tried to sign up with their address."""
    context = {
        "user": user,
        "login_link": settings.SITE_URL + reverse("accounts:login"),
        "reset_link": settings.SITE_URL + reverse("accounts:password_reset"),
        "resend_link": settings.SITE_URL + reverse("accounts:resend_verification"),
        "site_name": settings.SITE_NAME,
    }
    message = EmailMultiAlternatives(
        subject=f"Someone tried to sign up to {settings.SITE_NAME} with your address",
        body=render_to_string("accounts/email/signup_attempt.txt", context),
        to=[user.email],
    )
    message.attach_alternative(
        render_to_string("accounts/email/signup_attempt.html", context), "text/html"
    )
    return message


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
        "site_name": settings.SITE_NAME,
    }
    subject = (
        f"{name} invited you to share your rehab record on {settings.SITE_NAME}"
        if for_client
        else f"{name} invited you to see their rehab record on {settings.SITE_NAME}"
    )
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("accounts/email/invitation.txt", context),
        to=[invitation.email],
        reply_to=[inviter.email],
    )
    message.attach_alternative(
        render_to_string("accounts/email/invitation.html", context), "text/html"
    )
    return message
