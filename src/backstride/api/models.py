"""Personal API tokens: shown once, stored only as a hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from backstride.accounts.models import User

PREFIX = "bst_"
#: ``last_used_at`` is updated at most this often.
USE_GRANULARITY = timedelta(minutes=1)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> ApiTokenQuerySet:
        """Not revoked, not expired, and the owner's account still active."""
        return self.filter(revoked_at__isnull=True, user__is_active=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=timezone.now())
        )


class ApiToken(models.Model):
    """A personal token, valid for the role its owner had when it was made.

    ``scope`` "read" allows only GET/HEAD/OPTIONS; "write" allows everything its owner may do.
    """

    class Scope(models.TextChoices):
        READ = "read", "Read only"
        WRITE = "write", "Read and write"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=80)
    key_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12)
    # The owner's ``access_role`` when the token was made: a promotion (or any role change)
    # must not hand the new powers to a token made before it, without two-factor.
    role = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.WRITE)
    expires_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @classmethod
    def issue(
        cls,
        user: User,
        name: str,
        scope: str = Scope.WRITE,
        expires_at: datetime | None = None,
    ) -> tuple[ApiToken, str]:
        """Create a token; the raw value is returned once and never stored."""
        raw = PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            name=name,
            key_hash=hash_token(raw),
            hint=raw[:10],
            role=user.access_role,
            scope=scope,
            expires_at=expires_at,
        )
        return token, raw

    @classmethod
    def find(cls, raw: str) -> ApiToken | None:
        """The active token with this raw value, or None. Says nothing about its role."""
        if not raw.startswith(PREFIX):
            return None
        digest = hash_token(raw)
        token = cls.objects.active().select_related("user").filter(key_hash=digest).first()
        if token is None or not hmac.compare_digest(token.key_hash, digest):
            return None
        return token

    @classmethod
    def refusal(cls, raw: str) -> str:
        """Why ``raw`` is not an active token, in words its holder can act on."""
        token = None
        if raw.startswith(PREFIX):
            token = cls.objects.filter(key_hash=hash_token(raw)).select_related("user").first()
        if token is None:
            return (
                "This API token is not valid: check that it was copied whole, "
                "or create a new one on the API tokens page."
            )
        if token.revoked_at is not None:
            return "This API token has been revoked. Create a new one on the API tokens page."
        if not token.user.is_active:
            return "The account this API token belongs to is deactivated."
        when = f" on {token.expires_at:%d %b %Y}" if token.expires_at else ""
        return f"This API token expired{when}. Create a new one on the API tokens page."

    @property
    def role_changed(self) -> bool:
        """True when the owner's role is no longer the one this token was made under."""
        return self.role != self.user.access_role

    @property
    def role_change_message(self) -> str:
        """Why a token made under another role no longer works, and what to do."""
        then, now = _role_words(self.role), _role_words(self.user.access_role)
        what = (
            f"This token was made when your account was {then}; it is now {now}"
            if then
            else "This token was made before your account's role changed"
        )
        return (
            f"{what}, so the token no longer works. Revoke it and create a new one on the "
            f"API tokens page ({settings.SITE_URL}{reverse('api_tokens')})."
        )

    def mark_used(self) -> None:
        """Record the use, at most once a minute (a busy script should not write every call)."""
        now = timezone.now()
        ApiToken.objects.filter(pk=self.pk).filter(
            models.Q(last_used_at__isnull=True) | models.Q(last_used_at__lt=now - USE_GRANULARITY)
        ).update(last_used_at=now)


def _role_words(role: str) -> str:
    """ "an athlete", "a clinician", "an administrator"; "" for an unknown role."""
    if role not in User.Role.values:
        return ""
    label = str(User.Role(role).label).lower()
    return f"{'an' if label[0] in 'aeiou' else 'a'} {label}"
