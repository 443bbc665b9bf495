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
