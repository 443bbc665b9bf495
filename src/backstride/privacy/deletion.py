"""Delete my account: asked for here, done by the task queue (``tasks.erase_account``).

:func:`request_deletion` at once (in one transaction) stops the account from being used — it
can no longer sign in, its sessions and API tokens stop working, calendar feeds go dark, and
every clinician loses sight of it — then queues the job that erases everything
(:mod:`.erasing`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from backstride.accounts.models import CareLink, User
from backstride.activities.models import Activity
from backstride.api.models import ApiToken
from backstride.formcheck.models import FormCheck
from backstride.rehab.models import CheckIn, RedFlagClearance, SessionLog
from backstride.running.models import RunCheckIn
from backstride.running.services import revoke_calendar_tokens

from . import tasks
from .archive import stored_files
from .models import DataExport, DeletionLog


class DeletionRefused(Exception):
    """A deletion that cannot go ahead; ``str(error)`` says why in words."""


def blockers(user: User) -> list[str]:
    """Why this account cannot delete itself now (empty when it can)."""
    reasons = []
    if not user.is_active:
        reasons.append("This account is already being deleted.")
    if RedFlagClearance.objects.filter(clinician=user).exists():
        reasons.append(
            "You have cleared red-flag pauses for clients, and those decisions are part of "
            "their records. Please ask an administrator to close your account."
        )
    return reasons


@dataclass(frozen=True)
class Amount:
    count: int
    one: str
    many: str

    @property
    def label(self) -> str:
        return f"{self.count} {self.one if self.count == 1 else self.many}"


def what_goes(user: User) -> list[Amount]:
    """A short tally for the confirmation page (only what the person has)."""
    amounts = [
        Amount(
            Activity.objects.filter(user=user).count(),
            "run or other activity",
            "runs and other activities",
        ),
        Amount(RunCheckIn.objects.filter(user=user).count(), "run check-in", "run check-ins"),
        Amount(
            SessionLog.objects.filter(user=user).count(), "exercise session", "exercise sessions"
        ),
        Amount(CheckIn.objects.filter(user=user).count(), "session check-in", "session check-ins"),
        Amount(FormCheck.objects.filter(athlete=user).count(), "form check", "form checks"),
        Amount(len(stored_files(user)), "uploaded file", "uploaded files"),
    ]
    return [a for a in amounts if a.count]


def request_deletion(user: User) -> DeletionLog:
    """Lock the account out now and queue its erasure; ``DeletionRefused`` when it can't."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        reasons = blockers(user)
        if reasons:
            raise DeletionRefused(reasons[0])
        now = timezone.now()
        user.is_active = False
        user.save(update_fields=["is_active"])
        CareLink.objects.filter(
            Q(athlete=user) | Q(clinician=user), revoked_at__isnull=True
        ).update(revoked_at=now)
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
        revoke_calendar_tokens(user)
        DataExport.objects.filter(user=user, status__in=DataExport.ACTIVE).update(
            status=DataExport.Status.FAILED, error="The account is being deleted.", finished_at=now
        )
        log = DeletionLog.objects.create()
        tasks.enqueue_erase(user.pk, log.pk)
    return log
