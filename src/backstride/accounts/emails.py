"""Account emails, sent through the task queue after the transaction commits."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from .models import User
from .tokens import make_token


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
