"""People, their roles, and who may see whose data."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone

from backstride.core.invitations import Direction, Status, status_of

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


class Invitation(models.Model):
    """An emailed invitation to link a clinician and an athlete; the link in it works once.

    The signed link carries this row's id and ``nonce``; sending it again makes a new nonce,
    so only the newest email works. Accepting creates (or re-opens) the :class:`CareLink`.
    """

    class Direction(models.TextChoices):
        CLIENT = Direction.CLIENT.value, "A clinician invites a client"
        CLINICIAN = Direction.CLINICIAN.value, "An athlete invites their clinician"

    inviter = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations_sent")
    direction = models.CharField(max_length=12, choices=Direction.choices)
    email = models.EmailField("email address", help_text="Stored in its one spelling.")
    nonce = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(default=timezone.now, help_text="When the newest link was made.")
    expires_at = models.DateTimeField()
    send_count = models.PositiveSmallIntegerField(default=1)
    emailed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the email with the newest link went out."
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    care_link = models.ForeignKey(
        CareLink, on_delete=models.SET_NULL, null=True, blank=True, related_name="invitations"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-pk"]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["inviter", "-created_at"], name="invitation_inviter_time"),
            models.Index(fields=["email"], name="invitation_email"),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()}: {self.inviter_id} → {self.email}"

    def status_at(self, now: datetime) -> Status:
        return status_of(
            expires_at=self.expires_at,
            accepted_at=self.accepted_at,
            cancelled_at=self.cancelled_at,
            now=now,
        )

    @property
    def status(self) -> Status:
        return self.status_at(timezone.now())


class ConsentSource(models.TextChoices):
    """Where a consent was given or withdrawn: one list for every kind of consent."""

    SIGNUP = "signup", "Sign-up page"
    REHAB = "rehab", "Rehab consent page"
    INVITATION = "invitation", "Invitation"
    SHARING = "sharing", "Sharing page"
    API = "api", "API"
    HOME = "home", "Homepage"
    ARTICLE = "article", "Article page"
    EPISODE = "episode", "Episode page"
    PAGE = "page", "Newsletter page"
    PREFERENCES = "preferences", "Preferences page"
    EMAIL = "email", "Email or mail provider"
    DEMO = "demo", "Demo data"
    OTHER = "other", "Other"


_Row = TypeVar("_Row", bound=models.Model)


class AppendOnlyQuerySet(models.QuerySet[_Row]):
    """Rows can be added and read, never changed or removed through a queryset.

    ``refusal`` is the message of the ``PermissionError`` raised instead.
    """

    refusal = "These rows are append-only."

    def update(self, **kwargs: Any) -> int:
        raise PermissionError(self.refusal)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError(self.refusal)


class AppendOnly(models.Model):
    """A model whose rows are only ever added: saving a stored row or deleting one raises
    ``PermissionError`` with ``refusal``."""

    refusal: ClassVar[str] = "These rows are append-only."

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError(self.refusal)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError(self.refusal)


class ConsentQuerySet(AppendOnlyQuerySet["ConsentRecord"]):
    """Append-only, like the access log: consent history is evidence and is never edited.

    ``unlink_subscriber`` is the one change allowed: a newsletter subscriber's erasure keeps
    their history (keyed hash, wording, time, network) without the link to the person.
    """

    refusal = "Consent records are append-only."

    def unlink_subscriber(self, subscriber_id: int) -> int:
        """Forget which subscriber these rows belonged to; returns how many rows changed."""
        rows = self.filter(subscriber_id=subscriber_id)
        return models.QuerySet.update(rows, subscriber_id=None)


class ConsentRecord(AppendOnly):
    """What someone agreed to or took back, in which wording, when, where and from where.

    One model for every consent: an account's terms, health-data and sharing consents
    (``user``), and a newsletter address's double opt-in history (``email_hash`` and, while
    the subscriber exists, ``subscriber_id``), so that an address without an account is
    recorded too. Rows are only ever added.
    """

    class Kind(models.TextChoices):
        TERMS = "terms", "Terms of use"
        HEALTH_DATA = "health_data", "Use of your health data"
        SHARING = "share_with_clinician", "Sharing your record with a clinician"
        NEWSLETTER = "newsletter", "Newsletter emails"

    class Action(models.TextChoices):
        GIVEN = "given", "Agreed"
        WITHDRAWN = "withdrawn", "Withdrew"
        REQUESTED = "requested", "Asked to subscribe"
        CONFIRMED = "confirmed", "Confirmed (double opt-in)"
        PREFERENCES = "preferences", "Changed preferences"
        SUPPRESSED = "suppressed", "Suppressed (bounce or complaint)"
        ERASED = "erased", "Data erased"

    Source = ConsentSource

    #: Actions after which the consent stands (until a later withdrawal).
    GIVING = frozenset({Action.GIVEN, Action.CONFIRMED})

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="consents"
    )
    email_hash = models.CharField(
        max_length=64,
        blank=True,
        db_index=True,
        help_text="Keyed hash of the address, for consents of people without an account.",
    )
    # The newsletter subscriber's id while they exist: a plain number, not a foreign key,
    # because accounts sits below the newsletter and never imports it.
    subscriber_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    care_link = models.ForeignKey(
        CareLink, on_delete=models.SET_NULL, null=True, blank=True, related_name="consents"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    action = models.CharField(max_length=12, choices=Action.choices, default=Action.GIVEN)
    wording_version = models.CharField(max_length=32, blank=True)
    source = models.CharField(max_length=12, choices=ConsentSource.choices, blank=True)
    ip_prefix = models.CharField(
        max_length=50, blank=True, help_text="Truncated client network (IPv4 /24, IPv6 /48)."
    )
    detail = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = ConsentQuerySet.as_manager()
    refusal = ConsentQuerySet.refusal

    class Meta:
        ordering: ClassVar[list[str]] = ["created_at", "pk"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(email_hash=""),
                name="consent_names_a_person",
            ),
        ]

    def __str__(self) -> str:
        who = f"user {self.user_id}" if self.user_id else f"address {self.email_hash[:12]}…"
        return f"{who}: {self.kind} {self.action} ({self.wording_version or 'no wording'})"

    @property
    def given(self) -> bool:
        """True when this record gives consent (rather than withdrawing or changing it)."""
        return self.action in self.GIVING


class AuditEventQuerySet(AppendOnlyQuerySet["AuditEvent"]):
    """Append-only: rows can be added and read, never changed or removed one by one.

    Deleting an athlete still removes their log with them (Django's cascade does not go
    through this queryset), as the right to erasure requires.
    """

    refusal = "The audit log is append-only."


class AuditEvent(AppendOnly):
    """One read or change of an athlete's health data by someone other than the athlete."""

    class Action(models.TextChoices):
        READ = "read", "Looked at"
        CHANGE = "change", "Changed"
        EXPORT = "export", "Exported"
        REFUSED = "refused", "Was refused"

    class Channel(models.TextChoices):
        WEB = "web", "Website"
        API = "api", "API"
        ADMIN = "admin", "Admin site"
        TASK = "task", "Background job"

    athlete = models.ForeignKey(User, on_delete=models.CASCADE, related_name="audit_events")
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Kept when the actor's account is gone, so the athlete still sees who it was.
    actor_label = models.CharField(max_length=200)
    action = models.CharField(max_length=16, choices=Action.choices)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    what = models.CharField(max_length=120)
    path = models.CharField(max_length=300, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AuditEventQuerySet.as_manager()
    refusal = AuditEventQuerySet.refusal

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["athlete", "-created_at"], name="audit_athlete_time")]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.action} {self.what} of {self.athlete_id}"


class RecordsChange(models.Model):
    """One row for each change to an athlete's tracked health and training records
    (:mod:`.freshness`): the count and the newest id of an athlete's rows make the token
    under which something computed from those records may be reused from the cache. Rows
    are only ever added (within the writing transaction), so two writes never wait on one
    row's lock, and a rolled-back write takes its row with it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )

    class Meta:
        indexes = [models.Index(fields=["user", "id"], name="records_change_user")]

    def __str__(self) -> str:
        return f"change {self.pk} to the records of user {self.user_id}"
