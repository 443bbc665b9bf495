"""People, their roles, and who may see whose data."""

from __future__ import annotations

from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .identity import normalise_email


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        """The one stored spelling of an address (also used by ``User.clean``)."""
        return normalise_email(email or "")

    def _create_user(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.update(is_staff=True, is_superuser=True, role=User.Role.ADMIN)
        extra.setdefault("email_verified_at", timezone.now())
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email=normalise_email(username or ""))


class User(AbstractUser):
    """A person who signs in with an email address."""

    class Role(models.TextChoices):
        ATHLETE = "athlete", "Athlete"
        CLINICIAN = "clinician", "Clinician"
        EDITOR = "editor", "Editor"
        ADMIN = "admin", "Administrator"

    username = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)
    display_name = models.CharField(max_length=80, blank=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ATHLETE)
    timezone = models.CharField(max_length=64, default="Europe/London")
    email_verified_at = models.DateTimeField(null=True, blank=True)
    is_demo = models.BooleanField(
        "demo account",
        default=False,
        help_text="Made by `backstride demo` with the public demo password: refused when "
        "DEBUG is off.",
    )

    USERNAME_FIELD = "email"  # type: ignore[misc]
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = UserManager()  # type: ignore[assignment,misc]

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.display_name or self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = normalise_email(self.email or "")
        super().save(*args, **kwargs)

    def check_password(self, raw_password: str | None) -> bool:
        """A demo account's password is never right outside a development install.

        Every password check (the login page, ``/admin/``, any authentication backend)
        comes here, so a database that holds demo accounts cannot be entered with the
        password printed in the README.
        """
        if self.demo_refused:
            return False
        return super().check_password(raw_password)

    async def acheck_password(self, raw_password: str | None) -> bool:
        """The async twin of :meth:`check_password`, with the same demo rule."""
        if self.demo_refused:
            return False
        return await super().acheck_password(raw_password)

    @property
    def demo_refused(self) -> bool:
        """A demo account on a site that is not a development install (DEBUG off)."""
        return self.is_demo and not settings.DEBUG

    @property
    def name(self) -> str:
        return self.display_name or self.email.split("@")[0]

    @property
    def is_athlete(self) -> bool:
        return self.role == self.Role.ATHLETE

    @property
    def is_clinician(self) -> bool:
        return self.role == self.Role.CLINICIAN

    @property
    def is_editor(self) -> bool:
        return self.role == self.Role.EDITOR

    @property
    def is_admin_role(self) -> bool:
        return self.role == self.Role.ADMIN or self.is_superuser

    @property
    def access_role(self) -> str:
        """The role this account acts with: a superuser acts as an admin whatever its role."""
        return str(self.Role.ADMIN if self.is_superuser else self.role)

    @property
    def needs_two_factor(self) -> bool:
        """Clinicians, editors, admins and staff must use two-factor (when enforced)."""
        privileged = {self.Role.CLINICIAN, self.Role.EDITOR, self.Role.ADMIN}
        return self.access_role in privileged or self.is_staff

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def tzinfo(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")


class CareLinkQuerySet(models.QuerySet["CareLink"]):
    def active(self) -> CareLinkQuerySet:
        return self.filter(consented_at__isnull=False, revoked_at__isnull=True)


class CareLink(models.Model):
    """A clinician's access to an athlete's record, given by the athlete's consent."""

    clinician = models.ForeignKey(User, on_delete=models.CASCADE, related_name="client_links")
    athlete = models.ForeignKey(User, on_delete=models.CASCADE, related_name="clinician_links")
    created_at = models.DateTimeField(default=timezone.now)
    consented_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = CareLinkQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinician", "athlete"], name="unique_care_link"),
            models.CheckConstraint(
                condition=~Q(clinician=models.F("athlete")), name="no_self_link"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.clinician} → {self.athlete}"

    @property
    def is_active(self) -> bool:
        return self.consented_at is not None and self.revoked_at is None


class EmailToken(models.Model):
    """Single-use record for signed email tokens (verification), so a link works once."""

    PURPOSES = [("verify", "Verify email")]
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=16, choices=PURPOSES)
    nonce = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.purpose} for {self.user_id}"


class ConsentRecord(models.Model):
    """What a person agreed to, in which wording, and when."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(max_length=32)  # "terms", "health_data", "share_with_clinician"
    wording_version = models.CharField(max_length=32)
    given = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} v{self.wording_version}"
