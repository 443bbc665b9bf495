"""What "everything" means: every table that holds a person's data, and how a row is written.

A fixed registry (:data:`TABLES`): each :class:`Table` names the model, how to find the
person's rows, and which columns are left out (secrets such as token hashes, and binary
columns, which go into the zip as files of their own). Rows are written generically from the
model's fields, so a column added to a model is exported the day it is added. Models that
point at a person but are deliberately not exported are listed in :data:`NOT_EXPORTED` with
the reason; a test fails when a model is in neither list.

The export (``archive.py``), the JSON document (:func:`document.export_everything`) and the
deletion counts all read this one list.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Q, QuerySet
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from backstride.accounts.models import AuditEvent, CareLink, ConsentRecord, Invitation, User
from backstride.activities.models import Activity, ActivityFile, ImportBatch, ImportItem
from backstride.api.models import ApiToken
from backstride.clinic.models import TailoringChange
from backstride.formcheck.models import ContactFrame, FormCheck
from backstride.newsletter.models import Subscriber
from backstride.newsletter.privacy import email_hashes
from backstride.rehab import models as rehab
from backstride.running.models import CalendarToken, ReadinessResult, RunCheckIn
from backstride.running.pages import changes_tested

from .models import DataExport

Row = dict[str, Any]


@dataclass(frozen=True)
class Table:
    """One table of the export: ``csv/<name>.csv`` and the ``name`` key of ``data.json``."""

    name: str
    about: str
    model: type[models.Model] | None
    select: Callable[[User], Any]
    exclude: tuple[str, ...] = ()
    more: Callable[[Any], Row] | None = None
    rows_of: Callable[[User], Iterable[Row]] | None = field(default=None)

    def rows(self, user: User) -> Iterator[Row]:
        """The person's rows, oldest first, as JSON-ready dicts with :meth:`columns` keys."""
        if self.rows_of is not None:
            yield from self.rows_of(user)
            return
        for obj in self.select(user).order_by("pk").iterator(chunk_size=500):
            yield self.row(obj)

    def row(self, obj: Any) -> Row:
        out: Row = {}
        for f in self.fields():
            value = getattr(obj, f.attname)
            if isinstance(f, models.FileField):
                value = archive_path(obj, f.name) if value else ""
            out[f.name if f.is_relation else f.attname] = plain(value)
        if self.more is not None:
            out.update(self.more(obj))
        return out

    def fields(self) -> list[models.Field[Any, Any]]:
        assert self.model is not None
        return [
            f
            for f in self.model._meta.concrete_fields
            if f.name not in self.exclude and not isinstance(f, models.BinaryField)
        ]

    def count(self, user: User) -> int:
        if self.rows_of is not None:
            return sum(1 for _ in self.rows_of(user))
        return int(self.select(user).count())


def plain(value: Any) -> Any:
    """A JSON-ready value: dates as ISO 8601, UUIDs and decimals as text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    return value


# --- Where a stored file goes in the zip ----------------------------------------------------
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(raw: str, fallback: str) -> str:
    """A file name safe in any zip tool: no folders, no odd characters, at most 80 long."""
    base = raw.replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE.sub("-", base).strip(".-")[:80]
    return base or fallback


def archive_path(obj: Any, field_name: str) -> str:
    """Where the file in ``obj.<field_name>`` (or a binary column) is put in the zip."""
    if isinstance(obj, ActivityFile):
        fallback = f"activity.{obj.format or 'bin'}"
        return f"originals/activities/{obj.activity_id}-{safe_name(obj.original_name, fallback)}"
    if isinstance(obj, ImportItem):
        return f"originals/uploads/{obj.pk}-{safe_name(obj.name, 'upload')}"
    if isinstance(obj, FormCheck):
        if field_name == "landmarks":
            return f"form-checks/{obj.pk}/landmarks.json"
        return f"originals/form-checks/{obj.pk}-{safe_name(obj.video_name, 'video')}"
    if isinstance(obj, ContactFrame):
        return f"form-checks/{obj.form_check_id}/contact-{obj.index:02d}-{obj.foot}.jpg"
    raise ValueError(f"no archive path for {type(obj).__name__}.{field_name}")


def gpx_path(activity: Activity) -> str:
    return f"gpx/{activity.local_start:%Y-%m-%d}-{activity.pk}.gpx"


# --- Rows that need more than the model's own fields ----------------------------------------
def _care_link_row(link: CareLink) -> Row:
    return {"clinician_name": str(link.clinician), "athlete_name": str(link.athlete)}


def _clearance_row(clearance: rehab.RedFlagClearance) -> Row:
    return {"clinician_name": str(clearance.clinician)}


def _form_check_row(check: FormCheck) -> Row:
    return {"landmarks_file": archive_path(check, "landmarks") if check.landmarks else ""}


def _frame_row(frame: ContactFrame) -> Row:
    return {"image_file": archive_path(frame, "image")}


def _activity_row(activity: Activity) -> Row:
    return {"gpx_file": gpx_path(activity) if activity.has_gps else ""}


def _plan_changes(user: User) -> Iterator[Row]:
    """Each change tried on the running ladder, as the engine works it out from the history
    (nothing of it is stored: the same runs and check-ins always give the same changes)."""
    if not (
        RunCheckIn.objects.filter(user=user).exists() or Activity.objects.filter(user=user).exists()
    ):
        return
    for change in reversed(changes_tested(user)):
        yield {
            "day": change.on.isoformat(),
            "change": change.label,
            "from": change.from_label,
            "to": change.to_label,
            "session_kind": str(change.kind.value),
            "response": change.word,
            "outcome": change.outcome,
            "reasons": [r.text for r in change.reasons],
            "activity": change.activity_id,
            "run_checkin": change.checkin_id,
        }


def _own(model: type[models.Model], *paths: str) -> Callable[[User], QuerySet[Any]]:
    """Select ``model`` rows whose ``path`` (``user``, ``screen__user``…) is the person."""

    def select(user: User) -> QuerySet[Any]:
        query = Q()
        for path in paths:
            query |= Q(**{path: user})
        return model._default_manager.filter(query)

    return select


def _table(
    name: str,
    about: str,
    model: type[models.Model],
    *paths: str,
    exclude: tuple[str, ...] = (),
    more: Callable[[Any], Row] | None = None,
) -> Table:
    return Table(name, about, model, _own(model, *paths), exclude, more)


TABLES: tuple[Table, ...] = (
    # Account
    Table(
        "account",
        "Your account: email address, name, role, time zone, dates.",
        User,
        lambda user: User.objects.filter(pk=user.pk),
        exclude=("password", "groups", "user_permissions"),
    ),
    _table("consents", "What you agreed to, in which wording, and when.", ConsentRecord, "user"),
    _table(
        "care_links",
        "Clinicians you share (or shared) your record with.",
        CareLink,
        "athlete",
        "clinician",
        more=_care_link_row,
    ),
    Table(
        "invitations",
        "Invitations between you and a clinician or a client, sent or accepted by you.",
        Invitation,
        lambda user: Invitation.objects.filter(Q(inviter=user) | Q(accepted_by=user)),
        exclude=("nonce",),
    ),
    _table(
        "access_log",
        "Who looked at your data: every read or change of your record by someone else.",
        AuditEvent,
        "athlete",
        exclude=("actor", "ip", "request_id"),
    ),
    _table(
        "plan_changes",
        "Changes your clinician made to your protocol, what changed and why.",
        TailoringChange,
        "athlete",
        exclude=("clinician",),
    ),
    _table(
        "two_factor_apps",
        "Authenticator apps set up for two-factor sign-in (not their secret keys).",
        TOTPDevice,
        "user",
        exclude=("key", "step", "t0", "digits", "tolerance", "drift", "last_t"),
    ),
    _table("two_factor_backup", "Backup-code devices (not the codes).", StaticDevice, "user"),
    _table(
        "api_tokens",
        "Your API tokens: names, scopes, dates (never the tokens themselves).",
        ApiToken,
        "user",
        exclude=("key_hash",),
    ),
    _table(
        "data_exports",
        "Your earlier requests to download your data.",
        DataExport,
        "user",
        exclude=("file_name",),
    ),
    # Rehab
    _table("rehab_profile", "Your place in the rehab programme.", rehab.RehabProfile, "user"),
    _table(
        "rehab_assessments", "Your self-assessments, answer by answer.", rehab.Assessment, "user"
    ),
    _table(
        "rehab_red_flag_screens",
        "Red-flag screens and what they decided.",
        rehab.RedFlagScreen,
        "user",
    ),
    _table(
        "rehab_red_flag_clearances",
        "A clinician's decision that a paused programme may go on, with the reason.",
        rehab.RedFlagClearance,
        "screen__user",
        more=_clearance_row,
    ),
    _table(
        "rehab_seen_clinician",
        "Your notes that you have seen a GP or clinician about a warning sign.",
        rehab.SeenClinicianDeclaration,
        "screen__user",
    ),
    _table(
        "rehab_phase_changes",
        "Placement and every phase change, with reasons.",
        rehab.PhaseChange,
        "user",
    ),
    _table("rehab_sessions", "Exercise sessions you did.", rehab.SessionLog, "user"),
    _table("rehab_checkins", "How you felt after each session.", rehab.CheckIn, "user"),
    _table("rehab_objective_tests", "Objective test results.", rehab.ObjectiveTestResult, "user"),
    _table("rehab_outcomes", "Outcome scores (pain, function).", rehab.OutcomeScore, "user"),
    _table(
        "rehab_outcome_reminders",
        "Outcome-score reminders we emailed.",
        rehab.OutcomeReminder,
        "user",
    ),
    _table(
        "rehab_advice_reminders",
        "Reminders we emailed to see your GP.",
        rehab.AdviceReminder,
        "screen__user",
    ),
    # Runs
    _table(
        "activities",
        "Runs and other sessions, with splits; routes are in gpx/.",
        Activity,
        "user",
        more=_activity_row,
    ),
    _table(
        "activity_files",
        "The original files your runs were imported from (in originals/activities/).",
        ActivityFile,
        "activity__user",
    ),
    _table("import_batches", "Uploads of run files.", ImportBatch, "user"),
    _table(
        "import_items",
        "Each uploaded file and what became of it.",
        ImportItem,
        "batch__user",
    ),
    _table("run_checkins", "How each run went: pain and leg symptoms.", RunCheckIn, "user"),
    Table(
        "running_plan_changes",
        "Each change tried on the return-to-running ladder, its response and what followed.",
        None,
        lambda user: None,
        rows_of=_plan_changes,
    ),
    _table("readiness_results", "Readiness tests before running.", ReadinessResult, "user"),
    _table(
        "calendar_feeds",
        "Private calendar-feed links you made (not their secret part).",
        CalendarToken,
        "user",
        exclude=("token",),
    ),
    # Form checks
    _table(
        "form_checks",
        "Running-form checks: reports, and the video when you kept it.",
        FormCheck,
        "athlete",
        more=_form_check_row,
    ),
    _table(
        "form_check_frames",
        "The foot-contact pictures of each form check (in form-checks/).",
        ContactFrame,
        "form_check__athlete",
        more=_frame_row,
    ),
    # Newsletter: found by address, not by account.
    Table(
        "newsletter_subscription",
        "The newsletter subscription of your email address, if any.",
        Subscriber,
        lambda user: Subscriber.objects.filter(email__iexact=user.email),
        exclude=("public_id",),
    ),
    Table(
        "newsletter_consents",
        "The newsletter consent history of your email address.",
        ConsentRecord,
        lambda user: ConsentRecord.objects.filter(
            Q(subscriber_id__in=Subscriber.objects.filter(email__iexact=user.email).values("pk"))
            | Q(email_hash__in=email_hashes(user.email)),
            kind=ConsentRecord.Kind.NEWSLETTER,
        ),
    ),
)

#: Models that point at a person (directly or through another model) but are not exported.
NOT_EXPORTED: dict[str, str] = {
    "accounts.EmailToken": "single-use email-link secrets, useless once used",
    "accounts.RecordsChange": "a bare counter of changes, for the cache: says nothing itself",
    "admin.LogEntry": "the admin site's record of a staff member's own edits",
    "clinic.ClinicianNote": "clinicians' private working notes about a client (never shown to "
    "the client; the practice answers a request for them)",
    "otp_static.StaticToken": "backup-code secrets",
    "publication.Article": "published writing, not personal data (author unset on deletion)",
    "publication.Episode": "published episodes, not personal data (author unset on deletion)",
    "publication.RelatedArticle": "links between published articles",
}


def table(name: str) -> Table:
    return next(t for t in TABLES if t.name == name)
